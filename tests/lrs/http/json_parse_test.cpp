// parse_json_fast gives what nlohmann's parser gives, or leaves the text to it.
#include "json_parse.h"

#include <random>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

namespace lrs {
namespace {

using nlohmann::json;

// Same value, same JSON types all the way down (1 and 1u compare equal in nlohmann).
bool identical(const json& a, const json& b) {
  if (a.type() != b.type()) return false;
  if (a.is_object()) {
    if (a.size() != b.size()) return false;
    for (auto ia = a.begin(), ib = b.begin(); ia != a.end(); ++ia, ++ib) {
      if (ia.key() != ib.key() || !identical(*ia, *ib)) return false;
    }
    return true;
  }
  if (a.is_array()) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (!identical(a[i], b[i])) return false;
    }
    return true;
  }
  return a.dump() == b.dump();
}

// nlohmann's answer: the value, or nullopt when it rejects the text.
std::optional<json> reference(const std::string& text) {
  try {
    return json::parse(text);
  } catch (const json::exception&) {  // parse_error, or out_of_range for 1e400
    return std::nullopt;
  }
}

void check_like_nlohmann(const std::string& text, bool must_be_fast = false) {
  INFO("text: " << text);
  auto want = reference(text);
  auto got = parse_json_fast(text);
  if (!want) {
    CHECK_FALSE(got.has_value());
    return;
  }
  if (must_be_fast) REQUIRE(got.has_value());
  if (got) CHECK(identical(*got, *want));
}

json random_value(std::mt19937& rng, int depth) {
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  switch (depth > 3 ? pick(6) : pick(8)) {
    case 0:
      return nullptr;
    case 1:
      return pick(2) == 0;
    case 2:
      return static_cast<std::int64_t>(rng()) * (pick(2) == 0 ? -1 : 1) * (pick(3) + 1);
    case 3:
      return std::ldexp(static_cast<double>(rng()) / 7.0, pick(200) - 100) * (pick(2) ? -1 : 1);
    case 4:
      return static_cast<std::uint64_t>(rng()) << 32 | rng();
    case 5: {
      static const std::vector<std::string> pieces = {
          "a", "é", "日本", "😀", "\"", "\\", "/", "\n", "\t", "\x01", " ", "mailto:x@y.z", "\x7f"};
      std::string s;
      for (int i = pick(6); i > 0; --i) s += pieces[static_cast<std::size_t>(pick(13))];
      return s;
    }
    case 6: {
      json a = json::array();
      for (int i = pick(5); i > 0; --i) a.push_back(random_value(rng, depth + 1));
      return a;
    }
    default: {
      json o = json::object();
      for (int i = pick(5); i > 0; --i) {
        o["k" + std::to_string(pick(6)) + (pick(3) == 0 ? "é" : "")] = random_value(rng, depth + 1);
      }
      return o;
    }
  }
}

}  // namespace

TEST_CASE("fast JSON parsing agrees with nlohmann on edge cases", "[http]") {
  for (const std::string text : {"0",
                                 "-0",
                                 "-0.0",
                                 "0.0",
                                 "1E2",
                                 "1e400",
                                 "-1e400",
                                 "1.5e-400",
                                 "18446744073709551615",
                                 "18446744073709551616",
                                 "-9223372036854775808",
                                 "-9223372036854775809",
                                 "9223372036854775807",
                                 "9223372036854775808",
                                 "123456789012345678901234567890.5",
                                 "0.1",
                                 "1.7976931348623157e308",
                                 "5e-324",
                                 "\"\\uD800\"",
                                 "\"\\uDC00\"",
                                 "\"\\uD800\\uDC00\"",
                                 "\"\\uD800x\"",
                                 "\"\\uDBFF\\uDFFF\"",
                                 "\"\\u0000\"",
                                 "\xEF\xBB\xBF{}",
                                 "{\"a\":1,\"a\":2}",
                                 "{\"a\":1,\"b\":[],\"a\":{\"c\":null}}",
                                 "[1,]",
                                 "{} x",
                                 "\"\x01\"",
                                 "\"\xC3\x28\"",
                                 "\"\xC0\xAF\"",
                                 "\"\xED\xA0\x80\"",
                                 "\"\xF4\x90\x80\x80\"",
                                 "tru",
                                 "nan",
                                 " [ ] ",
                                 "\t{\n}\r\n",
                                 "[01]",
                                 "[1.]",
                                 "[.5]",
                                 "[-]",
                                 "{\"a\" 1}",
                                 "{'a':1}",
                                 "\"\\x\"",
                                 "[\"a\\/b\"]",
                                 "[true,false,null]",
                                 "{\"\":\"\"}",
                                 "\"\\ud83d\\ude00\"",
                                 "[0,-0]",
                                 "[\"2026-01-05\",0]",
                                 "{\"a\":-0}"}) {
    check_like_nlohmann(text);
  }
}

TEST_CASE("fast JSON parsing agrees with nlohmann on random values", "[http]") {
  std::mt19937 rng(11);
  for (int i = 0; i < 2'000; ++i) {
    json value = random_value(rng, 0);
    check_like_nlohmann(value.dump(), !value.dump().starts_with("-0"));
    check_like_nlohmann(value.dump(2));
  }
}

TEST_CASE("a statement is parsed fast", "[http]") {
  check_like_nlohmann(
      R"({"actor":{"objectType":"Agent","account":{"homePage":"https://lms.example.com","name":"u-1"},"name":"Ann"},)"
      R"("verb":{"id":"http://adlnet.gov/expapi/verbs/completed","display":{"en-US":"completed"}},)"
      R"("object":{"id":"https://lms.example.com/sco/1","definition":{"name":{"en-US":"SCO 1"}}},)"
      R"("result":{"score":{"scaled":0.85,"raw":85,"min":0,"max":100},"success":true,"duration":"PT12M"},)"
      R"("timestamp":"2026-11-27T01:00:00.000Z"})",
      true);
}

}  // namespace lrs

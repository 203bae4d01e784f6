// lrs::json_text must write exactly what nlohmann's dump() writes.
#include "lrs/json_text.h"

#include <random>
#include <string>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using json = nlohmann::json;

namespace {

std::string random_string(std::mt19937& rng) {
  // Plain text, every escaped character, multi-byte UTF-8 and DEL.
  static const std::vector<std::string> pieces = {"a",     "Zz",   " ",    "\"",
                                                  "\\",    "/",    "\b",   "\f",
                                                  "\n",    "\r",   "\t",   std::string(1, '\0'),
                                                  "\x01",  "\x1f", "\x7f", "é",
                                                  "€",     "𝄞",    "日本", "mailto:x@example.com",
                                                  "{}[],:"};
  std::uniform_int_distribution<std::size_t> len(0, 8);
  std::uniform_int_distribution<std::size_t> pick(0, pieces.size() - 1);
  std::string s;
  for (std::size_t n = len(rng); n > 0; --n) s += pieces[pick(rng)];
  return s;
}

json random_value(std::mt19937& rng, int depth) {
  std::uniform_int_distribution<int> kind(0, depth > 4 ? 6 : 8);
  switch (kind(rng)) {
    case 0:
      return nullptr;
    case 1:
      return rng() % 2 == 0;
    case 2:
      return static_cast<std::int64_t>(rng()) - static_cast<std::int64_t>(rng()) * 4096;
    case 3:
      return static_cast<std::uint64_t>(rng()) * 4'294'967'296ULL + rng();
    case 4: {
      static const double floats[] = {0.0,   -0.0,   1.0,   0.1,  -2.5,
                                      1e300, 1e-300, 100.0, 0.95, 3.14159};
      return floats[rng() % std::size(floats)];
    }
    case 5:
    case 6:
      return random_string(rng);
    case 7: {
      json a = json::array();
      for (std::size_t n = rng() % 5; n > 0; --n) a.push_back(random_value(rng, depth + 1));
      return a;
    }
    default: {
      json o = json::object();
      for (std::size_t n = rng() % 5; n > 0; --n)
        o[random_string(rng)] = random_value(rng, depth + 1);
      return o;
    }
  }
}

}  // namespace

TEST_CASE("json_text writes what dump() writes", "[json]") {
  std::mt19937 rng(20261126);
  for (int i = 0; i < 3000; ++i) {
    json v = random_value(rng, 0);
    REQUIRE(lrs::json_text(v) == v.dump());
  }
  json statement = json::parse(R"({"actor":{"mbox":"mailto:a@example.com","name":"Ann \"A\" Ünal"},
    "verb":{"id":"http://adlnet.gov/expapi/verbs/answered","display":{"en-US":"answered"}},
    "object":{"id":"http://example.com/q1","definition":{"choices":[{"id":"a","description":{"en":"x\ty"}}]}},
    "result":{"score":{"scaled":0.5,"raw":5,"min":0,"max":10},"success":true,"duration":"PT1M"}})");
  CHECK(lrs::json_text(statement) == statement.dump());
  std::string out = "prefix:";
  lrs::append_json_text(json::array({1, "two"}), out);
  CHECK(out == R"(prefix:[1,"two"])");
}

TEST_CASE("json_text refuses strings that are not UTF-8, as dump() does", "[json]") {
  for (std::string bad :
       {"\xff", "a\xc3", "\xc0\x80", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe2\x82"}) {
    json v = bad;
    CHECK_THROWS_AS(v.dump(), json::type_error);
    CHECK_THROWS_AS(lrs::json_text(v), json::type_error);
  }
  CHECK(lrs::json_text(json("\xf4\x8f\xbf\xbf")) == json("\xf4\x8f\xbf\xbf").dump());
}

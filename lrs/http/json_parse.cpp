#include "json_parse.h"

#include <cmath>
#include <cstdint>
#include <string>

#include <simdjson.h>

namespace lrs {
namespace {

using nlohmann::json;
using simdjson::dom::element;
using simdjson::dom::element_type;

// Whether `text` may hold the number -0 (simdjson reads it as the integer 0, nlohmann as
// a signed integer where "0" is unsigned). Dates ("2026-01-05") have a digit before '-'.
bool may_hold_minus_zero(std::string_view text) {
  for (std::size_t at = text.find("-0"); at != std::string_view::npos;
       at = text.find("-0", at + 1)) {
    if (at == 0) return true;
    char before = text[at - 1];
    if (!(before >= '0' && before <= '9') && !(before >= 'A' && before <= 'Z') &&
        !(before >= 'a' && before <= 'z')) {
      return true;
    }
  }
  return false;
}

// False when `e` holds a value nlohmann would represent differently.
bool convert(element e, bool minus_zero, json& out) {
  switch (e.type()) {
    case element_type::OBJECT: {
      out = json::object();
      auto& members = out.get_ref<json::object_t&>();
      for (auto [key, value] : simdjson::dom::object(e)) {
        json v;
        if (!convert(value, minus_zero, v)) return false;
        // A repeated name keeps its last value, as nlohmann's parser does.
        members.insert_or_assign(std::string(key), std::move(v));
      }
      return true;
    }
    case element_type::ARRAY: {
      out = json::array();
      auto& items = out.get_ref<json::array_t&>();
      simdjson::dom::array array(e);
      items.reserve(array.size());
      for (element value : array) {
        items.emplace_back();
        if (!convert(value, minus_zero, items.back())) return false;
      }
      return true;
    }
    case element_type::STRING:
      out = std::string(std::string_view(e));
      return true;
    case element_type::INT64: {
      // nlohmann gives non-negative integers the unsigned type.
      std::int64_t v = std::int64_t(e);
      if (v == 0 && minus_zero) return false;
      if (v >= 0) {
        out = static_cast<std::uint64_t>(v);
      } else {
        out = v;
      }
      return true;
    }
    case element_type::UINT64:
      out = std::uint64_t(e);
      return true;
    case element_type::DOUBLE: {
      double v = double(e);
      // "-0" is an integer 0 for nlohmann, "-0.0" a float: simdjson cannot tell them apart.
      if (v == 0 && std::signbit(v)) return false;
      out = v;
      return true;
    }
    case element_type::BOOL:
      out = bool(e);
      return true;
    case element_type::NULL_VALUE:
      out = nullptr;
      return true;
  }
  return false;
}

}  // namespace

std::optional<json> parse_json_fast(std::string_view text) {
  // One parser per thread keeps its buffers between requests.
  thread_local simdjson::dom::parser parser;
  element root;
  if (parser.parse(text.data(), text.size()).get(root) != simdjson::SUCCESS) return std::nullopt;
  json out;
  if (!convert(root, may_hold_minus_zero(text), out)) return std::nullopt;
  return out;
}

}  // namespace lrs

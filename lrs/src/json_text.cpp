#include "lrs/json_text.h"

#include <array>
#include <charconv>
#include <string_view>

#include <nlohmann/json.hpp>

namespace lrs {
namespace {

using json = nlohmann::json;

// Well-formed UTF-8 (RFC 3629: no overlongs, no surrogates, nothing past U+10FFFF).
bool is_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t n = 0;
    unsigned char lo = 0x80;
    unsigned char hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      n = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 2;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 3;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;
    for (std::size_t k = 1; k <= n; ++k) {
      auto d = static_cast<unsigned char>(s[i + k]);
      if (k == 1 ? (d < lo || d > hi) : (d < 0x80 || d > 0xBF)) return false;
    }
    i += n + 1;
  }
  return true;
}

void append_string(std::string_view s, std::string& out) {
  out.push_back('"');
  std::size_t run = 0;
  bool ascii = true;
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) ascii = false;
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"':
        out.append("\\\"");
        break;
      case '\\':
        out.append("\\\\");
        break;
      case '\b':
        out.append("\\b");
        break;
      case '\f':
        out.append("\\f");
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\r':
        out.append("\\r");
        break;
      case '\t':
        out.append("\\t");
        break;
      default: {
        static constexpr char kHex[] = "0123456789abcdef";
        std::array<char, 6> u{'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
        out.append(u.data(), u.size());
      }
    }
  }
  out.append(s.data() + run, s.size() - run);
  out.push_back('"');
  // dump() refuses such a string; so do we, with its exception.
  if (!ascii && !is_utf8(s)) (void)json(std::string(s)).dump();
}

template <class Int>
void append_integer(Int v, std::string& out) {
  std::array<char, 24> buf{};
  auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), v);
  out.append(buf.data(), end);
}

}  // namespace

void append_json_text(const json& value, std::string& out) {
  switch (value.type()) {
    case json::value_t::object: {
      out.push_back('{');
      bool first = true;
      for (const auto& [key, member] : value.get_ref<const json::object_t&>()) {
        if (!first) out.push_back(',');
        first = false;
        append_string(key, out);
        out.push_back(':');
        append_json_text(member, out);
      }
      out.push_back('}');
      return;
    }
    case json::value_t::array: {
      out.push_back('[');
      bool first = true;
      for (const json& element : value) {
        if (!first) out.push_back(',');
        first = false;
        append_json_text(element, out);
      }
      out.push_back(']');
      return;
    }
    case json::value_t::string:
      append_string(value.get_ref<const std::string&>(), out);
      return;
    case json::value_t::boolean:
      out.append(value.get<bool>() ? "true" : "false");
      return;
    case json::value_t::null:
      out.append("null");
      return;
    case json::value_t::number_integer:
      append_integer(value.get<std::int64_t>(), out);
      return;
    case json::value_t::number_unsigned:
      append_integer(value.get<std::uint64_t>(), out);
      return;
    default:
      // Floats (nlohmann's own shortest round-trip format), binary, discarded: rare.
      out.append(value.dump());
      return;
  }
}

void append_json_string(std::string_view text, std::string& out) { append_string(text, out); }

std::string json_text(const json& value) {
  std::string out;
  out.reserve(256);
  append_json_text(value, out);
  return out;
}

}  // namespace lrs

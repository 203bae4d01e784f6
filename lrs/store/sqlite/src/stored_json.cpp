#include "stored_json.h"

#include <cassert>
#include <cstdio>

#include "lrs/timestamp.h"

namespace lrs::sqlite {
std::string with_stored(std::string_view body, std::int64_t stored_us) {
  std::size_t close = body.rfind('}');
  assert(close != std::string_view::npos && "a statement body is a JSON object");
  if (close == std::string_view::npos) return std::string(body);
  std::size_t before = close;
  while (before > 0 && (body[before - 1] == ' ' || body[before - 1] == '\n' ||
                        body[before - 1] == '\r' || body[before - 1] == '\t')) {
    --before;
  }
  bool empty_object = before > 0 && body[before - 1] == '{';
  std::string stored = format_timestamp_us(stored_us);
  std::string out;
  out.reserve(body.size() + stored.size() + 12);
  out.append(body.substr(0, close));
  out.append(empty_object ? "\"stored\":\"" : ",\"stored\":\"");
  out.append(stored);
  out.append("\"");
  out.append(body.substr(close));
  return out;
}

std::string encode_terms(const std::vector<std::int64_t>& sorted_terms) {
  std::string out;
  std::uint64_t prev = 0;
  for (std::int64_t t : sorted_terms) {
    std::uint64_t v = static_cast<std::uint64_t>(t) - prev;
    prev = static_cast<std::uint64_t>(t);
    while (v >= 0x80) {
      out.push_back(static_cast<char>((v & 0x7F) | 0x80));
      v >>= 7;
    }
    out.push_back(static_cast<char>(v));
  }
  return out;
}

std::vector<std::int64_t> decode_terms(std::string_view blob) {
  std::vector<std::int64_t> out;
  std::uint64_t prev = 0;
  std::uint64_t v = 0;
  int shift = 0;
  for (char c : blob) {
    auto byte = static_cast<std::uint8_t>(c);
    v |= static_cast<std::uint64_t>(byte & 0x7F) << shift;
    if (byte & 0x80) {
      shift += 7;
      continue;
    }
    prev += v;
    out.push_back(static_cast<std::int64_t>(prev));
    v = 0;
    shift = 0;
  }
  return out;
}

}  // namespace lrs::sqlite

#include "stored_json.h"

#include <cassert>
#include <cstdio>

namespace lrs::sqlite {
namespace {

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

}  // namespace

// Same format as lrs::format_timestamp_us (timestamp.h), which is not available on this
// branch yet: UTC, 3 fraction digits when the sub-millisecond part is zero, else 6.
std::string format_stored_time(std::int64_t us) {
  std::int64_t secs = floor_div(us, 1'000'000);
  auto frac = static_cast<int>(us - secs * 1'000'000);
  std::int64_t days = floor_div(secs, 86'400);
  auto sod = static_cast<int>(secs - days * 86'400);
  // Civil date from days since 1970-01-01 (H. Hinnant, "chrono-Compatible Low-Level
  // Date Algorithms").
  days += 719'468;
  std::int64_t era = floor_div(days, 146'097);
  std::int64_t doe = days - era * 146'097;
  std::int64_t yoe = (doe - doe / 1'460 + doe / 36'524 - doe / 146'096) / 365;
  std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  std::int64_t mp = (5 * doy + 2) / 153;
  auto day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  auto month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  auto year = static_cast<long long>(yoe + era * 400 + (month <= 2 ? 1 : 0));
  char buf[64];
  if (frac % 1000 == 0) {
    std::snprintf(buf, sizeof buf, "%04lld-%02d-%02dT%02d:%02d:%02d.%03dZ", year, month, day,
                  sod / 3600, sod / 60 % 60, sod % 60, frac / 1000);
  } else {
    std::snprintf(buf, sizeof buf, "%04lld-%02d-%02dT%02d:%02d:%02d.%06dZ", year, month, day,
                  sod / 3600, sod / 60 % 60, sod % 60, frac);
  }
  return buf;
}

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
  std::string stored = format_stored_time(stored_us);
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

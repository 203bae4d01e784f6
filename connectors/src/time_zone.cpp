#include "connectors/time_zone.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <iterator>

namespace connectors {
namespace {

std::int64_t read_be(const std::string& data, std::size_t at, int bytes) {
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<unsigned char>(data[at + i]);
  if (bytes == 4) return static_cast<std::int32_t>(static_cast<std::uint32_t>(v));
  return static_cast<std::int64_t>(v);
}

std::optional<std::int32_t> parse_fixed_offset(std::string_view s) {
  if (s == "UTC" || s == "Z" || s == "GMT" || s == "Etc/UTC") return 0;
  if (s.size() < 3 || (s[0] != '+' && s[0] != '-')) return std::nullopt;
  std::string digits;
  for (std::size_t i = 1; i < s.size(); ++i) {
    if (s[i] == ':' && i == 3) continue;
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return std::nullopt;
    digits.push_back(s[i]);
  }
  if (digits.size() != 2 && digits.size() != 4) return std::nullopt;
  int hours = std::stoi(digits.substr(0, 2));
  int minutes = digits.size() == 4 ? std::stoi(digits.substr(2)) : 0;
  if (hours > 18 || minutes > 59) return std::nullopt;
  int total = hours * 3600 + minutes * 60;
  return s[0] == '-' ? -total : total;
}

bool safe_zone_name(std::string_view name) {
  if (name.empty() || name.front() == '/' || name.find("..") != std::string_view::npos) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '/' || c == '_' || c == '-' ||
           c == '+';
  });
}

struct Reader {
  std::string_view s;
  std::size_t i = 0;
  std::optional<int> number(int min_digits, int max_digits) {
    int v = 0, n = 0;
    while (n < max_digits && i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
      v = v * 10 + (s[i] - '0');
      ++i;
      ++n;
    }
    if (n < min_digits) return std::nullopt;
    return v;
  }
};

constexpr std::string_view kMonths[] = {"january",   "february", "march",    "april",
                                        "may",       "june",     "july",     "august",
                                        "september", "october",  "november", "december"};

bool leap(std::int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned days_in_month(std::int64_t y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : kDays[m - 1];
}

}  // namespace

std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

TimeZone TimeZone::utc() {
  TimeZone z;
  z.name_ = "UTC";
  z.offsets_ = {0};
  return z;
}

lrs::Result<TimeZone> TimeZone::load(std::string_view name) {
  if (auto fixed = parse_fixed_offset(name)) {
    TimeZone z;
    z.name_ = std::string(name);
    z.initial_offset_ = *fixed;
    z.offsets_ = {*fixed};
    return z;
  }
  if (!safe_zone_name(name)) {
    return lrs::fail(lrs::ErrorCode::kInvalid,
                     "time zone \"" + std::string(name) +
                         "\" is not a tz database name (like Europe/Madrid) or an offset "
                         "(like +02:00)");
  }
  const char* dir = std::getenv("TZDIR");
  std::string path = std::string(dir != nullptr && *dir != '\0' ? dir : "/usr/share/zoneinfo") +
                     "/" + std::string(name);
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return lrs::fail(lrs::ErrorCode::kInvalid, "unknown time zone \"" + std::string(name) +
                                                   "\" (no " + path +
                                                   "; is the tzdata package installed?)");
  }
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto bad = [&] {
    return lrs::fail(lrs::ErrorCode::kInvalid, path + " is not a TZif time zone file");
  };
  if (data.size() < 44 || data.compare(0, 4, "TZif") != 0) return bad();
  auto counts = [&](std::size_t at, std::int64_t c[6]) {
    for (int k = 0; k < 6; ++k) c[k] = read_be(data, at + 20 + 4 * k, 4);
  };
  // isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt
  std::int64_t c[6];
  counts(0, c);
  std::size_t at = 44;
  int time_bytes = 4;
  if (data[4] >= '2') {
    // Skip the 32-bit section; the 64-bit one that follows covers every year.
    at += c[3] * 4 + c[3] + c[4] * 6 + c[5] + c[2] * 8 + c[1] + c[0];
    if (data.size() < at + 44 || data.compare(at, 4, "TZif") != 0) return bad();
    counts(at, c);
    at += 44;
    time_bytes = 8;
  }
  std::int64_t timecnt = c[3], typecnt = c[4];
  if (typecnt < 1 ||
      data.size() < at + static_cast<std::size_t>(timecnt * (time_bytes + 1) + typecnt * 6)) {
    return bad();
  }
  TimeZone z;
  z.name_ = std::string(name);
  std::vector<std::int32_t> type_offset(static_cast<std::size_t>(typecnt));
  std::vector<bool> type_dst(static_cast<std::size_t>(typecnt));
  std::size_t types_at = at + static_cast<std::size_t>(timecnt * (time_bytes + 1));
  for (std::int64_t t = 0; t < typecnt; ++t) {
    type_offset[t] = static_cast<std::int32_t>(read_be(data, types_at + t * 6, 4));
    type_dst[t] = data[types_at + t * 6 + 4] != 0;
  }
  for (std::int64_t k = 0; k < timecnt; ++k) {
    auto idx = static_cast<unsigned char>(data[at + timecnt * time_bytes + k]);
    if (idx >= typecnt) return bad();
    z.transitions_.push_back(read_be(data, at + k * time_bytes, time_bytes));
    z.transition_offset_.push_back(type_offset[idx]);
  }
  // RFC 8536 3.2: local time before the first transition uses the first standard type.
  z.initial_offset_ = type_offset[0];
  for (std::int64_t t = 0; t < typecnt; ++t) {
    if (!type_dst[t]) {
      z.initial_offset_ = type_offset[t];
      break;
    }
  }
  z.offsets_ = type_offset;
  std::sort(z.offsets_.begin(), z.offsets_.end());
  z.offsets_.erase(std::unique(z.offsets_.begin(), z.offsets_.end()), z.offsets_.end());
  return z;
}

std::int32_t TimeZone::offset_at(std::int64_t utc_seconds) const {
  auto it = std::upper_bound(transitions_.begin(), transitions_.end(), utc_seconds);
  if (it == transitions_.begin()) return initial_offset_;
  return transition_offset_[static_cast<std::size_t>(it - transitions_.begin() - 1)];
}

lrs::Result<std::int64_t> TimeZone::to_utc(std::int64_t local_seconds) const {
  std::optional<std::int64_t> best;
  for (std::int32_t off : offsets_) {
    std::int64_t candidate = local_seconds - off;
    if (offset_at(candidate) == off && (!best || candidate < *best)) best = candidate;
  }
  if (!best) {
    return lrs::fail(lrs::ErrorCode::kInvalid,
                     "the local time does not exist in " + name_ + " (clocks were turned forward)");
  }
  return *best;
}

std::optional<std::int64_t> parse_wall_clock(std::string_view text, std::string_view format) {
  Reader r{text};
  std::int64_t year = 1970;
  int month = 1, day = 1, hour = 0, minute = 0, second = 0;
  std::optional<bool> pm;
  bool twelve_hour = false;
  std::string expanded;
  for (std::size_t f = 0; f < format.size(); ++f) {
    if (format[f] == '%' && f + 1 < format.size() &&
        (format[f + 1] == 'F' || format[f + 1] == 'T')) {
      expanded += format[f + 1] == 'F' ? "%Y-%m-%d" : "%H:%M:%S";
      ++f;
    } else {
      expanded.push_back(format[f]);
    }
  }
  for (std::size_t f = 0; f < expanded.size(); ++f) {
    char fc = expanded[f];
    if (fc == ' ') {
      while (r.i < text.size() && text[r.i] == ' ') ++r.i;
      continue;
    }
    if (fc != '%' || f + 1 == expanded.size()) {
      if (r.i >= text.size() || text[r.i] != fc) return std::nullopt;
      ++r.i;
      continue;
    }
    char d = expanded[++f];
    std::optional<int> v;
    switch (d) {
      case 'Y':
        v = r.number(4, 4);
        if (v) year = *v;
        break;
      case 'y':
        v = r.number(2, 2);
        if (v) year = *v < 69 ? 2000 + *v : 1900 + *v;
        break;
      case 'm':
        v = r.number(1, 2);
        if (v) month = *v;
        break;
      case 'd':
      case 'e':
        while (d == 'e' && r.i < text.size() && text[r.i] == ' ') ++r.i;
        v = r.number(1, 2);
        if (v) day = *v;
        break;
      case 'H':
        v = r.number(1, 2);
        if (v) hour = *v;
        break;
      case 'I':
        v = r.number(1, 2);
        if (v) hour = *v;
        twelve_hour = true;
        break;
      case 'M':
        v = r.number(2, 2);
        if (v) minute = *v;
        break;
      case 'S':
        v = r.number(2, 2);
        if (v) second = *v;
        break;
      case 'p': {
        std::string ampm;
        for (int k = 0; k < 2 && r.i < text.size(); ++k) {
          ampm.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(text[r.i++]))));
        }
        if (ampm != "am" && ampm != "pm") return std::nullopt;
        pm = ampm == "pm";
        v = 0;
        break;
      }
      case 'b':
      case 'B': {
        std::string word;
        while (r.i < text.size() && std::isalpha(static_cast<unsigned char>(text[r.i]))) {
          word.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(text[r.i++]))));
        }
        auto it = std::find_if(std::begin(kMonths), std::end(kMonths), [&](std::string_view m) {
          return d == 'B' ? word == m : word == m.substr(0, 3);
        });
        if (it == std::end(kMonths)) return std::nullopt;
        month = static_cast<int>(it - std::begin(kMonths)) + 1;
        v = 0;
        break;
      }
      case '%':
        if (r.i >= text.size() || text[r.i] != '%') return std::nullopt;
        ++r.i;
        v = 0;
        break;
      default:
        return std::nullopt;
    }
    if (!v) return std::nullopt;
  }
  while (r.i < text.size() && text[r.i] == ' ') ++r.i;
  if (r.i != text.size()) return std::nullopt;
  if (twelve_hour) {
    if (hour < 1 || hour > 12 || !pm) return std::nullopt;
    hour = (hour % 12) + (*pm ? 12 : 0);
  }
  if (month < 1 || month > 12 || day < 1 ||
      static_cast<unsigned>(day) > days_in_month(year, static_cast<unsigned>(month)) || hour > 23 ||
      minute > 59 || second > 59) {
    return std::nullopt;
  }
  return days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * 86400 +
         hour * 3600 + minute * 60 + second;
}

}  // namespace connectors

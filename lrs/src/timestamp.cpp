#include "lrs/timestamp.h"

#include "timestamp_syntax.h"

namespace lrs {
namespace {

constexpr std::int64_t kUsPerSecond = 1'000'000;
constexpr std::int64_t kSecondsPerDay = 86'400;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// A tiny cursor over the text; every read is bounds-checked so malformed input can
// never read past the end.
class Cursor {
 public:
  explicit Cursor(std::string_view text) : text_(text) {}

  bool done() const { return pos_ == text_.size(); }
  char peek() const { return done() ? '\0' : text_[pos_]; }
  bool eat(char c) {
    if (peek() != c) return false;
    ++pos_;
    return true;
  }
  // Reads exactly `n` digits.
  bool digits(int n, int& out) {
    if (text_.size() - pos_ < static_cast<std::size_t>(n)) return false;
    int v = 0;
    for (int i = 0; i < n; ++i) {
      char c = text_[pos_ + i];
      if (!is_digit(c)) return false;
      v = v * 10 + (c - '0');
    }
    pos_ += n;
    out = v;
    return true;
  }
  // Reads one or more digits as a fraction of a second, truncated to microseconds.
  bool fraction_us(int& out) {
    std::size_t start = pos_;
    int v = 0;
    int used = 0;
    while (!done() && is_digit(text_[pos_])) {
      if (used < 6) {
        v = v * 10 + (text_[pos_] - '0');
        ++used;
      }
      ++pos_;
    }
    if (pos_ == start) return false;
    for (; used < 6; ++used) v *= 10;
    out = v;
    return true;
  }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
};

bool is_leap_year(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int days_in_month(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap_year(y) ? 29 : kDays[m - 1];
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct Civil {
  std::int64_t year;
  unsigned month;
  unsigned day;
};

Civil civil_from_days(std::int64_t z) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {y + (m <= 2), m, d};
}

// Floor division, so instants before 1970 format correctly.
std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

void append_digits(std::string& out, std::int64_t v, int width) {
  char buf[20];
  int n = 0;
  do {
    buf[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v > 0);
  for (int i = n; i < width; ++i) out.push_back('0');
  while (n > 0) out.push_back(buf[--n]);
}

}  // namespace

namespace detail {

std::optional<std::int64_t> parse_timestamp(std::string_view text, TimestampSyntax syntax) {
  const bool rfc = syntax == TimestampSyntax::kRfc3339;
  Cursor c(text);
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, frac_us = 0;

  // Date: extended "YYYY-MM-DD" or (ISO only) basic "YYYYMMDD"; the time part must use
  // the same format (ISO 8601:2004 4.3.2).
  if (!c.digits(4, year)) return std::nullopt;
  const bool extended = c.eat('-');
  if (!extended && rfc) return std::nullopt;
  if (!c.digits(2, month)) return std::nullopt;
  if (extended && !c.eat('-')) return std::nullopt;
  if (!c.digits(2, day)) return std::nullopt;
  // RFC 3339 5.6 allows a lower-case "t"; we accept it in both grammars.
  if (!c.eat('T') && !c.eat('t')) return std::nullopt;

  if (!c.digits(2, hour)) return std::nullopt;
  if (extended && !c.eat(':')) return std::nullopt;
  if (!c.digits(2, minute)) return std::nullopt;
  // Seconds are optional in ISO 8601 (reduced precision), required by RFC 3339.
  const char after_minute = c.peek();
  const bool has_seconds = extended ? after_minute == ':' : is_digit(after_minute);
  if (has_seconds) {
    if (extended) c.eat(':');
    if (!c.digits(2, second)) return std::nullopt;
    if (c.eat('.') || (!rfc && c.eat(','))) {
      if (!c.fraction_us(frac_us)) return std::nullopt;
    }
  } else if (rfc) {
    return std::nullopt;
  }

  // Time zone designator: required by xAPI (an instant, not a local time).
  int offset_minutes = 0;
  if (c.eat('Z') || c.eat('z')) {
    // UTC
  } else {
    const char sign = c.peek();
    if (sign != '+' && sign != '-') return std::nullopt;
    c.eat(sign);
    int oh = 0, om = 0;
    if (!c.digits(2, oh)) return std::nullopt;
    if (rfc) {
      if (!c.eat(':') || !c.digits(2, om)) return std::nullopt;
    } else if (!c.done()) {
      // +hh:mm goes with the extended format, +hhmm with the basic one.
      if (extended && !c.eat(':')) return std::nullopt;
      if (!c.digits(2, om)) return std::nullopt;
    }
    if (oh > 23 || om > 59) return std::nullopt;
    // "-00:00" means "offset unknown" (RFC 3339 4.3), so it does not name an instant.
    if (sign == '-' && oh == 0 && om == 0) return std::nullopt;
    offset_minutes = (oh * 60 + om) * (sign == '-' ? -1 : 1);
  }
  if (!c.done()) return std::nullopt;

  if (month < 1 || month > 12) return std::nullopt;
  if (day < 1 || day > days_in_month(year, month)) return std::nullopt;
  // 24:00 (ISO end of day) is not accepted: RFC 3339 forbids it and it is never needed.
  if (hour > 23 || minute > 59) return std::nullopt;
  // A leap second (RFC 3339 5.7) can only end a minute; it folds into the next second.
  if (second > 60 || (second == 60 && minute != 59)) return std::nullopt;

  const std::int64_t days =
      days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  const std::int64_t seconds = days * kSecondsPerDay + hour * 3600 + minute * 60 + second -
                               static_cast<std::int64_t>(offset_minutes) * 60;
  return seconds * kUsPerSecond + frac_us;
}

}  // namespace detail

std::optional<std::int64_t> parse_timestamp_us(std::string_view text) {
  return detail::parse_timestamp(text, detail::TimestampSyntax::kIso8601);
}

std::string format_timestamp_us(std::int64_t us) {
  const std::int64_t secs = floor_div(us, kUsPerSecond);
  const std::int64_t frac = us - secs * kUsPerSecond;
  const std::int64_t days = floor_div(secs, kSecondsPerDay);
  const std::int64_t sod = secs - days * kSecondsPerDay;
  const Civil date = civil_from_days(days);

  std::string out;
  out.reserve(27);
  append_digits(out, date.year, 4);
  out.push_back('-');
  append_digits(out, date.month, 2);
  out.push_back('-');
  append_digits(out, date.day, 2);
  out.push_back('T');
  append_digits(out, sod / 3600, 2);
  out.push_back(':');
  append_digits(out, sod / 60 % 60, 2);
  out.push_back(':');
  append_digits(out, sod % 60, 2);
  out.push_back('.');
  if (frac % 1000 == 0) {
    append_digits(out, frac / 1000, 3);
  } else {
    append_digits(out, frac, 6);
  }
  out.push_back('Z');
  return out;
}

bool is_valid_duration(std::string_view text) {
  // ISO 8601:2004 4.4.3.2 (xAPI Data 4.6): PnYnMnDTnHnMnS or PnW. The alternative
  // format of 4.4.3.3 ("P0003-01-29T...") must not be used. Only the last component
  // written may carry a decimal fraction (4.4.3.2 b).
  if (text.size() < 3 || text[0] != 'P') return false;
  static constexpr std::string_view kDateUnits = "YMD";
  static constexpr std::string_view kTimeUnits = "HMS";
  std::size_t i = 1;
  bool in_time = false;
  bool any_component = false;
  bool time_component = false;
  bool saw_fraction = false;
  std::size_t next_unit = 0;  // index into the unit list: units must appear in order
  while (i < text.size()) {
    if (text[i] == 'T') {
      if (in_time) return false;
      in_time = true;
      next_unit = 0;
      ++i;
      continue;
    }
    if (saw_fraction) return false;  // a component after a fractional one
    std::size_t start = i;
    while (i < text.size() && is_digit(text[i])) ++i;
    if (i == start) return false;
    if (i < text.size() && (text[i] == '.' || text[i] == ',')) {
      ++i;
      std::size_t frac_start = i;
      while (i < text.size() && is_digit(text[i])) ++i;
      if (i == frac_start) return false;
      saw_fraction = true;
    }
    if (i == text.size()) return false;
    const char unit = text[i++];
    if (unit == 'W') {
      // Weeks stand alone: "P4W", never "P4W1D" or "P1Y2W".
      return !any_component && !in_time && i == text.size();
    }
    const std::string_view units = in_time ? kTimeUnits : kDateUnits;
    const std::size_t pos = units.find(unit, next_unit);
    if (pos == std::string_view::npos) return false;
    next_unit = pos + 1;
    any_component = true;
    if (in_time) time_component = true;
  }
  // "PT" or "P1DT" without a time component is not a duration.
  return any_component && (!in_time || time_component);
}

}  // namespace lrs

#include "cmi_types.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

namespace scorm::detail {

namespace {

constexpr long long kCsPerSecond = 100;
constexpr long long kCsPerMinute = 60 * kCsPerSecond;
constexpr long long kCsPerHour = 60 * kCsPerMinute;
constexpr long long kCsPerDay = 24 * kCsPerHour;
// Durations beyond ~10^15 centiseconds (300,000 years) are nonsense; refusing them keeps
// the arithmetic far from overflow.
constexpr std::size_t kMaxDurationDigits = 12;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_alnum(char c) { return is_alpha(c) || (c >= '0' && c <= '9'); }

int two_digits(std::string_view s, std::size_t at) {
  if (at + 2 > s.size() || !is_digits(s.substr(at, 2))) return -1;
  return (s[at] - '0') * 10 + (s[at + 1] - '0');
}

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// Seconds with an optional fraction ("3", "3.456") to centiseconds, rounding half up.
std::optional<long long> seconds_to_cs(std::string_view whole, std::string_view fraction) {
  if (whole.empty() || !is_digits(whole) || whole.size() > kMaxDurationDigits) return {};
  long long cs = std::stoll(std::string(whole)) * kCsPerSecond;
  if (!fraction.empty()) {
    if (!is_digits(fraction)) return {};
    std::string f(fraction.substr(0, 3));
    while (f.size() < 3) f += '0';
    cs += (std::stoll(f) + 5) / 10;
  }
  return cs;
}

// Strips {case_matters=..} / {order_matters=..} delimiters from the front of a pattern.
Check strip_pattern_flags(std::string_view& value, bool case_allowed, bool order_allowed) {
  bool seen_case = false;
  bool seen_order = false;
  while (!value.empty() && value.front() == '{') {
    bool is_case = starts_with(value, "{case_matters=");
    bool is_order = starts_with(value, "{order_matters=");
    if (!is_case && !is_order) break;
    if ((is_case && (!case_allowed || seen_case)) || (is_order && (!order_allowed || seen_order)))
      return type_error(std::string(is_case ? "{case_matters=}" : "{order_matters=}") +
                        " is not allowed here or repeated");
    auto close = value.find('}');
    if (close == std::string_view::npos) return type_error("unclosed delimiter");
    auto eq = value.find('=');
    std::string_view flag = value.substr(eq + 1, close - eq - 1);
    if (flag != "true" && flag != "false")
      return type_error("delimiter value must be true or false, not '" + std::string(flag) + "'");
    (is_case ? seen_case : seen_order) = true;
    value.remove_prefix(close + 1);
  }
  return {};
}

Check check_items_count(std::size_t n, std::size_t max, std::string_view what) {
  if (n > max)
    return type_error(std::to_string(n) + " " + std::string(what) + " (at most " +
                      std::to_string(max) + ")");
  return {};
}

// A performance step answer in a pattern: short identifier, real or min[:]max range.
bool is_performance_answer(std::string_view answer, bool pattern) {
  if (is_short_identifier(answer) || parse_real(answer)) return true;
  if (!pattern) return false;
  auto parts = split(answer, "[:]");
  if (parts.size() != 2) return false;
  auto lo = parse_real(parts[0]);
  auto hi = parse_real(parts[1]);
  if ((!parts[0].empty() && !lo) || (!parts[1].empty() && !hi)) return false;
  return !(lo && hi && *lo > *hi);
}

bool is_choice_char_12(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z'); }

// 1.2 list "a,b,c" of single characters or "1.a,2.b" pairs, optionally in {braces}.
bool is_char_list_12(std::string_view v, bool pairs, bool braces_allowed, bool empty_allowed) {
  if (braces_allowed && !v.empty() && v.front() == '{') {
    if (v.back() != '}') return false;
    v = v.substr(1, v.size() - 2);
  }
  if (v.empty()) return empty_allowed;
  for (auto item : split(v, ",")) {
    if (pairs) {
      if (item.size() != 3 || !is_choice_char_12(item[0]) || item[1] != '.' ||
          !is_choice_char_12(item[2]))
        return false;
    } else if (item.size() != 1 || !is_choice_char_12(item[0])) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::size_t utf8_length(std::string_view text) {
  std::size_t n = 0;
  for (unsigned char c : text)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

std::vector<std::string_view> split(std::string_view text, std::string_view delimiter) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (true) {
    auto at = text.find(delimiter, start);
    if (at == std::string_view::npos) {
      out.push_back(text.substr(start));
      return out;
    }
    out.push_back(text.substr(start, at - start));
    start = at + delimiter.size();
  }
}

bool is_digits(std::string_view text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::optional<double> parse_real(std::string_view text) {
  std::string_view t = text;
  if (!t.empty() && t.front() == '-') t.remove_prefix(1);
  auto dot = t.find('.');
  std::string_view whole = t.substr(0, dot);
  if (!is_digits(whole)) return {};
  if (dot != std::string_view::npos && !is_digits(t.substr(dot + 1))) return {};
  double v = std::strtod(std::string(text).c_str(), nullptr);
  if (!std::isfinite(v)) return {};
  return v;
}

std::optional<long> parse_sinteger(std::string_view text) {
  std::string_view t = text;
  if (!t.empty() && t.front() == '-') t.remove_prefix(1);
  if (!is_digits(t) || t.size() > 6) return {};
  long v = std::stol(std::string(text));
  if (v < -32768 || v > 32767) return {};
  return v;
}

bool is_identifier_12(std::string_view text) {
  if (text.empty() || text.size() > 255) return false;
  return std::all_of(text.begin(), text.end(), [](char c) { return c > 0x20 && c < 0x7F; });
}

bool is_time_12(std::string_view t) {
  if (t.size() < 8 || t[2] != ':' || t[5] != ':') return false;
  int h = two_digits(t, 0), m = two_digits(t, 3), s = two_digits(t, 6);
  if (h < 0 || h > 23 || m < 0 || m > 59 || s < 0 || s > 59) return false;
  if (t.size() == 8) return true;
  return t[8] == '.' && t.size() <= 11 && is_digits(t.substr(9));
}

bool is_time_2004(std::string_view t) {
  // Year is mandatory; each further part needs the previous one (RTE 4.1.1.7).
  if (t.size() < 4 || !is_digits(t.substr(0, 4))) return false;
  int year = std::stoi(std::string(t.substr(0, 4)));
  if (year < 1970 || year > 2038) return false;
  std::size_t i = 4;
  if (i == t.size()) return true;
  if (t[i] != '-') return false;
  int month = two_digits(t, i + 1);
  if (month < 1 || month > 12) return false;
  i += 3;
  if (i == t.size()) return true;
  if (t[i] != '-') return false;
  int day = two_digits(t, i + 1);
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  int max_day = (month == 2 && !leap) ? 28 : kDays[month - 1];
  if (day < 1 || day > max_day) return false;
  i += 3;
  if (i == t.size()) return true;
  if (t[i] != 'T') return false;
  int hour = two_digits(t, i + 1);
  if (hour < 0 || hour > 23) return false;
  i += 3;
  if (i == t.size()) return true;
  if (t[i] != ':') return false;
  int minute = two_digits(t, i + 1);
  if (minute < 0 || minute > 59) return false;
  i += 3;
  if (i == t.size()) return true;
  if (t[i] != ':') return false;
  int second = two_digits(t, i + 1);
  if (second < 0 || second > 59) return false;
  i += 3;
  if (i < t.size() && t[i] == '.') {
    std::size_t start = ++i;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9') ++i;
    if (i == start) return false;
  }
  if (i == t.size()) return true;
  std::string_view tzd = t.substr(i);
  if (tzd == "Z") return true;
  if (tzd[0] != '+' && tzd[0] != '-') return false;
  int tz_hour = two_digits(tzd, 1);
  if (tz_hour < 0 || tz_hour > 23) return false;
  if (tzd.size() == 3) return true;
  if (tzd.size() != 6 || tzd[3] != ':') return false;
  int tz_minute = two_digits(tzd, 4);
  return tz_minute >= 0 && tz_minute <= 59;
}

bool is_long_identifier(std::string_view text) {
  return !text.empty() && utf8_length(text) <= 4000 &&
         std::none_of(text.begin(), text.end(), is_space);
}

bool is_short_identifier(std::string_view text) {
  // Brackets and braces are the response delimiters ([,] [.] [:] {order_matters=}); an
  // identifier holding them could not be told apart from a malformed list.
  return !text.empty() && utf8_length(text) <= 250 &&
         std::none_of(text.begin(), text.end(), [](char c) {
           return is_space(c) || c == '[' || c == ']' || c == '{' || c == '}';
         });
}

bool is_language(std::string_view text) {
  if (text.empty() || text.size() > 250) return false;
  auto parts = split(text, "-");
  std::string_view code = parts[0];
  bool code_ok =
      code == "i" || code == "x" || code == "I" || code == "X" ||
      ((code.size() == 2 || code.size() == 3) && std::all_of(code.begin(), code.end(), is_alpha));
  if (!code_ok) return false;
  for (std::size_t k = 1; k < parts.size(); ++k) {
    auto sub = parts[k];
    if (sub.empty() || sub.size() > 8 || !std::all_of(sub.begin(), sub.end(), is_alnum))
      return false;
  }
  return true;
}

Check check_lang_string(std::string_view text, std::size_t max) {
  if (starts_with(text, "{lang=")) {
    auto close = text.find('}');
    if (close == std::string_view::npos) return type_error("unclosed {lang=} delimiter");
    std::string_view lang = text.substr(6, close - 6);
    if (!is_language(lang)) return type_error("'" + std::string(lang) + "' is not a language code");
    text.remove_prefix(close + 1);
  }
  std::size_t n = utf8_length(text);
  if (n > max)
    return type_error(std::to_string(n) + " characters (at most " + std::to_string(max) + ")");
  return {};
}

std::optional<long long> parse_timespan_12_cs(std::string_view t) {
  // HHHH:MM:SS.SS — hours 2..4 digits, minutes and seconds 2 digits, 1..2 decimals.
  auto colon = t.find(':');
  if (colon == std::string_view::npos || colon < 2 || colon > 4) return {};
  std::string_view hours = t.substr(0, colon);
  std::string_view rest = t.substr(colon + 1);
  if (!is_digits(hours) || rest.size() < 5 || rest[2] != ':') return {};
  int minutes = two_digits(rest, 0);
  int seconds = two_digits(rest, 3);
  if (minutes < 0 || seconds < 0) return {};
  std::string_view fraction;
  if (rest.size() > 5) {
    if (rest[5] != '.' || rest.size() < 7 || rest.size() > 8 || !is_digits(rest.substr(6)))
      return {};
    fraction = rest.substr(6);
  }
  auto secs = seconds_to_cs(std::to_string(seconds), fraction);
  if (!secs) return {};
  return std::stoll(std::string(hours)) * kCsPerHour + minutes * kCsPerMinute + *secs;
}

std::optional<long long> parse_duration_2004_cs(std::string_view t) {
  // P[nY][nM][nD][T[nH][nM][n[.n]S]] (RTE 4.1.1.7, timeinterval (second,10,2)).
  if (t.size() < 2 || t[0] != 'P') return {};
  static constexpr long long kUnit[] = {365 * kCsPerDay, 30 * kCsPerDay, kCsPerDay,
                                        kCsPerHour,      kCsPerMinute,   kCsPerSecond};
  std::size_t i = 1;
  int last = -1;  // index into kUnit of the last component read: they must come in order
  bool in_time = false;
  bool time_component = false;
  long long total = 0;
  while (i < t.size()) {
    if (t[i] == 'T') {
      if (in_time) return {};
      in_time = true;
      ++i;
      if (i == t.size()) return {};
      continue;
    }
    std::size_t start = i;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9') ++i;
    std::string_view whole = t.substr(start, i - start);
    std::string_view fraction;
    if (i < t.size() && t[i] == '.') {
      std::size_t fstart = ++i;
      while (i < t.size() && t[i] >= '0' && t[i] <= '9') ++i;
      fraction = t.substr(fstart, i - fstart);
      if (fraction.empty()) return {};
    }
    if (whole.empty() || whole.size() > kMaxDurationDigits || i == t.size()) return {};
    char designator = t[i++];
    int unit;
    if (!in_time) {
      unit = designator == 'Y' ? 0 : designator == 'M' ? 1 : designator == 'D' ? 2 : -1;
    } else {
      unit = designator == 'H' ? 3 : designator == 'M' ? 4 : designator == 'S' ? 5 : -1;
      time_component = true;
    }
    if (unit < 0 || unit <= last) return {};
    if (!fraction.empty() && unit != 5) return {};  // only seconds carry a fraction
    last = unit;
    if (unit == 5) {
      auto cs = seconds_to_cs(whole, fraction);
      if (!cs) return {};
      total += *cs;
    } else {
      total += std::stoll(std::string(whole)) * kUnit[unit];
    }
  }
  if (last < 0 || (in_time && !time_component)) return {};
  return total;
}

std::string format_timespan_12_cs(long long cs) {
  constexpr long long kMax = 9999 * kCsPerHour + 59 * kCsPerMinute + 59 * kCsPerSecond + 99;
  cs = std::clamp(cs, 0LL, kMax);
  char buf[32];
  long long hours = cs / kCsPerHour;
  int minutes = static_cast<int>(cs % kCsPerHour / kCsPerMinute);
  int seconds = static_cast<int>(cs % kCsPerMinute / kCsPerSecond);
  int hundredths = static_cast<int>(cs % kCsPerSecond);
  if (hundredths == 0)
    std::snprintf(buf, sizeof buf, "%04lld:%02d:%02d", hours, minutes, seconds);
  else
    std::snprintf(buf, sizeof buf, "%04lld:%02d:%02d.%02d", hours, minutes, seconds, hundredths);
  return buf;
}

std::string format_duration_2004_cs(long long cs) {
  cs = std::max(cs, 0LL);
  long long hours = cs / kCsPerHour;
  long long minutes = cs % kCsPerHour / kCsPerMinute;
  long long seconds = cs % kCsPerMinute / kCsPerSecond;
  long long hundredths = cs % kCsPerSecond;
  std::string out =
      "PT" + std::to_string(hours) + "H" + std::to_string(minutes) + "M" + std::to_string(seconds);
  if (hundredths != 0) {
    char frac[8];
    std::snprintf(frac, sizeof frac, ".%02lld", hundredths);
    std::string f = frac;
    while (f.back() == '0') f.pop_back();
    out += f;
  }
  return out + "S";
}

std::size_t max_patterns_2004(std::string_view type) {
  // RTE 4.2.9.1: these types have exactly one correct response.
  if (type == "true-false" || type == "likert" || type == "numeric" || type == "other") return 1;
  return 0;
}

Check check_response_2004(std::string_view type, std::string_view value, bool pattern) {
  std::string_view v = value;
  if (type == "true-false") {
    if (v != "true" && v != "false") return type_error("true-false takes true or false");
    return {};
  }
  if (type == "choice") {
    if (v.empty()) return {};
    auto items = split(v, "[,]");
    if (auto c = check_items_count(items.size(), 36, "choices"); !c.ok()) return c;
    std::set<std::string_view> seen;
    for (auto item : items) {
      if (!is_long_identifier(item))
        return type_error("choice '" + std::string(item) + "' is not an identifier");
      if (!seen.insert(item).second)
        return type_error("choice '" + std::string(item) + "' appears twice");
    }
    return {};
  }
  if (type == "fill-in") {
    if (pattern) {
      if (auto c = strip_pattern_flags(v, true, true); !c.ok()) return c;
    }
    auto items = split(v, "[,]");
    if (auto c = check_items_count(items.size(), 10, "strings"); !c.ok()) return c;
    for (auto item : items) {
      if (auto c = check_lang_string(item, 250); !c.ok()) return c;
    }
    return {};
  }
  if (type == "long-fill-in") {
    if (pattern) {
      if (auto c = strip_pattern_flags(v, true, false); !c.ok()) return c;
    }
    return check_lang_string(v, 4000);
  }
  if (type == "matching") {
    auto items = split(v, "[,]");
    if (auto c = check_items_count(items.size(), 36, "pairs"); !c.ok()) return c;
    for (auto item : items) {
      auto pair = split(item, "[.]");
      if (pair.size() != 2 || !is_short_identifier(pair[0]) || !is_short_identifier(pair[1]))
        return type_error("'" + std::string(item) + "' is not source[.]target");
    }
    return {};
  }
  if (type == "performance") {
    if (pattern) {
      if (auto c = strip_pattern_flags(v, false, true); !c.ok()) return c;
    }
    auto items = split(v, "[,]");
    if (auto c = check_items_count(items.size(), 250, "steps"); !c.ok()) return c;
    for (auto item : items) {
      auto step = split(item, "[.]");
      bool ok = step.size() == 2 && !(step[0].empty() && step[1].empty()) &&
                (step[0].empty() || is_short_identifier(step[0])) &&
                (step[1].empty() || is_performance_answer(step[1], pattern));
      if (!ok) return type_error("'" + std::string(item) + "' is not step_name[.]step_answer");
    }
    return {};
  }
  if (type == "sequencing") {
    auto items = split(v, "[,]");
    if (auto c = check_items_count(items.size(), 36, "steps"); !c.ok()) return c;
    for (auto item : items) {
      if (!is_short_identifier(item))
        return type_error("'" + std::string(item) + "' is not an identifier");
    }
    return {};
  }
  if (type == "likert") {
    if (!is_short_identifier(v)) return type_error("likert takes one identifier");
    return {};
  }
  if (type == "numeric") {
    if (!pattern || v.find("[:]") == std::string_view::npos) {
      if (!parse_real(v)) return type_error("'" + std::string(v) + "' is not a real number");
      return {};
    }
    auto parts = split(v, "[:]");
    if (parts.size() != 2) return type_error("numeric pattern is min[:]max");
    auto lo = parse_real(parts[0]);
    auto hi = parse_real(parts[1]);
    if ((!parts[0].empty() && !lo) || (!parts[1].empty() && !hi))
      return type_error("numeric pattern bounds must be real numbers");
    if (lo && hi && *lo > *hi) return type_error("numeric pattern min is greater than max");
    return {};
  }
  if (type == "other") {
    std::size_t n = utf8_length(v);
    if (n > 4000) return type_error(std::to_string(n) + " characters (at most 4000)");
    return {};
  }
  return type_error("unknown interaction type '" + std::string(type) + "'");
}

Check check_response_12(std::string_view type, std::string_view v, bool /*pattern*/) {
  if (v.size() > 255) return type_error(std::to_string(v.size()) + " characters (at most 255)");
  bool ok = true;
  if (type == "true-false") {
    ok = v == "0" || v == "1" || v == "t" || v == "f";
  } else if (type == "choice") {
    ok = is_char_list_12(v, false, true, true);
  } else if (type == "matching") {
    ok = is_char_list_12(v, true, true, false);
  } else if (type == "sequencing") {
    ok = is_char_list_12(v, false, false, false);
  } else if (type == "likert") {
    ok = v.empty() || (v.size() == 1 && is_choice_char_12(v[0]));
  } else if (type == "numeric") {
    ok = parse_real(v).has_value();
  }
  // fill-in and performance: any CMIString255.
  if (!ok)
    return type_error("'" + std::string(v) + "' is not a 1.2 " + std::string(type) + " value");
  return {};
}

}  // namespace scorm::detail

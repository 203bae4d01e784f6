#include "value_reader.h"

#include <charconv>
#include <cstdio>

#include "xml_names.h"

namespace scorm::detail {

namespace {

std::string quoted(std::string_view text) {
  std::string out = "\"";
  out.append(text);
  out.push_back('"');
  return out;
}

std::string shortest(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%g", value);
  return buffer;
}

}  // namespace

std::optional<double> ValueReader::decimal(std::string_view text, std::string_view what, double min,
                                           double max) const {
  const std::string t = trimmed(text);
  double value = 0;
  const char* begin = t.data();
  const char* end = t.data() + t.size();
  // from_chars would accept "inf" and "1e5"; xs:decimal is digits, one '.', a sign.
  const bool decimal_syntax =
      !t.empty() && t.find_first_not_of("+-.0123456789") == std::string::npos;
  if (!t.empty() && t.front() == '+') ++begin;
  const auto [ptr, ec] = std::from_chars(begin, end, value);
  if (!decimal_syntax || ec != std::errc() || ptr != end) {
    problem(Severity::kError, std::string(what) + " " + quoted(t) + " is not a number");
    return std::nullopt;
  }
  if (value < min || value > max) {
    problem(Severity::kError, std::string(what) + " " + quoted(t) + " is outside " + shortest(min) +
                                  ".." + shortest(max));
    return std::nullopt;
  }
  return value;
}

std::optional<bool> ValueReader::boolean(std::string_view text, std::string_view what) const {
  const std::string t = trimmed(text);
  if (t == "true" || t == "1") return true;
  if (t == "false" || t == "0") return false;
  problem(Severity::kError, std::string(what) + " " + quoted(t) + " is not true or false");
  return std::nullopt;
}

void ValueReader::read(pugi::xml_attribute a, bool& out) const {
  if (!a) return;
  if (const auto v = boolean(a.value(), local_name(a.name()))) out = *v;
}

void ValueReader::read(pugi::xml_attribute a, std::string& out) const {
  if (a) out = trimmed(a.value());
}

void ValueReader::read(pugi::xml_attribute a, double& out, double min, double max) const {
  if (!a) return;
  if (const auto v = decimal(a.value(), local_name(a.name()), min, max)) out = *v;
}

void ValueReader::read(pugi::xml_attribute a, int& out, int min) const {
  std::optional<int> v;
  read(a, v, min);
  if (v) out = *v;
}

void ValueReader::read(pugi::xml_attribute a, std::optional<int>& out, int min) const {
  if (!a) return;
  const std::string t = trimmed(a.value());
  int value = 0;
  const auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), value);
  if (t.empty() || ec != std::errc() || ptr != t.data() + t.size() || value < min) {
    problem(Severity::kError, std::string(local_name(a.name())) + " " + quoted(t) +
                                  " is not an integer >= " + std::to_string(min));
    return;
  }
  out = value;
}

}  // namespace scorm::detail

#include "syntax_checks.h"

#include <array>

namespace lrs::syntax {
namespace {

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alnum(char c) { return is_alpha(c) || is_digit(c); }
bool is_hex_digit(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool equals_ci(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

bool all_of(std::string_view s, bool (*pred)(char)) {
  for (char c : s) {
    if (!pred(c)) return false;
  }
  return true;
}

// RFC 5646 2.1: tags that predate the current syntax, matched case-insensitively.
constexpr std::array<std::string_view, 26> kGrandfathered = {
    "en-GB-oed", "i-ami",     "i-bnn",     "i-default",  "i-enochian",  "i-hak",  "i-klingon",
    "i-lux",     "i-mingo",   "i-navajo",  "i-pwn",      "i-tao",       "i-tay",  "i-tsu",
    "sgn-BE-FR", "sgn-BE-NL", "sgn-CH-DE", "art-lojban", "cel-gaulish", "no-bok", "no-nyn",
    "zh-guoyu",  "zh-hakka",  "zh-min",    "zh-min-nan", "zh-xiang",
};

// Splits a tag into subtags one at a time.
class Subtags {
 public:
  explicit Subtags(std::string_view tag) : rest_(tag) {}
  bool next(std::string_view& out) {
    if (done_) return false;
    const std::size_t dash = rest_.find('-');
    if (dash == std::string_view::npos) {
      out = rest_;
      done_ = true;
    } else {
      out = rest_.substr(0, dash);
      rest_.remove_prefix(dash + 1);
    }
    return true;
  }

 private:
  std::string_view rest_;
  bool done_ = false;
};

}  // namespace

bool is_absolute_iri(std::string_view text) {
  if (text.empty() || !is_alpha(text[0])) return false;
  std::size_t i = 1;
  while (i < text.size() &&
         (is_alnum(text[i]) || text[i] == '+' || text[i] == '-' || text[i] == '.')) {
    ++i;
  }
  if (i == text.size() || text[i] != ':') return false;
  ++i;
  if (i == text.size()) return false;
  for (; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c <= 0x20 || c == 0x7F) return false;
    switch (c) {
      case '<':
      case '>':
      case '"':
      case '{':
      case '}':
      case '|':
      case '\\':
      case '^':
      case '`':
        return false;
      case '%':
        if (i + 2 >= text.size() || !is_hex_digit(text[i + 1]) || !is_hex_digit(text[i + 2])) {
          return false;
        }
        break;
      default:
        break;
    }
  }
  return true;
}

bool is_mailto_iri(std::string_view text) {
  constexpr std::string_view kPrefix = "mailto:";
  if (text.substr(0, kPrefix.size()) != kPrefix) return false;
  const std::string_view addr = text.substr(kPrefix.size());
  const std::size_t at = addr.find('@');
  if (at == 0 || at == std::string_view::npos || at + 1 == addr.size()) return false;
  return is_absolute_iri(text);
}

bool is_hex(std::string_view text, std::size_t digits) {
  return text.size() == digits && all_of(text, is_hex_digit);
}

bool is_language_tag(std::string_view tag) {
  if (tag.empty() || tag.size() > 255) return false;
  for (std::string_view g : kGrandfathered) {
    if (equals_ci(tag, g)) return true;
  }
  // Every subtag is 1-8 letters or digits.
  {
    Subtags all(tag);
    std::string_view s;
    while (all.next(s)) {
      if (s.empty() || s.size() > 8 || !all_of(s, is_alnum)) return false;
    }
  }

  Subtags it(tag);
  std::string_view s;
  it.next(s);
  bool have = true;  // `s` holds a subtag not consumed yet

  // privateuse = "x" 1*("-" (1*8alphanum))
  const auto private_use = [&]() {
    bool any = false;
    while (it.next(s)) any = true;  // lengths were checked above
    return any;
  };
  if (equals_ci(s, "x")) return private_use();

  // language = 2*3ALPHA ["-" extlang] / 4ALPHA / 5*8ALPHA
  if (!all_of(s, is_alpha) || s.size() < 2) return false;
  const bool short_language = s.size() <= 3;
  have = it.next(s);
  // extlang = 3ALPHA *2("-" 3ALPHA), only after a 2-3 letter language
  if (short_language) {
    for (int n = 0; have && n < 3 && s.size() == 3 && all_of(s, is_alpha); ++n) {
      have = it.next(s);
    }
  }
  // script = 4ALPHA
  if (have && s.size() == 4 && all_of(s, is_alpha)) have = it.next(s);
  // region = 2ALPHA / 3DIGIT
  if (have && ((s.size() == 2 && all_of(s, is_alpha)) || (s.size() == 3 && all_of(s, is_digit)))) {
    have = it.next(s);
  }
  // variant = 5*8alphanum / (DIGIT 3alphanum); no variant may repeat.
  std::array<std::string_view, 8> variants{};
  std::size_t variant_count = 0;
  while (have && (s.size() >= 5 || (s.size() == 4 && is_digit(s[0])))) {
    for (std::size_t i = 0; i < variant_count; ++i) {
      if (equals_ci(variants[i], s)) return false;
    }
    if (variant_count < variants.size()) variants[variant_count++] = s;
    have = it.next(s);
  }
  // extension = singleton 1*("-" (2*8alphanum)); no singleton may repeat.
  std::array<bool, 36> singletons{};
  while (have && s.size() == 1 && !equals_ci(s, "x")) {
    const char c = lower(s[0]);
    const std::size_t slot =
        is_digit(c) ? static_cast<std::size_t>(c - '0') : static_cast<std::size_t>(10 + c - 'a');
    if (singletons[slot]) return false;
    singletons[slot] = true;
    bool any = false;
    while ((have = it.next(s)) && s.size() >= 2) any = true;
    if (!any) return false;
  }
  if (have && equals_ci(s, "x")) return private_use();
  return !have;
}

bool is_media_type(std::string_view text) {
  // tchar of RFC 7230 3.2.6.
  const auto is_token_char = [](char c) {
    if (is_alnum(c)) return true;
    switch (c) {
      case '!':
      case '#':
      case '$':
      case '%':
      case '&':
      case '\'':
      case '*':
      case '+':
      case '-':
      case '.':
      case '^':
      case '_':
      case '`':
      case '|':
      case '~':
        return true;
      default:
        return false;
    }
  };
  std::size_t i = 0;
  while (i < text.size() && is_token_char(text[i])) ++i;
  if (i == 0 || i == text.size() || text[i] != '/') return false;
  const std::size_t sub = ++i;
  while (i < text.size() && is_token_char(text[i])) ++i;
  if (i == sub) return false;
  if (i == text.size()) return true;
  // Parameters: optional whitespace, then ";".
  while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
  return i < text.size() && text[i] == ';';
}

}  // namespace lrs::syntax

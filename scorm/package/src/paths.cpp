#include "paths.h"

#include <cctype>
#include <cstdint>

namespace scorm::detail {

bool is_valid_utf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t extra = 0;
    uint32_t cp = 0;
    if ((c & 0xE0) == 0xC0) {
      extra = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      extra = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + extra >= text.size()) return false;
    for (size_t k = 1; k <= extra; ++k) {
      const auto cc = static_cast<unsigned char>(text[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    // Overlong forms, UTF-16 surrogates and values above U+10FFFF are not UTF-8; overlong
    // encodings in particular have been used to smuggle '/' and '.' past path filters.
    static constexpr uint32_t kMinForLength[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMinForLength[extra] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += extra + 1;
  }
  return true;
}

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<std::string> percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;
    const int hi = hex_value(text[i + 1]);
    const int lo = hex_value(text[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    const char decoded = static_cast<char>(hi * 16 + lo);
    if (decoded == '\0') return std::nullopt;
    out.push_back(decoded);
    i += 2;
  }
  return out;
}

NormalisedPath normalise_relative(std::string_view path) {
  NormalisedPath result;
  if (path.empty()) {
    result.issue = PathIssue::kEmpty;
    return result;
  }
  if (path.front() == '/') {
    result.issue = PathIssue::kAbsolute;
    return result;
  }
  // "C:" is a drive on Windows; whoever unpacks the package there must not be surprised.
  if (path.size() >= 2 && path[1] == ':' && std::isalpha(static_cast<unsigned char>(path[0]))) {
    result.issue = PathIssue::kAbsolute;
    return result;
  }
  for (const char c : path) {
    if (c == '\\') {
      result.issue = PathIssue::kBackslash;
      return result;
    }
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
      result.issue = PathIssue::kControl;
      return result;
    }
  }
  std::string out;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    const std::string_view segment = path.substr(start, end - start);
    if (segment == "..") {
      if (out.empty()) {
        result.issue = PathIssue::kEscapes;
        return result;
      }
      const size_t slash = out.rfind('/');
      out.erase(slash == std::string::npos ? 0 : slash);
    } else if (!segment.empty() && segment != ".") {
      if (!out.empty()) out.push_back('/');
      out.append(segment);
    }
    start = end + 1;
  }
  if (out.empty()) result.issue = PathIssue::kEmpty;
  result.path = std::move(out);
  return result;
}

const char* path_issue_text(PathIssue issue) {
  switch (issue) {
    case PathIssue::kNone:
      return "ok";
    case PathIssue::kEmpty:
      return "empty path";
    case PathIssue::kAbsolute:
      return "absolute path";
    case PathIssue::kBackslash:
      return "backslash in path";
    case PathIssue::kEscapes:
      return "path escapes the package";
    case PathIssue::kControl:
      return "control character in path";
  }
  return "bad path";
}

bool has_uri_scheme(std::string_view ref) {
  // scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ); a one-letter scheme is more
  // likely a drive letter, which normalise_relative reports instead.
  const size_t colon = ref.find(':');
  if (colon == std::string_view::npos || colon < 2) return false;
  if (!std::isalpha(static_cast<unsigned char>(ref[0]))) return false;
  for (size_t i = 1; i < colon; ++i) {
    const char c = ref[i];
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') {
      return false;
    }
  }
  return true;
}

std::string_view strip_query_and_fragment(std::string_view ref) {
  const size_t cut = ref.find_first_of("?#");
  return cut == std::string_view::npos ? ref : ref.substr(0, cut);
}

std::string ascii_lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace scorm::detail

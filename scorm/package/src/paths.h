// Path and text helpers shared by the manifest parser, the zip extractor and the content
// resolver. Internal to scorm_package.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace scorm::detail {

bool is_valid_utf8(std::string_view text);

// Decodes %XX escapes. nullopt on a malformed escape or a decoded NUL. A decoded '/'
// stays a '/', so callers must normalise after decoding, never before.
std::optional<std::string> percent_decode(std::string_view text);

enum class PathIssue { kNone, kEmpty, kAbsolute, kBackslash, kEscapes, kControl };

struct NormalisedPath {
  std::string path;  // '/'-separated, no empty, "." or ".." segments
  PathIssue issue = PathIssue::kNone;
};

// Normalises a relative '/'-separated path: drops empty and "." segments and resolves
// ".." against earlier segments. An absolute path, a drive letter, a backslash, a control
// character, or a ".." that would climb above the start are reported, never repaired.
NormalisedPath normalise_relative(std::string_view path);

// "escapes the package", "is an absolute path", ...: the rule a PathIssue breaks.
const char* path_issue_text(PathIssue issue);

// True for "http:", "https:", "data:" and other URI schemes (RFC 3986 scheme ":").
bool has_uri_scheme(std::string_view ref);

// The part of a URL reference before any '?' or '#'.
std::string_view strip_query_and_fragment(std::string_view ref);

std::string ascii_lower(std::string_view text);

}  // namespace scorm::detail

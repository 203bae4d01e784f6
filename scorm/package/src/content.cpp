#include "scorm/content.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdio>
#include <optional>
#include <utility>

#include "paths.h"

namespace scorm {

namespace fs = std::filesystem;

namespace {

// Sorted by extension for binary search. Types follow the IANA registry and the WHATWG
// MIME sniffing spec's expectations (text/javascript per RFC 9239).
constexpr std::array<std::pair<std::string_view, std::string_view>, 52> kTypes{{
    {"aac", "audio/aac"},
    {"avif", "image/avif"},
    {"bmp", "image/bmp"},
    {"css", "text/css; charset=utf-8"},
    {"csv", "text/csv"},
    {"eot", "application/vnd.ms-fontobject"},
    {"flac", "audio/flac"},
    {"flv", "video/x-flv"},
    {"gif", "image/gif"},
    {"htm", "text/html"},
    {"html", "text/html"},
    {"ico", "image/x-icon"},
    {"jpeg", "image/jpeg"},
    {"jpg", "image/jpeg"},
    {"js", "text/javascript; charset=utf-8"},
    {"json", "application/json"},
    {"m3u8", "application/vnd.apple.mpegurl"},
    {"m4a", "audio/mp4"},
    {"m4v", "video/mp4"},
    {"map", "application/json"},
    {"md", "text/markdown"},
    {"mjs", "text/javascript; charset=utf-8"},
    {"mov", "video/quicktime"},
    {"mp3", "audio/mpeg"},
    {"mp4", "video/mp4"},
    {"mpd", "application/dash+xml"},
    {"oga", "audio/ogg"},
    {"ogg", "audio/ogg"},
    {"ogv", "video/ogg"},
    {"otf", "font/otf"},
    {"pdf", "application/pdf"},
    {"png", "image/png"},
    {"srt", "application/x-subrip"},
    {"svg", "image/svg+xml"},
    {"swf", "application/x-shockwave-flash"},
    {"tif", "image/tiff"},
    {"tiff", "image/tiff"},
    {"ts", "video/mp2t"},
    {"ttf", "font/ttf"},
    {"txt", "text/plain"},
    {"vtt", "text/vtt"},
    {"wasm", "application/wasm"},
    {"wav", "audio/wav"},
    {"weba", "audio/webm"},
    {"webm", "video/webm"},
    {"webp", "image/webp"},
    {"woff", "font/woff"},
    {"woff2", "font/woff2"},
    {"xhtml", "application/xhtml+xml"},
    {"xml", "application/xml"},
    {"xsd", "application/xml"},
    {"zip", "application/zip"},
}};

constexpr bool sorted_by_extension() {
  for (size_t i = 1; i < kTypes.size(); ++i) {
    if (!(kTypes[i - 1].first < kTypes[i].first)) return false;
  }
  return true;
}
static_assert(sorted_by_extension(), "kTypes must stay sorted for binary search");

std::optional<uint64_t> parse_digits(std::string_view text) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string_view::npos) {
    return std::nullopt;
  }
  uint64_t value = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;  // overflow
  return value;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

bool is_within(const fs::path& path, const fs::path& root) {
  auto p = path.begin();
  for (auto r = root.begin(); r != root.end(); ++r, ++p) {
    if (r->empty()) continue;  // a trailing separator on root
    if (p == path.end() || *p != *r) return false;
  }
  return true;
}

}  // namespace

std::string_view content_type_for(std::string_view path) {
  const std::string_view file = path.substr(path.find_last_of('/') + 1);
  const size_t dot = file.find_last_of('.');
  if (dot == std::string_view::npos) return "application/octet-stream";
  const std::string ext = detail::ascii_lower(file.substr(dot + 1));
  const auto found =
      std::lower_bound(kTypes.begin(), kTypes.end(), ext,
                       [](const auto& entry, const std::string& key) { return entry.first < key; });
  if (found == kTypes.end() || found->first != ext) return "application/octet-stream";
  return found->second;
}

Result<fs::path> resolve_content_path(const fs::path& package_root, std::string_view url_path) {
  const std::string_view path = detail::strip_query_and_fragment(url_path);
  const std::optional<std::string> decoded = detail::percent_decode(path);
  if (!decoded) return fail(ErrorCode::kInvalid, "malformed percent-encoding in the path");
  const detail::NormalisedPath n = detail::normalise_relative(*decoded);
  if (n.issue == detail::PathIssue::kEmpty) return fail(ErrorCode::kNotFound, "no file named");
  if (n.issue != detail::PathIssue::kNone) {
    return fail(ErrorCode::kInvalid, detail::path_issue_text(n.issue));
  }
  // Lexical checks cannot see symlinks inside the package; compare canonical paths so a
  // link to /etc (planted by an import tool or an operator) is never followed out.
  std::error_code ec;
  const fs::path root = fs::canonical(package_root, ec);
  if (ec) return fail(ErrorCode::kNotFound, "no such package folder");
  const fs::path target = fs::canonical(root / n.path, ec);
  if (ec || !is_within(target, root)) return fail(ErrorCode::kNotFound, "no such file");
  if (!fs::is_regular_file(target, ec)) return fail(ErrorCode::kNotFound, "no such file");
  return target;
}

ByteRange parse_byte_range(std::string_view header, uint64_t file_size) {
  const ByteRange full;
  ByteRange unsatisfiable;
  unsatisfiable.kind = ByteRange::Kind::kUnsatisfiable;

  std::string_view spec = trim(header);
  if (spec.size() < 5 || detail::ascii_lower(spec.substr(0, 5)) != "bytes") return full;
  spec = trim(spec.substr(5));
  if (spec.empty() || spec.front() != '=') return full;
  spec = trim(spec.substr(1));
  // One range is all a course needs (media seeking); RFC 9110 lets a server answer a
  // multi-range request with the whole representation.
  if (spec.find(',') != std::string_view::npos) return full;
  const size_t dash = spec.find('-');
  if (dash == std::string_view::npos) return full;
  const std::string_view first_text = trim(spec.substr(0, dash));
  const std::string_view last_text = trim(spec.substr(dash + 1));

  ByteRange range;
  range.kind = ByteRange::Kind::kPartial;
  if (first_text.empty()) {  // suffix range: the last N bytes
    const std::optional<uint64_t> suffix = parse_digits(last_text);
    if (!suffix) return full;
    if (*suffix == 0 || file_size == 0) return unsatisfiable;
    range.first = file_size > *suffix ? file_size - *suffix : 0;
    range.last = file_size - 1;
    return range;
  }
  const std::optional<uint64_t> first = parse_digits(first_text);
  if (!first) return full;
  std::optional<uint64_t> last;
  if (!last_text.empty()) {
    last = parse_digits(last_text);
    if (!last || *last < *first) return full;  // syntactically invalid: ignore the header
  }
  if (*first >= file_size) return unsatisfiable;
  range.first = *first;
  range.last = std::min(last.value_or(file_size - 1), file_size - 1);
  return range;
}

std::string content_range_value(const ByteRange& range, uint64_t file_size) {
  if (range.kind == ByteRange::Kind::kPartial) {
    return "bytes " + std::to_string(range.first) + "-" + std::to_string(range.last) + "/" +
           std::to_string(file_size);
  }
  return "bytes */" + std::to_string(file_size);
}

std::string make_etag(uint64_t size, int64_t mtime_ns) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "\"%llx-%llx\"", static_cast<unsigned long long>(size),
                static_cast<unsigned long long>(mtime_ns));
  return buffer;
}

}  // namespace scorm

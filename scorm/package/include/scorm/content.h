// Serving an extracted package's files: pure helpers the HTTP layer builds on.
//
// scorm knows nothing of HTTP requests or responses; these functions take strings and
// paths and return plain values, so the server route /content/{package}/{path} reduces
// to: resolve_content_path, content_type_for, parse_byte_range, then stream the bytes
// with the validator from make_etag. All functions are thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "scorm/error.h"

namespace scorm {

// The media type for a file name by its extension (case-insensitive), e.g.
// "text/html; charset=utf-8", "text/javascript; charset=utf-8", "video/mp4".
// "application/octet-stream" for anything unknown. Text types name UTF-8 only where the
// format itself defaults to it (JS, CSS, JSON, SVG); HTML and plain text are left to the
// document's own <meta charset>, because many SCORM courses are Windows-1252.
std::string_view content_type_for(std::string_view path);

// Maps the URL path below /content/{package}/ (still percent-encoded, query and fragment
// allowed and ignored) onto an existing regular file under `package_root`.
//   kInvalid:  malformed percent-encoding, NUL, backslash, control characters, or a path
//              that climbs above the root ("../" or "%2e%2e/");
//   kNotFound: no such regular file (folders are not served), or a symlink whose target
//              lies outside the package root (reported as not found, so the server does
//              not confirm what exists outside).
// The returned path is canonical (symlinks resolved) and inside canonical(package_root).
Result<std::filesystem::path> resolve_content_path(const std::filesystem::path& package_root,
                                                   std::string_view url_path);

// An HTTP Range header (RFC 9110 section 14) applied to a file of `file_size` bytes.
struct ByteRange {
  enum class Kind {
    kFull,           // no usable Range: answer 200 with the whole file (also multi-range)
    kPartial,        // answer 206 with bytes [first, last] and Content-Range
    kUnsatisfiable,  // answer 416 with Content-Range: bytes */file_size
  };
  Kind kind = Kind::kFull;
  uint64_t first = 0;
  uint64_t last = 0;  // inclusive

  uint64_t length() const { return kind == Kind::kPartial ? last - first + 1 : 0; }
};

// Parses a single "bytes=first-last", "bytes=first-" or "bytes=-suffix" range. Malformed
// headers, other units and several ranges yield kFull, as RFC 9110 permits a server to
// ignore Range. A first byte at or past the end (or any range of an empty file) yields
// kUnsatisfiable; a last byte past the end is clamped.
ByteRange parse_byte_range(std::string_view header, uint64_t file_size);

// "bytes 0-99/1234" for a 206, "bytes */1234" for a 416.
std::string content_range_value(const ByteRange& range, uint64_t file_size);

// A strong validator for an extracted file: extracted packages are never modified in
// place (a re-import is a new folder), so size and modification time identify content.
std::string make_etag(uint64_t size, int64_t mtime_ns);

}  // namespace scorm

#include "lrs/multipart.h"

#include <algorithm>

#include "lrs/text.h"
#include "lrs/uuid.h"

namespace lrs {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

// Finds the end of a header block: CRLFCRLF, or a bare LFLF from lenient clients.
std::size_t header_end(std::string_view part, std::size_t& separator) {
  std::size_t crlf = part.find("\r\n\r\n");
  std::size_t lf = part.find("\n\n");
  if (crlf != std::string_view::npos && (lf == std::string_view::npos || crlf <= lf)) {
    separator = 4;
    return crlf;
  }
  separator = 2;
  return lf;
}

}  // namespace

std::string_view MultipartPart::header(std::string_view lower_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_name) return value;
  }
  return {};
}

std::string multipart_boundary(std::string_view content_type) {
  std::string lowered = to_lower(content_type);
  std::size_t pos = 0;
  while ((pos = lowered.find("boundary", pos)) != std::string::npos) {
    // Must be a parameter name: preceded by ';' or whitespace, followed by '='.
    std::size_t eq = pos + 8;
    while (eq < lowered.size() && lowered[eq] == ' ') ++eq;
    bool starts_param = pos > 0 && (lowered[pos - 1] == ';' || lowered[pos - 1] == ' ');
    if (starts_param && eq < lowered.size() && lowered[eq] == '=') {
      std::string_view value = content_type.substr(eq + 1);
      value = trim(value);
      if (!value.empty() && value.front() == '"') {
        auto close = value.find('"', 1);
        return std::string(
            value.substr(1, close == std::string_view::npos ? std::string_view::npos : close - 1));
      }
      auto semi = value.find(';');
      return std::string(trim(value.substr(0, semi)));
    }
    pos += 8;
  }
  return {};
}

Result<std::vector<MultipartPart>> parse_multipart(std::string_view body, std::string_view boundary,
                                                   std::size_t max_parts) {
  if (boundary.empty() || boundary.size() > 70) {
    return fail(ErrorCode::kInvalid,
                "multipart/mixed Content-Type needs a boundary parameter (1-70 characters)");
  }
  const std::string delimiter = "--" + std::string(boundary);
  std::vector<MultipartPart> parts;
  // The first delimiter may start the body or follow a preamble line.
  std::size_t pos = body.rfind(delimiter, 0) == 0 ? 0 : body.find("\n" + delimiter);
  if (pos == std::string_view::npos) {
    return fail(ErrorCode::kInvalid,
                "multipart body does not contain the boundary \"" + std::string(boundary) + "\"");
  }
  if (pos != 0) ++pos;
  pos += delimiter.size();
  while (true) {
    if (body.substr(pos, 2) == "--") return parts;  // close delimiter
    // Rest of the delimiter line (transport padding, then CRLF).
    std::size_t eol = body.find('\n', pos);
    if (eol == std::string_view::npos) {
      return fail(ErrorCode::kInvalid,
                  "multipart body ends without the closing boundary \"" + delimiter + "--\"");
    }
    std::size_t start = eol + 1;
    std::size_t next = body.find("\n" + delimiter, start);
    if (next == std::string_view::npos) {
      return fail(ErrorCode::kInvalid,
                  "multipart body ends without the closing boundary \"" + delimiter + "--\"");
    }
    std::size_t end = next;
    if (end > start && body[end - 1] == '\r') --end;
    std::string_view raw = body.substr(start, end - start);
    std::size_t sep = 0;
    std::size_t headers_end = header_end(raw, sep);
    MultipartPart part;
    std::string_view header_block;
    if (raw.rfind("\r\n", 0) == 0 || raw.rfind("\n", 0) == 0) {
      part.body = std::string(raw.substr(raw[0] == '\r' ? 2 : 1));  // no headers at all
    } else if (headers_end == std::string_view::npos) {
      return fail(ErrorCode::kInvalid, "multipart part " + std::to_string(parts.size() + 1) +
                                           " has no blank line between its headers and its body");
    } else {
      header_block = raw.substr(0, headers_end);
      part.body = std::string(raw.substr(headers_end + sep));
    }
    std::size_t line_start = 0;
    while (line_start < header_block.size()) {
      std::size_t line_end = header_block.find('\n', line_start);
      if (line_end == std::string_view::npos) line_end = header_block.size();
      std::string_view line = trim(header_block.substr(line_start, line_end - line_start));
      line_start = line_end + 1;
      if (line.empty()) continue;
      auto colon = line.find(':');
      if (colon == std::string_view::npos) {
        return fail(ErrorCode::kInvalid, "multipart part " + std::to_string(parts.size() + 1) +
                                             " has a malformed header line \"" + std::string(line) +
                                             "\"");
      }
      part.headers.emplace_back(to_lower(trim(line.substr(0, colon))),
                                std::string(trim(line.substr(colon + 1))));
    }
    parts.push_back(std::move(part));
    if (parts.size() > max_parts) {
      return fail(ErrorCode::kInvalid,
                  "multipart body has more than " + std::to_string(max_parts) + " parts");
    }
    pos = next + 1 + delimiter.size();
  }
}

std::string build_multipart(const std::vector<MultipartPart>& parts, std::string& boundary) {
  boundary = "lrsbridge-" + Uuid::random().str();
  std::string out;
  for (const MultipartPart& part : parts) {
    out += "--" + boundary + "\r\n";
    for (const auto& [name, value] : part.headers) out += name + ": " + value + "\r\n";
    out += "\r\n";
    out += part.body;
    out += "\r\n";
  }
  out += "--" + boundary + "--\r\n";
  return out;
}

}  // namespace lrs

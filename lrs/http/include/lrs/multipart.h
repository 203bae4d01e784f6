// multipart/mixed bodies (RFC 2046 section 5.1) as xAPI uses them for attachments
// (Communication 1.5.2): parsing requests and building responses.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "lrs/error.h"
#include "lrs/http_message.h"

namespace lrs {

struct MultipartPart {
  HeaderList headers;  // names lower-cased
  std::string body;
  std::string_view header(std::string_view lower_name) const;
};

// The boundary parameter of a Content-Type value, unquoted; "" when absent.
std::string multipart_boundary(std::string_view content_type);

// Splits `body` into parts. kInvalid naming the problem for a missing boundary, a
// missing closing delimiter, a part without a blank line after its headers, or more
// than `max_parts` parts.
Result<std::vector<MultipartPart>> parse_multipart(std::string_view body, std::string_view boundary,
                                                   std::size_t max_parts = 1000);

// A multipart/mixed body with these parts; returns the body and sets `boundary`.
std::string build_multipart(const std::vector<MultipartPart>& parts, std::string& boundary);

}  // namespace lrs

// Percent-encoding and query strings (RFC 3986, application/x-www-form-urlencoded).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lrs {

// Encodes everything but RFC 3986 unreserved characters.
std::string url_encode(std::string_view text);
// Decodes %XX escapes and, when `plus_is_space`, '+' as a space. nullopt for a
// malformed escape or a result that is not valid UTF-8.
std::optional<std::string> url_decode(std::string_view text, bool plus_is_space = true);
// "a=1&b=%20" -> {{"a","1"},{"b"," "}}; nullopt names nothing, the caller says
// "malformed query string".
std::optional<std::vector<std::pair<std::string, std::string>>> parse_query_string(
    std::string_view query);
// True when `text` is well-formed UTF-8 (no overlongs, no surrogates).
bool is_valid_utf8(std::string_view text);

}  // namespace lrs

// Base64 (RFC 4648) over OpenSSL's EVP block coder. Private to lrs_core.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace lrs {

std::string base64_encode(std::string_view data);
// Standard alphabet with padding; nullopt when the text is not base64.
std::optional<std::string> base64_decode(std::string_view text);
// URL-safe alphabet, padding optional (JWS, RFC 7515).
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace lrs

// Small ASCII text helpers shared by the libraries (HTTP names, media types, hex).
#pragma once

#include <string>
#include <string_view>

namespace lrs {

// ASCII lower case; other bytes (UTF-8 included) are kept as they are.
std::string to_lower(std::string_view text);
// ASCII case-insensitive equality (header names, media types, auth schemes).
bool iequals(std::string_view a, std::string_view b);

}  // namespace lrs

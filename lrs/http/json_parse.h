// Parsing request bodies into nlohmann::json with simdjson. Private to lrs_http.
#pragma once

#include <optional>
#include <string_view>

#include <nlohmann/json.hpp>

namespace lrs {

// The value nlohmann::json::parse(text) gives, built from simdjson's validating parser
// (which reads ~1 KB statements several times faster than nlohmann's lexer). nullopt
// when simdjson refuses the text or it holds something nlohmann represents its own way
// (integers beyond 64 bits, -0, a byte order mark); the caller then parses with
// nlohmann, which also words the error for malformed JSON. The caller bounds nesting.
std::optional<nlohmann::json> parse_json_fast(std::string_view text);

}  // namespace lrs

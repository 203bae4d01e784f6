// Compact JSON text of a nlohmann::json value, byte for byte what `value.dump()` writes,
// about three times faster: strings are copied in runs between the few characters that
// need escaping instead of being re-decoded one UTF-8 code point at a time. Statement
// bodies, definitions and responses are serialized on every request, so this matters.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

namespace lrs {

// Appends the compact text of `value` to `out`. Throws what dump() throws (a string
// that is not UTF-8).
void append_json_text(const nlohmann::json& value, std::string& out);

std::string json_text(const nlohmann::json& value);

// Appends `text` as a JSON string (quoted and escaped as dump() would), without making a
// json value of it first. Throws what dump() throws.
void append_json_string(std::string_view text, std::string& out);

}  // namespace lrs

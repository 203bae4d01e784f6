// ISO 8601 timestamps and durations as xAPI uses them. Times are microseconds since the
// Unix epoch in UTC (int64), which is also the LRS's `stored` clock resolution.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lrs {

// Parses an ISO 8601 date-time with a time zone offset or "Z" (xAPI requires one,
// except "-00:00" which is rejected in 1.0.3 and 2.0). Fractions beyond microseconds
// are truncated. nullopt for anything that is not a valid instant.
std::optional<std::int64_t> parse_timestamp_us(std::string_view text);

// "2026-11-26T19:57:44.123456Z" (always UTC, always 6 fraction digits... trimmed to 3
// when the sub-millisecond part is zero).
std::string format_timestamp_us(std::int64_t us);

// True when `text` is an ISO 8601 duration as xAPI allows (PnYnMnDTnHnMnS, PnW).
bool is_valid_duration(std::string_view text);

}  // namespace lrs

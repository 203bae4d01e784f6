// ISO 8601 timestamps and durations as xAPI uses them. Times are microseconds since the
// Unix epoch in UTC (int64), which is also the LRS's `stored` clock resolution.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lrs {

// Parses an ISO 8601 date-time with a time zone offset or "Z" (xAPI requires one,
// except "-00:00" which is rejected in 1.0.3 and 2.0). Extended ("2008-09-15T15:53:00Z")
// and basic ("20080915T155300Z") formats, seconds optional, offsets Z, +hh, +hh:mm or
// +hhmm. Fractions beyond microseconds are truncated. nullopt for anything that is not
// a valid instant (month 13, Feb 30 outside leap years, hour 24, ...).
std::optional<std::int64_t> parse_timestamp_us(std::string_view text);

// "2026-11-26T19:57:44.123456Z": always UTC with "Z", 6 fraction digits, or 3 digits
// ("2026-11-26T19:57:44.123Z") when the sub-millisecond part is zero. The output always
// parses back to `us` with parse_timestamp_us.
std::string format_timestamp_us(std::int64_t us);

// True when `text` is an ISO 8601 duration as xAPI allows (PnYnMnDTnHnMnS, PnW).
bool is_valid_duration(std::string_view text);

}  // namespace lrs

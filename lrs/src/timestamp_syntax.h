// Private to lrs_core: the two timestamp grammars the validator chooses between.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace lrs::detail {

enum class TimestampSyntax {
  // ISO 8601:2004 calendar date and time, extended ("2008-09-15T15:53:00Z") or basic
  // ("20080915T155300Z") format, reduced to minutes allowed, "," or "." before the
  // fraction, offsets Z, +hh, +hh:mm (extended) or +hhmm (basic). xAPI 1.0.3 Data 4.5.
  kIso8601,
  // RFC 3339 date-time only: "2008-09-15T15:53:00.601+00:00". xAPI 2.0 (IEEE 9274.1.1)
  // narrows Timestamps to this profile.
  kRfc3339,
};

// Microseconds since the Unix epoch, or nullopt when `text` is not a valid instant in
// the given grammar. Both grammars require a time zone and reject the "unknown local
// offset" forms -00, -0000 and -00:00 (the ADL conformance suite rejects them).
std::optional<std::int64_t> parse_timestamp(std::string_view text, TimestampSyntax syntax);

}  // namespace lrs::detail

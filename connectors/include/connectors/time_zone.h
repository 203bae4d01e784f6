// Time zones for export dates that carry no offset (Moodle prints the exporting user's
// local time). Zones come from the system's tz database (TZif files under
// /usr/share/zoneinfo, Debian's tzdata; $TZDIR overrides), or are a fixed offset.
// A TimeZone is an immutable value, safe to share between threads.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lrs/error.h"

namespace connectors {

class TimeZone {
 public:
  // "UTC", "Z", a fixed offset ("+02:00", "-0530") or a tz database name
  // ("Europe/Madrid"). kInvalid naming the zone when it is unknown or its file is not
  // a TZif file.
  static lrs::Result<TimeZone> load(std::string_view name);
  static TimeZone utc();

  const std::string& name() const { return name_; }

  // Seconds since the epoch (UTC) of a wall-clock time given as seconds since
  // 1970-01-01T00:00 local. A time that occurs twice (clocks turned back) is the first
  // occurrence; kInvalid for one that never occurs (clocks turned forward).
  lrs::Result<std::int64_t> to_utc(std::int64_t local_seconds) const;

  // The UTC offset in seconds in force at `utc_seconds`.
  std::int32_t offset_at(std::int64_t utc_seconds) const;

 private:
  std::string name_;
  std::vector<std::int64_t> transitions_;        // UTC seconds, ascending
  std::vector<std::int32_t> transition_offset_;  // offset from each transition on
  std::int32_t initial_offset_ = 0;              // before the first transition
  std::vector<std::int32_t> offsets_;            // every distinct offset of the zone
};

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d);

// Parses `text` against a strftime-like `format` into seconds since 1970-01-01T00:00 of
// the wall clock (no zone applied). Directives: %Y (4 digits), %y (2 digits, 69-99 ->
// 19xx), %m, %d, %e, %H, %I, %M, %S, %p (AM/PM), %b / %B (English month name, abbreviated / full),
// %F
// (%Y-%m-%d), %T (%H:%M:%S), %%. A space in the format matches any run of spaces; other
// characters match themselves. Missing trailing time directives are not allowed: use
// a format without them for date-only values (midnight). nullopt when the text does not
// match or the date does not exist.
std::optional<std::int64_t> parse_wall_clock(std::string_view text, std::string_view format);

}  // namespace connectors

// Turns what a row of an LMS export says (export_format.h) into xAPI statements.
//
// Rules (issue 5, research lms-exports.md section 5):
// - actor: Agent with account {homePage: the LMS base URL, name: the LMS user id}, the
//   identity the SCORM bridge uses; mbox only when asked and the export has an email;
// - verb: ADL completed / passed / failed / scored; result.completion for the first
//   three, success for passed/failed, score raw/min/max/scaled (scaled = raw / max for
//   ranges starting at 0);
// - object: the course (`<lms>/course/<course key>`) or an activity in it
//   (`<course IRI>/activity/<activity key>`), with the course as context parent;
// - timestamp: the completion time converted from the source zone to UTC, or the
//   export time for rows without one (flagged by an extension);
// - id: UUIDv5 over platform, homePage, user, verb, object and timestamp, so a
//   re-import adds nothing and a genuine re-completion (a new time) is new.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "connectors/export_format.h"
#include "connectors/time_zone.h"
#include "lrs/error.h"

namespace connectors {

// Extension IRIs the connector writes into context.extensions.
inline constexpr const char* kExtSourceTime = "https://lrsbridge.dev/xapi/ext/source-time";
inline constexpr const char* kExtTimeFromExport =
    "https://lrsbridge.dev/xapi/ext/timestamp-from-export-time";
inline constexpr const char* kExtSourceFormat = "https://lrsbridge.dev/xapi/ext/import-format";

struct StatementContext {
  std::string lms_url;      // base URL, no trailing slash
  std::string platform;     // "Moodle", ...
  std::string format;       // format name, kept in an extension
  std::string course_key;   // the import's course (used when evidence names none)
  std::string course_name;  // display name for the course
  TimeZone zone = TimeZone::utc();
  std::int64_t export_time_s = 0;  // for rows without a completion time
  std::int64_t now_s = 0;          // times after this are refused
  bool use_email = false;          // mbox instead of account when the row has an email
};

// The statements for one row. kInvalid with a reason naming the problem (a local time
// that does not exist in the zone, a time in the future, a score outside its range, an
// empty user id); the row is then quarantined as a whole.
lrs::Result<std::vector<nlohmann::json>> build_statements(const RowReading& row,
                                                          const StatementContext& context);

// Percent-encodes everything but RFC 3986 unreserved characters, for IRI path segments.
std::string iri_segment(std::string_view text);

}  // namespace connectors

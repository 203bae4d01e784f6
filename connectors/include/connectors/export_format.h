// LMS export formats: what the columns of one export mean.
//
// A format is chosen by name or detected from the header row. It reads each data row
// into a RowReading: who the learner is and the evidence the row holds (completions,
// pass/fail, scores) per course or activity, with the completion time as written in the
// file. Turning that into xAPI (identities, time zones, ids) is statement_builder.h's job.
// Built-in formats follow the column facts in ../shared/research/lms-exports.md; any
// other LMS is described by a mapping file (JSON, see mapping_format() below). A format
// object is used by one import at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lrs/error.h"

namespace connectors {

// What one row says about one learner and one course or activity.
struct Evidence {
  enum class Outcome { kCompleted, kPassed, kFailed, kScored };
  Outcome outcome = Outcome::kCompleted;
  // The object is the course itself rather than an activity in it.
  bool course_level = false;
  // Stable within the course: an LMS item id when the export has one, else the column
  // name. Empty for course-level evidence.
  std::string activity_key;
  std::string activity_name;
  // A per-row course (mapping files with a course column); empty: the import's course.
  std::string course_key;
  std::string course_name;
  std::optional<double> raw;
  std::optional<double> min;
  std::optional<double> max;
  std::optional<double> scaled;
  // The completion time: a wall-clock time in the export's zone (seconds since
  // 1970-01-01T00:00 local), or an absolute time. Neither: the export has no date.
  std::optional<std::int64_t> wall_clock_s;
  std::optional<std::int64_t> utc_s;
  std::string time_text;  // the date as written in the file
};

struct RowReading {
  std::string user;   // the stable LMS user id
  std::string email;  // when the export has one
  std::vector<Evidence> evidence;
  // Non-empty: the row cannot be imported; the reason names the column and the problem.
  std::string problem;
  // A row that describes the columns rather than a learner (Canvas "Points Possible").
  bool not_a_learner = false;
};

class ExportFormat {
 public:
  ExportFormat() = default;
  virtual ~ExportFormat() = default;
  ExportFormat(const ExportFormat&) = delete;
  ExportFormat& operator=(const ExportFormat&) = delete;

  // "moodle-course-completion", "canvas-gradebook", ... or the mapping's name.
  virtual std::string name() const = 0;
  // The LMS, for the statements' context.platform and ids ("Moodle", "Canvas", ...).
  virtual std::string platform() const = 0;
  // Learns the columns. kInvalid naming what is missing when the header does not fit.
  virtual lrs::Result<void> start(const std::vector<std::string>& header) = 0;
  // Reads one data row (after start()). Cells beyond the header are ignored, missing
  // ones are empty.
  virtual void read(const std::vector<std::string>& cells, RowReading& out) = 0;
  // Whether completion times are wall-clock times that need a source time zone.
  virtual bool needs_time_zone() const = 0;
  // The export's time zone when the format itself names one (a mapping file's
  // "time_zone"); empty otherwise.
  virtual std::string default_time_zone() const { return {}; }
  // The time the export was made, when the file says so in its rows (Moodle gradebook
  // "Last downloaded from this course"); read after the first data row.
  virtual std::optional<std::int64_t> export_time_s() const { return std::nullopt; }
};

// The names of the built-in formats.
std::vector<std::string> builtin_format_names();

// The built-in format whose columns the header shows; nullopt when none fits.
std::optional<std::string> detect_format(const std::vector<std::string>& header);

// A built-in format by name; kInvalid listing the names for an unknown one.
// `date_format` replaces the format's usual date pattern (see parse_wall_clock) when
// not empty, for exports made in another language.
lrs::Result<std::unique_ptr<ExportFormat>> make_format(std::string_view name,
                                                       std::string_view date_format = {});

// A format described by a mapping file: one row is one learner x one course or
// activity. JSON object:
//   "name": "...", "platform": "Cornerstone",
//   "columns": {"user": H, "email": H, "course_id": H, "course_name": H,
//               "activity_id": H, "activity_name": H, "status": H, "score": H,
//               "score_max": H, "completed_at": H}      (only "user" is required)
//   "status_words": {"completed": [...], "passed": [...], "failed": [...],
//                    "not_completed": [...]}           (compared case-insensitively)
//   "score_min": 0, "score_max": 100, "date_format": "%m/%d/%Y %H:%M", "time_zone": "UTC"
// kInvalid naming the property for a malformed mapping.
lrs::Result<std::unique_ptr<ExportFormat>> mapping_format(std::string_view mapping_json);

// Whether `header` has every column a mapping file names (to pick it automatically).
bool mapping_fits(std::string_view mapping_json, const std::vector<std::string>& header);

// Parses a number as exports write it: "8.5", "8,5" (decimal comma), "85.00 %" (the
// percent sign is dropped), surrounding spaces ignored. nullopt for anything else.
std::optional<double> parse_score(std::string_view text);

}  // namespace connectors

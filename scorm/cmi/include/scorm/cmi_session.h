// Attempts and sessions on a CmiModel: pure logic, no storage.
//
// A session runs from the SCO's launch to its Terminate/LMSFinish. The caller keeps the
// model of the current attempt between sessions (cmi_json.h) and calls:
//   start_session(previous, launch) -> the model to give the SCO (new attempt or resume)
//   apply_commit(...)                -> for each commit (cmi_commit.h)
//   end_session(model)               -> after the terminate commit (total_time, statuses)
//
// Attempt rule (AttemptPolicy::kAuto): the previous session exited with "suspend" ->
// resume (entry "resume"; suspend_data, location, statuses, scores, interactions and
// total_time kept); any other exit (normal, logout, time-out, "") -> new attempt (a fresh
// model, entry "ab-initio"). Browse and review never start an attempt (that would wipe
// the recorded results): they reopen the last one with entry "".
//
// Modes: in browse and review, values that count (1.2 lesson_status, score.*,
// objectives.n.status / score.*; 2004 completion_status, success_status,
// progress_measure, score.*, objectives.n.{success_status, completion_status,
// progress_measure, score.*}) are accepted from the SCO but not stored, and session_time
// is not added to total_time; location, suspend_data, interactions, comments and
// preferences are kept. 1.2 browse mode stores lesson_status "browsed" (its purpose).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "scorm/cmi_model.h"

namespace scorm {

enum class AttemptPolicy {
  kAuto,      // resume after exit "suspend", else a new attempt
  kNew,       // always a new attempt (e.g. the LMS admin reset it)
  kContinue,  // keep the data without resuming: entry "" (1.2 re-launch without suspend)
};

struct LaunchValues {
  std::string learner_id;       // cmi.core.student_id / cmi.learner_id
  std::string learner_name;     // cmi.core.student_name / cmi.learner_name
  bool credit = true;           // credit / no-credit
  std::string mode = "normal";  // normal, browse, review
  AttemptPolicy policy = AttemptPolicy::kAuto;
  // Further LMS values for this launch, e.g. {"cmi.launch_data", ...},
  // {"cmi.student_data.mastery_score","80"}, {"cmi.completion_threshold","0.8"},
  // {"cmi.comments_from_lms.0.comment", ...}, {"adl.data.0.id", ...}.
  std::vector<std::pair<std::string, std::string>> lms_values;
};

struct SessionStart {
  CmiModel model;
  bool resumed = false;      // entry "resume"
  bool new_attempt = false;  // a fresh attempt was started (entry "ab-initio")
  int error = 0;             // a launch value broke its element's rules (model = previous)
  std::string diagnostic;
};

// Opens a session from the stored model of the previous session (pass a fresh
// CmiModel12 / CmiModel2004 for the very first launch). A previous session that was never
// ended (browser closed without Terminate) is ended first, so its time counts.
SessionStart start_session(const CmiModel& previous, const LaunchValues& launch);

struct SessionEndOptions {
  // 1.2: a lesson_status still "not attempted" at the end of a normal-mode session
  // becomes "incomplete"; true makes it "completed" (scorm-again's
  // autoCompleteLessonStatus; the 1.2 RTE lets the LMS choose).
  bool auto_complete_12 = false;
};

struct SessionEnd {
  int error = 0;  // 0, or 101 when no session is open (already ended)
  std::string diagnostic;
  std::string exit;          // the exit value of the session ("" when not set)
  bool suspended = false;    // exit == "suspend": the next launch resumes
  std::string session_time;  // as set by the SCO ("" when not set)
  std::string total_time;    // the new total_time
};

// Closes the session after the terminate commit:
// - total_time += session_time (1.2 CMITimespan, 2004 ISO 8601 duration), normal mode only;
// - 1.2 (RTE 3.4.4 cmi.core.lesson_status): with credit, normal mode, a mastery_score
//   and a score.raw, lesson_status becomes passed (raw >= mastery) or failed; otherwise
//   "not attempted" becomes "browsed" in browse mode, or "incomplete" (see options);
// - 2004: completion_status / success_status are already evaluated against
//   completion_threshold / scaled_passing_score on every change (RTE 4.2.4.1, 4.2.22.1).
SessionEnd end_session(CmiModel& model, const SessionEndOptions& options = {});

// Centiseconds in a 1.2 CMITimespan ("HHHH:MM:SS.SS") or a 2004 ISO 8601 duration
// ("PT1H2M3.45S"; a year counts 365 days and a month 30 days); nullopt if malformed.
std::optional<long long> parse_timespan_12(std::string_view text);
std::optional<long long> parse_duration_2004(std::string_view text);
// "0001:02:03.45" (hours padded to 4, capped at 9999:59:59.99) and "PT1H2M3.45S".
std::string format_timespan_12(long long centiseconds);
std::string format_duration_2004(long long centiseconds);

}  // namespace scorm

// Commits from the browser runtime, and the change list the translator turns into xAPI.
//
// The runtime JS (scorm-again) answers the SCO's SetValue calls locally and then POSTs
// the whole CMI (sendFullCommit) as JSON, either flattened ({"cmi.core.exit":"suspend"})
// or nested ({"cmi":{"core":{"exit":"suspend"}}}), possibly wrapped in
// renderCommonCommitFields' {"runtimeData":{...}}. apply_commit replays such a batch on
// the server's model as the SCO would have called SetValue, all or nothing.
//
// Replay rules (our decisions):
// - Pairs are replayed in ElementLess order (indexes ascending, id then type first), so
//   JSON key order never creates a false 351/408.
// - A value equal to the stored one is a no-op, and "" for an element never set is a
//   no-op (scorm-again renders unset elements as ""). This is what lets a full commit
//   carry every read-only value back unchanged.
// - A read-only element with a different value is rejected: 1.2 403, 2004 404. Timespans
//   compare by duration and reals by number, so "PT0S" equals "PT0H0M0S". The one
//   exception is total_time: the terminate commit carries total + session time
//   (scorm-again's getCurrentTotalTime); it is accepted when it equals the stored total,
//   or the stored total plus the commit's session_time, and is never stored (end_session
//   computes it).
// - `_children` / `_version` must equal the model's; `_count` must equal the count after
//   the whole batch (1.2 402, 2004 404 otherwise).
// - Any failure leaves the model unchanged and names the element, the code and why.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "scorm/cmi_model.h"

namespace scorm {

using CmiPairs = std::vector<std::pair<std::string, std::string>>;

struct CommitResult {
  int error = 0;            // 0, or the SCORM code (2004: 391 for unreadable JSON; 1.2: 101)
  std::string element;      // the element that failed, "" when the body itself is bad
  std::string value;        // the value it carried
  std::string diagnostic;   // why, e.g. "cmi.score.scaled: 1.5 is outside -1..1"
  std::size_t applied = 0;  // pairs that changed something (0 when error != 0)
  bool ok() const { return error == 0; }
};

// Applies `pairs` to `model` atomically (see the rules above), in place: a rejected
// commit's writes are undone. Within tracking (CmiModel::start_tracking) the accepted
// commit's changes join the tracked ones.
CommitResult apply_commit(CmiModel& model, const CmiPairs& pairs);

// Reads a commit body (flattened, nested or runtimeData-wrapped JSON) into pairs. Keys
// outside cmi.* / adl.* at the top level (commitSequence, successStatus, ...) are
// ignored; numbers and booleans become their JSON text, null becomes "". nullopt and
// `error` set when the text is not a JSON object.
std::optional<CmiPairs> parse_commit_json(std::string_view json, std::string* error = nullptr);

// A commit body read once: its pairs (parse_commit_json's, listed in the body's order,
// which apply_commit does not depend on) and the runtime's top-level commitSequence (-1
// when absent or not an integer); pairs is nullopt and `error` says why when the body is
// not a JSON object.
struct CommitBody {
  std::optional<CmiPairs> pairs;
  std::int64_t sequence = -1;
  std::string error;
};
CommitBody read_commit_body(std::string_view json);

// apply_commit of a body's pairs; an unreadable body answers 391 (2004) / 101 (1.2).
CommitResult apply_commit_body(CmiModel& model, const CommitBody& body);

// read_commit_body then apply_commit_body.
CommitResult apply_commit_json(CmiModel& model, std::string_view json);

// The elements whose stored value differs between `before` and `after`, in ElementLess
// order (deterministic: same inputs, same list).
std::vector<CmiChange> diff(const CmiModel& before, const CmiModel& after);

}  // namespace scorm

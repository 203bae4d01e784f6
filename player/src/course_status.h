// Course-level tracking for the player: the organization's rollup tree (kept in the
// package summary JSON at import) and the status of each SCO from its latest attempt's
// CMI, rolled up to the course with scorm::roll_up. Private to lrs_player.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lrs/player_store.h"
#include "scorm/cmi_model.h"
#include "scorm/rollup.h"

namespace player {

// The tree as stored under "rollup" in the package summary, and back. A summary without
// one (imported before rollup was kept) gives a tree of its organization's items with the
// default rules.
nlohmann::json rollup_tree_json(const scorm::RollupActivity& tree);
scorm::RollupActivity rollup_tree_from_summary(const nlohmann::json& summary);

// A SCO's tracking status from its CMI (1.2 lesson_status, score.raw; 2004
// completion_status, success_status, score.scaled, progress_measure). A SCO with an
// attempt has been attempted.
scorm::ActivityStatus sco_status(const scorm::CmiModel& model);

// A SCO's tracking status from a stored attempt's CMI document (scorm::to_json's
// {"scorm", "values"}); nullopt when the document has no values object.
std::optional<scorm::ActivityStatus> stored_status(const nlohmann::json& cmi_doc);

// The status of each SCO of `attempts` from its latest attempt (the highest number),
// read from the stored CMI JSON; active while that attempt is open.
lrs::Result<scorm::ActivityStatuses> latest_sco_statuses(
    const std::vector<lrs::AttemptRecord>& attempts);

// The statuses of every SCO of `registration` with an attempt, from its latest attempt.
lrs::Result<scorm::ActivityStatuses> stored_sco_statuses(lrs::PlayerStore& store,
                                                         const std::string& registration);

// What the table of contents shows: "passed", "failed", "completed", "incomplete",
// "attempted" or "not attempted".
std::string status_label(const scorm::ActivityStatus& status);

// {"course": {"status": label, "score": scaled?, "progress": p?}, "scos": {id: label}},
// rolled up from the stored attempts, for the player page.
lrs::Result<nlohmann::json> course_progress_json(lrs::PlayerStore& store,
                                                 const std::string& registration,
                                                 const nlohmann::json& summary);

}  // namespace player

// The player's side of SCORM 2004 sequencing (scorm/sequencing.h) and SCORM 1.2
// prerequisites: the course's sequencing tree (kept in the package summary JSON at
// import), the learner's state read from the registration's attempts, and the navigation
// the table of contents and the server allow. Private to lrs_player.
//
// Shared objectives are scoped to the registration: they are derived, whenever needed,
// from the latest attempt of every SCO of that registration (nothing extra is stored),
// so a learner's second registration of the same package starts with none. The
// objectivesGlobalToSystem flag is therefore read as "global to the registration".
#pragma once

#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lrs/player_store.h"
#include "scorm/rollup.h"
#include "scorm/sequencing.h"

namespace player {

// The tree as stored under "sequencing" in the package summary, and back. A summary
// without one (imported before sequencing was kept) gives its organization's items with
// their control modes and no rules.
nlohmann::json sequencing_tree_json(const scorm::SequencingActivity& tree);
scorm::SequencingActivity sequencing_tree_from_summary(const nlohmann::json& summary);

// The course as the learner of `registration` meets it: the summary's sequencing tree
// after selection and randomization (scorm::select_and_randomize, seeded by the
// registration), and its rollup tree without the activities that left out.
struct LearnerCourse {
  scorm::SequencingActivity tree;
  scorm::RollupActivity rollup;
  std::set<std::string> left_out;  // activities selection did not give this learner
};
LearnerCourse learner_course(const nlohmann::json& summary, const std::string& registration);

struct LearnerSequencing {
  scorm::SequencingActivity tree;
  std::set<std::string> left_out;   // activities selection did not give this learner
  scorm::ActivityStates states;     // every activity with an attempt below it, rolled up
  scorm::GlobalObjectives globals;  // written by the registration's latest attempts
  std::string current;              // the SCO launched last; empty before any launch
  bool current_ended = false;       // its latest attempt's session has ended

  scorm::SequencingContext context() const { return {tree, states, globals}; }
};

// Reads the registration's attempts (one query) and derives its sequencing state.
lrs::Result<LearnerSequencing> learner_sequencing(lrs::PlayerStore& store,
                                                  const std::string& registration,
                                                  const nlohmann::json& summary);

// The shared objectives SCO `sco` reads (scorm::objective_preloads); none for an
// identifier that is not a leaf of the tree.
std::vector<scorm::ObjectivePreload> shared_objectives_of(const LearnerSequencing& learner,
                                                          const std::string& sco);

// Launching `target` from the current SCO: a reload of the current one, the next or
// previous one by flow, a choice, or (once the current SCO's session has ended) where its
// exit and post-condition rules lead. Refusals read "navigation from X to Y is not
// allowed: <why>".
scorm::NavigationDecision navigate(const LearnerSequencing& learner, const std::string& target);

// What the page shows, seen from `current`: {"scos": {id: {"hidden", "enabled",
// "reason"?}}, "next": id|null, "previous": id|null, "current": id, "ended": bool,
// "end_rules": bool (the SCO or a cluster above it has exit / post-condition rules),
// "after": {"request", "target": id|null, "reason"?, "by"} once ended, else null}.
// The summary's SCOs (its "scos" entries) in the order this learner meets them, without
// those selection left out.
nlohmann::json learner_scos(const LearnerSequencing& learner, const nlohmann::json& summary);

nlohmann::json navigation_json(const LearnerSequencing& learner, const std::string& current);

}  // namespace player

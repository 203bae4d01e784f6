// SCORM 2004 rollup (SN book, RB.1): how the status of the SCOs a learner has attempted
// adds up to the status of their clusters and of the course (the organization).
//
// The activity tree is the organization's items with the rollup facts of their
// sequencing: tracked, rollupObjectiveSatisfied / rollupProgressCompletion,
// objectiveMeasureWeight, progressWeight, the rollup rules, the primary objective's
// satisfiedByMeasure / minNormalizedMeasure and completedByMeasure / minProgressMeasure.
// Statuses of the leaves (SCOs) come from their CMI; roll_up computes every cluster:
//   - measure (RB.1.1a): the objectiveMeasureWeight-weighted mean of the tracked children's
//     measures, when at least one child has a measure;
//   - progress (RB.1.1b, 4th Edition): the progressWeight-weighted mean of the children's
//     completion amounts;
//   - satisfied (RB.1.2): by measure when the primary objective is satisfiedByMeasure,
//     else by the rollup rules with the satisfied / notSatisfied actions (not satisfied
//     first, satisfied wins), with the defaults of the SN (as ADL's sample RTE has them)
//     when the manifest has neither: "every child's status known -> not satisfied",
//     "every child satisfied -> satisfied";
//   - completed (RB.1.3): by measure when completedByMeasure, else by the rules with the
//     completed / incomplete actions, defaults "every child's progress known ->
//     incomplete", "every child completed -> completed".
// A child contributes when it is tracked, rolls up that kind of status and its rollup
// considerations (RB.1.4.2, adlseq:rollupConsiderations requiredForSatisfied /
// NotSatisfied / Completed / Incomplete) include it for the action at hand: "always";
// "ifAttempted" (attempted); "ifNotSuspended" (not attempted, or not suspended);
// "ifNotSkipped" counts as "always" (skipping is a navigation decision the rollup does not
// see). With measureSatisfactionIfActive="false", an active activity's measure does not
// decide its satisfaction (unknown until the attempt ends). Conditions use the SN's three-valued
// logic (an unknown status satisfies neither a condition nor its negation); attempt and
// time limits count as false.
//
// Pure functions over plain values; thread-safe.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "scorm/manifest.h"

namespace scorm {

struct RollupActivity {
  std::string identifier;  // the item identifier; the organization's for the root
  std::string title;
  bool tracked = true;
  RollupRules rollup;  // rollupObjectiveSatisfied, rollupProgressCompletion, weight, rules
  std::optional<double> satisfied_by_measure;  // minNormalizedMeasure when satisfiedByMeasure
  std::optional<double> completed_by_measure;  // minProgressMeasure when completedByMeasure
  double progress_weight = 1.0;
  RollupConsiderations considerations;   // when this activity counts for its parent
  std::vector<RollupActivity> children;  // empty for a leaf (a launchable item)

  bool is_leaf() const { return children.empty(); }
};

// The tree of the default (or first) organization of `manifest`; a root without children
// when the manifest has no organization.
RollupActivity make_rollup_tree(const Manifest& manifest);

// Tracking status of one activity. nullopt = unknown (the SN's "status known" false).
struct ActivityStatus {
  bool attempted = false;
  bool suspended = false;          // the attempt was left with exit "suspend"
  bool active = false;             // an attempt is in progress (a session is open)
  std::optional<bool> completed;   // attempt completion status
  std::optional<bool> satisfied;   // objective satisfied status (passed / failed)
  std::optional<double> measure;   // objective normalized measure, -1..1 (score.scaled)
  std::optional<double> progress;  // attempt completion amount, 0..1 (progress_measure)

  bool operator==(const ActivityStatus&) const = default;
};

// Statuses by activity identifier: the leaves' on input, every activity's on output.
using ActivityStatuses = std::map<std::string, ActivityStatus>;

// Rolls the leaves' statuses (absent = never attempted) up the tree of `root`; returns
// the statuses of every activity of the tree, leaves included, keyed by identifier.
ActivityStatuses roll_up(const RollupActivity& root, const ActivityStatuses& leaves);

}  // namespace scorm

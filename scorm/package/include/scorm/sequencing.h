// SCORM 2004 sequencing decisions (SN book) over one learner's registration: shared
// (global) objectives, precondition rules, limit conditions and the control modes of every
// cluster, deciding where a learner may go from the SCO launched last.
//
// The activity tree is the organization with each item's sequencing; the learner's state
// is, per activity, its rolled-up tracking status (rollup.h), its attempt count and the
// SCO's own objectives (cmi.objectives by id). Decisions follow the SN's processes in a
// simplified shape that suits a player launching one SCO per page:
//   - global objectives (imsss:mapInfo): an activity's objective writes its satisfied
//     status / normalized measure to the target objective when writeSatisfiedStatus /
//     writeNormalizedMeasure; reads (the defaults) take the global value when it is known.
//     The 4th Edition's adlseq:mapInfo does the same for completion status, progress
//     measure and the raw, min and max scores; a primary objective that reads completion
//     decides the "completed" and "activityProgressKnown" rule conditions with it.
//     Writers are applied in the order the learner's SCOs last changed, the latest wins.
//   - precondition rules (UP.2): the first rule whose conditions hold gives its action;
//     conditions use the SN's three-valued logic (an unknown status satisfies neither a
//     condition nor its negation); "not" applies to one condition, "all"/"any" combines.
//   - flow (SB.2.1 / SB.2.2, continue and previous): preorder through the leaves; moving
//     within a cluster needs its flow, backwards is refused in a forwardOnly cluster,
//     activities (or whole clusters) with a "skip" precondition are passed over, and a
//     "disabled" one or one over its attemptLimit stops the flow with a refusal.
//   - choice (SB.2.9): the target's parent (and every cluster above it) must allow choice;
//     nothing on its path may be hiddenFromChoice or disabled; a forwardOnly common
//     cluster refuses a target behind the current SCO; a cluster with choiceExit="false"
//     around the current SCO keeps the learner inside; a stopForwardTraversal activity
//     before the target (going forward) stops the choice there.
//   - constrained choice (SB.2.9, adlseq:constrainedChoiceConsiderations): a cluster with
//     preventActivation cannot be entered by choice from outside it (the learner gets in by
//     flow); while the learner is inside an activity with constrainChoice, choice reaches only
//     that activity, the one logically next to it and the one logically previous to it
//     (with what they contain).
//   - limit conditions (UP.1): a leaf whose attempt count has reached attemptLimit cannot
//     start a new attempt (resuming a suspended one is still allowed).
//   - selection and randomization (SR.1 / SR.2): see select_and_randomize.
//   - the end of an attempt (TB.2.1 / TB.2.2 / TB.2.3): the topmost cluster above the
//     SCO whose exit rule holds is exited, then post-condition rules are evaluated from
//     the SCO (or that cluster) upwards: exitParent moves to the parent, exitAll ends the
//     course, retry / retryAll start the activity (the course) again, continue / previous
//     flow on from it.
// Rollup considerations are evaluated by rollup.h.
//
// Pure functions over plain values; thread-safe.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "scorm/manifest.h"
#include "scorm/rollup.h"

namespace scorm {

struct SequencingActivity {
  std::string identifier;  // the item identifier; the organization's for the root
  std::string title;
  ControlMode control_mode;             // governs moves among this activity's children
  std::vector<SequencingRule> rules;    // pre-, exit and post-condition rules
  LimitConditions limits;               // attemptLimit
  std::vector<Objective> objectives;    // the primary objective first, if any
  std::string prerequisites;            // SCORM 1.2 adlcp:prerequisites (see prerequisites.h)
  RandomizationControls randomization;  // how a cluster's children are drawn and ordered
  bool prevent_activation = false;      // adlseq:constrainedChoiceConsiderations
  bool constrain_choice = false;
  std::vector<SequencingActivity> children;  // empty for a leaf (a launchable item)

  bool is_leaf() const { return children.empty(); }
};

// The sequencing tree of the default (or first) organization of `manifest`; a root
// without children when it has no organization. Leaves are the items a player launches
// (visible, with a launch URL); other items, and clusters left empty, are left out.
// SCORM 1.2 has no sequencing: its clusters allow choice and flow, and its leaves carry
// their adlcp:prerequisites.
SequencingActivity make_sequencing_tree(const Manifest& manifest);

// SR.1 Select Children and SR.2 Randomize Children for one learner: every cluster whose
// randomizationControls select (selectCount, selectionTiming other than "never") keeps
// that many of its children, in their manifest order; every cluster that reorders
// (reorderChildren, randomizationTiming other than "never") shuffles what it kept. The
// draws are a pure function of `seed` (the registration) and the cluster's identifier,
// so the learner meets the same course on every launch. "onEachNewAttempt" draws once per
// seed as well: a new registration is this player's new attempt on the course.
// Returns the identifiers of the children left out.
std::set<std::string> select_and_randomize(SequencingActivity& root, std::string_view seed);

// Removes the activities `left_out` (and what they contain) from `root`, so that rollup
// only counts what select_and_randomize gave the learner.
void drop_activities(RollupActivity& root, const std::set<std::string>& left_out);

struct ObjectiveStatus {
  std::optional<bool> satisfied;  // nullopt = status unknown
  std::optional<double> measure;  // normalized measure, -1..1
  // SCORM 2004 4th Edition (adlseq:mapInfo): completion, progress and the raw score.
  std::optional<bool> completed;
  std::optional<double> progress;  // 0..1
  std::optional<double> raw;
  std::optional<double> min;
  std::optional<double> max;

  bool operator==(const ObjectiveStatus&) const = default;
};

// What the learner has done in one activity.
struct ActivityState {
  ActivityStatus status;   // the rolled-up tracking status (rollup.h); primary objective
  int attempt_count = 0;   // attempts of a leaf (0 = never launched)
  bool suspended = false;  // the latest attempt was suspended: the next launch resumes it
  std::map<std::string, ObjectiveStatus> objectives;  // a SCO's cmi.objectives by id
};
using ActivityStates = std::map<std::string, ActivityState>;

// Shared objectives by targetObjectiveID.
using GlobalObjectives = std::map<std::string, ObjectiveStatus>;

// The shared objectives the activities of `root` write, applying the activities in
// `write_order` (identifiers, earliest change first; activities not listed come first in
// tree order, clusters included) so the latest writer of a target wins. Only known
// values are written.
GlobalObjectives write_global_objectives(const SequencingActivity& root,
                                         const ActivityStates& states,
                                         const std::vector<std::string>& write_order = {});

// Objective `objective_id` of `activity` (empty = the primary objective) as sequencing
// reads it: the local status, unless a read map (readSatisfiedStatus /
// readNormalizedMeasure) of the objective finds a known global value, which wins.
ObjectiveStatus read_objective(const SequencingActivity& activity, std::string_view objective_id,
                               const ActivityStates& states, const GlobalObjectives& globals);

// The cmi.objectives a SCO starts with (RTE 4.2.17 with the SN's mapInfo): each of its
// objectives with an ID and a read map whose global value is known.
struct ObjectivePreload {
  std::string id;
  ObjectiveStatus status;
};
std::vector<ObjectivePreload> objective_preloads(const SequencingActivity& leaf,
                                                 const GlobalObjectives& globals);

// UP.2 Sequencing Rules Check: the action of the first rule of `kind` of `activity` whose
// action is one of `actions` and whose conditions hold; nullopt when none applies.
std::optional<std::string> rule_action(const SequencingActivity& activity,
                                       SequencingRule::Kind kind,
                                       const std::vector<std::string_view>& actions,
                                       const ActivityStates& states,
                                       const GlobalObjectives& globals);

// Where the learner is and what they have done: the input of every navigation decision.
struct SequencingContext {
  const SequencingActivity& root;
  const ActivityStates& states;
  const GlobalObjectives& globals;
};

// A navigation decision: the leaf to launch, or why not.
struct NavigationDecision {
  std::string target;   // a leaf identifier; empty when refused
  std::string refusal;  // names the rule that refuses, e.g. "SCO2 is disabled by ..."

  bool allowed() const { return !target.empty(); }
};

// Start (no SCO launched yet): flow into the tree from the root.
NavigationDecision start(const SequencingContext& context);
// Continue / previous from leaf `current`.
NavigationDecision flow(const SequencingContext& context, std::string_view current, bool forward);
// Choice of leaf `target`; `current` is the leaf launched last, empty before any launch.
NavigationDecision choose(const SequencingContext& context, std::string_view current,
                          std::string_view target);

// What follows the end of an attempt on leaf `current` by the exit and post-condition
// rules: `request` is "" when no rule applies (the learner's own navigation request
// stands); "continue", "previous" or "retry" from a post-condition rule, which overrides
// the learner's request; "exit" when an exit rule (or exitParent without a further rule)
// left a cluster, so the learner's continue goes on after it; "exitAll" when the course is
// over. `next` is the leaf to launch (or why there is none), empty for exitAll.
struct AfterAttempt {
  std::string request;
  std::string decided_by;  // the activity whose rule applied
  NavigationDecision next;
};
AfterAttempt after_attempt(const SequencingContext& context, std::string_view current);

// The table of contents entry of one leaf.
struct LeafAvailability {
  std::string identifier;
  bool hidden = false;        // hiddenFromChoice on its path
  NavigationDecision choice;  // choose(current, identifier)
};
// Every leaf of the tree in order, as seen from `current` (may be empty).
std::vector<LeafAvailability> availability(const SequencingContext& context,
                                           std::string_view current);

}  // namespace scorm

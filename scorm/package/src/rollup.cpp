// SCORM 2004 4th Edition SN book, RB.1.1 - RB.1.4 (measure, progress, objective and
// completion rollup) with the rollup considerations of RB.1.4.2.
#include "scorm/rollup.h"

#include <algorithm>
#include <cassert>
#include <string_view>

namespace scorm {
namespace {

using Tri = std::optional<bool>;  // the SN's True / False / Unknown

Tri negate(Tri value) { return value ? Tri(!*value) : std::nullopt; }

Tri evaluate(const RollupCondition& condition, const ActivityStatus& child) {
  const std::string_view name = condition.condition;
  Tri value = false;  // attemptLimitExceeded, timeLimitExceeded, outsideAvailableTimeRange
  if (name == "satisfied") {
    value = child.satisfied;
  } else if (name == "objectiveStatusKnown") {
    value = child.satisfied.has_value();
  } else if (name == "objectiveMeasureKnown") {
    value = child.measure.has_value();
  } else if (name == "completed") {
    value = child.completed;
  } else if (name == "activityProgressKnown") {
    value = child.completed.has_value();
  } else if (name == "attempted") {
    value = child.attempted;
  }
  return condition.negated ? negate(value) : value;
}

// RB.1.4.1: the rule's conditions combined for one child.
Tri evaluate(const RollupRule& rule, const ActivityStatus& child) {
  const bool all = rule.condition_combination == "all";
  bool unknown = false;
  for (const RollupCondition& c : rule.conditions) {
    const Tri value = evaluate(c, child);
    if (!value) {
      unknown = true;
    } else if (*value != all) {
      return !all;  // one False decides "all", one True decides "any"
    }
  }
  if (unknown) return std::nullopt;
  return all;
}

// RB.1.4: does the rule apply over the contributing children's values?
bool applies(const RollupRule& rule, const std::vector<const ActivityStatus*>& children) {
  if (children.empty() || rule.conditions.empty()) return false;
  std::size_t true_count = 0;
  std::size_t false_count = 0;
  for (const ActivityStatus* child : children) {
    const Tri value = evaluate(rule, *child);
    if (value && *value) ++true_count;
    if (value && !*value) ++false_count;
  }
  const std::string_view set = rule.child_activity_set;
  if (set == "all") return true_count == children.size();
  if (set == "any") return true_count > 0;
  if (set == "none") return false_count == children.size();
  if (set == "atLeastCount") {
    return true_count >= static_cast<std::size_t>(std::max(rule.minimum_count, 0));
  }
  if (set == "atLeastPercent") {
    return static_cast<double>(true_count) / static_cast<double>(children.size()) >=
           rule.minimum_percent;
  }
  return false;
}

RollupRule default_rule(std::string action, std::string condition) {
  RollupRule rule;
  rule.child_activity_set = "all";
  rule.conditions.push_back({std::move(condition), false});
  rule.action = std::move(action);
  return rule;
}

// The SN's default rules, made once: a course's status is rolled up twice per commit.
const RollupRule& default_rule_of(std::string_view action, std::string_view condition) {
  static const std::vector<RollupRule> defaults = {
      default_rule("notSatisfied", "objectiveStatusKnown"), default_rule("satisfied", "satisfied"),
      default_rule("incomplete", "activityProgressKnown"), default_rule("completed", "completed")};
  for (const RollupRule& rule : defaults) {
    if (rule.action == action && rule.conditions.front().condition == condition) return rule;
  }
  assert(false && "no such default rule");
  return defaults.front();
}

// The rules of `activity` with action `positive` or `negative`, negative ones first so a
// positive one that applies wins. Without rules of that kind, the defaults of the SN
// (and of ADL's sample RTE): negative when every child's status is known, positive when
// every child has the positive status.
std::vector<const RollupRule*> rules_for(const RollupActivity& activity, std::string_view positive,
                                         std::string_view negative, std::string_view condition,
                                         std::string_view known) {
  std::vector<const RollupRule*> negatives;
  std::vector<const RollupRule*> positives;
  for (const RollupRule& rule : activity.rollup.rules) {
    if (rule.action == negative) negatives.push_back(&rule);
    if (rule.action == positive) positives.push_back(&rule);
  }
  if (negatives.empty() && positives.empty()) {
    negatives.push_back(&default_rule_of(negative, known));
    positives.push_back(&default_rule_of(positive, condition));
  }
  negatives.insert(negatives.end(), positives.begin(), positives.end());
  return negatives;
}

// The children that count for the positive action and those for the negative one.
struct Contributors {
  std::vector<const ActivityStatus*> positive;
  std::vector<const ActivityStatus*> negative;
};

// RB.1.4.2 Check Child for Rollup: does a child with `status` count, by its
// requiredFor* value `required`?
bool counts(std::string_view required, const ActivityStatus& status) {
  if (required == "ifAttempted") return status.attempted;
  if (required == "ifNotSuspended") return !status.attempted || !status.suspended;
  return true;  // always, ifNotSkipped
}

// Runs `rules` over their contributing children: the last kind that applies decides;
// nullopt when none does.
Tri apply_rules(const std::vector<const RollupRule*>& rules, std::string_view positive,
                const Contributors& children) {
  Tri result;
  bool negative_applied = false;
  for (const RollupRule* rule : rules) {
    const bool is_positive = rule->action == positive;
    if (!is_positive && negative_applied) continue;
    if (!applies(*rule, is_positive ? children.positive : children.negative)) continue;
    if (is_positive) return true;
    negative_applied = true;
    result = false;
  }
  return result;
}

void roll_up_into(const RollupActivity& activity, const ActivityStatuses& leaves,
                  ActivityStatuses& out) {
  ActivityStatus status;
  if (activity.is_leaf()) {
    if (auto it = leaves.find(activity.identifier); it != leaves.end()) status = it->second;
  } else {
    Contributors for_objective;
    Contributors for_completion;
    double measure_weight = 0;
    double measure_sum = 0;
    bool measure_valid = false;
    double progress_weight = 0;
    double progress_sum = 0;
    bool progress_valid = false;
    for (const RollupActivity& child : activity.children) {
      roll_up_into(child, leaves, out);
      const ActivityStatus& s = out[child.identifier];
      status.attempted = status.attempted || s.attempted;
      status.suspended = status.suspended || s.suspended;
      status.active = status.active || s.active;
      if (!child.tracked) continue;
      measure_weight += child.rollup.objective_measure_weight;
      if (s.measure) {
        measure_valid = true;
        measure_sum += *s.measure * child.rollup.objective_measure_weight;
      }
      progress_weight += child.progress_weight;
      if (s.progress) {
        progress_valid = true;
        progress_sum += *s.progress * child.progress_weight;
      }
      const RollupConsiderations& rc = child.considerations;
      if (child.rollup.rollup_objective_satisfied) {
        if (counts(rc.required_for_satisfied, s)) for_objective.positive.push_back(&s);
        if (counts(rc.required_for_not_satisfied, s)) for_objective.negative.push_back(&s);
      }
      if (child.rollup.rollup_progress_completion) {
        if (counts(rc.required_for_completed, s)) for_completion.positive.push_back(&s);
        if (counts(rc.required_for_incomplete, s)) for_completion.negative.push_back(&s);
      }
    }
    if (measure_valid && measure_weight > 0) status.measure = measure_sum / measure_weight;
    if (progress_valid && progress_weight > 0) status.progress = progress_sum / progress_weight;
    status.satisfied = apply_rules(
        rules_for(activity, "satisfied", "notSatisfied", "satisfied", "objectiveStatusKnown"),
        "satisfied", for_objective);
    status.completed = apply_rules(
        rules_for(activity, "completed", "incomplete", "completed", "activityProgressKnown"),
        "completed", for_completion);
  }
  // RB.1.2a / RB.1.3a: a measure threshold overrides the rules (and the SCO's own status).
  if (activity.satisfied_by_measure && status.measure) {
    if (status.active && !activity.considerations.measure_satisfaction_if_active) {
      status.satisfied = std::nullopt;
    } else {
      status.satisfied = *status.measure >= *activity.satisfied_by_measure;
    }
  }
  if (activity.completed_by_measure && status.progress) {
    status.completed = *status.progress >= *activity.completed_by_measure;
  }
  out[activity.identifier] = status;
}

RollupActivity from_sequencing(std::string identifier, std::string title,
                               const std::optional<Sequencing>& sequencing) {
  RollupActivity a;
  a.identifier = std::move(identifier);
  a.title = std::move(title);
  if (!sequencing) return a;
  a.tracked = sequencing->delivery_controls.tracked;
  a.considerations = sequencing->rollup_considerations;
  a.rollup = sequencing->rollup_rules;
  for (const Objective& o : sequencing->objectives) {
    if (o.primary && o.satisfied_by_measure) a.satisfied_by_measure = o.min_normalized_measure;
  }
  return a;
}

RollupActivity from_item(const Item& item) {
  RollupActivity a = from_sequencing(item.identifier, item.title, item.sequencing);
  a.progress_weight = item.progress_weight;
  if (item.completed_by_measure) a.completed_by_measure = item.completion_threshold.value_or(1.0);
  for (const Item& child : item.children) a.children.push_back(from_item(child));
  return a;
}

}  // namespace

RollupActivity make_rollup_tree(const Manifest& manifest) {
  const Organization* org = manifest.default_or_first_organization();
  if (org == nullptr) return RollupActivity{};
  RollupActivity root = from_sequencing(org->identifier, org->title, org->sequencing);
  for (const Item& item : org->items) root.children.push_back(from_item(item));
  return root;
}

ActivityStatuses roll_up(const RollupActivity& root, const ActivityStatuses& leaves) {
  ActivityStatuses out;
  roll_up_into(root, leaves, out);
  return out;
}

}  // namespace scorm

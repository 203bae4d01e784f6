#include "sequencing_parser.h"

#include <string_view>

#include "xml_names.h"

namespace scorm::detail {

namespace {

constexpr double kMaxMeasure = 1.0;

bool one_of(std::string_view value, std::initializer_list<std::string_view> allowed) {
  for (const std::string_view a : allowed) {
    if (value == a) return true;
  }
  return false;
}

void read_control_mode(pugi::xml_node node, ControlMode& mode, const ValueReader& r) {
  r.read(node.attribute("choice"), mode.choice);
  r.read(node.attribute("choiceExit"), mode.choice_exit);
  r.read(node.attribute("flow"), mode.flow);
  r.read(node.attribute("forwardOnly"), mode.forward_only);
  r.read(node.attribute("useCurrentAttemptObjectiveInfo"), mode.use_current_attempt_objective_info);
  r.read(node.attribute("useCurrentAttemptProgressInfo"), mode.use_current_attempt_progress_info);
}

void read_rule(pugi::xml_node node, SequencingRule::Kind kind, std::vector<SequencingRule>& out,
               const ValueReader& r) {
  SequencingRule rule;
  rule.kind = kind;
  if (const pugi::xml_node conditions = child_element(node, Ns::kImsss, "ruleConditions")) {
    r.read(conditions.attribute("conditionCombination"), rule.condition_combination);
    for (const pugi::xml_node c : conditions.children()) {
      if (!is_element(c, Ns::kImsss, "ruleCondition")) continue;
      RuleCondition condition;
      r.read(c.attribute("condition"), condition.condition);
      r.read(c.attribute("referencedObjective"), condition.referenced_objective);
      if (const pugi::xml_attribute t = c.attribute("measureThreshold")) {
        condition.measure_threshold = r.decimal(t.value(), "measureThreshold", -1.0, 1.0);
      }
      condition.negated = std::string_view(c.attribute("operator").value()) == "not";
      if (condition.condition.empty()) {
        r.problem(Severity::kError, "ruleCondition without a condition");
      } else if (one_of(condition.condition, {"timeLimitExceeded", "outsideAvailableTimeRange"})) {
        r.problem(Severity::kWarning, "ruleCondition \"" + condition.condition +
                                          "\" is not evaluated by this player: it counts as false");
      } else if (!one_of(
                     condition.condition,
                     {"satisfied", "objectiveStatusKnown", "objectiveMeasureKnown",
                      "objectiveMeasureGreaterThan", "objectiveMeasureLessThan", "completed",
                      "activityProgressKnown", "attempted", "attemptLimitExceeded", "always"})) {
        r.problem(Severity::kError, "unknown ruleCondition \"" + condition.condition + "\"");
      }
      rule.conditions.push_back(std::move(condition));
    }
    if (!one_of(rule.condition_combination, {"all", "any"})) {
      r.problem(Severity::kError,
                "unknown conditionCombination \"" + rule.condition_combination + "\"");
    }
  }
  if (const pugi::xml_node action = child_element(node, Ns::kImsss, "ruleAction")) {
    r.read(action.attribute("action"), rule.action);
  }
  if (rule.action.empty()) {
    r.problem(Severity::kError, "sequencing rule without a ruleAction");
  } else {
    const bool known =
        kind == SequencingRule::Kind::kPreCondition
            ? one_of(rule.action, {"skip", "disabled", "hiddenFromChoice", "stopForwardTraversal"})
        : kind == SequencingRule::Kind::kExitCondition
            ? one_of(rule.action, {"exit"})
            : one_of(rule.action,
                     {"exitParent", "exitAll", "retry", "retryAll", "continue", "previous"});
    if (!known) {
      const char* element = kind == SequencingRule::Kind::kPreCondition    ? "preConditionRule"
                            : kind == SequencingRule::Kind::kExitCondition ? "exitConditionRule"
                                                                           : "postConditionRule";
      r.problem(Severity::kError,
                "ruleAction \"" + rule.action + "\" is not an action of " + element);
    }
  }
  out.push_back(std::move(rule));
}

void read_rollup_rules(pugi::xml_node node, RollupRules& rollup, const ValueReader& r) {
  r.read(node.attribute("rollupObjectiveSatisfied"), rollup.rollup_objective_satisfied);
  r.read(node.attribute("rollupProgressCompletion"), rollup.rollup_progress_completion);
  r.read(node.attribute("objectiveMeasureWeight"), rollup.objective_measure_weight, 0.0, 1.0);
  rollup.rules.clear();
  for (const pugi::xml_node n : node.children()) {
    if (!is_element(n, Ns::kImsss, "rollupRule")) continue;
    RollupRule rule;
    r.read(n.attribute("childActivitySet"), rule.child_activity_set);
    r.read(n.attribute("minimumCount"), rule.minimum_count, 0);
    r.read(n.attribute("minimumPercent"), rule.minimum_percent, 0.0, 1.0);
    if (!one_of(rule.child_activity_set,
                {"all", "any", "none", "atLeastCount", "atLeastPercent"})) {
      r.problem(Severity::kError, "unknown childActivitySet \"" + rule.child_activity_set + "\"");
    }
    if (const pugi::xml_node conditions = child_element(n, Ns::kImsss, "rollupConditions")) {
      r.read(conditions.attribute("conditionCombination"), rule.condition_combination);
      for (const pugi::xml_node c : conditions.children()) {
        if (!is_element(c, Ns::kImsss, "rollupCondition")) continue;
        RollupCondition condition;
        r.read(c.attribute("condition"), condition.condition);
        condition.negated = std::string_view(c.attribute("operator").value()) == "not";
        rule.conditions.push_back(std::move(condition));
      }
    }
    if (const pugi::xml_node action = child_element(n, Ns::kImsss, "rollupAction")) {
      r.read(action.attribute("action"), rule.action);
    }
    if (rule.action.empty()) r.problem(Severity::kError, "rollupRule without a rollupAction");
    rollup.rules.push_back(std::move(rule));
  }
}

Objective read_objective(pugi::xml_node node, bool primary, const ValueReader& r) {
  Objective objective;
  objective.primary = primary;
  r.read(node.attribute("objectiveID"), objective.id);
  r.read(node.attribute("satisfiedByMeasure"), objective.satisfied_by_measure);
  if (const pugi::xml_node m = child_element(node, Ns::kImsss, "minNormalizedMeasure")) {
    if (const auto v = r.decimal(trimmed_text(m), "minNormalizedMeasure", -1.0, kMaxMeasure)) {
      objective.min_normalized_measure = *v;
    }
  }
  for (const pugi::xml_node m : node.children()) {
    if (!is_element(m, Ns::kImsss, "mapInfo")) continue;
    ObjectiveMapInfo info;
    r.read(m.attribute("targetObjectiveID"), info.target_objective_id);
    r.read(m.attribute("readSatisfiedStatus"), info.read_satisfied_status);
    r.read(m.attribute("readNormalizedMeasure"), info.read_normalized_measure);
    r.read(m.attribute("writeSatisfiedStatus"), info.write_satisfied_status);
    r.read(m.attribute("writeNormalizedMeasure"), info.write_normalized_measure);
    if (info.target_objective_id.empty()) {
      r.problem(Severity::kError, "mapInfo without a targetObjectiveID");
    }
    objective.map_info.push_back(std::move(info));
  }
  // IMS SS: objectiveID is optional only for a primary objective that maps nothing.
  if (objective.id.empty() && (!primary || !objective.map_info.empty())) {
    r.problem(Severity::kError, primary ? "primaryObjective with mapInfo needs an objectiveID"
                                        : "objective without an objectiveID");
  }
  return objective;
}

void read_objectives(pugi::xml_node node, std::vector<Objective>& out, const ValueReader& r) {
  out.clear();
  if (const pugi::xml_node p = child_element(node, Ns::kImsss, "primaryObjective")) {
    out.push_back(read_objective(p, true, r));
  }
  for (const pugi::xml_node o : node.children()) {
    if (is_element(o, Ns::kImsss, "objective")) out.push_back(read_objective(o, false, r));
  }
}

// SCORM 2004 4th Edition adlseq:objectives extend imsss mapInfo with completion, progress
// and score maps; they refer to an imsss objective by objectiveID and target.
void read_adlseq_objectives(pugi::xml_node node, std::vector<Objective>& objectives,
                            const ValueReader& r) {
  for (const pugi::xml_node o : node.children()) {
    if (!is_element(o, Ns::kAdlseq, "objective")) continue;
    const std::string id = trimmed(o.attribute("objectiveID").value());
    Objective* objective = nullptr;
    for (Objective& candidate : objectives) {
      if (candidate.id == id) objective = &candidate;
    }
    if (objective == nullptr) {
      r.problem(Severity::kError,
                "adlseq:objective \"" + id + "\" matches no imsss objective of this activity");
      continue;
    }
    for (const pugi::xml_node m : o.children()) {
      if (!is_element(m, Ns::kAdlseq, "mapInfo")) continue;
      const std::string target = trimmed(m.attribute("targetObjectiveID").value());
      ObjectiveMapInfo* info = nullptr;
      for (ObjectiveMapInfo& candidate : objective->map_info) {
        if (candidate.target_objective_id == target) info = &candidate;
      }
      if (info == nullptr) {
        // Extended maps may target a global objective the imsss mapInfo does not name;
        // then none of the imsss read/write defaults apply.
        ObjectiveMapInfo fresh;
        fresh.target_objective_id = target;
        fresh.read_satisfied_status = false;
        fresh.read_normalized_measure = false;
        objective->map_info.push_back(std::move(fresh));
        info = &objective->map_info.back();
      }
      r.read(m.attribute("readCompletionStatus"), info->read_completion_status);
      r.read(m.attribute("writeCompletionStatus"), info->write_completion_status);
      r.read(m.attribute("readProgressMeasure"), info->read_progress_measure);
      r.read(m.attribute("writeProgressMeasure"), info->write_progress_measure);
      r.read(m.attribute("readRawScore"), info->read_raw_score);
      r.read(m.attribute("writeRawScore"), info->write_raw_score);
      r.read(m.attribute("readMinScore"), info->read_min_score);
      r.read(m.attribute("writeMinScore"), info->write_min_score);
      r.read(m.attribute("readMaxScore"), info->read_max_score);
      r.read(m.attribute("writeMaxScore"), info->write_max_score);
    }
  }
}

}  // namespace

void read_sequencing(pugi::xml_node node, Sequencing& into, const ValueReader& r) {
  pugi::xml_node adlseq_objectives;
  bool rules_seen = false;
  for (const pugi::xml_node child : node.children()) {
    if (is_element(child, Ns::kImsss, "controlMode")) {
      read_control_mode(child, into.control_mode, r);
    } else if (is_element(child, Ns::kImsss, "sequencingRules")) {
      if (!rules_seen) into.rules.clear();
      rules_seen = true;
      for (const pugi::xml_node rule : child.children()) {
        if (is_element(rule, Ns::kImsss, "preConditionRule")) {
          read_rule(rule, SequencingRule::Kind::kPreCondition, into.rules, r);
        } else if (is_element(rule, Ns::kImsss, "exitConditionRule")) {
          read_rule(rule, SequencingRule::Kind::kExitCondition, into.rules, r);
        } else if (is_element(rule, Ns::kImsss, "postConditionRule")) {
          read_rule(rule, SequencingRule::Kind::kPostCondition, into.rules, r);
        }
      }
    } else if (is_element(child, Ns::kImsss, "limitConditions")) {
      r.read(child.attribute("attemptLimit"), into.limit_conditions.attempt_limit, 0);
      r.read(child.attribute("attemptAbsoluteDurationLimit"),
             into.limit_conditions.attempt_absolute_duration_limit);
    } else if (is_element(child, Ns::kImsss, "rollupRules")) {
      read_rollup_rules(child, into.rollup_rules, r);
    } else if (is_element(child, Ns::kImsss, "objectives")) {
      read_objectives(child, into.objectives, r);
    } else if (is_element(child, Ns::kImsss, "randomizationControls")) {
      RandomizationControls& rc = into.randomization;
      r.read(child.attribute("randomizationTiming"), rc.randomization_timing);
      r.read(child.attribute("selectCount"), rc.select_count, 0);
      r.read(child.attribute("reorderChildren"), rc.reorder_children);
      r.read(child.attribute("selectionTiming"), rc.selection_timing);
    } else if (is_element(child, Ns::kImsss, "deliveryControls")) {
      DeliveryControls& dc = into.delivery_controls;
      r.read(child.attribute("tracked"), dc.tracked);
      r.read(child.attribute("completionSetByContent"), dc.completion_set_by_content);
      r.read(child.attribute("objectiveSetByContent"), dc.objective_set_by_content);
    } else if (is_element(child, Ns::kAdlseq, "constrainedChoiceConsiderations")) {
      r.read(child.attribute("preventActivation"), into.prevent_activation);
      r.read(child.attribute("constrainChoice"), into.constrain_choice);
    } else if (is_element(child, Ns::kAdlseq, "rollupConsiderations")) {
      RollupConsiderations& rc = into.rollup_considerations;
      r.read(child.attribute("requiredForSatisfied"), rc.required_for_satisfied);
      r.read(child.attribute("requiredForNotSatisfied"), rc.required_for_not_satisfied);
      r.read(child.attribute("requiredForCompleted"), rc.required_for_completed);
      r.read(child.attribute("requiredForIncomplete"), rc.required_for_incomplete);
      r.read(child.attribute("measureSatisfactionIfActive"), rc.measure_satisfaction_if_active);
    } else if (is_element(child, Ns::kAdlseq, "objectives")) {
      adlseq_objectives = child;  // after the loop: it refers to the imsss objectives
    }
  }
  if (adlseq_objectives) read_adlseq_objectives(adlseq_objectives, into.objectives, r);
}

}  // namespace scorm::detail

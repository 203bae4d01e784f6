// The sequencing tree kept in a package summary (learner_sequencing.h, private to
// lrs_player): its JSON round trip, and the tree of a summary imported before it was kept.
#include "learner_sequencing.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

namespace {

using nlohmann::json;

scorm::SequencingActivity sample_tree() {
  scorm::SequencingActivity leaf;
  leaf.identifier = "quiz";
  leaf.title = "Quiz";
  leaf.limits.attempt_limit = 2;
  leaf.prerequisites = "a & b";
  scorm::SequencingRule rule;
  rule.kind = scorm::SequencingRule::Kind::kPostCondition;
  rule.condition_combination = "any";
  rule.action = "retry";
  rule.conditions.push_back({"objectiveMeasureLessThan", "obj", 0.5, true});
  leaf.rules.push_back(rule);
  scorm::Objective o;
  o.id = "obj";
  scorm::ObjectiveMapInfo map;
  map.target_objective_id = "g";
  map.read_satisfied_status = false;
  map.write_normalized_measure = true;
  o.map_info.push_back(map);
  leaf.objectives.push_back(o);
  scorm::SequencingActivity root;
  root.identifier = "org";
  root.control_mode.flow = true;
  root.control_mode.choice_exit = false;
  root.randomization.select_count = 1;
  root.randomization.selection_timing = "once";
  root.randomization.reorder_children = true;
  root.randomization.randomization_timing = "onEachNewAttempt";
  root.prevent_activation = true;
  root.constrain_choice = true;
  root.children.push_back(leaf);
  return root;
}

}  // namespace

TEST_CASE("the sequencing tree survives the package summary") {
  const json summary = {{"sequencing", player::sequencing_tree_json(sample_tree())}};
  const scorm::SequencingActivity back = player::sequencing_tree_from_summary(summary);
  CHECK(player::sequencing_tree_json(back) == summary["sequencing"]);
  REQUIRE(back.children.size() == 1);
  const scorm::SequencingActivity& quiz = back.children[0];
  CHECK(back.control_mode.flow);
  CHECK_FALSE(back.control_mode.choice_exit);
  CHECK(back.randomization.select_count == 1);
  CHECK(back.randomization.selection_timing == "once");
  CHECK(back.randomization.reorder_children);
  CHECK(back.randomization.randomization_timing == "onEachNewAttempt");
  CHECK(back.prevent_activation);
  CHECK(back.constrain_choice);
  CHECK_FALSE(quiz.prevent_activation);
  CHECK(quiz.randomization.selection_timing == "never");
  CHECK(quiz.limits.attempt_limit == 2);
  CHECK(quiz.prerequisites == "a & b");
  REQUIRE(quiz.rules.size() == 1);
  CHECK(quiz.rules[0].kind == scorm::SequencingRule::Kind::kPostCondition);
  CHECK(quiz.rules[0].conditions[0].measure_threshold == 0.5);
  CHECK(quiz.rules[0].conditions[0].negated);
  REQUIRE(quiz.objectives.size() == 1);
  CHECK_FALSE(quiz.objectives[0].map_info[0].read_satisfied_status);
  CHECK(quiz.objectives[0].map_info[0].write_normalized_measure);
}

TEST_CASE("a summary without a sequencing tree: its items, control modes and SCOs") {
  const json summary = json::parse(R"({
    "cmi": "2004",
    "organization": {"identifier": "org", "control_mode": {"choice": false, "flow": true},
      "items": [
        {"identifier": "a", "launch": "a.html"},
        {"identifier": "hidden", "launch": "h.html"},
        {"identifier": "m", "control_mode": {"forward_only": true, "flow": true},
         "children": [{"identifier": "b", "launch": "b.html"}]},
        {"identifier": "empty", "children": []}]},
    "scos": [{"identifier": "a"}, {"identifier": "b"}]})");
  const scorm::SequencingActivity tree = player::sequencing_tree_from_summary(summary);
  CHECK_FALSE(tree.control_mode.choice);
  REQUIRE(tree.children.size() == 2);  // "hidden" is not a SCO the player lists
  CHECK(tree.children[0].identifier == "a");
  CHECK(tree.children[1].control_mode.forward_only);
  REQUIRE(tree.children[1].children.size() == 1);
  CHECK(tree.children[1].children[0].identifier == "b");

  json v12 = summary;
  v12["cmi"] = "1.2";
  CHECK(player::sequencing_tree_from_summary(v12).control_mode.choice);  // free navigation
  CHECK(player::sequencing_tree_from_summary(json()).children.empty());
}

#include "scorm/rollup.h"

#include <string>

#include <catch2/catch.hpp>

#include "scorm/manifest.h"

namespace {

using scorm::ActivityStatus;
using scorm::ActivityStatuses;
using scorm::RollupActivity;

RollupActivity leaf(std::string id) {
  RollupActivity a;
  a.identifier = std::move(id);
  return a;
}

RollupActivity course(std::vector<RollupActivity> children) {
  RollupActivity root;
  root.identifier = "org";
  root.children = std::move(children);
  return root;
}

ActivityStatus status(std::optional<bool> completed, std::optional<bool> satisfied,
                      std::optional<double> measure = std::nullopt,
                      std::optional<double> progress = std::nullopt) {
  ActivityStatus s;
  s.attempted = true;
  s.completed = completed;
  s.satisfied = satisfied;
  s.measure = measure;
  s.progress = progress;
  return s;
}

scorm::RollupRule rule(std::string set, std::string condition, std::string action,
                       bool negated = false) {
  scorm::RollupRule r;
  r.child_activity_set = std::move(set);
  r.conditions.push_back({std::move(condition), negated});
  r.action = std::move(action);
  return r;
}

}  // namespace

TEST_CASE("default rollup: completed and satisfied when every child is") {
  const RollupActivity root = course({leaf("a"), leaf("b")});
  SECTION("nothing attempted: nothing known") {
    const ActivityStatus s = scorm::roll_up(root, {}).at("org");
    CHECK_FALSE(s.attempted);
    CHECK_FALSE(s.completed);
    CHECK_FALSE(s.satisfied);
  }
  SECTION("one child done, the other never launched: still unknown") {
    const ActivityStatus s = scorm::roll_up(root, {{"a", status(true, true)}}).at("org");
    CHECK(s.attempted);
    CHECK_FALSE(s.completed.has_value());
    CHECK_FALSE(s.satisfied.has_value());
  }
  SECTION("both attempted, one incomplete and failed: incomplete, not satisfied") {
    const ActivityStatus s =
        scorm::roll_up(root, {{"a", status(true, true)}, {"b", status(false, false)}}).at("org");
    CHECK(s.completed == false);
    CHECK(s.satisfied == false);
  }
  SECTION("both completed and passed") {
    const ActivityStatus s =
        scorm::roll_up(root, {{"a", status(true, true)}, {"b", status(true, true)}}).at("org");
    CHECK(s.completed == true);
    CHECK(s.satisfied == true);
  }
}

TEST_CASE("rollupObjectiveSatisfied=false leaves a child out of the success rollup") {
  RollupActivity lesson = leaf("lesson");
  lesson.rollup.rollup_objective_satisfied = false;
  lesson.rollup.objective_measure_weight = 0;
  const RollupActivity root = course({lesson, leaf("quiz")});
  const ActivityStatuses leaves = {{"lesson", status(true, std::nullopt)},
                                   {"quiz", status(true, false, -0.5)}};
  const ActivityStatus s = scorm::roll_up(root, leaves).at("org");
  CHECK(s.completed == true);
  CHECK(s.satisfied == false);
  REQUIRE(s.measure);
  CHECK(*s.measure == Approx(-0.5));  // the lesson's weight is 0
}

TEST_CASE("measure and progress are weighted means; satisfiedByMeasure decides") {
  RollupActivity a = leaf("a");
  a.rollup.objective_measure_weight = 0.25;
  a.progress_weight = 0.25;
  RollupActivity b = leaf("b");
  b.rollup.objective_measure_weight = 0.75;
  b.progress_weight = 0.75;
  RollupActivity root = course({a, b});
  root.satisfied_by_measure = 0.6;
  root.completed_by_measure = 0.9;
  const ActivityStatuses leaves = {{"a", status(true, false, 0.2, 1.0)},
                                   {"b", status(false, true, 0.8, 0.8)}};
  const ActivityStatus s = scorm::roll_up(root, leaves).at("org");
  REQUIRE(s.measure);
  CHECK(*s.measure == Approx(0.65));
  CHECK(s.satisfied == true);  // 0.65 >= 0.6, whatever the rules say
  REQUIRE(s.progress);
  CHECK(*s.progress == Approx(0.85));
  CHECK(s.completed == false);  // 0.85 < 0.9
}

TEST_CASE("untracked children count for nothing") {
  RollupActivity intro = leaf("intro");
  intro.tracked = false;
  const RollupActivity root = course({intro, leaf("quiz")});
  const ActivityStatus s = scorm::roll_up(root, {{"quiz", status(true, true, 1.0)}}).at("org");
  CHECK(s.completed == true);
  CHECK(s.satisfied == true);
  CHECK(*s.measure == Approx(1.0));
}

TEST_CASE("manifest rules replace the defaults of their kind") {
  RollupActivity root = course({leaf("a"), leaf("b"), leaf("c")});
  SECTION("atLeastCount 2 satisfied") {
    scorm::RollupRule r = rule("atLeastCount", "satisfied", "satisfied");
    r.minimum_count = 2;
    root.rollup.rules = {r};
    CHECK(scorm::roll_up(root, {{"a", status(true, true)}}).at("org").satisfied == std::nullopt);
    CHECK(scorm::roll_up(root, {{"a", status(true, true)}, {"b", status(true, true)}})
              .at("org")
              .satisfied == true);
  }
  SECTION("any child not satisfied -> not satisfied, all satisfied -> satisfied") {
    root.rollup.rules = {rule("any", "satisfied", "notSatisfied", true),
                         rule("all", "satisfied", "satisfied")};
    CHECK(scorm::roll_up(root, {{"b", status(true, false)}}).at("org").satisfied == false);
    // An unknown status is neither satisfied nor "not satisfied".
    CHECK(scorm::roll_up(root, {{"b", status(true, std::nullopt)}}).at("org").satisfied ==
          std::nullopt);
    CHECK(
        scorm::roll_up(
            root, {{"a", status(true, true)}, {"b", status(true, true)}, {"c", status(true, true)}})
            .at("org")
            .satisfied == true);
  }
  SECTION("atLeastPercent and none for completion") {
    scorm::RollupRule done = rule("atLeastPercent", "completed", "completed");
    done.minimum_percent = 0.6;
    root.rollup.rules = {done, rule("none", "attempted", "incomplete")};
    CHECK(scorm::roll_up(root, {}).at("org").completed == false);  // none attempted
    CHECK(scorm::roll_up(root, {{"a", status(true, std::nullopt)}}).at("org").completed ==
          std::nullopt);
    CHECK(
        scorm::roll_up(root, {{"a", status(true, std::nullopt)}, {"b", status(true, std::nullopt)}})
            .at("org")
            .completed == true);
  }
}

TEST_CASE("nested clusters roll up level by level") {
  RollupActivity module = leaf("module");
  module.children = {leaf("a"), leaf("b")};
  const RollupActivity root = course({module, leaf("c")});
  const ActivityStatuses all = scorm::roll_up(
      root, {{"a", status(true, true)}, {"b", status(true, true)}, {"c", status(true, true)}});
  CHECK(all.at("module").completed == true);
  CHECK(all.at("module").satisfied == true);
  CHECK(all.at("org").completed == true);
  const ActivityStatuses partial = scorm::roll_up(root, {{"a", status(true, true)}});
  CHECK(partial.at("module").attempted);
  CHECK(partial.at("module").completed == std::nullopt);
  CHECK(partial.at("org").completed == std::nullopt);
}

TEST_CASE("make_rollup_tree reads the organization's rollup facts") {
  const std::string xml = R"(<manifest identifier="M"
      xmlns="http://www.imsglobal.org/xsd/imscp_v1p1"
      xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3"
      xmlns:imsss="http://www.imsglobal.org/xsd/imsss">
    <metadata><schema>ADL SCORM</schema><schemaversion>2004 4th Edition</schemaversion></metadata>
    <organizations default="o"><organization identifier="o"><title>T</title>
      <item identifier="a" identifierref="r"><title>A</title>
        <adlcp:completionThreshold completedByMeasure="true" minProgressMeasure="0.7"
                                   progressWeight="0.4"/>
        <imsss:sequencing>
          <imsss:rollupRules rollupObjectiveSatisfied="false" objectiveMeasureWeight="0"/>
          <imsss:deliveryControls tracked="false"/>
        </imsss:sequencing>
      </item>
      <imsss:sequencing>
        <imsss:objectives>
          <imsss:primaryObjective objectiveID="p" satisfiedByMeasure="true">
            <imsss:minNormalizedMeasure>0.8</imsss:minNormalizedMeasure>
          </imsss:primaryObjective>
        </imsss:objectives>
      </imsss:sequencing>
    </organization></organizations>
    <resources><resource identifier="r" type="webcontent" adlcp:scormType="sco" href="a.html">
      <file href="a.html"/></resource></resources></manifest>)";
  auto m = scorm::parse_manifest(xml);
  REQUIRE(m);
  const RollupActivity root = scorm::make_rollup_tree(*m);
  CHECK(root.identifier == "o");
  REQUIRE(root.satisfied_by_measure);
  CHECK(*root.satisfied_by_measure == Approx(0.8));
  REQUIRE(root.children.size() == 1);
  const RollupActivity& a = root.children[0];
  CHECK(a.title == "A");
  CHECK_FALSE(a.tracked);
  CHECK_FALSE(a.rollup.rollup_objective_satisfied);
  CHECK(a.rollup.objective_measure_weight == Approx(0.0));
  CHECK(a.progress_weight == Approx(0.4));
  REQUIRE(a.completed_by_measure);
  CHECK(*a.completed_by_measure == Approx(0.7));
}

TEST_CASE("rollup considerations: which children count for each action (RB.1.4.2)") {
  RollupActivity root = course({leaf("a"), leaf("b")});
  SECTION("always (the default): an unattempted child keeps the course unknown") {
    const ActivityStatus s = scorm::roll_up(root, {{"a", status(true, true)}}).at("org");
    CHECK_FALSE(s.satisfied.has_value());
    CHECK_FALSE(s.completed.has_value());
  }
  SECTION("ifAttempted: only attempted children count") {
    for (auto& child : root.children) {
      child.considerations.required_for_satisfied = "ifAttempted";
      child.considerations.required_for_completed = "ifAttempted";
    }
    const ActivityStatus s = scorm::roll_up(root, {{"a", status(true, true)}}).at("org");
    CHECK(s.satisfied == true);
    CHECK(s.completed == true);
    // Nothing attempted: no child counts, no rule applies.
    CHECK_FALSE(scorm::roll_up(root, {}).at("org").satisfied.has_value());
  }
  SECTION("ifNotSuspended: a suspended child does not count for notSatisfied") {
    ActivityStatus suspended = status(false, false);
    suspended.suspended = true;
    const ActivityStatuses leaves{{"a", status(true, true)}, {"b", suspended}};
    CHECK(scorm::roll_up(root, leaves).at("org").satisfied == false);
    root.children[1].considerations.required_for_not_satisfied = "ifNotSuspended";
    root.children[1].considerations.required_for_satisfied = "ifNotSuspended";
    root.children[1].considerations.required_for_incomplete = "ifNotSuspended";
    const ActivityStatus s = scorm::roll_up(root, leaves).at("org");
    CHECK(s.satisfied == true);  // only a counts, and a is satisfied
    CHECK(s.suspended);
    CHECK(s.completed == false);  // requiredForCompleted is still "always": b counts there
  }
  SECTION("the manifest's adlseq:rollupConsiderations reach the tree") {
    const std::string xml = R"(<manifest identifier="m"
      xmlns="http://www.imsglobal.org/xsd/imscp_v1p1"
      xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3"
      xmlns:adlseq="http://www.adlnet.org/xsd/adlseq_v1p3"
      xmlns:imsss="http://www.imsglobal.org/xsd/imsss">
      <metadata><schema>ADL SCORM</schema><schemaversion>2004 4th Edition</schemaversion></metadata>
      <organizations default="o"><organization identifier="o"><title>T</title>
        <item identifier="a" identifierref="r"><title>A</title>
          <imsss:sequencing>
            <adlseq:rollupConsiderations requiredForSatisfied="ifAttempted"
              requiredForIncomplete="ifNotSuspended"/>
          </imsss:sequencing>
        </item>
      </organization></organizations>
      <resources><resource identifier="r" type="webcontent" adlcp:scormType="sco" href="a.html"/></resources>
    </manifest>)";
    auto manifest = scorm::parse_manifest(xml);
    REQUIRE(manifest);
    const RollupActivity tree = scorm::make_rollup_tree(*manifest);
    REQUIRE(tree.children.size() == 1);
    CHECK(tree.children[0].considerations.required_for_satisfied == "ifAttempted");
    CHECK(tree.children[0].considerations.required_for_incomplete == "ifNotSuspended");
    CHECK(tree.children[0].considerations.required_for_completed == "always");
  }
}

TEST_CASE("measureSatisfactionIfActive: an active attempt's measure does not decide") {
  RollupActivity root = course({leaf("a")});
  root.satisfied_by_measure = 0.5;
  ActivityStatus running = status(std::nullopt, std::nullopt, 0.8);
  running.active = true;
  CHECK(scorm::roll_up(root, {{"a", running}}).at("org").satisfied == true);
  root.considerations.measure_satisfaction_if_active = false;
  const ActivityStatus s = scorm::roll_up(root, {{"a", running}}).at("org");
  CHECK(s.active);
  CHECK_FALSE(s.satisfied.has_value());
  running.active = false;  // the attempt ended
  CHECK(scorm::roll_up(root, {{"a", running}}).at("org").satisfied == true);
}

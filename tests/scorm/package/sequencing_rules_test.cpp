// Sequencing decisions (scorm/sequencing.h) on hand-built trees and on a parsed manifest,
// following the SN book's behaviour for global objectives, precondition rules, limit
// conditions and per-cluster control modes.
#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "scorm/manifest.h"
#include "scorm/sequencing.h"

namespace {

using scorm::ActivityState;
using scorm::ActivityStates;
using scorm::GlobalObjectives;
using scorm::SequencingActivity;
using scorm::SequencingContext;
using Kind = scorm::SequencingRule::Kind;

SequencingActivity leaf(std::string id) {
  SequencingActivity a;
  a.identifier = std::move(id);
  return a;
}

SequencingActivity cluster(std::string id, std::vector<SequencingActivity> children,
                           bool choice = true, bool flow = true, bool forward_only = false) {
  SequencingActivity a;
  a.identifier = std::move(id);
  a.children = std::move(children);
  a.control_mode.choice = choice;
  a.control_mode.flow = flow;
  a.control_mode.forward_only = forward_only;
  return a;
}

scorm::RuleCondition cond(std::string name, bool negated = false, std::string objective = "",
                          std::optional<double> threshold = std::nullopt) {
  return {std::move(name), std::move(objective), threshold, negated};
}

scorm::SequencingRule pre(std::string action, std::vector<scorm::RuleCondition> conditions,
                          std::string combination = "all") {
  scorm::SequencingRule r;
  r.kind = Kind::kPreCondition;
  r.action = std::move(action);
  r.conditions = std::move(conditions);
  r.condition_combination = std::move(combination);
  return r;
}

scorm::Objective objective(std::string id, bool primary, std::string target, bool write) {
  scorm::Objective o;
  o.id = std::move(id);
  o.primary = primary;
  scorm::ObjectiveMapInfo map;
  map.target_objective_id = std::move(target);
  map.write_satisfied_status = write;
  map.write_normalized_measure = write;
  o.map_info.push_back(map);
  return o;
}

ActivityState done(std::optional<bool> satisfied, std::optional<double> measure = std::nullopt,
                   int attempts = 1) {
  ActivityState s;
  s.status.attempted = true;
  s.status.completed = true;
  s.status.satisfied = satisfied;
  s.status.measure = measure;
  s.attempt_count = attempts;
  return s;
}

scorm::ObjectiveStatus status(std::optional<bool> satisfied, std::optional<double> measure) {
  scorm::ObjectiveStatus s;
  s.satisfied = satisfied;
  s.measure = measure;
  return s;
}

struct Fixture {
  SequencingActivity root;
  ActivityStates states;
  GlobalObjectives globals;
  SequencingContext context() { return {root, states, globals}; }
};

}  // namespace

TEST_CASE("global objectives: written by one SCO, read by another") {
  SequencingActivity quiz = leaf("quiz");
  quiz.objectives.push_back(objective("quiz-primary", true, "shared.mastery", true));
  SequencingActivity lab = leaf("lab");
  lab.objectives.push_back(objective("lab-primary", true, "", false));
  lab.objectives.push_back(objective("gate", false, "shared.mastery", false));
  const SequencingActivity root = cluster("org", {quiz, lab});

  SECTION("nothing known: nothing written, reads stay local (unknown)") {
    const GlobalObjectives g = scorm::write_global_objectives(root, {});
    CHECK(g.empty());
    CHECK(scorm::read_objective(root.children[1], "gate", {}, g) == scorm::ObjectiveStatus{});
  }
  SECTION("a passed quiz writes satisfied and measure; the lab's objective reads them") {
    const ActivityStates states{{"quiz", done(true, 0.9)}};
    const GlobalObjectives g = scorm::write_global_objectives(root, states);
    REQUIRE(g.count("shared.mastery") == 1);
    CHECK(g.at("shared.mastery").satisfied == true);
    CHECK(g.at("shared.mastery").measure == Approx(0.9));
    const scorm::ObjectiveStatus gate = scorm::read_objective(root.children[1], "gate", states, g);
    CHECK(gate.satisfied == true);
    CHECK(gate.measure == Approx(0.9));
    // The lab's primary objective has no read map: it stays its own (unknown).
    CHECK_FALSE(scorm::read_objective(root.children[1], "", states, g).satisfied.has_value());
    const auto preload = scorm::objective_preloads(root.children[1], g);
    REQUIRE(preload.size() == 1);
    CHECK(preload[0].id == "gate");
    CHECK(preload[0].status.satisfied == true);
  }
  SECTION("readSatisfiedStatus=false keeps the local status") {
    SequencingActivity no_read = root.children[1];
    no_read.objectives[1].map_info[0].read_satisfied_status = false;
    const ActivityStates states{{"quiz", done(true, 0.9)}};
    const GlobalObjectives g = scorm::write_global_objectives(root, states);
    const scorm::ObjectiveStatus gate = scorm::read_objective(no_read, "gate", states, g);
    CHECK_FALSE(gate.satisfied.has_value());
    CHECK(gate.measure == Approx(0.9));
  }
  SECTION("the latest writer wins") {
    SequencingActivity second = leaf("retake");
    second.objectives.push_back(objective("retake-primary", true, "shared.mastery", true));
    const SequencingActivity three = cluster("org", {quiz, second});
    const ActivityStates states{{"quiz", done(true, 0.9)}, {"retake", done(false, 0.2)}};
    CHECK(scorm::write_global_objectives(three, states, {"retake", "quiz"})
              .at("shared.mastery")
              .satisfied == true);
    CHECK(scorm::write_global_objectives(three, states, {"quiz", "retake"})
              .at("shared.mastery")
              .satisfied == false);
  }
  SECTION("a non-primary objective writes from the SCO's cmi.objectives") {
    SequencingActivity writer = leaf("w");
    writer.objectives.push_back(objective("obj-1", false, "g1", true));
    ActivityState s = done(std::nullopt);
    s.objectives["obj-1"] = status(false, -0.5);
    const GlobalObjectives g = scorm::write_global_objectives(cluster("org", {writer}), {{"w", s}});
    CHECK(g.at("g1").satisfied == false);
    CHECK(g.at("g1").measure == Approx(-0.5));
  }
}

TEST_CASE("precondition conditions use three-valued logic") {
  Fixture f;
  f.root = cluster("org", {leaf("a"), leaf("b")});
  SequencingActivity& b = f.root.children[1];
  auto disabled = [&] {
    return scorm::rule_action(b, Kind::kPreCondition, {"disabled"}, f.states, f.globals)
        .has_value();
  };
  SECTION("not satisfied: unknown status neither satisfies the condition nor its negation") {
    b.rules.push_back(pre("disabled", {cond("satisfied", true)}));
    CHECK_FALSE(disabled());
    f.states["b"] = done(false);
    CHECK(disabled());
    f.states["b"] = done(true);
    CHECK_FALSE(disabled());
  }
  SECTION("any: not satisfied or not known") {
    b.rules.push_back(
        pre("disabled", {cond("satisfied", true), cond("objectiveStatusKnown", true)}, "any"));
    CHECK(disabled());
    f.states["b"] = done(false);
    CHECK(disabled());
    f.states["b"] = done(true);
    CHECK_FALSE(disabled());
  }
  SECTION("measure thresholds") {
    b.rules.push_back(pre("disabled", {cond("objectiveMeasureGreaterThan", false, "", 0.5)}));
    CHECK_FALSE(disabled());  // unknown measure
    f.states["b"] = done(std::nullopt, 0.5);
    CHECK_FALSE(disabled());  // strictly greater
    f.states["b"] = done(std::nullopt, 0.51);
    CHECK(disabled());
    b.rules[0].conditions[0] = cond("objectiveMeasureLessThan", false, "", 0.0);
    f.states["b"] = done(std::nullopt, -0.1);
    CHECK(disabled());
    b.rules[0].conditions[0] = cond("objectiveMeasureKnown");
    CHECK(disabled());
  }
  SECTION("completed, activityProgressKnown, attempted, always, all") {
    b.rules.push_back(pre("disabled", {cond("attempted"), cond("completed")}));
    CHECK_FALSE(disabled());
    ActivityState s;
    s.attempt_count = 1;
    s.status.attempted = true;
    s.status.completed = false;
    f.states["b"] = s;
    CHECK_FALSE(disabled());
    f.states["b"].status.completed = true;
    CHECK(disabled());
    b.rules[0] = pre("disabled", {cond("activityProgressKnown", true)});
    CHECK_FALSE(disabled());
    b.rules[0] = pre("disabled", {cond("always")});
    CHECK(disabled());
  }
  SECTION("attemptLimitExceeded") {
    b.limits.attempt_limit = 2;
    b.rules.push_back(pre("disabled", {cond("attemptLimitExceeded")}));
    f.states["b"] = done(true, std::nullopt, 1);
    CHECK_FALSE(disabled());
    f.states["b"].attempt_count = 2;
    CHECK(disabled());
  }
  SECTION("a rule on another objective reads it by id") {
    b.objectives.push_back(objective("gate", false, "g", false));
    b.rules.push_back(pre("disabled", {cond("satisfied", true, "gate")}));
    f.globals["g"] = status(false, std::nullopt);
    CHECK(disabled());
    f.globals["g"] = status(true, std::nullopt);
    CHECK_FALSE(disabled());
  }
  SECTION("the first rule with a wanted action decides") {
    b.rules.push_back(pre("skip", {cond("always")}));
    b.rules.push_back(pre("hiddenFromChoice", {cond("always")}));
    CHECK(scorm::rule_action(b, Kind::kPreCondition, {"hiddenFromChoice", "disabled"}, f.states,
                             f.globals) == "hiddenFromChoice");
    CHECK(scorm::rule_action(b, Kind::kPostCondition, {"skip"}, f.states, f.globals) ==
          std::nullopt);
  }
}

TEST_CASE("flow: continue and previous with skip, disabled and forwardOnly") {
  Fixture f;
  f.root = cluster("org", {leaf("a"), leaf("b"), leaf("c")});
  SECTION("plain flow") {
    CHECK(scorm::start(f.context()).target == "a");
    CHECK(scorm::flow(f.context(), "a", true).target == "b");
    CHECK(scorm::flow(f.context(), "b", false).target == "a");
    CHECK(scorm::flow(f.context(), "c", true).refusal == "nothing follows c in the course");
    CHECK(scorm::flow(f.context(), "a", false).refusal == "nothing comes before a in the course");
  }
  SECTION("skip passes over an activity in both directions") {
    f.root.children[1].rules.push_back(pre("skip", {cond("always")}));
    CHECK(scorm::flow(f.context(), "a", true).target == "c");
    CHECK(scorm::flow(f.context(), "c", false).target == "a");
    f.root.children[0].rules.push_back(pre("skip", {cond("always")}));
    CHECK(scorm::start(f.context()).target == "c");
  }
  SECTION("disabled stops the flow and says why") {
    f.root.children[1].rules.push_back(pre("disabled", {cond("satisfied", true)}));
    f.states["b"] = done(false);
    const auto d = scorm::flow(f.context(), "a", true);
    CHECK_FALSE(d.allowed());
    CHECK(d.refusal == "b is disabled by a precondition rule");
  }
  SECTION("forwardOnly refuses previous; flow=false refuses both") {
    f.root.control_mode.forward_only = true;
    CHECK(scorm::flow(f.context(), "b", false).refusal ==
          "going back is not allowed in org (its controlMode has forwardOnly=\"true\")");
    f.root.control_mode.flow = false;
    CHECK_FALSE(scorm::flow(f.context(), "a", true).allowed());
  }
  SECTION("attemptLimit: a leaf with its attempts used cannot start another") {
    f.root.children[1].limits.attempt_limit = 1;
    f.states["b"] = done(true);
    CHECK(scorm::flow(f.context(), "a", true).refusal ==
          "b has used all 1 of its attempts (attemptLimit)");
    f.states["b"].suspended = true;  // resuming the attempt is not a new one
    CHECK(scorm::flow(f.context(), "a", true).target == "b");
  }
}

TEST_CASE("flow through nested clusters with their own control modes") {
  Fixture f;
  f.root =
      cluster("org", {leaf("intro"), cluster("module", {leaf("m1"), leaf("m2")}, true, true, true),
                      leaf("outro")});
  CHECK(scorm::flow(f.context(), "intro", true).target == "m1");
  CHECK(scorm::flow(f.context(), "m2", true).target == "outro");
  // Back into a forwardOnly cluster enters it at its first child (SB.2.2).
  CHECK(scorm::flow(f.context(), "outro", false).target == "m1");
  CHECK_FALSE(scorm::flow(f.context(), "m2", false).allowed());  // module forwardOnly
  SECTION("a cluster without flow cannot be flowed into") {
    f.root.children[1].control_mode.flow = false;
    CHECK(scorm::flow(f.context(), "intro", true).refusal ==
          "flow navigation is not allowed into module (its controlMode has flow=\"false\")");
  }
  SECTION("skip on a cluster skips all of it") {
    f.root.children[1].rules.push_back(pre("skip", {cond("always")}));
    CHECK(scorm::flow(f.context(), "intro", true).target == "outro");
  }
}

TEST_CASE(
    "choice: per-cluster choice, hiddenFromChoice, forwardOnly, choiceExit, stopForwardTraversal") {
  Fixture f;
  f.root = cluster("org", {leaf("a"), cluster("m", {leaf("m1"), leaf("m2")}), leaf("z")});
  SECTION("anything by default") {
    CHECK(scorm::choose(f.context(), "", "m2").target == "m2");
    CHECK(scorm::choose(f.context(), "z", "a").target == "a");
    CHECK(scorm::choose(f.context(), "a", "nope").refusal == "no SCO nope in the course");
    CHECK(scorm::choose(f.context(), "a", "m").refusal == "no SCO m in the course");
  }
  SECTION("a cluster without choice refuses choosing inside it from outside, not relaunch") {
    f.root.children[1].control_mode.choice = false;
    CHECK(scorm::choose(f.context(), "a", "m2").refusal ==
          "choosing m2 is not allowed: m has choice=\"false\" in its controlMode");
    CHECK(scorm::choose(f.context(), "m2", "m2").allowed());
    CHECK(scorm::choose(f.context(), "m1", "z").allowed());
  }
  SECTION("forwardOnly in the common cluster refuses a target behind") {
    f.root.control_mode.forward_only = true;
    CHECK(scorm::choose(f.context(), "z", "m1").refusal ==
          "going back from z to m1 is not allowed: org has forwardOnly=\"true\" in its "
          "controlMode");
    CHECK(scorm::choose(f.context(), "a", "z").allowed());
    // Inside m (not forwardOnly) going back is fine.
    CHECK(scorm::choose(f.context(), "m2", "m1").allowed());
  }
  SECTION("choiceExit=false keeps the learner in the cluster") {
    f.root.children[1].control_mode.choice_exit = false;
    CHECK(scorm::choose(f.context(), "m1", "z").refusal ==
          "choosing z is not allowed while in m (its controlMode has choiceExit=\"false\")");
    CHECK(scorm::choose(f.context(), "m1", "m2").allowed());
  }
  SECTION("hiddenFromChoice and stopForwardTraversal") {
    f.root.children[2].rules.push_back(pre("hiddenFromChoice", {cond("attempted", true)}));
    CHECK(scorm::choose(f.context(), "a", "z").refusal ==
          "z is hidden from choice by a precondition rule");
    auto toc = scorm::availability(f.context(), "a");
    REQUIRE(toc.size() == 4);
    CHECK(toc[3].identifier == "z");
    CHECK(toc[3].hidden);
    CHECK_FALSE(toc[1].hidden);
    f.root.children[2].rules.clear();
    f.root.children[1].rules.push_back(pre("stopForwardTraversal", {cond("completed", true)}));
    CHECK(scorm::choose(f.context(), "a", "z").allowed());  // unknown: the rule does not hold
    f.states["m"].status.attempted = true;
    f.states["m"].status.completed = false;
    CHECK(scorm::choose(f.context(), "a", "z").refusal ==
          "choosing z is not allowed: m stops forward traversal (a precondition rule)");
    // Its descendants come after it in the tree too (SB.2.9 checks the path to the target)...
    CHECK_FALSE(scorm::choose(f.context(), "a", "m1").allowed());
    CHECK(scorm::choose(f.context(), "m1", "m2").allowed());  // ... but within it, moves are free
    CHECK(scorm::choose(f.context(), "z", "a").allowed());    // backwards is not stopped
    f.states["m"] = done(std::nullopt);
    CHECK(scorm::choose(f.context(), "a", "z").allowed());
  }
}

TEST_CASE("SCORM 1.2 prerequisites gate choice and flow") {
  Fixture f;
  f.root = cluster("org", {leaf("a"), leaf("b"), leaf("c")});
  f.root.children[2].prerequisites = "a & b";
  CHECK(scorm::choose(f.context(), "a", "c").refusal ==
        "c is not available yet: its prerequisites \"a & b\" are not met");
  f.states["a"] = done(true);
  f.states["b"] = done(std::nullopt);  // completed
  CHECK(scorm::choose(f.context(), "a", "c").allowed());
  CHECK(scorm::flow(f.context(), "b", true).target == "c");
  f.root.children[2].prerequisites = "a & x";
  CHECK(scorm::choose(f.context(), "a", "c").refusal ==
        "c has prerequisites that cannot be read (at character 6: no item \"x\" in the course), "
        "so it stays closed");
}

TEST_CASE("the sequencing tree of a parsed manifest") {
  const std::string xml = R"(<?xml version="1.0"?>
<manifest identifier="m" xmlns="http://www.imsglobal.org/xsd/imscp_v1p1"
  xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3"
  xmlns:imsss="http://www.imsglobal.org/xsd/imsss">
  <metadata><schema>ADL SCORM</schema><schemaversion>2004 4th Edition</schemaversion></metadata>
  <organizations default="org">
    <organization identifier="org">
      <title>Course</title>
      <item identifier="quiz" identifierref="r1"><title>Quiz</title>
        <imsss:sequencing>
          <imsss:objectives>
            <imsss:primaryObjective objectiveID="quiz-obj">
              <imsss:mapInfo targetObjectiveID="g.quiz" writeSatisfiedStatus="true"/>
            </imsss:primaryObjective>
          </imsss:objectives>
        </imsss:sequencing>
      </item>
      <item identifier="module"><title>Module</title>
        <item identifier="lab" identifierref="r1"><title>Lab</title>
          <imsss:sequencing>
            <imsss:sequencingRules>
              <imsss:preConditionRule>
                <imsss:ruleConditions conditionCombination="any">
                  <imsss:ruleCondition referencedObjective="lab-gate" operator="not" condition="satisfied"/>
                  <imsss:ruleCondition referencedObjective="lab-gate" operator="not" condition="objectiveStatusKnown"/>
                </imsss:ruleConditions>
                <imsss:ruleAction action="disabled"/>
              </imsss:preConditionRule>
            </imsss:sequencingRules>
            <imsss:limitConditions attemptLimit="3"/>
            <imsss:objectives>
              <imsss:primaryObjective objectiveID="lab-obj"/>
              <imsss:objective objectiveID="lab-gate">
                <imsss:mapInfo targetObjectiveID="g.quiz"/>
              </imsss:objective>
            </imsss:objectives>
          </imsss:sequencing>
        </item>
        <item identifier="hidden" identifierref="r1" isvisible="false"><title>Hidden</title></item>
        <imsss:sequencing><imsss:controlMode choice="false" flow="true" forwardOnly="true"/></imsss:sequencing>
      </item>
      <item identifier="empty"><title>No resource</title></item>
      <imsss:sequencing><imsss:controlMode flow="true"/></imsss:sequencing>
    </organization>
  </organizations>
  <resources>
    <resource identifier="r1" type="webcontent" adlcp:scormType="sco" href="a.html"/>
  </resources>
</manifest>)";
  auto manifest = scorm::parse_manifest(xml);
  REQUIRE(manifest);
  CHECK_FALSE(manifest->has_errors());
  const SequencingActivity root = scorm::make_sequencing_tree(*manifest);
  REQUIRE(root.children.size() == 2);  // "empty" launches nothing
  const SequencingActivity& module = root.children[1];
  REQUIRE(module.children.size() == 1);  // "hidden" is not visible
  CHECK_FALSE(module.control_mode.choice);
  CHECK(module.control_mode.forward_only);
  CHECK(module.children[0].limits.attempt_limit == 3);

  ActivityStates states;
  GlobalObjectives globals = scorm::write_global_objectives(root, states);
  SequencingContext before{root, states, globals};
  CHECK(scorm::flow(before, "quiz", true).refusal == "lab is disabled by a precondition rule");

  states["quiz"] = done(true);
  globals = scorm::write_global_objectives(root, states);
  SequencingContext after{root, states, globals};
  CHECK(scorm::flow(after, "quiz", true).target == "lab");
  CHECK(scorm::choose(after, "quiz", "lab").refusal ==
        "choosing lab is not allowed: module has choice=\"false\" in its controlMode");
}

namespace {

scorm::SequencingRule rule(Kind kind, std::string action, std::vector<scorm::RuleCondition> c) {
  scorm::SequencingRule r = pre(std::move(action), std::move(c));
  r.kind = kind;
  return r;
}

}  // namespace

TEST_CASE("the end of an attempt: post-condition and exit rules") {
  Fixture f;
  f.root = cluster("org", {leaf("a"), cluster("m", {leaf("m1"), leaf("m2")}), leaf("z")});
  SequencingActivity& m = f.root.children[1];
  SequencingActivity& m1 = m.children[0];
  SECTION("no rule: nothing decided") {
    const auto after = scorm::after_attempt(f.context(), "m1");
    CHECK(after.request.empty());
    CHECK_FALSE(after.next.allowed());
  }
  SECTION("retry a failed SCO, continue after a passed one") {
    m1.rules.push_back(rule(Kind::kPostCondition, "retry", {cond("satisfied", true)}));
    m1.rules.push_back(rule(Kind::kPostCondition, "continue", {cond("satisfied")}));
    f.states["m1"] = done(false);
    auto after = scorm::after_attempt(f.context(), "m1");
    CHECK(after.request == "retry");
    CHECK(after.decided_by == "m1");
    CHECK(after.next.target == "m1");
    f.states["m1"] = done(true);
    after = scorm::after_attempt(f.context(), "m1");
    CHECK(after.request == "continue");
    CHECK(after.next.target == "m2");
    SECTION("a retry past the attempt limit is refused") {
      f.states["m1"] = done(false, std::nullopt, 2);
      m1.limits.attempt_limit = 2;
      after = scorm::after_attempt(f.context(), "m1");
      CHECK(after.request == "retry");
      CHECK(after.next.refusal == "m1 has used all 2 of its attempts (attemptLimit)");
    }
  }
  SECTION("exitParent climbs to the cluster, whose rule retries it from its first SCO") {
    f.root.children[1].children[1].rules.push_back(
        rule(Kind::kPostCondition, "exitParent", {cond("always")}));
    m.rules.push_back(rule(Kind::kPostCondition, "retry", {cond("satisfied", true)}));
    f.states["m"] = done(false);
    const auto after = scorm::after_attempt(f.context(), "m2");
    CHECK(after.request == "retry");
    CHECK(after.decided_by == "m");
    CHECK(after.next.target == "m1");
  }
  SECTION("previous and retryAll") {
    m1.rules.push_back(rule(Kind::kPostCondition, "previous", {cond("always")}));
    CHECK(scorm::after_attempt(f.context(), "m1").next.target == "a");
    f.root.children[2].rules.push_back(rule(Kind::kPostCondition, "retryAll", {cond("always")}));
    const auto after = scorm::after_attempt(f.context(), "z");
    CHECK(after.request == "retry");
    CHECK(after.next.target == "a");
  }
  SECTION("an exit rule leaves the cluster: continue goes on after it") {
    m.rules.push_back(rule(Kind::kExitCondition, "exit", {cond("completed")}));
    f.states["m"] = done(std::nullopt);
    auto after = scorm::after_attempt(f.context(), "m1");
    CHECK(after.request == "exit");
    CHECK(after.decided_by == "m");
    CHECK(after.next.target == "z");
    SECTION("and the exited cluster's own post-condition rules apply") {
      m.rules.push_back(rule(Kind::kPostCondition, "exitAll", {cond("always")}));
      after = scorm::after_attempt(f.context(), "m1");
      CHECK(after.request == "exitAll");
      CHECK_FALSE(after.next.allowed());
    }
  }
  SECTION("exitAll") {
    m1.rules.push_back(rule(Kind::kPostCondition, "exitAll", {cond("attempted")}));
    CHECK(scorm::after_attempt(f.context(), "m1").request.empty());  // never attempted
    f.states["m1"] = done(true);
    CHECK(scorm::after_attempt(f.context(), "m1").request == "exitAll");
  }
}

TEST_CASE("sequencing rules the player cannot follow are reported at import") {
  const std::string xml =
      R"(<manifest identifier="m" xmlns="http://www.imsglobal.org/xsd/imscp_v1p1"
    xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3"
    xmlns:imsss="http://www.imsglobal.org/xsd/imsss">
    <metadata><schema>ADL SCORM</schema><schemaversion>2004 4th Edition</schemaversion></metadata>
    <organizations default="o"><organization identifier="o"><title>T</title>
      <item identifier="a" identifierref="r"><title>A</title>
        <imsss:sequencing><imsss:sequencingRules>
          <imsss:preConditionRule>
            <imsss:ruleConditions conditionCombination="some">
              <imsss:ruleCondition condition="satisfiedd"/>
              <imsss:ruleCondition condition="timeLimitExceeded"/>
            </imsss:ruleConditions>
            <imsss:ruleAction action="retry"/>
          </imsss:preConditionRule>
          <imsss:postConditionRule>
            <imsss:ruleConditions><imsss:ruleCondition condition="always"/></imsss:ruleConditions>
            <imsss:ruleAction action="retryAll"/>
          </imsss:postConditionRule>
        </imsss:sequencingRules></imsss:sequencing>
      </item>
    </organization></organizations>
    <resources><resource identifier="r" type="webcontent" adlcp:scormType="sco" href="a.html"/></resources>
  </manifest>)";
  auto manifest = scorm::parse_manifest(xml);
  REQUIRE(manifest);
  std::vector<std::string> messages;
  for (const scorm::Problem& p : manifest->problems) {
    messages.push_back((p.severity == scorm::Severity::kError ? "error: " : "warning: ") +
                       p.message);
  }
  CHECK(messages == std::vector<std::string>{
                        "error: unknown ruleCondition \"satisfiedd\"",
                        "warning: ruleCondition \"timeLimitExceeded\" is not evaluated by this "
                        "player: it counts as false",
                        "error: unknown conditionCombination \"some\"",
                        "error: ruleAction \"retry\" is not an action of preConditionRule"});
}

TEST_CASE("preventActivation: a cluster is entered by flow, not by choice from outside") {
  Fixture f;
  SequencingActivity m2 = cluster("m2", {leaf("c"), leaf("d")});
  m2.prevent_activation = true;
  f.root = cluster("root", {cluster("m1", {leaf("a"), leaf("b")}), m2});
  const auto refusal = scorm::choose(f.context(), "a", "c").refusal;
  CHECK(refusal == "choosing c is not allowed: m2 can only be entered by flow (preventActivation)");
  CHECK_FALSE(scorm::choose(f.context(), "", "d").allowed());  // not before any launch either
  CHECK(scorm::flow(f.context(), "b", true).target == "c");    // flow enters it
  CHECK(scorm::choose(f.context(), "c", "d").allowed());       // inside, choice is free
  CHECK(scorm::choose(f.context(), "d", "a").allowed());       // and leaving it too
  CHECK(scorm::choose(f.context(), "c", "c").allowed());       // a relaunch
}

TEST_CASE("constrainChoice: only the activities logically next to or before") {
  Fixture f;
  SequencingActivity m2 = cluster("m2", {leaf("c"), leaf("d")});
  m2.constrain_choice = true;
  f.root = cluster("root", {cluster("m1", {leaf("a"), leaf("b")}), m2, cluster("m3", {leaf("e")}),
                            cluster("m4", {leaf("g")})});
  const auto ctx = f.context();
  CHECK(scorm::choose(ctx, "c", "d").allowed());  // inside the constrained cluster
  CHECK(scorm::choose(ctx, "d", "e").allowed());  // m3 is logically next to m2
  CHECK(scorm::choose(ctx, "c", "a").allowed());  // m1 logically before it
  CHECK(scorm::choose(ctx, "c", "b").allowed());
  const auto far = scorm::choose(ctx, "c", "g");
  CHECK(far.refusal ==
        "choosing g is not allowed from inside m2 (constrainChoice): only the activities "
        "logically next to or before it can be chosen");
  CHECK(scorm::choose(ctx, "a", "g").allowed());  // outside m2 nothing is constrained

  SECTION("on a SCO: its neighbours across cluster boundaries") {
    f.root.children[0].children[1].constrain_choice = true;  // b
    CHECK(scorm::choose(f.context(), "b", "a").allowed());
    CHECK(scorm::choose(f.context(), "b", "d").allowed());  // m2, next to b
    CHECK_FALSE(scorm::choose(f.context(), "b", "e").allowed());
  }
}

namespace {

std::vector<std::string> child_ids(const SequencingActivity& a) {
  std::vector<std::string> out;
  for (const auto& c : a.children) out.push_back(c.identifier);
  return out;
}

SequencingActivity pool(int n) {
  std::vector<SequencingActivity> children;
  for (int i = 0; i < n; ++i) children.push_back(leaf("q" + std::to_string(i)));
  return cluster("pool", std::move(children));
}

}  // namespace

TEST_CASE("selection and randomization draw each learner's course once") {
  SECTION("never: the manifest's children in order") {
    SequencingActivity root = cluster("root", {pool(5)});
    root.children[0].randomization.select_count = 2;  // selectionTiming stays "never"
    root.children[0].randomization.reorder_children = true;
    CHECK(scorm::select_and_randomize(root, "reg-1").empty());
    CHECK(child_ids(root.children[0]) == std::vector<std::string>{"q0", "q1", "q2", "q3", "q4"});
  }
  SECTION("selectCount keeps that many, in manifest order, the same for one seed") {
    std::set<std::vector<std::string>> seen;
    for (int learner = 0; learner < 40; ++learner) {
      SequencingActivity root = cluster("root", {pool(5)});
      root.children[0].randomization.select_count = 2;
      root.children[0].randomization.selection_timing = "once";
      SequencingActivity again = root;
      const std::string seed = "reg-" + std::to_string(learner);
      const std::set<std::string> left_out = scorm::select_and_randomize(root, seed);
      scorm::select_and_randomize(again, seed);
      const auto kept = child_ids(root.children[0]);
      REQUIRE(kept.size() == 2);
      CHECK(left_out.size() == 3);
      CHECK(kept[0] < kept[1]);  // manifest order
      CHECK(child_ids(again.children[0]) == kept);
      for (const auto& id : kept) CHECK_FALSE(left_out.contains(id));
      seen.insert(kept);
    }
    CHECK(seen.size() >= 8);  // 10 possible pairs; different learners get different ones
  }
  SECTION("reorderChildren shuffles what was kept; every child leads for some learners") {
    std::map<std::string, int> first;
    for (int learner = 0; learner < 60; ++learner) {
      SequencingActivity root = cluster("root", {pool(3)});
      root.children[0].randomization.reorder_children = true;
      root.children[0].randomization.randomization_timing = "onEachNewAttempt";
      CHECK(scorm::select_and_randomize(root, "r" + std::to_string(learner)).empty());
      auto ids = child_ids(root.children[0]);
      ++first[ids[0]];
      std::sort(ids.begin(), ids.end());
      CHECK(ids == std::vector<std::string>{"q0", "q1", "q2"});
    }
    REQUIRE(first.size() == 3);
    for (const auto& [id, count] : first) CHECK(count >= 10);
  }
  SECTION("rollup only counts what was selected") {
    scorm::RollupActivity rollup;
    rollup.identifier = "root";
    scorm::RollupActivity p;
    p.identifier = "pool";
    for (const char* id : {"q0", "q1", "q2"}) {
      scorm::RollupActivity q;
      q.identifier = id;
      p.children.push_back(q);
    }
    rollup.children.push_back(p);
    scorm::drop_activities(rollup, {"q1"});
    REQUIRE(rollup.children[0].children.size() == 2);
    CHECK(rollup.children[0].children[0].identifier == "q0");
    CHECK(rollup.children[0].children[1].identifier == "q2");
  }
}

TEST_CASE("randomization and constrained choice come from the manifest") {
  const std::string xml =
      R"(<manifest identifier="m" xmlns="http://www.imsglobal.org/xsd/imscp_v1p1"
    xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3"
    xmlns:adlseq="http://www.adlnet.org/xsd/adlseq_v1p3"
    xmlns:imsss="http://www.imsglobal.org/xsd/imsss">
    <metadata><schema>ADL SCORM</schema><schemaversion>2004 4th Edition</schemaversion></metadata>
    <organizations default="o"><organization identifier="o"><title>T</title>
      <item identifier="bank"><title>Bank</title>
        <item identifier="a" identifierref="r"><title>A</title></item>
        <item identifier="b" identifierref="r"><title>B</title></item>
        <imsss:sequencing>
          <imsss:randomizationControls selectCount="1" selectionTiming="once"
              reorderChildren="true" randomizationTiming="onEachNewAttempt"/>
          <adlseq:constrainedChoiceConsiderations preventActivation="true" constrainChoice="true"/>
        </imsss:sequencing>
      </item>
    </organization></organizations>
    <resources><resource identifier="r" type="webcontent" adlcp:scormType="sco" href="a.html"/></resources>
  </manifest>)";
  auto manifest = scorm::parse_manifest(xml);
  REQUIRE(manifest);
  const SequencingActivity tree = scorm::make_sequencing_tree(*manifest);
  REQUIRE(tree.children.size() == 1);
  const SequencingActivity& bank = tree.children[0];
  CHECK(bank.randomization.select_count == 1);
  CHECK(bank.randomization.selection_timing == "once");
  CHECK(bank.randomization.reorder_children);
  CHECK(bank.randomization.randomization_timing == "onEachNewAttempt");
  CHECK(bank.prevent_activation);
  CHECK(bank.constrain_choice);
}

TEST_CASE("4th Edition maps share completion, progress and raw scores") {
  SequencingActivity writer = leaf("w");
  scorm::Objective shared = objective("obj-1", false, "g1", false);
  auto& map = shared.map_info[0];
  map.write_completion_status = true;
  map.write_progress_measure = true;
  map.write_raw_score = true;
  map.write_min_score = true;
  map.write_max_score = true;
  writer.objectives.push_back(shared);
  SequencingActivity reader = leaf("r");
  reader.objectives.push_back(objective("gate", false, "g1", false));
  ActivityState s = done(std::nullopt);
  scorm::ObjectiveStatus local;
  local.completed = true;
  local.progress = 0.8;
  local.raw = 42;
  local.min = 0;
  local.max = 50;
  s.objectives["obj-1"] = local;
  const SequencingActivity root = cluster("org", {writer, reader});
  const ActivityStates states{{"w", s}};
  const GlobalObjectives g = scorm::write_global_objectives(root, states);
  REQUIRE(g.count("g1") == 1);
  CHECK(g.at("g1").completed == true);
  CHECK(g.at("g1").progress == Approx(0.8));
  CHECK_FALSE(g.at("g1").satisfied.has_value());  // not written: no writeSatisfiedStatus
  const scorm::ObjectiveStatus gate = scorm::read_objective(root.children[1], "gate", states, g);
  CHECK(gate.completed == true);
  CHECK(gate.raw == Approx(42));
  CHECK(gate.max == Approx(50));
  const auto preload = scorm::objective_preloads(root.children[1], g);
  REQUIRE(preload.size() == 1);
  CHECK(preload[0].status.min == Approx(0));

  SECTION("readRawScore=false keeps the raw score local") {
    SequencingActivity no_raw = root.children[1];
    no_raw.objectives[0].map_info[0].read_raw_score = false;
    CHECK_FALSE(scorm::read_objective(no_raw, "gate", states, g).raw.has_value());
    CHECK(scorm::read_objective(no_raw, "gate", states, g).progress == Approx(0.8));
  }
  SECTION("a primary objective that reads completion decides the completed condition") {
    SequencingActivity next = leaf("next");
    scorm::Objective primary = objective("next-primary", true, "g1", false);
    next.objectives.push_back(primary);
    next.rules.push_back(pre("skip", {cond("completed")}));
    const SequencingActivity course = cluster("org", {writer, next});
    const GlobalObjectives globals = scorm::write_global_objectives(course, states);
    CHECK(scorm::rule_action(course.children[1], Kind::kPreCondition, {"skip"}, states, globals) ==
          "skip");
    SequencingActivity unread = course.children[1];
    unread.objectives[0].map_info[0].read_completion_status = false;
    CHECK_FALSE(scorm::rule_action(unread, Kind::kPreCondition, {"skip"}, states, globals));
  }
}

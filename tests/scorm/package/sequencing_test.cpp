#include <string>

#include <catch2/catch.hpp>

#include "scorm/manifest.h"
#include "test_support.h"

namespace {

scorm::Manifest fire_course() {
  auto result = scorm::parse_manifest(scorm::test::data_file("scorm2004_3rd_manifest.xml"));
  REQUIRE(result);
  return std::move(*result);
}

}  // namespace

TEST_CASE("organization sequencing: control mode, rollup, randomization, ADL extensions") {
  const scorm::Manifest m = fire_course();
  const scorm::Organization& org = m.organizations[0];
  REQUIRE(org.sequencing);
  const scorm::Sequencing& s = *org.sequencing;
  CHECK_FALSE(s.control_mode.choice);
  CHECK_FALSE(s.control_mode.choice_exit);
  CHECK(s.control_mode.flow);
  CHECK(s.control_mode.forward_only);
  CHECK(s.control_mode.use_current_attempt_objective_info);  // default kept
  CHECK_FALSE(s.objectives_global_to_system);

  CHECK(s.rollup_rules.rollup_objective_satisfied);
  CHECK(s.rollup_rules.objective_measure_weight == Approx(0.5));
  REQUIRE(s.rollup_rules.rules.size() == 2);
  const scorm::RollupRule& first = s.rollup_rules.rules[0];
  CHECK(first.child_activity_set == "atLeastCount");
  CHECK(first.minimum_count == 1);
  CHECK(first.condition_combination == "all");
  REQUIRE(first.conditions.size() == 1);
  CHECK(first.conditions[0].condition == "satisfied");
  CHECK(first.action == "satisfied");
  const scorm::RollupRule& second = s.rollup_rules.rules[1];
  CHECK(second.condition_combination == "any");  // default
  REQUIRE(second.conditions.size() == 1);
  CHECK(second.conditions[0].negated);
  CHECK(second.action == "incomplete");

  CHECK(s.randomization.reorder_children);
  CHECK(s.randomization.select_count == 2);
  CHECK(s.randomization.selection_timing == "onEachNewAttempt");
  CHECK(s.randomization.randomization_timing == "never");
  CHECK(s.rollup_considerations.required_for_satisfied == "ifAttempted");
  CHECK(s.rollup_considerations.required_for_completed == "always");
  CHECK(s.constrain_choice);
  CHECK_FALSE(s.prevent_activation);
}

TEST_CASE("item sequencing: IDRef merge, objectives with measures and map info") {
  const scorm::Manifest m = fire_course();
  REQUIRE(m.sequencing_collection.size() == 1);
  CHECK(m.sequencing_collection[0].id == "SEQ-COMMON");

  const scorm::Item& lesson = m.organizations[0].items[0];
  REQUIRE(lesson.sequencing);
  const scorm::Sequencing& s = *lesson.sequencing;
  CHECK(s.id_ref == "SEQ-COMMON");
  // From the collection, not overridden locally.
  CHECK_FALSE(s.control_mode.choice_exit);
  CHECK(s.delivery_controls.completion_set_by_content);
  // Overridden locally: limitConditions replaces the collection's attemptLimit=1.
  CHECK(s.limit_conditions.attempt_limit == 3);
  CHECK(s.limit_conditions.attempt_absolute_duration_limit == "PT1H");

  REQUIRE(s.objectives.size() == 2);
  const scorm::Objective& primary = s.objectives[0];
  CHECK(primary.primary);
  CHECK(primary.id == "OBJ-LESSON");
  CHECK(primary.satisfied_by_measure);
  CHECK(primary.min_normalized_measure == Approx(0.6));
  REQUIRE(primary.map_info.size() == 1);
  CHECK(primary.map_info[0].target_objective_id == "GLOBAL-LESSON");
  CHECK(primary.map_info[0].read_satisfied_status);
  CHECK(primary.map_info[0].write_satisfied_status);
  CHECK(primary.map_info[0].write_normalized_measure);

  const scorm::Objective& other = s.objectives[1];
  CHECK_FALSE(other.primary);
  CHECK(other.id == "OBJ-EXTINGUISHER");
  CHECK_FALSE(other.satisfied_by_measure);
  CHECK(other.min_normalized_measure == Approx(1.0));
  REQUIRE(other.map_info.size() == 1);
  CHECK_FALSE(other.map_info[0].write_satisfied_status);
}

TEST_CASE("sequencing rules: pre, exit and post conditions") {
  const scorm::Manifest m = fire_course();
  const scorm::Item& test = m.organizations[0].items[1];
  REQUIRE(test.sequencing);
  const scorm::Sequencing& s = *test.sequencing;
  CHECK(s.id_ref.empty());
  REQUIRE(s.rules.size() == 3);
  CHECK(s.rules[0].kind == scorm::SequencingRule::Kind::kPreCondition);
  CHECK(s.rules[0].condition_combination == "any");
  REQUIRE(s.rules[0].conditions.size() == 2);
  CHECK(s.rules[0].conditions[0].referenced_objective == "OBJ-TEST");
  CHECK(s.rules[0].conditions[0].condition == "satisfied");
  CHECK_FALSE(s.rules[0].conditions[0].negated);
  CHECK(s.rules[0].conditions[1].negated);
  CHECK(s.rules[0].action == "skip");
  CHECK(s.rules[1].kind == scorm::SequencingRule::Kind::kExitCondition);
  REQUIRE(s.rules[1].conditions[0].measure_threshold);
  CHECK(*s.rules[1].conditions[0].measure_threshold == Approx(0.5));
  CHECK(s.rules[1].action == "exit");
  CHECK(s.rules[2].kind == scorm::SequencingRule::Kind::kPostCondition);
  CHECK(s.rules[2].action == "retry");
  CHECK(s.delivery_controls.objective_set_by_content);
  CHECK(s.control_mode.choice);  // defaults when no controlMode
  REQUIRE(s.objectives.size() == 1);
  CHECK(s.objectives[0].map_info.empty());
}

TEST_CASE("4th Edition adlseq:objectives extend the imsss map info") {
  auto result = scorm::parse_manifest(scorm::test::data_file("scorm2004_4th_manifest.xml"));
  REQUIRE(result);
  const scorm::Item& item = result->organizations[0].items[0];
  REQUIRE(item.sequencing);
  REQUIRE(item.sequencing->objectives.size() == 1);
  const scorm::Objective& o = item.sequencing->objectives[0];
  REQUIRE(o.map_info.size() == 1);
  const scorm::ObjectiveMapInfo& info = o.map_info[0];
  CHECK(info.target_objective_id == "G-1");
  CHECK(info.read_satisfied_status);
  CHECK(info.write_completion_status);
  CHECK(info.write_progress_measure);
  CHECK(info.write_raw_score);
  CHECK_FALSE(info.write_min_score);
}

TEST_CASE("sequencing problems are reported") {
  const std::string head =
      R"(<manifest identifier="M" xmlns:imsss="http://www.imsglobal.org/xsd/imsss"
      xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3"
      xmlns:adlseq="http://www.adlnet.org/xsd/adlseq_v1p3">
    <metadata><schemaversion>2004 4th Edition</schemaversion></metadata>
    <organizations default="O"><organization identifier="O"><title>T</title>
    <item identifier="I" identifierref="R"><title>L</title>)";
  const std::string tail = R"(</item></organization></organizations>
    <resources><resource identifier="R" type="webcontent" adlcp:scormType="sco" href="a.html"/>
    </resources></manifest>)";
  const auto problems_of = [&](const std::string& sequencing) {
    auto result = scorm::parse_manifest(head + sequencing + tail);
    REQUIRE(result);
    std::string all;
    for (const scorm::Problem& p : result->problems) all += p.where + ": " + p.message + "\n";
    return all;
  };
  CHECK_THAT(problems_of("<imsss:sequencing IDRef='NOPE'/>"),
             Catch::Contains("item I: sequencing IDRef \"NOPE\" names no sequencingCollection"));
  CHECK_THAT(problems_of("<imsss:sequencing><imsss:objectives><imsss:objective/>"
                         "</imsss:objectives></imsss:sequencing>"),
             Catch::Contains("objective without an objectiveID"));
  CHECK_THAT(problems_of("<imsss:sequencing><imsss:objectives><imsss:primaryObjective>"
                         "<imsss:mapInfo targetObjectiveID='G'/></imsss:primaryObjective>"
                         "</imsss:objectives></imsss:sequencing>"),
             Catch::Contains("primaryObjective with mapInfo needs an objectiveID"));
  CHECK_THAT(problems_of("<imsss:sequencing><imsss:limitConditions attemptLimit='-1'/>"
                         "</imsss:sequencing>"),
             Catch::Contains("attemptLimit \"-1\" is not an integer >= 0"));
  CHECK_THAT(problems_of("<imsss:sequencing><imsss:controlMode flow='yes'/></imsss:sequencing>"),
             Catch::Contains("flow \"yes\" is not true or false"));
  CHECK_THAT(problems_of("<imsss:sequencing><imsss:objectives><imsss:primaryObjective "
                         "objectiveID='P'><imsss:minNormalizedMeasure>2</imsss:"
                         "minNormalizedMeasure></imsss:primaryObjective></imsss:objectives>"
                         "</imsss:sequencing>"),
             Catch::Contains("minNormalizedMeasure \"2\" is outside -1..1"));
  CHECK_THAT(problems_of("<imsss:sequencing><imsss:sequencingRules><imsss:preConditionRule>"
                         "<imsss:ruleConditions><imsss:ruleCondition condition='always'/>"
                         "</imsss:ruleConditions></imsss:preConditionRule>"
                         "</imsss:sequencingRules></imsss:sequencing>"),
             Catch::Contains("sequencing rule without a ruleAction"));
  CHECK_THAT(problems_of("<imsss:sequencing><imsss:objectives><imsss:primaryObjective "
                         "objectiveID='P'/></imsss:objectives><adlseq:objectives>"
                         "<adlseq:objective objectiveID='Q'/></adlseq:objectives>"
                         "</imsss:sequencing>"),
             Catch::Contains("adlseq:objective \"Q\" matches no imsss objective"));
}

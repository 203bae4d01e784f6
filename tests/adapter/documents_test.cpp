// The profile's documents: activity-state, attempt-state and activity-profile.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "adapter/translator.h"
#include "adapter_test_util.h"
#include "scorm/cmi_session.h"

using adapter_test::set_all;
using nlohmann::json;

TEST_CASE("activity-state appends the attempt once", "[documents]") {
  auto a1 = "https://c.example/sco?attemptId=1";
  auto a2 = "https://c.example/sco?attemptId=2";
  json first = adapter::activity_state(nullptr, a1);
  CHECK(first == json{{"attempts", {a1}}});
  CHECK(adapter::activity_state(first, a1) == first);  // resume: same attempt
  json second = adapter::activity_state(first, a2);
  CHECK(second == json{{"attempts", {a1, a2}}});
  json other = {{"attempts", "broken"}, {"x", 1}};
  CHECK(adapter::activity_state(other, a1) == json{{"attempts", {a1}}, {"x", 1}});
}

TEST_CASE("2004 attempt-state and activity-profile", "[documents][2004]") {
  scorm::LaunchValues launch;
  launch.credit = false;
  launch.lms_values = {{"cmi.launch_data", "level=2"},
                       {"cmi.completion_threshold", "0.8"},
                       {"cmi.scaled_passing_score", "0.7"},
                       {"cmi.max_time_allowed", "PT30M"},
                       {"cmi.time_limit_action", "exit,message"},
                       {"cmi.comments_from_lms.0.comment", "Welcome"},
                       {"cmi.comments_from_lms.0.location", "start"},
                       {"adl.data.0.id", "urn:golf:data"}};
  auto s = scorm::start_session(scorm::CmiModel2004(), launch);
  REQUIRE(s.error == 0);
  auto m = s.model;
  set_all(m, {{"cmi.location", "p4"},
              {"cmi.learner_preference.audio_level", "0.5"},
              {"cmi.learner_preference.language", "fr"},
              {"adl.data.0.store", "shared"},
              {"cmi.session_time", "PT1M0.25S"}});
  scorm::end_session(m);
  CHECK(adapter::attempt_state(m) == json::parse(R"({
    "credit": "no-credit", "mode": "normal", "location": "p4",
    "preferences": {"audio_level": 0.5, "language": "fr", "delivery_speed": 1.0,
                    "audio_captioning": 0.0},
    "total_time": "PT0H1M0.25S",
    "comments_from_lms": [{"comment": "Welcome", "location": "start"}],
    "adl_data": [{"id": "urn:golf:data", "store": "shared"}]})"));
  CHECK(adapter::activity_profile(m) == json::parse(R"({
    "completion_threshold": 0.8, "launch_data": "level=2", "max_time_allowed": "PT0H30M0S",
    "scaled_passing_score": 0.7, "time_limit_action": "exit,message"})"));
}

TEST_CASE("1.2 attempt-state and activity-profile", "[documents][1.2]") {
  scorm::LaunchValues launch;
  launch.lms_values = {{"cmi.launch_data", "x"},
                       {"cmi.student_data.mastery_score", "80"},
                       {"cmi.student_data.max_time_allowed", "0000:45:00"},
                       {"cmi.student_data.time_limit_action", "continue,no message"},
                       {"cmi.comments_from_lms", "Hi"}};
  auto s = scorm::start_session(scorm::CmiModel12(), launch);
  REQUIRE(s.error == 0);
  auto m = s.model;
  set_all(m, {{"cmi.core.lesson_location", "p2"},
              {"cmi.student_preference.audio", "50"},
              {"cmi.core.session_time", "0000:00:30"}});
  scorm::end_session(m);
  json state = adapter::attempt_state(m);
  CHECK(state["credit"] == "credit");
  CHECK(state["mode"] == "normal");
  CHECK(state["location"] == "p2");
  CHECK(state["preferences"]["audio_level"] == 50.0);
  CHECK(state["total_time"] == "PT0H0M30S");
  CHECK(state["comments_from_lms"] == json::parse(R"([{"comment": "Hi"}])"));
  CHECK_FALSE(state.contains("adl_data"));
  CHECK(adapter::activity_profile(m) == json::parse(R"({
    "launch_data": "x", "scaled_passing_score": 0.8, "max_time_allowed": "PT0H45M0S",
    "time_limit_action": "continue,no message"})"));
  CHECK(adapter::timespan_12_to_iso("0002:03:04.5") == "PT2H3M4.5S");
  CHECK(adapter::timespan_12_to_iso("nope").empty());
}

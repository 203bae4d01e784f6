// Attempts and sessions: new attempt vs resume, total_time accumulation, exit modes,
// credit, browse / review modes, 1.2 mastery and 2004 threshold status rules; the API
// state machine's lifecycle error codes.
#include "scorm/cmi_session.h"

#include <string>

#include <catch2/catch.hpp>

#include "cmi_test_util.h"
#include "scorm/cmi_commit.h"
#include "scorm/scorm_api.h"

using scorm::CmiModel12;
using scorm::CmiModel2004;
using scorm::LaunchValues;

TEST_CASE("timespan and duration arithmetic", "[session]") {
  struct Row {
    const char* text;
    long long cs;
  };
  for (const auto& row : std::vector<Row>{{"00:00:00", 0},
                                          {"0000:00:01.5", 150},
                                          {"01:02:03.04", 372304},
                                          {"9999:59:59.99", 3599999999LL}}) {
    CAPTURE(row.text);
    CHECK(scorm::parse_timespan_12(row.text) == row.cs);
  }
  for (const auto& row : std::vector<Row>{{"PT0S", 0},
                                          {"PT1.5S", 150},
                                          {"PT0.005S", 1},
                                          {"PT1H2M3.04S", 372304},
                                          {"P1D", 8640000},
                                          {"P1DT1H", 9000000},
                                          {"P1M", 259200000},
                                          {"P1Y", 3153600000LL},
                                          {"PT90M", 540000}}) {
    CAPTURE(row.text);
    CHECK(scorm::parse_duration_2004(row.text) == row.cs);
  }
  for (const char* bad : {"", "P", "PT", "T1H", "PT1H30", "1:00:00", "P1.5D", "PTS", "PT1M1H"})
    CHECK_FALSE(scorm::parse_duration_2004(bad));
  for (const char* bad : {"", "1:00:00", "00:00", "00:00:00.", "00:0a:00", "PT1S"})
    CHECK_FALSE(scorm::parse_timespan_12(bad));
  CHECK(scorm::format_timespan_12(0) == "0000:00:00");
  CHECK(scorm::format_timespan_12(372304) == "0001:02:03.04");
  CHECK(scorm::format_timespan_12(150) == "0000:00:01.50");
  CHECK(scorm::format_timespan_12(100000LL * 360000) == "9999:59:59.99");
  CHECK(scorm::format_duration_2004(0) == "PT0H0M0S");
  CHECK(scorm::format_duration_2004(150) == "PT0H0M1.5S");
  CHECK(scorm::format_duration_2004(372304) == "PT1H2M3.04S");
  CHECK(scorm::format_duration_2004(8640000) == "PT24H0M0S");
}

TEST_CASE("1.2 first launch, suspend, resume, then a new attempt", "[session]") {
  LaunchValues launch;
  launch.learner_id = "u1";
  launch.learner_name = "Doe, Jane";
  auto s1 = scorm::start_session(CmiModel12(), launch);
  REQUIRE(s1.error == 0);
  CHECK(s1.new_attempt);
  CHECK_FALSE(s1.resumed);
  auto& m = s1.model;
  CHECK(m.get_value("cmi.core.entry").value == "ab-initio");
  CHECK(m.get_value("cmi.core.student_id").value == "u1");
  CHECK(m.get_value("cmi.core.student_name").value == "Doe, Jane");
  CHECK(m.session_open());
  REQUIRE(cmi_test::set_all(m, {{"cmi.core.lesson_location", "p7"},
                                {"cmi.suspend_data", "state"},
                                {"cmi.core.lesson_status", "incomplete"},
                                {"cmi.core.session_time", "00:20:00"},
                                {"cmi.core.exit", "suspend"}}) == 0);
  auto end1 = scorm::end_session(m);
  CHECK(end1.error == 0);
  CHECK(end1.suspended);
  CHECK(end1.exit == "suspend");
  CHECK(end1.total_time == "0000:20:00");
  CHECK_FALSE(m.session_open());
  CHECK(scorm::end_session(m).error == 101);  // already ended

  auto s2 = scorm::start_session(m, launch);
  CHECK(s2.resumed);
  CHECK_FALSE(s2.new_attempt);
  auto& r = s2.model;
  CHECK(r.get_value("cmi.core.entry").value == "resume");
  CHECK(r.get_value("cmi.core.lesson_location").value == "p7");
  CHECK(r.get_value("cmi.suspend_data").value == "state");
  CHECK(r.get_value("cmi.core.total_time").value == "0000:20:00");
  CHECK_FALSE(r.stored("cmi.core.exit"));
  CHECK_FALSE(r.stored("cmi.core.session_time"));
  REQUIRE(cmi_test::set_all(r, {{"cmi.core.session_time", "0000:45:30.5"},
                                {"cmi.core.lesson_status", "completed"},
                                {"cmi.core.exit", ""}}) == 0);
  auto end2 = scorm::end_session(r);
  CHECK_FALSE(end2.suspended);
  CHECK(end2.total_time == "0001:05:30.50");

  auto s3 = scorm::start_session(r, launch);
  CHECK(s3.new_attempt);
  CHECK(s3.model.get_value("cmi.core.entry").value == "ab-initio");
  CHECK(s3.model.get_value("cmi.core.lesson_location").value.empty());
  CHECK(s3.model.get_value("cmi.core.total_time").value == "0000:00:00");
  CHECK(s3.model.get_value("cmi.core.lesson_status").value == "not attempted");
}

TEST_CASE("exit modes decide resume or new attempt", "[session]") {
  for (const std::string exit : {"suspend", "logout", "time-out", "normal", ""}) {
    CAPTURE(exit);
    auto s = scorm::start_session(CmiModel2004(), {});
    REQUIRE(s.model.set_value("cmi.location", "p3") == 0);
    if (!exit.empty()) REQUIRE(s.model.set_value("cmi.exit", exit) == 0);
    scorm::end_session(s.model);
    auto next = scorm::start_session(s.model, {});
    CHECK(next.resumed == (exit == "suspend"));
    CHECK(next.new_attempt == (exit != "suspend"));
    CHECK(next.model.get_value("cmi.entry").value == (exit == "suspend" ? "resume" : "ab-initio"));
    CHECK(next.model.get_value("cmi.location").error == (exit == "suspend" ? 0 : 403));
  }
}

TEST_CASE("attempt policies", "[session]") {
  auto s = scorm::start_session(CmiModel2004(), {});
  REQUIRE(s.model.set_value("cmi.location", "p3") == 0);
  REQUIRE(s.model.set_value("cmi.exit", "suspend") == 0);
  scorm::end_session(s.model);
  LaunchValues fresh;
  fresh.policy = scorm::AttemptPolicy::kNew;
  CHECK(scorm::start_session(s.model, fresh).new_attempt);
  LaunchValues keep;
  keep.policy = scorm::AttemptPolicy::kContinue;
  auto c = scorm::start_session(s.model, keep);
  CHECK_FALSE(c.new_attempt);
  CHECK_FALSE(c.resumed);
  CHECK(c.model.get_value("cmi.entry").value.empty());
  CHECK(c.model.get_value("cmi.location").value == "p3");
}

TEST_CASE("2004 total_time accumulates ISO 8601 durations", "[session]") {
  scorm::CmiModel model = CmiModel2004();
  const std::vector<std::pair<std::string, std::string>> sessions = {
      {"PT10M", "PT0H10M0S"}, {"PT1H0.5S", "PT1H10M0.5S"}, {"P1D", "PT25H10M0.5S"}};
  for (const auto& [session_time, total] : sessions) {
    auto s = scorm::start_session(model, {});
    REQUIRE(s.model.set_value("cmi.session_time", session_time) == 0);
    REQUIRE(s.model.set_value("cmi.exit", "suspend") == 0);
    auto end = scorm::end_session(s.model);
    CHECK(end.session_time == session_time);
    CHECK(end.total_time == total);
    CHECK(s.model.get_value("cmi.total_time").value == total);
    model = s.model;
  }
}

TEST_CASE("an unended session is ended when the next one starts", "[session]") {
  auto s = scorm::start_session(CmiModel12(), {});
  REQUIRE(s.model.set_value("cmi.core.session_time", "00:05:00") == 0);
  REQUIRE(s.model.set_value("cmi.core.exit", "suspend") == 0);
  auto next = scorm::start_session(s.model, {});  // no end_session: browser closed
  CHECK(next.resumed);
  CHECK(next.model.get_value("cmi.core.total_time").value == "0000:05:00");
}

TEST_CASE("1.2 mastery_score decides passed / failed with credit", "[session][status]") {
  struct Row {
    std::string raw;
    bool credit;
    std::string mode;
    std::string set_status;
    std::string expected;
  };
  const std::vector<Row> rows = {
      {"85", true, "normal", "completed", "passed"},
      {"80", true, "normal", "completed", "passed"},
      {"79.5", true, "normal", "passed", "failed"},
      {"85", false, "normal", "completed", "completed"},  // no-credit: the SCO's status
      {"", true, "normal", "incomplete", "incomplete"},   // no score
      {"", true, "normal", "", "incomplete"},             // not attempted -> incomplete
      {"", true, "browse", "", "browsed"},
      {"", true, "browse", "browsed", "browsed"},
      {"95", true, "browse", "passed", "browsed"},  // browse: results ignored
  };
  for (const auto& row : rows) {
    CAPTURE(row.raw, row.credit, row.mode, row.set_status);
    LaunchValues launch;
    launch.credit = row.credit;
    launch.mode = row.mode;
    launch.lms_values = {{"cmi.student_data.mastery_score", "80"}};
    auto s = scorm::start_session(CmiModel12(), launch);
    REQUIRE(s.error == 0);
    if (!row.raw.empty()) REQUIRE(s.model.set_value("cmi.core.score.raw", row.raw) == 0);
    if (!row.set_status.empty())
      REQUIRE(s.model.set_value("cmi.core.lesson_status", row.set_status) == 0);
    scorm::end_session(s.model);
    CHECK(s.model.get_value("cmi.core.lesson_status").value == row.expected);
  }
  scorm::SessionEndOptions complete;
  complete.auto_complete_12 = true;
  auto s = scorm::start_session(CmiModel12(), {});
  scorm::end_session(s.model, complete);
  CHECK(s.model.get_value("cmi.core.lesson_status").value == "completed");
}

TEST_CASE("2004 completion_threshold and scaled_passing_score evaluation", "[session][status]") {
  struct Row {
    std::string threshold, progress, set_completion;
    std::string expected_completion;
  };
  const std::vector<Row> completion = {
      {"0.8", "0.9", "incomplete", "completed"}, {"0.8", "0.8", "", "completed"},
      {"0.8", "0.5", "completed", "incomplete"}, {"0.8", "", "completed", "completed"},
      {"", "0.1", "completed", "completed"},     {"", "", "", "unknown"},
  };
  for (const auto& row : completion) {
    CAPTURE(row.threshold, row.progress, row.set_completion);
    CmiModel2004 m;
    if (!row.threshold.empty())
      REQUIRE(m.set_lms_value("cmi.completion_threshold", row.threshold) == 0);
    if (!row.set_completion.empty())
      REQUIRE(m.set_value("cmi.completion_status", row.set_completion) == 0);
    if (!row.progress.empty()) REQUIRE(m.set_value("cmi.progress_measure", row.progress) == 0);
    CHECK(m.get_value("cmi.completion_status").value == row.expected_completion);
  }
  struct SuccessRow {
    std::string passing, scaled, set_success;
    std::string expected;
  };
  const std::vector<SuccessRow> success = {
      {"0.7", "0.75", "failed", "passed"}, {"0.7", "0.7", "", "passed"},
      {"0.7", "0.2", "passed", "failed"},  {"0.7", "", "passed", "passed"},
      {"-0.5", "-0.4", "", "passed"},      {"", "0.1", "failed", "failed"},
  };
  for (const auto& row : success) {
    CAPTURE(row.passing, row.scaled, row.set_success);
    CmiModel2004 m;
    if (!row.passing.empty())
      REQUIRE(m.set_lms_value("cmi.scaled_passing_score", row.passing) == 0);
    if (!row.set_success.empty()) REQUIRE(m.set_value("cmi.success_status", row.set_success) == 0);
    if (!row.scaled.empty()) REQUIRE(m.set_value("cmi.score.scaled", row.scaled) == 0);
    CHECK(m.get_value("cmi.success_status").value == row.expected);
  }
  // A threshold provided at launch applies to the resumed attempt's stored measure.
  auto s = scorm::start_session(CmiModel2004(), {});
  REQUIRE(s.model.set_value("cmi.progress_measure", "0.6") == 0);
  REQUIRE(s.model.set_value("cmi.exit", "suspend") == 0);
  scorm::end_session(s.model);
  LaunchValues launch;
  launch.lms_values = {{"cmi.completion_threshold", "0.5"}};
  auto resumed = scorm::start_session(s.model, launch);
  CHECK(resumed.model.get_value("cmi.completion_status").value == "completed");
}

TEST_CASE("review and browse modes change nothing that counts", "[session][mode]") {
  for (const std::string mode : {"review", "browse"}) {
    CAPTURE(mode);
    auto first = scorm::start_session(CmiModel2004(), {});
    REQUIRE(cmi_test::set_all(first.model, {{"cmi.score.scaled", "0.4"},
                                            {"cmi.success_status", "failed"},
                                            {"cmi.completion_status", "completed"},
                                            {"cmi.session_time", "PT10M"}}) == 0);
    scorm::end_session(first.model);
    LaunchValues launch;
    launch.mode = mode;
    auto s = scorm::start_session(first.model, launch);
    auto& m = s.model;
    CHECK(m.get_value("cmi.mode").value == mode);
    if (mode == "review") {
      CHECK(m.get_value("cmi.entry").value.empty());
      CHECK(m.get_value("cmi.score.scaled").value == "0.4");
    }
    auto before = m;
    for (const auto& [element, value] :
         std::vector<std::pair<std::string, std::string>>{{"cmi.score.scaled", "1"},
                                                          {"cmi.score.raw", "100"},
                                                          {"cmi.success_status", "passed"},
                                                          {"cmi.completion_status", "incomplete"},
                                                          {"cmi.progress_measure", "1"}}) {
      CAPTURE(element);
      CHECK(m.set_value(element, value) == 0);
      CHECK_THAT(m.get_diagnostic(), Catch::Matchers::Contains("ignored in " + mode));
      CHECK(m.is_result_element(element));
    }
    CHECK(scorm::diff(before, m).empty());
    CHECK(m.set_value("cmi.score.scaled", "7") == 407);  // still validated
    REQUIRE(m.set_value("cmi.objectives.0.id", "o1") == 0);
    CHECK(m.set_value("cmi.objectives.0.success_status", "passed") == 0);
    CHECK(m.get_value("cmi.objectives.0.success_status").value == "unknown");
    CHECK(m.set_value("cmi.location", "p9") == 0);  // bookmarks are kept
    CHECK(m.get_value("cmi.location").value == "p9");
    REQUIRE(m.set_value("cmi.session_time", "PT5M") == 0);
    auto end = scorm::end_session(m);
    CHECK(end.total_time == "PT0H10M0S");  // not accumulated outside normal mode
  }
}

TEST_CASE("invalid launch values are reported and change nothing", "[session]") {
  LaunchValues launch;
  launch.mode = "preview";
  auto s = scorm::start_session(CmiModel2004(), launch);
  CHECK(s.error == 406);
  CHECK_THAT(s.diagnostic, Catch::Matchers::StartsWith("cmi.mode"));
  LaunchValues launch2;
  launch2.lms_values = {{"cmi.scaled_passing_score", "2"}};
  CHECK(scorm::start_session(CmiModel2004(), launch2).error == 407);
  LaunchValues launch3;
  launch3.lms_values = {{"cmi.student_data.mastery_score", "high"}};
  CHECK(scorm::start_session(CmiModel12(), launch3).error == 405);
}

TEST_CASE("2004 API lifecycle error codes", "[api]") {
  CmiModel2004 model;
  scorm::ScormApi api(model);
  CHECK(api.get_value("cmi.location").empty());
  CHECK(api.last_error() == 122);
  CHECK_FALSE(api.set_value("cmi.location", "x"));
  CHECK(api.last_error() == 132);
  CHECK_FALSE(api.commit());
  CHECK(api.last_error() == 142);
  CHECK_FALSE(api.terminate());
  CHECK(api.last_error() == 112);
  CHECK_FALSE(api.initialize("x"));
  CHECK(api.last_error() == 201);
  CHECK(api.initialize());
  CHECK(api.last_error() == 0);
  CHECK_FALSE(api.initialize());
  CHECK(api.last_error() == 103);
  CHECK(api.set_value("cmi.location", "p1"));
  CHECK(api.get_value("cmi.location") == "p1");
  CHECK_FALSE(api.set_value("cmi.score.scaled", "2"));
  CHECK(api.last_error() == 407);
  CHECK(api.get_diagnostic() == "cmi.score.scaled: 2 is outside -1..1");
  CHECK(api.get_error_string(407) == "Data Model Element Value Out Of Range");
  CHECK_FALSE(api.commit("x"));
  CHECK(api.last_error() == 201);
  CHECK(api.commit());
  CHECK(api.terminate());
  CHECK_FALSE(api.terminate());
  CHECK(api.last_error() == 113);
  CHECK(api.get_value("cmi.location").empty());
  CHECK(api.last_error() == 123);
  CHECK_FALSE(api.set_value("cmi.location", "x"));
  CHECK(api.last_error() == 133);
  CHECK_FALSE(api.commit());
  CHECK(api.last_error() == 143);
  CHECK_FALSE(api.initialize());
  CHECK(api.last_error() == 104);
}

TEST_CASE("1.2 API lifecycle error codes", "[api]") {
  CmiModel12 model;
  scorm::ScormApi api(model);
  CHECK(api.get_value("cmi.core.lesson_status").empty());
  CHECK(api.last_error() == 301);
  CHECK_FALSE(api.set_value("cmi.core.lesson_status", "passed"));
  CHECK(api.last_error() == 301);
  CHECK_FALSE(api.commit());
  CHECK(api.last_error() == 301);
  CHECK_FALSE(api.terminate());
  CHECK(api.last_error() == 301);
  CHECK(api.initialize());
  CHECK_FALSE(api.initialize());
  CHECK(api.last_error() == 101);
  CHECK(api.get_error_string(101) == "General exception");
  CHECK(api.get_value("cmi.core.lesson_status") == "not attempted");
  CHECK(api.set_value("cmi.core.lesson_status", "passed"));
  CHECK_FALSE(api.set_value("cmi.core.lesson_mode", "review"));
  CHECK(api.last_error() == 403);
  CHECK(api.terminate());
  CHECK_FALSE(api.commit());
  CHECK(api.last_error() == 301);
  CHECK(api.state() == scorm::ScormApi::State::kTerminated);
}

// SCORM 2004 data model: every element's access rule, type, vocabulary, range and SPM,
// keywords, collections, id-first dependencies and the error codes 301-408.
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "cmi_test_util.h"
#include "scorm/cmi_commit.h"
#include "scorm/cmi_model.h"

using cmi_test::Pairs;
using cmi_test::repeat;
using scorm::CmiModel2004;

namespace {

const Pairs kObjective = {{"cmi.objectives.0.id", "obj-1"}};
const Pairs kInteraction = {{"cmi.interactions.0.id", "q1"}};
const Pairs kChoice = {{"cmi.interactions.0.id", "q1"}, {"cmi.interactions.0.type", "choice"}};

struct Invalid {
  std::string value;
  int code;
};

struct WritableRow {
  std::string element;
  Pairs setup;
  std::vector<std::string> valid;
  std::vector<Invalid> invalid;
  bool write_only = false;
};

const std::vector<WritableRow>& writable_rows() {
  static const std::vector<WritableRow> rows = {
      {"cmi.comments_from_learner.0.comment",
       {},
       {"", "Nice", "{lang=en}Nice", "{lang=fr-CA}Bien", repeat('c', 4000)},
       {{repeat('c', 4001), 406}, {"{lang=english}x", 406}, {"{lang=en", 406}}},
      {"cmi.comments_from_learner.0.location",
       {},
       {"", "p3", repeat('l', 250)},
       {{repeat('l', 251), 406}}},
      {"cmi.comments_from_learner.0.timestamp",
       {},
       {"2024", "2024-02", "2024-02-29", "2024-02-29T10", "2024-02-29T10:30", "2024-02-29T10:30:15",
        "2024-02-29T10:30:15.5", "2024-02-29T10:30:15.25Z", "2024-02-29T10:30:15+02",
        "2024-02-29T10:30:15.1-05:30", "1970-01-01T00:00:00Z", "2038-12-31"},
       {{"2023-02-29", 406},
        {"1969-12-31", 406},
        {"2039-01-01", 406},
        {"2024-13-01", 406},
        {"2024-01-01T24:00", 406},
        {"2024-01-01 10:00", 406},
        {"yesterday", 406},
        {"2024-01-01T10:00:00+25", 406},
        {"", 406}}},
      {"cmi.completion_status",
       {},
       {"completed", "incomplete", "not attempted", "unknown"},
       {{"passed", 406}, {"", 406}, {"Completed", 406}}},
      {"cmi.exit", {}, {"time-out", "suspend", "logout", "normal", ""}, {{"quit", 406}}, true},
      {"cmi.interactions.0.id",
       {},
       {"q1", "urn:scorm:q:1", repeat('i', 4000)},
       {{"", 406}, {"q 1", 406}, {repeat('i', 4001), 406}}},
      {"cmi.interactions.0.type",
       kInteraction,
       {"true-false", "choice", "fill-in", "long-fill-in", "matching", "performance", "sequencing",
        "likert", "numeric", "other"},
       {{"essay", 406}, {"", 406}}},
      {"cmi.interactions.0.objectives.0.id", kInteraction, {"obj-1"}, {{"", 406}, {"o b", 406}}},
      {"cmi.interactions.0.timestamp", kInteraction, {"2024-05-01T12:00:00"}, {{"12:00:00", 406}}},
      {"cmi.interactions.0.weighting",
       kInteraction,
       {"1", "-3.5", "0.0000001"},
       {{"one", 406}, {"", 406}}},
      {"cmi.interactions.0.result",
       kInteraction,
       {"correct", "incorrect", "unanticipated", "neutral", "0.5", "-2"},
       {{"wrong", 406}, {"", 406}}},
      {"cmi.interactions.0.latency",
       kInteraction,
       {"PT5S", "PT0.25S", "P1D", "PT1H30M"},
       {{"00:00:05", 406}, {"P", 406}, {"PT", 406}}},
      {"cmi.interactions.0.description",
       kInteraction,
       {"Q1", "{lang=de}Frage"},
       {{repeat('d', 251), 406}}},
      {"cmi.interactions.0.learner_response", kChoice, {"a", "a[,]b", ""}, {{"a[,]a", 406}}},
      {"cmi.interactions.0.correct_responses.0.pattern", kChoice, {"a[,]b"}, {{"a[,]a", 406}}},
      {"cmi.learner_preference.audio_level",
       {},
       {"0", "1", "2.5", "999"},
       {{"-0.1", 407}, {"loud", 406}}},
      {"cmi.learner_preference.language",
       {},
       {"", "en", "en-US", "zh-Hant-TW", "i-klingon", "x-private"},
       {{"english", 406}, {"e", 406}, {"en_US", 406}}},
      {"cmi.learner_preference.delivery_speed",
       {},
       {"0", "1", "0.5"},
       {{"-1", 407}, {"fast", 406}}},
      {"cmi.learner_preference.audio_captioning", {}, {"-1", "0", "1"}, {{"2", 406}, {"on", 406}}},
      {"cmi.location", {}, {"", "chapter-2", repeat('l', 1000)}, {{repeat('l', 1001), 406}}},
      {"cmi.objectives.0.id", {}, {"obj-1", "urn:x:obj"}, {{"", 406}, {"a b", 406}}},
      {"cmi.objectives.0.score.scaled",
       kObjective,
       {"-1", "0", "0.5", "1"},
       {{"1.5", 407}, {"-1.01", 407}, {"half", 406}}},
      {"cmi.objectives.0.score.raw", kObjective, {"-5", "250", "12.5"}, {{"x", 406}}},
      {"cmi.objectives.0.score.min", kObjective, {"0"}, {{"", 406}}},
      {"cmi.objectives.0.score.max", kObjective, {"100"}, {{"max", 406}}},
      {"cmi.objectives.0.success_status",
       kObjective,
       {"passed", "failed", "unknown"},
       {{"completed", 406}}},
      {"cmi.objectives.0.completion_status",
       kObjective,
       {"completed", "incomplete", "not attempted", "unknown"},
       {{"passed", 406}}},
      {"cmi.objectives.0.progress_measure",
       kObjective,
       {"0", "0.75", "1"},
       {{"1.1", 407}, {"-0.1", 407}}},
      {"cmi.objectives.0.description",
       kObjective,
       {"Know X", "{lang=en}Know X"},
       {{repeat('d', 251), 406}}},
      {"cmi.progress_measure", {}, {"0", "0.3", "1"}, {{"2", 407}, {"-1", 407}, {"most", 406}}},
      {"cmi.score.scaled", {}, {"-1", "0.85", "1"}, {{"1.5", 407}, {"-2", 407}, {"", 406}}},
      {"cmi.score.raw", {}, {"85", "-10", "1000.5"}, {{"85%", 406}}},
      {"cmi.score.min", {}, {"0"}, {{"zero", 406}}},
      {"cmi.score.max", {}, {"100"}, {{"1,000", 406}}},
      {"cmi.session_time",
       {},
       {"PT0S", "PT1H2M3.45S", "P1Y2M3DT4H5M6S", "PT120M"},
       {{"PT-5S", 406}, {"1:00:00", 406}, {"P1W", 406}, {"PT1.5M", 406}, {"PT1S2M", 406}},
       true},
      {"cmi.success_status", {}, {"passed", "failed", "unknown"}, {{"completed", 406}}},
      {"cmi.suspend_data", {}, {"", "state", repeat('s', 64000)}, {{repeat('s', 64001), 406}}},
      {"adl.nav.request",
       {},
       {"continue", "previous", "exit", "exitAll", "abandon", "abandonAll", "suspendAll", "_none_",
        "{target=sco-2}choice", "{target=sco-2}jump"},
       {{"start", 406}, {"choice", 406}, {"{target=}choice", 406}, {"{target=x}go", 406}}},
  };
  return rows;
}

struct ReadOnlyRow {
  std::string element;
  std::string initial;  // "" with initial_error 403 when not initialized
  int initial_error;
  std::string lms_value;
};

const std::vector<ReadOnlyRow>& read_only_rows() {
  static const std::vector<ReadOnlyRow> rows = {
      {"cmi._version", "1.0", 0, ""},
      {"cmi.completion_threshold", "", 403, "0.8"},
      {"cmi.credit", "credit", 0, "no-credit"},
      {"cmi.entry", "ab-initio", 0, "resume"},
      {"cmi.launch_data", "", 403, "chapter=2"},
      {"cmi.learner_id", "", 0, "urn:learner:42"},
      {"cmi.learner_name", "", 0, "{lang=en}Jane Doe"},
      {"cmi.max_time_allowed", "", 403, "PT1H"},
      {"cmi.mode", "normal", 0, "browse"},
      {"cmi.scaled_passing_score", "", 403, "0.7"},
      {"cmi.time_limit_action", "continue,no message", 0, "exit,message"},
      {"cmi.total_time", "PT0H0M0S", 0, "PT2H"},
      {"adl.nav.request_valid.continue", "unknown", 0, "true"},
      {"adl.nav.request_valid.previous", "unknown", 0, "false"},
  };
  return rows;
}

}  // namespace

TEST_CASE("2004 writable elements: type mismatch 406 and out of range 407", "[cmi2004]") {
  for (const auto& row : writable_rows()) {
    CAPTURE(row.element);
    for (const auto& value : row.valid) {
      CAPTURE(value);
      CmiModel2004 m;
      REQUIRE(cmi_test::set_all(m, row.setup) == 0);
      CHECK(m.set_value(row.element, value) == 0);
      auto got = m.get_value(row.element);
      if (row.write_only) {
        CHECK(got.error == 405);
        CHECK(m.stored(row.element) == value);
      } else {
        CHECK(got.error == 0);
        CHECK(got.value == value);
      }
    }
    for (const auto& bad : row.invalid) {
      CAPTURE(bad.value);
      CmiModel2004 m;
      REQUIRE(cmi_test::set_all(m, row.setup) == 0);
      auto before = m.values();
      CHECK(m.set_value(row.element, bad.value) == bad.code);
      CHECK(m.values() == before);
      CHECK_THAT(m.get_diagnostic(), Catch::Matchers::StartsWith(row.element));
    }
  }
}

TEST_CASE("2004 read-only elements: 404 on SetValue, 403 until initialized", "[cmi2004]") {
  for (const auto& row : read_only_rows()) {
    CAPTURE(row.element);
    CmiModel2004 m;
    auto got = m.get_value(row.element);
    CHECK(got.error == row.initial_error);
    CHECK(got.value == row.initial);
    CHECK(m.set_value(row.element, row.lms_value.empty() ? "x" : row.lms_value) == 404);
    if (row.lms_value.empty()) continue;
    CHECK(m.set_lms_value(row.element, row.lms_value) == 0);
    CHECK(m.get_value(row.element).value == row.lms_value);
  }
}

TEST_CASE("2004 values never set answer 403", "[cmi2004]") {
  CmiModel2004 m;
  for (const char* e : {"cmi.location", "cmi.suspend_data", "cmi.progress_measure",
                        "cmi.score.scaled", "cmi.score.raw", "cmi.score.min", "cmi.score.max"}) {
    CAPTURE(e);
    auto got = m.get_value(e);
    CHECK(got.error == 403);
    CHECK(m.get_error_string(got.error) == "Data Model Element Value Not Initialized");
  }
  REQUIRE(m.set_value("cmi.interactions.0.id", "q1") == 0);
  CHECK(m.get_value("cmi.interactions.0.type").error == 403);
  CHECK(m.get_value("cmi.interactions.0.learner_response").error == 403);
  CHECK(m.get_value("cmi.interactions.0.id").value == "q1");
  REQUIRE(m.set_value("cmi.objectives.0.id", "o1") == 0);
  CHECK(m.get_value("cmi.objectives.0.success_status").value == "unknown");
  CHECK(m.get_value("cmi.objectives.0.completion_status").value == "unknown");
  CHECK(m.get_value("cmi.objectives.0.progress_measure").error == 403);
  CHECK(m.get_value("cmi.objectives.0.description").error == 403);
  CHECK(m.get_value("cmi.learner_preference.audio_level").value == "1");
  CHECK(m.get_value("cmi.learner_preference.delivery_speed").value == "1");
  CHECK(m.get_value("cmi.learner_preference.audio_captioning").value == "0");
  CHECK(m.get_value("cmi.learner_preference.language").value.empty());
  CHECK(m.get_value("cmi.completion_status").value == "unknown");
  CHECK(m.get_value("cmi.success_status").value == "unknown");
  CHECK(m.get_value("adl.nav.request").value == "_none_");
}

TEST_CASE("2004 keywords", "[cmi2004]") {
  CmiModel2004 m;
  struct Row {
    const char* element;
    const char* value;
  };
  const std::vector<Row> rows = {
      {"cmi.comments_from_learner._children", "comment,location,timestamp"},
      {"cmi.comments_from_lms._children", "comment,location,timestamp"},
      {"cmi.interactions._children",
       "id,type,objectives,timestamp,correct_responses,weighting,learner_response,result,"
       "latency,description"},
      {"cmi.learner_preference._children", "audio_level,language,delivery_speed,audio_captioning"},
      {"cmi.objectives._children",
       "id,score,success_status,completion_status,progress_measure,description"},
      {"cmi.objectives.0.score._children", "scaled,raw,min,max"},
      {"cmi.score._children", "scaled,raw,min,max"},
      {"adl.data._children", "id,store"},
      {"cmi.comments_from_learner._count", "0"},
      {"cmi.comments_from_lms._count", "0"},
      {"cmi.interactions._count", "0"},
      {"cmi.objectives._count", "0"},
      {"adl.data._count", "0"},
  };
  for (const auto& row : rows) {
    CAPTURE(row.element);
    auto got = m.get_value(row.element);
    CHECK(got.error == 0);
    CHECK(got.value == row.value);
    CHECK(m.set_value(row.element, row.value) == 404);
  }
  CHECK(m.set_value("cmi._version", "1.0") == 404);
}

TEST_CASE("2004 error codes 301, 351, 401, 405", "[cmi2004]") {
  CmiModel2004 m;
  struct Row {
    const char* element;
    int code;
  };
  const std::vector<Row> get_rows = {
      {"", 301},
      {"cmi.core.lesson_status", 401},  // a 1.2 name
      {"cmi.garbage", 401},
      {"adl.nav.nothing", 401},
      {"cmi.objectives.0.id", 301},  // _count is 0
      {"cmi.interactions.0.objectives._count", 301},
      {"cmi.completion_status._children", 301},
      {"cmi.location._count", 301},
      {"cmi.learner_preference._count", 301},
      {"cmi.score", 301},
      {"cmi.exit", 405},
      {"cmi.session_time", 405},
      {"cmi.location._version", 401},
  };
  for (const auto& row : get_rows) {
    CAPTURE(row.element);
    CHECK(m.get_value(row.element).error == row.code);
  }
  const std::vector<Row> set_rows = {
      {"", 351},
      {"cmi.garbage", 401},
      {"cmi.objectives.1.id", 351},  // skips index 0
      {"cmi.score", 351},
  };
  for (const auto& row : set_rows) {
    CAPTURE(row.element);
    CHECK(m.set_value(row.element, "x") == row.code);
  }
}

TEST_CASE("2004 id first: 408 for any other field of a new record", "[cmi2004]") {
  CmiModel2004 m;
  const std::vector<std::string> dependent = {"cmi.objectives.0.score.scaled",
                                              "cmi.objectives.0.success_status",
                                              "cmi.objectives.0.completion_status",
                                              "cmi.objectives.0.progress_measure",
                                              "cmi.objectives.0.description",
                                              "cmi.objectives.0.score.raw",
                                              "cmi.interactions.0.type",
                                              "cmi.interactions.0.timestamp",
                                              "cmi.interactions.0.weighting",
                                              "cmi.interactions.0.result",
                                              "cmi.interactions.0.latency",
                                              "cmi.interactions.0.description",
                                              "cmi.interactions.0.learner_response",
                                              "cmi.interactions.0.objectives.0.id",
                                              "cmi.interactions.0.correct_responses.0.pattern"};
  const std::vector<std::string> values = {"0.5",  "passed", "completed", "0.5", "d",
                                           "1",    "choice", "2024",      "1",   "correct",
                                           "PT1S", "d",      "a",         "o",   "a"};
  for (std::size_t i = 0; i < dependent.size(); ++i) {
    CAPTURE(dependent[i]);
    CHECK(m.set_value(dependent[i], values[i]) == 408);
    CHECK(m.get_error_string(408) == "Data Model Dependency Not Established");
  }
  CHECK(m.get_value("cmi.objectives._count").value == "0");
  CHECK(m.get_value("cmi.interactions._count").value == "0");
}

TEST_CASE("2004 learner_response and correct_responses need the interaction type", "[cmi2004]") {
  CmiModel2004 m;
  REQUIRE(m.set_value("cmi.interactions.0.id", "q1") == 0);
  CHECK(m.set_value("cmi.interactions.0.learner_response", "true") == 408);
  CHECK(m.set_value("cmi.interactions.0.correct_responses.0.pattern", "true") == 408);
  CHECK(m.get_diagnostic() ==
        "cmi.interactions.0.correct_responses.0.pattern: set cmi.interactions.0.type first");
  REQUIRE(m.set_value("cmi.interactions.0.type", "true-false") == 0);
  CHECK(m.set_value("cmi.interactions.0.learner_response", "true") == 0);
  CHECK(m.set_value("cmi.interactions.0.correct_responses.0.pattern", "true") == 0);
}

TEST_CASE("2004 collections fill in order (351)", "[cmi2004]") {
  CmiModel2004 m;
  CHECK(m.set_value("cmi.interactions.1.id", "q2") == 351);
  CHECK(m.set_value("cmi.interactions.0.id", "q1") == 0);
  CHECK(m.set_value("cmi.interactions.1.id", "q2") == 0);
  CHECK(m.set_value("cmi.interactions.3.id", "q4") == 351);
  CHECK(m.set_value("cmi.interactions.0.objectives.1.id", "o") == 351);
  CHECK(m.set_value("cmi.interactions.0.objectives.0.id", "o1") == 0);
  CHECK(m.set_value("cmi.interactions.0.objectives.1.id", "o2") == 0);
  CHECK(m.get_value("cmi.interactions.0.objectives._count").value == "2");
  CHECK(m.get_value("cmi.interactions.1.objectives._count").value == "0");
  CHECK(m.set_value("cmi.comments_from_learner.1.comment", "x") == 351);
  CHECK(m.set_value("cmi.comments_from_learner.0.location", "p1") == 0);  // any field creates
  CHECK(m.get_value("cmi.comments_from_learner._count").value == "1");
  CHECK(m.get_value("cmi.comments_from_learner.0.comment").error == 403);
  for (int i = 2; i < 25; ++i)
    REQUIRE(m.set_value("cmi.interactions." + std::to_string(i) + ".id", "q" + std::to_string(i)) ==
            0);
  CHECK(m.get_value("cmi.interactions._count").value == "25");
}

TEST_CASE("2004 objective ids are unique and immutable (351)", "[cmi2004]") {
  CmiModel2004 m;
  REQUIRE(m.set_value("cmi.objectives.0.id", "a") == 0);
  CHECK(m.set_value("cmi.objectives.0.id", "a") == 0);  // same value is fine
  CHECK(m.set_value("cmi.objectives.0.id", "b") == 351);
  CHECK(m.get_diagnostic() == "cmi.objectives.0.id: the id is already 'a' and cannot change");
  CHECK(m.set_value("cmi.objectives.1.id", "a") == 351);
  CHECK(m.set_value("cmi.objectives.1.id", "b") == 0);
  REQUIRE(m.set_value("cmi.interactions.0.id", "q") == 0);
  REQUIRE(m.set_value("cmi.interactions.0.objectives.0.id", "a") == 0);
  CHECK(m.set_value("cmi.interactions.0.objectives.1.id", "a") == 351);
  CHECK(m.set_value("cmi.interactions.0.objectives.1.id", "b") == 0);
}

TEST_CASE("2004 comments_from_lms and adl.data come from the LMS", "[cmi2004]") {
  CmiModel2004 m;
  CHECK(m.set_value("cmi.comments_from_lms.0.comment", "hi") == 404);
  REQUIRE(m.set_lms_value("cmi.comments_from_lms.0.comment", "{lang=en}Welcome") == 0);
  REQUIRE(m.set_lms_value("cmi.comments_from_lms.0.timestamp", "2024-01-01T09:00:00Z") == 0);
  CHECK(m.get_value("cmi.comments_from_lms._count").value == "1");
  CHECK(m.get_value("cmi.comments_from_lms.0.comment").value == "{lang=en}Welcome");
  CHECK(m.get_value("cmi.comments_from_lms.0.location").error == 403);

  CHECK(m.set_value("adl.data.0.store", "x") == 351);  // no record: the SCO cannot add one
  CHECK(m.set_value("adl.data.0.id", "urn:shared") == 404);
  REQUIRE(m.set_lms_value("adl.data.0.id", "urn:shared") == 0);
  CHECK(m.get_value("adl.data._count").value == "1");
  CHECK(m.get_value("adl.data.0.id").value == "urn:shared");
  CHECK(m.get_value("adl.data.0.store").error == 403);
  CHECK(m.set_value("adl.data.0.store", "shared state") == 0);
  CHECK(m.get_value("adl.data.0.store").value == "shared state");
  CHECK(m.set_value("adl.data.1.store", "x") == 351);
}

TEST_CASE("2004 adl.nav.request_valid choice and jump targets", "[cmi2004]") {
  CmiModel2004 m;
  CHECK(m.get_value("adl.nav.request_valid.choice.{target=sco.2}").value == "unknown");
  CHECK(m.get_value("adl.nav.request_valid.jump.{target=x}").value == "unknown");
  CHECK(m.set_value("adl.nav.request_valid.choice.{target=x}", "true") == 404);
  CHECK(m.get_value("adl.nav.request_valid.choice.{target=}").error == 401);
}

TEST_CASE("2004 3rd Edition: suspend_data 4000 and no adl.data (402)", "[cmi2004]") {
  scorm::CmiOptions options;
  options.edition = 3;
  CmiModel2004 m(options);
  CHECK(m.set_value("cmi.suspend_data", repeat('s', 4000)) == 0);
  CHECK(m.set_value("cmi.suspend_data", repeat('s', 4001)) == 406);
  CHECK(m.get_value("adl.data._count").error == 402);
  CHECK(m.set_value("adl.data.0.store", "x") == 402);
  CHECK(m.get_error_string(402) == "Unimplemented Data Model Element");
}

TEST_CASE("2004 error strings", "[cmi2004]") {
  CmiModel2004 m;
  const std::vector<std::pair<int, const char*>> rows = {
      {0, "No Error"},
      {101, "General Exception"},
      {102, "General Initialization Failure"},
      {103, "Already Initialized"},
      {104, "Content Instance Terminated"},
      {111, "General Termination Failure"},
      {112, "Termination Before Initialization"},
      {113, "Termination After Termination"},
      {122, "Retrieve Data Before Initialization"},
      {123, "Retrieve Data After Termination"},
      {132, "Store Data Before Initialization"},
      {133, "Store Data After Termination"},
      {142, "Commit Before Initialization"},
      {143, "Commit After Termination"},
      {201, "General Argument Error"},
      {301, "General Get Failure"},
      {351, "General Set Failure"},
      {391, "General Commit Failure"},
      {401, "Undefined Data Model Element"},
      {402, "Unimplemented Data Model Element"},
      {403, "Data Model Element Value Not Initialized"},
      {404, "Data Model Element Is Read Only"},
      {405, "Data Model Element Is Write Only"},
      {406, "Data Model Element Type Mismatch"},
      {407, "Data Model Element Value Out Of Range"},
      {408, "Data Model Dependency Not Established"},
  };
  for (const auto& [code, text] : rows) {
    CAPTURE(code);
    CHECK(m.get_error_string(code) == text);
    CHECK(scorm::is_standard_error(scorm::ScormVersion::kScorm2004, code));
  }
  CHECK(m.get_error_string(202).empty());
  CHECK(m.get_error_string(999).empty());
}

TEST_CASE("2004 diagnostics", "[cmi2004]") {
  CmiModel2004 m;
  CHECK(m.set_value("cmi.score.scaled", "1.5") == 407);
  CHECK(m.get_diagnostic() == "cmi.score.scaled: 1.5 is outside -1..1");
  CHECK(m.set_value("cmi.learner_preference.audio_level", "-1") == 407);
  CHECK(m.get_diagnostic() == "cmi.learner_preference.audio_level: -1 is below 0");
  CHECK(m.set_value("cmi.completion_status", "done") == 406);
  CHECK(m.get_diagnostic() ==
        "cmi.completion_status: 'done' is not one of completed, incomplete, not attempted, "
        "unknown");
  CHECK(m.get_value("cmi.objectives.2.id").error == 301);
  CHECK(m.get_diagnostic() ==
        "cmi.objectives.2.id: index 2 is not below cmi.objectives._count (0)");
}

TEST_CASE("2004 names nested deeper than the data model are undefined", "[cmi2004]") {
  // Element names are parsed keeping at most a few indexes; deeper names must still be
  // refused as unknown, whatever they end with.
  CmiModel2004 m;
  REQUIRE(m.set_value("cmi.interactions.0.id", "q1") == 0);
  REQUIRE(m.set_value("cmi.interactions.0.objectives.0.id", "o1") == 0);
  const std::string deep = "cmi.interactions.0.objectives.0.a.1.b.2.c.3.d.4";
  CHECK(m.set_value(deep, "x") == 401);
  CHECK(m.get_diagnostic() == deep + " is not a data model element");
  CHECK(m.get_value(deep).error == 401);
  CHECK(m.get_value(deep + "._count").error == 401);
  CHECK(m.get_value(deep + "._children").error == 401);
  CHECK(m.set_value(deep + ".id", "x") == 401);
  CHECK(m.is_read_only(deep + "._count"));
  CHECK_FALSE(m.is_read_only(deep));
  // A collection name longer than any the model knows has no records.
  CHECK(m.count(std::string(300, 'c')) == 0);
  CHECK(m.count("cmi.interactions.0.objectives") == 1);
  CHECK(m.get_value("cmi.interactions.0.objectives._count").value == "1");
}

TEST_CASE("2004 copied, assigned and moved models look up their own values", "[cmi2004]") {
  // Values are found through an index of the ordered map's nodes: every copy must index
  // its own nodes, and a moved model keeps finding the nodes it took over.
  CmiModel2004 a;
  REQUIRE(a.set_value("cmi.location", "a") == 0);
  REQUIRE(a.set_value("cmi.interactions.0.id", "q1") == 0);
  CmiModel2004 b = a;
  REQUIRE(b.set_value("cmi.location", "b") == 0);
  REQUIRE(b.set_value("cmi.interactions.1.id", "q2") == 0);
  CHECK(*a.find("cmi.location") == "a");
  CHECK(*b.find("cmi.location") == "b");
  CHECK(a.find("cmi.interactions.1.id") == nullptr);
  CHECK(a.count("cmi.interactions") == 1);
  CHECK(b.count("cmi.interactions") == 2);

  CmiModel2004 c;
  c = b;  // assigned over a model with values of its own
  CHECK(*c.find("cmi.location") == "b");
  REQUIRE(c.set_value("cmi.location", "c") == 0);
  CHECK(*b.find("cmi.location") == "b");

  CmiModel2004 moved = std::move(c);
  CHECK(*moved.find("cmi.location") == "c");
  CHECK(*moved.find("cmi.interactions.1.id") == "q2");
  REQUIRE(moved.set_value("cmi.suspend_data", "s") == 0);
  CHECK(moved.get_value("cmi.suspend_data").value == "s");
  a = std::move(moved);
  CHECK(*a.find("cmi.location") == "c");
  CHECK(*a.find("cmi.suspend_data") == "s");

  // A rejected commit in place removes what it added, from the lookups too.
  a.start_tracking();
  CHECK(
      scorm::apply_commit(a, {{"cmi.interactions.2.id", "q3"}, {"cmi.score.scaled", "9"}}).error ==
      407);
  a.stop_tracking();
  CHECK(a.find("cmi.interactions.2.id") == nullptr);
  CHECK(a.get_value("cmi.interactions._count").value == "2");
  // The record it created is gone for the checks of later writes too.
  CHECK(a.set_value("cmi.interactions.2.type", "choice") == 408);
  CHECK(a.set_value("cmi.interactions.3.id", "q4") == 351);
  REQUIRE(a.set_value("cmi.interactions.2.id", "q3") == 0);
  CHECK(a.set_value("cmi.interactions.2.type", "choice") == 0);
  CHECK(a.set_value("cmi.interactions.2.objectives.1.id", "o") == 351);
  for (const auto& [element, value] : a.values()) {
    CAPTURE(element);
    REQUIRE(a.find(element) != nullptr);
    CHECK(*a.find(element) == value);
  }
}

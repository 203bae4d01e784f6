// SCORM 1.2 data model: every element's access rule, type, vocabulary, range and length,
// the keywords and the error codes 201-405.
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "cmi_test_util.h"
#include "scorm/cmi_model.h"

using cmi_test::Pairs;
using cmi_test::repeat;
using scorm::CmiModel12;

namespace {

struct WritableRow {
  std::string element;
  Pairs setup;  // values set before (e.g. the interaction type)
  std::vector<std::string> valid;
  std::vector<std::string> invalid;  // all answer 405
  bool write_only;
};

const std::vector<WritableRow>& writable_rows() {
  static const std::vector<WritableRow> rows = {
      {"cmi.core.lesson_location", {}, {"", "page-3", repeat('x', 255)}, {repeat('x', 256)}, false},
      {"cmi.core.lesson_status",
       {},
       {"passed", "completed", "failed", "incomplete", "browsed"},
       {"not attempted", "done", "Passed", ""},
       false},
      {"cmi.core.score.raw",
       {},
       {"", "0", "85.5", "100", "0.0"},
       {"101", "-1", "abc", "1e2", "+5"},
       false},
      {"cmi.core.score.min", {}, {"0", "12.25"}, {"-0.5", "x"}, false},
      {"cmi.core.score.max", {}, {"100", "99.999"}, {"100.01", " 5"}, false},
      {"cmi.core.exit", {}, {"time-out", "suspend", "logout", ""}, {"normal", "quit"}, true},
      {"cmi.core.session_time",
       {},
       {"00:00:00", "0000:10:00.5", "9999:59:59.99", "12:30:05.25"},
       {"10:00", "PT5M", "00000:00:00", "00:00:00.123", "aa:bb:cc"},
       true},
      {"cmi.suspend_data", {}, {"", "A=1;B=2", repeat('s', 4096)}, {repeat('s', 4097)}, false},
      {"cmi.comments", {}, {"great course", repeat('c', 4096)}, {repeat('c', 4097)}, false},
      {"cmi.objectives.0.id", {}, {"obj-1", "x"}, {"", "has space", repeat('o', 256)}, false},
      {"cmi.objectives.0.score.raw", {}, {"", "50"}, {"150", "fifty"}, false},
      {"cmi.objectives.0.score.min", {}, {"0"}, {"-3"}, false},
      {"cmi.objectives.0.score.max", {}, {"100"}, {"200"}, false},
      {"cmi.objectives.0.status",
       {},
       {"passed", "completed", "failed", "incomplete", "browsed", "not attempted"},
       {"unknown", ""},
       false},
      {"cmi.student_preference.audio", {}, {"-1", "0", "100"}, {"-2", "101", "1.5", "loud"}, false},
      {"cmi.student_preference.language",
       {},
       {"", "en-US", repeat('l', 255)},
       {repeat('l', 256)},
       false},
      {"cmi.student_preference.speed", {}, {"-100", "0", "100"}, {"-101", "101", "fast"}, false},
      {"cmi.student_preference.text", {}, {"-1", "0", "1"}, {"2", "-2", "on"}, false},
      {"cmi.interactions.0.id", {}, {"q1", "question_7"}, {"", "q 1"}, true},
      {"cmi.interactions.0.objectives.0.id", {}, {"obj-1"}, {"", "a b"}, true},
      {"cmi.interactions.0.time",
       {},
       {"13:45:00", "00:00:00.5", "23:59:59.99"},
       {"24:00:00", "1:00:00", "12:60:00", "2024-01-01T10:00:00"},
       true},
      {"cmi.interactions.0.type",
       {},
       {"true-false", "choice", "fill-in", "matching", "performance", "sequencing", "likert",
        "numeric"},
       {"long-fill-in", "other", ""},
       true},
      {"cmi.interactions.0.weighting", {}, {"1", "-2.5", "0"}, {"heavy", ""}, true},
      {"cmi.interactions.0.result",
       {},
       {"correct", "wrong", "unanticipated", "neutral", "0.75", "3"},
       {"incorrect", "right", ""},
       true},
      {"cmi.interactions.0.latency", {}, {"00:00:05", "0000:00:05.25"}, {"PT5S", "5"}, true},
      {"cmi.interactions.0.student_response",
       {},
       {"anything at all", ""},
       {repeat('r', 256)},
       true},
      {"cmi.interactions.0.correct_responses.0.pattern", {}, {"a,b"}, {repeat('p', 256)}, true},
  };
  return rows;
}

struct ReadOnlyRow {
  std::string element;
  std::string initial;
  std::string lms_value;  // a valid value the LMS may provide
};

const std::vector<ReadOnlyRow>& read_only_rows() {
  static const std::vector<ReadOnlyRow> rows = {
      {"cmi.core.student_id", "", "learner-42"},
      {"cmi.core.student_name", "", "Doe, Jane"},
      {"cmi.core.credit", "credit", "no-credit"},
      {"cmi.core.entry", "ab-initio", "resume"},
      {"cmi.core.total_time", "0000:00:00", "0001:30:00.50"},
      {"cmi.core.lesson_mode", "normal", "review"},
      {"cmi.launch_data", "", "{\"chapter\":2}"},
      {"cmi.comments_from_lms", "", "Please finish by Friday"},
      {"cmi.student_data.mastery_score", "", "80"},
      {"cmi.student_data.max_time_allowed", "", "0000:45:00"},
      {"cmi.student_data.time_limit_action", "", "exit,message"},
  };
  return rows;
}

}  // namespace

TEST_CASE("1.2 writable elements accept their type and reject the rest with 405", "[cmi12]") {
  for (const auto& row : writable_rows()) {
    CAPTURE(row.element);
    for (const auto& value : row.valid) {
      CAPTURE(value);
      CmiModel12 m;
      REQUIRE(cmi_test::set_all(m, row.setup) == 0);
      CHECK(m.set_value(row.element, value) == 0);
      CHECK(m.last_error() == 0);
      auto got = m.get_value(row.element);
      if (row.write_only) {
        CHECK(got.error == 404);
        CHECK(m.stored(row.element) == value);
      } else {
        CHECK(got.error == 0);
        CHECK(got.value == value);
      }
    }
    for (const auto& value : row.invalid) {
      CAPTURE(value);
      CmiModel12 m;
      REQUIRE(cmi_test::set_all(m, row.setup) == 0);
      auto before = m.values();
      CHECK(m.set_value(row.element, value) == 405);
      CHECK(m.last_error() == 405);
      CHECK(m.values() == before);
      CHECK_THAT(m.get_diagnostic(), Catch::Matchers::StartsWith(row.element));
    }
  }
}

TEST_CASE("1.2 read-only elements answer their initial value and refuse SetValue with 403",
          "[cmi12]") {
  for (const auto& row : read_only_rows()) {
    CAPTURE(row.element);
    CmiModel12 m;
    auto got = m.get_value(row.element);
    CHECK(got.error == 0);
    CHECK(got.value == row.initial);
    CHECK(m.set_value(row.element, row.lms_value) == 403);
    CHECK(m.get_value(row.element).value == row.initial);
    CHECK(m.set_lms_value(row.element, row.lms_value) == 0);
    CHECK(m.get_value(row.element).value == row.lms_value);
  }
}

TEST_CASE("1.2 LMS values are type-checked too", "[cmi12]") {
  CmiModel12 m;
  CHECK(m.set_lms_value("cmi.core.credit", "maybe") == 405);
  CHECK(m.set_lms_value("cmi.core.lesson_mode", "preview") == 405);
  CHECK(m.set_lms_value("cmi.core.entry", "restart") == 405);
  CHECK(m.set_lms_value("cmi.student_data.mastery_score", "120") == 405);
  CHECK(m.set_lms_value("cmi.student_data.time_limit_action", "stop") == 405);
  CHECK(m.set_lms_value("cmi.core.total_time", "PT1H") == 405);
  CHECK(m.set_lms_value("cmi.launch_data", repeat('d', 4097)) == 405);
  CHECK(m.set_lms_value("cmi.core.student_name", repeat('n', 256)) == 405);
  CHECK(m.set_lms_value("cmi.core.lesson_status", "not attempted") == 0);
}

TEST_CASE("1.2 keywords", "[cmi12]") {
  CmiModel12 m;
  struct Row {
    const char* element;
    const char* value;
  };
  const std::vector<Row> rows = {
      {"cmi._version", "3.4"},
      {"cmi.core._children",
       "student_id,student_name,lesson_location,credit,lesson_status,entry,score,total_time,"
       "lesson_mode,exit,session_time"},
      {"cmi.core.score._children", "raw,min,max"},
      {"cmi.objectives._children", "id,score,status"},
      {"cmi.objectives.0.score._children", "raw,min,max"},
      {"cmi.student_data._children", "mastery_score,max_time_allowed,time_limit_action"},
      {"cmi.student_preference._children", "audio,language,speed,text"},
      {"cmi.interactions._children",
       "id,objectives,time,type,correct_responses,weighting,student_response,result,latency"},
      {"cmi.objectives._count", "0"},
      {"cmi.interactions._count", "0"},
  };
  for (const auto& row : rows) {
    CAPTURE(row.element);
    auto got = m.get_value(row.element);
    CHECK(got.error == 0);
    CHECK(got.value == row.value);
    CHECK(m.set_value(row.element, row.value) == 402);
  }
}

TEST_CASE("1.2 error codes 201, 202, 203", "[cmi12]") {
  CmiModel12 m;
  struct Row {
    const char* element;
    int get_code;
  };
  const std::vector<Row> rows = {
      {"", 201},
      {"cmi.core.garbage", 201},
      {"cmi.learner_id", 201},  // a 2004 name
      {"cmi", 201},
      {"cmi.core", 201},
      {"cmi.objectives.0.id", 201},  // no record yet
      {"cmi.objectives.00.id", 201},
      {"cmi.core..exit", 201},
      {"cmi.core.lesson_status._children", 202},
      {"cmi.suspend_data._children", 202},
      {"cmi.core._count", 203},
      {"cmi.core.score._count", 203},
      {"cmi.student_preference._count", 203},
      {"cmi.core._version", 201},
      {"cmi.interactions.0.objectives._count", 201},  // interaction 0 does not exist
      {"cmi.core.exit", 404},
      {"cmi.core.session_time", 404},
  };
  for (const auto& row : rows) {
    CAPTURE(row.element);
    auto got = m.get_value(row.element);
    CHECK(got.error == row.get_code);
    CHECK(got.value.empty());
    CHECK(m.last_error() == row.get_code);
    CHECK_FALSE(m.get_diagnostic().empty());
  }
  CHECK(m.set_value("", "x") == 201);
  CHECK(m.set_value("cmi.core.garbage", "x") == 201);
  CHECK(m.set_value("cmi.core._children", "x") == 402);
  CHECK(m.set_value("cmi.objectives._count", "1") == 402);
  CHECK(m.set_value("cmi._version", "3.4") == 402);
}

TEST_CASE("1.2 collections fill in order, nested ones too", "[cmi12]") {
  CmiModel12 m;
  CHECK(m.set_value("cmi.objectives.1.id", "b") == 201);
  CHECK(m.get_value("cmi.objectives._count").value == "0");
  CHECK(m.set_value("cmi.objectives.0.id", "a") == 0);
  CHECK(m.get_value("cmi.objectives._count").value == "1");
  CHECK(m.set_value("cmi.objectives.1.status", "passed") == 0);  // no id-first rule in 1.2
  CHECK(m.get_value("cmi.objectives._count").value == "2");
  CHECK(m.get_value("cmi.objectives.1.id").value.empty());
  CHECK(m.set_value("cmi.objectives.3.id", "d") == 201);

  CHECK(m.set_value("cmi.interactions.0.objectives.0.id", "a") == 0);
  CHECK(m.get_value("cmi.interactions._count").value == "1");
  CHECK(m.get_value("cmi.interactions.0.objectives._count").value == "1");
  CHECK(m.get_value("cmi.interactions.0.correct_responses._count").value == "0");
  CHECK(m.set_value("cmi.interactions.0.correct_responses.1.pattern", "a") == 201);
  CHECK(m.set_value("cmi.interactions.0.correct_responses.0.pattern", "a") == 0);
  CHECK(m.get_value("cmi.interactions.0.correct_responses._count").value == "1");
  CHECK(m.get_value("cmi.interactions.0.id").error == 404);
  CHECK(m.get_value("cmi.interactions.0.objectives.0.id").error == 404);
  CHECK(m.get_value("cmi.interactions.1.objectives._count").error == 201);

  for (int i = 1; i < 12; ++i)
    REQUIRE(m.set_value("cmi.interactions." + std::to_string(i) + ".id", "q" + std::to_string(i)) ==
            0);
  CHECK(m.get_value("cmi.interactions._count").value == "12");
  CHECK(m.stored("cmi.interactions.11.id") == "q11");
}

TEST_CASE("1.2 suspend_data limit is configurable", "[cmi12]") {
  scorm::CmiOptions options;
  options.suspend_data_max = 64000;
  CmiModel12 m(options);
  CHECK(m.set_value("cmi.suspend_data", repeat('s', 64000)) == 0);
  CHECK(m.set_value("cmi.suspend_data", repeat('s', 64001)) == 405);
  CmiModel12 plain;
  CHECK(plain.options().suspend_data_max == 4096);
}

TEST_CASE("1.2 lengths count characters, not bytes", "[cmi12]") {
  CmiModel12 m;
  std::string e_acute = "\xC3\xA9";  // é, two bytes
  std::string text;
  for (int i = 0; i < 255; ++i) text += e_acute;
  CHECK(m.set_value("cmi.core.lesson_location", text) == 0);
  CHECK(m.set_value("cmi.core.lesson_location", text + "x") == 405);
}

TEST_CASE("1.2 error strings", "[cmi12]") {
  CmiModel12 m;
  CHECK(m.get_error_string(0) == "No error");
  CHECK(m.get_error_string(101) == "General exception");
  CHECK(m.get_error_string(201) == "Invalid argument error");
  CHECK(m.get_error_string(202) == "Element cannot have children");
  CHECK(m.get_error_string(203) == "Element not an array - cannot have count");
  CHECK(m.get_error_string(301) == "Not initialized");
  CHECK(m.get_error_string(401) == "Not implemented error");
  CHECK(m.get_error_string(402) == "Invalid set value, element is a keyword");
  CHECK(m.get_error_string(403) == "Element is read only");
  CHECK(m.get_error_string(404) == "Element is write only");
  CHECK(m.get_error_string(405) == "Incorrect data type");
  CHECK(m.get_error_string(406).empty());
  CHECK(m.get_error_string(351).empty());
  CHECK_FALSE(scorm::is_standard_error(scorm::ScormVersion::kScorm12, 408));
}

TEST_CASE("1.2 diagnostics explain the failure", "[cmi12]") {
  CmiModel12 m;
  CHECK(m.set_value("cmi.core.score.raw", "150") == 405);
  CHECK(m.get_diagnostic() == "cmi.core.score.raw: 150 is outside 0..100");
  CHECK(m.set_value("cmi.core.lesson_status", "not attempted") == 405);
  CHECK(m.get_diagnostic() == "cmi.core.lesson_status: a SCO may not set 'not attempted'");
  CHECK(m.set_value("cmi.core.credit", "no-credit") == 403);
  CHECK(m.get_diagnostic() == "cmi.core.credit is read-only");
  CHECK(m.set_value("cmi.core.lesson_location", "p1") == 0);
  CHECK(m.get_diagnostic().empty());
}

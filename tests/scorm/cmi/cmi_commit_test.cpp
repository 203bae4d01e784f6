// Browser commits (atomic replay of scorm-again bodies), the change list, and the storage
// JSON round trip.
#include "scorm/cmi_commit.h"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "cmi_test_util.h"
#include "scorm/cmi_json.h"
#include "scorm/cmi_model.h"
#include "scorm/cmi_session.h"

using scorm::CmiModel;
using scorm::CmiModel12;
using scorm::CmiModel2004;
using scorm::CmiPairs;

TEST_CASE("ElementLess orders indexes numerically and id, type first", "[commit]") {
  scorm::ElementLess less;
  CHECK(less("cmi.interactions.2.id", "cmi.interactions.10.id"));
  CHECK_FALSE(less("cmi.interactions.10.id", "cmi.interactions.2.id"));
  CHECK(less("cmi.interactions.0.id", "cmi.interactions.0.correct_responses.0.pattern"));
  CHECK(less("cmi.interactions.0.type", "cmi.interactions.0.correct_responses.0.pattern"));
  CHECK(less("cmi.interactions.0.id", "cmi.interactions.0.type"));
  CHECK(less("cmi.interactions.0.type", "cmi.interactions.0.learner_response"));
  CHECK(less("cmi.objectives.0.id", "cmi.objectives.0.completion_status"));
  CHECK(less("cmi.core", "cmi.core.exit"));
  CHECK_FALSE(less("cmi.core.exit", "cmi.core.exit"));
  CHECK(less("cmi.a.9", "cmi.a.b"));
  // Shared prefixes that end inside a segment compare the whole segment.
  CHECK(less("cmi.interactions.1.id", "cmi.interactions.10.id"));
  CHECK(less("cmi.interactions.1", "cmi.interactions.10"));
  CHECK_FALSE(less("cmi.interactions.19.id", "cmi.interactions.2.id"));
  CHECK(less("cmi.interactions.3.type", "cmi.interactions.3.typeX"));
  CHECK(less("cmi.interactions.3.idle", "cmi.interactions.3.ida") == false);
  CHECK(less("cmi.interactions.3.ida", "cmi.interactions.3.idle"));
  CHECK(less("cmi.interactions.3.type", "cmi.interactions.3.id") == false);
  CHECK(less("ab.c", "abc"));
  CHECK(less("cmi.x", "cmi.x.y"));
  CHECK_FALSE(less("cmi.x.y", "cmi.x"));
  // Names that differ past a shared prefix of 8 bytes or more (compared a word at a time).
  CHECK(less("cmi.comments_from_learner.9.comment", "cmi.comments_from_learner.10.comment"));
  CHECK(less("cmi.learner_preference.audio_level", "cmi.learner_preference.delivery_speed"));
  CHECK_FALSE(less("cmi.learner_preference.delivery_speed", "cmi.learner_preference.audio_level"));
  CHECK(less("cmi.interactions.12.id", "cmi.interactions.12.description"));
  CHECK_FALSE(less("cmi.interactions.12.types", "cmi.interactions.12.type"));
  CHECK(less("cmi.interactions.12.type", "cmi.interactions.12.types"));
  CHECK(less("cmi.interactions.12.type", "cmi.interactions.12.idle"));
  // Nothing left sorts first; numbers before names even when the name is empty.
  CHECK(less("", "cmi"));
  CHECK(less("", "0"));
  CHECK_FALSE(less("0", ""));
  CHECK(less("cmi.x.", "cmi.x.0"));
  CHECK(less("cmi.x.0", "cmi.x..y"));
  // count()'s sentinel sorts after every record of its collection.
  CHECK(less("cmi.interactions.99.objectives.3.id", "cmi.interactions.\xff"));
}

TEST_CASE("a 1.2 flattened scorm-again commit is applied", "[commit]") {
  CmiModel12 m;
  REQUIRE(m.set_lms_value("cmi.core.student_id", "u1") == 0);
  const std::string body = R"({
    "cmi.core.student_id": "u1", "cmi.core.student_name": "", "cmi.core.credit": "credit",
    "cmi.core.entry": "ab-initio", "cmi.core.lesson_mode": "normal",
    "cmi.core.total_time": "0000:00:00", "cmi.core.lesson_status": "incomplete",
    "cmi.core.lesson_location": "page-4", "cmi.core.exit": "suspend",
    "cmi.core.session_time": "0000:05:00", "cmi.core.score.raw": "", "cmi.core.score.min": "",
    "cmi.core.score.max": "", "cmi.suspend_data": "p=4", "cmi.launch_data": "",
    "cmi.comments": "", "cmi.comments_from_lms": "",
    "cmi.student_data.mastery_score": "", "cmi.student_preference.audio": "",
    "cmi.interactions.10.id": "q11",
    "cmi.interactions.0.id": "q1", "cmi.interactions.0.type": "choice",
    "cmi.interactions.0.student_response": "a,b", "cmi.interactions.0.result": "correct",
    "cmi.interactions.1.id": "q2", "cmi.interactions.2.id": "q3", "cmi.interactions.3.id": "q4",
    "cmi.interactions.4.id": "q5", "cmi.interactions.5.id": "q6", "cmi.interactions.6.id": "q7",
    "cmi.interactions.7.id": "q8", "cmi.interactions.8.id": "q9", "cmi.interactions.9.id": "q10",
    "commitSequence": 3
  })";
  auto r = scorm::apply_commit_json(m, body);
  INFO(r.diagnostic);
  REQUIRE(r.ok());
  CHECK(m.get_value("cmi.core.lesson_status").value == "incomplete");
  CHECK(m.get_value("cmi.core.lesson_location").value == "page-4");
  CHECK(m.stored("cmi.core.exit") == "suspend");
  CHECK(m.get_value("cmi.interactions._count").value == "11");
  CHECK(m.stored("cmi.interactions.10.id") == "q11");
}

TEST_CASE("a 2004 nested commit with runtimeData is applied in dependency order", "[commit]") {
  CmiModel2004 m;
  const std::string body = R"({
    "successStatus": "passed", "completionStatus": "completed", "totalTimeSeconds": 0,
    "runtimeData": {"cmi": {
      "learner_id": "", "credit": "credit", "mode": "normal", "entry": "ab-initio",
      "completion_status": "completed", "success_status": "passed",
      "score": {"scaled": "0.9", "raw": "90", "min": "0", "max": "100"},
      "interactions": [
        {"learner_response": "b", "correct_responses": [{"pattern": "b"}],
         "type": "choice", "id": "q1", "result": "correct"},
        {"id": "q2", "type": "numeric", "learner_response": 42}
      ],
      "objectives": {"0": {"success_status": "passed", "id": "obj-1",
                            "score": {"scaled": "1"}}},
      "exit": "normal", "session_time": "PT10M"
    }}
  })";
  auto r = scorm::apply_commit_json(m, body);
  INFO(r.diagnostic);
  REQUIRE(r.ok());
  CHECK(m.get_value("cmi.success_status").value == "passed");
  CHECK(m.get_value("cmi.score.scaled").value == "0.9");
  CHECK(m.get_value("cmi.interactions.0.correct_responses.0.pattern").value == "b");
  CHECK(m.get_value("cmi.interactions.1.learner_response").value == "42");
  CHECK(m.get_value("cmi.objectives.0.score.scaled").value == "1");
}

TEST_CASE("a failing commit changes nothing and names the element", "[commit]") {
  CmiModel2004 m;
  REQUIRE(m.set_value("cmi.location", "p1") == 0);
  auto before = m;
  CmiPairs pairs = {{"cmi.location", "p9"},
                    {"cmi.suspend_data", "abc"},
                    {"cmi.score.scaled", "1.5"},
                    {"cmi.success_status", "passed"}};
  auto r = scorm::apply_commit(m, pairs);
  CHECK(r.error == 407);
  CHECK(r.element == "cmi.score.scaled");
  CHECK(r.value == "1.5");
  CHECK(r.diagnostic == "cmi.score.scaled: 1.5 is outside -1..1");
  CHECK(m == before);
  CHECK(m.get_value("cmi.location").value == "p1");
}

TEST_CASE("tracked changes of commits applied in place equal the diff of the states",
          "[commit][tracking]") {
  CmiModel2004 m;
  REQUIRE(m.set_lms_value("cmi.completion_threshold", "0.8") == 0);
  REQUIRE(m.set_lms_value("cmi.scaled_passing_score", "0.5") == 0);
  REQUIRE(m.set_value("cmi.location", "p1") == 0);
  REQUIRE(m.set_value("cmi.objectives.0.id", "o1") == 0);
  const CmiModel2004 start = m;
  m.start_tracking();
  CHECK(m.tracking());
  CHECK(m.tracked_changes().empty());

  // Accepted: new records (with their defaults), values changed twice, values written
  // back unchanged, and the statuses the LMS evaluates from measure and score.
  REQUIRE(scorm::apply_commit_json(m, R"({"cmi.location":"p2","cmi.interactions.0.id":"q1",)"
                                      R"("cmi.interactions.0.type":"choice",)"
                                      R"("cmi.objectives.1.id":"o2","cmi.progress_measure":"0.9",)"
                                      R"("cmi.score.scaled":"0.7","commitSequence":2})")
              .ok());
  // Rejected: its writes before the bad value (location, suspend_data, a new interaction)
  // are undone, the accepted commit's stay.
  const CmiModel2004 accepted = m;
  auto rejected = scorm::apply_commit(m, {{"cmi.location", "p3"},
                                          {"cmi.suspend_data", "abc"},
                                          {"cmi.interactions.1.id", "q2"},
                                          {"cmi.score.scaled", "1.5"}});
  CHECK(rejected.error == 407);
  CHECK(m == accepted);
  // Set and set back within the tracking: no change.
  REQUIRE(m.set_value("cmi.suspend_data", "x") == 0);
  REQUIRE(m.set_value("cmi.location", "p9") == 0);
  REQUIRE(m.set_value("cmi.location", "p2") == 0);

  auto tracked = m.tracked_changes();
  auto diffed = scorm::diff(start, m);
  REQUIRE(tracked.size() == diffed.size());
  for (std::size_t i = 0; i < tracked.size(); ++i) {
    CAPTURE(i, diffed[i].element);
    CHECK(tracked[i].element == diffed[i].element);
    CHECK(tracked[i].old_value == diffed[i].old_value);
    CHECK(tracked[i].new_value == diffed[i].new_value);
  }
  auto has = [&](const std::string& element) {
    return std::any_of(tracked.begin(), tracked.end(),
                       [&](const auto& c) { return c.element == element; });
  };
  CHECK(has("cmi.completion_status"));            // evaluated: 0.9 >= 0.8
  CHECK(has("cmi.success_status"));               // evaluated: 0.7 >= 0.5
  CHECK(has("cmi.objectives.1.success_status"));  // a new record's default
  CHECK(has("cmi.suspend_data"));
  CHECK_FALSE(has("cmi.interactions.1.id"));
  m.stop_tracking();
  CHECK_FALSE(m.tracking());
  CHECK(m.tracked_changes().empty());
}

TEST_CASE("a commit's evaluated 2004 statuses equal those of its values set one by one",
          "[commit]") {
  const CmiPairs cases[] = {
      {{"cmi.completion_status", "incomplete"}, {"cmi.progress_measure", "0.9"}},
      {{"cmi.completion_status", "completed"}, {"cmi.progress_measure", "0.1"}},
      {{"cmi.success_status", "passed"}, {"cmi.score.scaled", "0.2"}},
      {{"cmi.success_status", "failed"}, {"cmi.score.scaled", "0.9"}},
      {{"cmi.completion_status", "completed"}, {"cmi.success_status", "passed"}},
  };
  for (const auto& pairs : cases) {
    CmiModel2004 base;
    REQUIRE(base.set_lms_value("cmi.completion_threshold", "0.8") == 0);
    REQUIRE(base.set_lms_value("cmi.scaled_passing_score", "0.5") == 0);
    CmiModel2004 committed = base;
    CmiModel2004 one_by_one = base;
    REQUIRE(scorm::apply_commit(committed, pairs).ok());
    for (const auto& [element, value] : pairs) REQUIRE(one_by_one.set_value(element, value) == 0);
    CAPTURE(pairs.front().first, pairs.front().second);
    CHECK(committed == one_by_one);
  }
  CmiModel2004 m;
  REQUIRE(m.set_lms_value("cmi.completion_threshold", "0.8") == 0);
  REQUIRE(scorm::apply_commit(
              m, {{"cmi.completion_status", "incomplete"}, {"cmi.progress_measure", "0.9"}})
              .ok());
  CHECK(m.stored("cmi.completion_status") == "completed");
}

TEST_CASE("a rejected or unreadable commit in place changes nothing", "[commit][tracking]") {
  CmiModel2004 m;
  REQUIRE(m.set_value("cmi.location", "p1") == 0);
  const CmiModel2004 untouched = m;
  auto result = scorm::apply_commit_json(
      m, R"({"cmi.location":"p2","cmi.interactions.0.id":"q1","cmi.score.scaled":"2"})");
  CHECK(result.error == 407);
  CHECK(m == untouched);
  CHECK_FALSE(m.tracking());  // tracking only lasted the commit
  result = scorm::apply_commit_json(m, "not json");
  CHECK(result.error == 391);
  CHECK(m == untouched);
  // Tracking on: the rejected commit leaves nothing tracked either.
  m.start_tracking();
  result = scorm::apply_commit_json(m, R"({"cmi.location":"p2","cmi.exit":"nonsense"})");
  CHECK(result.error == 406);
  CHECK(m == untouched);
  CHECK(m.tracked_changes().empty());
}

TEST_CASE("end_session's writes are tracked", "[commit][tracking]") {
  scorm::LaunchValues launch;
  launch.lms_values = {{"cmi.student_data.mastery_score", "80"}};
  auto start = scorm::start_session(CmiModel12{}, launch);
  REQUIRE(start.error == 0);
  CmiModel& model = start.model;
  const CmiModel before = model;
  model.start_tracking();
  REQUIRE(scorm::apply_commit_json(model, R"({"cmi.core.score.raw":"90",)"
                                          R"("cmi.core.session_time":"0000:01:00.00"})")
              .ok());
  REQUIRE(scorm::end_session(model).error == 0);
  auto tracked = model.tracked_changes();
  auto diffed = scorm::diff(before, model);
  REQUIRE(tracked.size() == diffed.size());
  for (std::size_t i = 0; i < tracked.size(); ++i) {
    CHECK(tracked[i].element == diffed[i].element);
    CHECK(tracked[i].new_value == diffed[i].new_value);
  }
  auto status = std::find_if(tracked.begin(), tracked.end(),
                             [](const auto& c) { return c.element == "cmi.core.lesson_status"; });
  REQUIRE(status != tracked.end());
  CHECK(status->new_value == "passed");
}

TEST_CASE("commit failures by kind", "[commit]") {
  struct Row {
    bool v12;
    CmiPairs pairs;
    int code;
    std::string element;
  };
  const std::vector<Row> rows = {
      {true, {{"cmi.core.lesson_status", "done"}}, 405, "cmi.core.lesson_status"},
      {true, {{"cmi.core.credit", "no-credit"}}, 403, "cmi.core.credit"},
      {true, {{"cmi.core.student_name", "Someone Else"}}, 403, "cmi.core.student_name"},
      {true, {{"cmi.core.total_time", "0001:00:00"}}, 403, "cmi.core.total_time"},
      {true, {{"cmi.core._children", "x"}}, 402, "cmi.core._children"},
      {true, {{"cmi.objectives._count", "2"}}, 402, "cmi.objectives._count"},
      {true, {{"cmi.objectives.1.id", "b"}}, 201, "cmi.objectives.1.id"},
      {true, {{"cmi.nothing", "x"}}, 201, "cmi.nothing"},
      {false, {{"cmi.mode", "review"}}, 404, "cmi.mode"},
      {false, {{"cmi.completion_threshold", "0.5"}}, 404, "cmi.completion_threshold"},
      {false, {{"cmi.total_time", "PT1H"}}, 404, "cmi.total_time"},
      {false, {{"cmi.interactions.0.type", "choice"}}, 408, "cmi.interactions.0.type"},
      {false, {{"cmi.interactions.1.id", "q"}}, 351, "cmi.interactions.1.id"},
      {false, {{"cmi.interactions._count", "1"}}, 404, "cmi.interactions._count"},
      {false, {{"cmi._version", "2.0"}}, 404, "cmi._version"},
      {false, {{"cmi.score.scaled", "x"}}, 406, "cmi.score.scaled"},
      {false, {{"cmi.nothing", "x"}}, 401, "cmi.nothing"},
  };
  for (const auto& row : rows) {
    CAPTURE(row.element);
    scorm::CmiModel m = row.v12 ? scorm::make_cmi_model(scorm::ScormVersion::kScorm12)
                                : scorm::make_cmi_model(scorm::ScormVersion::kScorm2004);
    auto before = m;
    auto r = scorm::apply_commit(m, row.pairs);
    CHECK(r.error == row.code);
    CHECK(r.element == row.element);
    CHECK_FALSE(r.diagnostic.empty());
    CHECK(m == before);
  }
}

TEST_CASE("read-only values sent back unchanged are tolerated", "[commit]") {
  CmiModel2004 m;
  REQUIRE(m.set_lms_value("cmi.learner_id", "u1") == 0);
  REQUIRE(m.set_lms_value("cmi.completion_threshold", "0.8") == 0);
  REQUIRE(m.set_lms_value("cmi.max_time_allowed", "PT1H") == 0);
  CmiPairs pairs = {{"cmi._version", "1.0"},
                    {"cmi.learner_id", "u1"},
                    {"cmi.completion_threshold", "0.80"},  // same number
                    {"cmi.max_time_allowed", "PT60M"},     // same duration
                    {"cmi.total_time", "PT0S"},            // same duration
                    {"cmi.scaled_passing_score", ""},      // never set: "" is a no-op
                    {"cmi.launch_data", ""},
                    {"cmi.score._children", "scaled,raw,min,max"},
                    {"adl.nav.request_valid.choice.{target=sco.2}", "unknown"},
                    {"cmi.location", "p2"}};
  auto r = scorm::apply_commit(m, pairs);
  INFO(r.diagnostic);
  REQUIRE(r.ok());
  CHECK(r.applied == 1);
  CHECK(m.get_value("cmi.completion_threshold").value == "0.8");
}

TEST_CASE("total_time may carry total + session time on the terminate commit", "[commit]") {
  CmiModel12 m;
  REQUIRE(m.set_lms_value("cmi.core.total_time", "0001:00:00") == 0);
  auto r = scorm::apply_commit(
      m, {{"cmi.core.session_time", "0000:30:00"}, {"cmi.core.total_time", "0001:30:00.00"}});
  INFO(r.diagnostic);
  REQUIRE(r.ok());
  CHECK(m.get_value("cmi.core.total_time").value == "0001:00:00");  // end_session adds it
  auto bad = scorm::apply_commit(m, {{"cmi.core.total_time", "0002:00:00"}});
  CHECK(bad.error == 403);

  CmiModel2004 m2;
  REQUIRE(scorm::apply_commit(m2, {{"cmi.total_time", "PT5M"}, {"cmi.session_time", "PT5M"}}).ok());
  CHECK(scorm::apply_commit(m2, {{"cmi.total_time", "PT6M"}}).error == 404);
}

TEST_CASE("_count in a commit must match the result", "[commit]") {
  CmiModel2004 m;
  auto r =
      scorm::apply_commit(m, {{"cmi.interactions._count", "1"}, {"cmi.interactions.0.id", "q1"}});
  CHECK(r.ok());
  CmiModel2004 m2;
  CHECK(scorm::apply_commit(m2, {{"cmi.interactions._count", "2"}, {"cmi.interactions.0.id", "q1"}})
            .error == 404);
}

TEST_CASE("unreadable commit bodies", "[commit]") {
  CmiModel2004 m;
  CHECK(scorm::apply_commit_json(m, "not json").error == 391);
  CHECK(scorm::apply_commit_json(m, "[1,2]").error == 391);
  CmiModel12 m12;
  CHECK(scorm::apply_commit_json(m12, "{").error == 101);
  std::string error;
  CHECK_FALSE(scorm::parse_commit_json("", &error));
  CHECK_FALSE(error.empty());
  auto pairs = scorm::parse_commit_json(R"({"cmi":{"core":{"exit":null,"score":{"raw":7.5}}},
                                            "other":1, "adl.nav.request":"continue"})");
  REQUIRE(pairs);
  CHECK(*pairs == CmiPairs{{"adl.nav.request", "continue"},
                           {"cmi.core.exit", ""},
                           {"cmi.core.score.raw", "7.5"}});
}

TEST_CASE("a commit body is read once: its pairs and its commitSequence", "[commit]") {
  auto body = scorm::read_commit_body(
      R"({"commitSequence":7,"runtimeData":{"cmi":{"location":"p2"},"commitSequence":9}})");
  REQUIRE(body.pairs);
  CHECK(*body.pairs == CmiPairs{{"cmi.location", "p2"}});
  CHECK(body.sequence == 7);  // the runtime's, at the top level
  CHECK(scorm::read_commit_body(R"({"cmi.location":"p2"})").sequence == -1);
  CHECK(scorm::read_commit_body(R"({"commitSequence":"7"})").sequence == -1);
  auto bad = scorm::read_commit_body("[1]");
  CHECK_FALSE(bad.pairs);
  CHECK(bad.sequence == -1);
  CHECK_FALSE(bad.error.empty());
  CmiModel2004 m;
  CHECK(scorm::apply_commit_body(m, bad).error == 391);
  REQUIRE(scorm::apply_commit_body(m, body).ok());
  CHECK(m.stored("cmi.location") == "p2");
}

TEST_CASE("a commit body read in one pass gives what its JSON document gives", "[commit]") {
  // read_commit_body reads the text without building the document, and builds it only
  // when a key repeats or an element is named twice: pairs, commitSequence and what the
  // replay makes of them must equal those of the document (parse_commit_json).
  const std::vector<std::string> bodies = {
      R"({"cmi.location":"p1","cmi.suspend_data":"xyz","commitSequence":4})",
      R"({"cmi":{"core":{"exit":"suspend","score":{"raw":80,"max":"100"}}},"commitSequence":3})",
      R"({"commitSequence":7,"runtimeData":{"cmi":{"location":"p2"},"commitSequence":9}})",
      R"({"cmi.location":"top","runtimeData":{"cmi.location":"inner"},"cmi.exit":"suspend"})",
      R"({"runtimeData":"x","cmi.location":"p3"})",
      R"({"runtimeData":[1,2],"cmi.location":"p3","adl":{"nav":{"request":"continue"}}})",
      R"({"cmi":{"interactions":[{"id":"q1","type":"choice"},{"id":"q2","type":"numeric",
          "learner_response":"4"}],"comments_from_learner":[]},"commitSequence":12})",
      R"({"cmi":{"learner_preference":{"audio_level":1.5,"delivery_speed":1e2,"language":null,
          "audio_captioning":-1},"score":{"scaled":0.1,"raw":-0.0},"progress_measure":true}})",
      R"({"cmi.location":"\u00e9t\u00e9 \ud83d\ude00","cmi":{"":"empty name","x":{}}})",
      R"({"cmi":"scalar","adl":[],"cmix":"not cmi","successStatus":"passed"})",
      R"({"cmi.location":"a","cmi.location":"b"})",
      R"({"cmi":{"location":"a"},"cmi":{"suspend_data":"b"}})",
      R"({"cmi":{"location":"nested"},"cmi.location":"flat"})",
      R"({"cmi.location":"flat","cmi":{"location":"nested"}})",
      R"({"cmi":{"score":{"scaled":"0.5"},"score.scaled":"0.7"}})",
      R"({"runtimeData":{"cmi.location":"1"},"runtimeData":{"cmi.location":"2"}})",
      R"({"commitSequence":1,"commitSequence":2,"cmi.location":"p"})",
      R"({"commitSequence":3.0,"cmi.location":"p"})",
      R"({"commitSequence":-2,"cmi.location":"p"})",
      R"({"commitSequence":18446744073709551615,"cmi.location":"p"})",
      R"({"commitSequence":{"n":1},"cmi.location":"p"})",
      R"({"cmi.interactions.0.id":"q1","cmi.interactions.0.type":"true-false",
          "cmi.interactions.0.learner_response":"true","cmi.interactions._count":"1"})",
      R"({"cmi.score.scaled":"7","cmi.location":"p"})",
      R"({})",
      R"([])",
      R"([{"cmi.location":"p"}])",
      "5",
      "",
      "{",
      R"({"cmi.location":"p"} x)",
      R"({"cmi.location":"p",})",
  };
  for (const std::string& text : bodies) {
    CAPTURE(text);
    const scorm::CommitBody body = scorm::read_commit_body(text);
    std::string error;
    const std::optional<CmiPairs> document = scorm::parse_commit_json(text, &error);
    REQUIRE(body.pairs.has_value() == document.has_value());
    CHECK(body.error == error);
    std::int64_t sequence = -1;
    const nlohmann::json doc = nlohmann::json::parse(text, nullptr, false);
    if (doc.is_object()) {
      auto it = doc.find("commitSequence");
      if (it != doc.end() && it->is_number_integer()) sequence = it->get<std::int64_t>();
    }
    CHECK(body.sequence == sequence);
    if (!document) continue;
    CmiPairs sorted_read = *body.pairs;
    CmiPairs sorted_document = *document;
    std::sort(sorted_read.begin(), sorted_read.end());
    std::sort(sorted_document.begin(), sorted_document.end());
    CHECK(sorted_read == sorted_document);
    CmiModel2004 read_model;
    CmiModel2004 document_model;
    const scorm::CommitResult from_read = scorm::apply_commit_body(read_model, body);
    const scorm::CommitResult from_document = scorm::apply_commit(document_model, *document);
    CHECK(from_read.error == from_document.error);
    CHECK(from_read.diagnostic == from_document.diagnostic);
    CHECK(read_model == document_model);
  }
}

TEST_CASE("diff lists changed elements in a deterministic order", "[diff]") {
  CmiModel2004 before;
  REQUIRE(before.set_value("cmi.location", "p1") == 0);
  CmiModel2004 after = before;
  REQUIRE(scorm::apply_commit(after, {{"cmi.interactions.10.id", "q10"},
                                      {"cmi.location", "p2"},
                                      {"cmi.score.scaled", "0.5"},
                                      {"cmi.completion_status", "completed"}})
              .error == 351);  // index 10 skips ahead: nothing applied
  CHECK(scorm::diff(before, after).empty());
  for (int i = 0; i <= 10; ++i)
    REQUIRE(after.set_value("cmi.interactions." + std::to_string(i) + ".id",
                            "q" + std::to_string(i)) == 0);
  REQUIRE(after.set_value("cmi.location", "p2") == 0);
  REQUIRE(after.set_value("cmi.completion_status", "completed") == 0);
  auto changes = scorm::diff(before, after);
  REQUIRE(changes.size() == 13);
  CHECK(changes[0].element == "cmi.completion_status");
  CHECK(changes[0].old_value == "unknown");
  CHECK(changes[0].new_value == "completed");
  CHECK(changes[1].element == "cmi.interactions.0.id");
  CHECK_FALSE(changes[1].old_value);
  CHECK(changes[3].element == "cmi.interactions.2.id");
  CHECK(changes[11].element == "cmi.interactions.10.id");
  CHECK(changes[12].element == "cmi.location");
  CHECK(changes[12].old_value == "p1");
  CHECK(changes[12].new_value == "p2");
  auto removed = scorm::diff(after, before);
  REQUIRE(removed.size() == 13);
  CHECK_FALSE(removed[1].new_value);
  CHECK(scorm::diff(after, after).empty());
}

TEST_CASE("storage JSON round trip", "[json]") {
  CmiModel2004 m;
  REQUIRE(m.set_lms_value("cmi.learner_id", "u1") == 0);
  REQUIRE(m.set_lms_value("cmi.comments_from_lms.0.comment", "hello") == 0);
  REQUIRE(m.set_lms_value("adl.data.0.id", "urn:d") == 0);
  REQUIRE(cmi_test::set_all(
              m, {{"cmi.interactions.0.id", "q1"},
                  {"cmi.interactions.0.type", "fill-in"},
                  {"cmi.interactions.0.correct_responses.0.pattern", "{case_matters=true}Paris"},
                  {"cmi.interactions.0.learner_response", "{lang=fr}Paris"},
                  {"cmi.objectives.0.id", "o1"},
                  {"cmi.objectives.0.success_status", "passed"},
                  {"cmi.suspend_data", "caf\xC3\xA9 \"quoted\""},
                  {"cmi.exit", "suspend"},
                  {"adl.data.0.store", "s"}}) == 0);
  std::string text = scorm::to_json(m);
  CHECK(text.find("\"format\":\"lrsbridge-cmi\"") != std::string::npos);
  CHECK(text.find("\"format_version\":1") != std::string::npos);
  auto loaded = scorm::from_json(text);
  REQUIRE(loaded);
  CHECK(*loaded == m);
  CHECK(loaded->version() == scorm::ScormVersion::kScorm2004);
  CHECK(scorm::to_json(*loaded) == text);  // stable bytes
  CHECK(scorm::diff(m, *loaded).empty());
  // `values` lists every element once, in the model's (ElementLess) order.
  auto doc = nlohmann::ordered_json::parse(text);
  std::vector<std::pair<std::string, std::string>> listed;
  for (const auto& [element, value] : doc["values"].items()) {
    listed.emplace_back(element, value.get<std::string>());
  }
  CHECK(listed ==
        std::vector<std::pair<std::string, std::string>>(m.values().begin(), m.values().end()));

  CmiModel12 m12;
  REQUIRE(m12.set_value("cmi.interactions.0.student_response", "x") == 0);
  REQUIRE(m12.set_value("cmi.core.lesson_status", "failed") == 0);
  auto loaded12 = scorm::from_json(scorm::to_json(m12));
  REQUIRE(loaded12);
  CHECK(*loaded12 == m12);
  CHECK(loaded12->version() == scorm::ScormVersion::kScorm12);
}

TEST_CASE("storage JSON keeps options", "[json]") {
  scorm::CmiOptions options;
  options.edition = 3;
  CmiModel2004 m(options);
  auto loaded = scorm::from_json(scorm::to_json(m));
  REQUIRE(loaded);
  CHECK(loaded->options().edition == 3);
  CHECK(loaded->options().suspend_data_max == 4000);
}

TEST_CASE("storage JSON is written as nlohmann writes the same document", "[json]") {
  // The values are written straight into the text; escaping must not differ from the
  // library's: quotes, backslashes, control characters, DEL, UTF-8 and invalid UTF-8.
  CmiModel2004 m;
  REQUIRE(cmi_test::set_all(m, {{"cmi.location", "page-1"},
                                {"cmi.suspend_data", "a\"b\\c\n\t\x01\x7f caf\xC3\xA9 \xFF end"},
                                {"cmi.comments_from_learner.0.comment", "line1\r\nline2 \u00e9"},
                                {"cmi.comments_from_learner.0.location", ""}}) == 0);
  const std::string text = scorm::to_json(m);
  nlohmann::ordered_json doc = nlohmann::ordered_json::parse(text, nullptr, false,
                                                             /*ignore_comments=*/false);
  REQUIRE_FALSE(doc.is_discarded());
  nlohmann::ordered_json values = nlohmann::ordered_json::object();
  for (const auto& [element, value] : m.values()) values[element] = value;
  doc["values"] = values;
  CHECK(text == doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  const auto stored = nlohmann::json::parse(text)["values"]["cmi.suspend_data"].get<std::string>();
  CHECK(stored.find("\xEF\xBF\xBD") != std::string::npos);  // U+FFFD for the invalid byte
}

TEST_CASE("storage JSON head is written as nlohmann writes the same document", "[json]") {
  // to_json_head spells the head out; it must stay byte for byte what dumping the
  // document object wrote (stored attempts are compared and re-read by these bytes).
  auto expected = [](const CmiModel& m) {
    nlohmann::ordered_json doc;
    doc["format"] = "lrsbridge-cmi";
    doc["format_version"] = scorm::kCmiJsonFormatVersion;
    doc["scorm"] = m.version() == scorm::ScormVersion::kScorm12 ? "1.2" : "2004";
    doc["options"] = {{"edition", m.options().edition},
                      {"suspend_data_max", m.options().suspend_data_max},
                      {"strict_12_responses", m.options().strict_12_responses}};
    doc["session_open"] = m.session_open();
    return doc.dump();
  };
  scorm::CmiOptions third;
  third.edition = 3;
  scorm::CmiOptions loose12;
  loose12.suspend_data_max = 64000;
  loose12.strict_12_responses = false;
  scorm::LaunchValues launch;
  launch.learner_id = "u1";
  launch.learner_name = "Ann";
  const std::vector<CmiModel> models = {CmiModel2004(),
                                        CmiModel2004(third),
                                        CmiModel12(),
                                        CmiModel12(loose12),
                                        scorm::start_session(CmiModel2004(), launch).model,
                                        scorm::start_session(CmiModel12(loose12), launch).model};
  for (const CmiModel& m : models) {
    INFO(expected(m));
    CHECK(scorm::to_json_head(m) == expected(m));
  }
  CHECK(models[4].session_open());  // both values of session_open are covered
}

TEST_CASE("storage JSON rejects bad input with a reason", "[json]") {
  const std::vector<std::string> bad = {
      "",
      "[]",
      R"({"format":"other","format_version":1,"scorm":"2004","values":{}})",
      R"({"format":"lrsbridge-cmi","format_version":2,"scorm":"2004","values":{}})",
      R"({"format":"lrsbridge-cmi","format_version":1,"scorm":"2.0","values":{}})",
      R"({"format":"lrsbridge-cmi","format_version":1,"scorm":"2004"})",
      R"({"format":"lrsbridge-cmi","format_version":1,"scorm":"2004","values":{"cmi.x":"1"}})",
      R"({"format":"lrsbridge-cmi","format_version":1,"scorm":"2004","values":{"cmi.score.scaled":"2"}})",
      R"({"format":"lrsbridge-cmi","format_version":1,"scorm":"2004","values":{"cmi.location":5}})",
      R"({"format":"lrsbridge-cmi","format_version":1,"scorm":"1.2","values":{"cmi.objectives.1.id":"a"}})",
      R"({"format":"lrsbridge-cmi","format_version":1,"scorm":"2004","options":{"edition":5},"values":{}})",
  };
  for (const auto& text : bad) {
    CAPTURE(text);
    auto r = scorm::from_json(text);
    CHECK_FALSE(r);
    if (!r) CHECK_FALSE(r.error().empty());
  }
}

// The translator: initialize / resume, commits (status, score, progress, comments,
// objectives), terminate / suspend, deterministic ids and idempotency, for 1.2 and 2004.
#include "adapter/translator.h"

#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "adapter_test_util.h"
#include "scorm/cmi_commit.h"
#include "scorm/cmi_session.h"

using adapter::RuntimeEvent;
using adapter_test::context;
using adapter_test::set_all;
using adapter_test::translate;
using adapter_test::verbs;
using nlohmann::json;
using scorm::ScormVersion;

namespace {

// A complete statement as expected: SCO object, SCO-level context.
json golden(const adapter::TranslationContext& ctx, const std::string& verb, const std::string& id,
            const json& result = nullptr) {
  std::string verb_id = "http://adlnet.gov/expapi/verbs/";
  verb_id += verb;
  json s = {{"id", id},
            {"actor", adapter_test::actor()},
            {"verb", {{"id", verb_id}, {"display", {{"en-US", verb}}}}},
            {"object", adapter_test::sco_object()},
            {"context", adapter_test::sco_context(ctx)},
            {"timestamp", adapter_test::kTimestamp}};
  if (!result.is_null()) s["result"] = result;
  return s;
}

scorm::CmiModel started(ScormVersion v) {
  auto s = scorm::start_session(scorm::make_cmi_model(v), {});
  REQUIRE(s.error == 0);
  return s.model;
}

}  // namespace

TEST_CASE("initialize a new attempt: initialized", "[translator]") {
  for (auto v : {ScormVersion::kScorm12, ScormVersion::kScorm2004}) {
    auto ctx = context(v);
    auto fresh = scorm::make_cmi_model(v);
    auto model = started(v);
    auto out = translate(ctx, fresh, model, RuntimeEvent::kInitialize, 1);
    REQUIRE(out.size() == 1);
    CHECK(out[0] == golden(ctx, "initialized",
                           adapter_test::expected_id(ctx, 1, "initialize", "initialized", "")));
  }
}

TEST_CASE("initialize after suspend: resumed, after a normal exit: initialized", "[translator]") {
  for (auto v : {ScormVersion::kScorm12, ScormVersion::kScorm2004}) {
    const bool is12 = v == ScormVersion::kScorm12;
    auto ctx = context(v);
    auto model = started(v);
    set_all(model, {{is12 ? "cmi.core.exit" : "cmi.exit", "suspend"}});
    REQUIRE(scorm::end_session(model).suspended);
    auto next = scorm::start_session(model, {});
    REQUIRE(next.resumed);
    auto out = translate(ctx, model, next.model, RuntimeEvent::kInitialize, 7);
    REQUIRE(out.size() == 1);
    CHECK(out[0] ==
          golden(ctx, "resumed", adapter_test::expected_id(ctx, 7, "initialize", "resumed", "")));

    auto again = next.model;
    set_all(again, {{is12 ? "cmi.core.exit" : "cmi.exit", is12 ? "" : "normal"}});
    scorm::end_session(again);
    auto fresh = scorm::start_session(again, {});
    REQUIRE(fresh.new_attempt);
    CHECK(verbs(translate(ctx, again, fresh.model, RuntimeEvent::kInitialize, 8)) ==
          std::vector<std::string>{"initialized"});
  }
}

TEST_CASE("2004 commit with score and statuses", "[translator][2004]") {
  auto ctx = context(ScormVersion::kScorm2004);
  auto before = started(ScormVersion::kScorm2004);
  auto after = before;
  set_all(after, {{"cmi.score.raw", "85"},
                  {"cmi.score.min", "0"},
                  {"cmi.score.max", "100"},
                  {"cmi.score.scaled", "0.85"},
                  {"cmi.completion_status", "completed"},
                  {"cmi.success_status", "passed"},
                  {"cmi.location", "page-3"}});
  auto out = translate(ctx, before, after, RuntimeEvent::kCommit, 2);
  json score = {{"scaled", 0.85}, {"raw", 85.0}, {"min", 0.0}, {"max", 100.0}};
  std::vector<json> expected = {
      golden(ctx, "scored", adapter_test::expected_id(ctx, 2, "commit", "scored", ""),
             {{"score", score}}),
      golden(ctx, "completed", adapter_test::expected_id(ctx, 2, "commit", "completed", ""),
             {{"completion", true}}),
      golden(ctx, "passed", adapter_test::expected_id(ctx, 2, "commit", "passed", ""),
             {{"success", true}, {"score", score}}),
  };
  CHECK(out == expected);

  // failed, and a score that only changes raw (scaled unchanged) is still scored.
  auto later = after;
  set_all(later, {{"cmi.success_status", "failed"}, {"cmi.score.raw", "40"}});
  CHECK(verbs(translate(ctx, after, later, RuntimeEvent::kCommit, 3)) ==
        std::vector<std::string>{"scored", "failed"});
}

TEST_CASE("1.2 commit with score and lesson_status", "[translator][1.2]") {
  auto ctx = context(ScormVersion::kScorm12);
  auto before = started(ScormVersion::kScorm12);
  auto after = before;
  set_all(after, {{"cmi.core.score.raw", "85"},
                  {"cmi.core.score.min", "0"},
                  {"cmi.core.score.max", "100"},
                  {"cmi.core.lesson_status", "passed"}});
  auto out = translate(ctx, before, after, RuntimeEvent::kCommit, 2);
  json score = {{"scaled", 0.85}, {"raw", 85.0}, {"min", 0.0}, {"max", 100.0}};
  std::vector<json> expected = {
      golden(ctx, "scored", adapter_test::expected_id(ctx, 2, "commit", "scored", ""),
             {{"score", score}}),
      golden(ctx, "passed", adapter_test::expected_id(ctx, 2, "commit", "passed", ""),
             {{"success", true}, {"completion", true}, {"score", score}}),
  };
  CHECK(out == expected);

  SECTION("completed, failed, incomplete") {
    auto m = before;
    set_all(m, {{"cmi.core.lesson_status", "completed"}});
    CHECK(verbs(translate(ctx, before, m, RuntimeEvent::kCommit, 3)) ==
          std::vector<std::string>{"completed"});
    auto f = m;
    set_all(f, {{"cmi.core.lesson_status", "failed"}});
    auto failed = translate(ctx, m, f, RuntimeEvent::kCommit, 4);
    REQUIRE(verbs(failed) == std::vector<std::string>{"failed"});
    CHECK(failed[0]["result"] == json{{"success", false}});
    auto i = f;
    set_all(i, {{"cmi.core.lesson_status", "incomplete"}});
    CHECK(translate(ctx, f, i, RuntimeEvent::kCommit, 5).empty());
  }
  SECTION("a score outside min..max keeps only raw and scaled; scaled is clamped") {
    auto m = before;
    set_all(m, {{"cmi.core.score.max", "50"}, {"cmi.core.score.raw", "100"}});
    auto s = translate(ctx, before, m, RuntimeEvent::kCommit, 3);
    REQUIRE(verbs(s) == std::vector<std::string>{"scored"});
    CHECK(s[0]["result"]["score"] == json{{"scaled", 1.0}, {"raw", 100.0}});
  }
}

TEST_CASE("2004 progress_measure: progressed with score.scaled", "[translator][2004]") {
  auto ctx = context(ScormVersion::kScorm2004);
  auto before = started(ScormVersion::kScorm2004);
  auto after = before;
  set_all(after, {{"cmi.progress_measure", "0.5"}});
  auto out = translate(ctx, before, after, RuntimeEvent::kCommit, 2);
  REQUIRE(out.size() == 1);
  CHECK(out[0] == golden(ctx, "progressed",
                         adapter_test::expected_id(ctx, 2, "commit", "progressed", ""),
                         {{"score", {{"scaled", 0.5}}}}));
}

TEST_CASE("comments: commented with result.response", "[translator]") {
  SECTION("2004 comments_from_learner, with its own timestamp") {
    auto ctx = context(ScormVersion::kScorm2004);
    auto before = started(ScormVersion::kScorm2004);
    auto after = before;
    set_all(after, {{"cmi.comments_from_learner.0.comment", "Too easy"},
                    {"cmi.comments_from_learner.0.location", "p2"},
                    {"cmi.comments_from_learner.0.timestamp", "2026-01-01T00:00:05Z"},
                    {"cmi.comments_from_learner.1.comment", "Nice"}});
    auto out = translate(ctx, before, after, RuntimeEvent::kCommit, 2);
    REQUIRE(out.size() == 2);
    json first =
        golden(ctx, "commented", adapter_test::expected_id(ctx, 2, "commit", "commented", "0"),
               {{"response", "Too easy"}});
    first["timestamp"] = "2026-01-01T00:00:05.000Z";
    CHECK(out[0] == first);
    CHECK(out[1]["result"]["response"] == "Nice");
    CHECK(out[1]["timestamp"] == adapter_test::kTimestamp);
  }
  SECTION("1.2 cmi.comments; an appended text reports the added part") {
    auto ctx = context(ScormVersion::kScorm12);
    auto before = started(ScormVersion::kScorm12);
    auto after = before;
    set_all(after, {{"cmi.comments", "Too easy."}});
    auto out = translate(ctx, before, after, RuntimeEvent::kCommit, 2);
    REQUIRE(out.size() == 1);
    CHECK(out[0] == golden(ctx, "commented",
                           adapter_test::expected_id(ctx, 2, "commit", "commented", ""),
                           {{"response", "Too easy."}}));
    auto later = after;
    set_all(later, {{"cmi.comments", "Too easy. Liked it."}});
    auto more = translate(ctx, after, later, RuntimeEvent::kCommit, 3);
    REQUIRE(more.size() == 1);
    CHECK(more[0]["result"]["response"] == " Liked it.");
  }
}

TEST_CASE("objectives: completed / passed / failed on the objective activity", "[translator]") {
  const json objective_context_parent = json::array({adapter_test::sco_object()});
  SECTION("2004") {
    auto ctx = context(ScormVersion::kScorm2004);
    auto before = started(ScormVersion::kScorm2004);
    auto after = before;
    set_all(after, {{"cmi.objectives.0.id", "obj-1"},
                    {"cmi.objectives.0.description", "Putting"},
                    {"cmi.objectives.0.completion_status", "completed"},
                    {"cmi.objectives.0.success_status", "passed"},
                    {"cmi.objectives.0.score.scaled", "0.9"},
                    {"cmi.objectives.1.id", "urn:golf:obj#2"},
                    {"cmi.objectives.1.success_status", "failed"}});
    auto out = translate(ctx, before, after, RuntimeEvent::kCommit, 2);
    REQUIRE(verbs(out) == std::vector<std::string>{"completed", "passed", "failed"});
    json object = json::parse(R"({"objectType": "Activity",
      "id": "https://courses.example.org/golf/sco1/objective/obj-1",
      "definition": {"type": "http://adlnet.gov/expapi/activities/objective",
                     "name": {"en-US": "obj-1"}, "description": {"en-US": "Putting"}}})");
    json ctx_json = adapter_test::sco_context(ctx);
    ctx_json["contextActivities"]["parent"] = objective_context_parent;
    json expected = {
        {"id", adapter_test::expected_id(ctx, 2, "commit", "objective-passed", "0")},
        {"actor", adapter_test::actor()},
        {"verb",
         {{"id", "http://adlnet.gov/expapi/verbs/passed"}, {"display", {{"en-US", "passed"}}}}},
        {"object", object},
        {"context", ctx_json},
        {"result", {{"success", true}, {"score", {{"scaled", 0.9}}}}},
        {"timestamp", adapter_test::kTimestamp}};
    CHECK(out[1] == expected);
    CHECK(out[2]["object"]["id"] ==
          "https://courses.example.org/golf/sco1/objective/urn:golf:obj%232");
    CHECK(out[2]["result"] == json{{"success", false}});

    // Re-setting the same statuses emits nothing; a status change does.
    auto same = after;
    set_all(same, {{"cmi.objectives.0.success_status", "passed"}});
    CHECK(translate(ctx, after, same, RuntimeEvent::kCommit, 3).empty());
  }
  SECTION("1.2") {
    auto ctx = context(ScormVersion::kScorm12);
    auto before = started(ScormVersion::kScorm12);
    auto after = before;
    set_all(after, {{"cmi.objectives.0.id", "obj1"},
                    {"cmi.objectives.0.score.raw", "70"},
                    {"cmi.objectives.0.status", "passed"},
                    {"cmi.objectives.1.id", "obj2"},
                    {"cmi.objectives.1.status", "incomplete"}});
    auto out = translate(ctx, before, after, RuntimeEvent::kCommit, 2);
    REQUIRE(verbs(out) == std::vector<std::string>{"passed"});
    CHECK(out[0]["object"]["id"] == "https://courses.example.org/golf/sco1/objective/obj1");
    CHECK(out[0]["context"]["contextActivities"]["parent"] == objective_context_parent);
    CHECK(out[0]["result"] == json{{"success", true},
                                   {"completion", true},
                                   {"score", {{"scaled", 0.7}, {"raw", 70.0}}}});
    auto later = after;
    set_all(later, {{"cmi.objectives.1.status", "completed"}});
    CHECK(verbs(translate(ctx, after, later, RuntimeEvent::kCommit, 3)) ==
          std::vector<std::string>{"completed"});
  }
}

TEST_CASE("terminate: terminated with the SCO result and duration; suspend: suspended",
          "[translator]") {
  SECTION("2004 normal exit") {
    auto ctx = context(ScormVersion::kScorm2004);
    auto before = started(ScormVersion::kScorm2004);
    auto after = before;
    set_all(after, {{"cmi.completion_status", "completed"},
                    {"cmi.success_status", "passed"},
                    {"cmi.score.scaled", "0.8"},
                    {"cmi.session_time", "PT1M30.5S"},
                    {"cmi.exit", "normal"}});
    REQUIRE(scorm::end_session(after).error == 0);
    auto out = translate(ctx, before, after, RuntimeEvent::kTerminate, 9);
    REQUIRE(verbs(out) == std::vector<std::string>{"scored", "completed", "passed", "terminated"});
    CHECK(out.back() == golden(ctx, "terminated",
                               adapter_test::expected_id(ctx, 9, "terminate", "terminated", ""),
                               {{"completion", true},
                                {"success", true},
                                {"score", {{"scaled", 0.8}}},
                                {"duration", "PT0H1M30.5S"}}));
  }
  SECTION("2004 suspend, nothing else changed") {
    auto ctx = context(ScormVersion::kScorm2004);
    auto before = started(ScormVersion::kScorm2004);
    auto committed = before;
    set_all(committed, {{"cmi.completion_status", "incomplete"},
                        {"cmi.exit", "suspend"},
                        {"cmi.session_time", "PT10S"}});
    auto after = committed;
    REQUIRE(scorm::end_session(after).suspended);
    auto out = translate(ctx, committed, after, RuntimeEvent::kTerminate, 4);
    REQUIRE(out.size() == 1);
    CHECK(out[0] == golden(ctx, "suspended",
                           adapter_test::expected_id(ctx, 4, "terminate", "suspended", ""),
                           {{"completion", false}, {"duration", "PT0H0M10S"}}));
  }
  SECTION("1.2: CMITimespan converted; end_session's mastery evaluation becomes passed") {
    auto ctx = context(ScormVersion::kScorm12);
    scorm::LaunchValues launch;
    launch.lms_values = {{"cmi.student_data.mastery_score", "80"}};
    auto before = scorm::start_session(scorm::make_cmi_model(ScormVersion::kScorm12), launch).model;
    auto committed = before;
    set_all(committed, {{"cmi.core.score.raw", "90"},
                        {"cmi.core.session_time", "0001:02:03.40"},
                        {"cmi.core.exit", ""}});
    auto after = committed;
    REQUIRE(scorm::end_session(after).error == 0);
    REQUIRE(after.stored("cmi.core.lesson_status") == "passed");
    auto out = translate(ctx, committed, after, RuntimeEvent::kTerminate, 5);
    REQUIRE(verbs(out) == std::vector<std::string>{"passed", "terminated"});
    CHECK(out.back()["result"] == json{{"completion", true},
                                       {"success", true},
                                       {"score", {{"scaled", 0.9}, {"raw", 90.0}}},
                                       {"duration", "PT1H2M3.4S"}});
    auto susp = committed;
    set_all(susp, {{"cmi.core.exit", "suspend"}});
    CHECK(verbs(translate(ctx, susp, susp, RuntimeEvent::kTerminate, 6)) ==
          std::vector<std::string>{"suspended"});
  }
}

TEST_CASE("idempotency: same commit, same ids; re-set values emit nothing", "[translator]") {
  auto ctx = context(ScormVersion::kScorm2004);
  auto before = started(ScormVersion::kScorm2004);
  auto after = before;
  set_all(after, {{"cmi.score.scaled", "0.5"},
                  {"cmi.completion_status", "completed"},
                  {"cmi.interactions.0.id", "q1"},
                  {"cmi.interactions.0.type", "true-false"},
                  {"cmi.interactions.0.learner_response", "true"}});
  auto first = translate(ctx, before, after, RuntimeEvent::kCommit, 2);
  auto replay = translate(ctx, before, after, RuntimeEvent::kCommit, 2);
  CHECK(first == replay);
  REQUIRE(first.size() == 3);

  // Ids are distinct within a commit and across sequences and attempts.
  std::set<std::string> ids;
  for (const auto& s : first) ids.insert(s["id"].get<std::string>());
  auto other_seq = translate(ctx, before, after, RuntimeEvent::kCommit, 3);
  for (const auto& s : other_seq) ids.insert(s["id"].get<std::string>());
  auto ctx2 = ctx;
  ctx2.attempt_iri = adapter::make_attempt_iri(
      ctx.sco_iri, *lrs::Uuid::parse("00000000-0000-4000-8000-000000000002"));
  for (const auto& s : translate(ctx2, before, after, RuntimeEvent::kCommit, 2)) {
    ids.insert(s["id"].get<std::string>());
  }
  CHECK(ids.size() == 9);

  // A full commit carrying the same values again changes nothing and says nothing.
  auto resent = after;
  scorm::CmiPairs pairs(after.values().begin(), after.values().end());
  REQUIRE(scorm::apply_commit(resent, pairs).ok());
  CHECK(translate(ctx, after, resent, RuntimeEvent::kCommit, 3).empty());
  CHECK(translate(ctx, after, after, RuntimeEvent::kCommit, 4).empty());
}

TEST_CASE("a whole session: every statement valid, ids unique, language in context",
          "[translator]") {
  for (auto v : {ScormVersion::kScorm12, ScormVersion::kScorm2004}) {
    const bool is12 = v == ScormVersion::kScorm12;
    auto ctx = context(v);
    ctx.language = "en-GB";
    ctx.learner_name.clear();
    std::vector<json> all;
    auto add = [&](const std::vector<json>& statements) {
      all.insert(all.end(), statements.begin(), statements.end());
    };
    auto fresh = scorm::make_cmi_model(v);
    auto m0 = started(v);
    add(translate(ctx, fresh, m0, RuntimeEvent::kInitialize, 1));
    auto m1 = m0;
    set_all(m1,
            {{"cmi.interactions.0.id", "q1"},
             {"cmi.interactions.0.type", "choice"},
             {is12 ? "cmi.interactions.0.student_response" : "cmi.interactions.0.learner_response",
              "a"},
             {is12 ? "cmi.core.score.raw" : "cmi.score.scaled", is12 ? "50" : "0.5"},
             {is12 ? "cmi.core.exit" : "cmi.exit", "suspend"},
             {is12 ? "cmi.core.session_time" : "cmi.session_time", is12 ? "0000:05:00" : "PT5M"}});
    add(translate(ctx, m0, m1, RuntimeEvent::kCommit, 2));
    auto m2 = m1;
    scorm::end_session(m2);
    add(translate(ctx, m1, m2, RuntimeEvent::kTerminate, 3));
    auto resumed = scorm::start_session(m2, {});
    REQUIRE(resumed.resumed);
    add(translate(ctx, m2, resumed.model, RuntimeEvent::kInitialize, 4));
    auto m3 = resumed.model;
    set_all(m3, {{is12 ? "cmi.core.lesson_status" : "cmi.completion_status", "completed"},
                 {is12 ? "cmi.core.exit" : "cmi.exit", is12 ? "logout" : "normal"}});
    scorm::end_session(m3);
    add(translate(ctx, resumed.model, m3, RuntimeEvent::kTerminate, 5));

    CHECK(verbs(all) == std::vector<std::string>{"initialized", "responded", "scored", "suspended",
                                                 "resumed", "completed", "terminated"});
    std::set<std::string> ids;
    for (const auto& s : all) {
      ids.insert(s["id"].get<std::string>());
      CHECK(s["context"]["language"] == "en-GB");
      CHECK_FALSE(s["actor"].contains("name"));
    }
    CHECK(ids.size() == all.size());
    CHECK(all.back()["result"]["completion"] == true);
  }
}

// responded statements: the 10 SCORM 2004 and 8 SCORM 1.2 interaction types, their
// definitions (interactionType, correctResponsesPattern, component lists) and results.
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "adapter/translator.h"
#include "adapter_test_util.h"
#include "scorm/cmi_session.h"

using adapter::RuntimeEvent;
using adapter_test::context;
using adapter_test::set_all;
using adapter_test::translate;
using nlohmann::json;
using scorm::ScormVersion;

namespace {

struct Row {
  std::string type;
  std::string pattern;   // "" = no correct response
  std::string response;  // as the SCO sets it
  json expected;         // expected definition extras + {"response": ...}
};

json components(std::initializer_list<const char*> ids) {
  json out = json::array();
  for (const char* id : ids) out.push_back({{"id", id}, {"description", {{"en-US", id}}}});
  return out;
}

void check_row(ScormVersion v, const Row& row) {
  const bool is12 = v == ScormVersion::kScorm12;
  CAPTURE(row.type, row.pattern, row.response);
  auto ctx = context(v);
  auto before = scorm::start_session(scorm::make_cmi_model(v), {}).model;
  auto after = before;
  adapter_test::Pairs pairs = {{"cmi.interactions.0.id", "q-1"},
                               {"cmi.interactions.0.type", row.type}};
  if (!row.pattern.empty())
    pairs.push_back({"cmi.interactions.0.correct_responses.0.pattern", row.pattern});
  pairs.push_back(
      {is12 ? "cmi.interactions.0.student_response" : "cmi.interactions.0.learner_response",
       row.response});
  set_all(after, pairs);
  auto out = translate(ctx, before, after, RuntimeEvent::kCommit, 3);
  REQUIRE(out.size() == 1);
  const json& s = out[0];
  CHECK(s["id"] == adapter_test::expected_id(ctx, 3, "commit", "responded", "0"));
  CHECK(s["verb"]["id"] == "http://adlnet.gov/expapi/verbs/responded");
  CHECK(s["object"]["id"] == "https://courses.example.org/golf/sco1/interactions/q-1");
  json def = {{"type", "http://adlnet.gov/expapi/activities/cmi.interaction"},
              {"name", {{"en-US", "q-1"}}},
              {"interactionType", row.type}};
  for (const auto& [key, value] : row.expected.items()) {
    if (key != "response") def[key] = value;
  }
  CHECK(s["object"]["definition"] == def);
  CHECK(s["result"] == json{{"response", row.expected["response"]}});
  CHECK(s["context"]["contextActivities"]["parent"] == json::array({adapter_test::sco_object()}));
}

}  // namespace

TEST_CASE("2004: the 10 interaction types pass through", "[interactions][2004]") {
  const std::vector<Row> rows = {
      {"true-false",
       "true",
       "false",
       {{"correctResponsesPattern", {"true"}}, {"response", "false"}}},
      {"choice",
       "a[,]c",
       "a[,]b",
       {{"correctResponsesPattern", {"a[,]c"}},
        {"choices", components({"a", "c", "b"})},
        {"response", "a[,]b"}}},
      {"fill-in",
       "{case_matters=true}Paris",
       "paris",
       {{"correctResponsesPattern", {"{case_matters=true}Paris"}}, {"response", "paris"}}},
      {"long-fill-in", "", "An essay", {{"response", "An essay"}}},
      {"matching",
       "1[.]a[,]2[.]b",
       "1[.]b[,]2[.]a",
       {{"correctResponsesPattern", {"1[.]a[,]2[.]b"}},
        {"source", components({"1", "2"})},
        {"target", components({"a", "b"})},
        {"response", "1[.]b[,]2[.]a"}}},
      {"performance",
       "s1[.]10[,]s2[.]go",
       "s1[.]10[,]s2[.]stop",
       {{"correctResponsesPattern", {"s1[.]10[,]s2[.]go"}},
        {"steps", components({"s1", "s2"})},
        {"response", "s1[.]10[,]s2[.]stop"}}},
      {"sequencing",
       "x[,]y[,]z",
       "y[,]x[,]z",
       {{"correctResponsesPattern", {"x[,]y[,]z"}},
        {"choices", components({"x", "y", "z"})},
        {"response", "y[,]x[,]z"}}},
      {"likert",
       "agree",
       "neutral",
       {{"correctResponsesPattern", {"agree"}},
        {"scale", components({"agree", "neutral"})},
        {"response", "neutral"}}},
      {"numeric", "1[:]5", "3", {{"correctResponsesPattern", {"1[:]5"}}, {"response", "3"}}},
      {"other", "", "anything", {{"response", "anything"}}},
  };
  REQUIRE(rows.size() == 10);
  for (const auto& row : rows) check_row(ScormVersion::kScorm2004, row);
}

TEST_CASE("1.2: the 8 interaction types, responses converted", "[interactions][1.2]") {
  const std::vector<Row> rows = {
      {"true-false", "t", "0", {{"correctResponsesPattern", {"true"}}, {"response", "false"}}},
      {"choice",
       "a,c",
       "b",
       {{"correctResponsesPattern", {"a[,]c"}},
        {"choices", components({"a", "c", "b"})},
        {"response", "b"}}},
      {"fill-in",
       "Paris",
       "London",
       {{"correctResponsesPattern", {"Paris"}}, {"response", "London"}}},
      {"matching",
       "1.a,2.b",
       "1.b,2.a",
       {{"correctResponsesPattern", {"1[.]a[,]2[.]b"}},
        {"source", components({"1", "2"})},
        {"target", components({"a", "b"})},
        {"response", "1[.]b[,]2[.]a"}}},
      {"performance",
       "",
       "drove then putted",
       {{"steps", json::array()}, {"response", "drove then putted"}}},
      {"sequencing",
       "1,2,3",
       "2,1,3",
       {{"correctResponsesPattern", {"1[,]2[,]3"}},
        {"choices", components({"1", "2", "3"})},
        {"response", "2[,]1[,]3"}}},
      {"likert",
       "5",
       "3",
       {{"correctResponsesPattern", {"5"}}, {"scale", components({"5", "3"})}, {"response", "3"}}},
      {"numeric", "42", "41.5", {{"correctResponsesPattern", {"42"}}, {"response", "41.5"}}},
  };
  REQUIRE(rows.size() == 8);
  for (const auto& row : rows) check_row(ScormVersion::kScorm12, row);
  CHECK(adapter::convert_response_12("true-false", "1") == "true");
  CHECK(adapter::convert_response_12("true-false", "f") == "false");
  CHECK(adapter::convert_response_12("choice", "{a,b}") == "a[,]b");
}

TEST_CASE("interaction result, latency, description and timestamp", "[interactions]") {
  SECTION("2004") {
    auto ctx = context(ScormVersion::kScorm2004);
    auto before = scorm::start_session(scorm::CmiModel2004(), {}).model;
    auto after = before;
    set_all(after, {{"cmi.interactions.0.id", "urn:golf:q/1"},
                    {"cmi.interactions.0.type", "choice"},
                    {"cmi.interactions.0.description", "Which club?"},
                    {"cmi.interactions.0.timestamp", "2026-01-01T00:00:03Z"},
                    {"cmi.interactions.0.learner_response", "putter"},
                    {"cmi.interactions.0.result", "incorrect"},
                    {"cmi.interactions.0.latency", "PT4.5S"},
                    {"cmi.interactions.1.id", "q2"},
                    {"cmi.interactions.1.type", "numeric"},
                    {"cmi.interactions.1.timestamp", "2026-01-01T00:00:04"},
                    {"cmi.interactions.1.learner_response", "7"},
                    {"cmi.interactions.1.result", "0.75"},
                    {"cmi.interactions.2.id", "q3"},
                    {"cmi.interactions.2.type", "true-false"}});
    auto out = translate(ctx, before, after, RuntimeEvent::kCommit, 2);
    REQUIRE(out.size() == 2);  // q3 has no response yet
    CHECK(out[0]["object"]["id"] ==
          "https://courses.example.org/golf/sco1/interactions/urn:golf:q%2F1");
    CHECK(out[0]["object"]["definition"]["description"] == json{{"en-US", "Which club?"}});
    CHECK(out[0]["object"]["definition"]["choices"] == components({"putter"}));
    CHECK(out[0]["result"] ==
          json{{"response", "putter"}, {"success", false}, {"duration", "PT0H0M4.5S"}});
    CHECK(out[0]["timestamp"] == "2026-01-01T00:00:03.000Z");
    CHECK(out[1]["result"] == json{{"response", "7"}, {"score", {{"raw", 0.75}}}});
    CHECK(out[1]["timestamp"] == adapter_test::kTimestamp);  // no time zone: commit time

    // Setting the result later re-reports that interaction only; the same values again: none.
    auto later = after;
    set_all(later, {{"cmi.interactions.1.result", "correct"},
                    {"cmi.interactions.0.learner_response", "putter"}});
    auto again = translate(ctx, after, later, RuntimeEvent::kCommit, 3);
    REQUIRE(again.size() == 1);
    CHECK(again[0]["id"] == adapter_test::expected_id(ctx, 3, "commit", "responded", "1"));
    CHECK(again[0]["result"] == json{{"response", "7"}, {"success", true}});
  }
  SECTION("1.2 wrong, latency as CMITimespan") {
    auto ctx = context(ScormVersion::kScorm12);
    auto before = scorm::start_session(scorm::CmiModel12(), {}).model;
    auto after = before;
    set_all(after, {{"cmi.interactions.0.id", "q1"},
                    {"cmi.interactions.0.type", "true-false"},
                    {"cmi.interactions.0.time", "10:00:00"},
                    {"cmi.interactions.0.student_response", "t"},
                    {"cmi.interactions.0.result", "wrong"},
                    {"cmi.interactions.0.latency", "0000:00:12.50"}});
    auto out = translate(ctx, before, after, RuntimeEvent::kCommit, 2);
    REQUIRE(out.size() == 1);
    CHECK(out[0]["result"] ==
          json{{"response", "true"}, {"success", false}, {"duration", "PT0H0M12.5S"}});
    CHECK(out[0]["timestamp"] == adapter_test::kTimestamp);
  }
}

// Course-level statements from the rolled-up course status.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "adapter/translator.h"
#include "adapter_test_util.h"

using adapter::CourseStatus;
using adapter::RuntimeEvent;
using adapter_test::verbs;
using nlohmann::json;

namespace {

std::vector<json> course(const CourseStatus& before, const CourseStatus& after,
                         RuntimeEvent event = RuntimeEvent::kCommit, int seq = 7) {
  auto ctx = adapter_test::context(scorm::ScormVersion::kScorm2004);
  auto out = adapter::course_statements(ctx, before, after, event, seq, adapter_test::kT0);
  adapter_test::require_valid(out);
  for (const auto& writer : adapter_test::writers()) {
    adapter_test::require_same_prepared(
        out,
        adapter::course_statements_prepared(adapter_test::frames(ctx, writer), before, after, event,
                                            seq, adapter_test::kT0),
        writer);
  }
  return out;
}

}  // namespace

TEST_CASE("course statements on a change of the rolled-up status", "[course]") {
  const CourseStatus unknown;
  SECTION("nothing changes, nothing is said") {
    CHECK(course(unknown, unknown).empty());
    CHECK(course({true, true, 0.9}, {true, true, 0.95}).empty());
  }
  SECTION("completed and passed in one commit, with the course measure") {
    auto out = course(unknown, {true, true, 0.875}, RuntimeEvent::kTerminate);
    REQUIRE(verbs(out) == std::vector<std::string>{"completed", "passed"});
    auto ctx = adapter_test::context(scorm::ScormVersion::kScorm2004);
    CHECK(out[0]["id"] == adapter_test::expected_id(ctx, 7, "terminate", "course-completed", ""));
    CHECK(out[1]["id"] == adapter_test::expected_id(ctx, 7, "terminate", "course-passed", ""));
    CHECK(out[0]["object"] == json::parse(R"({"objectType": "Activity",
      "id": "https://courses.example.org/golf",
      "definition": {"type": "http://adlnet.gov/expapi/activities/course",
                     "name": {"en-US": "Golf"}}})"));
    CHECK(out[0]["result"] == json{{"completion", true}});
    CHECK(out[1]["result"] == json::parse(R"({"success": true, "score": {"scaled": 0.875}})"));
    CHECK(out[1]["context"] == json::parse(R"({
      "registration": "11111111-2222-4333-8444-555555555555", "platform": "lrsbridge",
      "contextActivities": {"category": [{"objectType": "Activity",
        "id": "https://w3id.org/xapi/scorm",
        "definition": {"type": "http://adlnet.gov/expapi/activities/profile"}}]}})"));
    CHECK(out[1]["timestamp"] == adapter_test::kTimestamp);
  }
  SECTION("failed, then passed on a later attempt; completed only once") {
    auto failed = course({true, std::nullopt, std::nullopt}, {true, false, std::nullopt});
    REQUIRE(verbs(failed) == std::vector<std::string>{"failed"});
    CHECK(failed[0]["result"] == json{{"success", false}});
    CHECK(verbs(course({true, false, 0.2}, {true, true, 0.8})) ==
          std::vector<std::string>{"passed"});
  }
  SECTION("a status becoming unknown is not reported") {
    CHECK(course({true, true, std::nullopt}, unknown).empty());
  }
  SECTION("the same change in another commit gets other ids") {
    auto a = course(unknown, {true, std::nullopt, std::nullopt}, RuntimeEvent::kCommit, 1);
    auto b = course(unknown, {true, std::nullopt, std::nullopt}, RuntimeEvent::kCommit, 2);
    CHECK(a[0]["id"] != b[0]["id"]);
    CHECK(a == course(unknown, {true, std::nullopt, std::nullopt}, RuntimeEvent::kCommit, 1));
  }
}

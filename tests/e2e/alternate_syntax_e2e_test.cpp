// End-to-end: the alternate request syntax (xAPI 1.0.3 Communication 1.3: POST
// ?method=X with headers, parameters and content as form fields) on every resource,
// and its refusals, over real HTTP against the lrsbridge binary.
#include <filesystem>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "http_client.h"
#include "lrs/url.h"

using nlohmann::json;

namespace {

const std::string kAdmin = "admin:admin-secret-1";
const std::string kActivity = "http://example.com/alt/activity";
const std::string kAgent = R"({"mbox":"mailto:alt@example.com"})";

std::string encode(const std::string& s) { return lrs::url_encode(s); }

struct Lrs : e2e::TestLrs {
  // POST /xapi{resource}?method={method} with `fields` (already encoded name=value
  // pairs joined by '&'), plus the credential and version as form fields.
  e2e::Reply alternate(const std::string& method, const std::string& resource,
                       const std::string& fields, const std::string& version = "1.0.3") {
    std::string form =
        "Authorization=" + encode(e2e::basic_auth(kAdmin)) + "&X-Experience-API-Version=" + version;
    if (!fields.empty()) form += "&" + fields;
    return client.request("POST", "/xapi" + resource + "?method=" + method,
                          {{"Content-Type", "application/x-www-form-urlencoded"}}, form);
  }
};

std::string state_fields(const std::string& state_id = "") {
  std::string f = "activityId=" + encode(kActivity) + "&agent=" + encode(kAgent);
  if (!state_id.empty()) f += "&stateId=" + state_id;
  return f;
}

}  // namespace

TEST_CASE("alternate syntax: the State resource, every method", "[e2e]") {
  Lrs lrs;
  auto put = lrs.alternate("PUT", "/activities/state",
                           state_fields("s1") + "&Content-Type=text%2Fplain&content=" +
                               encode("plain text & symbols = kept"));
  REQUIRE(put.status == 204);
  std::string etag = put.header("etag");
  CHECK_FALSE(etag.empty());

  auto get = lrs.alternate("GET", "/activities/state", state_fields("s1"));
  REQUIRE(get.status == 200);
  CHECK(get.body == "plain text & symbols = kept");
  CHECK(get.header("content-type") == "text/plain");
  CHECK(get.header("etag") == etag);

  auto head = lrs.alternate("HEAD", "/activities/state", state_fields("s1"));
  CHECK(head.status == 200);
  CHECK(head.body.empty());
  CHECK(head.header("etag") == etag);

  // Headers as form fields take part in concurrency control.
  auto stale = lrs.alternate(
      "PUT", "/activities/state",
      state_fields("s1") + "&If-Match=" + encode("\"0000\"") + "&content=" + encode("x"));
  CHECK(stale.status == 412);

  // POST merges JSON; without a Content-Type field the content is taken as JSON.
  REQUIRE(lrs.alternate("POST", "/activities/state",
                        state_fields("s2") + "&content=" + encode(R"({"a":1})"))
              .status == 204);
  REQUIRE(lrs.alternate("POST", "/activities/state",
                        state_fields("s2") +
                            "&Content-Type=application%2Fjson&content=" + encode(R"({"b":2})"))
              .status == 204);
  auto merged = lrs.alternate("GET", "/activities/state", state_fields("s2"));
  REQUIRE(merged.status == 200);
  CHECK(json::parse(merged.body) == json({{"a", 1}, {"b", 2}}));

  auto ids = lrs.alternate("GET", "/activities/state", state_fields());
  REQUIRE(ids.status == 200);
  CHECK(json::parse(ids.body) == json({"s1", "s2"}));

  CHECK(lrs.alternate("DELETE", "/activities/state", state_fields("s1")).status == 204);
  CHECK(lrs.alternate("GET", "/activities/state", state_fields("s1")).status == 404);
  CHECK(lrs.alternate("DELETE", "/activities/state", state_fields()).status == 204);
  CHECK(lrs.alternate("GET", "/activities/state", state_fields("s2")).status == 404);
}

TEST_CASE("alternate syntax: profiles, Activities, Agents and About", "[e2e]") {
  Lrs lrs;
  std::string activity_profile = "activityId=" + encode(kActivity) + "&profileId=p1";
  auto put = lrs.alternate("PUT", "/activities/profile",
                           activity_profile + "&If-None-Match=*&content=" + encode(R"({"p":1})"));
  REQUIRE(put.status == 204);
  auto got = lrs.alternate("GET", "/activities/profile", activity_profile);
  REQUIRE(got.status == 200);
  CHECK(json::parse(got.body) == json({{"p", 1}}));
  // 1.0.3 wants a precondition on a profile PUT: as a form field it counts like a header.
  auto bare = lrs.alternate("PUT", "/activities/profile", activity_profile + "&content=x");
  CHECK(bare.status == 409);
  auto replaced = lrs.alternate("PUT", "/activities/profile",
                                activity_profile + "&If-Match=" + encode(got.header("etag")) +
                                    "&content=" + encode(R"({"p":2})"));
  CHECK(replaced.status == 204);
  CHECK(lrs.alternate("DELETE", "/activities/profile", activity_profile).status == 204);
  CHECK(lrs.alternate("GET", "/activities/profile", activity_profile).status == 404);

  std::string agent_profile = "agent=" + encode(kAgent) + "&profileId=q1";
  REQUIRE(lrs.alternate("PUT", "/agents/profile",
                        agent_profile + "&If-None-Match=*&Content-Type=text%2Fplain&content=hi")
              .status == 204);
  auto agent_doc = lrs.alternate("GET", "/agents/profile", agent_profile);
  REQUIRE(agent_doc.status == 200);
  CHECK(agent_doc.body == "hi");
  auto agent_ids = lrs.alternate("GET", "/agents/profile", "agent=" + encode(kAgent));
  REQUIRE(agent_ids.status == 200);
  CHECK(json::parse(agent_ids.body) == json({"q1"}));

  auto activity = lrs.alternate("GET", "/activities", "activityId=" + encode(kActivity));
  REQUIRE(activity.status == 200);
  CHECK(json::parse(activity.body)["id"] == kActivity);

  auto person = lrs.alternate("GET", "/agents", "agent=" + encode(kAgent));
  REQUIRE(person.status == 200);
  CHECK(json::parse(person.body)["mbox"] == json({"mailto:alt@example.com"}));

  auto about = lrs.alternate("GET", "/about", "");
  REQUIRE(about.status == 200);
  CHECK(json::parse(about.body)["version"] == json({"1.0.3", "2.0.0"}));
}

TEST_CASE("alternate syntax: bad forms are refused naming the problem, nothing written", "[e2e]") {
  Lrs lrs;
  auto expect_400 = [](const e2e::Reply& r, const std::string& mention) {
    CHECK(r.status == 400);
    CHECK(r.body.find(mention) != std::string::npos);
  };
  // An unknown field reaches the resource as an unknown parameter.
  expect_400(
      lrs.alternate("PUT", "/activities/state", state_fields("u") + "&colour=blue&content=x"),
      "colour");
  expect_400(lrs.alternate("GET", "/agents", "agent=" + encode(kAgent) + "&extra=1"), "extra");
  expect_400(lrs.alternate("GET", "/about", "extra=1"), "extra");
  // Parameters belong in the form, not the query string.
  auto in_query =
      lrs.client.request("POST", "/xapi/activities/state?method=PUT&stateId=u",
                         {{"Content-Type", "application/x-www-form-urlencoded"}},
                         "Authorization=" + encode(e2e::basic_auth(kAdmin)) +
                             "&X-Experience-API-Version=1.0.3&" + state_fields() + "&content=x");
  expect_400(in_query, "stateId");
  // The body must be a form.
  auto not_form = lrs.client.request(
      "POST", "/xapi/activities/state?method=PUT",
      {{"Content-Type", "application/json"}, {"Authorization", e2e::basic_auth(kAdmin)}},
      R"({"a":1})");
  expect_400(not_form, "application/x-www-form-urlencoded");
  expect_400(lrs.alternate("PATCH", "/activities/state", state_fields("u")), "PATCH");
  expect_400(lrs.alternate("PUT", "/activities/state", state_fields("u") + "&content=a&content=b"),
             "more than once");
  // xAPI 2.0 removed the syntax.
  expect_400(lrs.alternate("PUT", "/activities/state", state_fields("u") + "&content=x", "2.0.0"),
             "2.0");
  // A form without a credential is unauthorized like any request.
  auto anonymous = lrs.client.request("POST", "/xapi/activities/state?method=GET",
                                      {{"Content-Type", "application/x-www-form-urlencoded"}},
                                      "X-Experience-API-Version=1.0.3&" + state_fields("u"));
  CHECK(anonymous.status == 401);

  CHECK(lrs.alternate("GET", "/activities/state", state_fields("u")).status == 404);
  auto ids = lrs.alternate("GET", "/activities/state", state_fields());
  REQUIRE(ids.status == 200);
  CHECK(json::parse(ids.body) == json::array());
}

// End-to-end: statement rules of the issue that other e2e tests do not reach (fileUrl
// attachments, format=ids / canonical with Accept-Language, related_agents with 2.0.0
// contextAgents and contextGroups, the define scope on the Activities resource), over real
// HTTP against the lrsbridge binary.
#include <filesystem>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "http_client.h"
#include "lrs/url.h"

using nlohmann::json;

namespace {

const std::string kAdmin = "admin:admin-secret-1";
const std::string kActivity = "http://example.com/rules/meeting";
using Headers = std::vector<std::pair<std::string, std::string>>;

struct Lrs : e2e::TestLrs {
  e2e::Reply call(const std::string& method, const std::string& target,
                  const std::string& body = "", const std::string& key_secret = kAdmin,
                  Headers extra = {}) {
    Headers headers = {{"Authorization", e2e::basic_auth(key_secret)},
                       {"X-Experience-API-Version", "2.0.0"}};
    if (!body.empty()) headers.emplace_back("Content-Type", "application/json");
    headers.insert(headers.end(), extra.begin(), extra.end());
    return client.request(method, target, headers, body);
  }
  json statements(const std::string& query, Headers extra = {}) {
    auto r = call("GET", "/xapi/statements?" + query, "", kAdmin, std::move(extra));
    REQUIRE(r.status == 200);
    return json::parse(r.body)["statements"];
  }
};

std::string encode(const std::string& s) { return lrs::url_encode(s); }

json agent(const std::string& who) {
  return {{"objectType", "Agent"}, {"mbox", "mailto:" + who + "@example.com"}, {"name", who}};
}

json meeting(json definition) {
  return {{"objectType", "Activity"}, {"id", kActivity}, {"definition", std::move(definition)}};
}

json statement(json actor, json object) {
  return {{"actor", std::move(actor)},
          {"verb", {{"id", "http://adlnet.gov/expapi/verbs/attended"}}},
          {"object", std::move(object)}};
}

std::string query_agent(const std::string& who) {
  return "agent=" + encode(json{{"mbox", "mailto:" + who + "@example.com"}}.dump());
}

}  // namespace

TEST_CASE("statement rules over HTTP: fileUrl, formats, related agents", "[e2e]") {
  Lrs lrs;
  json with_file =
      statement(agent("ann"), meeting({{"name", {{"en-US", "meeting"}, {"fr-FR", "réunion"}}}}));
  with_file["attachments"] = {{{"usageType", "http://example.com/usage/minutes"},
                               {"display", {{"en-US", "minutes"}}},
                               {"contentType", "application/pdf"},
                               {"length", 1234},
                               {"sha2", std::string(64, 'a')},
                               {"fileUrl", "https://files.example.com/minutes.pdf"}}};
  with_file["context"] = {
      {"instructor", agent("ina")},
      {"contextAgents", {{{"objectType", "contextAgent"}, {"agent", agent("cara")}}}},
      {"contextGroups",
       {{{"objectType", "contextGroup"},
         {"group", {{"objectType", "Group"}, {"mbox", "mailto:team@example.com"}}}}}}};
  // An attachment with a fileUrl needs no part: plain application/json is enough.
  auto posted = lrs.call("POST", "/xapi/statements", with_file.dump());
  REQUIRE(posted.status == 200);
  std::string id = json::parse(posted.body)[0];

  auto got = lrs.call("GET", "/xapi/statements?statementId=" + id);
  REQUIRE(got.status == 200);
  CHECK(json::parse(got.body)["attachments"][0]["fileUrl"] ==
        "https://files.example.com/minutes.pdf");

  // format=ids keeps identifiers only; canonical keeps one language, the one asked for.
  auto ids_one = lrs.call("GET", "/xapi/statements?statementId=" + id + "&format=ids");
  REQUIRE(ids_one.status == 200);
  json ids_statement = json::parse(ids_one.body);
  CHECK_FALSE(ids_statement["actor"].contains("name"));
  CHECK_FALSE(ids_statement["object"].contains("definition"));
  auto canonical = lrs.call("GET", "/xapi/statements?statementId=" + id + "&format=canonical", "",
                            kAdmin, {{"Accept-Language", "fr-FR, en;q=0.5"}});
  REQUIRE(canonical.status == 200);
  CHECK(json::parse(canonical.body)["object"]["definition"]["name"] ==
        json({{"fr-FR", "réunion"}}));

  // Instructor, contextAgents and contextGroups match only with related_agents=true.
  for (const char* who : {"ina", "cara"}) {
    CHECK(lrs.statements(query_agent(who)).empty());
    CHECK(lrs.statements(query_agent(who) + "&related_agents=true").size() == 1);
  }
  std::string team =
      "agent=" + encode(R"({"objectType":"Group","mbox":"mailto:team@example.com"})");
  CHECK(lrs.statements(team).empty());
  CHECK(lrs.statements(team + "&related_agents=true").size() == 1);
  CHECK(lrs.statements(query_agent("ann")).size() == 1);
}

TEST_CASE("the define scope decides who may change a known activity definition", "[e2e]") {
  Lrs lrs;
  REQUIRE(lrs.call("POST", "/api/credentials",
                   R"({"key":"writer","secret":"writer-secret-1","scopes":["statements/write"]})")
              .status == 201);
  REQUIRE(lrs.call("POST", "/api/credentials",
                   R"({"key":"definer","secret":"definer-secret-1",)"
                   R"("scopes":["statements/write","define"]})")
              .status == 201);
  auto name_now = [&] {
    auto r = lrs.call("GET", "/xapi/activities?activityId=" + encode(kActivity));
    REQUIRE(r.status == 200);
    return json::parse(r.body)["definition"]["name"];
  };
  REQUIRE(lrs.call("POST", "/xapi/statements",
                   statement(agent("ann"), meeting({{"name", {{"en-US", "meeting"}}}})).dump(),
                   "writer:writer-secret-1")
              .status == 200);
  CHECK(name_now() == json({{"en-US", "meeting"}}));
  // Known now: a plain writer's statement is stored, its definition is not merged in.
  REQUIRE(lrs.call("POST", "/xapi/statements",
                   statement(agent("ann"), meeting({{"name", {{"de-DE", "Treffen"}}}})).dump(),
                   "writer:writer-secret-1")
              .status == 200);
  CHECK(name_now() == json({{"en-US", "meeting"}}));
  REQUIRE(lrs.call("POST", "/xapi/statements",
                   statement(agent("ann"), meeting({{"name", {{"de-DE", "Treffen"}}}})).dump(),
                   "definer:definer-secret-1")
              .status == 200);
  CHECK(name_now() == json({{"en-US", "meeting"}, {"de-DE", "Treffen"}}));
  CHECK(lrs.statements(query_agent("ann")).size() == 3);
}

// End-to-end: person links (admin API and CLI) and the Person object of the Agents
// resource, over real HTTP against the lrsbridge binary.
#include <cstdio>
#include <filesystem>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "http_client.h"
#include "lrs/url.h"
#include "support/cli_run.h"

using nlohmann::json;

namespace {

const std::string kAdmin = "admin:admin-secret-1";
using Headers = std::vector<std::pair<std::string, std::string>>;

const json kAccount = {{"account", {{"homePage", "https://lms.example.org"}, {"name", "42"}}}};
const json kMbox = {{"mbox", "mailto:ann@example.org"}};
const json kOpenid = {{"openid", "https://id.example.org/ann"}};

std::string encode(const std::string& s) { return lrs::url_encode(s); }

e2e::Reply call(e2e::HttpClient& client, const std::string& method, const std::string& target,
                const std::string& body = "", const std::string& key_secret = kAdmin) {
  Headers headers = {{"Authorization", e2e::basic_auth(key_secret)},
                     {"X-Experience-API-Version", "2.0.0"}};
  if (!body.empty()) headers.emplace_back("Content-Type", "application/json");
  return client.request(method, target, headers, body);
}

json statement_by(json actor, const std::string& name) {
  actor["name"] = name;
  return {{"actor", actor},
          {"verb", {{"id", "http://adlnet.gov/expapi/verbs/completed"}}},
          {"object", {{"id", "http://example.com/course/persons"}}}};
}

json person_of(e2e::HttpClient& client, const json& agent) {
  auto r = call(client, "GET", "/xapi/agents?agent=" + encode(agent.dump()));
  REQUIRE(r.status == 200);
  return json::parse(r.body);
}

lrs::test::CliRun run_cli(const std::vector<std::string>& args) {
  return lrs::test::run_cli(LRSBRIDGE_BINARY, args);
}

}  // namespace

TEST_CASE("persons: linked identifiers make one Person; statement queries stay exact", "[e2e]") {
  std::string dir = e2e::temp_dir();
  std::string person_id;
  {
    e2e::Server server(dir + "/lrs.db");
    e2e::HttpClient client(server.port());
    REQUIRE(
        call(client, "POST", "/xapi/statements", statement_by(kAccount, "Ann Lee").dump()).status ==
        200);
    REQUIRE(call(client, "POST", "/xapi/statements", statement_by(kMbox, "A. Lee").dump()).status ==
            200);

    json alone = person_of(client, kMbox);
    CHECK(alone["mbox"] == json({"mailto:ann@example.org"}));
    CHECK_FALSE(alone.contains("account"));
    CHECK(alone["name"] == json({"A. Lee"}));

    auto linked = call(client, "POST", "/api/persons", json{{"agents", {kAccount, kMbox}}}.dump());
    REQUIRE(linked.status == 200);
    json person = json::parse(linked.body);
    person_id = person["id"];
    REQUIRE(person["agents"].size() == 2);
    CHECK(person["agents"][0]["source"] == "admin");

    for (const json& query : {kAccount, kMbox}) {
      json p = person_of(client, query);
      CHECK(p["objectType"] == "Person");
      CHECK(p["mbox"] == json({"mailto:ann@example.org"}));
      CHECK(p["account"] == json({kAccount["account"]}));
      CHECK(p["name"].size() == 2);
    }
    // Communication 2.1.3: an agent filter matches its own IFI only, links or not.
    auto by_mbox = call(client, "GET", "/xapi/statements?agent=" + encode(kMbox.dump()));
    REQUIRE(by_mbox.status == 200);
    CHECK(json::parse(by_mbox.body)["statements"].size() == 1);

    auto listed = call(client, "GET", "/api/persons");
    REQUIRE(listed.status == 200);
    CHECK(json::parse(listed.body).size() == 1);
    auto found = call(client, "GET", "/api/persons?agent=" + encode(kAccount.dump()));
    REQUIRE(found.status == 200);
    CHECK(json::parse(found.body)["id"] == person_id);
    CHECK(call(client, "GET", "/api/persons/" + person_id).status == 200);
    CHECK(call(client, "GET", "/api/persons?agent=" + encode(kOpenid.dump())).status == 404);

    SECTION("bad requests are refused naming the problem") {
      auto one = call(client, "POST", "/api/persons", json{{"agents", {kMbox}}}.dump());
      CHECK(one.status == 400);
      CHECK(one.body.find("at least two") != std::string::npos);
      auto group = call(
          client, "POST", "/api/persons",
          json{{"agents", {kMbox, {{"objectType", "Group"}, {"mbox", "mailto:g@example.org"}}}}}
              .dump());
      CHECK(group.status == 400);
      CHECK(group.body.find("agents[1]") != std::string::npos);
      auto extra = call(client, "POST", "/api/persons",
                        json{{"agents", {kMbox, kOpenid}}, {"note", 1}}.dump());
      CHECK(extra.status == 400);
      CHECK(extra.body.find("note") != std::string::npos);
      CHECK(call(client, "POST", "/api/persons", "not json").status == 400);
      CHECK(call(client, "PUT", "/api/persons", "{}").status == 405);
      // Nothing of the refused links was stored.
      CHECK(json::parse(call(client, "GET", "/api/persons").body)[0]["agents"].size() == 2);

      auto reader = call(client, "POST", "/api/credentials",
                         R"({"key":"reader","secret":"reader-secret-1","scopes":["all/read"]})");
      REQUIRE(reader.status == 201);
      CHECK(call(client, "GET", "/api/persons", "", "reader:reader-secret-1").status == 403);
      CHECK(call(client, "POST", "/api/persons", json{{"agents", {kMbox, kOpenid}}}.dump(),
                 "reader:reader-secret-1")
                .status == 403);
    }
    SECTION("unlinking dissolves a pair") {
      auto unlinked =
          call(client, "DELETE", "/api/persons/" + person_id + "?agent=" + encode(kAccount.dump()));
      CHECK(unlinked.status == 204);
      CHECK(call(client, "GET", "/api/persons/" + person_id).status == 404);
      CHECK_FALSE(person_of(client, kMbox).contains("account"));
      CHECK(call(client, "DELETE", "/api/persons/" + person_id).status == 404);
    }
    server.stop();
  }
  // The CLI works on the same database: links persist and grow.
  std::string db = e2e::database_url(dir + "/lrs.db");
  auto show = run_cli({"persons", "show", kMbox.dump(), "--db", db});
  bool still_linked = show.status == 0;
  if (still_linked) {
    CHECK(json::parse(show.output)["id"] == person_id);
    auto grow = run_cli({"persons", "link", "mailto:ann@example.org", kOpenid.dump(), "--db", db});
    REQUIRE(grow.status == 0);
    json grown = json::parse(grow.output);
    CHECK(grown["id"] == person_id);
    CHECK(grown["agents"].size() == 3);
    e2e::Server server(dir + "/lrs.db");
    e2e::HttpClient client(server.port());
    json p = person_of(client, kOpenid);
    CHECK(p["openid"] == json({"https://id.example.org/ann"}));
    CHECK(p["account"] == json({kAccount["account"]}));
    auto listed = run_cli({"persons", "list", "--db", db});
    CHECK(listed.status == 0);
    auto dissolved = run_cli({"persons", "unlink", person_id, "--db", db});
    CHECK(dissolved.status == 0);
    CHECK(call(client, "GET", "/api/persons/" + person_id).status == 404);
  } else {
    CHECK(show.output.find("no person") != std::string::npos);
    auto bad = run_cli({"persons", "link", "mailto:ann@example.org", "--db", db});
    CHECK(bad.status != 0);
    CHECK(bad.output.find("at least two") != std::string::npos);
  }
  std::filesystem::remove_all(dir);
}

// End-to-end: the document resources, Activities and Agents over real HTTP against the
// lrsbridge binary, including persistence across a restart.
#include <filesystem>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "http_client.h"
#include "lrs/url.h"

using nlohmann::json;

namespace {

const std::string kAdmin = "admin:admin-secret-1";

std::string encode(const std::string& s) { return lrs::url_encode(s); }

using Headers = std::vector<std::pair<std::string, std::string>>;

e2e::Reply call(e2e::HttpClient& client, const std::string& method, const std::string& target,
                const std::string& body = "", Headers extra = {},
                const std::string& version = "2.0.0") {
  Headers headers = {{"Authorization", e2e::basic_auth(kAdmin)},
                     {"X-Experience-API-Version", version}};
  headers.insert(headers.end(), extra.begin(), extra.end());
  return client.request(method, target, headers, body);
}

const std::string kState = "/xapi/activities/state?activityId=" + encode("http://example.com/a") +
                           "&agent=" + encode(R"({"mbox":"mailto:a@example.com"})");

const Headers kJson = {{"Content-Type", "application/json"}};

}  // namespace

TEST_CASE("documents over HTTP: write, merge, concurrency, HEAD, persistence", "[e2e]") {
  std::string dir = e2e::temp_dir();
  {
    e2e::Server server(dir + "/lrs.db");
    e2e::HttpClient client(server.port());

    CHECK(call(client, "POST", kState + "&stateId=s", R"({"a":1})", kJson).status == 204);
    CHECK(call(client, "POST", kState + "&stateId=s", R"({"b":2})", kJson).status == 204);
    auto got = call(client, "GET", kState + "&stateId=s");
    REQUIRE(got.status == 200);
    CHECK(json::parse(got.body) == json({{"a", 1}, {"b", 2}}));
    CHECK(got.header("content-type") == "application/json");
    std::string etag = got.header("etag");
    CHECK(etag.size() == 42);
    CHECK_FALSE(got.header("last-modified").empty());

    auto head = call(client, "HEAD", kState + "&stateId=s");
    CHECK(head.status == 200);
    CHECK(head.body.empty());
    CHECK(head.header("etag") == etag);

    // 2.0: a PUT over an existing document needs a precondition.
    CHECK(call(client, "PUT", kState + "&stateId=s", R"({"c":3})", kJson).status == 409);
    Headers stale = kJson;
    stale.emplace_back("If-Match", "\"0000\"");
    CHECK(call(client, "PUT", kState + "&stateId=s", R"({"c":3})", stale).status == 412);
    Headers fresh = kJson;
    fresh.emplace_back("If-Match", etag);
    auto replaced = call(client, "PUT", kState + "&stateId=s", R"({"c":3})", fresh);
    CHECK(replaced.status == 204);
    // A write answers the new ETag, so the next write needs no GET first.
    std::string next = replaced.header("etag");
    CHECK(next == call(client, "GET", kState + "&stateId=s").header("etag"));
    CHECK(next != etag);
    auto merged = call(client, "POST", kState + "&stateId=s", R"({"d":4})",
                       {{"Content-Type", "application/json"}, {"If-Match", next}});
    CHECK(merged.status == 204);
    CHECK(merged.header("etag") == call(client, "GET", kState + "&stateId=s").header("etag"));
    Headers again = kJson;
    again.emplace_back("If-Match", merged.header("etag"));
    CHECK(call(client, "PUT", kState + "&stateId=s", R"({"c":3})", again).status == 204);

    Headers image = {{"Content-Type", "image/png"}, {"If-None-Match", "*"}};
    std::string png("\x89PNG\r\n\x1a\n\0\0binary", 18);
    CHECK(call(client, "PUT", kState + "&stateId=img", png, image).status == 204);
    CHECK(call(client, "PUT", kState + "&stateId=img", png, image).status == 412);

    auto ids = call(client, "GET", kState + "&since=" + encode("2000-01-01T00:00:00Z"));
    REQUIRE(ids.status == 200);
    CHECK(json::parse(ids.body) == json({"s", "img"}));
    CHECK(call(client, "GET", kState + "&stateid=s").status == 400);
    CHECK(server.stop() == 0);
  }
  {
    e2e::Server server(dir + "/lrs.db");
    e2e::HttpClient client(server.port());
    auto json_doc = call(client, "GET", kState + "&stateId=s");
    CHECK(json::parse(json_doc.body) == json({{"c", 3}}));
    auto png = call(client, "GET", kState + "&stateId=img");
    CHECK(png.header("content-type") == "image/png");
    CHECK(png.body == std::string("\x89PNG\r\n\x1a\n\0\0binary", 18));
    CHECK(call(client, "DELETE", kState).status == 204);
    CHECK(json::parse(call(client, "GET", kState).body) == json::array());
    server.stop();
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("profiles, Activities and Agents over HTTP", "[e2e]") {
  std::string dir = e2e::temp_dir();
  e2e::Server server(dir + "/lrs.db");
  e2e::HttpClient client(server.port());

  std::string agent_profile =
      "/xapi/agents/profile?agent=" + encode(R"({"mbox":"mailto:a@example.com"})") +
      "&profileId=prefs";
  // 1.0.3 wants a concurrency header on every profile PUT.
  CHECK(call(client, "PUT", agent_profile, "{}", kJson, "1.0.3").status == 400);
  Headers create = kJson;
  create.emplace_back("If-None-Match", "*");
  CHECK(call(client, "PUT", agent_profile, R"({"lang":"fr"})", create, "1.0.3").status == 204);
  CHECK(call(client, "GET", agent_profile, "", {}, "1.0.3").body == R"({"lang":"fr"})");

  std::string activity_profile =
      "/xapi/activities/profile?activityId=" + encode("http://example.com/a") + "&profileId=p";
  CHECK(call(client, "POST", activity_profile, R"({"x":1})", kJson).status == 204);
  CHECK(call(client, "DELETE", activity_profile).status == 204);
  CHECK(call(client, "GET", activity_profile).status == 404);

  json statement = {
      {"actor", {{"mbox", "mailto:a@example.com"}, {"name", "Ann"}}},
      {"verb", {{"id", "http://example.com/verbs/did"}}},
      {"object",
       {{"id", "http://example.com/a"}, {"definition", {{"name", {{"en-US", "Course A"}}}}}}}};
  REQUIRE(call(client, "POST", "/xapi/statements", statement.dump(), kJson).status == 200);
  auto activity =
      call(client, "GET", "/xapi/activities?activityId=" + encode("http://example.com/a"));
  REQUIRE(activity.status == 200);
  CHECK(json::parse(activity.body) == json({{"objectType", "Activity"},
                                            {"id", "http://example.com/a"},
                                            {"definition", {{"name", {{"en-US", "Course A"}}}}}}));
  auto person =
      call(client, "GET", "/xapi/agents?agent=" + encode(R"({"mbox":"mailto:a@example.com"})"));
  REQUIRE(person.status == 200);
  CHECK(json::parse(person.body) ==
        json({{"objectType", "Person"}, {"name", {"Ann"}}, {"mbox", {"mailto:a@example.com"}}}));
  server.stop();
  std::filesystem::remove_all(dir);
}

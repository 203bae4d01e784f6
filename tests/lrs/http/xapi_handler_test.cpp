// XapiHandler with the document, Activities and Agents resources over a real SQLite
// ":memory:" database: requests in, responses out, no sockets.
#include "lrs/xapi_handler.h"

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "lrs/auth.h"
#include "lrs/document_service.h"
#include "lrs/sqlite_database.h"
#include "lrs/statement_service.h"
#include "lrs/url.h"
#include "support/basic_auth.h"

using nlohmann::json;

namespace {

const std::string kAgent = R"({"objectType":"Agent","mbox":"mailto:learner@example.com"})";
const std::string kActivity = "http://example.com/activities/1";

std::unique_ptr<lrs::Database> open_memory() {
  auto opened = lrs::open_sqlite_database({":memory:", 0, false});
  REQUIRE(opened);
  return std::move(*opened);
}

void add_credential(lrs::Database& db, const std::string& key, std::vector<std::string> scopes) {
  lrs::Credential c;
  c.key = key;
  c.secret_hash = lrs::hash_secret(key + "-secret");
  c.scopes = std::move(scopes);
  c.label = key;
  c.authority =
      R"({"objectType":"Agent","account":{"homePage":"http://lrs.test","name":")" + key + R"("}})";
  REQUIRE(db.credentials().add(c));
}

// PBKDF2 is slow by design: the credentials and the Authenticator that remembers their
// checks are shared by every test; each test gets fresh stores.
lrs::Authenticator& shared_auth() {
  static std::unique_ptr<lrs::Database> db = [] {
    auto d = open_memory();
    add_credential(*d, "admin", {"all"});
    add_credential(*d, "state-only", {"state"});
    add_credential(*d, "profile-only", {"profile"});
    add_credential(*d, "reader", {"all/read"});
    add_credential(*d, "writer", {"statements/write"});
    return d;
  }();
  static lrs::Authenticator auth(db->credentials(), std::chrono::hours(1));
  return auth;
}

struct Fixture {
  std::unique_ptr<lrs::Database> db = open_memory();
  std::unique_ptr<lrs::StatementService> statements;
  std::unique_ptr<lrs::DocumentService> documents;
  std::unique_ptr<lrs::XapiHandler> handler;

  Fixture() {
    statements =
        std::make_unique<lrs::StatementService>(db->statements(), lrs::StatementServiceOptions{});
    documents =
        std::make_unique<lrs::DocumentService>(db->documents(), db->statements(), db->persons());
    handler = std::make_unique<lrs::XapiHandler>(*statements, shared_auth(),
                                                 lrs::XapiHandlerOptions{}, documents.get());
  }

  lrs::HttpResponse call(const std::string& method, const std::string& path,
                         const std::string& query, const std::string& body = "",
                         lrs::HeaderList extra = {}, const std::string& version = "2.0.0",
                         const std::string& key = "admin") {
    lrs::HttpRequest r;
    r.method = method;
    r.path = "/xapi" + path;
    r.query = query;
    r.body = body;
    r.headers = {{"authorization", test_support::basic_auth(key + ":" + key + "-secret")},
                 {"x-experience-api-version", version}};
    bool typed = false;
    for (auto& h : extra) {
      typed = typed || h.first == "content-type";
      r.headers.push_back(std::move(h));
    }
    if (!body.empty() && !typed) r.headers.emplace_back("content-type", "application/json");
    return handler->handle(r);
  }
};

std::string header(const lrs::HttpResponse& r, const std::string& name) {
  for (const auto& [n, v] : r.headers) {
    if (n == name) return v;
  }
  return "";
}

std::string state_query(const std::string& state_id = "s1", const std::string& extra = "") {
  std::string q = "activityId=" + lrs::url_encode(kActivity) + "&agent=" + lrs::url_encode(kAgent);
  if (!state_id.empty()) q += "&stateId=" + state_id;
  return q + extra;
}

std::string profile_query(const std::string& profile_id = "p1") {
  return "activityId=" + lrs::url_encode(kActivity) + "&profileId=" + profile_id;
}

}  // namespace

TEST_CASE("State: PUT, GET with ETag and Last-Modified, DELETE", "[documents]") {
  Fixture f;
  auto put = f.call("PUT", "/activities/state", state_query(), R"({"a":1})", {}, "1.0.3");
  CHECK(put.status == 204);
  auto get = f.call("GET", "/activities/state", state_query());
  REQUIRE(get.status == 200);
  CHECK(get.body == R"({"a":1})");
  CHECK(header(get, "Content-Type") == "application/json");
  CHECK(header(get, "ETag") == lrs::document_etag(R"({"a":1})"));
  CHECK(header(get, "ETag").size() == 42);
  CHECK_FALSE(header(get, "Last-Modified").empty());
  CHECK(header(get, "X-Experience-API-Version") == "2.0.0");

  auto head = f.call("HEAD", "/activities/state", state_query());
  CHECK(head.status == 200);
  CHECK(header(head, "ETag") == header(get, "ETag"));

  CHECK(f.call("DELETE", "/activities/state", state_query()).status == 204);
  CHECK(f.call("GET", "/activities/state", state_query()).status == 404);
  // Deleting what is not there is not an error.
  CHECK(f.call("DELETE", "/activities/state", state_query()).status == 204);
}

TEST_CASE("Documents keep any content type byte for byte", "[documents]") {
  Fixture f;
  std::string bytes("\x00\x01\xff binary", 10);
  auto put = f.call("PUT", "/activities/profile", profile_query(), bytes,
                    {{"content-type", "application/octet-stream"}, {"if-none-match", "*"}});
  CHECK(put.status == 204);
  auto get = f.call("GET", "/activities/profile", profile_query());
  REQUIRE(get.status == 200);
  CHECK(get.body == bytes);
  CHECK(header(get, "Content-Type") == "application/octet-stream");
}

TEST_CASE("POST merges JSON objects at the top level", "[documents]") {
  Fixture f;
  REQUIRE(f.call("POST", "/activities/state", state_query(), R"({"a":{"x":1},"b":2})").status ==
          204);
  REQUIRE(f.call("POST", "/activities/state", state_query(), R"({"a":{"y":2},"c":3})").status ==
          204);
  auto get = f.call("GET", "/activities/state", state_query());
  CHECK(json::parse(get.body) == json::parse(R"({"a":{"y":2},"b":2,"c":3})"));

  SECTION("a body that is not a JSON object is rejected and changes nothing") {
    CHECK(f.call("POST", "/activities/state", state_query(), "[1,2]").status == 400);
    CHECK(f.call("POST", "/activities/state", state_query(), "{not json").status == 400);
    CHECK(f.call("GET", "/activities/state", state_query()).body == get.body);
  }
  SECTION("merging with a non-JSON document is a 400") {
    REQUIRE(f.call("PUT", "/activities/state", state_query("text"), "plain",
                   {{"content-type", "text/plain"}})
                .status == 204);
    CHECK(f.call("POST", "/activities/state", state_query("text"), R"({"a":1})").status == 400);
  }
}

TEST_CASE("Concurrency: If-Match, If-None-Match and PUT without either", "[documents]") {
  Fixture f;
  REQUIRE(f.call("PUT", "/agents/profile", "agent=" + lrs::url_encode(kAgent) + "&profileId=p",
                 R"({"v":1})", {{"if-none-match", "*"}})
              .status == 204);
  std::string q = "agent=" + lrs::url_encode(kAgent) + "&profileId=p";
  std::string etag = header(f.call("GET", "/agents/profile", q), "ETag");
  REQUIRE_FALSE(etag.empty());

  CHECK(f.call("PUT", "/agents/profile", q, R"({"v":2})", {{"if-none-match", "*"}}).status == 412);
  CHECK(f.call("PUT", "/agents/profile", q, R"({"v":2})", {{"if-match", "\"1234\""}}).status ==
        412);
  auto conflict = f.call("PUT", "/agents/profile", q, R"({"v":2})");
  CHECK(conflict.status == 409);
  CHECK_FALSE(conflict.body.empty());
  CHECK(f.call("GET", "/agents/profile", q).body == R"({"v":1})");

  CHECK(f.call("PUT", "/agents/profile", q, R"({"v":2})", {{"if-match", etag}}).status == 204);
  CHECK(f.call("GET", "/agents/profile", q).body == R"({"v":2})");
  // The old ETag no longer matches: DELETE is refused.
  CHECK(f.call("DELETE", "/agents/profile", q, "", {{"if-match", etag}}).status == 412);
  std::string now = header(f.call("GET", "/agents/profile", q), "ETag");
  CHECK(f.call("DELETE", "/agents/profile", q, "", {{"if-match", now}}).status == 204);
}

TEST_CASE("PUT without concurrency headers per version", "[documents]") {
  Fixture f;
  SECTION("State: 1.0.3 overwrites, 2.0 answers 409") {
    REQUIRE(f.call("PUT", "/activities/state", state_query(), R"({"v":1})", {}, "1.0.3").status ==
            204);
    CHECK(f.call("PUT", "/activities/state", state_query(), R"({"v":2})", {}, "1.0.3").status ==
          204);
    CHECK(f.call("PUT", "/activities/state", state_query(), R"({"v":3})", {}, "2.0.0").status ==
          409);
    CHECK(f.call("GET", "/activities/state", state_query()).body == R"({"v":2})");
  }
  SECTION("profiles: 1.0.3 wants a header even for a new document, 2.0 does not") {
    CHECK(f.call("PUT", "/activities/profile", profile_query("n"), R"({"v":1})", {}, "1.0.3")
              .status == 400);
    CHECK(f.call("PUT", "/activities/profile", profile_query("n"), R"({"v":1})", {}, "2.0.0")
              .status == 204);
    CHECK(f.call("PUT", "/activities/profile", profile_query("n"), R"({"v":2})", {}, "1.0.3")
              .status == 409);
  }
}

TEST_CASE("State ids: since, registration and DELETE of all", "[documents]") {
  Fixture f;
  std::string reg = "&registration=9b1b0f6c-3b5e-4b8a-9f55-2d8a9f3f7a10";
  REQUIRE(f.call("POST", "/activities/state", state_query("a"), R"({"k":1})").status == 204);
  REQUIRE(f.call("POST", "/activities/state", state_query("b", reg), R"({"k":1})").status == 204);

  auto all = f.call("GET", "/activities/state", state_query(""));
  REQUIRE(all.status == 200);
  CHECK(json::parse(all.body) == json::array({"a", "b"}));
  auto with_reg = f.call("GET", "/activities/state", state_query("", reg));
  CHECK(json::parse(with_reg.body) == json::array({"b"}));
  // A document under a registration is not the registration-less one.
  CHECK(f.call("GET", "/activities/state", state_query("b")).status == 404);

  auto later = f.call("GET", "/activities/state", state_query("", "&since=2999-01-01T00:00:00Z"));
  CHECK(json::parse(later.body) == json::array());
  auto earlier = f.call("GET", "/activities/state", state_query("", "&since=2000-01-01T00:00:00Z"));
  CHECK(json::parse(earlier.body).size() == 2);

  CHECK(f.call("DELETE", "/activities/state", state_query("", reg)).status == 204);
  CHECK(json::parse(f.call("GET", "/activities/state", state_query("")).body) ==
        json::array({"a"}));
  CHECK(f.call("DELETE", "/activities/state", state_query("")).status == 204);
  CHECK(json::parse(f.call("GET", "/activities/state", state_query("")).body) == json::array());
}

TEST_CASE("Document parameters are checked", "[documents]") {
  Fixture f;
  std::string agent = "&agent=" + lrs::url_encode(kAgent);
  std::string activity = "activityId=" + lrs::url_encode(kActivity);
  CHECK(f.call("GET", "/activities/state", activity + "&stateId=s").status == 400);  // no agent
  CHECK(f.call("GET", "/activities/state", "stateId=s" + agent).status == 400);      // no activity
  CHECK(f.call("PUT", "/activities/state", activity + agent, "{}").status == 400);   // no stateId
  CHECK(f.call("GET", "/activities/state", activity + "&agent=not%20json&stateId=s").status == 400);
  CHECK(f.call("GET", "/activities/state",
               activity + "&agent=" + lrs::url_encode(R"({"name":"no ifi"})") + "&stateId=s")
            .status == 400);
  CHECK(f.call("GET", "/activities/state", "activityId=not-an-iri" + agent).status == 400);
  CHECK(f.call("GET", "/activities/state", activity + agent + "&registration=nope").status == 400);
  CHECK(f.call("GET", "/activities/state", activity + agent + "&since=yesterday").status == 400);
  CHECK(f.call("DELETE", "/activities/state", activity + agent + "&since=2020-01-01T00:00:00Z")
            .status == 400);
  auto cased =
      f.call("GET", "/activities/state", "activityID=" + lrs::url_encode(kActivity) + agent);
  CHECK(cased.status == 400);
  CHECK(cased.body.find("case-sensitive") != std::string::npos);
  CHECK(f.call("GET", "/activities/state", activity + agent + "&foo=1").status == 400);
  CHECK(f.call("GET", "/activities/state", activity + agent + agent).status == 400);
  CHECK(f.call("DELETE", "/activities/profile", activity).status == 400);  // no profileId
  CHECK(f.call("PATCH", "/activities/state", activity + agent + "&stateId=s").status == 405);
}

TEST_CASE("Document scopes", "[documents][auth]") {
  Fixture f;
  std::string agent_q = "agent=" + lrs::url_encode(kAgent) + "&profileId=p";
  CHECK(
      f.call("POST", "/activities/state", state_query(), "{}", {}, "2.0.0", "state-only").status ==
      204);
  auto denied = f.call("POST", "/agents/profile", agent_q, "{}", {}, "2.0.0", "state-only");
  CHECK(denied.status == 403);
  CHECK(denied.body.find("profile") != std::string::npos);
  CHECK(f.call("POST", "/agents/profile", agent_q, "{}", {}, "2.0.0", "profile-only").status ==
        204);
  CHECK(f.call("GET", "/activities/state", state_query(), "", {}, "2.0.0", "profile-only").status ==
        403);
  CHECK(f.call("GET", "/agents/profile", agent_q, "", {}, "2.0.0", "reader").status == 200);
  CHECK(f.call("POST", "/agents/profile", agent_q, "{}", {}, "2.0.0", "reader").status == 403);
  CHECK(f.call("GET", "/activities/state", state_query(), "", {}, "2.0.0", "writer").status == 403);
}

TEST_CASE("Activities resource: merged definitions, define scope", "[activities]") {
  Fixture f;
  json s1 = {
      {"actor", {{"mbox", "mailto:a@example.com"}, {"name", "Ann"}}},
      {"verb", {{"id", "http://example.com/verbs/did"}}},
      {"object",
       {{"id", kActivity},
        {"definition", {{"name", {{"en-US", "meeting"}}}, {"type", "http://example.com/t1"}}}}}};
  json s2 = s1;
  s2["object"]["definition"] = {{"name", {{"fr-FR", "réunion"}}},
                                {"type", "http://example.com/t2"}};
  REQUIRE(f.call("POST", "/statements", "", json::array({s1, s2}).dump()).status == 200);

  auto r = f.call("GET", "/activities", "activityId=" + lrs::url_encode(kActivity));
  REQUIRE(r.status == 200);
  json activity = json::parse(r.body);
  CHECK(activity["objectType"] == "Activity");
  CHECK(activity["id"] == kActivity);
  CHECK(activity["definition"]["name"] == json({{"en-US", "meeting"}, {"fr-FR", "réunion"}}));
  CHECK(activity["definition"]["type"] == "http://example.com/t2");

  SECTION("without define, a known definition is kept") {
    json s3 = s1;
    s3["object"]["definition"] = {{"name", {{"de-DE", "Treffen"}}}};
    REQUIRE(f.call("POST", "/statements", "", s3.dump(), {}, "2.0.0", "writer").status == 200);
    json again =
        json::parse(f.call("GET", "/activities", "activityId=" + lrs::url_encode(kActivity)).body);
    CHECK_FALSE(again["definition"]["name"].contains("de-DE"));
  }
  SECTION("unknown activities are still Activity objects") {
    auto unknown = f.call("GET", "/activities", "activityId=" + lrs::url_encode("http://x.test/u"));
    CHECK(json::parse(unknown.body) ==
          json({{"objectType", "Activity"}, {"id", "http://x.test/u"}}));
  }
  SECTION("parameters") {
    CHECK(f.call("GET", "/activities", "").status == 400);
    CHECK(f.call("GET", "/activities", "activityId=x&other=1").status == 400);
    CHECK(f.call("POST", "/activities", "activityId=" + lrs::url_encode(kActivity), "{}").status ==
          405);
  }
}

TEST_CASE("Agents resource: Person with the names seen", "[agents]") {
  Fixture f;
  json s = {{"actor", {{"mbox", "mailto:a@example.com"}, {"name", "Ann"}}},
            {"verb", {{"id", "http://example.com/verbs/did"}}},
            {"object", {{"id", kActivity}}}};
  json s2 = s;
  s2["actor"]["name"] = "Ann B.";
  REQUIRE(f.call("POST", "/statements", "", json::array({s, s2, s}).dump()).status == 200);
  std::string agent = lrs::url_encode(R"({"mbox":"mailto:a@example.com"})");
  auto r = f.call("GET", "/agents", "agent=" + agent);
  REQUIRE(r.status == 200);
  CHECK(json::parse(r.body) == json({{"objectType", "Person"},
                                     {"name", {"Ann", "Ann B."}},
                                     {"mbox", {"mailto:a@example.com"}}}));
  auto head = f.call("HEAD", "/agents", "agent=" + agent);
  CHECK(head.status == 200);

  std::string account = lrs::url_encode(R"({"account":{"homePage":"http://h.test","name":"u1"}})");
  CHECK(json::parse(f.call("GET", "/agents", "agent=" + account).body) ==
        json({{"objectType", "Person"},
              {"account", {{{"homePage", "http://h.test"}, {"name", "u1"}}}}}));
  CHECK(f.call("GET", "/agents", "").status == 400);
  CHECK(f.call("GET", "/agents", "agent=" + lrs::url_encode(R"({"name":"x"})")).status == 400);
}

TEST_CASE("Statement bodies: malformed JSON is a 400 naming the problem", "[statements]") {
  Fixture f;
  const std::string good =
      R"({"actor":)" + kAgent +
      R"(,"verb":{"id":"http://adlnet.gov/expapi/verbs/completed"},"object":{"id":"http://example.com/a"},"result":{"score":{"raw":-0,"min":-0.0,"max":0}}})";
  auto ok = f.call("POST", "/statements", "", good);
  CHECK(ok.status == 200);
  for (const std::string& bad :
       {std::string("{\"actor\":"), std::string("[1e400]"), std::string("{\"a\":\"\xC3\x28\"}"),
        std::string("{\"a\":1} x"), std::string("[\"\\uDC00\"]")}) {
    INFO(bad);
    auto r = f.call("POST", "/statements", "", bad);
    CHECK(r.status == 400);
    CHECK(r.body.find("request body is not valid JSON") != std::string::npos);
  }
  auto all = f.call("GET", "/statements", "");
  CHECK(nlohmann::json::parse(all.body)["statements"].size() == 1);
}

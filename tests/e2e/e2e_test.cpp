// End-to-end: the real lrsbridge binary on a loopback port, spoken to over HTTP.
#include <filesystem>
#include <set>
#include <thread>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <openssl/sha.h>

#include "http_client.h"
#include "lrs/url.h"

using nlohmann::json;

namespace {

const std::string kAdmin = "admin:admin-secret-1";

struct Lrs : e2e::TestLrs {
  explicit Lrs(const std::vector<std::string>& extra = {}) : TestLrs(extra) {}
  e2e::Reply call(const std::string& method, const std::string& target,
                  const std::string& body = "", const std::string& version = "1.0.3",
                  const std::string& content_type = "application/json") {
    std::vector<std::pair<std::string, std::string>> headers = {
        {"Authorization", e2e::basic_auth(kAdmin)}};
    if (!version.empty()) headers.emplace_back("X-Experience-API-Version", version);
    if (!body.empty()) headers.emplace_back("Content-Type", content_type);
    return client.request(method, target, headers, body);
  }
};

json statement(const std::string& verb = "http://adlnet.gov/expapi/verbs/completed",
               const std::string& activity = "http://example.com/course/1",
               const std::string& email = "learner@example.com") {
  return {{"actor", {{"objectType", "Agent"}, {"mbox", "mailto:" + email}, {"name", "A Learner"}}},
          {"verb", {{"id", verb}, {"display", {{"en-US", "did"}}}}},
          {"object", {{"objectType", "Activity"}, {"id", activity}}}};
}

std::string encode(const std::string& s) { return lrs::url_encode(s); }

}  // namespace

TEST_CASE("about answers without credentials and lists both versions", "[e2e]") {
  Lrs lrs;
  auto r = lrs.client.request("GET", "/xapi/about");
  REQUIRE(r.status == 200);
  auto about = json::parse(r.body);
  CHECK(about["version"] == json({"1.0.3", "2.0.0"}));
}

TEST_CASE("a posted statement reads back with the fields the LRS fills in", "[e2e]") {
  Lrs lrs;
  auto posted = lrs.call("POST", "/xapi/statements", statement().dump());
  REQUIRE(posted.status == 200);
  auto ids = json::parse(posted.body);
  REQUIRE(ids.size() == 1);
  std::string id = ids[0];

  auto got = lrs.call("GET", "/xapi/statements?statementId=" + id);
  REQUIRE(got.status == 200);
  CHECK(got.header("x-experience-api-version") == "1.0.3");
  CHECK_FALSE(got.header("x-experience-api-consistent-through").empty());
  CHECK_FALSE(got.header("last-modified").empty());
  auto s = json::parse(got.body);
  CHECK(s["id"] == id);
  CHECK(s.contains("stored"));
  CHECK(s.contains("timestamp"));
  CHECK(s["version"] == "1.0.0");
  CHECK(s["authority"]["account"]["name"] == "admin");

  auto head = lrs.call("HEAD", "/xapi/statements?statementId=" + id);
  CHECK(head.status == 200);
  CHECK(head.body.empty());
}

TEST_CASE("the version header is echoed and required", "[e2e]") {
  Lrs lrs;
  CHECK(lrs.call("GET", "/xapi/statements", "", "2.0.0").header("x-experience-api-version") ==
        "2.0.0");
  CHECK(lrs.call("GET", "/xapi/statements", "", "").status == 400);
  CHECK(lrs.call("GET", "/xapi/statements", "", "0.9").status == 400);
  auto v2 = lrs.call("POST", "/xapi/statements", statement().dump(), "2.0.0");
  REQUIRE(v2.status == 200);
  auto s = json::parse(
      lrs.call("GET", "/xapi/statements?statementId=" + json::parse(v2.body)[0].get<std::string>(),
               "", "2.0.0")
          .body);
  CHECK(s["version"] == "2.0.0");
}

TEST_CASE("missing or wrong credentials get 401", "[e2e]") {
  Lrs lrs;
  std::vector<std::pair<std::string, std::string>> v = {{"X-Experience-API-Version", "1.0.3"}};
  CHECK(lrs.client.request("GET", "/xapi/statements", v).status == 401);
  v.emplace_back("Authorization", e2e::basic_auth("admin:wrong-secret"));
  CHECK(lrs.client.request("GET", "/xapi/statements", v).status == 401);
  v.back().second = "Basic !!!notbase64";
  CHECK(lrs.client.request("GET", "/xapi/statements", v).status == 401);
}

TEST_CASE("PUT stores once, accepts an identical re-send and refuses a different one", "[e2e]") {
  Lrs lrs;
  std::string id = "a5b6c7d8-0000-4000-8000-000000000001";
  auto s = statement();
  CHECK(lrs.call("PUT", "/xapi/statements?statementId=" + id, s.dump()).status == 204);
  CHECK(lrs.call("PUT", "/xapi/statements?statementId=" + id, s.dump()).status == 204);
  auto other = statement("http://adlnet.gov/expapi/verbs/failed");
  auto conflict = lrs.call("PUT", "/xapi/statements?statementId=" + id, other.dump());
  CHECK(conflict.status == 409);
  auto stored = json::parse(lrs.call("GET", "/xapi/statements?statementId=" + id).body);
  CHECK(stored["verb"]["id"] == "http://adlnet.gov/expapi/verbs/completed");
  CHECK(lrs.call("PUT", "/xapi/statements", s.dump()).status == 400);
}

// The re-send judgement compares the statement as sent with the stored one, ignoring
// what the LRS filled in (Data 2.3.1): a missing timestamp, authority, version.
TEST_CASE("a re-sent batch is judged against what was sent", "[e2e]") {
  Lrs lrs;
  json no_timestamp = statement();
  no_timestamp["id"] = "A5B6C7D8-0000-4000-8000-0000000000A1";  // stored in lower case
  no_timestamp["context"] = {
      {"contextActivities", {{"parent", {{"id", "http://example.com/program"}}}}}};
  json with_timestamp = statement("http://adlnet.gov/expapi/verbs/attempted");
  with_timestamp["id"] = "a5b6c7d8-0000-4000-8000-0000000000a2";
  with_timestamp["timestamp"] = "2026-01-02T03:04:05.000+00:00";
  json batch = json::array({no_timestamp, with_timestamp});
  REQUIRE(lrs.call("POST", "/xapi/statements", batch.dump()).status == 200);
  // Later, with the timestamp spelled differently: the same statements.
  batch[1]["timestamp"] = "2026-01-02T03:04:05Z";
  CHECK(lrs.call("POST", "/xapi/statements", batch.dump()).status == 200);
  json changed = batch;
  changed[0]["result"] = {{"success", true}};
  CHECK(lrs.call("POST", "/xapi/statements", changed.dump()).status == 409);
  changed = batch;
  changed[1]["timestamp"] = "2026-01-02T03:04:06Z";
  CHECK(lrs.call("POST", "/xapi/statements", changed.dump()).status == 409);
  auto all = json::parse(lrs.call("GET", "/xapi/statements").body);
  CHECK(all["statements"].size() == 2);
}

TEST_CASE("a batch is all or nothing", "[e2e]") {
  Lrs lrs;
  json good = statement();
  good["id"] = "a5b6c7d8-0000-4000-8000-000000000002";
  json bad = statement();
  bad["actor"]["mbox"] = "learner@example.com";  // no mailto:
  auto r = lrs.call("POST", "/xapi/statements", json::array({good, bad}).dump());
  CHECK(r.status == 400);
  CHECK(r.body.find("mailto") != std::string::npos);
  CHECK(lrs.call("GET", "/xapi/statements?statementId=" + good["id"].get<std::string>()).status ==
        404);
}

TEST_CASE("filters and more links page through every matching statement once", "[e2e]") {
  Lrs lrs;
  json batch = json::array();
  for (int i = 0; i < 25; ++i) {
    batch.push_back(statement("http://adlnet.gov/expapi/verbs/completed",
                              "http://example.com/course/" + std::to_string(i % 2)));
  }
  auto posted = lrs.call("POST", "/xapi/statements", batch.dump());
  REQUIRE(posted.status == 200);
  std::set<std::string> expected;
  for (std::size_t i = 0; i < batch.size(); i += 2)
    expected.insert(json::parse(posted.body)[i].get<std::string>());

  std::set<std::string> seen;
  std::string target = "/xapi/statements?limit=4&activity=" + encode("http://example.com/course/0");
  int pages = 0;
  while (!target.empty() && pages < 20) {
    auto r = lrs.call("GET", target);
    REQUIRE(r.status == 200);
    auto result = json::parse(r.body);
    for (const auto& s : result["statements"])
      CHECK(seen.insert(s["id"].get<std::string>()).second);
    target = result["more"].get<std::string>();
    ++pages;
  }
  CHECK(seen == expected);
  CHECK(pages == 4);

  std::string agent = encode(R"({"mbox":"mailto:learner@example.com"})");
  auto by_agent = json::parse(lrs.call("GET", "/xapi/statements?limit=0&agent=" + agent).body);
  CHECK(by_agent["statements"].size() == 25);
  auto nobody = json::parse(
      lrs.call("GET", "/xapi/statements?agent=" + encode(R"({"mbox":"mailto:x@example.com"})"))
          .body);
  CHECK(nobody["statements"].empty());
  CHECK(lrs.call("GET", "/xapi/statements?Agent=" + agent).status == 400);
  CHECK(lrs.call("GET", "/xapi/statements?limit=-1").status == 400);
}

TEST_CASE("voided statements are found only by voidedStatementId", "[e2e]") {
  Lrs lrs;
  std::string id = json::parse(lrs.call("POST", "/xapi/statements", statement().dump()).body)[0];
  json voiding = statement("http://adlnet.gov/expapi/verbs/voided");
  voiding["object"] = {{"objectType", "StatementRef"}, {"id", id}};
  REQUIRE(lrs.call("POST", "/xapi/statements", voiding.dump()).status == 200);
  CHECK(lrs.call("GET", "/xapi/statements?statementId=" + id).status == 404);
  CHECK(lrs.call("GET", "/xapi/statements?voidedStatementId=" + id).status == 200);
}

TEST_CASE("bad input gets a 4xx naming the problem and changes nothing", "[e2e]") {
  Lrs lrs({"--body-limit", "65536"});
  std::string id = json::parse(lrs.call("POST", "/xapi/statements", statement().dump()).body)[0];

  auto malformed = lrs.call("POST", "/xapi/statements", "{\"actor\": ");
  CHECK(malformed.status == 400);
  CHECK(malformed.body.find("not valid JSON") != std::string::npos);

  auto wrong_type = lrs.call("POST", "/xapi/statements", statement().dump(), "1.0.3", "text/plain");
  CHECK(wrong_type.status == 400);
  CHECK(wrong_type.body.find("Content-Type") != std::string::npos);

  CHECK(lrs.call("POST", "/xapi/statements", std::string(100000, '[')).status == 413);
  auto deep = lrs.call("POST", "/xapi/statements", std::string(5000, '[') + std::string(5000, ']'));
  CHECK(deep.status == 400);
  CHECK(deep.body.find("nests deeper") != std::string::npos);

  json bad_utf8 = statement();
  std::string text = bad_utf8.dump();
  text.replace(text.find("A Learner"), 9, "A \xC3\x28 Learner");
  CHECK(lrs.call("POST", "/xapi/statements", text).status == 400);

  CHECK(lrs.call("POST", "/xapi/statements", "[]").status == 200);
  CHECK(lrs.call("DELETE", "/xapi/statements").status == 405);

  // A half-closed connection with half a request, and garbage bytes: the server answers or
  // closes, and keeps serving.
  lrs.client.raw("POST /xapi/statements HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"a\"",
                 500);
  auto garbage = lrs.client.raw("\x01\x02 nonsense\r\n\r\n", 1000);
  CHECK(garbage.find("400") != std::string::npos);

  CHECK(lrs.server.alive());
  auto all = json::parse(lrs.call("GET", "/xapi/statements").body);
  REQUIRE(all["statements"].size() == 1);
  CHECK(all["statements"][0]["id"] == id);
}

TEST_CASE("SIGTERM stops gracefully and the data survives a restart", "[e2e]") {
  std::string dir = e2e::temp_dir();
  std::string id;
  {
    e2e::Server server(dir + "/lrs.db");
    e2e::HttpClient client(server.port());
    std::vector<std::pair<std::string, std::string>> h = {
        {"Authorization", e2e::basic_auth(kAdmin)},
        {"X-Experience-API-Version", "1.0.3"},
        {"Content-Type", "application/json"}};
    auto r = client.request("POST", "/xapi/statements", h, statement().dump());
    REQUIRE(r.status == 200);
    id = json::parse(r.body)[0];
    CHECK(server.stop() == 0);
  }
  {
    e2e::Server server(dir + "/lrs.db");
    e2e::HttpClient client(server.port());
    auto r = client.request(
        "GET", "/xapi/statements?statementId=" + id,
        {{"Authorization", e2e::basic_auth(kAdmin)}, {"X-Experience-API-Version", "1.0.3"}});
    CHECK(r.status == 200);
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("concurrent clients lose nothing", "[e2e]") {
  Lrs lrs;
  constexpr int kThreads = 4;
  constexpr int kPerThread = 50;
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      e2e::HttpClient c(lrs.server.port());
      for (int i = 0; i < kPerThread; ++i) {
        auto r = c.request("POST", "/xapi/statements",
                           {{"Authorization", e2e::basic_auth(kAdmin)},
                            {"X-Experience-API-Version", "1.0.3"},
                            {"Content-Type", "application/json"}},
                           statement("http://adlnet.gov/expapi/verbs/completed",
                                     "http://example.com/t" + std::to_string(t))
                               .dump());
        if (r.status == 200) ++ok;
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(ok == kThreads * kPerThread);
  auto all = json::parse(lrs.call("GET", "/xapi/statements?limit=500").body);
  CHECK(all["statements"].size() == kThreads * kPerThread);
}

namespace {

std::string sha256_hex(const std::string& data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : digest) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

}  // namespace

TEST_CASE("attachments travel as multipart parts and come back with attachments=true", "[e2e]") {
  Lrs lrs;
  std::string content = "certificate of completion\r\n--not-a-boundary\r\n";
  std::string sha = sha256_hex(content);
  json s = statement();
  s["attachments"] = {{{"usageType", "http://example.com/usage/certificate"},
                       {"display", {{"en-US", "certificate"}}},
                       {"contentType", "text/plain"},
                       {"length", content.size()},
                       {"sha2", sha}}};
  std::string body =
      "--xyz\r\nContent-Type: application/json\r\n\r\n" + s.dump() +
      "\r\n--xyz\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: binary\r\n"
      "X-Experience-API-Hash: " +
      sha + "\r\n\r\n" + content + "\r\n--xyz--\r\n";
  auto posted =
      lrs.call("POST", "/xapi/statements", body, "1.0.3", "multipart/mixed; boundary=xyz");
  REQUIRE(posted.status == 200);
  std::string id = json::parse(posted.body)[0];

  auto plain = lrs.call("GET", "/xapi/statements?statementId=" + id);
  CHECK(plain.header("content-type") == "application/json");
  auto with = lrs.call("GET", "/xapi/statements?attachments=true&statementId=" + id);
  REQUIRE(with.status == 200);
  CHECK(with.header("content-type").rfind("multipart/mixed; boundary=", 0) == 0);
  CHECK(with.body.find(content) != std::string::npos);
  CHECK(with.body.find("X-Experience-API-Hash: " + sha) != std::string::npos);

  // The declared hash must be the content's, and a statement attachment needs its part.
  std::string wrong = body;
  wrong.replace(wrong.find("certificate of completion"), 11, "CERTIFICATE");
  auto mismatch =
      lrs.call("POST", "/xapi/statements", wrong, "1.0.3", "multipart/mixed; boundary=xyz");
  CHECK(mismatch.status == 400);
  CHECK(mismatch.body.find("does not match its content") != std::string::npos);
  auto missing = lrs.call("POST", "/xapi/statements", s.dump());
  CHECK(missing.status == 400);
  CHECK(missing.body.find("X-Experience-API-Hash") != std::string::npos);
}

TEST_CASE("the alternate request syntax works in 1.0.3 and is refused in 2.0.0", "[e2e]") {
  Lrs lrs;
  std::string id = "a5b6c7d8-0000-4000-8000-0000000000aa";
  std::string form =
      "statementId=" + id + "&content=" + encode(statement().dump()) +
      "&X-Experience-API-Version=1.0.3&Authorization=" + encode(e2e::basic_auth(kAdmin));
  auto put = lrs.client.request("POST", "/xapi/statements?method=PUT",
                                {{"Content-Type", "application/x-www-form-urlencoded"}}, form);
  CHECK(put.status == 204);
  CHECK(lrs.call("GET", "/xapi/statements?statementId=" + id).status == 200);

  std::string form2 =
      "limit=1&X-Experience-API-Version=2.0.0&Authorization=" + encode(e2e::basic_auth(kAdmin));
  auto v2 = lrs.client.request("POST", "/xapi/statements?method=GET",
                               {{"Content-Type", "application/x-www-form-urlencoded"}}, form2);
  CHECK(v2.status == 400);
  CHECK(v2.body.find("2.0") != std::string::npos);
}

TEST_CASE("browsers get CORS headers and preflight answers", "[e2e]") {
  Lrs lrs;
  auto preflight = lrs.client.request(
      "OPTIONS", "/xapi/statements",
      {{"Origin", "http://course.example.com"}, {"Access-Control-Request-Method", "POST"}});
  CHECK(preflight.status == 204);
  CHECK(preflight.header("access-control-allow-origin") == "http://course.example.com");
  CHECK(preflight.header("access-control-allow-headers").find("X-Experience-API-Version") !=
        std::string::npos);
  auto get = lrs.client.request("GET", "/xapi/about", {{"Origin", "http://course.example.com"}});
  CHECK(get.header("access-control-allow-origin") == "http://course.example.com");
}

TEST_CASE("a slow client is dropped after the timeout while others are served", "[e2e]") {
  Lrs lrs({"--timeout", "1"});
  auto started = std::chrono::steady_clock::now();
  std::string slow;
  std::thread slow_client([&] {
    // Half a request line, then silence: the server must give up on it.
    slow = lrs.client.raw("POST /xapi/statements HTTP/1.1\r\nHost: x\r\n", 5000, false);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CHECK(lrs.call("POST", "/xapi/statements", statement().dump()).status == 200);
  slow_client.join();
  auto waited = std::chrono::steady_clock::now() - started;
  CHECK(waited < std::chrono::seconds(4));
  CHECK(slow.find("200") == std::string::npos);
  CHECK(lrs.server.alive());
}

TEST_CASE("the admin API creates, lists and revokes credentials with scopes", "[e2e]") {
  Lrs lrs;
  auto admin_call = [&](const std::string& method, const std::string& target,
                        const std::string& body = "") {
    return lrs.client.request(
        method, target,
        {{"Authorization", e2e::basic_auth(kAdmin)}, {"Content-Type", "application/json"}}, body);
  };
  auto created =
      admin_call("POST", "/api/credentials",
                 R"({"key":"player","label":"course player","scopes":["statements/write"]})");
  REQUIRE(created.status == 201);
  auto c = json::parse(created.body);
  CHECK(c["key"] == "player");
  std::string pair = "player:" + c["secret"].get<std::string>();

  std::vector<std::pair<std::string, std::string>> h = {{"Authorization", e2e::basic_auth(pair)},
                                                        {"X-Experience-API-Version", "1.0.3"},
                                                        {"Content-Type", "application/json"}};
  auto posted = lrs.client.request("POST", "/xapi/statements", h, statement().dump());
  CHECK(posted.status == 200);
  auto stored = json::parse(lrs.call("GET", "/xapi/statements?statementId=" +
                                                json::parse(posted.body)[0].get<std::string>())
                                .body);
  CHECK(stored["authority"]["account"]["name"] == "player");
  CHECK(lrs.client.request("GET", "/xapi/statements", h).status == 403);
  CHECK(lrs.client.request("GET", "/api/credentials", h).status == 403);

  auto list = json::parse(admin_call("GET", "/api/credentials").body);
  CHECK(list.size() == 2);
  CHECK(list.dump().find("secret") == std::string::npos);
  CHECK(admin_call("POST", "/api/credentials", R"({"scopes":["everything"]})").status == 400);
  CHECK(admin_call("POST", "/api/credentials", R"({"key":"player"})").status == 409);

  CHECK(admin_call("DELETE", "/api/credentials/player").status == 204);
  CHECK(lrs.client.request("POST", "/xapi/statements", h, statement().dump()).status == 401);
  CHECK(admin_call("DELETE", "/api/credentials/nobody").status == 404);
}

TEST_CASE("statements/read/mine sees only the statements its credential stored", "[e2e]") {
  Lrs lrs;
  auto make = [&](const std::string& key, const std::string& scopes) {
    auto r = lrs.client.request(
        "POST", "/api/credentials",
        {{"Authorization", e2e::basic_auth(kAdmin)}, {"Content-Type", "application/json"}},
        R"({"key":")" + key + R"(","secret":"secret-)" + key + R"(","scopes":)" + scopes + "}");
    REQUIRE(r.status == 201);
    return std::vector<std::pair<std::string, std::string>>{
        {"Authorization", e2e::basic_auth(key + ":secret-" + key)},
        {"X-Experience-API-Version", "1.0.3"},
        {"Content-Type", "application/json"}};
  };
  auto mine = make("mine", R"(["statements/write","statements/read/mine"])");
  auto other = make("other", R"(["statements/write"])");
  auto my_post = lrs.client.request("POST", "/xapi/statements", mine, statement().dump());
  REQUIRE(my_post.status == 200);
  std::string my_id = json::parse(my_post.body)[0];
  auto their_post = lrs.client.request("POST", "/xapi/statements", other, statement().dump());
  REQUIRE(their_post.status == 200);
  std::string their_id = json::parse(their_post.body)[0];
  // A statement that refers to mine, stored by the other credential, is not mine either.
  json ref = statement();
  ref["object"] = {{"objectType", "StatementRef"}, {"id", my_id}};
  REQUIRE(lrs.client.request("POST", "/xapi/statements", other, ref.dump()).status == 200);

  auto all = json::parse(lrs.client.request("GET", "/xapi/statements", mine).body);
  REQUIRE(all["statements"].size() == 1);
  CHECK(all["statements"][0]["id"] == my_id);
  CHECK(lrs.client.request("GET", "/xapi/statements?statementId=" + my_id, mine).status == 200);
  CHECK(lrs.client.request("GET", "/xapi/statements?statementId=" + their_id, mine).status == 404);
  CHECK(json::parse(lrs.call("GET", "/xapi/statements").body)["statements"].size() == 3);
}

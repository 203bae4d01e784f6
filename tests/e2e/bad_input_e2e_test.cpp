// End-to-end: the issue's bad-input list over real HTTP (multipart bodies with missing
// or extra parts and wrong boundaries, huge headers, malformed JWS, merges into
// non-JSON documents, non-JSON bodies sent as JSON): each gets a 4xx naming the
// problem, and nothing of the refused request is stored. Also the signed statements the
// malformed ones are refused against: a valid JWS is stored, a tampered statement is not.
#include <cstdio>
#include <filesystem>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <openssl/sha.h>

#include "http_client.h"
#include "lrs/core/jws_signer.h"
#include "lrs/url.h"

using nlohmann::json;

namespace {

const std::string kAdmin = "admin:admin-secret-1";
using Headers = std::vector<std::pair<std::string, std::string>>;

struct Lrs : e2e::TestLrs {
  e2e::Reply call(const std::string& method, const std::string& target, const std::string& body,
                  const std::string& content_type, Headers extra = {}) {
    Headers headers = {{"Authorization", e2e::basic_auth(kAdmin)},
                       {"X-Experience-API-Version", "2.0.0"}};
    if (!content_type.empty()) headers.emplace_back("Content-Type", content_type);
    headers.insert(headers.end(), extra.begin(), extra.end());
    return client.request(method, target, headers, body);
  }
  std::size_t statement_count() {
    auto r = call("GET", "/xapi/statements", "", "");
    REQUIRE(r.status == 200);
    return json::parse(r.body)["statements"].size();
  }
};

std::string sha256_hex(const std::string& data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  std::string hex;
  char buf[3];
  for (unsigned char c : digest) {
    std::snprintf(buf, sizeof buf, "%02x", c);
    hex += buf;
  }
  return hex;
}

json statement_with(const std::string& content, const std::string& usage,
                    const std::string& content_type = "text/plain") {
  return {{"actor", {{"mbox", "mailto:bad-input@example.com"}}},
          {"verb", {{"id", "http://adlnet.gov/expapi/verbs/completed"}}},
          {"object", {{"id", "http://example.com/bad-input"}}},
          {"attachments",
           {{{"usageType", usage},
             {"display", {{"en-US", "an attachment"}}},
             {"contentType", content_type},
             {"length", content.size()},
             {"sha2", sha256_hex(content)}}}}};
}

std::string part(const std::string& boundary, const std::string& content_type,
                 const std::string& content, const std::string& hash = "") {
  std::string p = "--" + boundary + "\r\nContent-Type: " + content_type + "\r\n";
  if (!hash.empty()) {
    p += "Content-Transfer-Encoding: binary\r\nX-Experience-API-Hash: " + hash + "\r\n";
  }
  return p + "\r\n" + content + "\r\n";
}

const std::string kUsage = "http://example.com/usage/certificate";
const std::string kSignature = "http://adlnet.gov/expapi/attachments/signature";

}  // namespace

TEST_CASE("bad multipart bodies and signatures: a 400 naming the problem, nothing stored",
          "[e2e]") {
  Lrs lrs;
  const std::string content = "certificate of completion";
  const std::string statements = json::array({statement_with(content, kUsage)}).dump();
  const std::string good = part("B", "application/json", statements) +
                           part("B", "text/plain", content, sha256_hex(content)) + "--B--";
  auto expect_400 = [&](const e2e::Reply& r, const std::string& mention) {
    CHECK(r.status == 400);
    INFO(r.body);
    CHECK(r.body.find(mention) != std::string::npos);
  };

  // A statement attachment without its part.
  expect_400(
      lrs.call("POST", "/xapi/statements", part("B", "application/json", statements) + "--B--",
               "multipart/mixed; boundary=B"),
      "X-Experience-API-Hash is " + sha256_hex(content));
  // A part no attachment names.
  expect_400(lrs.call("POST", "/xapi/statements",
                      part("B", "application/json", statements) +
                          part("B", "text/plain", content, sha256_hex(content)) +
                          part("B", "text/plain", "stray", sha256_hex("stray")) + "--B--",
                      "multipart/mixed; boundary=B"),
             "matches no attachment");
  // The statements part must come first.
  expect_400(lrs.call("POST", "/xapi/statements",
                      part("B", "text/plain", content, sha256_hex(content)) +
                          part("B", "application/json", statements) + "--B--",
                      "multipart/mixed; boundary=B"),
             "first multipart part");
  // Boundaries: another one than declared, none declared, no closing one.
  expect_400(lrs.call("POST", "/xapi/statements", good, "multipart/mixed; boundary=OTHER"),
             "boundary");
  expect_400(lrs.call("POST", "/xapi/statements", good, "multipart/mixed"), "boundary");
  expect_400(lrs.call("POST", "/xapi/statements", good.substr(0, good.size() - 5),
                      "multipart/mixed; boundary=B"),
             "closing boundary");
  // A part whose bytes are not what its hash says.
  expect_400(lrs.call("POST", "/xapi/statements",
                      part("B", "application/json", statements) +
                          part("B", "text/plain", "tampered", sha256_hex(content)) + "--B--",
                      "multipart/mixed; boundary=B"),
             "does not match its content");
  // A signature attachment that is no JWS.
  const std::string not_jws = "this.is-not-a-jws";
  const std::string signed_statements =
      json::array({statement_with(not_jws, kSignature, "application/octet-stream")}).dump();
  expect_400(
      lrs.call("POST", "/xapi/statements",
               part("B", "application/json", signed_statements) +
                   part("B", "application/octet-stream", not_jws, sha256_hex(not_jws)) + "--B--",
               "multipart/mixed; boundary=B"),
      "signature");
  // Non-JSON sent as JSON, in the statements part.
  expect_400(
      lrs.call("POST", "/xapi/statements", part("B", "application/json", "{not json") + "--B--",
               "multipart/mixed; boundary=B"),
      "not valid JSON");
  CHECK(lrs.statement_count() == 0);

  REQUIRE(lrs.call("POST", "/xapi/statements", good, "multipart/mixed; boundary=B").status == 200);
  CHECK(lrs.statement_count() == 1);
}

TEST_CASE("huge headers get 431 and the server keeps serving", "[e2e]") {
  Lrs lrs;
  auto huge =
      lrs.call("GET", "/xapi/statements", "", "", {{"X-Padding", std::string(20 * 1024, 'a')}});
  CHECK(huge.status == 431);
  CHECK(huge.body.find("headers exceed") != std::string::npos);
  CHECK(lrs.server.alive());
  CHECK(lrs.call("GET", "/xapi/about", "", "").status == 200);
}

TEST_CASE("documents: merges into non-JSON and non-JSON sent as JSON change nothing", "[e2e]") {
  Lrs lrs;
  const std::string state =
      "/xapi/activities/state?activityId=" + lrs::url_encode("http://example.com/a") +
      "&agent=" + lrs::url_encode(R"({"mbox":"mailto:doc@example.com"})") + "&stateId=";
  REQUIRE(lrs.call("PUT", state + "text", "plain words", "text/plain").status == 204);
  auto merge = lrs.call("POST", state + "text", R"({"a":1})", "application/json");
  CHECK(merge.status == 400);
  CHECK(merge.body.find("text/plain") != std::string::npos);
  auto kept = lrs.call("GET", state + "text", "", "");
  CHECK(kept.body == "plain words");
  CHECK(kept.header("content-type") == "text/plain");

  REQUIRE(lrs.call("POST", state + "json", R"({"a":1})", "application/json").status == 204);
  auto not_json = lrs.call("POST", state + "json", "{not json", "application/json");
  CHECK(not_json.status == 400);
  CHECK(not_json.body.find("JSON object") != std::string::npos);
  auto into_json = lrs.call("POST", state + "json", "plain", "text/plain");
  CHECK(into_json.status == 400);
  CHECK(json::parse(lrs.call("GET", state + "json", "", "").body) == json({{"a", 1}}));
  // A new document POSTed as JSON must be a JSON object too.
  CHECK(lrs.call("POST", state + "fresh", "[1,2]", "application/json").status == 400);
  CHECK(lrs.call("GET", state + "fresh", "", "").status == 404);
}

TEST_CASE("signed statements: a valid JWS is stored, a statement that differs is refused",
          "[e2e]") {
  Lrs lrs;
  lrs::test::Signer signer;
  json statement = {{"id", "5a1b2c3d-0000-4000-8000-00000000005e"},
                    {"actor", {{"mbox", "mailto:signed@example.com"}}},
                    {"verb", {{"id", "http://adlnet.gov/expapi/verbs/passed"}}},
                    {"object", {{"id", "http://example.com/exam"}}},
                    {"result", {{"score", {{"scaled", 0.9}}}}}};
  auto send = [&](const json& sent, const std::string& alg) {
    std::string jws =
        signer.sign({{"alg", alg}, {"x5c", {lrs::test::b64(signer.der())}}}, statement.dump());
    json with_signature = sent;
    with_signature["attachments"] = json::array(
        {statement_with(jws, kSignature, "application/octet-stream")["attachments"][0]});
    return lrs.call("POST", "/xapi/statements",
                    part("B", "application/json", json::array({with_signature}).dump()) +
                        part("B", "application/octet-stream", jws, sha256_hex(jws)) + "--B--",
                    "multipart/mixed; boundary=B");
  };
  json tampered = statement;
  tampered["result"]["score"]["scaled"] = 1.0;
  auto refused = send(tampered, "RS256");
  CHECK(refused.status == 400);
  CHECK(refused.body.find("differs") != std::string::npos);
  CHECK(lrs.statement_count() == 0);

  REQUIRE(send(statement, "RS512").status == 200);
  auto back = lrs.call(
      "GET", "/xapi/statements?attachments=true&statementId=" + statement["id"].get<std::string>(),
      "", "");
  REQUIRE(back.status == 200);
  CHECK(back.header("content-type").rfind("multipart/mixed", 0) == 0);
  CHECK(back.body.find(kSignature) != std::string::npos);
  CHECK(lrs.statement_count() == 1);
}

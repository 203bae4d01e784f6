#include "lrs/signature.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "jws_signer.h"

using nlohmann::json;

namespace {

using lrs::test::b64;
using lrs::test::Signer;

const Signer& signer() {
  static const Signer s;
  return s;
}

json original() {
  return {{"id", "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"},
          {"actor", {{"mbox", "mailto:a@example.com"}}},
          {"verb", {{"id", "http://adlnet.gov/expapi/verbs/completed"}}},
          {"object", {{"id", "http://example.com/a"}}},
          {"result", {{"duration", "PT1.23S"}}}};
}

json signed_form(const json& statement) {
  json s = statement;
  s["attachments"] = {{{"usageType", std::string(lrs::kSignatureUsageType)},
                       {"display", {{"en-US", "signature"}}},
                       {"contentType", "application/octet-stream"},
                       {"length", 1},
                       {"sha2", "00"}}};
  s["authority"] = {{"mbox", "mailto:lrs@example.com"}};
  return s;
}

}  // namespace

TEST_CASE("a JWS over the statement verifies, with and without x5c") {
  std::string payload = original().dump();
  CHECK(lrs::verify_statement_signature(signed_form(original()),
                                        signer().sign({{"alg", "RS256"}}, payload)));
  json header = {{"alg", "RS512"}, {"x5c", {b64(signer().der())}}};
  CHECK(lrs::verify_statement_signature(signed_form(original()), signer().sign(header, payload)));
}

TEST_CASE("duration precision beyond hundredths does not break a signature") {
  json longer = original();
  longer["result"]["duration"] = "PT1.2345S";
  CHECK(lrs::verify_statement_signature(signed_form(longer),
                                        signer().sign({{"alg", "RS256"}}, original().dump())));
}

TEST_CASE("bad signatures are rejected with the reason") {
  std::string payload = original().dump();
  auto reason = [](const lrs::Result<void>& r) {
    REQUIRE_FALSE(r);
    CHECK(r.error().code == lrs::ErrorCode::kInvalid);
    return r.error().message;
  };
  CHECK_THAT(reason(lrs::verify_statement_signature(signed_form(original()), "not-a-jws")),
             Catch::Contains("compact serialization"));
  CHECK_THAT(reason(lrs::verify_statement_signature(signed_form(original()),
                                                    signer().sign({{"alg", "HS256"}}, payload))),
             Catch::Contains("HS256"));
  CHECK_THAT(reason(lrs::verify_statement_signature(
                 signed_form(original()), signer().sign({{"alg", "RS256"}}, "{'broken'"))),
             Catch::Contains("payload is not"));
  json changed = original();
  changed["verb"]["id"] = "http://adlnet.gov/expapi/verbs/failed";
  CHECK_THAT(reason(lrs::verify_statement_signature(signed_form(changed),
                                                    signer().sign({{"alg", "RS256"}}, payload))),
             Catch::Contains("differs"));
  json header = {{"alg", "RS256"}, {"x5c", {b64(signer().der())}}};
  std::string jws = signer().sign(header, payload);
  jws[jws.size() - 5] = jws[jws.size() - 5] == 'A' ? 'B' : 'A';
  CHECK_THAT(reason(lrs::verify_statement_signature(signed_form(original()), jws)),
             Catch::Contains("does not verify"));
}

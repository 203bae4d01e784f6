#include "lrs/signature.h"

#include <memory>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

using nlohmann::json;

namespace {

std::string b64url(const std::string& in) {
  std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()),
                          static_cast<int>(in.size()));
  out.resize(static_cast<std::size_t>(n));
  for (char& c : out) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  while (!out.empty() && out.back() == '=') out.pop_back();
  return out;
}

std::string b64(const std::string& in) {
  std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()),
                          static_cast<int>(in.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

struct Signer {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key{EVP_RSA_gen(2048), EVP_PKEY_free};
  std::unique_ptr<X509, decltype(&X509_free)> cert{X509_new(), X509_free};

  Signer() {
    X509_set_version(cert.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600);
    X509_set_pubkey(cert.get(), key.get());
    X509_sign(cert.get(), key.get(), EVP_sha256());
  }

  std::string der() const {
    unsigned char* out = nullptr;
    int n = i2d_X509(cert.get(), &out);
    std::string s(reinterpret_cast<char*>(out), static_cast<std::size_t>(n));
    OPENSSL_free(out);
    return s;
  }

  std::string sign(const json& header, const std::string& payload) const {
    std::string input = b64url(header.dump()) + "." + b64url(payload);
    const EVP_MD* md = header["alg"] == "RS512" ? EVP_sha512() : EVP_sha256();
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    EVP_DigestSignInit(ctx.get(), nullptr, md, nullptr, key.get());
    std::size_t len = 0;
    EVP_DigestSign(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()),
                   input.size());
    std::string sig(len, '\0');
    EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                   reinterpret_cast<const unsigned char*>(input.data()), input.size());
    sig.resize(len);
    return input + "." + b64url(sig);
  }
};

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

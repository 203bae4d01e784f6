#include "lrs/signature.h"

#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "base64.h"
#include "statement_equivalence.h"

namespace lrs {
namespace {

using nlohmann::json;

Result<void> verify_with_certificate(const std::string& der, const EVP_MD* md,
                                     std::string_view signed_part, const std::string& signature) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  std::unique_ptr<X509, decltype(&X509_free)> cert(
      d2i_X509(nullptr, &p, static_cast<long>(der.size())), X509_free);
  if (!cert)
    return fail(ErrorCode::kInvalid, "signature: the JWS x5c certificate is not valid DER");
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(X509_get_pubkey(cert.get()),
                                                          EVP_PKEY_free);
  if (!key || EVP_PKEY_base_id(key.get()) != EVP_PKEY_RSA) {
    return fail(ErrorCode::kInvalid, "signature: the JWS x5c certificate has no RSA public key");
  }
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  bool ok =
      ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, key.get()) == 1 &&
      EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                       signature.size(), reinterpret_cast<const unsigned char*>(signed_part.data()),
                       signed_part.size()) == 1;
  if (!ok)
    return fail(ErrorCode::kInvalid,
                "signature: the JWS signature does not verify with its x5c certificate");
  return {};
}

// The statement as it was before the signature attachment was added.
json without_signature(json statement) {
  auto list = statement.find("attachments");
  if (list == statement.end() || !list->is_array()) return statement;
  json kept = json::array();
  for (json& a : *list) {
    if (!(a.is_object() && a.value("usageType", "") == kSignatureUsageType))
      kept.push_back(std::move(a));
  }
  if (kept.empty()) {
    statement.erase("attachments");
  } else {
    *list = std::move(kept);
  }
  return statement;
}

}  // namespace

Result<void> verify_statement_signature(const json& statement, std::string_view jws) {
  auto dot1 = jws.find('.');
  auto dot2 = dot1 == std::string_view::npos ? dot1 : jws.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || jws.find('.', dot2 + 1) != std::string_view::npos) {
    return fail(ErrorCode::kInvalid,
                "signature: not a JWS in compact serialization (header.payload.signature)");
  }
  auto header_text = base64url_decode(jws.substr(0, dot1));
  auto payload_text = base64url_decode(jws.substr(dot1 + 1, dot2 - dot1 - 1));
  auto signature = base64url_decode(jws.substr(dot2 + 1));
  if (!header_text || !payload_text || !signature) {
    return fail(ErrorCode::kInvalid, "signature: a JWS part is not base64url");
  }
  json header = json::parse(*header_text, nullptr, false);
  if (!header.is_object())
    return fail(ErrorCode::kInvalid, "signature: the JWS header is not a JSON object");
  std::string alg = header.value("alg", "");
  const EVP_MD* md = alg == "RS256"   ? EVP_sha256()
                     : alg == "RS384" ? EVP_sha384()
                     : alg == "RS512" ? EVP_sha512()
                                      : nullptr;
  if (md == nullptr) {
    return fail(ErrorCode::kInvalid,
                "signature: JWS algorithm \"" + alg + "\" is not RS256, RS384 or RS512");
  }
  json payload = json::parse(*payload_text, nullptr, false);
  if (!payload.is_object()) {
    return fail(ErrorCode::kInvalid,
                "signature: the JWS payload is not a JSON serialization of a statement");
  }
  if (!equivalent_statements(without_signature(payload), without_signature(statement))) {
    return fail(ErrorCode::kInvalid,
                "signature: the JWS payload differs from the statement it is attached to");
  }
  if (auto x5c = header.find("x5c"); x5c != header.end()) {
    if (!x5c->is_array() || x5c->empty() || !(*x5c)[0].is_string()) {
      return fail(ErrorCode::kInvalid,
                  "signature: the JWS x5c header must be an array of base64 certificates");
    }
    auto der = base64_decode((*x5c)[0].get<std::string>());
    if (!der) return fail(ErrorCode::kInvalid, "signature: the JWS x5c certificate is not base64");
    return verify_with_certificate(*der, md, jws.substr(0, dot2), *signature);
  }
  return {};
}

}  // namespace lrs

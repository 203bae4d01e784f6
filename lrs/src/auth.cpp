#include "lrs/auth.h"

#include <array>
#include <cstdlib>
#include <future>
#include <string>

#include <nlohmann/json.hpp>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "base64.h"
#include "lrs/clock.h"
#include "lrs/json_text.h"
#include "lrs/text.h"

namespace lrs {
namespace {

// OWASP's 2023 floor for PBKDF2-HMAC-SHA256 is 600,000; a check then costs ~0.2 s here,
// which the Authenticator's cache hides from the request rate.
constexpr int kIterations = 600000;
constexpr std::size_t kSaltBytes = 16;
constexpr std::size_t kHashBytes = 32;

struct ScopeName {
  Scope scope;
  std::string_view name;
};
constexpr std::array<ScopeName, 8> kScopeNames = {{
    {kScopeAll, "all"},
    {kScopeAllRead, "all/read"},
    {kScopeStatementsWrite, "statements/write"},
    {kScopeStatementsRead, "statements/read"},
    {kScopeStatementsReadMine, "statements/read/mine"},
    {kScopeState, "state"},
    {kScopeDefine, "define"},
    {kScopeProfile, "profile"},
}};

std::string pbkdf2(std::string_view secret, std::string_view salt, int iterations) {
  std::string out(kHashBytes, '\0');
  PKCS5_PBKDF2_HMAC(secret.data(), static_cast<int>(secret.size()),
                    reinterpret_cast<const unsigned char*>(salt.data()),
                    static_cast<int>(salt.size()), iterations, EVP_sha256(),
                    static_cast<int>(out.size()), reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

std::string cache_key(std::string_view basic_credentials) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(basic_credentials.data()), basic_credentials.size(),
         digest);
  return {reinterpret_cast<const char*>(digest), sizeof digest};
}

}  // namespace

Result<std::uint32_t> parse_scopes(const std::vector<std::string>& names) {
  std::uint32_t bits = 0;
  for (const std::string& name : names) {
    bool found = false;
    for (const auto& s : kScopeNames) {
      if (s.name == name) {
        bits |= s.scope;
        found = true;
      }
    }
    if (!found) {
      return fail(ErrorCode::kInvalid,
                  "unknown scope \"" + name +
                      "\" (known: all, all/read, statements/write, statements/read, "
                      "statements/read/mine, state, define, profile)");
    }
  }
  return bits;
}

std::vector<std::string> scope_names(std::uint32_t scopes) {
  std::vector<std::string> names;
  for (const auto& s : kScopeNames) {
    if ((scopes & s.scope) != 0) names.emplace_back(s.name);
  }
  return names;
}

bool scope_allows_statement_write(std::uint32_t scopes) {
  return (scopes & (kScopeAll | kScopeStatementsWrite)) != 0;
}

bool scope_allows_statement_read(std::uint32_t scopes) {
  return (scopes & (kScopeAll | kScopeAllRead | kScopeStatementsRead)) != 0;
}

std::string hash_secret(std::string_view secret) {
  unsigned char salt[kSaltBytes];
  if (RAND_bytes(salt, sizeof salt) != 1) std::abort();
  std::string salt_text(reinterpret_cast<const char*>(salt), sizeof salt);
  return "pbkdf2-sha256$" + std::to_string(kIterations) + "$" + base64_encode(salt_text) + "$" +
         base64_encode(pbkdf2(secret, salt_text, kIterations));
}

bool verify_secret(std::string_view secret, std::string_view hash) {
  // pbkdf2-sha256$<iterations>$<salt>$<hash>
  constexpr std::string_view kPrefix = "pbkdf2-sha256$";
  if (hash.substr(0, kPrefix.size()) != kPrefix) return false;
  std::string_view rest = hash.substr(kPrefix.size());
  auto d1 = rest.find('$');
  if (d1 == std::string_view::npos) return false;
  auto d2 = rest.find('$', d1 + 1);
  if (d2 == std::string_view::npos) return false;
  int iterations = std::atoi(std::string(rest.substr(0, d1)).c_str());
  auto salt = base64_decode(rest.substr(d1 + 1, d2 - d1 - 1));
  auto expected = base64_decode(rest.substr(d2 + 1));
  if (iterations < 1 || !salt || !expected || expected->size() != kHashBytes) return false;
  std::string actual = pbkdf2(secret, *salt, iterations);
  return CRYPTO_memcmp(actual.data(), expected->data(), kHashBytes) == 0;
}

std::string generate_secret() {
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof bytes) != 1) std::abort();
  std::string s =
      base64_encode(std::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes));
  // base64url without padding: safe in URLs, shells and .env files.
  for (char& c : s) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  while (!s.empty() && s.back() == '=') s.pop_back();
  return s;
}

Result<Credential> make_credential(const std::string& key, const std::string& secret,
                                   const std::vector<std::string>& scopes,
                                   const std::string& label) {
  if (key.empty() || key.find(':') != std::string::npos) {
    return fail(ErrorCode::kInvalid, "credential key must be non-empty and contain no ':'");
  }
  if (secret.size() < 8) {
    return fail(ErrorCode::kInvalid, "credential secret must be at least 8 characters");
  }
  if (scopes.empty()) return fail(ErrorCode::kInvalid, "a credential needs at least one scope");
  if (auto ok = parse_scopes(scopes); !ok) return tl::unexpected(ok.error());
  nlohmann::json agent = {{"objectType", "Agent"},
                          {"account", {{"homePage", "urn:lrsbridge:credential"}, {"name", key}}}};
  if (!label.empty()) agent["name"] = label;
  Credential c;
  c.key = key;
  c.secret_hash = hash_secret(secret);
  c.scopes = scopes;
  c.label = label;
  c.authority = json_text(agent);
  c.created_us = current_time_us();
  return c;
}

Authenticator::Authenticator(CredentialStore& store, std::chrono::seconds cache_ttl)
    : store_(store), cache_ttl_(cache_ttl) {}

Result<Principal> Authenticator::authenticate(std::string_view authorization) {
  constexpr std::string_view kMissing =
      "missing or malformed Authorization header: expected HTTP Basic credentials";
  auto space = authorization.find(' ');
  if (space == std::string_view::npos || !iequals(authorization.substr(0, space), "Basic")) {
    return fail(ErrorCode::kUnauthorized, std::string(kMissing));
  }
  std::string_view encoded = authorization.substr(space + 1);
  while (!encoded.empty() && encoded.front() == ' ') encoded.remove_prefix(1);
  while (!encoded.empty() && encoded.back() == ' ') encoded.remove_suffix(1);
  std::string key_hash = cache_key(encoded);
  auto now = std::chrono::steady_clock::now();
  std::promise<Result<Principal>> mine;
  {
    std::unique_lock lock(mutex_);
    if (auto it = cache_.find(key_hash); it != cache_.end()) {
      if (it->second.expires > now) return it->second.principal;
      cache_.erase(it);
    }
    if (auto it = pending_.find(key_hash); it != pending_.end()) {
      auto result = it->second;
      lock.unlock();
      return result.get();
    }
    pending_.emplace(key_hash, mine.get_future().share());
  }
  Result<Principal> result = fail(ErrorCode::kInternal, "credential check failed");
  try {
    result = check(encoded, key_hash, now);
  } catch (...) {
    // Waiters get the generic error; this caller sees the exception.
    std::lock_guard lock(mutex_);
    mine.set_value(result);
    pending_.erase(key_hash);
    throw;
  }
  std::lock_guard lock(mutex_);
  mine.set_value(result);
  pending_.erase(key_hash);
  return result;
}

Result<Principal> Authenticator::check(std::string_view encoded, const std::string& key_hash,
                                       std::chrono::steady_clock::time_point now) {
  constexpr std::string_view kMissing =
      "missing or malformed Authorization header: expected HTTP Basic credentials";
  auto decoded = base64_decode(encoded);
  if (!decoded) return fail(ErrorCode::kUnauthorized, std::string(kMissing));
  auto colon = decoded->find(':');
  if (colon == std::string::npos) return fail(ErrorCode::kUnauthorized, std::string(kMissing));
  std::string key = decoded->substr(0, colon);
  std::string_view secret = std::string_view(*decoded).substr(colon + 1);

  auto found = store_.find(key);
  if (!found) return tl::unexpected(found.error());
  constexpr std::string_view kWrong = "unknown credential key or wrong secret";
  if (!*found || (*found)->revoked || !verify_secret(secret, (*found)->secret_hash)) {
    return fail(ErrorCode::kUnauthorized, std::string(kWrong));
  }
  auto scopes = parse_scopes((*found)->scopes);
  if (!scopes)
    return fail(ErrorCode::kInternal, "credential " + key + ": " + scopes.error().message);
  Principal principal{key, *scopes, (*found)->authority};
  std::lock_guard lock(mutex_);
  if (cache_.size() > 10000) cache_.clear();  // bound memory against credential stuffing
  cache_[key_hash] = Entry{principal, now + cache_ttl_};
  return principal;
}

void Authenticator::forget(const std::string& key) {
  std::lock_guard lock(mutex_);
  std::erase_if(cache_, [&](const auto& entry) { return entry.second.principal.key == key; });
}

}  // namespace lrs

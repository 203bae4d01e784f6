// Credentials and scopes: hashing secrets, checking HTTP Basic credentials, and the
// xAPI scope set a request is allowed.
//
// Secrets are stored as PBKDF2-HMAC-SHA256 strings. Checking one costs tens of
// milliseconds by design, so the Authenticator remembers successful checks for a short
// time (keyed by a SHA-256 of the presented pair, never the pair itself); a revoke made
// through this process takes effect at once, one made by another process within
// `cache_ttl`. Authenticator is thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <future>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "lrs/credential_store.h"
#include "lrs/error.h"

namespace lrs {

// xAPI 1.0.3 Communication 4.1.2 scopes, as bits.
enum Scope : std::uint32_t {
  kScopeAll = 1U << 0,
  kScopeAllRead = 1U << 1,
  kScopeStatementsWrite = 1U << 2,
  kScopeStatementsRead = 1U << 3,
  kScopeStatementsReadMine = 1U << 4,
  kScopeState = 1U << 5,
  kScopeDefine = 1U << 6,
  kScopeProfile = 1U << 7,
};

// "all statements/write ..." names to bits; kInvalid naming the first unknown scope.
Result<std::uint32_t> parse_scopes(const std::vector<std::string>& names);
std::vector<std::string> scope_names(std::uint32_t scopes);
bool scope_allows_statement_write(std::uint32_t scopes);
// Read access to every statement (statements/read/mine alone is handled by the caller).
bool scope_allows_statement_read(std::uint32_t scopes);

// A new PBKDF2 hash string for `secret` with a random salt.
std::string hash_secret(std::string_view secret);
// Constant-time check of `secret` against a hash string made by hash_secret.
bool verify_secret(std::string_view secret, std::string_view hash);
// A random secret for a new credential (43 characters of base64url).
std::string generate_secret();

// A new credential with `secret` hashed, its authority an Agent identified by an
// account on urn:lrsbridge:credential named after the key. kInvalid when the key is
// empty or holds ':', the secret is shorter than 8 characters, or a scope is unknown.
Result<Credential> make_credential(const std::string& key, const std::string& secret,
                                   const std::vector<std::string>& scopes,
                                   const std::string& label);

// Who a request is.
struct Principal {
  std::string key;
  std::uint32_t scopes = 0;
  std::string authority;  // Agent JSON for the statements' `authority`
};

class Authenticator {
 public:
  explicit Authenticator(CredentialStore& store,
                         std::chrono::seconds cache_ttl = std::chrono::seconds(30));

  // `authorization` is the Authorization header value ("Basic <base64>"). kUnauthorized
  // for a missing, malformed, unknown, revoked or wrong credential; kInternal when the
  // store fails.
  // Concurrent calls with the same credentials that miss the cache share one check
  // (a PBKDF2 check costs ~0.2 s of CPU; N connections opening at once must not pay N).
  Result<Principal> authenticate(std::string_view authorization);

  // Drops any remembered check for `key` (after a revoke in this process).
  void forget(const std::string& key);

 private:
  struct Entry {
    Principal principal;
    std::chrono::steady_clock::time_point expires;
  };
  Result<Principal> check(std::string_view encoded, const std::string& key_hash,
                          std::chrono::steady_clock::time_point now);

  CredentialStore& store_;
  std::chrono::seconds cache_ttl_;
  std::mutex mutex_;
  std::unordered_map<std::string, Entry> cache_;
  // Checks in progress, by cache key; their callers' results.
  std::unordered_map<std::string, std::shared_future<Result<Principal>>> pending_;
};

}  // namespace lrs

// Storage of API credentials (HTTP Basic key/secret pairs with xAPI scopes).
// Secrets never reach the store in clear: `secret_hash` is the PBKDF2 string made by
// lrs::hash_secret (auth.h). Thread-safe; every call is one transaction.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "lrs/error.h"

namespace lrs {

struct Credential {
  std::string key;                  // the Basic user name; unique
  std::string secret_hash;          // "pbkdf2-sha256$<iterations>$<salt b64>$<hash b64>"
  std::vector<std::string> scopes;  // xAPI scope names ("all", "statements/write", ...)
  std::string label;                // free text for people
  std::string authority;            // the Agent JSON put in `authority` of statements
  std::int64_t created_us = 0;
  bool revoked = false;
};

class CredentialStore {
 public:
  CredentialStore() = default;
  virtual ~CredentialStore() = default;
  CredentialStore(const CredentialStore&) = delete;
  CredentialStore& operator=(const CredentialStore&) = delete;

  // kConflict when the key exists (revoked or not).
  virtual Result<void> add(const Credential& credential) = 0;
  // nullopt when unknown; revoked credentials are returned with revoked = true.
  virtual Result<std::optional<Credential>> find(const std::string& key) = 0;
  // All credentials, oldest first.
  virtual Result<std::vector<Credential>> list() = 0;
  // kNotFound when unknown. Revoking twice is not an error.
  virtual Result<void> revoke(const std::string& key) = 0;
};

}  // namespace lrs

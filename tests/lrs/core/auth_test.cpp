#include "lrs/auth.h"

#include <atomic>
#include <map>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "support/basic_auth.h"

namespace {

class MemoryCredentials final : public lrs::CredentialStore {
 public:
  lrs::Result<void> add(const lrs::Credential& c) override {
    if (!by_key.emplace(c.key, c).second) return lrs::fail(lrs::ErrorCode::kConflict, "exists");
    return {};
  }
  lrs::Result<std::optional<lrs::Credential>> find(const std::string& key) override {
    ++finds;
    auto it = by_key.find(key);
    if (it == by_key.end()) return std::optional<lrs::Credential>();
    return std::optional<lrs::Credential>(it->second);
  }
  lrs::Result<std::vector<lrs::Credential>> list() override {
    return std::vector<lrs::Credential>();
  }
  lrs::Result<void> revoke(const std::string& key) override {
    by_key.at(key).revoked = true;
    return {};
  }
  std::map<std::string, lrs::Credential> by_key;
  int finds = 0;
};

}  // namespace

TEST_CASE("secrets hash with a random salt and verify in constant time") {
  std::string a = lrs::hash_secret("correct horse");
  std::string b = lrs::hash_secret("correct horse");
  CHECK(a != b);
  CHECK(a.rfind("pbkdf2-sha256$", 0) == 0);
  CHECK(lrs::verify_secret("correct horse", a));
  CHECK_FALSE(lrs::verify_secret("correct horsE", a));
  CHECK_FALSE(lrs::verify_secret("correct horse", "pbkdf2-sha256$1$bad"));
  CHECK_FALSE(lrs::verify_secret("x", "plain-text"));
  CHECK(lrs::generate_secret().size() == 43);
}

TEST_CASE("scopes parse by name and unknown ones are named") {
  auto bits = lrs::parse_scopes({"statements/write", "statements/read/mine"});
  REQUIRE(bits);
  CHECK(lrs::scope_allows_statement_write(*bits));
  CHECK_FALSE(lrs::scope_allows_statement_read(*bits));
  CHECK(lrs::scope_names(*bits) ==
        std::vector<std::string>{"statements/write", "statements/read/mine"});
  auto bad = lrs::parse_scopes({"all", "statements/delete"});
  REQUIRE_FALSE(bad);
  CHECK_THAT(bad.error().message, Catch::Contains("statements/delete"));
}

TEST_CASE("the authenticator checks Basic credentials and remembers good ones") {
  MemoryCredentials store;
  lrs::Credential c;
  c.key = "k1";
  c.secret_hash = lrs::hash_secret("s3cret-s3cret");
  c.scopes = {"all"};
  c.authority = R"({"mbox":"mailto:k1@example.com"})";
  REQUIRE(store.add(c));
  lrs::Authenticator auth(store);

  auto who = auth.authenticate(test_support::basic_auth("k1:s3cret-s3cret"));
  REQUIRE(who);
  CHECK(who->key == "k1");
  CHECK(who->scopes == lrs::kScopeAll);
  int finds = store.finds;
  CHECK(auth.authenticate(test_support::basic_auth("k1:s3cret-s3cret")));
  CHECK(store.finds == finds);  // served from the cache

  for (const std::string& header :
       {test_support::basic_auth("k1:wrong"), test_support::basic_auth("nobody:s3cret-s3cret"),
        std::string("Bearer abc"), std::string(""), std::string("Basic !!!"),
        test_support::basic_auth("no-colon")}) {
    auto denied = auth.authenticate(header);
    REQUIRE_FALSE(denied);
    CHECK(denied.error().code == lrs::ErrorCode::kUnauthorized);
  }

  REQUIRE(store.revoke("k1"));
  auth.forget("k1");
  CHECK_FALSE(auth.authenticate(test_support::basic_auth("k1:s3cret-s3cret")));
}

TEST_CASE("concurrent first requests with one credential share one check") {
  MemoryCredentials store;
  lrs::Credential c;
  c.key = "k1";
  c.secret_hash = lrs::hash_secret("s3cret-s3cret");
  c.scopes = {"all"};
  c.authority = R"({"mbox":"mailto:k1@example.com"})";
  REQUIRE(store.add(c));
  lrs::Authenticator auth(store);
  for (const std::string& pair : {std::string("k1:wrong"), std::string("k1:s3cret-s3cret")}) {
    std::vector<std::thread> threads;
    std::atomic<int> ok{0};
    int finds = store.finds;
    for (int i = 0; i < 6; ++i) {
      threads.emplace_back([&] {
        if (auth.authenticate(test_support::basic_auth(pair))) ++ok;
      });
    }
    for (auto& t : threads) t.join();
    CHECK(ok == (pair == "k1:wrong" ? 0 : 6));
    // One PBKDF2 check for all six (a wrong secret is not remembered, but the
    // concurrent callers still share the one check).
    CHECK(store.finds - finds == 1);
  }
}

// The document, credential and player stores on PostgreSQL. Private to lrs_postgres.
//
// Each call is one transaction on a pooled connection. Nothing is cached in the
// process, so any number of processes may share the database.
#pragma once

#include "lrs/credential_store.h"
#include "lrs/document_store.h"
#include "lrs/player_store.h"
#include "pg_connection.h"
#include "pg_statement_store.h"

namespace lrs::pg {

class PgDocumentStore final : public DocumentStore {
 public:
  explicit PgDocumentStore(Pool& pool) : pool_(pool) {}
  Result<std::optional<Document>> get(const DocumentScope& scope, const std::string& id) override;
  Result<std::vector<std::string>> list_ids(const DocumentScope& scope,
                                            std::optional<std::int64_t> since_us) override;
  Result<void> update(const DocumentScope& scope, const std::string& id,
                      const Decide& decide) override;
  Result<void> remove_all(const DocumentScope& scope) override;

 private:
  Pool& pool_;
};

class PgCredentialStore final : public CredentialStore {
 public:
  explicit PgCredentialStore(Pool& pool) : pool_(pool) {}
  Result<void> add(const Credential& credential) override;
  Result<std::optional<Credential>> find(const std::string& key) override;
  Result<std::vector<Credential>> list() override;
  Result<void> revoke(const std::string& key) override;

 private:
  Pool& pool_;
};

class PgPlayerStore final : public PlayerStore {
 public:
  PgPlayerStore(Pool& pool, PgStatementStore& statements) : pool_(pool), statements_(statements) {}
  Result<void> add_package(const PackageRecord& package) override;
  Result<std::optional<PackageRecord>> find_package(const std::string& id) override;
  Result<std::vector<PackageRecord>> list_packages() override;
  Result<void> delete_package(const std::string& id) override;
  Result<void> add_registration(const RegistrationRecord& registration) override;
  Result<std::optional<RegistrationRecord>> find_registration(const std::string& id) override;
  Result<std::int64_t> insert_attempt(const AttemptRecord& attempt) override;
  Result<std::optional<AttemptRecord>> find_attempt(std::int64_t id) override;
  Result<std::optional<AttemptRecord>> find_attempt_state(std::int64_t id) override;
  Result<std::optional<AttemptRecord>> latest_attempt(const std::string& registration,
                                                      const std::string& sco) override;
  Result<std::vector<AttemptRecord>> list_attempts(const std::string& registration) override;
  using PlayerStore::update_attempt;
  Result<void> update_attempt(const AttemptRecord& attempt, const PreparedStatements& statements,
                              const std::vector<DocumentWrite>& documents,
                              const RegistrationDecide& course) override;
  Result<std::string> secret(const std::string& name,
                             const std::function<std::string()>& make) override;

 private:
  Pool& pool_;
  PgStatementStore& statements_;
};

}  // namespace lrs::pg

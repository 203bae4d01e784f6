// PlayerStore on SQLite. Private to lrs_sqlite. Writes go through the writer thread;
// reads use the read pool.
#pragma once

#include "lrs/player_store.h"
#include "read_pool.h"
#include "sqlite_statement_store.h"
#include "writer.h"

namespace lrs::sqlite {

class SqlitePlayerStore final : public PlayerStore {
 public:
  // Statements given to update_attempt are written through `statements`.
  SqlitePlayerStore(Writer& writer, ReadPool& reads, SqliteStatementStore& statements)
      : writer_(writer), reads_(reads), statements_(statements) {}

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
  Result<void> prime_statements(const PreparedStatements& statements) override;
  Result<std::string> secret(const std::string& name,
                             const std::function<std::string()>& make) override;

 private:
  Writer& writer_;
  ReadPool& reads_;
  SqliteStatementStore& statements_;
};

}  // namespace lrs::sqlite

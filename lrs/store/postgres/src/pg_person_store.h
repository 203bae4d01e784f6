// PersonStore on PostgreSQL (table person_links, schema version 4). Private to
// lrs_postgres. Each call is one transaction on a pooled connection; links made by
// several processes at once take turns on one advisory lock, so merging two persons
// never races another merge.
#pragma once

#include "lrs/person_store.h"
#include "pg_connection.h"

namespace lrs::pg {

class PgPersonStore final : public PersonStore {
 public:
  explicit PgPersonStore(Pool& pool) : pool_(pool) {}

  Result<PersonRecord> link(const std::vector<LinkedAgent>& agents,
                            const std::string& new_id) override;
  Result<std::optional<PersonRecord>> find_by_agent(const std::string& agent_key) override;
  Result<std::optional<PersonRecord>> find(const std::string& id) override;
  Result<std::vector<PersonRecord>> list() override;
  Result<void> remove(const std::string& id) override;
  Result<void> unlink(const std::string& id, const std::string& agent_key) override;

 private:
  Pool& pool_;
};

}  // namespace lrs::pg

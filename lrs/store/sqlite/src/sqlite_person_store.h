// PersonStore on SQLite (table person_links, schema version 5). Private to lrs_sqlite.
// Links go through the writer thread; reads use the read pool.
#pragma once

#include "lrs/person_store.h"
#include "read_pool.h"
#include "writer.h"

namespace lrs::sqlite {

class SqlitePersonStore final : public PersonStore {
 public:
  SqlitePersonStore(Writer& writer, ReadPool& reads) : writer_(writer), reads_(reads) {}

  Result<PersonRecord> link(const std::vector<LinkedAgent>& agents,
                            const std::string& new_id) override;
  Result<std::optional<PersonRecord>> find_by_agent(const std::string& agent_key) override;
  Result<std::optional<PersonRecord>> find(const std::string& id) override;
  Result<std::vector<PersonRecord>> list() override;
  Result<void> remove(const std::string& id) override;
  Result<void> unlink(const std::string& id, const std::string& agent_key) override;

 private:
  Writer& writer_;
  ReadPool& reads_;
};

}  // namespace lrs::sqlite

// CredentialStore on SQLite. Private to lrs_sqlite. Writes go through the writer
// thread (SQLite has one writer per file); reads use the read pool.
#pragma once

#include "lrs/credential_store.h"
#include "read_pool.h"
#include "writer.h"

namespace lrs::sqlite {

class SqliteCredentialStore final : public CredentialStore {
 public:
  SqliteCredentialStore(Writer& writer, ReadPool& reads) : writer_(writer), reads_(reads) {}

  Result<void> add(const Credential& credential) override;
  Result<std::optional<Credential>> find(const std::string& key) override;
  Result<std::vector<Credential>> list() override;
  Result<void> revoke(const std::string& key) override;

 private:
  Writer& writer_;
  ReadPool& reads_;
};

}  // namespace lrs::sqlite

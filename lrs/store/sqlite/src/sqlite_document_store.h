// DocumentStore on SQLite. Private to lrs_sqlite. Updates run on the writer thread, so
// they serialize with statement writes and the read-decide-write of `update` is
// atomic; reads use the read pool.
#pragma once

#include "lrs/document_store.h"
#include "read_pool.h"
#include "writer.h"

namespace lrs::sqlite {

class SqliteDocumentStore final : public DocumentStore {
 public:
  SqliteDocumentStore(Writer& writer, ReadPool& reads) : writer_(writer), reads_(reads) {}

  Result<std::optional<Document>> get(const DocumentScope& scope, const std::string& id) override;
  Result<std::vector<std::string>> list_ids(const DocumentScope& scope,
                                            std::optional<std::int64_t> since_us) override;
  Result<void> update(const DocumentScope& scope, const std::string& id,
                      const Decide& decide) override;
  Result<void> remove_all(const DocumentScope& scope) override;

 private:
  Writer& writer_;
  ReadPool& reads_;
};

}  // namespace lrs::sqlite

// DocumentStore on SQLite. Private to lrs_sqlite. Updates run on the writer thread, so
// they serialize with statement writes and the read-decide-write of `update` is
// atomic; reads use the read pool.
#pragma once

#include "lrs/document_store.h"
#include "read_pool.h"
#include "writer.h"

namespace lrs::sqlite {

// The document with this id in `scope` as `conn` sees it; nullopt when there is none.
Result<std::optional<Document>> read_document(Connection& conn, const DocumentScope& scope,
                                              const std::string& id);

// Replaces `current` (what read_document returned in this transaction) by `next`, or
// deletes it when `next` is nullopt. next's updated_us is set here: the store's clock,
// and later than current's. For writer jobs (SqliteDocumentStore::update, and the player
// store's writes of the SCORM profile documents).
Result<void> write_document(Connection& conn, const DocumentScope& scope, const std::string& id,
                            const std::optional<Document>& current,
                            const std::optional<Document>& next);

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

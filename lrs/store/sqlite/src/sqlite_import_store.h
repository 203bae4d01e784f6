// ImportStore on SQLite. Private to lrs_sqlite. Writes go through the writer thread;
// reads use the read pool.
#pragma once

#include "lrs/import_store.h"
#include "read_pool.h"
#include "writer.h"

namespace lrs::sqlite {

class SqliteImportStore final : public ImportStore {
 public:
  SqliteImportStore(Writer& writer, ReadPool& reads) : writer_(writer), reads_(reads) {}

  Result<void> add_job(const ImportJobRecord& job) override;
  Result<void> update_job(const ImportJobRecord& job) override;
  Result<std::optional<ImportJobRecord>> find_job(const std::string& id) override;
  Result<std::vector<ImportJobRecord>> list_jobs() override;
  Result<void> quarantine(const std::vector<QuarantinedRow>& rows) override;
  Result<std::vector<QuarantinedRow>> quarantined(const std::string& job_id,
                                                  bool include_resolved) override;
  Result<void> resolve(const std::string& job_id, const std::vector<std::int64_t>& lines) override;

 private:
  Writer& writer_;
  ReadPool& reads_;
};

}  // namespace lrs::sqlite

// ImportStore on PostgreSQL. Private to lrs_postgres.
//
// Each call is one transaction on a pooled connection, retried on a transient failure
// like the other stores; every write is safe to repeat.
#pragma once

#include "lrs/import_store.h"
#include "pg_connection.h"

namespace lrs::pg {

class PgImportStore final : public ImportStore {
 public:
  explicit PgImportStore(Pool& pool) : pool_(pool) {}

  Result<void> add_job(const ImportJobRecord& job) override;
  Result<void> update_job(const ImportJobRecord& job) override;
  Result<std::optional<ImportJobRecord>> find_job(const std::string& id) override;
  Result<std::vector<ImportJobRecord>> list_jobs() override;
  Result<void> quarantine(const std::vector<QuarantinedRow>& rows) override;
  Result<std::vector<QuarantinedRow>> quarantined(const std::string& job_id,
                                                  bool include_resolved) override;
  Result<void> resolve(const std::string& job_id, const std::vector<std::int64_t>& lines) override;

 private:
  Pool& pool_;
};

}  // namespace lrs::pg

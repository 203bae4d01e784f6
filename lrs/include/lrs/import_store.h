// Storage of LMS export import jobs and their quarantine: the rows that could not be
// imported, with where they came from and why, kept until a retry imports them.
//
// Backend-neutral: plain records, every call one transaction, no SQL in sight. The
// connectors library (connectors/import_job.h) decides what a job does; this interface
// only keeps its record. Implementations are thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "lrs/error.h"

namespace lrs {

struct ImportJobRecord {
  std::string id;         // chosen by the caller (a UUID)
  std::string file_name;  // as given (a path for the CLI, a name for HTTP uploads)
  std::string format;     // the format or mapping name used
  // Everything needed to run the job's rows again (JSON object: options, the mapping,
  // the header row); opaque to the store.
  std::string settings_json;
  std::string state = "running";  // running, finished, failed
  std::string error;              // why a failed job failed
  std::int64_t rows_read = 0;
  std::int64_t statements_stored = 0;
  std::int64_t statements_present = 0;  // already stored before (re-imports)
  std::int64_t rows_quarantined = 0;    // rows still in quarantine
  std::int64_t started_us = 0;
  std::int64_t finished_us = 0;
};

struct QuarantinedRow {
  std::string job_id;
  std::int64_t line = 0;  // where the row starts in the file (1-based)
  std::string raw;        // the row as CSV text (UTF-8, comma separated)
  std::string reason;
  bool resolved = false;  // imported by a later retry
};

class ImportStore {
 public:
  ImportStore() = default;
  virtual ~ImportStore() = default;
  ImportStore(const ImportStore&) = delete;
  ImportStore& operator=(const ImportStore&) = delete;

  // kConflict when the id exists.
  virtual Result<void> add_job(const ImportJobRecord& job) = 0;
  // Replaces every field but id and started_us. kNotFound when unknown.
  virtual Result<void> update_job(const ImportJobRecord& job) = 0;
  virtual Result<std::optional<ImportJobRecord>> find_job(const std::string& id) = 0;
  // Newest first.
  virtual Result<std::vector<ImportJobRecord>> list_jobs() = 0;

  // Adds rows, or replaces the reason of a row already held for (job_id, line) and marks
  // it unresolved again.
  virtual Result<void> quarantine(const std::vector<QuarantinedRow>& rows) = 0;
  // The job's rows by line; resolved ones only when asked. An unknown job has none.
  virtual Result<std::vector<QuarantinedRow>> quarantined(const std::string& job_id,
                                                          bool include_resolved) = 0;
  // Marks these lines of the job resolved (unknown lines are ignored).
  virtual Result<void> resolve(const std::string& job_id,
                               const std::vector<std::int64_t>& lines) = 0;
};

}  // namespace lrs

// Import jobs: an LMS export file in, statements stored, bad rows quarantined.
//
// run_import reads the file row by row (constant memory), maps each row with its
// format, builds the statements (statement_builder.h) and stores them in batches through
// lrs::prepare_statements and StatementStore::insert, so validation and duplicate-id
// handling are the LRS's own. A row that cannot be imported (unreadable text, unknown
// status word, bad date, score out of range, a statement the LRS refuses or that
// conflicts with a stored one) goes to the quarantine with its line, the raw row and the
// reason; it never stops the other rows. The job and its quarantine are kept in an
// lrs::ImportStore; retry_import runs the quarantined rows again with the job's settings
// (optionally corrected). Functions block; one job per call, any number in parallel.
#pragma once

#include <cstdint>
#include <functional>
#include <istream>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "lrs/error.h"
#include "lrs/import_store.h"
#include "lrs/person_store.h"
#include "lrs/statement_store.h"

namespace connectors {

struct ImportOptions {
  std::string format = "auto";  // "auto" or a built-in format name
  std::string mapping_json;     // a mapping file's text; replaces `format` when set
  std::string lms_url;          // the LMS base URL (actor homePage); required
  std::string time_zone;        // zone of the export's dates; empty: the mapping's
  std::string course;           // course key; empty: taken from the file name
  std::string course_name;      // empty: the course key
  std::string date_format;      // replaces a built-in format's date pattern
  // When the export was made (UTC seconds) for rows without a date; otherwise taken
  // from the file's rows or name, then `file_time_s`, then the current time.
  std::optional<std::int64_t> export_time_s;
  std::optional<std::int64_t> file_time_s;  // the file's modification time
  bool use_email = false;                   // identify learners by mbox when possible
  bool dry_run = false;                     // read and check everything, store nothing
  // Statements per store transaction: 500 keeps peak RSS ~40 MB lower than 2,000 at no
  // cost in speed (bench/README.md, Imports).
  std::size_t batch_statements = 500;
};

struct ImportSummary {
  std::string job_id;  // empty for a dry run
  std::string file_name;
  std::string format;
  std::string encoding;
  char delimiter = ',';
  std::int64_t rows_read = 0;              // data rows (the header not counted)
  std::int64_t rows_without_evidence = 0;  // nothing completed or scored in them
  std::int64_t rows_quarantined = 0;
  std::int64_t statements_built = 0;
  std::int64_t statements_stored = 0;   // new in the LRS
  std::int64_t statements_present = 0;  // stored by an earlier import already
  std::vector<std::string> notes;       // assumptions the import made, for people
};

// {"job": ..., "file": ..., "format": ..., "rows_read": ..., ...}
nlohmann::json summary_json(const ImportSummary& summary);
// {"id", "file", "format", "state", "error", "rows_read", ..., "started", "finished"}
nlohmann::json job_json(const lrs::ImportJobRecord& job);

// Called every few thousand rows with the bytes read so far and the rows done.
using ImportProgress = std::function<void(std::uint64_t bytes_read, std::int64_t rows)>;

// Runs one import. kInvalid (nothing stored, no job kept) when the options or the file as
// a whole are unusable: no --lms-url, an unknown format or zone, an undetectable or
// unsuitable header, dates without a zone. A store failure mid-way (kUnavailable,
// kInternal) ends the job as "failed" with what was done so far kept; re-running the
// same file later adds only what is missing. With `persons` and use_email, a row with both
// the LMS user id and an email links the learner's account and mbox as one person (made
// by "import"), once per learner.
lrs::Result<ImportSummary> run_import(std::istream& in, const std::string& file_name,
                                      const ImportOptions& options, lrs::StatementStore& statements,
                                      lrs::ImportStore& imports,
                                      const ImportProgress& progress = {},
                                      lrs::PersonStore* persons = nullptr);

// Runs the job's unresolved quarantined rows again. `fixes` may replace lms_url,
// time_zone, date_format, mapping_json, course and use_email (empty fields keep the
// job's). Rows that import now are resolved; others keep (or change) their reason.
// kNotFound for an unknown job.
lrs::Result<ImportSummary> retry_import(const std::string& job_id, const ImportOptions& fixes,
                                        lrs::StatementStore& statements, lrs::ImportStore& imports,
                                        lrs::PersonStore* persons = nullptr);

// The quarantine as CSV: job, line, reason, row.
std::string quarantine_csv(const std::vector<lrs::QuarantinedRow>& rows);

}  // namespace connectors

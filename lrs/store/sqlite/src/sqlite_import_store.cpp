#include "sqlite_import_store.h"

#include <utility>

namespace lrs::sqlite {
namespace {

constexpr const char* kJobColumns =
    "SELECT id, file_name, format, settings, state, error, rows_read, statements_stored, "
    "statements_present, rows_quarantined, started_us, finished_us FROM import_jobs";

ImportJobRecord read_job(const Stmt& q) {
  ImportJobRecord j;
  j.id = q.col_text(0);
  j.file_name = q.col_text(1);
  j.format = q.col_text(2);
  j.settings_json = q.col_text(3);
  j.state = q.col_text(4);
  j.error = q.col_text(5);
  j.rows_read = q.col_int(6);
  j.statements_stored = q.col_int(7);
  j.statements_present = q.col_int(8);
  j.rows_quarantined = q.col_int(9);
  j.started_us = q.col_int(10);
  j.finished_us = q.col_int(11);
  return j;
}

// Binds every column but id (1) and started_us (11) in kJobColumns order.
void bind_job_fields(Stmt& q, const ImportJobRecord& job) {
  q.bind_text(2, job.file_name);
  q.bind_text(3, job.format);
  q.bind_text(4, job.settings_json);
  q.bind_text(5, job.state);
  q.bind_text(6, job.error);
  q.bind(7, job.rows_read);
  q.bind(8, job.statements_stored);
  q.bind(9, job.statements_present);
  q.bind(10, job.rows_quarantined);
  q.bind(12, job.finished_us);
}

}  // namespace

Result<void> SqliteImportStore::add_job(const ImportJobRecord& job) {
  FunctionJob write([&job](Connection& conn) -> Result<void> {
    auto stmt = conn.prepare(
        "INSERT INTO import_jobs (id, file_name, format, settings, state, error, rows_read, "
        "statements_stored, statements_present, rows_quarantined, started_us, finished_us) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) ON CONFLICT (id) DO NOTHING");
    if (!stmt) return tl::unexpected<Error>(std::move(stmt).error());
    StmtUse q(stmt->get());
    q->bind_text(1, job.id);
    bind_job_fields(*q, job);
    q->bind(11, job.started_us);
    LRS_SQLITE_TRY(q->run("adding import job " + job.id));
    if (conn.changes() == 0) return fail(ErrorCode::kConflict, "import job " + job.id + " exists");
    return {};
  });
  return writer_.run(write);
}

Result<void> SqliteImportStore::update_job(const ImportJobRecord& job) {
  FunctionJob write([&job](Connection& conn) -> Result<void> {
    auto stmt = conn.prepare(
        "UPDATE import_jobs SET file_name = ?2, format = ?3, settings = ?4, state = ?5, "
        "error = ?6, rows_read = ?7, statements_stored = ?8, statements_present = ?9, "
        "rows_quarantined = ?10, finished_us = ?12 WHERE id = ?1");
    if (!stmt) return tl::unexpected<Error>(std::move(stmt).error());
    StmtUse q(stmt->get());
    q->bind_text(1, job.id);
    bind_job_fields(*q, job);
    LRS_SQLITE_TRY(q->run("updating import job " + job.id));
    if (conn.changes() == 0) return fail(ErrorCode::kNotFound, "no import job " + job.id);
    return {};
  });
  return writer_.run(write);
}

Result<std::optional<ImportJobRecord>> SqliteImportStore::find_job(const std::string& id) {
  auto conn = reads_.acquire();
  auto stmt = conn->prepare(std::string(kJobColumns) + " WHERE id = ?1");
  if (!stmt) return tl::unexpected<Error>(std::move(stmt).error());
  StmtUse q(stmt->get());
  q->bind_text(1, id);
  auto row = q->step("reading import job " + id);
  if (!row) return tl::unexpected<Error>(std::move(row).error());
  if (!*row) return std::optional<ImportJobRecord>();
  return std::optional<ImportJobRecord>(read_job(*q));
}

Result<std::vector<ImportJobRecord>> SqliteImportStore::list_jobs() {
  auto conn = reads_.acquire();
  auto stmt = conn->prepare(std::string(kJobColumns) + " ORDER BY started_us DESC, id");
  if (!stmt) return tl::unexpected<Error>(std::move(stmt).error());
  StmtUse q(stmt->get());
  std::vector<ImportJobRecord> out;
  for (;;) {
    auto row = q->step("listing import jobs");
    if (!row) return tl::unexpected<Error>(std::move(row).error());
    if (!*row) break;
    out.push_back(read_job(*q));
  }
  return out;
}

Result<void> SqliteImportStore::quarantine(const std::vector<QuarantinedRow>& rows) {
  if (rows.empty()) return {};
  FunctionJob write([&rows](Connection& conn) -> Result<void> {
    auto stmt = conn.prepare(
        "INSERT INTO import_quarantine (job, line, raw, reason, resolved) "
        "VALUES (?1, ?2, ?3, ?4, 0) ON CONFLICT (job, line) DO UPDATE SET "
        "raw = excluded.raw, reason = excluded.reason, resolved = 0");
    if (!stmt) return tl::unexpected<Error>(std::move(stmt).error());
    for (const QuarantinedRow& r : rows) {
      StmtUse q(stmt->get());
      q->bind_text(1, r.job_id);
      q->bind(2, r.line);
      q->bind_text(3, r.raw);
      q->bind_text(4, r.reason);
      LRS_SQLITE_TRY(
          q->run("quarantining line " + std::to_string(r.line) + " of import " + r.job_id));
    }
    return {};
  });
  return writer_.run(write);
}

Result<std::vector<QuarantinedRow>> SqliteImportStore::quarantined(const std::string& job_id,
                                                                   bool include_resolved) {
  auto conn = reads_.acquire();
  auto stmt = conn->prepare(
      "SELECT line, raw, reason, resolved FROM import_quarantine WHERE job = ?1 "
      "AND (?2 OR resolved = 0) ORDER BY line");
  if (!stmt) return tl::unexpected<Error>(std::move(stmt).error());
  StmtUse q(stmt->get());
  q->bind_text(1, job_id);
  q->bind(2, include_resolved ? 1 : 0);
  std::vector<QuarantinedRow> out;
  for (;;) {
    auto row = q->step("reading the quarantine of import " + job_id);
    if (!row) return tl::unexpected<Error>(std::move(row).error());
    if (!*row) break;
    out.push_back({job_id, q->col_int(0), std::string(q->col_text(1)), std::string(q->col_text(2)),
                   q->col_int(3) != 0});
  }
  return out;
}

Result<void> SqliteImportStore::resolve(const std::string& job_id,
                                        const std::vector<std::int64_t>& lines) {
  if (lines.empty()) return {};
  FunctionJob write([&](Connection& conn) -> Result<void> {
    auto stmt =
        conn.prepare("UPDATE import_quarantine SET resolved = 1 WHERE job = ?1 AND line = ?2");
    if (!stmt) return tl::unexpected<Error>(std::move(stmt).error());
    for (std::int64_t line : lines) {
      StmtUse q(stmt->get());
      q->bind_text(1, job_id);
      q->bind(2, line);
      LRS_SQLITE_TRY(q->run("resolving line " + std::to_string(line) + " of import " + job_id));
    }
    return {};
  });
  return writer_.run(write);
}

}  // namespace lrs::sqlite

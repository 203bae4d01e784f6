#include "pg_import_store.h"

#include <set>
#include <string_view>
#include <utility>

namespace lrs::pg {
namespace {

constexpr const char* kJobColumns =
    "SELECT id, file_name, format, settings, state, error, rows_read, statements_stored, "
    "statements_present, rows_quarantined, started_us, finished_us FROM import_jobs";

ImportJobRecord read_job(const Rows& rows, int i) {
  ImportJobRecord j;
  j.id = rows.text(i, 0);
  j.file_name = bytea_value(rows.text(i, 1));
  j.format = rows.text(i, 2);
  j.settings_json = rows.text(i, 3);
  j.state = rows.text(i, 4);
  j.error = bytea_value(rows.text(i, 5));
  j.rows_read = rows.integer(i, 6);
  j.statements_stored = rows.integer(i, 7);
  j.statements_present = rows.integer(i, 8);
  j.rows_quarantined = rows.integer(i, 9);
  j.started_us = rows.integer(i, 10);
  j.finished_us = rows.integer(i, 11);
  return j;
}

// $1 id, then every column but id and started_us in kJobColumns order ($2 ... $11).
Params job_params(const ImportJobRecord& job) {
  Params p;
  p.add(job.id);
  p.add(bytea_literal(job.file_name));
  p.add(job.format);
  p.add(job.settings_json);
  p.add(job.state);
  p.add(bytea_literal(job.error));
  p.add(job.rows_read);
  p.add(job.statements_stored);
  p.add(job.statements_present);
  p.add(job.rows_quarantined);
  p.add(job.finished_us);
  return p;
}

}  // namespace

Result<void> PgImportStore::add_job(const ImportJobRecord& job) {
  return pool_.write("adding import job " + job.id, [&](Connection& c) -> Result<void> {
    Params p = job_params(job);
    p.add(job.started_us);
    return insert_once(
        c,
        "INSERT INTO import_jobs (id, file_name, format, settings, state, error, rows_read, "
        "statements_stored, statements_present, rows_quarantined, finished_us, started_us) "
        "VALUES ($1, $2::bytea, $3, $4, $5, $6::bytea, $7, $8, $9, $10, $11, $12) "
        "ON CONFLICT (id) DO NOTHING RETURNING id",
        "SELECT 1 FROM import_jobs WHERE id = $1 AND file_name = $2::bytea AND format = $3 "
        "AND settings = $4 AND state = $5 AND error = $6::bytea AND rows_read = $7 AND "
        "statements_stored = $8 AND statements_present = $9 AND rows_quarantined = $10 AND "
        "finished_us = $11 AND started_us = $12",
        p, "adding import job " + job.id, "import job " + job.id + " exists");
  });
}

Result<void> PgImportStore::update_job(const ImportJobRecord& job) {
  return pool_.write("updating import job " + job.id, [&](Connection& c) -> Result<void> {
    auto rows = c.exec(
        "UPDATE import_jobs SET file_name = $2::bytea, format = $3, settings = $4, state = $5, "
        "error = $6::bytea, rows_read = $7, statements_stored = $8, statements_present = $9, "
        "rows_quarantined = $10, finished_us = $11 WHERE id = $1 RETURNING id",
        job_params(job), "updating import job " + job.id);
    if (!rows) return tl::unexpected<Error>(rows.error());
    if (rows->size() == 0) return fail(ErrorCode::kNotFound, "no import job " + job.id);
    return {};
  });
}

Result<std::optional<ImportJobRecord>> PgImportStore::find_job(const std::string& id) {
  return first(select_all<ImportJobRecord>(pool_, std::string(kJobColumns) + " WHERE id = $1",
                                           one(id), read_job, "reading import job " + id));
}

Result<std::vector<ImportJobRecord>> PgImportStore::list_jobs() {
  return select_all<ImportJobRecord>(pool_,
                                     std::string(kJobColumns) + " ORDER BY started_us DESC, id",
                                     Params{}, read_job, "listing import jobs");
}

Result<void> PgImportStore::quarantine(const std::vector<QuarantinedRow>& rows) {
  if (rows.empty()) return {};
  // One INSERT for all rows. ON CONFLICT DO UPDATE may touch a row only once per
  // command, so a (job, line) given twice keeps its last version, as when the rows are
  // written one after another.
  std::vector<std::string> jobs, raws, reasons;
  std::vector<std::int64_t> lines;
  std::set<std::pair<std::string_view, std::int64_t>> seen;
  for (auto r = rows.rbegin(); r != rows.rend(); ++r) {
    if (!seen.emplace(r->job_id, r->line).second) continue;
    jobs.push_back(r->job_id);
    lines.push_back(r->line);
    raws.push_back(bytea_literal(r->raw));
    reasons.push_back(bytea_literal(r->reason));
  }
  std::string what =
      "quarantining " + std::to_string(lines.size()) + " rows of import " + rows.front().job_id;
  Params p;
  p.add(text_array(jobs));
  p.add(int_array(lines));
  p.add(text_array(raws));
  p.add(text_array(reasons));
  return pool_.write(what, [&](Connection& c) -> Result<void> {
    LRS_PG_TRY(
        c.exec("INSERT INTO import_quarantine (job, line, raw, reason, resolved) "
               "SELECT j, l, r, why, false FROM unnest($1::text[], $2::bigint[], $3::bytea[], "
               "$4::bytea[]) "
               "AS q(j, l, r, why) ON CONFLICT (job, line) DO UPDATE SET "
               "raw = excluded.raw, reason = excluded.reason, resolved = false",
               p, what));
    return {};
  });
}

Result<std::vector<QuarantinedRow>> PgImportStore::quarantined(const std::string& job_id,
                                                               bool include_resolved) {
  Params p;
  p.add(job_id);
  p.add_bool(include_resolved);
  return select_all<QuarantinedRow>(
      pool_,
      "SELECT line, raw, reason, resolved FROM import_quarantine WHERE job = $1 "
      "AND ($2::boolean OR NOT resolved) ORDER BY line",
      p,
      [&](const Rows& rows, int i) {
        return QuarantinedRow{job_id, rows.integer(i, 0), bytea_value(rows.text(i, 1)),
                              bytea_value(rows.text(i, 2)), rows.boolean(i, 3)};
      },
      "reading the quarantine of import " + job_id);
}

Result<void> PgImportStore::resolve(const std::string& job_id,
                                    const std::vector<std::int64_t>& lines) {
  if (lines.empty()) return {};
  std::string what = "resolving " + std::to_string(lines.size()) + " rows of import " + job_id;
  Params p;
  p.add(job_id);
  p.add(int_array(lines));
  return pool_.write(what, [&](Connection& c) -> Result<void> {
    LRS_PG_TRY(c.exec(
        "UPDATE import_quarantine SET resolved = true WHERE job = $1 AND line = ANY($2::bigint[])",
        p, what));
    return {};
  });
}

}  // namespace lrs::pg

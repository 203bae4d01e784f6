#include "sqlite_player_store.h"

#include <algorithm>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "sqlite_document_store.h"

namespace lrs::sqlite {
namespace {

constexpr const char* kPackageColumns =
    "SELECT id, title, version, summary, directory, created_us FROM packages";
// A CMI kept as its head and value rows (cmi_split) is read with its rows in the same
// statement, so the two parts come from one snapshot.
constexpr const char* kAttemptColumns =
    "SELECT a.id, a.registration, a.sco, a.number, a.cmi, a.state, a.commit_sequence, "
    "a.revision, a.updated_us, a.session, a.cmi_split, CASE WHEN a.cmi_split THEN (SELECT "
    "group_concat(v.element || ':' || v.value, ',') FROM attempt_values v WHERE v.attempt = "
    "a.id) END FROM attempts a";
// The same columns with an empty CMI (find_attempt_state).
constexpr const char* kAttemptStateColumns =
    "SELECT a.id, a.registration, a.sco, a.number, '', a.state, a.commit_sequence, a.revision, "
    "a.updated_us, a.session, 0, NULL FROM attempts a";

PackageRecord read_package(const Stmt& q) {
  PackageRecord p;
  p.id = q.col_text(0);
  p.title = q.col_text(1);
  p.version = q.col_text(2);
  p.summary_json = q.col_text(3);
  p.directory = q.col_text(4);
  p.created_us = q.col_int(5);
  return p;
}

AttemptRecord read_attempt(const Stmt& q) {
  AttemptRecord a;
  a.id = q.col_int(0);
  a.registration = q.col_text(1);
  a.sco = q.col_text(2);
  a.number = static_cast<int>(q.col_int(3));
  a.cmi_json = q.col_int(10) != 0 ? join_cmi_document(q.col_text(4), q.col_text(11))
                                  : std::string(q.col_text(4));
  a.state = q.col_text(5);
  a.commit_sequence = q.col_int(6);
  a.revision = q.col_int(7);
  a.updated_us = q.col_int(8);
  a.session = q.col_int(9);
  return a;
}

// Runs a query with `bind` and collects every row with `read`.
template <class T, class Bind, class Read>
Result<std::vector<T>> select_all(ReadPool& reads, const std::string& sql, Bind bind, Read read,
                                  std::string_view what) {
  auto conn = reads.acquire();
  auto stmt = conn->prepare(sql);
  if (!stmt) return tl::unexpected<Error>(std::move(stmt).error());
  StmtUse q(stmt->get());
  bind(*q);
  std::vector<T> out;
  for (;;) {
    auto row = q->step(what);
    if (!row) return tl::unexpected<Error>(std::move(row).error());
    if (!*row) break;
    out.push_back(read(*q));
  }
  return out;
}

// Value rows upserted by one statement at most: one statement per run of changed values
// rather than one per value saves each statement's start, its statement journal and its
// end (a 20-element commit paid those 20 times).
constexpr std::size_t kMaxUpsertRows = 32;

// "INSERT ... VALUES (?1, ?2, ?3), (?1, ?4, ?5), ... ON CONFLICT ...", `rows` rows.
const std::string& upsert_values_sql(std::size_t rows) {
  static const std::vector<std::string> sql = [] {
    std::vector<std::string> all(kMaxUpsertRows + 1);
    for (std::size_t n = 1; n <= kMaxUpsertRows; ++n) {
      std::string& s = all[n];
      s = "INSERT INTO attempt_values (attempt, element, value) VALUES ";
      for (std::size_t i = 0; i < n; ++i) {
        if (i != 0) s += ", ";
        s += "(?1, ?" + std::to_string(2 * i + 2) + ", ?" + std::to_string(2 * i + 3) + ")";
      }
      s += " ON CONFLICT (attempt, element) DO UPDATE SET value = excluded.value";
    }
    return all;
  }();
  return sql[rows];
}

// Upserts values[from, to), which all have a value, in statements of kMaxUpsertRows rows.
Result<void> upsert_values(Connection& conn, std::int64_t id,
                           const std::vector<CmiValueWrite>& values, std::size_t from,
                           std::size_t to, const std::string& what) {
  while (from < to) {
    const std::size_t n = std::min(to - from, kMaxUpsertRows);
    auto upsert = conn.prepare(upsert_values_sql(n));
    if (!upsert) return tl::unexpected<Error>(std::move(upsert).error());
    StmtUse q(upsert->get());
    q->bind(1, id);
    for (std::size_t i = 0; i < n; ++i) {
      const CmiValueWrite& v = values[from + i];
      q->bind_text(static_cast<int>(2 * i + 2), v.element);
      q->bind_text(static_cast<int>(2 * i + 3), *v.value);
    }
    LRS_SQLITE_TRY(q->run(what));
    from += n;
  }
  return {};
}

// Writes the value rows `values` (AttemptRecord::cmi_values) of attempt `id`: all of its
// rows replaced when `replace` is set, or when the CMI is written as opaque text (nullopt).
// In the order given, so a value removed and set again (or the reverse) ends as the last
// write says.
Result<void> write_cmi_values(Connection& conn, std::int64_t id,
                              const std::optional<std::vector<CmiValueWrite>>& values, bool replace,
                              const std::string& what) {
  if (!values || replace) {
    auto clear = conn.prepare("DELETE FROM attempt_values WHERE attempt = ?1");
    if (!clear) return tl::unexpected<Error>(std::move(clear).error());
    StmtUse q(clear->get());
    q->bind(1, id);
    LRS_SQLITE_TRY(q->run(what));
  }
  if (!values) return {};
  std::size_t run_start = 0;  // the run of values to upsert ends at the next removal
  for (std::size_t i = 0; i < values->size(); ++i) {
    const CmiValueWrite& v = (*values)[i];
    if (v.value) continue;
    LRS_SQLITE_TRY(upsert_values(conn, id, *values, run_start, i, what));
    run_start = i + 1;
    auto remove = conn.prepare("DELETE FROM attempt_values WHERE attempt = ?1 AND element = ?2");
    if (!remove) return tl::unexpected<Error>(std::move(remove).error());
    StmtUse q(remove->get());
    q->bind(1, id);
    q->bind_text(2, v.element);
    LRS_SQLITE_TRY(q->run(what));
  }
  return upsert_values(conn, id, *values, run_start, values->size(), what);
}

template <class T>
Result<std::optional<T>> first(Result<std::vector<T>> rows) {
  if (!rows) return tl::unexpected<Error>(std::move(rows).error());
  if (rows->empty()) return std::optional<T>();
  return std::optional<T>(std::move(rows->front()));
}

}  // namespace

Result<void> SqlitePlayerStore::add_package(const PackageRecord& p) {
  FunctionJob job([&p](Connection& conn) -> Result<void> {
    auto stmt = conn.prepare(
        "INSERT INTO packages (id, title, version, summary, directory, created_us) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (id) DO NOTHING");
    if (!stmt) return tl::unexpected<Error>(std::move(stmt).error());
    StmtUse q(stmt->get());
    q->bind_text(1, p.id);
    q->bind_text(2, p.title);
    q->bind_text(3, p.version);
    q->bind_text(4, p.summary_json);
    q->bind_text(5, p.directory);
    q->bind(6, p.created_us);
    LRS_SQLITE_TRY(q->run("adding package " + p.id));
    if (conn.changes() == 0) return fail(ErrorCode::kConflict, "package " + p.id + " exists");
    return {};
  });
  return writer_.run(job);
}

Result<std::optional<PackageRecord>> SqlitePlayerStore::find_package(const std::string& id) {
  return first(select_all<PackageRecord>(
      reads_, std::string(kPackageColumns) + " WHERE id = ?1", [&](Stmt& q) { q.bind_text(1, id); },
      read_package, "reading package " + id));
}

Result<std::vector<PackageRecord>> SqlitePlayerStore::list_packages() {
  return select_all<PackageRecord>(
      reads_, std::string(kPackageColumns) + " ORDER BY created_us, rowid", [](Stmt&) {},
      read_package, "listing packages");
}

Result<void> SqlitePlayerStore::delete_package(const std::string& id) {
  FunctionJob job([&id](Connection& conn) -> Result<void> {
    auto stmt = conn.prepare("DELETE FROM packages WHERE id = ?1");
    if (!stmt) return tl::unexpected<Error>(std::move(stmt).error());
    StmtUse q(stmt->get());
    q->bind_text(1, id);
    LRS_SQLITE_TRY(q->run("deleting package " + id));
    if (conn.changes() == 0) return fail(ErrorCode::kNotFound, "no package " + id);
    return {};
  });
  return writer_.run(job);
}

Result<void> SqlitePlayerStore::add_registration(const RegistrationRecord& r) {
  FunctionJob job([&r](Connection& conn) -> Result<void> {
    auto exists = conn.prepare("SELECT 1 FROM packages WHERE id = ?1");
    if (!exists) return tl::unexpected<Error>(std::move(exists).error());
    {
      StmtUse q(exists->get());
      q->bind_text(1, r.package_id);
      auto row = q->step("reading package " + r.package_id);
      if (!row) return tl::unexpected<Error>(std::move(row).error());
      if (!*row) return fail(ErrorCode::kNotFound, "no package " + r.package_id);
    }
    auto stmt = conn.prepare(
        "INSERT INTO registrations (id, package, learner, created_us) VALUES (?1, ?2, ?3, ?4) "
        "ON CONFLICT (id) DO NOTHING");
    if (!stmt) return tl::unexpected<Error>(std::move(stmt).error());
    StmtUse q(stmt->get());
    q->bind_text(1, r.id);
    q->bind_text(2, r.package_id);
    q->bind_text(3, r.learner_json);
    q->bind(4, r.created_us);
    LRS_SQLITE_TRY(q->run("adding registration " + r.id));
    if (conn.changes() == 0) return fail(ErrorCode::kConflict, "registration " + r.id + " exists");
    return {};
  });
  return writer_.run(job);
}

Result<std::optional<RegistrationRecord>> SqlitePlayerStore::find_registration(
    const std::string& id) {
  return first(select_all<RegistrationRecord>(
      reads_, "SELECT id, package, learner, created_us FROM registrations WHERE id = ?1",
      [&](Stmt& q) { q.bind_text(1, id); },
      [](const Stmt& q) {
        RegistrationRecord r;
        r.id = q.col_text(0);
        r.package_id = q.col_text(1);
        r.learner_json = q.col_text(2);
        r.created_us = q.col_int(3);
        return r;
      },
      "reading registration " + id));
}

Result<std::int64_t> SqlitePlayerStore::insert_attempt(const AttemptRecord& a) {
  std::int64_t id = 0;
  FunctionJob job([&a, &id](Connection& conn) -> Result<void> {
    auto stmt = conn.prepare(
        "INSERT INTO attempts (registration, sco, number, cmi, state, commit_sequence, revision, "
        "updated_us, session, cmi_split) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, ?7, ?8, ?9)");
    if (!stmt) return tl::unexpected<Error>(std::move(stmt).error());
    StmtUse q(stmt->get());
    q->bind_text(1, a.registration);
    q->bind_text(2, a.sco);
    q->bind(3, a.number);
    q->bind_text(4, a.cmi_json);
    q->bind_text(5, a.state);
    q->bind(6, a.commit_sequence);
    q->bind(7, a.updated_us);
    q->bind(8, a.session);
    q->bind(9, a.cmi_values ? 1 : 0);
    auto r = q->run("adding attempt " + std::to_string(a.number) + " of " + a.registration);
    if (!r) {
      // The UNIQUE (registration, sco, number): another launch created it first.
      if (sqlite3_extended_errcode(conn.db()) == SQLITE_CONSTRAINT_UNIQUE) {
        return fail(ErrorCode::kConflict, "attempt " + std::to_string(a.number) + " exists");
      }
      return r;
    }
    id = conn.last_insert_rowid();
    if (!a.cmi_values) return {};
    return write_cmi_values(conn, id, a.cmi_values, true,
                            "adding the CMI of attempt " + std::to_string(id));
  });
  LRS_SQLITE_TRY(writer_.run(job));
  return id;
}

Result<std::optional<AttemptRecord>> SqlitePlayerStore::find_attempt(std::int64_t id) {
  return first(select_all<AttemptRecord>(
      reads_, std::string(kAttemptColumns) + " WHERE a.id = ?1", [&](Stmt& q) { q.bind(1, id); },
      read_attempt, "reading attempt " + std::to_string(id)));
}

Result<std::optional<AttemptRecord>> SqlitePlayerStore::find_attempt_state(std::int64_t id) {
  return first(select_all<AttemptRecord>(
      reads_, std::string(kAttemptStateColumns) + " WHERE a.id = ?1",
      [&](Stmt& q) { q.bind(1, id); }, read_attempt, "reading attempt " + std::to_string(id)));
}

Result<std::optional<AttemptRecord>> SqlitePlayerStore::latest_attempt(
    const std::string& registration, const std::string& sco) {
  return first(select_all<AttemptRecord>(
      reads_,
      std::string(kAttemptColumns) +
          " WHERE registration = ?1 AND sco = ?2 ORDER BY number DESC LIMIT 1",
      [&](Stmt& q) {
        q.bind_text(1, registration);
        q.bind_text(2, sco);
      },
      read_attempt, "reading attempts of " + registration));
}

Result<std::vector<AttemptRecord>> SqlitePlayerStore::list_attempts(
    const std::string& registration) {
  return select_all<AttemptRecord>(
      reads_, std::string(kAttemptColumns) + " WHERE registration = ?1 ORDER BY sco, number",
      [&](Stmt& q) { q.bind_text(1, registration); }, read_attempt,
      "listing attempts of " + registration);
}

namespace {

// The latest attempt of every SCO of `registration` but `sco`, on the writer's connection.
Result<std::vector<AttemptRecord>> latest_of_other_scos(Connection& conn,
                                                        const std::string& registration,
                                                        const std::string& sco) {
  auto stmt = conn.prepare(std::string(kAttemptColumns) +
                           " WHERE registration = ?1 AND sco <> ?2 AND number = "
                           "(SELECT max(number) FROM attempts b WHERE b.registration = "
                           "a.registration AND b.sco = a.sco)");
  if (!stmt) return tl::unexpected<Error>(std::move(stmt).error());
  StmtUse q(stmt->get());
  q->bind_text(1, registration);
  q->bind_text(2, sco);
  std::vector<AttemptRecord> out;
  for (;;) {
    auto row = q->step("reading the attempts of " + registration);
    if (!row) return tl::unexpected<Error>(std::move(row).error());
    if (!*row) break;
    out.push_back(read_attempt(*q));
  }
  return out;
}

}  // namespace

Result<void> SqlitePlayerStore::update_attempt(const AttemptRecord& a,
                                               const PreparedStatements& statements,
                                               const std::vector<DocumentWrite>& documents,
                                               const RegistrationDecide& course) {
  // Compressed here, on the caller's thread, as SqliteStatementStore::insert does.
  std::vector<std::string> packed = statements_.pack(statements.records);
  std::size_t course_records = 0;
  FunctionJob job([&](Connection& conn) -> Result<void> {
    course_records = 0;
    // The statements first: a conflicting id fails the job before the attempt changes
    // (the job's savepoint rolls back both either way).
    if (!statements.records.empty()) {
      std::vector<bool> inserted;
      LRS_SQLITE_TRY(
          statements_.apply_insert(conn, statements.records, packed, statements.same, inserted));
    }
    auto stmt = conn.prepare(
        "UPDATE attempts SET cmi = ?1, state = ?2, commit_sequence = ?3, revision = revision + 1, "
        "updated_us = ?4, session = ?7, cmi_split = ?8 WHERE id = ?5 AND revision = ?6 AND "
        "(?9 = 0 OR cmi_split = 1)");
    if (!stmt) return tl::unexpected<Error>(std::move(stmt).error());
    StmtUse q(stmt->get());
    q->bind_text(1, a.cmi_json);
    q->bind_text(2, a.state);
    q->bind(3, a.commit_sequence);
    q->bind(4, a.updated_us);
    q->bind(5, a.id);
    q->bind(6, a.revision);
    q->bind(7, a.session);
    q->bind(8, a.cmi_values ? 1 : 0);
    const bool on_top = a.cmi_values && !a.cmi_values_replace;
    q->bind(9, on_top ? 1 : 0);
    std::string what = "updating attempt " + std::to_string(a.id);
    LRS_SQLITE_TRY(q->run(what));
    if (conn.changes() != 0) {
      LRS_SQLITE_TRY(write_cmi_values(conn, a.id, a.cmi_values, a.cmi_values_replace, what));
      for (const DocumentWrite& w : documents) {
        auto current = read_document(conn, w.scope, w.id);
        if (!current) return tl::unexpected<Error>(std::move(current).error());
        auto next = w.decide(*current);
        if (!next) return tl::unexpected<Error>(std::move(next).error());
        if (*current && *next && (*next)->content == (*current)->content &&
            (*next)->content_type == (*current)->content_type &&
            (*next)->etag == (*current)->etag) {
          continue;  // unchanged: keep its updated time
        }
        LRS_SQLITE_TRY(write_document(conn, w.scope, w.id, *current, *next));
      }
      if (!course) return {};
      // On the writer thread, so decided after every earlier commit of the registration
      // and before any later one.
      auto others = latest_of_other_scos(conn, a.registration, a.sco);
      if (!others) return tl::unexpected<Error>(std::move(others).error());
      auto decided = course(*others);
      if (!decided) return tl::unexpected<Error>(std::move(decided).error());
      if (decided->records.empty()) return {};
      std::vector<bool> inserted;
      LRS_SQLITE_TRY(statements_.apply_insert(
          conn, decided->records, statements_.pack(decided->records), decided->same, inserted));
      course_records = decided->records.size();
      return {};
    }
    auto exists =
        conn.query_int("SELECT count(*) FROM attempts WHERE id = " + std::to_string(a.id), what);
    if (!exists) return tl::unexpected<Error>(std::move(exists).error());
    if (*exists == 0) return fail(ErrorCode::kNotFound, "no attempt " + std::to_string(a.id));
    if (on_top) {
      auto opaque = conn.query_int(
          "SELECT count(*) FROM attempts WHERE cmi_split = 0 AND id = " + std::to_string(a.id) +
              " AND revision = " + std::to_string(a.revision),
          what);
      if (!opaque) return tl::unexpected<Error>(std::move(opaque).error());
      if (*opaque != 0) {
        return fail(ErrorCode::kInvalid, "attempt " + std::to_string(a.id) +
                                             ": its CMI is stored whole; changes of its values "
                                             "cannot be written on top of it");
      }
    }
    return fail(ErrorCode::kConflict, "attempt " + std::to_string(a.id) + " changed meanwhile");
  });
  LRS_SQLITE_TRY(writer_.run(job));
  const std::size_t stored = statements.records.size() + course_records;
  if (stored != 0) statements_.note_inserted(stored);
  return {};
}

Result<void> SqlitePlayerStore::prime_statements(const PreparedStatements& statements) {
  if (statements.records.empty()) return {};
  FunctionJob job([&](Connection& conn) -> Result<void> {
    return statements_.add_terms(conn, statements.records);
  });
  return writer_.run(job);
}

Result<std::string> SqlitePlayerStore::secret(const std::string& name,
                                              const std::function<std::string()>& make) {
  std::string value;
  FunctionJob job([&](Connection& conn) -> Result<void> {
    {
      auto ins = conn.prepare(
          "INSERT INTO server_secrets (name, value) VALUES (?1, ?2) ON CONFLICT (name) DO NOTHING");
      if (!ins) return tl::unexpected<Error>(std::move(ins).error());
      StmtUse q(ins->get());
      std::string fresh = make();
      q->bind_text(1, name);
      q->bind_text(2, fresh);
      LRS_SQLITE_TRY(q->run("storing secret " + name));
    }
    auto sel = conn.prepare("SELECT value FROM server_secrets WHERE name = ?1");
    if (!sel) return tl::unexpected<Error>(std::move(sel).error());
    StmtUse q(sel->get());
    q->bind_text(1, name);
    auto row = q->step("reading secret " + name);
    if (!row) return tl::unexpected<Error>(std::move(row).error());
    if (!*row) return fail(ErrorCode::kInternal, "secret " + name + " vanished");
    value = std::string(q->col_text(0));
    return {};
  });
  LRS_SQLITE_TRY(writer_.run(job));
  return value;
}

}  // namespace lrs::sqlite

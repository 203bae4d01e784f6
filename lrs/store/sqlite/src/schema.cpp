#include "schema.h"

#include <string>

namespace lrs::sqlite {
namespace {

// "LRSB": marks the file as ours in the SQLite header (PRAGMA application_id).
constexpr std::int64_t kApplicationId = 0x4C525342;

struct Migration {
  int version;
  const char* sql;
};

// Applied in order, each in the opening transaction; never edit a released step, add
// a new one.
constexpr Migration kMigrations[] = {
    {1, R"sql(
CREATE TABLE statements (
  stored INTEGER PRIMARY KEY,
  id BLOB NOT NULL,
  ref BLOB,
  voiding INTEGER NOT NULL,
  voided INTEGER NOT NULL,
  terms BLOB NOT NULL,
  -- JSON text, or a BLOB zstd frame naming its dictionary (dictionaries.id)
  body NOT NULL
);
CREATE UNIQUE INDEX statements_id ON statements(id);
CREATE INDEX statements_ref ON statements(ref) WHERE ref IS NOT NULL;
CREATE TABLE terms (
  id INTEGER PRIMARY KEY,
  key BLOB NOT NULL UNIQUE,
  n_direct INTEGER NOT NULL DEFAULT 0,
  n_related INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE links (
  term INTEGER NOT NULL,
  stored INTEGER NOT NULL,
  PRIMARY KEY (term, stored)
) WITHOUT ROWID;
CREATE TABLE links_staged (
  term INTEGER NOT NULL,
  stored INTEGER NOT NULL,
  PRIMARY KEY (term, stored)
) WITHOUT ROWID;
CREATE TABLE links_recent (
  stored INTEGER NOT NULL,
  term INTEGER NOT NULL,
  PRIMARY KEY (stored, term)
) WITHOUT ROWID;
-- zstd dictionaries for bodies, trained on this database's statements; never replaced
CREATE TABLE dictionaries (
  id INTEGER PRIMARY KEY,
  created_us INTEGER NOT NULL,
  content BLOB NOT NULL
);
CREATE TABLE attachments (
  sha2 TEXT PRIMARY KEY,
  content_type TEXT NOT NULL,
  content BLOB NOT NULL
);
CREATE TABLE credentials (
  key TEXT PRIMARY KEY,
  secret_hash TEXT NOT NULL,
  scopes TEXT NOT NULL,
  label TEXT NOT NULL,
  authority TEXT NOT NULL,
  created_us INTEGER NOT NULL,
  revoked INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE documents (
  kind INTEGER NOT NULL,
  activity TEXT NOT NULL,
  agent TEXT NOT NULL,
  registration BLOB NOT NULL,
  doc_id TEXT NOT NULL,
  content BLOB NOT NULL,
  content_type TEXT NOT NULL,
  etag TEXT NOT NULL,
  updated INTEGER NOT NULL,
  PRIMARY KEY (kind, activity, agent, registration, doc_id)
) WITHOUT ROWID;
CREATE TABLE activity_definitions (
  activity TEXT PRIMARY KEY,
  definition TEXT NOT NULL
);
CREATE TABLE agent_names (
  agent TEXT NOT NULL,
  name TEXT NOT NULL,
  seen INTEGER NOT NULL,
  PRIMARY KEY (agent, name)
) WITHOUT ROWID;
)sql"},
    {2, R"sql(
CREATE TABLE packages (
  id TEXT PRIMARY KEY,
  title TEXT NOT NULL,
  version TEXT NOT NULL,
  summary TEXT NOT NULL,
  directory TEXT NOT NULL,
  created_us INTEGER NOT NULL
);
CREATE TABLE registrations (
  id TEXT PRIMARY KEY,
  package TEXT NOT NULL REFERENCES packages(id) ON DELETE CASCADE,
  learner TEXT NOT NULL,
  created_us INTEGER NOT NULL
);
CREATE INDEX registrations_package ON registrations(package);
CREATE TABLE attempts (
  id INTEGER PRIMARY KEY,
  registration TEXT NOT NULL REFERENCES registrations(id) ON DELETE CASCADE,
  sco TEXT NOT NULL,
  number INTEGER NOT NULL,
  cmi TEXT NOT NULL,
  state TEXT NOT NULL,
  commit_sequence INTEGER NOT NULL,
  revision INTEGER NOT NULL,
  updated_us INTEGER NOT NULL,
  session INTEGER NOT NULL,
  UNIQUE (registration, sco, number)
);
CREATE TABLE server_secrets (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
)sql"},
    {3, R"sql(
CREATE TABLE import_jobs (
  id TEXT PRIMARY KEY,
  file_name TEXT NOT NULL,
  format TEXT NOT NULL,
  settings TEXT NOT NULL,
  state TEXT NOT NULL,
  error TEXT NOT NULL,
  rows_read INTEGER NOT NULL,
  statements_stored INTEGER NOT NULL,
  statements_present INTEGER NOT NULL,
  rows_quarantined INTEGER NOT NULL,
  started_us INTEGER NOT NULL,
  finished_us INTEGER NOT NULL
);
CREATE TABLE import_quarantine (
  job TEXT NOT NULL REFERENCES import_jobs(id) ON DELETE CASCADE,
  line INTEGER NOT NULL,
  raw TEXT NOT NULL,
  reason TEXT NOT NULL,
  resolved INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (job, line)
) WITHOUT ROWID;
)sql"},
    // The filter-index rows of statements stored after indexed_through are held in memory
    // and rebuilt from `terms` when the database is opened (SqliteStatementStore).
    {4, R"sql(
CREATE TABLE link_state (
  indexed_through INTEGER NOT NULL
);
INSERT INTO link_state (indexed_through) SELECT coalesce(max(stored), 0) FROM statements;
)sql"},
    // Person links (lrs/person_store.h).
    {5, R"sql(
CREATE TABLE person_links (
  agent TEXT PRIMARY KEY,
  person TEXT NOT NULL,
  ifi TEXT NOT NULL,
  source TEXT NOT NULL,
  linked_us INTEGER NOT NULL
);
CREATE INDEX person_links_person ON person_links(person, agent);
)sql"},
    // Statement ids move from a unique index on `statements` to their own table, written
    // in sorted passes; the ids of statements stored after id_state.indexed_through are
    // held in memory and read back from `statements` when the database is opened
    // (pending_ids.h). The copy walks the old index in id order, so each page of the new
    // table is appended once.
    {6, R"sql(
CREATE TABLE statement_ids (
  id BLOB PRIMARY KEY,
  stored INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO statement_ids (id, stored) SELECT id, stored FROM statements ORDER BY id;
CREATE TABLE id_state (
  indexed_through INTEGER NOT NULL
);
INSERT INTO id_state (indexed_through) SELECT coalesce(max(stored), 0) FROM statements;
DROP INDEX statements_id;
)sql"},
    // An attempt's CMI kept as its document without "values" (attempts.cmi, cmi_split = 1)
    // and one row per member of "values", name and value as JSON text, so that a commit
    // writes the elements it changed rather than the whole document (PlayerStore's
    // cmi_values). Stored documents are split here; any other text stays as it is.
    {7, R"sql(
ALTER TABLE attempts ADD COLUMN cmi_split INTEGER NOT NULL DEFAULT 0;
CREATE TABLE attempt_values (
  attempt INTEGER NOT NULL REFERENCES attempts(id) ON DELETE CASCADE,
  element TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (attempt, element)
) WITHOUT ROWID;
INSERT INTO attempt_values (attempt, element, value)
  SELECT a.id, json_quote(j.key), json_quote(j.value)
  FROM attempts a, json_each(a.cmi, '$.values') j
  WHERE json_valid(a.cmi) AND json_type(a.cmi, '$.values') = 'object';
UPDATE attempts SET cmi = json_remove(cmi, '$.values'), cmi_split = 1
  WHERE json_valid(cmi) AND json_type(cmi, '$.values') = 'object';
)sql"},
};

Result<void> migrate_in_transaction(Connection& conn) {
  const std::string& path = conn.path();
  auto app_id = conn.query_int("PRAGMA application_id", "reading application_id of " + path);
  if (!app_id) return tl::unexpected<Error>(app_id.error());
  if (*app_id != 0 && *app_id != kApplicationId) {
    return fail(ErrorCode::kInvalid, path + " is not an lrsbridge database (application_id " +
                                         std::to_string(*app_id) + ")");
  }
  auto has_version_table = conn.query_int(
      "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'schema_version'",
      "reading the schema of " + path);
  if (!has_version_table) return tl::unexpected<Error>(has_version_table.error());
  if (*has_version_table == 0) {
    auto tables =
        conn.query_int("SELECT count(*) FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%'",
                       "reading the schema of " + path);
    if (!tables) return tl::unexpected<Error>(tables.error());
    if (*tables != 0) {
      return fail(ErrorCode::kInvalid,
                  path + " is not an lrsbridge database (it has tables but no schema_version)");
    }
    LRS_SQLITE_TRY(
        conn.exec("CREATE TABLE schema_version (version INTEGER NOT NULL);"
                  "INSERT INTO schema_version (version) VALUES (0);",
                  "creating schema_version in " + path));
  }
  auto version = conn.query_int("SELECT max(version) FROM schema_version",
                                "reading the schema version of " + path);
  if (!version) return tl::unexpected<Error>(version.error());
  if (*version > latest_schema_version()) {
    return fail(ErrorCode::kInvalid, path + " has schema version " + std::to_string(*version) +
                                         ", newer than this lrsbridge supports (" +
                                         std::to_string(latest_schema_version()) +
                                         "); upgrade lrsbridge");
  }
  for (const Migration& m : kMigrations) {
    if (m.version <= *version) continue;
    std::string what = "migrating " + path + " to schema version " + std::to_string(m.version);
    LRS_SQLITE_TRY(conn.exec(m.sql, what));
    LRS_SQLITE_TRY(
        conn.exec("UPDATE schema_version SET version = " + std::to_string(m.version), what));
  }
  return conn.exec("PRAGMA application_id = " + std::to_string(kApplicationId),
                   "setting application_id of " + path);
}

}  // namespace

int latest_schema_version() { return kMigrations[std::size(kMigrations) - 1].version; }

Result<void> migrate(Connection& conn) {
  LRS_SQLITE_TRY(conn.exec("BEGIN IMMEDIATE", "starting the migration of " + conn.path()));
  auto r = migrate_in_transaction(conn);
  if (!r) {
    (void)conn.exec("ROLLBACK", "rolling back the migration");
    return r;
  }
  return conn.exec("COMMIT", "committing the migration of " + conn.path());
}

}  // namespace lrs::sqlite

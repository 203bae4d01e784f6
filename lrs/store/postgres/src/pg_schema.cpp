#include "pg_schema.h"

#include <iterator>
#include <string>

namespace lrs::pg {
namespace {

// pg_advisory_lock key for migrations: "LRSB" (also the SQLite application_id).
constexpr const char* kMigrationLock = "1280463682";

struct Migration {
  int version;
  const char* sql;
};

// Applied in order, each in its own transaction with its version row; never edit a
// released step, add a new one.
//
// Statement rows are keyed by `stored`, the stored time in microseconds, which the
// single-row `stored_clock` hands out in commit order (see pg_statement_store.cpp).
// `terms` holds the link terms of a statement including those inherited through
// StatementRefs; `links` is the filter index: (term id * 2 + role, stored), role 1
// meaning "matches with related_agents / related_activities", as in the SQLite backend.
constexpr Migration kMigrations[] = {
    {1, R"sql(
CREATE TABLE stored_clock (
  id integer PRIMARY KEY CHECK (id = 1),
  last bigint NOT NULL
);
INSERT INTO stored_clock (id, last) VALUES (1, 0);
CREATE TABLE statements (
  stored bigint PRIMARY KEY,
  id uuid NOT NULL UNIQUE,
  ref uuid,
  voiding boolean NOT NULL,
  voided boolean NOT NULL,
  terms bigint[] NOT NULL,
  body text NOT NULL
);
CREATE INDEX statements_ref ON statements (ref) WHERE ref IS NOT NULL;
CREATE TABLE terms (
  id bigserial PRIMARY KEY,
  key text NOT NULL UNIQUE
);
CREATE TABLE links (
  term bigint NOT NULL,
  stored bigint NOT NULL,
  PRIMARY KEY (term, stored)
);
CREATE TABLE attachments (
  sha2 text PRIMARY KEY,
  content_type text NOT NULL,
  content bytea NOT NULL
);
CREATE TABLE activity_definitions (
  activity text PRIMARY KEY,
  definition text NOT NULL
);
CREATE TABLE agent_names (
  agent text NOT NULL,
  name text NOT NULL,
  seen bigserial NOT NULL,
  PRIMARY KEY (agent, name)
);
CREATE TABLE credentials (
  key text PRIMARY KEY,
  secret_hash text NOT NULL,
  scopes text NOT NULL,
  label text NOT NULL,
  authority text NOT NULL,
  created_us bigint NOT NULL,
  revoked boolean NOT NULL DEFAULT false,
  seq bigserial NOT NULL
);
CREATE TABLE documents (
  kind integer NOT NULL,
  activity text NOT NULL,
  agent text NOT NULL,
  registration text NOT NULL,
  doc_id text NOT NULL,
  content bytea NOT NULL,
  content_type text NOT NULL,
  etag text NOT NULL,
  updated bigint NOT NULL,
  PRIMARY KEY (kind, activity, agent, registration, doc_id)
);
CREATE TABLE packages (
  id text PRIMARY KEY,
  title text NOT NULL,
  version text NOT NULL,
  summary text NOT NULL,
  directory text NOT NULL,
  created_us bigint NOT NULL,
  seq bigserial NOT NULL
);
CREATE TABLE registrations (
  id text PRIMARY KEY,
  package text NOT NULL REFERENCES packages (id) ON DELETE CASCADE,
  learner text NOT NULL,
  created_us bigint NOT NULL
);
CREATE INDEX registrations_package ON registrations (package);
CREATE TABLE attempts (
  id bigserial PRIMARY KEY,
  registration text NOT NULL REFERENCES registrations (id) ON DELETE CASCADE,
  sco text NOT NULL,
  number integer NOT NULL,
  cmi text NOT NULL,
  state text NOT NULL,
  commit_sequence bigint NOT NULL,
  revision bigint NOT NULL,
  updated_us bigint NOT NULL,
  session bigint NOT NULL,
  UNIQUE (registration, sco, number)
);
CREATE TABLE server_secrets (
  name text PRIMARY KEY,
  value text NOT NULL
);
)sql"},
    // LMS export import jobs and their quarantine (connectors/), as SQLite's step 3.
    // What comes from the export's bytes (file name, raw row, reasons and errors quoting
    // its cells) is bytea: text cannot hold a NUL byte, and a row must not be lost for one.
    {2, R"sql(
CREATE TABLE import_jobs (
  id text PRIMARY KEY,
  file_name bytea NOT NULL,
  format text NOT NULL,
  settings text NOT NULL,
  state text NOT NULL,
  error bytea NOT NULL,
  rows_read bigint NOT NULL,
  statements_stored bigint NOT NULL,
  statements_present bigint NOT NULL,
  rows_quarantined bigint NOT NULL,
  started_us bigint NOT NULL,
  finished_us bigint NOT NULL
);
CREATE INDEX import_jobs_started ON import_jobs (started_us DESC, id);
CREATE TABLE import_quarantine (
  job text NOT NULL REFERENCES import_jobs (id) ON DELETE CASCADE,
  line bigint NOT NULL,
  raw bytea NOT NULL,
  reason bytea NOT NULL,
  resolved boolean NOT NULL DEFAULT false,
  PRIMARY KEY (job, line)
);
)sql"},
    // Version 3 is reserved for the statement store work on another branch. Person links
    // (lrs/person_store.h), as SQLite's step 5.
    {4, R"sql(
CREATE TABLE person_links (
  agent text PRIMARY KEY,
  person text NOT NULL,
  ifi text NOT NULL,
  source text NOT NULL,
  linked_us bigint NOT NULL
);
CREATE INDEX person_links_person ON person_links (person, agent);
)sql"},
};

Result<void> migrate_locked(Connection& conn, const std::string& server) {
  LRS_PG_TRY(
      conn.exec("CREATE TABLE IF NOT EXISTS lrsbridge_schema_version (version integer NOT NULL)",
                "creating the schema version table in " + server));
  auto version = conn.exec("SELECT coalesce(max(version), 0) FROM lrsbridge_schema_version",
                           "reading the schema version of " + server);
  if (!version) return tl::unexpected<Error>(version.error());
  std::int64_t current = version->integer(0, 0);
  if (current > latest_schema_version()) {
    return fail(ErrorCode::kInvalid,
                server + " has lrsbridge schema version " + std::to_string(current) +
                    ", newer than this lrsbridge supports (" +
                    std::to_string(latest_schema_version()) + "); upgrade lrsbridge");
  }
  if (current == 0) {
    auto ours = conn.exec(
        "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() "
        "AND tablename IN ('statements', 'stored_clock')",
        "reading the tables of " + server);
    if (!ours) return tl::unexpected<Error>(ours.error());
    if (ours->integer(0, 0) != 0) {
      return fail(ErrorCode::kInvalid,
                  server +
                      " has a statements table but no lrsbridge schema version; "
                      "use an empty database (or schema) for lrsbridge");
    }
  }
  for (const Migration& m : kMigrations) {
    if (m.version <= current) continue;
    std::string what = "migrating " + server + " to schema version " + std::to_string(m.version);
    Params p;
    p.add(std::int64_t{m.version});
    LRS_PG_TRY(in_transaction(conn, what, [&](Connection& c) -> Result<void> {
      LRS_PG_TRY(c.exec_script(m.sql, what));
      LRS_PG_TRY(c.exec("INSERT INTO lrsbridge_schema_version (version) VALUES ($1)", p, what));
      return {};
    }));
  }
  return {};
}

}  // namespace

int latest_schema_version() { return kMigrations[std::size(kMigrations) - 1].version; }

Result<void> migrate(Connection& conn, const std::string& server) {
  LRS_PG_TRY(conn.exec(std::string("SELECT pg_advisory_lock(") + kMigrationLock + ")",
                       "waiting for other processes migrating " + server));
  auto r = migrate_locked(conn, server);
  (void)conn.exec(std::string("SELECT pg_advisory_unlock(") + kMigrationLock + ")",
                  "ending the migration of " + server);
  return r;
}

}  // namespace lrs::pg

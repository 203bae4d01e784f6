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
// stored clock hands out (a single-row table in step 1, a sequence from step 3; see
// pg_statement_store.h).
// `terms` holds the link terms of a statement including those inherited through
// StatementRefs; `links` is the filter index: (term id * 2 + role, stored). Role 1 meant
// "matches with related_agents / related_activities", as in the SQLite backend; from
// step 5 on it means "related only", role 0 "direct", and a related query reads both.
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
    // The stored clock becomes a sequence and two functions, so that writers no longer
    // hold a lock from their first read to COMMIT (pg_statement_store.h, "Ordering").
    // A sequence is not transactional: taking times from it holds nothing until COMMIT.
    // Every process of a database must run this version or later: an older one would
    // still order its writes by the dropped table (and fails on it instead).
    //
    // lrsbridge_take_stored(n) hands out the n times (last - n + 1 .. last) and, under
    // the clock lock held for that instant only, registers the calling transaction as
    // in flight from `before + 1` on with two shared transaction-level advisory locks,
    // which PostgreSQL releases after the transaction's end is visible to others:
    //   (1280463703 "LRSW", this schema's sequence oid)  who: a writer of this schema,
    //   (before + 1)                                       from where (a bigint key).
    // Both are taken before the sequence moves, so a reader that finds the sequence
    // moved finds the writer registered. The session-level clock lock is released on
    // every way out, a cancelled query included.
    //
    // lrsbridge_stored_horizon() is the greatest time at or below which nothing is in
    // flight any more: the least registered `from` of this schema's writers, minus one;
    // with none, the sequence or the server's clock, whichever is later (read first:
    // a writer registering after the lock table was read reads a later clock). Every
    // statement stored at or below it has committed, so a query whose snapshot is taken
    // after it was computed sees all of them, and later commits land above it. Reading
    // pg_locks costs about half a millisecond, so first a try-lock on the "who" key
    // (exclusive, until the end of the reader's statement) tells whether any writer of
    // this schema is in flight at all; if none is, the horizon is the clock.
    {3, R"sql(
CREATE SEQUENCE stored_clock_seq AS bigint MINVALUE 0;
SELECT setval('stored_clock_seq',
  greatest(last, (extract(epoch FROM clock_timestamp()) * 1000000)::bigint), true)
  FROM stored_clock;
DROP TABLE stored_clock;
CREATE FUNCTION lrsbridge_take_stored(n bigint) RETURNS bigint LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
DECLARE
  before bigint;
  last bigint;
BEGIN
  PERFORM pg_advisory_lock(1280463683);
  BEGIN
    SELECT s.last_value INTO before FROM stored_clock_seq s;
    PERFORM pg_advisory_xact_lock_shared(1280463703,
      ('stored_clock_seq'::regclass::oid::bigint::bit(32))::integer);
    PERFORM pg_advisory_xact_lock_shared(before + 1);
    last := greatest(before + n,
      (extract(epoch FROM clock_timestamp()) * 1000000)::bigint + n - 1);
    PERFORM setval('stored_clock_seq', last, true);
  EXCEPTION WHEN OTHERS OR query_canceled THEN
    PERFORM pg_advisory_unlock(1280463683);
    RAISE;
  END;
  PERFORM pg_advisory_unlock(1280463683);
  RETURN last;
END $$;
CREATE FUNCTION lrsbridge_stored_horizon() RETURNS bigint LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
DECLARE
  now_us bigint := (extract(epoch FROM clock_timestamp()) * 1000000)::bigint;
  handed_out bigint;
  oldest bigint;
BEGIN
  SELECT s.last_value INTO handed_out FROM stored_clock_seq s;
  IF pg_try_advisory_xact_lock(1280463703,
       ('stored_clock_seq'::regclass::oid::bigint::bit(32))::integer) THEN
    RETURN greatest(handed_out, now_us);
  END IF;
  WITH l AS MATERIALIZED (
    SELECT pid, classid, objid, objsubid FROM pg_locks
    WHERE locktype = 'advisory' AND granted
      AND database = (SELECT oid FROM pg_database WHERE datname = current_database()))
  SELECT min((v.classid::bigint << 32) | v.objid::bigint) INTO oldest
    FROM l w JOIN l v ON v.pid = w.pid
    WHERE w.objsubid = 2 AND w.classid = 1280463703
      AND w.objid = 'stored_clock_seq'::regclass::oid
      AND v.objsubid = 1 AND v.classid <> 0;
  RETURN least(greatest(handed_out, now_us), oldest - 1);
END $$;
)sql"},
    // Person links (lrs/person_store.h), as SQLite's step 5.
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
    // Cheaper ingest (bench/README.md, "PostgreSQL"). A direct agent or activity gets
    // one `links` row (role 0) instead of two (roles 0 and 1); a query with
    // related_agents / related_activities reads both roles. Rows stored before keep
    // both, which such a query reads once, so nothing is rewritten; but a process of an
    // older version would look for direct terms under role 1 only, so the version
    // moves. ANALYZE skips the columns nothing filters on: the body and the terms array
    // were most of its work while the writer analyzes a young database.
    {5, R"sql(
ALTER TABLE statements ALTER COLUMN body SET STATISTICS 0,
  ALTER COLUMN terms SET STATISTICS 0;
)sql"},
    // An attempt's CMI kept as its document without "values" (attempts.cmi, cmi_split)
    // and one row per member of "values", name and value as JSON text, so that a commit
    // writes the elements it changed rather than the whole document (PlayerStore's
    // cmi_values), as SQLite's step 7. Stored documents are split here (json, not
    // jsonb: the values keep their text as stored); any other text stays as it is.
    {6, R"sql(
ALTER TABLE attempts ADD COLUMN cmi_split boolean NOT NULL DEFAULT false;
CREATE TABLE attempt_values (
  attempt bigint NOT NULL REFERENCES attempts (id) ON DELETE CASCADE,
  element text NOT NULL,
  value text NOT NULL,
  PRIMARY KEY (attempt, element)
);
CREATE FUNCTION lrsbridge_cmi_document(t text) RETURNS json LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
  IF json_typeof(t::json -> 'values') = 'object' THEN RETURN t::json; END IF;
  RETURN NULL;
EXCEPTION WHEN others THEN
  RETURN NULL;
END $$;
CREATE TEMPORARY TABLE split_cmi ON COMMIT DROP AS
  SELECT id, lrsbridge_cmi_document(cmi) AS doc FROM attempts;
DELETE FROM split_cmi WHERE doc IS NULL;
INSERT INTO attempt_values (attempt, element, value)
  SELECT s.id, to_json(j.key)::text, j.value::text FROM split_cmi s, json_each(s.doc -> 'values') j;
UPDATE attempts a SET cmi_split = true, cmi = coalesce(
    (SELECT json_object_agg(e.key, e.value ORDER BY e.n)::text
     FROM json_each(s.doc) WITH ORDINALITY AS e (key, value, n) WHERE e.key <> 'values'),
    '{}')
  FROM split_cmi s WHERE s.id = a.id;
DROP FUNCTION lrsbridge_cmi_document(text);
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

#include "pg_stores.h"

#include <limits>
#include <utility>

namespace lrs::pg {
namespace {

// The database's clock in microseconds (documents' `updated`), shared by every process.
constexpr const char* kNowUs = "(extract(epoch FROM clock_timestamp()) * 1000000)::bigint";

// An absent registration is stored as '': NULL would not be equal to itself in the
// primary key.
std::string registration_key(const DocumentScope& scope) {
  return scope.registration ? scope.registration->str() : std::string();
}

// $1 kind, $2 activity, $3 agent, $4 registration.
Params scope_params(const DocumentScope& scope) {
  Params p;
  p.add(static_cast<std::int64_t>(scope.kind));
  p.add(scope.activity_id);
  p.add(scope.agent);
  p.add(registration_key(scope));
  return p;
}

constexpr const char* kWhereOne =
    " WHERE kind = $1 AND activity = $2 AND agent = $3 AND registration = $4 AND doc_id = $5";

Result<std::optional<Document>> read_document(Connection& conn, const DocumentScope& scope,
                                              const std::string& id) {
  Params p = scope_params(scope);
  p.add(id);
  auto rows = conn.exec(
      std::string("SELECT content, content_type, etag, updated FROM documents") + kWhereOne, p,
      "reading document " + id);
  if (!rows) return tl::unexpected<Error>(rows.error());
  if (rows->size() == 0) return std::optional<Document>();
  Document d;
  d.id = id;
  d.content = bytea_value(rows->text(0, 0));
  d.content_type = rows->text(0, 1);
  d.etag = rows->text(0, 2);
  d.updated_us = rows->integer(0, 3);
  return std::optional<Document>(std::move(d));
}

// Reads, decides and writes one document, holding a transaction-scoped advisory lock
// on its key: two processes updating one document take turns, so a precondition
// (If-Match, If-None-Match) is checked against the version actually replaced. A hash
// collision only makes two documents take turns.
Result<void> update_document(Connection& conn, const DocumentScope& scope, const std::string& id,
                             const DocumentStore::Decide& decide, bool skip_unchanged) {
  {
    Params p;
    p.add(std::to_string(static_cast<int>(scope.kind)) + '\x1f' + scope.activity_id + '\x1f' +
          scope.agent + '\x1f' + registration_key(scope) + '\x1f' + id);
    LRS_PG_TRY(conn.exec("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", p,
                         "locking document " + id));
  }
  auto current = read_document(conn, scope, id);
  if (!current) return tl::unexpected<Error>(current.error());
  auto next = decide(*current);
  if (!next) return tl::unexpected<Error>(next.error());
  Params p = scope_params(scope);
  p.add(id);
  if (!*next) {
    if (!*current) return {};
    LRS_PG_TRY(
        conn.exec(std::string("DELETE FROM documents") + kWhereOne, p, "deleting document " + id));
    return {};
  }
  const Document& d = **next;
  if (skip_unchanged && *current && d.content == (*current)->content &&
      d.content_type == (*current)->content_type && d.etag == (*current)->etag) {
    return {};  // unchanged: keep its updated time
  }
  // Strictly later than the version it replaces, so `since` and Last-Modified move on
  // even when a clock steps back.
  p.add(bytea_literal(d.content));
  p.add(d.content_type);
  p.add(d.etag);
  p.add(*current ? (*current)->updated_us + 1 : std::numeric_limits<std::int64_t>::min());
  LRS_PG_TRY(conn.exec(
      std::string("INSERT INTO documents (kind, activity, agent, registration, doc_id, content, "
                  "content_type, etag, updated) VALUES ($1, $2, $3, $4, $5, $6::bytea, $7, $8, "
                  "greatest($9::bigint, ") +
          kNowUs +
          ")) ON CONFLICT (kind, activity, agent, registration, doc_id) DO UPDATE SET "
          "content = excluded.content, content_type = excluded.content_type, "
          "etag = excluded.etag, updated = excluded.updated",
      p, "storing document " + id));
  return {};
}

}  // namespace

Result<std::optional<Document>> PgDocumentStore::get(const DocumentScope& scope,
                                                     const std::string& id) {
  std::optional<Document> out;
  LRS_PG_TRY(pool_.read("reading document " + id, [&](Connection& c) -> Result<void> {
    auto d = read_document(c, scope, id);
    if (!d) return tl::unexpected<Error>(d.error());
    out = std::move(*d);
    return {};
  }));
  return out;
}

Result<std::vector<std::string>> PgDocumentStore::list_ids(const DocumentScope& scope,
                                                           std::optional<std::int64_t> since_us) {
  // Without a registration, a State list covers every registration (DocumentScope).
  std::string sql =
      "SELECT doc_id, max(updated) AS u FROM documents WHERE kind = $1 AND activity = $2 AND "
      "agent = $3";
  sql += scope.registration ? " AND registration = $4" : " AND $4 = $4";
  sql += " AND updated > $5 GROUP BY doc_id ORDER BY u, doc_id";
  Params p = scope_params(scope);
  p.add(since_us.value_or(std::numeric_limits<std::int64_t>::min()));
  return select_all<std::string>(
      pool_, sql, p, [](const Rows& rows, int i) { return std::string(rows.text(i, 0)); },
      "listing documents");
}

Result<void> PgDocumentStore::update(const DocumentScope& scope, const std::string& id,
                                     const Decide& decide) {
  return pool_.write("storing document " + id,
                     [&](Connection& c) { return update_document(c, scope, id, decide, false); });
}

Result<void> PgDocumentStore::remove_all(const DocumentScope& scope) {
  return pool_.write("deleting documents", [&](Connection& c) -> Result<void> {
    std::string sql = "DELETE FROM documents WHERE kind = $1 AND activity = $2 AND agent = $3";
    sql += scope.registration ? " AND registration = $4" : " AND $4 = $4";
    LRS_PG_TRY(c.exec(sql, scope_params(scope), "deleting documents"));
    return {};
  });
}

//---------------------------------------------------------------------------------------
// Credentials

namespace {

// Scopes are stored space separated: scope names contain no spaces.
std::string join_scopes(const std::vector<std::string>& scopes) {
  std::string out;
  for (const auto& s : scopes) {
    if (!out.empty()) out.push_back(' ');
    out += s;
  }
  return out;
}

std::vector<std::string> split_scopes(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    std::size_t end = std::min(text.find(' '), text.size());
    if (end > 0) out.emplace_back(text.substr(0, end));
    text.remove_prefix(std::min(end + 1, text.size()));
  }
  return out;
}

constexpr const char* kCredentialColumns =
    "SELECT key, secret_hash, scopes, label, authority, created_us, revoked FROM credentials";

Credential read_credential(const Rows& rows, int i) {
  Credential c;
  c.key = rows.text(i, 0);
  c.secret_hash = rows.text(i, 1);
  c.scopes = split_scopes(rows.text(i, 2));
  c.label = rows.text(i, 3);
  c.authority = rows.text(i, 4);
  c.created_us = rows.integer(i, 5);
  c.revoked = rows.boolean(i, 6);
  return c;
}

}  // namespace

Result<void> PgCredentialStore::add(const Credential& credential) {
  return pool_.write("adding credential " + credential.key, [&](Connection& c) -> Result<void> {
    Params p;
    p.add(credential.key);
    p.add(credential.secret_hash);
    p.add(join_scopes(credential.scopes));
    p.add(credential.label);
    p.add(credential.authority);
    p.add(credential.created_us);
    p.add_bool(credential.revoked);
    return insert_once(
        c,
        "INSERT INTO credentials (key, secret_hash, scopes, label, authority, created_us, "
        "revoked) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (key) DO NOTHING RETURNING key",
        "SELECT 1 FROM credentials WHERE key = $1 AND secret_hash = $2 AND scopes = $3 AND "
        "label = $4 AND authority = $5 AND created_us = $6 AND revoked = $7",
        p, "adding credential " + credential.key,
        "credential " + credential.key + " already exists");
  });
}

Result<std::optional<Credential>> PgCredentialStore::find(const std::string& key) {
  return first(select_all<Credential>(pool_, std::string(kCredentialColumns) + " WHERE key = $1",
                                      one(key), read_credential, "reading credential " + key));
}

Result<std::vector<Credential>> PgCredentialStore::list() {
  return select_all<Credential>(pool_,
                                std::string(kCredentialColumns) + " ORDER BY created_us, seq",
                                Params{}, read_credential, "listing credentials");
}

Result<void> PgCredentialStore::revoke(const std::string& key) {
  return pool_.write("revoking credential " + key, [&](Connection& c) -> Result<void> {
    Params p;
    p.add(key);
    auto rows = c.exec("UPDATE credentials SET revoked = true WHERE key = $1 RETURNING key", p,
                       "revoking credential " + key);
    if (!rows) return tl::unexpected<Error>(rows.error());
    if (rows->size() == 0) return fail(ErrorCode::kNotFound, "credential " + key + " not found");
    return {};
  });
}

//---------------------------------------------------------------------------------------
// Player

namespace {

constexpr const char* kPackageColumns =
    "SELECT id, title, version, summary, directory, created_us FROM packages";
// A CMI kept as its head and value rows (cmi_split) is read with its rows in the same
// statement, so the two parts come from one snapshot.
constexpr const char* kAttemptColumns =
    "SELECT a.id, a.registration, a.sco, a.number, a.cmi, a.state, a.commit_sequence, "
    "a.revision, a.updated_us, a.session, a.cmi_split, CASE WHEN a.cmi_split THEN (SELECT "
    "string_agg(v.element || ':' || v.value, ',') FROM attempt_values v WHERE v.attempt = "
    "a.id) END FROM attempts a";
// The same columns with an empty CMI (find_attempt_state).
constexpr const char* kAttemptStateColumns =
    "SELECT a.id, a.registration, a.sco, a.number, ''::text, a.state, a.commit_sequence, "
    "a.revision, a.updated_us, a.session, false, NULL::text FROM attempts a";

PackageRecord read_package(const Rows& rows, int i) {
  PackageRecord p;
  p.id = rows.text(i, 0);
  p.title = rows.text(i, 1);
  p.version = rows.text(i, 2);
  p.summary_json = rows.text(i, 3);
  p.directory = rows.text(i, 4);
  p.created_us = rows.integer(i, 5);
  return p;
}

AttemptRecord read_attempt(const Rows& rows, int i) {
  AttemptRecord a;
  a.id = rows.integer(i, 0);
  a.registration = rows.text(i, 1);
  a.sco = rows.text(i, 2);
  a.number = static_cast<int>(rows.integer(i, 3));
  a.cmi_json = rows.boolean(i, 10) ? join_cmi_document(rows.text(i, 4), rows.text(i, 11))
                                   : std::string(rows.text(i, 4));
  a.state = rows.text(i, 5);
  a.commit_sequence = rows.integer(i, 6);
  a.revision = rows.integer(i, 7);
  a.updated_us = rows.integer(i, 8);
  a.session = rows.integer(i, 9);
  return a;
}

// Writes the value rows `values` (AttemptRecord::cmi_values) of attempt `id`: all of its
// rows replaced when `replace` is set, or when the CMI is written as opaque text (nullopt), in at
// most three statements whatever the number of values.
Result<void> write_cmi_values(Connection& c, std::int64_t id,
                              const std::optional<std::vector<CmiValueWrite>>& values, bool replace,
                              const std::string& what) {
  Params attempt;
  attempt.add(id);
  if (!values || replace) {
    LRS_PG_TRY(c.exec("DELETE FROM attempt_values WHERE attempt = $1", attempt, what));
  }
  if (!values) return {};
  std::vector<std::string> elements, texts, removed;
  for (const CmiValueWrite& v : *values) {
    if (v.value) {
      elements.push_back(v.element);
      texts.push_back(*v.value);
    } else {
      removed.push_back(v.element);
    }
  }
  if (!elements.empty()) {
    Params p = attempt;
    p.add(text_array(elements));
    p.add(text_array(texts));
    LRS_PG_TRY(
        c.exec("INSERT INTO attempt_values (attempt, element, value) SELECT $1, e, v FROM "
               "unnest($2::text[], $3::text[]) AS t (e, v) "
               "ON CONFLICT (attempt, element) DO UPDATE SET value = excluded.value",
               p, what));
  }
  if (!removed.empty()) {
    Params p = attempt;
    p.add(text_array(removed));
    LRS_PG_TRY(c.exec(
        "DELETE FROM attempt_values WHERE attempt = $1 AND element = ANY ($2::text[])", p, what));
  }
  return {};
}

}  // namespace

Result<void> PgPlayerStore::add_package(const PackageRecord& pkg) {
  return pool_.write("adding package " + pkg.id, [&](Connection& c) -> Result<void> {
    Params p;
    p.add(pkg.id);
    p.add(pkg.title);
    p.add(pkg.version);
    p.add(pkg.summary_json);
    p.add(pkg.directory);
    p.add(pkg.created_us);
    return insert_once(c,
                       "INSERT INTO packages (id, title, version, summary, directory, created_us) "
                       "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING RETURNING id",
                       "SELECT 1 FROM packages WHERE id = $1 AND title = $2 AND version = $3 AND "
                       "summary = $4 AND directory = $5 AND created_us = $6",
                       p, "adding package " + pkg.id, "package " + pkg.id + " exists");
  });
}

Result<std::optional<PackageRecord>> PgPlayerStore::find_package(const std::string& id) {
  return first(select_all<PackageRecord>(pool_, std::string(kPackageColumns) + " WHERE id = $1",
                                         one(id), read_package, "reading package " + id));
}

Result<std::vector<PackageRecord>> PgPlayerStore::list_packages() {
  return select_all<PackageRecord>(pool_,
                                   std::string(kPackageColumns) + " ORDER BY created_us, seq",
                                   Params{}, read_package, "listing packages");
}

Result<void> PgPlayerStore::delete_package(const std::string& id) {
  return pool_.write("deleting package " + id, [&](Connection& c) -> Result<void> {
    auto rows = c.exec("DELETE FROM packages WHERE id = $1 RETURNING id", one(id),
                       "deleting package " + id);
    if (!rows) return tl::unexpected<Error>(rows.error());
    if (rows->size() == 0) return fail(ErrorCode::kNotFound, "no package " + id);
    return {};
  });
}

Result<void> PgPlayerStore::add_registration(const RegistrationRecord& r) {
  return pool_.write("adding registration " + r.id, [&](Connection& c) -> Result<void> {
    // FOR SHARE: the package cannot be deleted before this registration commits.
    auto exists = c.exec("SELECT 1 FROM packages WHERE id = $1 FOR SHARE", one(r.package_id),
                         "reading package " + r.package_id);
    if (!exists) return tl::unexpected<Error>(exists.error());
    if (exists->size() == 0) return fail(ErrorCode::kNotFound, "no package " + r.package_id);
    Params p;
    p.add(r.id);
    p.add(r.package_id);
    p.add(r.learner_json);
    p.add(r.created_us);
    auto rows = c.exec(
        "INSERT INTO registrations (id, package, learner, created_us) VALUES ($1, $2, $3, $4) "
        "ON CONFLICT (id) DO NOTHING RETURNING id",
        p, "adding registration " + r.id);
    if (!rows) return tl::unexpected<Error>(rows.error());
    if (rows->size() == 0) return fail(ErrorCode::kConflict, "registration " + r.id + " exists");
    return {};
  });
}

Result<std::optional<RegistrationRecord>> PgPlayerStore::find_registration(const std::string& id) {
  return first(select_all<RegistrationRecord>(
      pool_, "SELECT id, package, learner, created_us FROM registrations WHERE id = $1", one(id),
      [](const Rows& rows, int i) {
        RegistrationRecord r;
        r.id = rows.text(i, 0);
        r.package_id = rows.text(i, 1);
        r.learner_json = rows.text(i, 2);
        r.created_us = rows.integer(i, 3);
        return r;
      },
      "reading registration " + id));
}

Result<std::int64_t> PgPlayerStore::insert_attempt(const AttemptRecord& a) {
  std::int64_t id = 0;
  std::string what = "adding attempt " + std::to_string(a.number) + " of " + a.registration;
  LRS_PG_TRY(pool_.write(what, [&](Connection& c) -> Result<void> {
    Params p;
    p.add(a.registration);
    p.add(a.sco);
    p.add(std::int64_t{a.number});
    p.add(a.cmi_json);
    p.add(a.state);
    p.add(a.commit_sequence);
    p.add(a.updated_us);
    p.add(a.session);
    p.add_bool(a.cmi_values.has_value());
    // The UNIQUE (registration, sco, number): another launch may have created it first.
    auto rows = c.exec(
        "INSERT INTO attempts (registration, sco, number, cmi, state, commit_sequence, revision, "
        "updated_us, session, cmi_split) VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $8, $9) "
        "ON CONFLICT (registration, sco, number) DO NOTHING RETURNING id",
        p, what);
    if (!rows) return tl::unexpected<Error>(rows.error());
    if (rows->size() == 0) {
      return fail(ErrorCode::kConflict, "attempt " + std::to_string(a.number) + " exists");
    }
    id = rows->integer(0, 0);
    if (!a.cmi_values) return {};
    return write_cmi_values(c, id, a.cmi_values, true, what);
  }));
  return id;
}

Result<std::optional<AttemptRecord>> PgPlayerStore::find_attempt(std::int64_t id) {
  Params p;
  p.add(id);
  return first(select_all<AttemptRecord>(pool_, std::string(kAttemptColumns) + " WHERE a.id = $1",
                                         p, read_attempt, "reading attempt " + std::to_string(id)));
}

Result<std::optional<AttemptRecord>> PgPlayerStore::find_attempt_state(std::int64_t id) {
  Params p;
  p.add(id);
  return first(select_all<AttemptRecord>(pool_,
                                         std::string(kAttemptStateColumns) + " WHERE a.id = $1", p,
                                         read_attempt, "reading attempt " + std::to_string(id)));
}

Result<std::optional<AttemptRecord>> PgPlayerStore::latest_attempt(const std::string& registration,
                                                                   const std::string& sco) {
  Params p;
  p.add(registration);
  p.add(sco);
  return first(select_all<AttemptRecord>(
      pool_,
      std::string(kAttemptColumns) +
          " WHERE registration = $1 AND sco = $2 ORDER BY number DESC LIMIT 1",
      p, read_attempt, "reading attempts of " + registration));
}

Result<std::vector<AttemptRecord>> PgPlayerStore::list_attempts(const std::string& registration) {
  return select_all<AttemptRecord>(
      pool_, std::string(kAttemptColumns) + " WHERE registration = $1 ORDER BY sco, number",
      one(registration), read_attempt, "listing attempts of " + registration);
}

Result<void> PgPlayerStore::update_attempt(const AttemptRecord& a,
                                           const PreparedStatements& statements,
                                           const std::vector<DocumentWrite>& documents,
                                           const RegistrationDecide& course) {
  std::string what = "updating attempt " + std::to_string(a.id);
  std::unordered_map<std::string, std::int64_t> terms;
  LRS_PG_TRY(pool_.write(what, [&](Connection& c) -> Result<void> {
    // The statements first (they take the stored clock before any other lock): a
    // conflicting id fails the transaction before the attempt changes.
    terms.clear();
    if (!statements.records.empty()) {
      std::vector<bool> inserted;
      LRS_PG_TRY(statements_.insert_in(c, statements.records, statements.same, inserted, terms));
    }
    if (course) {
      // The registration's row, locked to COMMIT, serializes the decisions of its
      // attempts' commits (taken before the attempt's row, in every such transaction;
      // NO KEY: launches inserting attempts only share its key).
      auto locked = c.exec("SELECT 1 FROM registrations WHERE id = $1 FOR NO KEY UPDATE",
                           one(a.registration), "locking registration " + a.registration);
      if (!locked) return tl::unexpected<Error>(locked.error());
    }
    Params p;
    p.add(a.cmi_json);
    p.add(a.state);
    p.add(a.commit_sequence);
    p.add(a.updated_us);
    p.add(a.id);
    p.add(a.revision);
    p.add(a.session);
    p.add_bool(a.cmi_values.has_value());
    const bool on_top = a.cmi_values && !a.cmi_values_replace;
    p.add_bool(on_top);
    auto rows = c.exec(
        "UPDATE attempts SET cmi = $1, state = $2, commit_sequence = $3, revision = revision + 1, "
        "updated_us = $4, session = $7, cmi_split = $8 WHERE id = $5 AND revision = $6 AND "
        "(NOT $9::boolean OR cmi_split) RETURNING id",
        p, what);
    if (!rows) return tl::unexpected<Error>(rows.error());
    if (rows->size() == 0) {
      Params q;
      q.add(a.id);
      auto exists = c.exec("SELECT revision, cmi_split FROM attempts WHERE id = $1", q, what);
      if (!exists) return tl::unexpected<Error>(exists.error());
      if (exists->size() == 0)
        return fail(ErrorCode::kNotFound, "no attempt " + std::to_string(a.id));
      if (on_top && exists->integer(0, 0) == a.revision && !exists->boolean(0, 1)) {
        return fail(ErrorCode::kInvalid, "attempt " + std::to_string(a.id) +
                                             ": its CMI is stored whole; changes of its values "
                                             "cannot be written on top of it");
      }
      return fail(ErrorCode::kConflict, "attempt " + std::to_string(a.id) + " changed meanwhile");
    }
    LRS_PG_TRY(write_cmi_values(c, a.id, a.cmi_values, a.cmi_values_replace, what));
    for (const DocumentWrite& w : documents) {
      LRS_PG_TRY(update_document(c, w.scope, w.id, w.decide, true));
    }
    if (!course) return {};
    // Read after the registration's lock was granted, so every earlier decision has
    // committed and is visible (READ COMMITTED takes a new snapshot per statement).
    Params q;
    q.add(a.registration);
    q.add(a.sco);
    auto latest = c.exec(std::string(kAttemptColumns) +
                             " WHERE registration = $1 AND sco <> $2 AND number = "
                             "(SELECT max(number) FROM attempts b WHERE b.registration = "
                             "a.registration AND b.sco = a.sco)",
                         q, "reading the attempts of " + a.registration);
    if (!latest) return tl::unexpected<Error>(latest.error());
    std::vector<AttemptRecord> others;
    for (int i = 0; i < latest->size(); ++i) others.push_back(read_attempt(*latest, i));
    auto decided = course(others);
    if (!decided) return tl::unexpected<Error>(std::move(decided).error());
    if (decided->records.empty()) return {};
    std::vector<bool> inserted;
    std::unordered_map<std::string, std::int64_t> course_terms;
    LRS_PG_TRY(statements_.insert_in(c, decided->records, decided->same, inserted, course_terms));
    terms.merge(course_terms);
    return {};
  }));
  statements_.committed(terms);
  return {};
}

Result<std::string> PgPlayerStore::secret(const std::string& name,
                                          const std::function<std::string()>& make) {
  std::string value;
  LRS_PG_TRY(pool_.write("storing secret " + name, [&](Connection& c) -> Result<void> {
    Params p;
    p.add(name);
    p.add(make());
    LRS_PG_TRY(c.exec(
        "INSERT INTO server_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING", p,
        "storing secret " + name));
    auto rows = c.exec("SELECT value FROM server_secrets WHERE name = $1", one(name),
                       "reading secret " + name);
    if (!rows) return tl::unexpected<Error>(rows.error());
    if (rows->size() == 0) return fail(ErrorCode::kInternal, "secret " + name + " vanished");
    value = rows->text(0, 0);
    return {};
  }));
  return value;
}

}  // namespace lrs::pg

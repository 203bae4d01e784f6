#include "sqlite_document_store.h"

#include <algorithm>
#include <functional>
#include <limits>
#include <utility>

#include "lrs/clock.h"

namespace lrs::sqlite {
namespace {

// Absent registration is stored as an empty blob: NULL would not be equal to itself
// in the primary key.
std::string registration_key(const DocumentScope& scope) {
  return scope.registration ? std::string(scope.registration->raw()) : std::string();
}

// ?1 kind, ?2 activity, ?3 agent, ?4 registration, ?5 doc_id.
void bind_key(Stmt& q, const DocumentScope& scope, const std::string& registration) {
  q.bind(1, static_cast<std::int64_t>(scope.kind));
  q.bind_text(2, scope.activity_id);
  q.bind_text(3, scope.agent);
  q.bind_blob(4, registration);
}

constexpr const char* kWhereOne =
    " WHERE kind = ?1 AND activity = ?2 AND agent = ?3 AND registration = ?4 AND doc_id = ?5";

}  // namespace

Result<std::optional<Document>> read_document(Connection& conn, const DocumentScope& scope,
                                              const std::string& id) {
  auto stmt = conn.prepare(
      std::string("SELECT content, content_type, etag, updated FROM documents") + kWhereOne);
  if (!stmt) return tl::unexpected<Error>(std::move(stmt).error());
  StmtUse q(stmt->get());
  std::string registration = registration_key(scope);
  bind_key(*q, scope, registration);
  q->bind_text(5, id);
  auto row = q->step("reading document " + id);
  if (!row) return tl::unexpected<Error>(std::move(row).error());
  if (!*row) return std::optional<Document>();
  Document d;
  d.id = id;
  d.content = q->col_blob(0);
  d.content_type = q->col_text(1);
  d.etag = q->col_text(2);
  d.updated_us = q->col_int(3);
  return std::optional<Document>(std::move(d));
}

Result<void> write_document(Connection& conn, const DocumentScope& scope, const std::string& id,
                            const std::optional<Document>& current,
                            const std::optional<Document>& next) {
  std::string registration = registration_key(scope);
  if (!next) {
    if (!current) return {};
    auto stmt = conn.prepare(std::string("DELETE FROM documents") + kWhereOne);
    if (!stmt) return tl::unexpected<Error>(std::move(stmt).error());
    StmtUse q(stmt->get());
    bind_key(*q, scope, registration);
    q->bind_text(5, id);
    return q->run("deleting document " + id);
  }
  const Document& d = *next;
  // Strictly later than the version it replaces, so `since` and Last-Modified move on
  // even when the wall clock steps back.
  std::int64_t updated = current_time_us();
  if (current) updated = std::max(updated, current->updated_us + 1);
  auto stmt = conn.prepare(
      "INSERT INTO documents (kind, activity, agent, registration, doc_id, content, "
      "content_type, etag, updated) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
      "ON CONFLICT (kind, activity, agent, registration, doc_id) DO UPDATE SET "
      "content = excluded.content, content_type = excluded.content_type, "
      "etag = excluded.etag, updated = excluded.updated");
  if (!stmt) return tl::unexpected<Error>(std::move(stmt).error());
  StmtUse q(stmt->get());
  bind_key(*q, scope, registration);
  q->bind_text(5, id);
  q->bind_blob(6, d.content);
  q->bind_text(7, d.content_type);
  q->bind_text(8, d.etag);
  q->bind(9, updated);
  return q->run("storing document " + id);
}

Result<std::optional<Document>> SqliteDocumentStore::get(const DocumentScope& scope,
                                                         const std::string& id) {
  auto conn = reads_.acquire();
  return read_document(*conn, scope, id);
}

Result<std::vector<std::string>> SqliteDocumentStore::list_ids(
    const DocumentScope& scope, std::optional<std::int64_t> since_us) {
  auto conn = reads_.acquire();
  // Without a registration, a State list covers every registration (DocumentScope).
  std::string sql =
      "SELECT doc_id, max(updated) AS u FROM documents WHERE kind = ?1 AND activity = ?2 AND "
      "agent = ?3";
  if (scope.registration) sql += " AND registration = ?4";
  sql += " AND updated > ?5 GROUP BY doc_id ORDER BY u, doc_id";
  auto stmt = conn->prepare(sql);
  if (!stmt) return tl::unexpected<Error>(std::move(stmt).error());
  StmtUse q(stmt->get());
  std::string registration = registration_key(scope);
  bind_key(*q, scope, registration);
  q->bind(5, since_us.value_or(std::numeric_limits<std::int64_t>::min()));
  std::vector<std::string> ids;
  for (;;) {
    auto row = q->step("listing documents");
    if (!row) return tl::unexpected<Error>(std::move(row).error());
    if (!*row) break;
    ids.emplace_back(q->col_text(0));
  }
  return ids;
}

Result<void> SqliteDocumentStore::update(const DocumentScope& scope, const std::string& id,
                                         const Decide& decide) {
  FunctionJob job([&](Connection& conn) -> Result<void> {
    auto current = read_document(conn, scope, id);
    if (!current) return tl::unexpected<Error>(std::move(current).error());
    auto next = decide(*current);
    if (!next) return tl::unexpected<Error>(std::move(next).error());
    return write_document(conn, scope, id, *current, *next);
  });
  return writer_.run(job);
}

Result<void> SqliteDocumentStore::remove_all(const DocumentScope& scope) {
  FunctionJob job([&](Connection& conn) -> Result<void> {
    std::string sql = "DELETE FROM documents WHERE kind = ?1 AND activity = ?2 AND agent = ?3";
    if (scope.registration) sql += " AND registration = ?4";
    auto stmt = conn.prepare(sql);
    if (!stmt) return tl::unexpected<Error>(std::move(stmt).error());
    StmtUse q(stmt->get());
    std::string registration = registration_key(scope);
    bind_key(*q, scope, registration);
    return q->run("deleting documents");
  });
  return writer_.run(job);
}

}  // namespace lrs::sqlite

#include "sqlite_credential_store.h"

#include <functional>
#include <utility>

namespace lrs::sqlite {
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
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find(' ', pos);
    if (end == std::string_view::npos) end = text.size();
    if (end > pos) out.emplace_back(text.substr(pos, end - pos));
    pos = end + 1;
  }
  return out;
}

constexpr const char* kColumns =
    "SELECT key, secret_hash, scopes, label, authority, created_us, revoked FROM credentials";

Credential read_row(const Stmt& q) {
  Credential c;
  c.key = q.col_text(0);
  c.secret_hash = q.col_text(1);
  c.scopes = split_scopes(q.col_text(2));
  c.label = q.col_text(3);
  c.authority = q.col_text(4);
  c.created_us = q.col_int(5);
  c.revoked = q.col_int(6) != 0;
  return c;
}

}  // namespace

Result<void> SqliteCredentialStore::add(const Credential& credential) {
  FunctionJob job([&credential](Connection& conn) -> Result<void> {
    auto stmt = conn.prepare(
        "INSERT INTO credentials (key, secret_hash, scopes, label, authority, created_us, revoked) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (key) DO NOTHING");
    if (!stmt) return tl::unexpected<Error>(std::move(stmt).error());
    StmtUse q(stmt->get());
    std::string scopes = join_scopes(credential.scopes);
    q->bind_text(1, credential.key);
    q->bind_text(2, credential.secret_hash);
    q->bind_text(3, scopes);
    q->bind_text(4, credential.label);
    q->bind_text(5, credential.authority);
    q->bind(6, credential.created_us);
    q->bind(7, credential.revoked ? 1 : 0);
    LRS_SQLITE_TRY(q->run("adding credential " + credential.key));
    if (conn.changes() == 0) {
      return fail(ErrorCode::kConflict, "credential " + credential.key + " already exists");
    }
    return {};
  });
  return writer_.run(job);
}

Result<std::optional<Credential>> SqliteCredentialStore::find(const std::string& key) {
  auto conn = reads_.acquire();
  auto stmt = conn->prepare(std::string(kColumns) + " WHERE key = ?1");
  if (!stmt) return tl::unexpected<Error>(std::move(stmt).error());
  StmtUse q(stmt->get());
  q->bind_text(1, key);
  auto row = q->step("reading credential " + key);
  if (!row) return tl::unexpected<Error>(std::move(row).error());
  if (!*row) return std::optional<Credential>();
  return std::optional<Credential>(read_row(*q));
}

Result<std::vector<Credential>> SqliteCredentialStore::list() {
  auto conn = reads_.acquire();
  auto stmt = conn->prepare(std::string(kColumns) + " ORDER BY created_us, rowid");
  if (!stmt) return tl::unexpected<Error>(std::move(stmt).error());
  StmtUse q(stmt->get());
  std::vector<Credential> out;
  for (;;) {
    auto row = q->step("listing credentials");
    if (!row) return tl::unexpected<Error>(std::move(row).error());
    if (!*row) break;
    out.push_back(read_row(*q));
  }
  return out;
}

Result<void> SqliteCredentialStore::revoke(const std::string& key) {
  FunctionJob job([&key](Connection& conn) -> Result<void> {
    auto stmt = conn.prepare("UPDATE credentials SET revoked = 1 WHERE key = ?1");
    if (!stmt) return tl::unexpected<Error>(std::move(stmt).error());
    StmtUse q(stmt->get());
    q->bind_text(1, key);
    LRS_SQLITE_TRY(q->run("revoking credential " + key));
    if (conn.changes() == 0) return fail(ErrorCode::kNotFound, "credential " + key + " not found");
    return {};
  });
  return writer_.run(job);
}

}  // namespace lrs::sqlite

#include "sqlite_handle.h"

#include <utility>

namespace lrs::sqlite {

Error make_error(sqlite3* db, int rc, std::string_view what) {
  ErrorCode code = ErrorCode::kInternal;
  switch (rc & 0xFF) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_FULL:
      code = ErrorCode::kUnavailable;
      break;
    case SQLITE_NOTADB:
      code = ErrorCode::kInvalid;
      break;
    default:
      break;
  }
  // sqlite3_errmsg describes the last failure on this connection, which is `rc` as
  // long as callers report errors right away; fall back to the generic text.
  const char* detail =
      db != nullptr && sqlite3_errcode(db) == rc ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  std::string message(what);
  message += ": ";
  message += detail;
  return Error{code, std::move(message)};
}

Result<bool> Stmt::step(std::string_view what) {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return tl::unexpected<Error>(make_error(db_, rc, what));
}

Result<void> Stmt::run(std::string_view what) {
  for (;;) {
    auto r = step(what);
    if (!r) return tl::unexpected<Error>(std::move(r).error());
    if (!*r) return {};
  }
}

Result<std::unique_ptr<Connection>> Connection::open(const std::string& path, int flags,
                                                     const char* vfs) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags | SQLITE_OPEN_NOMUTEX, vfs);
  if (rc != SQLITE_OK) {
    Error e = make_error(db, rc, "opening SQLite database " + path);
    sqlite3_close_v2(db);
    return tl::unexpected<Error>(std::move(e));
  }
  sqlite3_extended_result_codes(db, 1);
  return std::unique_ptr<Connection>(new Connection(db, path));
}

Connection::~Connection() {
  cache_.clear();  // finalize every statement before closing
  sqlite3_close_v2(db_);
}

Result<void> Connection::exec(const std::string& sql, std::string_view what) {
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return tl::unexpected<Error>(make_error(db_, rc, what));
  return {};
}

Result<std::reference_wrapper<Stmt>> Connection::prepare(std::string_view sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end()) return std::ref(*it->second);
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) {
    return tl::unexpected<Error>(make_error(db_, rc, "preparing SQL `" + std::string(sql) + "`"));
  }
  auto [pos, inserted] = cache_.emplace(std::string(sql), std::make_unique<Stmt>(db_, stmt));
  return std::ref(*pos->second);
}

Result<std::int64_t> Connection::query_int(const std::string& sql, std::string_view what) {
  auto stmt = prepare(sql);
  if (!stmt) return tl::unexpected<Error>(std::move(stmt).error());
  StmtUse use(stmt->get());
  auto row = use->step(what);
  if (!row) return tl::unexpected<Error>(std::move(row).error());
  if (!*row) return 0;
  return use->col_int(0);
}

}  // namespace lrs::sqlite

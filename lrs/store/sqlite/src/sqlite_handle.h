// RAII handles for sqlite3 connections and prepared statements, and the one place
// that turns SQLite result codes into lrs::Error. Private to lrs_sqlite.
//
// A Connection is used by one thread at a time (connections are opened NOMUTEX); the
// owner (the thread holding the writer's role, or a read-pool lease) guarantees that.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include <sqlite3.h>

#include "lrs/error.h"

namespace lrs::sqlite {

// kUnavailable for BUSY/LOCKED/FULL (retry later), kInvalid for NOTADB, else kInternal.
// The message is "<what>: <sqlite message>".
Error make_error(sqlite3* db, int rc, std::string_view what);

class Stmt {
 public:
  Stmt(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  ~Stmt() { sqlite3_finalize(stmt_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  // Parameter indexes are 1-based, as in SQLite.
  void bind(int i, std::int64_t v) { sqlite3_bind_int64(stmt_, i, v); }
  void bind_text(int i, std::string_view v) {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
  }
  void bind_blob(int i, std::string_view v) {
    sqlite3_bind_blob(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
  }
  void bind_null(int i) { sqlite3_bind_null(stmt_, i); }

  // true on SQLITE_ROW, false on SQLITE_DONE, an Error naming `what` otherwise.
  Result<bool> step(std::string_view what);
  // Steps to completion (for statements that return no rows).
  Result<void> run(std::string_view what);

  std::int64_t col_int(int i) const { return sqlite3_column_int64(stmt_, i); }
  bool col_null(int i) const { return sqlite3_column_type(stmt_, i) == SQLITE_NULL; }
  std::string_view col_text(int i) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, i));
    return {p ? p : "", static_cast<std::size_t>(sqlite3_column_bytes(stmt_, i))};
  }
  std::string_view col_blob(int i) const {
    const auto* p = static_cast<const char*>(sqlite3_column_blob(stmt_, i));
    return {p ? p : "", static_cast<std::size_t>(sqlite3_column_bytes(stmt_, i))};
  }

  // Ends the statement's run (and with it any implicit read transaction) and clears
  // its bindings, so the cached statement is ready for the next use.
  void reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  sqlite3_stmt* get() const { return stmt_; }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
};

// Resets a cached statement when the scope ends.
class StmtUse {
 public:
  explicit StmtUse(Stmt& stmt) : stmt_(stmt) {}
  ~StmtUse() { stmt_.reset(); }
  StmtUse(const StmtUse&) = delete;
  StmtUse& operator=(const StmtUse&) = delete;
  Stmt* operator->() const { return &stmt_; }
  Stmt& operator*() const { return stmt_; }

 private:
  Stmt& stmt_;
};

class Connection {
 public:
  // `flags` are sqlite3_open_v2 flags; SQLITE_OPEN_NOMUTEX is always added. `vfs` names
  // a registered VFS, nullptr for the default one.
  static Result<std::unique_ptr<Connection>> open(const std::string& path, int flags,
                                                  const char* vfs = nullptr);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs one or more SQL statements without results.
  Result<void> exec(const std::string& sql, std::string_view what);
  // A prepared statement from this connection's cache (prepared on first use). The
  // reference stays valid until the connection closes; wrap it in a StmtUse.
  Result<std::reference_wrapper<Stmt>> prepare(std::string_view sql);
  // The single integer a statement like "PRAGMA ..." or "SELECT count(*) ..." returns.
  Result<std::int64_t> query_int(const std::string& sql, std::string_view what);

  std::int64_t changes() const { return sqlite3_changes64(db_); }
  std::int64_t last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }
  sqlite3* db() const { return db_; }
  const std::string& path() const { return path_; }

 private:
  Connection(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}

  sqlite3* db_;
  std::string path_;
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  // Looked up by string_view: no allocation per use.
  std::unordered_map<std::string, std::unique_ptr<Stmt>, Hash, std::equal_to<>> cache_;
};

}  // namespace lrs::sqlite

// Propagates an error Result out of the enclosing function returning Result<...>.
#define LRS_SQLITE_TRY(expr)                                                  \
  do {                                                                        \
    if (auto lrs_sqlite_r = (expr); !lrs_sqlite_r) {                          \
      return ::tl::unexpected<::lrs::Error>(std::move(lrs_sqlite_r).error()); \
    }                                                                         \
  } while (false)

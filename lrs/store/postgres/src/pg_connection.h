// libpq connections, results, parameters and the connection pool, and the one place
// that turns libpq failures into lrs::Error. Private to lrs_postgres.
//
// A Connection is used by one thread at a time: the pool lends it to one caller, the
// statement writer owns its own.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lrs/error.h"

struct pg_conn;
struct pg_result;

namespace lrs::pg {

// Statement parameters, sent as text (libpq converts nothing; the SQL casts).
class Params {
 public:
  Params& add(std::string_view text);
  Params& add(std::int64_t v) { return add(std::to_string(v)); }
  Params& add_bool(bool v) { return add(v ? "t" : "f"); }
  Params& add_null();
  template <class T>
  Params& add_optional(const std::optional<T>& v) {
    return v ? add(*v) : add_null();
  }

  int size() const { return static_cast<int>(values_.size()); }
  const char* const* values() const;

 private:
  std::vector<std::string> values_;
  std::vector<bool> nulls_;
  mutable std::vector<const char*> pointers_;
};

// Array literals for `$n::text[]` / `$n::bigint[]` parameters and COPY columns.
std::string text_array(const std::vector<std::string>& items);
std::string int_array(const std::vector<std::int64_t>& items);
std::vector<std::int64_t> parse_int_array(std::string_view literal);
// The data of COPY ... FROM STDIN (FORMAT binary): values in PostgreSQL's own wire
// representation, so the server parses no text (no int8, uuid or array input functions;
// about a tenth of its CPU per statement stored with text COPY). Each row is row(n)
// followed by exactly n fields, in the column order of the COPY command.
class BinaryCopy {
 public:
  BinaryCopy();
  void row(int fields);
  void int8(std::int64_t v);
  void boolean(bool v);
  void uuid(std::string_view raw16);
  void null();
  void text(std::string_view utf8);
  void int8_array(const std::vector<std::int64_t>& items);  // bigint[], one dimension
  // The data with its trailer; the builder is empty afterwards.
  std::string finish();
  bool empty() const { return rows_ == 0; }

 private:
  void int4(std::int32_t v);
  std::string data_;
  std::size_t rows_ = 0;
};
// bytea as a `\x...` hex literal, and back.
std::string bytea_literal(std::string_view bytes);
std::string bytea_value(std::string_view hex_literal);

class Rows {
 public:
  explicit Rows(pg_result* r) : r_(r) {}
  ~Rows();
  Rows(Rows&& o) noexcept : r_(o.r_) { o.r_ = nullptr; }
  Rows& operator=(Rows&&) = delete;
  Rows(const Rows&) = delete;
  Rows& operator=(const Rows&) = delete;

  int size() const;
  bool null(int row, int col) const;
  std::string_view text(int row, int col) const;
  std::int64_t integer(int row, int col) const;
  bool boolean(int row, int col) const { return text(row, col) == "t"; }

 private:
  pg_result* r_;
};

class Connection {
 public:
  // kUnavailable when the server cannot be reached; the message names the server.
  static Result<std::unique_ptr<Connection>> open(const std::string& url);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // One statement with parameters. Errors are "<what>: <server message>".
  Result<Rows> exec(std::string_view sql, const Params& params, std::string_view what);
  Result<Rows> exec(std::string_view sql, std::string_view what) {
    return exec(sql, Params{}, what);
  }
  // Several statements without parameters (a migration step).
  Result<void> exec_script(std::string_view sql, std::string_view what);
  // COPY <target> FROM STDIN with `data` (as the command's FORMAT says).
  Result<void> copy_in(std::string_view copy_sql, std::string_view data, std::string_view what);

  // The SQLSTATE of the last failed call ("" when it did not reach the server).
  const std::string& last_sqlstate() const { return sqlstate_; }
  // The connection is gone: a new one is needed.
  bool broken() const;
  // The connection was lost while COMMIT was under way: the transaction may have
  // committed, the client cannot know.
  bool lost_at_commit() const { return lost_at_commit_; }
  // This transaction repeats one whose COMMIT was lost (Pool::run): a row found in the
  // way may be the earlier attempt's own, and is then no conflict.
  bool repeating_lost_commit() const { return repeating_lost_commit_; }
  // The last failure is worth retrying the whole transaction for: the connection was
  // lost, or PostgreSQL aborted it for a deadlock or a serialization failure.
  bool last_failure_transient() const;
  // Puts back what last_sqlstate() and last_failure_transient() said before a cleanup
  // command (ROLLBACK) overwrote them.
  void restore_failure(std::string sqlstate, bool transient) {
    sqlstate_ = std::move(sqlstate);
    transient_ = transient;
  }

 private:
  explicit Connection(pg_conn* conn) : conn_(conn) {}
  Error error_from(pg_result* r, std::string_view what);
  friend Result<void> in_transaction(Connection&, std::string_view,
                                     const std::function<Result<void>(Connection&)>&);
  friend class Pool;

  pg_conn* conn_;
  std::string sqlstate_;
  bool transient_ = false;
  bool lost_ = false;  // by lose_next_commit_replies_for_testing
  bool lost_at_commit_ = false;
  bool repeating_lost_commit_ = false;
};

// The server a URL names, without the password, for messages.
std::string describe_url(const std::string& url);

// Connections opened on demand up to `size`; a broken one is replaced on next use.
class Pool {
 public:
  Pool(std::string url, int size);
  ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  const std::string& url() const { return url_; }

  // Runs fn(conn) on a lent connection, inside BEGIN ... COMMIT when `transaction`.
  // A transient failure (connection lost, deadlock, serialization failure) is retried
  // on a fresh transaction a few times, so `fn` must be safe to run again: it sees
  // nothing of the failed attempt, which was rolled back. A COMMIT whose answer was
  // lost may in fact have committed; the retry then finds its own rows (statement ids
  // are deterministic and a re-sent statement is skipped, so nothing is duplicated;
  // other inserts compare the row in the way with their own when
  // conn.repeating_lost_commit() says so).
  Result<void> run(bool transaction, std::string_view what,
                   const std::function<Result<void>(Connection&)>& fn);
  Result<void> read(std::string_view what, const std::function<Result<void>(Connection&)>& fn) {
    return run(false, what, fn);
  }
  Result<void> write(std::string_view what, const std::function<Result<void>(Connection&)>& fn) {
    return run(true, what, fn);
  }

 private:
  Result<std::unique_ptr<Connection>> take();
  void give_back(std::unique_ptr<Connection> conn);

  std::string url_;
  int size_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Connection>> idle_;
  int open_ = 0;
};

// Retries of a transaction cut short by a transient failure, and the pause before each
// (50 ms doubling up to 1.6 s: about 6 s in all, enough for a server restart or a
// failover to a standby; then the caller gets kUnavailable).
constexpr int kTransientRetries = 8;
std::chrono::milliseconds retry_pause(int attempt);

// Runs fn inside BEGIN ... COMMIT on `conn`, rolling back on error.
Result<void> in_transaction(Connection& conn, std::string_view what,
                            const std::function<Result<void>(Connection&)>& fn);

// Returns the error of a Result<...> expression. The variable is named after the line,
// so a LRS_PG_TRY inside a lambda inside another one shadows nothing.
#define LRS_PG_CONCAT_(a, b) a##b
#define LRS_PG_NAME_(line) LRS_PG_CONCAT_(lrs_pg_result_, line)
#define LRS_PG_TRY(expr)                                                                       \
  do {                                                                                         \
    auto LRS_PG_NAME_(__LINE__) = (expr);                                                      \
    if (!LRS_PG_NAME_(__LINE__)) return tl::unexpected<Error>(LRS_PG_NAME_(__LINE__).error()); \
  } while (0)

// The rows of one read-only query, each made into a T by read(rows, i), on a pooled
// connection (retried as Pool::run says).
template <class T, class Read>
Result<std::vector<T>> select_all(Pool& pool, const std::string& sql, const Params& params,
                                  Read read, const std::string& what) {
  std::vector<T> out;
  LRS_PG_TRY(pool.read(what, [&](Connection& c) -> Result<void> {
    out.clear();
    auto rows = c.exec(sql, params, what);
    if (!rows) return tl::unexpected<Error>(rows.error());
    for (int i = 0; i < rows->size(); ++i) out.push_back(read(*rows, i));
    return {};
  }));
  return out;
}

// The first of select_all's rows, nullopt when there are none.
template <class T>
Result<std::optional<T>> first(Result<std::vector<T>> rows) {
  if (!rows) return tl::unexpected<Error>(std::move(rows).error());
  if (rows->empty()) return std::optional<T>();
  return std::optional<T>(std::move(rows->front()));
}

// Runs `insert` (an INSERT ... ON CONFLICT DO NOTHING RETURNING ...); when it inserts
// nothing, kConflict with `conflict` as the message, unless the row in its way is the one
// this write stored itself on an earlier attempt whose COMMIT answer was lost: only on
// such a retry, and only when `same_row` (a query with the insert's parameters) finds the
// stored row equal to what was sent. A `credentials add` or an upload retried by the pool
// then succeeds instead of reporting its own row as a conflict.
Result<void> insert_once(Connection& conn, const std::string& insert, const std::string& same_row,
                         const Params& params, std::string_view what, const std::string& conflict);

// Parameters holding one text value.
inline Params one(std::string_view v) {
  Params p;
  p.add(v);
  return p;
}

}  // namespace lrs::pg

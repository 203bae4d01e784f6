#include "pg_connection.h"

#include <atomic>
#include <charconv>
#include <thread>
#include <utility>

#include <libpq-fe.h>

#include "lrs/postgres_database.h"

namespace lrs::pg {

Params& Params::add(std::string_view text) {
  values_.emplace_back(text);
  nulls_.push_back(false);
  return *this;
}

Params& Params::add_null() {
  values_.emplace_back();
  nulls_.push_back(true);
  return *this;
}

const char* const* Params::values() const {
  pointers_.clear();
  for (std::size_t i = 0; i < values_.size(); ++i) {
    pointers_.push_back(nulls_[i] ? nullptr : values_[i].c_str());
  }
  return pointers_.data();
}

std::string text_array(const std::vector<std::string>& items) {
  std::string out = "{";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i != 0) out.push_back(',');
    out.push_back('"');
    for (char c : items[i]) {
      if (c == '"' || c == '\\') out.push_back('\\');
      out.push_back(c);
    }
    out.push_back('"');
  }
  out.push_back('}');
  return out;
}

std::string int_array(const std::vector<std::int64_t>& items) {
  std::string out = "{";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i != 0) out.push_back(',');
    out += std::to_string(items[i]);
  }
  out.push_back('}');
  return out;
}

std::vector<std::int64_t> parse_int_array(std::string_view literal) {
  std::vector<std::int64_t> out;
  const char* p = literal.data();
  const char* end = p + literal.size();
  while (p < end) {
    if (*p == '-' || (*p >= '0' && *p <= '9')) {
      std::int64_t v = 0;
      auto [next, ec] = std::from_chars(p, end, v);
      if (ec == std::errc()) out.push_back(v);
      p = next == p ? p + 1 : next;
    } else {
      ++p;
    }
  }
  return out;
}

namespace {
// Binary COPY is big-endian throughout.
void append_big_endian(std::string& out, std::uint64_t v, int bytes) {
  for (int shift = (bytes - 1) * 8; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((v >> shift) & 0xff));
  }
}
constexpr std::int32_t kInt8Oid = 20;  // pg_type.oid of bigint, as arrays must name it
}  // namespace

BinaryCopy::BinaryCopy() {
  // Signature, flags (no OIDs), header extension length.
  data_.assign("PGCOPY\n\377\r\n\0", 11);
  int4(0);
  int4(0);
}

void BinaryCopy::int4(std::int32_t v) {
  append_big_endian(data_, static_cast<std::uint32_t>(v), 4);
}

void BinaryCopy::row(int fields) {
  append_big_endian(data_, static_cast<std::uint16_t>(fields), 2);
  ++rows_;
}

void BinaryCopy::int8(std::int64_t v) {
  int4(8);
  append_big_endian(data_, static_cast<std::uint64_t>(v), 8);
}

void BinaryCopy::boolean(bool v) {
  int4(1);
  data_.push_back(v ? 1 : 0);
}

void BinaryCopy::uuid(std::string_view raw16) {
  int4(16);
  data_.append(raw16.substr(0, 16));
}

void BinaryCopy::null() { int4(-1); }

void BinaryCopy::text(std::string_view utf8) {
  int4(static_cast<std::int32_t>(utf8.size()));
  data_.append(utf8);
}

void BinaryCopy::int8_array(const std::vector<std::int64_t>& items) {
  // An empty array has no dimensions.
  std::int32_t dims = items.empty() ? 0 : 1;
  int4(static_cast<std::int32_t>(12 + dims * 8 + items.size() * 12));
  int4(dims);
  int4(0);  // no NULL elements
  int4(kInt8Oid);
  if (dims != 0) {
    int4(static_cast<std::int32_t>(items.size()));
    int4(1);  // lower bound
  }
  for (std::int64_t v : items) int8(v);
}

std::string BinaryCopy::finish() {
  append_big_endian(data_, 0xffff, 2);
  std::string out = std::move(data_);
  *this = BinaryCopy();
  return out;
}

std::string bytea_literal(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\\x";
  out.reserve(2 + bytes.size() * 2);
  for (char c : bytes) {
    auto b = static_cast<unsigned char>(c);
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

std::string bytea_value(std::string_view hex_literal) {
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return 0;
  };
  std::string out;
  if (hex_literal.substr(0, 2) != "\\x") return out;
  out.reserve((hex_literal.size() - 2) / 2);
  for (std::size_t i = 2; i + 1 < hex_literal.size(); i += 2) {
    out.push_back(static_cast<char>(nibble(hex_literal[i]) * 16 + nibble(hex_literal[i + 1])));
  }
  return out;
}

Rows::~Rows() {
  if (r_ != nullptr) PQclear(r_);
}

int Rows::size() const { return PQntuples(r_); }
bool Rows::null(int row, int col) const { return PQgetisnull(r_, row, col) != 0; }
std::string_view Rows::text(int row, int col) const {
  return {PQgetvalue(r_, row, col), static_cast<std::size_t>(PQgetlength(r_, row, col))};
}
std::int64_t Rows::integer(int row, int col) const {
  std::string_view t = text(row, col);
  std::int64_t v = 0;
  std::from_chars(t.data(), t.data() + t.size(), v);
  return v;
}

std::string describe_url(const std::string& url) {
  // postgresql://user:password@host/db -> postgresql://user@host/db
  std::size_t scheme = url.find("://");
  std::size_t at = url.rfind('@');
  if (scheme == std::string::npos || at == std::string::npos || at < scheme) return url;
  std::size_t colon = url.find(':', scheme + 3);
  if (colon == std::string::npos || colon > at) return url;
  return url.substr(0, colon) + url.substr(at);
}

Result<std::unique_ptr<Connection>> Connection::open(const std::string& url) {
  pg_conn* conn = PQconnectdb(url.c_str());
  if (conn == nullptr) {
    return fail(ErrorCode::kInternal, "cannot allocate a PostgreSQL connection");
  }
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string message = PQerrorMessage(conn);
    while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) {
      message.pop_back();
    }
    PQfinish(conn);
    return fail(ErrorCode::kUnavailable,
                "cannot connect to PostgreSQL at " + describe_url(url) + ": " + message);
  }
  // libpq prints notices (and the FATAL of a connection the server ends while it is
  // idle) to stderr; the failure reaches the caller as an error on its next use instead.
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);
  auto c = std::unique_ptr<Connection>(new Connection(conn));
  // What the code reads must not depend on the server's or the role's defaults: text
  // in UTF-8, bytea in hex (bytea_value), and no notices for the log.
  auto r = c->exec_script(
      "SET client_encoding = 'UTF8'; SET bytea_output = 'hex'; "
      "SET client_min_messages = warning",
      "configuring the connection to " + describe_url(url));
  if (!r) return tl::unexpected<Error>(r.error());
  return c;
}

Connection::~Connection() { PQfinish(conn_); }

bool Connection::broken() const { return lost_ || PQstatus(conn_) != CONNECTION_OK; }

namespace {
std::atomic<int> g_lose_commit_replies{0};
}  // namespace

bool Connection::last_failure_transient() const { return transient_; }

Error Connection::error_from(pg_result* r, std::string_view what) {
  const char* state = r != nullptr ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  sqlstate_ = state != nullptr ? state : "";
  std::string message = r != nullptr ? PQresultErrorMessage(r) : "";
  if (message.empty()) message = PQerrorMessage(conn_);
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) {
    message.pop_back();
  }
  bool lost = broken() || sqlstate_.rfind("08", 0) == 0 || sqlstate_ == "57P01";
  transient_ = lost || sqlstate_ == "40001" || sqlstate_ == "40P01";
  ErrorCode code = lost ? ErrorCode::kUnavailable : ErrorCode::kInternal;
  return Error{code, std::string(what) + ": " + message};
}

Result<Rows> Connection::exec(std::string_view sql, const Params& params, std::string_view what) {
  std::string text(sql);
  pg_result* r = PQexecParams(conn_, text.c_str(), params.size(), nullptr, params.values(), nullptr,
                              nullptr, 0);
  ExecStatusType status = r != nullptr ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
    sqlstate_.clear();
    transient_ = false;
    return Rows(r);
  }
  Error e = error_from(r, what);
  if (r != nullptr) PQclear(r);
  return tl::unexpected<Error>(std::move(e));
}

Result<void> Connection::exec_script(std::string_view sql, std::string_view what) {
  std::string text(sql);
  pg_result* r = PQexec(conn_, text.c_str());
  if (r != nullptr && PQresultStatus(r) == PGRES_COMMAND_OK) {
    PQclear(r);
    sqlstate_.clear();
    transient_ = false;
    return {};
  }
  Error e = error_from(r, what);
  if (r != nullptr) PQclear(r);
  return tl::unexpected<Error>(std::move(e));
}

Result<void> Connection::copy_in(std::string_view copy_sql, std::string_view data,
                                 std::string_view what) {
  std::string text(copy_sql);
  pg_result* r = PQexec(conn_, text.c_str());
  if (r == nullptr || PQresultStatus(r) != PGRES_COPY_IN) {
    Error e = error_from(r, what);
    if (r != nullptr) PQclear(r);
    return tl::unexpected<Error>(std::move(e));
  }
  PQclear(r);
  bool sent = PQputCopyData(conn_, data.data(), static_cast<int>(data.size())) == 1;
  PQputCopyEnd(conn_, sent ? nullptr : "sending rows failed");
  // Every result up to the null one must be read before the next command.
  std::optional<Error> error;
  while ((r = PQgetResult(conn_)) != nullptr) {
    if (PQresultStatus(r) != PGRES_COMMAND_OK && !error) error = error_from(r, what);
    PQclear(r);
  }
  if (!error && broken()) error = error_from(nullptr, what);
  if (error) return tl::unexpected<Error>(std::move(*error));
  sqlstate_.clear();
  transient_ = false;
  return {};
}

Result<void> insert_once(Connection& conn, const std::string& insert, const std::string& same_row,
                         const Params& params, std::string_view what, const std::string& conflict) {
  auto inserted = conn.exec(insert, params, what);
  if (!inserted) return tl::unexpected<Error>(inserted.error());
  if (inserted->size() != 0) return {};
  if (conn.repeating_lost_commit()) {
    auto own = conn.exec(same_row, params, what);
    if (!own) return tl::unexpected<Error>(own.error());
    if (own->size() != 0) return {};
  }
  return fail(ErrorCode::kConflict, conflict);
}

std::chrono::milliseconds retry_pause(int attempt) {
  return std::chrono::milliseconds(50 << std::min(attempt, 5));
}

Result<void> in_transaction(Connection& conn, std::string_view what,
                            const std::function<Result<void>(Connection&)>& fn) {
  conn.lost_at_commit_ = false;
  LRS_PG_TRY(conn.exec("BEGIN", what));
  auto r = fn(conn);
  if (r) {
    auto committed = conn.exec("COMMIT", what);
    if (committed && g_lose_commit_replies > 0 && g_lose_commit_replies.fetch_sub(1) > 0) {
      // As if the network failed after the server committed, before its answer came.
      conn.lost_ = true;
      conn.transient_ = true;
      committed = tl::unexpected<Error>(
          Error{ErrorCode::kUnavailable, std::string(what) + ": connection lost (test)"});
    }
    if (committed) return {};
    conn.lost_at_commit_ = conn.broken();
    r = tl::unexpected<Error>(committed.error());
  }
  if (!conn.broken()) {
    // Keep the failure's SQLSTATE: the caller decides on it, not on the rollback's.
    std::string state = conn.last_sqlstate();
    bool transient = conn.last_failure_transient();
    (void)conn.exec("ROLLBACK", what);
    conn.restore_failure(std::move(state), transient);
  }
  return r;
}

Pool::Pool(std::string url, int size) : url_(std::move(url)), size_(std::max(1, size)) {}

Pool::~Pool() = default;

Result<std::unique_ptr<Connection>> Pool::take() {
  {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return !idle_.empty() || open_ < size_; });
    if (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      return c;
    }
    ++open_;
  }
  auto c = Connection::open(url_);
  if (!c) {
    std::lock_guard<std::mutex> lock(mu_);
    --open_;
    cv_.notify_one();
  }
  return c;
}

void Pool::give_back(std::unique_ptr<Connection> conn) {
  std::lock_guard<std::mutex> lock(mu_);
  if (conn->broken()) {
    --open_;  // dropped; the next take() opens a fresh one
  } else {
    idle_.push_back(std::move(conn));
  }
  cv_.notify_one();
}

Result<void> Pool::run(bool transaction, std::string_view what,
                       const std::function<Result<void>(Connection&)>& fn) {
  bool maybe_committed = false;
  for (int attempt = 0;; ++attempt) {
    auto conn = take();
    if (!conn) {
      if (attempt < kTransientRetries) {
        std::this_thread::sleep_for(retry_pause(attempt));
        continue;
      }
      return tl::unexpected<Error>(conn.error());
    }
    Connection& c = **conn;
    c.repeating_lost_commit_ = maybe_committed;
    auto r = transaction ? in_transaction(c, what, fn) : fn(c);
    c.repeating_lost_commit_ = false;
    maybe_committed = maybe_committed || (transaction && !r && c.lost_at_commit());
    bool transient = !r && (c.last_failure_transient() || c.broken());
    give_back(std::move(*conn));
    if (r || !transient || attempt >= kTransientRetries) return r;
    std::this_thread::sleep_for(retry_pause(attempt));
  }
}

}  // namespace lrs::pg

void lrs::lose_next_commit_replies_for_testing(int count) { pg::g_lose_commit_replies = count; }

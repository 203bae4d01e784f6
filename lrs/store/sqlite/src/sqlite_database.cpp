#include "lrs/sqlite_database.h"

#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "checkpointer.h"
#include "read_pool.h"
#include "schema.h"
#include "sqlite_credential_store.h"
#include "sqlite_document_store.h"
#include "sqlite_handle.h"
#include "sqlite_import_store.h"
#include "sqlite_person_store.h"
#include "sqlite_player_store.h"
#include "sqlite_statement_store.h"
#include "wal_write_buffer.h"
#include "writer.h"

namespace lrs {
namespace {

using sqlite::Connection;

// Requests waiting when a group starts are taken up to about this many rows; bigger
// groups amortize the random index pages each commit writes (design.md, measured
// limits), and one group still commits in well under a second.
constexpr std::size_t kMaxGroupRows = 5000;
constexpr int kBusyTimeoutMs = 10'000;
// Filter-index rows held in memory (and staged) before they are frozen into one sorted
// pass that writes them to `links`. Each pass dirties about one page per distinct term, ~3,500 in
// the bench: at 32,768 rows (~3,000 statements) that was over a page per statement, at 131,072
// (~12,000 statements) it is ~0.3. 262,144 saved a little more writer time but raised the peak RSS
// of seeding 1M statements from 171 to 200 MB (merged segments, the pass's sorted copy).
constexpr std::size_t kStagedLinkRows = 131'072;
// Statement ids held in memory before one sorted pass writes them to `statement_ids`:
// ~4 MB of memory; at 1M statements a pass dirties ~0.1 index page per id written
// where each commit dirtied ~one per statement.
constexpr std::size_t kPendingIds = 65'536;
// Rows of a frozen pass (links or ids) one transaction of the idle writer writes: a
// few ms, so a request arriving meanwhile hardly waits.
constexpr std::size_t kPassSliceRows = 1'024;
// Statements stored before a body dictionary is trained: enough samples for zstd to
// learn the shared text (2,000 bench bodies give a 32 KB dictionary in ~0.3 s).
constexpr std::int64_t kCompressAfter = 2'000;

bool is_memory(const std::string& path) { return path.empty() || path == ":memory:"; }

Result<void> configure(Connection& conn, const SqliteOptions& options, bool writer) {
  const std::string& path = conn.path();
  sqlite3_busy_timeout(conn.db(), kBusyTimeoutMs);
  // Any read fails with SQLITE_NOTADB on a file that is not SQLite; say which file.
  auto probe = conn.query_int("SELECT count(*) FROM sqlite_schema", "reading " + path);
  if (!probe) {
    Error e = probe.error();
    if (e.code == ErrorCode::kInvalid) e.message = path + " is not a SQLite database";
    return tl::unexpected<Error>(std::move(e));
  }
  if (writer && !is_memory(path)) {
    auto stmt = conn.prepare("PRAGMA journal_mode = WAL");
    if (!stmt) return tl::unexpected<Error>(std::move(stmt).error());
    sqlite::StmtUse q(stmt->get());
    auto row = q->step("enabling WAL on " + path);
    if (!row) return tl::unexpected<Error>(std::move(row).error());
    if (!*row || q->col_text(0) != "wal") {
      return fail(ErrorCode::kInternal, "cannot enable WAL journaling on " + path);
    }
  }
  std::string pragmas = std::string("PRAGMA synchronous = ") +
                        (options.synchronous_full ? "FULL" : "NORMAL") +
                        "; PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY;";
  // The writer touches index pages all over the file; a bigger cache saves re-reads.
  // Readers mostly walk a few index ranges and read rows the OS page cache holds; 8 MB
  // each keeps four of them well inside the RSS budget at 1M statements.
  pragmas += writer ? "PRAGMA cache_size = -" +
                          std::to_string(std::max(1, options.writer_cache_mb) * 1024) + ";"
                    : "PRAGMA cache_size = -8192;";
  if (!writer) pragmas += "PRAGMA query_only = ON;";
  return conn.exec(pragmas, "configuring " + path);
}

class SqliteDatabase final : public Database {
 public:
  SqliteDatabase(std::unique_ptr<sqlite::Checkpointer> checkpointer,
                 std::unique_ptr<sqlite::Writer> writer,
                 std::vector<std::unique_ptr<Connection>> readers,
                 sqlite::SqliteStatementStore::Setup setup)
      : checkpointer_(std::move(checkpointer)),
        writer_(std::move(writer)),
        reads_(std::move(readers), *writer_),
        statements_(*writer_, reads_, std::move(setup)),
        credentials_(*writer_, reads_),
        documents_(*writer_, reads_),
        player_(*writer_, reads_, statements_),
        imports_(*writer_, reads_),
        persons_(*writer_, reads_) {
    writer_->add_participant(&statements_);
    writer_->start();
  }

  ~SqliteDatabase() override {
    // Every accepted write completes before the stores go away.
    writer_->stop();
    checkpointer_.reset();
  }

  // The filter-index rows a crash or kill left unwritten, back in memory.
  Result<void> restore_pending_links() { return statements_.restore_pending_links(); }

  StatementStore& statements() override { return statements_; }
  CredentialStore& credentials() override { return credentials_; }
  DocumentStore& documents() override { return documents_; }
  PlayerStore& player() override { return player_; }
  ImportStore& imports() override { return imports_; }
  PersonStore& persons() override { return persons_; }

 private:
  std::unique_ptr<sqlite::Checkpointer> checkpointer_;  // null for ":memory:"
  std::unique_ptr<sqlite::Writer> writer_;
  sqlite::ReadPool reads_;
  sqlite::SqliteStatementStore statements_;
  sqlite::SqliteCredentialStore credentials_;
  sqlite::SqliteDocumentStore documents_;
  sqlite::SqlitePlayerStore player_;
  sqlite::SqliteImportStore imports_;
  sqlite::SqlitePersonStore persons_;
};

}  // namespace

Result<std::unique_ptr<Database>> open_sqlite_database(const SqliteOptions& options) {
  const std::string path = options.path.empty() ? ":memory:" : options.path;
  // The writer gathers each commit's WAL frames into one write (wal_write_buffer.h), with
  // synchronous = NORMAL only: a FULL commit waits for fsync anyway, and may split a page
  // write around it.
  auto writer_conn =
      Connection::open(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_EXRESCODE,
                       options.synchronous_full ? nullptr : sqlite::wal_write_buffer_vfs());
  if (!writer_conn) return tl::unexpected<Error>(std::move(writer_conn).error());
  LRS_SQLITE_TRY(configure(**writer_conn, options, true));
  LRS_SQLITE_TRY(sqlite::migrate(**writer_conn));
  auto last_stored = (*writer_conn)
                         ->query_int("SELECT coalesce(max(stored), 0) FROM statements",
                                     "reading the stored clock of " + path);
  if (!last_stored) return tl::unexpected<Error>(std::move(last_stored).error());
  auto indexed_through =
      (*writer_conn)
          ->query_int("SELECT indexed_through FROM link_state",
                      "reading how far the filter index of " + path + " is written");
  if (!indexed_through) return tl::unexpected<Error>(std::move(indexed_through).error());
  sqlite::SqliteStatementStore::Setup setup;
  setup.last_stored = *last_stored;
  setup.indexed_through = *indexed_through;
  setup.staged_link_rows =
      options.staged_link_rows != 0 ? options.staged_link_rows : kStagedLinkRows;
  setup.pending_ids = options.pending_ids != 0 ? options.pending_ids : kPendingIds;
  setup.slice_rows = options.pass_slice_rows != 0 ? options.pass_slice_rows : kPassSliceRows;
  setup.passes_when_idle = options.passes_when_idle;
  setup.train_after = options.compress_after != 0 ? options.compress_after : kCompressAfter;
  {
    auto stmt = (*writer_conn)->prepare("SELECT content FROM dictionaries ORDER BY created_us");
    if (!stmt) return tl::unexpected<Error>(std::move(stmt).error());
    sqlite::StmtUse q(stmt->get());
    for (;;) {
      auto row = q->step("reading the compression dictionaries of " + path);
      if (!row) return tl::unexpected<Error>(std::move(row).error());
      if (!*row) break;
      setup.dictionaries.emplace_back(q->col_blob(0));
    }
  }
  if (setup.dictionaries.empty() && setup.train_after > 0) {
    auto n = (*writer_conn)
                 ->query_int("SELECT count(*) FROM (SELECT 1 FROM statements LIMIT " +
                                 std::to_string(setup.train_after) + ")",
                             "counting the statements of " + path);
    if (!n) return tl::unexpected<Error>(std::move(n).error());
    setup.stored_hint = *n;
  }

  // A private in-memory database cannot be shared: reads borrow the write connection.
  std::vector<std::unique_ptr<Connection>> readers;
  int n = is_memory(path) ? 0 : std::max(1, options.read_connections);
  for (int i = 0; i < n; ++i) {
    auto c = Connection::open(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_EXRESCODE);
    if (!c) return tl::unexpected<Error>(std::move(c).error());
    LRS_SQLITE_TRY(configure(**c, options, false));
    readers.push_back(std::move(*c));
  }
  std::unique_ptr<sqlite::Checkpointer> checkpointer;
  if (!is_memory(path)) {
    auto c = Connection::open(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_EXRESCODE);
    if (!c) return tl::unexpected<Error>(std::move(c).error());
    sqlite3_busy_timeout((*c)->db(), kBusyTimeoutMs);
    // A connection opens its file at its first statement: until then it does not know
    // the file is in WAL mode, and sqlite3_wal_checkpoint_v2 on it returns SQLITE_OK
    // having done nothing (the writer then did every checkpoint itself, at 50,000 pages).
    LRS_SQLITE_TRY((*c)->query_int("SELECT count(*) FROM sqlite_schema", "opening " + path));
    checkpointer = std::make_unique<sqlite::Checkpointer>(std::move(*c));
    checkpointer->attach(**writer_conn);
  }
  auto writer = std::make_unique<sqlite::Writer>(std::move(*writer_conn), kMaxGroupRows);
  auto database = std::make_unique<SqliteDatabase>(std::move(checkpointer), std::move(writer),
                                                   std::move(readers), std::move(setup));
  LRS_SQLITE_TRY(database->restore_pending_links());
  return std::unique_ptr<Database>(std::move(database));
}

}  // namespace lrs

// The SQLite backend: one database file (WAL) holding every store.
//
// Writes go through one writer thread that commits whatever requests are waiting as
// one transaction (group commit); each caller returns only after the transaction
// holding its rows is durable. Reads use a small pool of read-only connections.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "lrs/database.h"
#include "lrs/error.h"

namespace lrs {

struct SqliteOptions {
  // A file path, or ":memory:" for a private in-memory database (tests).
  std::string path;
  // Read connections kept open for queries.
  int read_connections = 4;
  // synchronous=FULL instead of NORMAL: survives power loss, not just process crashes.
  bool synchronous_full = false;
  // New filter-index rows are held in memory (or staged) and written into the main
  // index in one sorted pass once there are this many: a commit then dirties no index
  // page per distinct actor, verb or activity it touches. 0 means the default (131,072).
  // Queries read both.
  std::size_t staged_link_rows = 0;
  // Statement bodies are stored as JSON text until the database holds this many, then
  // a zstd dictionary is trained on them (in the background) and new bodies are stored
  // compressed with it (~1,100 -> ~130 bytes for typical statements). 0 means the
  // default (2,000); negative never compresses. Reading needs no option.
  std::int64_t compress_after = 0;
  // The ids of the newest statements are held in memory and written into the id index
  // in one sorted pass once there are this many: a commit then dirties no index page per
  // statement. 0 means the default (65,536).
  std::size_t pending_ids = 0;
  // Both passes above are written in slices across transactions, so no commit waits for
  // a whole pass: the writer writes this many rows in each transaction it runs while no
  // request waits (and, when that does not keep up, a share in each commit). 0 means
  // the default (4,096).
  std::size_t pass_slice_rows = 0;
  // false: no transactions of their own for passes, only the share in each commit
  // (tests use it to meet passes half written at known points).
  bool passes_when_idle = true;
  // Page cache of the writer connection, in MiB. The server's writer touches index pages
  // all over the file and gains from a big one; a batch import that should stay small in
  // memory can give less.
  int writer_cache_mb = 64;
};

// Opens (creating if needed) and migrates the database to the current schema.
// kInvalid when the file is not an lrsbridge database or is newer than this binary;
// kInternal on I/O errors. The message names the file and the problem.
Result<std::unique_ptr<Database>> open_sqlite_database(const SqliteOptions& options);

}  // namespace lrs

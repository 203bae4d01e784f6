// Helpers of the SQLite store tests (the record builders are shared with the contract).
#pragma once

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <sqlite3.h>

#include "lrs/contract/store_records.h"
#include "lrs/sqlite_database.h"
#include "lrs/statement_store.h"

namespace lrs::test {

// Tests merge staged links after a handful of rows, so that their queries read both
// link tables and cross merges.
constexpr std::size_t kTestStagedLinkRows = 7;
// Likewise ids are written to `statement_ids` every few statements: lookups find some in
// memory, some in the table.
constexpr std::size_t kTestPendingIds = 5;
// And both passes are written a few rows per transaction, so queries and lookups meet
// passes half done.
constexpr std::size_t kTestPassSliceRows = 3;

inline std::unique_ptr<Database> open_db(const std::string& path, int readers = 4,
                                         std::size_t staged_link_rows = kTestStagedLinkRows,
                                         std::int64_t compress_after = 0,
                                         std::size_t pending_ids = kTestPendingIds,
                                         std::size_t pass_slice_rows = kTestPassSliceRows,
                                         bool passes_when_idle = true) {
  SqliteOptions options;
  options.path = path;
  options.read_connections = readers;
  options.staged_link_rows = staged_link_rows;
  options.compress_after = compress_after;
  options.pending_ids = pending_ids;
  options.pass_slice_rows = pass_slice_rows;
  options.passes_when_idle = passes_when_idle;
  auto db = open_sqlite_database(options);
  if (!db) throw std::runtime_error(db.error().message);
  return std::move(*db);
}

// The first column of the first row of `sql` (a count) on the database file at `path`,
// read on a connection of its own.
inline std::int64_t count_in(const std::string& path, const std::string& sql) {
  sqlite3* raw = nullptr;
  REQUIRE(sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  REQUIRE(sqlite3_prepare_v2(raw, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(stmt) == SQLITE_ROW);
  const std::int64_t n = sqlite3_column_int64(stmt, 0);
  sqlite3_finalize(stmt);
  sqlite3_close(raw);
  return n;
}

}  // namespace lrs::test

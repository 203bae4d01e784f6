// The writer's VFS that gathers a commit's WAL frames into one write (wal_write_buffer.h):
// other connections see every commit whole, whatever its size.
#include <string>

#include <catch2/catch.hpp>
#include <sqlite3.h>

#include "sqlite_test_support.h"
#include "wal_write_buffer.h"
#include <unistd.h>

namespace lrs::test {
namespace {

sqlite3* open_with(const std::string& path, const char* vfs) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, vfs) ==
          SQLITE_OK);
  return db;
}

void exec(sqlite3* db, const std::string& sql) {
  char* error = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
  INFO(sql << ": " << (error != nullptr ? error : ""));
  sqlite3_free(error);
  REQUIRE(rc == SQLITE_OK);
}

std::string text(sqlite3* db, const std::string& sql) {
  sqlite3_stmt* stmt = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(stmt) == SQLITE_ROW);
  std::string out(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)));
  sqlite3_finalize(stmt);
  return out;
}

}  // namespace

TEST_CASE("WAL frames gathered per commit: readers see each commit whole", "[sqlite][wal]") {
  const char* vfs = sqlite::wal_write_buffer_vfs();
  REQUIRE(vfs != nullptr);
  TempDir tmp;
  const std::string path = tmp.file("w.db");
  sqlite3* writer = open_with(path, vfs);
  exec(writer,
       "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 0; "
       "CREATE TABLE t (k INTEGER PRIMARY KEY, v BLOB NOT NULL)");
  sqlite3* reader = open_with(path, nullptr);

  SECTION("a small commit is one write; the other connection sees it at once") {
    for (int i = 1; i <= 20; ++i) {
      const auto before = sqlite::wal_write_counts();
      exec(writer, "INSERT INTO t (k, v) VALUES (" + std::to_string(i) + ", randomblob(300))");
      const auto after = sqlite::wal_write_counts();
      // SQLite handed over a header and a page per frame; the file got one write.
      CHECK(after.writes_received - before.writes_received >= 2);
      CHECK(after.writes_issued - before.writes_issued == 1);
      CHECK(text(reader, "SELECT count(*) FROM t") == std::to_string(i));
    }
  }
  SECTION("a commit bigger than one write, and one spilling the cache, arrive whole") {
    // 6 MB in one transaction: written in pieces; with a tiny cache SQLite also spills
    // pages into the WAL before COMMIT and rewrites some of them there.
    exec(writer, "PRAGMA cache_size = 10");
    exec(writer,
         "BEGIN; WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000) "
         "INSERT INTO t (k, v) SELECT i, randomblob(2000) FROM n; "
         "UPDATE t SET v = zeroblob(1500) WHERE k % 7 = 0; COMMIT");
    CHECK(text(reader, "SELECT count(*) FROM t") == "3000");
    CHECK(text(reader, "SELECT count(*) FROM t WHERE length(v) = 1500") == "428");
    CHECK(text(reader, "PRAGMA integrity_check") == "ok");
    // A rolled-back transaction leaves nothing, and the next commit is read back.
    exec(writer, "BEGIN; DELETE FROM t; ROLLBACK");
    exec(writer, "DELETE FROM t WHERE k > 10");
    CHECK(text(reader, "SELECT count(*) FROM t") == "10");
    CHECK(text(reader, "PRAGMA integrity_check") == "ok");
  }
  SECTION("after a checkpoint the WAL restarts from its beginning and stays readable") {
    for (int round = 0; round < 3; ++round) {
      for (int i = 0; i < 50; ++i) {
        exec(writer, "INSERT INTO t (v) VALUES (randomblob(500))");
      }
      REQUIRE(sqlite3_wal_checkpoint_v2(reader, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr,
                                        nullptr) == SQLITE_OK);
    }
    exec(writer, "INSERT INTO t (v) VALUES (randomblob(500))");
    CHECK(text(reader, "SELECT count(*) FROM t") == "151");
    CHECK(text(reader, "PRAGMA integrity_check") == "ok");
  }
  sqlite3_close(reader);
  sqlite3_close(writer);
  // The file as the default VFS sees it, after the writer closed.
  sqlite3* again = open_with(path, nullptr);
  CHECK(text(again, "PRAGMA integrity_check") == "ok");
  sqlite3_close(again);
}

}  // namespace lrs::test

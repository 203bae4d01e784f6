// Schema upgrades of existing SQLite files: a database written before a migration opens
// with its data and gains the new tables.
#include <string>

#include <catch2/catch.hpp>

#include "sqlite_test_support.h"

namespace lrs::test {
namespace {

// Undoes migrations 7 (no attempts here: only the CMI value table and column) and 6 (the
// statement ids back in a unique index on `statements`).
constexpr const char* kBackToV5 =
    "DROP TABLE attempt_values; ALTER TABLE attempts DROP COLUMN cmi_split; "
    "DROP TABLE statement_ids; DROP TABLE id_state; "
    "CREATE UNIQUE INDEX statements_id ON statements(id); ";

void rewrite(const std::string& path, const std::string& sql) {
  sqlite3* raw = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &raw) == SQLITE_OK);
  char* error = nullptr;
  int rc = sqlite3_exec(raw, sql.c_str(), nullptr, nullptr, &error);
  INFO((error != nullptr ? error : ""));
  sqlite3_free(error);
  sqlite3_close(raw);
  REQUIRE(rc == SQLITE_OK);
}

}  // namespace

TEST_CASE("a version 3 database gains the link state and person links and keeps its data",
          "[sqlite]") {
  TempDir dir;
  std::string path = dir.file("v3.db");
  insert_ok(open_db(path)->statements(), {record(make_id(1), "v:a")});
  // What a database made before the in-memory index rows and the person store looks like.
  rewrite(path, "DROP TABLE person_links; DROP TABLE link_state; " + std::string(kBackToV5) +
                    "UPDATE schema_version SET version = 3");

  auto db = open_db(path);
  CHECK(db->statements().get(make_id(1))->has_value());
  REQUIRE(db->persons().link({{"k1", "{}", "test", 1}, {"k2", "{}", "test", 1}}, "p1"));
  CHECK((*db->persons().find_by_agent("k1"))->id == "p1");
}

// A version 5 file kept statement ids in a unique index on `statements`: the upgrade
// copies them into `statement_ids`, and every id is then found, and detected as a
// duplicate or a conflict, whether it was stored before or after the upgrade.
TEST_CASE("a version 5 database moves its statement ids to statement_ids", "[sqlite]") {
  TempDir dir;
  std::string path = dir.file("v5.db");
  {
    auto db = open_db(path);
    for (std::uint64_t n = 1; n <= 300; n += 10) {
      std::vector<StatementRecord> batch;
      for (std::uint64_t k = n; k < n + 10; ++k) batch.push_back(record(make_id(k), "v:a"));
      insert_ok(db->statements(), std::move(batch));
    }
  }
  rewrite(path, std::string(kBackToV5) + "UPDATE schema_version SET version = 5");

  auto db = open_db(path, 2, kTestStagedLinkRows, 0, 1'000'000);
  CHECK(count_in(path, "SELECT max(version) FROM schema_version") == 7);
  CHECK(count_in(path, "SELECT count(*) FROM statement_ids") == 300);
  CHECK(count_in(path, "SELECT count(*) FROM sqlite_schema WHERE name = 'statements_id'") == 0);
  CHECK(count_in(path,
                 "SELECT count(*) FROM statements s JOIN statement_ids i "
                 "ON i.stored = s.stored AND i.id = s.id") == 300);
  for (std::uint64_t n = 1; n <= 300; ++n) {
    INFO("statement " << n);
    CHECK(db->statements().get(make_id(n))->has_value());
  }
  insert_ok(db->statements(), {record(make_id(301), "v:a")});
  auto again =
      db->statements().insert({record(make_id(7), "v:a"), record(make_id(301), "v:a")}, kSame);
  REQUIRE(again);
  CHECK(again->inserted == std::vector<bool>{false, false});
  auto conflict = db->statements().insert({record(make_id(8), "v:a", "other")}, kSame);
  REQUIRE_FALSE(conflict);
  CHECK(conflict.error().code == ErrorCode::kConflict);
  CHECK_FALSE(db->statements().get(make_id(302))->has_value());
}

}  // namespace lrs::test

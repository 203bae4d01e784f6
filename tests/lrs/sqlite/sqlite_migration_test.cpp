// Schema upgrades of existing SQLite files: a database written before a migration opens
// with its data and gains the new tables.
#include <catch2/catch.hpp>

#include "sqlite_test_support.h"

namespace lrs::test {

TEST_CASE("a version 3 database gains the link state and person links and keeps its data",
          "[sqlite]") {
  TempDir dir;
  std::string path = dir.file("v3.db");
  insert_ok(open_db(path)->statements(), {record(make_id(1), "v:a")});
  // What a database made before the in-memory index rows and the person store looks like.
  sqlite3* raw = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &raw) == SQLITE_OK);
  REQUIRE(sqlite3_exec(raw,
                       "DROP TABLE person_links; DROP TABLE link_state; "
                       "UPDATE schema_version SET version = 3",
                       nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(raw);

  auto db = open_db(path);
  CHECK(db->statements().get(make_id(1))->has_value());
  REQUIRE(db->persons().link({{"k1", "{}", "test", 1}, {"k2", "{}", "test", 1}}, "p1"));
  CHECK((*db->persons().find_by_agent("k1"))->id == "p1");
}

}  // namespace lrs::test

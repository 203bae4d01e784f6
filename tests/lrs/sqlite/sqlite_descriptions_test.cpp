// The SQLite writer remembers committed activity definitions and agent names to skip
// writes that change nothing; another process writing the same file must not leave it
// with stale knowledge.
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <sqlite3.h>

#include "sqlite_test_support.h"

TEST_CASE("the writer forgets what it remembered when another process writes",
          "[sqlite][activities]") {
  lrs::test::TempDir dir;
  std::string path = dir.file("lrs.db");
  auto db = lrs::test::open_db(path);
  lrs::StatementStore& store = db->statements();
  std::uint64_t next = 1;
  auto insert = [&](const std::string& definition) {
    auto r = lrs::test::record(lrs::test::make_id(next++), "http://example.com/v");
    r.definitions.push_back({"http://example.com/a", definition});
    r.redefine = true;
    r.agent_names.push_back({"mbox:mailto:a@example.com", "Ann"});
    std::vector<lrs::StatementRecord> batch{r};
    return static_cast<bool>(store.insert(batch, lrs::test::kSame));
  };
  const std::string a = R"({"name":{"en":"A"}})";
  REQUIRE(insert(a));
  REQUIRE(insert(a));  // now remembered

  sqlite3* other = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &other) == SQLITE_OK);
  sqlite3_busy_timeout(other, 5000);
  CHECK(sqlite3_exec(other,
                     "UPDATE activity_definitions SET definition = '{\"name\":{\"en\":\"X\"}}';"
                     "DELETE FROM agent_names;",
                     nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(other);

  REQUIRE(insert(a));
  CHECK(*store.activity_definition("http://example.com/a") == a);
  CHECK(*store.agent_names("mbox:mailto:a@example.com") == std::vector<std::string>{"Ann"});
}

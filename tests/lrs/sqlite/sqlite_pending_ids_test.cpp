// The statement ids held in memory (PendingIds): lookups, duplicates and conflicts while
// an id is only in memory, after it reached `statement_ids`, and after a reopen.
#include <catch2/catch.hpp>

#include "pending_ids.h"
#include "sqlite_test_support.h"

namespace lrs::test {

using sqlite::PendingIds;

TEST_CASE("pending ids are found, forgotten and listed in id order", "[sqlite]") {
  PendingIds ids;
  int snapshots = 0;
  auto none = ids.find(make_id(1), [&] { ++snapshots; });
  CHECK(snapshots == 1);
  CHECK_FALSE(none.first.has_value());
  for (std::uint64_t n = 300; n >= 1; --n) ids.add(make_id(n), static_cast<std::int64_t>(n * 10));
  CHECK(ids.size() == 300);
  auto found = ids.find(make_id(42), [] {});
  CHECK(found.first == std::optional<std::int64_t>(420));
  CHECK(found.second == 3000);  // the newest stored time covered
  CHECK(ids.find_on_writer(make_id(300)) == std::optional<std::int64_t>(3000));
  auto sorted = ids.sorted();
  REQUIRE(sorted.size() == 300);
  CHECK(std::is_sorted(sorted.begin(), sorted.end()));
  CHECK(sorted.front() == PendingIds::Entry{make_id(1), 10});

  ids.erase({make_id(42), make_id(43)});
  CHECK_FALSE(ids.find_on_writer(make_id(42)).has_value());
  CHECK(ids.size() == 298);
  ids.uncover_after(2000);
  CHECK(ids.find(make_id(1), [] {}).second == 2000);
  ids.clear();
  CHECK(ids.size() == 0);
  CHECK(ids.find(make_id(1), [] {}).second == 2000);  // clearing keeps what is covered
  ids.reset({{make_id(7), 70}}, 5000);
  CHECK(ids.find(make_id(7), [] {}) ==
        std::pair<std::optional<std::int64_t>, std::int64_t>{70, 5000});
}

TEST_CASE("frozen ids are found until dropped, beside fresh ones", "[sqlite]") {
  PendingIds ids;
  for (std::uint64_t n = 50; n >= 1; --n) ids.add(make_id(n), static_cast<std::int64_t>(n));
  ids.freeze();
  CHECK(ids.size() == 0);  // nothing fresh
  REQUIRE(ids.frozen().size() == 50);
  CHECK(std::is_sorted(ids.frozen().begin(), ids.frozen().end()));
  for (std::uint64_t n = 51; n <= 60; ++n) ids.add(make_id(n), static_cast<std::int64_t>(n));
  CHECK(ids.find_on_writer(make_id(7)) == std::optional<std::int64_t>(7));
  CHECK(ids.find(make_id(55), [] {}).first == std::optional<std::int64_t>(55));
  CHECK(ids.sorted().size() == 60);
  // A rolled-back job's ids are fresh ones; the frozen batch holds committed ids only.
  ids.erase({make_id(60), make_id(8)});
  CHECK_FALSE(ids.find_on_writer(make_id(60)).has_value());
  CHECK(ids.find_on_writer(make_id(8)).has_value());
  ids.drop_frozen();
  CHECK(ids.frozen().empty());
  CHECK_FALSE(ids.find_on_writer(make_id(7)).has_value());
  CHECK(ids.find_on_writer(make_id(59)) == std::optional<std::int64_t>(59));
  ids.freeze();
  ids.reset({}, 100);  // ids read back from the table replace the frozen batch too
  CHECK(ids.frozen().empty());
  CHECK_FALSE(ids.find_on_writer(make_id(59)).has_value());
}

namespace {

void check_lookups(StatementStore& store, std::uint64_t from, std::uint64_t to) {
  for (std::uint64_t n = from; n <= to; ++n) {
    INFO("statement " << n);
    auto got = store.get(make_id(n));
    REQUIRE(got);
    REQUIRE(got->has_value());
    CHECK(strip_stored((*got)->body) == record(make_id(n), "v:a").body);
  }
  // An identical re-send is no new statement; different content is a conflict.
  auto again = store.insert({record(make_id(from), "v:a"), record(make_id(to), "v:a")}, kSame);
  REQUIRE(again);
  CHECK(again->inserted == std::vector<bool>{false, false});
  auto conflict = store.insert({record(make_id(to), "v:a", "changed")}, kSame);
  REQUIRE_FALSE(conflict);
  CHECK(conflict.error().code == ErrorCode::kConflict);
  CHECK(conflict.error().message.find(make_id(to).str()) != std::string::npos);
  CHECK_FALSE(store.get(make_id(to + 1000))->has_value());
}

std::vector<StatementRecord> records(std::uint64_t from, std::uint64_t to) {
  std::vector<StatementRecord> out;
  for (std::uint64_t n = from; n <= to; ++n) out.push_back(record(make_id(n), "v:a"));
  return out;
}

StatementRecord voiding(std::uint64_t n, std::uint64_t target) {
  StatementRecord r = record(make_id(n), "http://adlnet.gov/expapi/verbs/voided");
  r.voiding = true;
  r.statement_ref = make_id(target);
  return r;
}

}  // namespace

TEST_CASE("ids only in memory are found, and detect duplicates and conflicts", "[sqlite]") {
  TempDir dir;
  const std::string path = dir.file("lrs.db");
  {
    // Nothing reaches statement_ids before the close.
    auto db = open_db(path, 2, kTestStagedLinkRows, 0, 1'000'000);
    insert_ok(db->statements(), records(1, 40));
    check_lookups(db->statements(), 1, 40);
    // A duplicate inside one request, and one in a rolled-back request: the failed
    // request leaves its ids behind nowhere.
    auto twice =
        db->statements().insert({record(make_id(41), "v:a"), record(make_id(41), "v:a")}, kSame);
    REQUIRE(twice);
    CHECK(twice->inserted == std::vector<bool>{true, false});
    auto failed = db->statements().insert(
        {record(make_id(42), "v:a"), record(make_id(5), "v:a", "changed")}, kSame);
    REQUIRE_FALSE(failed);
    CHECK_FALSE(db->statements().get(make_id(42))->has_value());
    insert_ok(db->statements(), {record(make_id(42), "v:a")});
    // A voiding statement whose target is only in memory voids it.
    insert_ok(db->statements(), {voiding(43, 3)});
    CHECK((*db->statements().get(make_id(3)))->voided);
  }
  // After a clean close every id is in statement_ids, and found there.
  auto db = open_db(path, 2, kTestStagedLinkRows, 0, 1'000'000);
  check_lookups(db->statements(), 1, 2);
  check_lookups(db->statements(), 4, 42);
  CHECK((*db->statements().get(make_id(3)))->voided);
  insert_ok(db->statements(), {voiding(44, 4)});
  CHECK((*db->statements().get(make_id(4)))->voided);
}

TEST_CASE("ids are written to statement_ids in passes while lookups go on", "[sqlite]") {
  TempDir dir;
  const std::string path = dir.file("lrs.db");
  auto db = open_db(path, 2, kTestStagedLinkRows, 0, 64);
  for (std::uint64_t n = 1; n <= 1'000; n += 25) insert_ok(db->statements(), records(n, n + 24));
  // Some ids are in statement_ids, the newest in memory; every one is found.
  check_lookups(db->statements(), 1, 1'000);
  insert_ok(db->statements(), {voiding(1'001, 10), voiding(1'002, 999)});
  CHECK((*db->statements().get(make_id(10)))->voided);
  CHECK((*db->statements().get(make_id(999)))->voided);
}

}  // namespace lrs::test

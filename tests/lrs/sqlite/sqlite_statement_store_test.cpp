#include <algorithm>
#include <fstream>
#include <random>
#include <regex>
#include <set>
#include <thread>

#include <catch2/catch.hpp>

#include "sqlite_test_support.h"

namespace lrs::test {

// Recent, staged and merged links answer alike: the same workload (filters,
// StatementRefs, voiding; small and big requests) gives the same pages whether every
// commit moves and merges, that happens now and then, or nothing is merged until the
// store closes.
TEST_CASE("staged links answer like merged ones", "[sqlite]") {
  const std::string kVoided = "http://adlnet.gov/expapi/verbs/voided";
  auto workload = [&](StatementStore& store) {
    std::mt19937 rng(7);
    auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
    std::uint64_t next = 1;
    for (int request = 0; request < 40; ++request) {
      std::vector<StatementRecord> batch;
      // Every tenth request is big enough (~300 link rows) to skip links_recent.
      int size = request % 10 == 9 ? 60 : 1 + pick(8);
      for (int k = 0; k < size; ++k, ++next) {
        auto r = record(make_id(next), "v:" + std::to_string(pick(3)));
        r.agents = {"mbox:" + std::to_string(pick(5))};
        r.related_agents = {"mbox:auth"};
        r.activities = {"act:" + std::to_string(pick(4))};
        r.related_activities = {"course:" + std::to_string(pick(2))};
        if (pick(2) == 0) r.registration = make_id(1000 + static_cast<std::uint64_t>(pick(3)));
        if (next > 10 && pick(6) == 0) {
          r.statement_ref = make_id(next - 1 - static_cast<std::uint64_t>(pick(9)));
          if (pick(2) == 0) {
            r.verb = kVoided;
            r.voiding = true;
          }
        }
        batch.push_back(std::move(r));
      }
      insert_ok(store, std::move(batch));
    }
  };
  auto answers = [&](StatementStore& store) {
    std::vector<std::vector<Uuid>> out;
    for (bool ascending : {false, true}) {
      for (int f = 0; f < 12; ++f) {
        StatementFilter filter;
        filter.ascending = ascending;
        filter.limit = 1 + static_cast<std::size_t>(f % 4);
        if (f % 3 == 0) filter.agent = "mbox:" + std::to_string(f % 5);
        if (f % 4 == 1) filter.verb = "v:" + std::to_string(f % 3);
        if (f % 5 == 2) filter.activity = "act:" + std::to_string(f % 4);
        if (f == 7) filter.activity = "course:1", filter.related_activities = true;
        if (f == 8) filter.agent = "mbox:auth", filter.related_agents = true;
        if (f == 9) filter.registration = make_id(1001);
        out.push_back(query_all(store, filter));
      }
    }
    return out;
  };
  std::vector<std::vector<std::vector<Uuid>>> results;
  for (std::size_t staged : {std::size_t{1}, std::size_t{5}, std::size_t{1'000'000}}) {
    TempDir dir;
    auto db = open_db(dir.file("lrs.db"), 2, staged);
    workload(db->statements());
    results.push_back(answers(db->statements()));
    db.reset();  // closing merges what is staged
    db = open_db(dir.file("lrs.db"), 2, staged);
    CHECK(answers(db->statements()) == results.back());
  }
  CHECK(results[0] == results[1]);
  CHECK(results[0] == results[2]);
  std::size_t non_empty = 0;
  for (const auto& r : results[0]) non_empty += r.empty() ? 0 : 1;
  CHECK(non_empty > 12);
}

namespace {

StatementRecord realistic(std::uint64_t n) {
  StatementRecord r;
  r.id = make_id(n);
  r.verb = "http://adlnet.gov/expapi/verbs/" + std::string(n % 3 ? "completed" : "attempted");
  r.agents = {"account:https://lms.example.com learner-" + std::to_string(n % 37)};
  r.activities = {"https://lms.example.com/sco/" + std::to_string(n % 11)};
  r.body = "{\"id\":\"" + r.id.str() +
           "\",\"actor\":{\"objectType\":\"Agent\",\"account\":{\"homePage\":\"https://"
           "lms.example.com\",\"name\":\"learner-" +
           std::to_string(n % 37) + "\"}},\"verb\":{\"id\":\"" + r.verb +
           "\"},\"object\":{\"id\":\"" + r.activities[0] +
           "\",\"definition\":{\"type\":\"http://adlnet.gov/expapi/activities/lesson\"}},"
           "\"result\":{\"score\":{\"scaled\":0." +
           std::to_string(n % 10) + "}},\"timestamp\":\"2026-01-01T00:00:00." +
           std::to_string(100 + n % 900) + "Z\"}";
  return r;
}

}  // namespace

TEST_CASE("bodies are compressed once a dictionary is trained", "[sqlite]") {
  TempDir dir;
  std::string path = dir.file("lrs.db");
  auto db = open_db(path, 2, kTestStagedLinkRows, 100);
  // A reader opened before the dictionary exists: it loads it when it meets a frame.
  auto early = open_db(path, 1, kTestStagedLinkRows, -1);
  std::vector<StatementRecord> sent;
  std::uint64_t n = 1;
  auto send = [&](int count) {
    std::vector<StatementRecord> batch;
    for (int i = 0; i < count; ++i, ++n) {
      sent.push_back(realistic(n));
      batch.push_back(realistic(n));
    }
    insert_ok(db->statements(), std::move(batch));
  };
  for (int i = 0; i < 15; ++i) send(10);
  // Training runs in the background.
  for (int i = 0; i < 200 && count_in(path, "SELECT count(*) FROM dictionaries") == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  REQUIRE(count_in(path, "SELECT count(*) FROM dictionaries") == 1);
  // The trainer starts compressing only after the dictionary's commit returns, a moment
  // after the row is visible here.
  const std::string blobs = "SELECT count(*) FROM statements WHERE typeof(body) = 'blob'";
  for (int i = 0; i < 100 && count_in(path, blobs) == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    send(1);
  }
  const std::int64_t before = count_in(path, blobs);
  REQUIRE(before == 1);
  send(50);
  CHECK(count_in(path, blobs) == before + 50);
  CHECK(count_in(path, "SELECT max(length(body)) FROM statements WHERE typeof(body) = 'blob'") <
        count_in(path, "SELECT min(length(body)) FROM statements WHERE typeof(body) = 'text'") / 2);

  auto check_all = [&](StatementStore& store) {
    for (const auto& r : sent) {
      auto got = store.get(r.id);
      REQUIRE(got);
      REQUIRE(*got);
      CHECK(strip_stored((*got)->body) == r.body);
    }
    StatementFilter f;
    f.verb = "http://adlnet.gov/expapi/verbs/completed";
    std::size_t completed = 0;
    for (const auto& r : sent) completed += r.verb == *f.verb ? 1 : 0;
    CHECK(query_all(store, f).size() == completed);
  };
  check_all(db->statements());
  // The other store's queries see the filter-index rows the writing store holds in its
  // memory (its last pass may still be written in slices) once they are in `links`: a
  // clean close writes them all.
  db.reset();
  check_all(early->statements());
  early.reset();
  db = open_db(path, 2, kTestStagedLinkRows, 100);
  check_all(db->statements());

  // Re-sends are judged against the decompressed body.
  auto again = db->statements().insert({sent.back()}, kSame);
  REQUIRE(again);
  CHECK_FALSE(again->inserted[0]);
  auto changed = sent.back();
  changed.body.insert(changed.body.size() - 1, ",\"x\":1");
  auto conflict = db->statements().insert({changed}, kSame);
  REQUIRE_FALSE(conflict);
  CHECK(conflict.error().code == ErrorCode::kConflict);
  send(5);  // the stored dictionary is used again after reopening
  CHECK(count_in(path, blobs) == before + 55);
  CHECK(count_in(path, "SELECT count(*) FROM dictionaries") == 1);
}

// The background checkpointer copies the WAL into the database file long before the
// writer would checkpoint itself (50,000 pages): compression is off and bodies carry 3 KB,
// so ~3,000 statements pass the 2,000 pages that call for a background checkpoint.
TEST_CASE("the background checkpointer copies the WAL into the database file", "[sqlite]") {
  TempDir dir;
  const std::string path = dir.file("lrs.db");
  auto db = open_db(path, 1, kTestStagedLinkRows, -1);
  const std::string filler(3'000, 'x');
  std::uint64_t n = 0;
  while (std::filesystem::file_size(path + "-wal") < 10'000'000) {
    std::vector<StatementRecord> batch;
    for (int k = 0; k < 100; ++k, ++n) batch.push_back(record(make_id(n), "v:a", filler));
    insert_ok(db->statements(), std::move(batch));
    REQUIRE(n < 100'000);
  }
  // The checkpointer runs at nice 19: give it time on a busy machine.
  for (int i = 0; i < 1'000 && std::filesystem::file_size(path) < 5'000'000; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK(std::filesystem::file_size(path) >= 5'000'000);
}

TEST_CASE("reopening keeps everything", "[sqlite]") {
  TempDir dir;
  std::int64_t s1 = 0;
  {
    auto db = open_db(dir.file("lrs.db"));
    auto r = record(make_id(1), "v:a");
    r.agents = {"mbox:alice"};
    insert_ok(db->statements(), {r});
    s1 = (*db->statements().get(make_id(1)))->stored_us;
    Credential c;
    c.key = "k1";
    c.secret_hash = "h";
    REQUIRE(db->credentials().add(c));
  }
  auto db = open_db(dir.file("lrs.db"));
  auto got = db->statements().get(make_id(1));
  REQUIRE(got->has_value());
  CHECK((*got)->stored_us == s1);
  StatementFilter f;
  f.agent = "mbox:alice";
  CHECK(query_all(db->statements(), f) == std::vector<Uuid>{make_id(1)});
  insert_ok(db->statements(), {record(make_id(2), "v:a")});
  CHECK((*db->statements().get(make_id(2)))->stored_us > s1);
  CHECK((*db->credentials().find("k1"))->key == "k1");
}

TEST_CASE("files that are not ours are refused", "[sqlite]") {
  TempDir dir;
  SqliteOptions options;
  SECTION("newer schema version") {
    options.path = dir.file("newer.db");
    open_db(options.path).reset();
    sqlite3* raw = nullptr;
    REQUIRE(sqlite3_open(options.path.c_str(), &raw) == SQLITE_OK);
    REQUIRE(sqlite3_exec(raw, "UPDATE schema_version SET version = 99", nullptr, nullptr,
                         nullptr) == SQLITE_OK);
    sqlite3_close(raw);
    auto db = open_sqlite_database(options);
    REQUIRE_FALSE(db);
    CHECK(db.error().code == ErrorCode::kInvalid);
    CHECK(db.error().message.find(options.path) != std::string::npos);
    CHECK(db.error().message.find("schema version 99") != std::string::npos);
  }
  SECTION("not SQLite") {
    options.path = dir.file("text.db");
    std::ofstream(options.path) << "hello, this is not a database file at all........";
    auto db = open_sqlite_database(options);
    REQUIRE_FALSE(db);
    CHECK(db.error().code == ErrorCode::kInvalid);
    CHECK(db.error().message.find(options.path) != std::string::npos);
  }
  SECTION("another application's SQLite file") {
    options.path = dir.file("other.db");
    sqlite3* raw = nullptr;
    REQUIRE(sqlite3_open(options.path.c_str(), &raw) == SQLITE_OK);
    REQUIRE(sqlite3_exec(raw, "CREATE TABLE t (x)", nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(raw);
    auto db = open_sqlite_database(options);
    REQUIRE_FALSE(db);
    CHECK(db.error().code == ErrorCode::kInvalid);
    CHECK(db.error().message.find("not an lrsbridge database") != std::string::npos);
  }
}

TEST_CASE("in-memory database", "[sqlite]") {
  auto db = open_db(":memory:");
  insert_ok(db->statements(), {record(make_id(1), "v:a")});
  CHECK(db->statements().get(make_id(1))->has_value());
  CHECK(query_all(db->statements(), {}).size() == 1);
}

}  // namespace lrs::test

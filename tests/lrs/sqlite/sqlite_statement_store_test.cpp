#include <algorithm>
#include <fstream>
#include <random>
#include <regex>
#include <set>
#include <thread>

#include <catch2/catch.hpp>

#include "sqlite_test_support.h"

namespace lrs::test {
namespace {

const StatementStore::SameStatement kSame = same_content;

std::vector<Uuid> insert_ok(StatementStore& store, std::vector<StatementRecord> records) {
  std::vector<Uuid> ids;
  for (const auto& r : records) ids.push_back(r.id);
  auto res = store.insert(std::move(records), kSame);
  REQUIRE(res);
  for (bool b : res->inserted) CHECK(b);
  return ids;
}

StatementPage query_ok(StatementStore& store, const StatementFilter& f) {
  auto page = store.query(f);
  REQUIRE(page);
  return *page;
}

// Every matching statement, following cursors.
std::vector<Uuid> query_all(StatementStore& store, StatementFilter f) {
  std::vector<Uuid> out;
  for (;;) {
    auto page = query_ok(store, f);
    for (const auto& s : page.statements) out.push_back(s.id);
    if (!page.next) return out;
    f.after_us = page.next;
  }
}

std::set<Uuid> as_set(const std::vector<Uuid>& v) { return {v.begin(), v.end()}; }

}  // namespace

TEST_CASE("insert and get round trip adds stored", "[sqlite]") {
  TempDir dir;
  auto db = open_db(dir.file("lrs.db"));
  auto& store = db->statements();
  auto r = record(make_id(1), "http://v/answered");
  std::string body = r.body;
  insert_ok(store, {r});

  auto got = store.get(make_id(1));
  REQUIRE(got);
  REQUIRE(got->has_value());
  const StoredStatement& s = **got;
  CHECK(s.id == make_id(1));
  CHECK_FALSE(s.voided);
  CHECK(s.stored_us > 1'600'000'000'000'000);
  CHECK(strip_stored(s.body) == body);
  std::smatch m;
  REQUIRE(std::regex_search(
      s.body, m,
      std::regex(R"re(,"stored":"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.(\d{3}|\d{6})Z)"\}$)re")));

  auto missing = store.get(make_id(2));
  REQUIRE(missing);
  CHECK_FALSE(missing->has_value());
}

TEST_CASE("an insert is all or nothing", "[sqlite]") {
  TempDir dir;
  auto db = open_db(dir.file("lrs.db"));
  auto& store = db->statements();
  insert_ok(store, {record(make_id(1), "http://v/a")});

  auto res = store.insert(
      {record(make_id(2), "http://v/a"), record(make_id(1), "http://v/a", "different")}, kSame);
  REQUIRE_FALSE(res);
  CHECK(res.error().code == ErrorCode::kConflict);
  CHECK(res.error().message ==
        "statement " + make_id(1).str() + " already exists with different content");
  CHECK_FALSE(store.get(make_id(2))->has_value());
  StatementFilter f;
  f.verb = "http://v/a";
  CHECK(query_ok(store, f).statements.size() == 1);
}

TEST_CASE("a duplicate with the same content is skipped", "[sqlite]") {
  TempDir dir;
  auto db = open_db(dir.file("lrs.db"));
  auto& store = db->statements();
  insert_ok(store, {record(make_id(1), "http://v/a")});
  auto before = store.get(make_id(1));

  auto res =
      store.insert({record(make_id(2), "http://v/a"), record(make_id(1), "http://v/a")}, kSame);
  REQUIRE(res);
  CHECK(res->inserted == std::vector<bool>{true, false});
  CHECK((*store.get(make_id(1)))->stored_us == (*before)->stored_us);
  CHECK(query_all(store, {}).size() == 2);
}

TEST_CASE("a conflicting request does not fail the others in its group", "[sqlite]") {
  TempDir dir;
  auto db = open_db(dir.file("lrs.db"));
  auto& store = db->statements();
  insert_ok(store, {record(make_id(1), "http://v/a")});
  std::atomic<int> ok{0}, conflicts{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        std::vector<StatementRecord> batch;
        std::uint64_t base = 1000 + static_cast<std::uint64_t>(t) * 1000 + i * 10;
        for (std::uint64_t k = 0; k < 5; ++k)
          batch.push_back(record(make_id(base + k), "http://v/b"));
        if (i % 2 == 0) batch.push_back(record(make_id(1), "http://v/a", "changed"));
        auto res = store.insert(std::move(batch), kSame);
        if (res) {
          ++ok;
        } else if (res.error().code == ErrorCode::kConflict) {
          ++conflicts;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(ok == 200);
  CHECK(conflicts == 200);
  StatementFilter f;
  f.verb = "http://v/b";
  CHECK(query_all(store, f).size() == 200 * 5);
}

TEST_CASE("concurrent inserts lose nothing and get increasing stored times", "[sqlite]") {
  TempDir dir;
  auto db = open_db(dir.file("lrs.db"));
  auto& store = db->statements();
  std::vector<std::thread> threads;
  std::vector<std::vector<std::int64_t>> stored_by_thread(8);
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 40; ++i) {
        std::vector<StatementRecord> batch;
        for (int k = 0; k < 10; ++k) {
          batch.push_back(
              record(make_id(static_cast<std::uint64_t>(t * 10'000 + i * 10 + k)), "http://v/c"));
        }
        REQUIRE(store.insert(std::move(batch), kSame));
        // Each caller sees its own statements in stored order.
        auto got = store.get(make_id(static_cast<std::uint64_t>(t * 10'000 + i * 10 + 9)));
        REQUIRE(got);
        REQUIRE(got->has_value());
        stored_by_thread[t].push_back((*got)->stored_us);
      }
    });
  }
  for (auto& th : threads) th.join();
  for (const auto& v : stored_by_thread) CHECK(std::is_sorted(v.begin(), v.end()));

  StatementFilter f;
  f.ascending = true;
  f.limit = 1000;
  std::vector<std::int64_t> stored;
  std::set<Uuid> ids;
  for (;;) {
    auto page = query_ok(store, f);
    for (const auto& s : page.statements) {
      stored.push_back(s.stored_us);
      ids.insert(s.id);
    }
    if (!page.next) break;
    f.after_us = page.next;
  }
  CHECK(ids.size() == 8 * 40 * 10);
  CHECK(stored.size() == 8 * 40 * 10);
  CHECK(std::adjacent_find(stored.begin(), stored.end(), [](auto a, auto b) { return a >= b; }) ==
        stored.end());
}

TEST_CASE("voiding", "[sqlite]") {
  TempDir dir;
  auto db = open_db(dir.file("lrs.db"));
  auto& store = db->statements();
  const std::string kVoided = "http://adlnet.gov/expapi/verbs/voided";
  auto voider = [&](std::uint64_t id, std::uint64_t target) {
    auto r = record(make_id(id), kVoided);
    r.statement_ref = make_id(target);
    r.voiding = true;
    return r;
  };
  auto voided = [&](std::uint64_t id) { return (*store.get(make_id(id)))->voided; };

  SECTION("target first") {
    insert_ok(store, {record(make_id(1), "http://v/a")});
    insert_ok(store, {voider(2, 1)});
    CHECK(voided(1));
    CHECK_FALSE(voided(2));
    CHECK(as_set(query_all(store, {})) == std::set<Uuid>{make_id(2)});
  }
  SECTION("voiding statement first") {
    insert_ok(store, {voider(2, 1)});
    insert_ok(store, {record(make_id(1), "http://v/a")});
    CHECK(voided(1));
    CHECK(as_set(query_all(store, {})) == std::set<Uuid>{make_id(2)});
    StatementFilter f;
    f.verb = "http://v/a";
    // The voiding statement matches through its (voided) target; the target does not.
    CHECK(query_all(store, f) == std::vector<Uuid>{make_id(2)});
  }
  SECTION("both in one request") {
    insert_ok(store, {voider(2, 1), record(make_id(1), "http://v/a")});
    CHECK(voided(1));
  }
  SECTION("voiding a voiding statement does nothing") {
    insert_ok(store, {record(make_id(1), "http://v/a")});
    insert_ok(store, {voider(2, 1)});
    insert_ok(store, {voider(3, 2)});
    CHECK(voided(1));
    CHECK_FALSE(voided(2));
    CHECK_FALSE(voided(3));
  }
  SECTION("a voiding target that arrives later is not voided") {
    insert_ok(store, {voider(3, 2)});
    insert_ok(store, {voider(2, 1)});
    insert_ok(store, {record(make_id(1), "http://v/a")});
    CHECK(voided(1));
    CHECK_FALSE(voided(2));
  }
}

TEST_CASE("filters alone and combined", "[sqlite]") {
  TempDir dir;
  auto db = open_db(dir.file("lrs.db"));
  auto& store = db->statements();
  Uuid reg1 = make_id(900), reg2 = make_id(901);
  auto rec = [&](std::uint64_t n, const std::string& verb, std::vector<std::string> agents,
                 std::vector<std::string> rel_agents, std::vector<std::string> acts,
                 std::vector<std::string> rel_acts, std::optional<Uuid> reg) {
    auto r = record(make_id(n), verb);
    r.agents = std::move(agents);
    r.related_agents = std::move(rel_agents);
    r.activities = std::move(acts);
    r.related_activities = std::move(rel_acts);
    r.registration = reg;
    return r;
  };
  insert_ok(store, {rec(1, "v:a", {"mbox:alice"}, {"mbox:auth"}, {"act:1"}, {"act:course"}, reg1),
                    rec(2, "v:b", {"mbox:bob"}, {"mbox:auth"}, {"act:1"}, {"act:course"}, reg1),
                    rec(3, "v:a", {"mbox:bob"}, {"mbox:alice"}, {"act:2"}, {}, reg2),
                    rec(4, "v:b", {"mbox:alice"}, {}, {"act:course"}, {}, std::nullopt),
                    rec(5, "v:a", {"mbox:carol"}, {"mbox:auth"}, {"act:2"}, {"act:1"}, reg2)});
  auto q = [&](auto set) {
    StatementFilter f;
    set(f);
    return as_set(query_all(store, f));
  };
  auto ids = [](std::initializer_list<std::uint64_t> ns) {
    std::set<Uuid> s;
    for (auto n : ns) s.insert(make_id(n));
    return s;
  };
  CHECK(q([](auto&) {}) == ids({1, 2, 3, 4, 5}));
  CHECK(q([](auto& f) { f.agent = "mbox:alice"; }) == ids({1, 4}));
  CHECK(q([](auto& f) {
          f.agent = "mbox:alice";
          f.related_agents = true;
        }) == ids({1, 3, 4}));
  CHECK(q([](auto& f) { f.agent = "mbox:auth"; }).empty());
  CHECK(q([](auto& f) {
          f.agent = "mbox:auth";
          f.related_agents = true;
        }) == ids({1, 2, 5}));
  CHECK(q([](auto& f) { f.agent = "mbox:nobody"; }).empty());
  CHECK(q([](auto& f) { f.verb = "v:a"; }) == ids({1, 3, 5}));
  CHECK(q([](auto& f) { f.activity = "act:1"; }) == ids({1, 2}));
  CHECK(q([](auto& f) {
          f.activity = "act:1";
          f.related_activities = true;
        }) == ids({1, 2, 5}));
  CHECK(q([](auto& f) { f.activity = "act:course"; }) == ids({4}));
  CHECK(q([](auto& f) {
          f.activity = "act:course";
          f.related_activities = true;
        }) == ids({1, 2, 4}));
  CHECK(q([&](auto& f) { f.registration = reg1; }) == ids({1, 2}));
  CHECK(q([&](auto& f) { f.registration = make_id(999); }).empty());
  CHECK(q([](auto& f) {
          f.agent = "mbox:bob";
          f.verb = "v:a";
        }) == ids({3}));
  CHECK(q([&](auto& f) {
          f.activity = "act:2";
          f.registration = reg2;
        }) == ids({3, 5}));
  CHECK(q([&](auto& f) {
          f.agent = "mbox:alice";
          f.related_agents = true;
          f.verb = "v:a";
          f.activity = "act:2";
          f.registration = reg2;
        }) == ids({3}));
  CHECK(q([&](auto& f) {
          f.agent = "mbox:alice";
          f.verb = "v:a";
          f.activity = "act:2";
        }).empty());
}

TEST_CASE("StatementRef targets pass their filters on", "[sqlite]") {
  TempDir dir;
  auto db = open_db(dir.file("lrs.db"));
  auto& store = db->statements();
  auto target = [](std::uint64_t n) {
    auto r = record(make_id(n), "v:target");
    r.agents = {"mbox:alice"};
    r.activities = {"act:1"};
    r.registration = make_id(900);
    return r;
  };
  auto ref = [](std::uint64_t n, std::uint64_t to) {
    auto r = record(make_id(n), "v:ref");
    r.agents = {"mbox:bob"};
    r.statement_ref = make_id(to);
    return r;
  };
  auto by_verb = [&](const std::string& verb) {
    StatementFilter f;
    f.verb = verb;
    return as_set(query_all(store, f));
  };
  std::set<Uuid> all = {make_id(1), make_id(2), make_id(3)};

  SECTION("target first, chain") {
    insert_ok(store, {target(1)});
    insert_ok(store, {ref(2, 1)});
    insert_ok(store, {ref(3, 2)});
    CHECK(by_verb("v:target") == all);
  }
  SECTION("target last, chain") {
    insert_ok(store, {ref(3, 2)});
    insert_ok(store, {ref(2, 1)});
    CHECK(by_verb("v:target").empty());
    insert_ok(store, {target(1)});
    CHECK(by_verb("v:target") == all);
  }
  SECTION("middle last") {
    insert_ok(store, {ref(3, 2)});
    insert_ok(store, {target(1)});
    insert_ok(store, {ref(2, 1)});
    CHECK(by_verb("v:target") == all);
  }
  SECTION("every filter is inherited") {
    insert_ok(store, {ref(2, 1), target(1)});
    StatementFilter f;
    f.agent = "mbox:alice";
    f.activity = "act:1";
    f.registration = make_id(900);
    f.verb = "v:target";
    CHECK(as_set(query_all(store, f)) == std::set<Uuid>{make_id(1), make_id(2)});
    f = {};
    f.agent = "mbox:bob";
    CHECK(as_set(query_all(store, f)) == std::set<Uuid>{make_id(2)});
  }
  SECTION("cycles terminate") {
    insert_ok(store, {ref(2, 3)});
    insert_ok(store, {ref(3, 2)});
    CHECK(by_verb("v:ref") == std::set<Uuid>{make_id(2), make_id(3)});
  }
  CHECK(by_verb("v:ref").count(make_id(1)) == 0);
}

TEST_CASE("order, since and until", "[sqlite]") {
  TempDir dir;
  auto db = open_db(dir.file("lrs.db"));
  auto& store = db->statements();
  std::vector<std::int64_t> stored;
  for (std::uint64_t i = 1; i <= 5; ++i) {
    insert_ok(store, {record(make_id(i), "v:a")});
    stored.push_back((*store.get(make_id(i)))->stored_us);
  }
  for (bool with_verb : {false, true}) {
    StatementFilter f;
    if (with_verb) f.verb = "v:a";
    CHECK(ids_of(query_ok(store, f)) ==
          std::vector<Uuid>{make_id(5), make_id(4), make_id(3), make_id(2), make_id(1)});
    f.ascending = true;
    CHECK(ids_of(query_ok(store, f)) ==
          std::vector<Uuid>{make_id(1), make_id(2), make_id(3), make_id(4), make_id(5)});
    f.since_us = stored[1];  // strictly after #2
    f.until_us = stored[3];  // at or before #4
    CHECK(ids_of(query_ok(store, f)) == std::vector<Uuid>{make_id(3), make_id(4)});
    f.ascending = false;
    CHECK(ids_of(query_ok(store, f)) == std::vector<Uuid>{make_id(4), make_id(3)});
    f.limit = 1;
    auto page = query_ok(store, f);
    CHECK(ids_of(page) == std::vector<Uuid>{make_id(4)});
    REQUIRE(page.next);
    f.after_us = page.next;
    page = query_ok(store, f);
    CHECK(ids_of(page) == std::vector<Uuid>{make_id(3)});
    CHECK_FALSE(page.next);
  }
}

TEST_CASE("keyset paging while inserts happen", "[sqlite]") {
  TempDir dir;
  auto db = open_db(dir.file("lrs.db"));
  auto& store = db->statements();
  std::vector<StatementRecord> batch;
  for (std::uint64_t i = 0; i < 500; ++i) {
    auto r = record(make_id(i), "v:page");
    r.agents = {i % 2 ? "mbox:odd" : "mbox:even"};
    batch.push_back(std::move(r));
  }
  insert_ok(store, std::move(batch));
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (std::uint64_t i = 10'000; !stop; ++i) {
      auto r = record(make_id(i), "v:page");
      r.agents = {"mbox:even"};
      REQUIRE(store.insert({r}, kSame));
    }
  });
  for (bool ascending : {false, true}) {
    StatementFilter f;
    f.verb = "v:page";
    f.agent = "mbox:even";
    f.ascending = ascending;
    f.limit = 17;
    std::vector<Uuid> seen;
    std::int64_t last = ascending ? 0 : std::numeric_limits<std::int64_t>::max();
    for (int pages = 0; pages < 200; ++pages) {
      auto page = query_ok(store, f);
      for (const auto& s : page.statements) {
        CHECK((ascending ? s.stored_us > last : s.stored_us < last));
        last = s.stored_us;
        seen.push_back(s.id);
      }
      if (!page.next) break;
      f.after_us = page.next;
    }
    auto set = as_set(seen);
    CHECK(set.size() == seen.size());
    for (std::uint64_t i = 0; i < 500; i += 2) CHECK(set.count(make_id(i)) == 1);
  }
  stop = true;
  writer.join();
}

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

std::int64_t count_in(const std::string& path, const std::string& sql) {
  sqlite3* raw = nullptr;
  REQUIRE(sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  REQUIRE(sqlite3_prepare_v2(raw, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(stmt) == SQLITE_ROW);
  std::int64_t n = sqlite3_column_int64(stmt, 0);
  sqlite3_finalize(stmt);
  sqlite3_close(raw);
  return n;
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
  send(50);
  CHECK(count_in(path, "SELECT count(*) FROM statements WHERE typeof(body) = 'blob'") == 50);
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
  check_all(early->statements());

  // Re-sends are judged against the decompressed body.
  auto again = db->statements().insert({sent.back()}, kSame);
  REQUIRE(again);
  CHECK_FALSE(again->inserted[0]);
  auto changed = sent.back();
  changed.body.insert(changed.body.size() - 1, ",\"x\":1");
  auto conflict = db->statements().insert({changed}, kSame);
  REQUIRE_FALSE(conflict);
  CHECK(conflict.error().code == ErrorCode::kConflict);

  early.reset();
  db.reset();
  db = open_db(path, 2, kTestStagedLinkRows, 100);
  check_all(db->statements());
  send(5);  // the stored dictionary is used again after reopening
  CHECK(count_in(path, "SELECT count(*) FROM statements WHERE typeof(body) = 'blob'") == 55);
  CHECK(count_in(path, "SELECT count(*) FROM dictionaries") == 1);
}

TEST_CASE("consistent_through", "[sqlite]") {
  TempDir dir;
  auto db = open_db(dir.file("lrs.db"));
  auto& store = db->statements();
  insert_ok(store, {record(make_id(1), "v:a")});
  auto s1 = (*store.get(make_id(1)))->stored_us;
  auto ct = store.consistent_through();
  REQUIRE(ct);
  CHECK(*ct >= s1);
  insert_ok(store, {record(make_id(2), "v:a")});
  CHECK((*store.get(make_id(2)))->stored_us > *ct);
  auto ct2 = store.consistent_through();
  CHECK(*ct2 >= *ct);
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

TEST_CASE("credentials", "[sqlite]") {
  TempDir dir;
  auto db = open_db(dir.file("lrs.db"));
  auto& creds = db->credentials();
  Credential a;
  a.key = "alpha";
  a.secret_hash = "pbkdf2-sha256$1000$c2FsdA==$aGFzaA==";
  a.scopes = {"statements/write", "statements/read/mine"};
  a.label = "LMS importer";
  a.authority = R"({"objectType":"Agent","account":{"homePage":"https://lrs","name":"alpha"}})";
  a.created_us = 200;
  Credential b = a;
  b.key = "beta";
  b.scopes = {"all"};
  b.created_us = 100;
  REQUIRE(creds.add(a));
  REQUIRE(creds.add(b));
  auto dup = creds.add(a);
  REQUIRE_FALSE(dup);
  CHECK(dup.error().code == ErrorCode::kConflict);

  auto found = creds.find("alpha");
  REQUIRE(found);
  REQUIRE(found->has_value());
  CHECK((*found)->scopes == a.scopes);
  CHECK((*found)->secret_hash == a.secret_hash);
  CHECK((*found)->label == a.label);
  CHECK((*found)->authority == a.authority);
  CHECK((*found)->created_us == 200);
  CHECK_FALSE((*found)->revoked);
  CHECK_FALSE(creds.find("gamma")->has_value());

  auto all = creds.list();
  REQUIRE(all);
  REQUIRE(all->size() == 2);
  CHECK((*all)[0].key == "beta");
  CHECK((*all)[1].key == "alpha");

  REQUIRE(creds.revoke("alpha"));
  REQUIRE(creds.revoke("alpha"));
  CHECK((*creds.find("alpha"))->revoked);
  auto missing = creds.revoke("gamma");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == ErrorCode::kNotFound);
  auto again = creds.add(a);
  REQUIRE_FALSE(again);
  CHECK(again.error().code == ErrorCode::kConflict);
}

}  // namespace lrs::test

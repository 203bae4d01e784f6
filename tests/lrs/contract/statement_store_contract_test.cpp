// The StatementStore and CredentialStore contract, run against every backend.
#include <algorithm>
#include <atomic>
#include <limits>
#include <regex>
#include <set>
#include <thread>

#include <catch2/catch.hpp>

#include "backends.h"

namespace lrs::test {

TEMPLATE_TEST_CASE("insert and get round trip adds stored", "[contract]", SqliteBackend,
                   PostgresBackend) {
  TestType backend;
  auto db = backend.open();
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

TEMPLATE_TEST_CASE("an insert is all or nothing", "[contract]", SqliteBackend, PostgresBackend) {
  TestType backend;
  auto db = backend.open();
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

TEMPLATE_TEST_CASE("a duplicate with the same content is skipped", "[contract]", SqliteBackend,
                   PostgresBackend) {
  TestType backend;
  auto db = backend.open();
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

TEMPLATE_TEST_CASE("a conflicting request does not fail the others in its group", "[contract]",
                   SqliteBackend, PostgresBackend) {
  TestType backend;
  auto db = backend.open();
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

TEMPLATE_TEST_CASE("concurrent inserts lose nothing and get increasing stored times", "[contract]",
                   SqliteBackend, PostgresBackend) {
  TestType backend;
  auto db = backend.open();
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

TEMPLATE_TEST_CASE("voiding", "[contract]", SqliteBackend, PostgresBackend) {
  TestType backend;
  auto db = backend.open();
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

TEMPLATE_TEST_CASE("filters alone and combined", "[contract]", SqliteBackend, PostgresBackend) {
  TestType backend;
  auto db = backend.open();
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

TEMPLATE_TEST_CASE("a related filter returns each statement once, in order, page by page",
                   "[contract]", SqliteBackend, PostgresBackend) {
  TestType backend;
  auto db = backend.open();
  auto& store = db->statements();
  auto rec = [](std::uint64_t n, std::vector<std::string> agents,
                std::vector<std::string> rel_agents, std::vector<std::string> acts,
                std::vector<std::string> rel_acts) {
    auto r = record(make_id(n), n == 4 ? "v:b" : "v:a");
    r.agents = std::move(agents);
    r.related_agents = std::move(rel_agents);
    r.activities = std::move(acts);
    r.related_activities = std::move(rel_acts);
    return r;
  };
  // Alice as actor and instructor at once (1), related only (2), actor only (3); one
  // insert each, so the stored order is 1 < 2 < 3 < 4 < 5.
  insert_ok(store, {rec(1, {"mbox:alice"}, {"mbox:alice"}, {"act:x"}, {})});
  insert_ok(store, {rec(2, {"mbox:bob"}, {"mbox:alice"}, {}, {"act:x"})});
  insert_ok(store, {rec(3, {"mbox:alice"}, {}, {"act:x"}, {"act:x"})});
  insert_ok(store, {rec(4, {"mbox:alice"}, {}, {"act:y"}, {})});
  insert_ok(store, {rec(5, {"mbox:carol"}, {}, {"act:y"}, {"act:x"})});
  auto ids = [](std::initializer_list<std::uint64_t> ns) {
    std::vector<Uuid> v;
    for (auto n : ns) v.push_back(make_id(n));
    return v;
  };
  for (std::size_t limit : {std::size_t{1}, std::size_t{2}, std::size_t{100}}) {
    INFO("limit " << limit);
    StatementFilter f;
    f.limit = limit;
    f.agent = "mbox:alice";
    f.related_agents = true;
    CHECK(query_all(store, f) == ids({4, 3, 2, 1}));
    f.ascending = true;
    CHECK(query_all(store, f) == ids({1, 2, 3, 4}));
    f.ascending = false;
    f.verb = "v:a";
    CHECK(query_all(store, f) == ids({3, 2, 1}));
    f.verb.reset();
    f.activity = "act:x";
    f.related_activities = true;
    CHECK(query_all(store, f) == ids({3, 2, 1}));
    f.agent.reset();
    CHECK(query_all(store, f) == ids({5, 3, 2, 1}));
    f.related_activities = false;
    CHECK(query_all(store, f) == ids({3, 1}));
  }
}

TEMPLATE_TEST_CASE("StatementRef targets pass their filters on", "[contract]", SqliteBackend,
                   PostgresBackend) {
  TestType backend;
  auto db = backend.open();
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

TEMPLATE_TEST_CASE("order, since and until", "[contract]", SqliteBackend, PostgresBackend) {
  TestType backend;
  auto db = backend.open();
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

TEMPLATE_TEST_CASE("keyset paging while inserts happen", "[contract]", SqliteBackend,
                   PostgresBackend) {
  TestType backend;
  auto db = backend.open();
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

TEMPLATE_TEST_CASE("consistent_through", "[contract]", SqliteBackend, PostgresBackend) {
  TestType backend;
  auto db = backend.open();
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

TEMPLATE_TEST_CASE("credentials", "[contract]", SqliteBackend, PostgresBackend) {
  TestType backend;
  auto db = backend.open();
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

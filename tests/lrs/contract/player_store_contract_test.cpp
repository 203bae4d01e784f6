// The PlayerStore contract (packages, registrations, attempts with their statements and
// documents, server secrets), run against every backend.
#include <algorithm>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "backends.h"

namespace lrs::test {
namespace {

PackageRecord package(const std::string& id, std::int64_t created) {
  PackageRecord p;
  p.id = id;
  p.title = "Course " + id;
  p.version = "2004 4th Edition";
  p.summary_json = R"({"scos":["sco-1"]})";
  p.directory = "/data/" + id;
  p.created_us = created;
  return p;
}

RegistrationRecord registration(const std::string& id, const std::string& package_id) {
  RegistrationRecord r;
  r.id = id;
  r.package_id = package_id;
  r.learner_json = R"({"account":{"homePage":"http://lms","name":"u1"}})";
  r.created_us = 5;
  return r;
}

AttemptRecord attempt(const std::string& registration_id, const std::string& sco, int number) {
  AttemptRecord a;
  a.registration = registration_id;
  a.sco = sco;
  a.number = number;
  a.cmi_json = "{}";
  a.updated_us = 10;
  return a;
}

PreparedStatements prepared(std::vector<StatementRecord> records) {
  PreparedStatements p;
  for (const auto& r : records) p.ids.push_back(r.id.str());
  p.records = std::move(records);
  p.same = same_content;
  return p;
}

DocumentWrite state_write(const std::string& content) {
  DocumentWrite w;
  w.scope.kind = DocumentKind::kState;
  w.scope.activity_id = "http://example.com/course";
  w.scope.agent = "account:http://lms u1";
  w.id = "progress";
  w.decide = [content](const std::optional<Document>&) -> Result<std::optional<Document>> {
    Document d;
    d.id = "progress";
    d.content = content;
    d.content_type = "application/json";
    d.etag = "\"" + content + "\"";
    return std::optional<Document>(d);
  };
  return w;
}

}  // namespace

TEMPLATE_TEST_CASE("player store: packages and registrations", "[contract][player]", SqliteBackend,
                   PostgresBackend) {
  TestType backend;
  auto db = backend.open();
  PlayerStore& store = db->player();
  REQUIRE(store.add_package(package("p2", 200)));
  REQUIRE(store.add_package(package("p1", 100)));
  auto dup = store.add_package(package("p1", 300));
  REQUIRE_FALSE(dup);
  CHECK(dup.error().code == ErrorCode::kConflict);
  auto found = store.find_package("p1");
  REQUIRE(found);
  REQUIRE(*found);
  CHECK((*found)->title == "Course p1");
  CHECK((*found)->summary_json == R"({"scos":["sco-1"]})");
  CHECK((*found)->directory == "/data/p1");
  CHECK((*found)->created_us == 100);
  CHECK_FALSE(*store.find_package("p9"));
  auto all = store.list_packages();
  REQUIRE(all);
  REQUIRE(all->size() == 2);
  CHECK((*all)[0].id == "p1");

  REQUIRE(store.add_registration(registration("r1", "p1")));
  auto again = store.add_registration(registration("r1", "p1"));
  REQUIRE_FALSE(again);
  CHECK(again.error().code == ErrorCode::kConflict);
  auto orphan = store.add_registration(registration("r2", "p9"));
  REQUIRE_FALSE(orphan);
  CHECK(orphan.error().code == ErrorCode::kNotFound);
  auto reg = store.find_registration("r1");
  REQUIRE(reg);
  REQUIRE(*reg);
  CHECK((*reg)->package_id == "p1");
  CHECK((*reg)->learner_json == registration("r1", "p1").learner_json);

  auto id = store.insert_attempt(attempt("r1", "sco-1", 1));
  REQUIRE(id);
  REQUIRE(store.delete_package("p1"));
  CHECK_FALSE(*store.find_package("p1"));
  CHECK_FALSE(*store.find_registration("r1"));
  CHECK_FALSE(*store.find_attempt(*id));
  auto gone = store.delete_package("p1");
  REQUIRE_FALSE(gone);
  CHECK(gone.error().code == ErrorCode::kNotFound);
}

TEMPLATE_TEST_CASE("player store: attempts, their statements and documents", "[contract][player]",
                   SqliteBackend, PostgresBackend) {
  TestType backend;
  auto db = backend.open();
  PlayerStore& store = db->player();
  REQUIRE(store.add_package(package("p1", 100)));
  REQUIRE(store.add_registration(registration("r1", "p1")));
  auto first = store.insert_attempt(attempt("r1", "sco-b", 1));
  REQUIRE(first);
  auto second = store.insert_attempt(attempt("r1", "sco-b", 2));
  REQUIRE(second);
  REQUIRE(store.insert_attempt(attempt("r1", "sco-a", 1)));
  auto taken = store.insert_attempt(attempt("r1", "sco-b", 2));
  REQUIRE_FALSE(taken);
  CHECK(taken.error().code == ErrorCode::kConflict);

  auto latest = store.latest_attempt("r1", "sco-b");
  REQUIRE(latest);
  REQUIRE(*latest);
  CHECK((*latest)->id == *second);
  CHECK((*latest)->number == 2);
  CHECK((*latest)->revision == 0);
  CHECK((*latest)->commit_sequence == -1);
  auto listed = store.list_attempts("r1");
  REQUIRE(listed);
  REQUIRE(listed->size() == 3);
  CHECK((*listed)[0].sco == "sco-a");
  CHECK((*listed)[2].number == 2);

  AttemptRecord a = **latest;
  a.cmi_json = R"({"cmi":{"location":"p2"}})";
  a.state = "suspended";
  a.commit_sequence = 1;
  a.session = 3;
  auto r = record(make_id(1), "http://adlnet.gov/expapi/verbs/progressed");
  r.registration = make_id(77);
  REQUIRE(store.update_attempt(a, prepared({r}), {state_write("1")}));
  auto after = store.find_attempt(a.id);
  REQUIRE(after);
  REQUIRE(*after);
  CHECK((*after)->revision == 1);
  CHECK((*after)->cmi_json == a.cmi_json);
  CHECK((*after)->state == "suspended");
  CHECK((*after)->session == 3);
  CHECK(db->statements().get(make_id(1))->has_value());
  StatementFilter f;
  f.registration = make_id(77);
  auto page = db->statements().query(f);
  REQUIRE(page);
  CHECK(ids_of(*page) == std::vector<Uuid>{make_id(1)});
  auto doc = db->documents().get(state_write("").scope, "progress");
  REQUIRE(doc);
  REQUIRE(*doc);
  CHECK((*doc)->content == "1");
  std::int64_t doc_updated = (*doc)->updated_us;

  SECTION("a stale revision changes nothing") {
    auto stale = store.update_attempt(a, prepared({record(make_id(2), "v:x")}), {state_write("2")});
    REQUIRE_FALSE(stale);
    CHECK(stale.error().code == ErrorCode::kConflict);
    CHECK_FALSE(db->statements().get(make_id(2))->has_value());
    CHECK((**db->documents().get(state_write("").scope, "progress")).content == "1");
  }
  SECTION("a conflicting statement changes nothing") {
    a.revision = 1;
    auto clash = store.update_attempt(a, prepared({record(make_id(1), "v:other")}));
    REQUIRE_FALSE(clash);
    CHECK(clash.error().code == ErrorCode::kConflict);
    CHECK((**store.find_attempt(a.id)).revision == 1);
  }
  SECTION("a re-sent statement and an unchanged document are kept as they are") {
    a.revision = 1;
    REQUIRE(store.update_attempt(a, prepared({r}), {state_write("1")}));
    CHECK((**store.find_attempt(a.id)).revision == 2);
    CHECK((**db->documents().get(state_write("").scope, "progress")).updated_us == doc_updated);
  }
  SECTION("a missing attempt") {
    a.id = 999'999;
    auto missing = store.update_attempt(a);
    REQUIRE_FALSE(missing);
    CHECK(missing.error().code == ErrorCode::kNotFound);
  }
}

namespace {

// The "values" object of a CMI document read back, member by member.
std::map<std::string, std::string> values_of(const std::string& cmi_json) {
  auto doc = nlohmann::json::parse(cmi_json);
  std::map<std::string, std::string> out;
  for (const auto& [k, v] : doc.at("values").items()) out[k] = v.dump();
  return out;
}

}  // namespace

TEMPLATE_TEST_CASE("player store: a commit writing many CMI values, removals among them",
                   "[contract][player]", SqliteBackend, PostgresBackend) {
  TestType backend;
  auto db = backend.open();
  PlayerStore& store = db->player();
  REQUIRE(store.add_package(package("p1", 100)));
  REQUIRE(store.add_registration(registration("r1", "p1")));
  AttemptRecord a = attempt("r1", "sco-1", 1);
  a.cmi_json = R"({"cmi":{}})";
  std::map<std::string, std::string> expected;
  a.cmi_values.emplace();
  a.cmi_values_replace = true;
  for (int i = 0; i < 45; ++i) {
    std::string name = "cmi.e" + std::to_string(i);
    a.cmi_values->push_back({"\"" + name + "\"", "\"v" + std::to_string(i) + "\""});
    expected[name] = "\"v" + std::to_string(i) + "\"";
  }
  auto id = store.insert_attempt(a);
  REQUIRE(id);
  a.id = *id;
  CHECK(values_of((**store.find_attempt(a.id)).cmi_json) == expected);

  // Changed, new and removed values mixed, more of them in a row than one statement of the
  // SQLite store takes.
  a.cmi_values_replace = false;
  a.cmi_values.emplace();
  for (int i = 0; i < 90; ++i) {
    std::string name = "cmi.e" + std::to_string(i);
    if (i % 7 == 3 && i < 45) {
      a.cmi_values->push_back({"\"" + name + "\"", std::nullopt});
      expected.erase(name);
    } else if (i % 7 != 3) {
      std::string value = "{\"n\":" + std::to_string(i * 10) + "}";
      a.cmi_values->push_back({"\"" + name + "\"", value});
      expected[name] = value;
    }
  }
  REQUIRE(store.update_attempt(a));
  auto after = store.find_attempt(a.id);
  REQUIRE(after);
  REQUIRE(*after);
  CHECK((*after)->revision == 1);
  CHECK(values_of((*after)->cmi_json) == expected);

  // Replacing drops every value not written again.
  a.revision = 1;
  a.cmi_values_replace = true;
  a.cmi_values = std::vector<CmiValueWrite>{{"\"cmi.only\"", "1"}};
  REQUIRE(store.update_attempt(a));
  CHECK(values_of((**store.find_attempt(a.id)).cmi_json) ==
        std::map<std::string, std::string>{{"cmi.only", "1"}});
}

TEMPLATE_TEST_CASE("player store: secrets are made once", "[contract][player]", SqliteBackend,
                   PostgresBackend) {
  TestType backend;
  auto db = backend.open();
  std::vector<std::string> got(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      auto v = db->player().secret("launch", [t] { return "value-" + std::to_string(t); });
      if (v) got[t] = *v;
    });
  }
  for (auto& th : threads) th.join();
  CHECK_FALSE(got[0].empty());
  for (const auto& v : got) CHECK(v == got[0]);
  CHECK(*db->player().secret("launch", [] { return std::string("other"); }) == got[0]);
}

TEMPLATE_TEST_CASE("player store: a registration decision sees the other SCOs, one at a time",
                   "[contract][player]", SqliteBackend, PostgresBackend) {
  TestType backend;
  auto db = backend.open();
  PlayerStore& store = db->player();
  REQUIRE(store.add_package(package("p1", 100)));
  REQUIRE(store.add_registration(registration("r1", "p1")));
  AttemptRecord old_a = attempt("r1", "sco-a", 1);
  REQUIRE(store.insert_attempt(old_a));
  AttemptRecord latest_a = attempt("r1", "sco-a", 2);
  latest_a.cmi_json = "a2";
  REQUIRE(store.insert_attempt(latest_a));
  REQUIRE(store.insert_attempt(attempt("r1", "sco-c", 1)));
  auto b_id = store.insert_attempt(attempt("r1", "sco-b", 1));
  REQUIRE(b_id);
  AttemptRecord b = **store.find_attempt(*b_id);
  b.cmi_json = "b1";

  SECTION("the latest attempt of each other SCO; its statements stored with the attempt") {
    std::vector<std::string> seen;
    auto ok = store.update_attempt(
        b, PreparedStatements{}, {},
        [&](const std::vector<AttemptRecord>& others) -> Result<PreparedStatements> {
          for (const auto& o : others) seen.push_back(o.sco + ":" + o.cmi_json);
          return prepared({record(make_id(5), "v:course")});
        });
    REQUIRE(ok);
    std::sort(seen.begin(), seen.end());
    CHECK(seen == std::vector<std::string>{"sco-a:a2", "sco-c:{}"});
    CHECK(db->statements().get(make_id(5))->has_value());
    CHECK((**store.find_attempt(b.id)).revision == 1);
  }
  SECTION("a failing decision changes nothing") {
    auto failed =
        store.update_attempt(b, prepared({record(make_id(6), "v:sco")}), {state_write("1")},
                             [](const std::vector<AttemptRecord>&) -> Result<PreparedStatements> {
                               return fail(ErrorCode::kInternal, "no rollup");
                             });
    REQUIRE_FALSE(failed);
    CHECK(failed.error().message == "no rollup");
    CHECK((**store.find_attempt(b.id)).revision == 0);
    CHECK_FALSE(db->statements().get(make_id(6))->has_value());
    CHECK_FALSE(db->documents().get(state_write("").scope, "progress")->has_value());
  }
  SECTION("concurrent updates of different SCOs: exactly one sees all of them done") {
    // Four SCOs finish at once in each round; the one decided last sees the other three
    // done and alone stores its statement.
    constexpr int kScos = 4;
    for (int round = 0; round < 8; ++round) {
      const std::string reg = "race-" + std::to_string(round);
      REQUIRE(store.add_registration(registration(reg, "p1")));
      std::vector<AttemptRecord> attempts;
      for (int i = 0; i < kScos; ++i) {
        auto id = store.insert_attempt(attempt(reg, "sco-" + std::to_string(i), 1));
        REQUIRE(id);
        attempts.push_back(**store.find_attempt(*id));
        attempts.back().cmi_json = "done";
      }
      std::vector<Result<void>> results(kScos, Result<void>{});
      std::vector<std::thread> threads;
      for (int i = 0; i < kScos; ++i) {
        threads.emplace_back([&, i] {
          results[i] = store.update_attempt(
              attempts[i], PreparedStatements{}, {},
              [&, i](const std::vector<AttemptRecord>& others) -> Result<PreparedStatements> {
                for (const auto& o : others) {
                  if (o.cmi_json != "done") return PreparedStatements{};
                }
                return prepared({record(make_id(1000 * (round + 1) + i), "v:all-done")});
              });
        });
      }
      for (auto& t : threads) t.join();
      int stored = 0;
      for (int i = 0; i < kScos; ++i) {
        INFO("round " << round << ", SCO " << i);
        REQUIRE(results[i]);
        if (*db->statements().get(make_id(1000 * (round + 1) + i))) ++stored;
      }
      INFO("round " << round);
      CHECK(stored == 1);
    }
  }
}

}  // namespace lrs::test

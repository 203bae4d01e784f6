// The DocumentStore contract, and the activity definitions / agent names the statement
// store keeps, run against every backend.
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "backends.h"
#include "lrs/statement_record.h"

using lrs::Document;
using lrs::DocumentKind;
using lrs::DocumentScope;
using lrs::test::PostgresBackend;
using lrs::test::SqliteBackend;

namespace {

DocumentScope state_scope(std::optional<lrs::Uuid> registration = std::nullopt) {
  DocumentScope s;
  s.kind = DocumentKind::kState;
  s.activity_id = "http://example.com/a";
  s.agent = "mbox:mailto:a@example.com";
  s.registration = registration;
  return s;
}

lrs::Result<void> put(lrs::DocumentStore& store, const DocumentScope& scope, const std::string& id,
                      const std::string& content) {
  return store.update(scope, id, [&](const std::optional<Document>&) {
    Document d;
    d.id = id;
    d.content = content;
    d.content_type = "text/plain";
    d.etag = "\"" + content + "\"";
    return lrs::Result<std::optional<Document>>(std::optional<Document>(d));
  });
}

}  // namespace

TEMPLATE_TEST_CASE("document store: update, get, list and delete", "[contract][documents]",
                   SqliteBackend, PostgresBackend) {
  TestType backend;
  auto db = backend.open();
  lrs::DocumentStore& store = db->documents();
  DocumentScope scope = state_scope();

  REQUIRE(put(store, scope, "one", "v1"));
  auto got = store.get(scope, "one");
  REQUIRE(got);
  REQUIRE(*got);
  CHECK((*got)->content == "v1");
  CHECK((*got)->content_type == "text/plain");
  CHECK((*got)->etag == "\"v1\"");
  std::int64_t first = (*got)->updated_us;
  CHECK(first > 0);

  REQUIRE(put(store, scope, "one", "v2"));
  auto again = store.get(scope, "one");
  REQUIRE(again);
  CHECK((**again).content == "v2");
  CHECK((**again).updated_us > first);

  SECTION("decide sees the current document and its error aborts the update") {
    auto r = store.update(scope, "one", [](const std::optional<Document>& current) {
      CHECK(current);
      CHECK(current->content == "v2");
      return lrs::Result<std::optional<Document>>(
          lrs::fail(lrs::ErrorCode::kPreconditionFailed, "no"));
    });
    REQUIRE_FALSE(r);
    CHECK(r.error().code == lrs::ErrorCode::kPreconditionFailed);
    CHECK((**store.get(scope, "one")).content == "v2");
  }
  SECTION("nullopt deletes") {
    REQUIRE(store.update(scope, "one", [](const std::optional<Document>&) {
      return lrs::Result<std::optional<Document>>(std::optional<Document>());
    }));
    CHECK_FALSE(*store.get(scope, "one"));
  }
  SECTION("scopes are separate: kind, activity, agent, registration") {
    DocumentScope other = scope;
    other.kind = DocumentKind::kActivityProfile;
    CHECK_FALSE(*store.get(other, "one"));
    other = scope;
    other.agent = "mbox:mailto:b@example.com";
    CHECK_FALSE(*store.get(other, "one"));
    CHECK_FALSE(*store.get(state_scope(lrs::test::make_id(1)), "one"));
  }
}

TEMPLATE_TEST_CASE("document store: list_ids with since and registrations", "[contract][documents]",
                   SqliteBackend, PostgresBackend) {
  TestType backend;
  auto db = backend.open();
  lrs::DocumentStore& store = db->documents();
  auto reg = lrs::test::make_id(7);
  REQUIRE(put(store, state_scope(), "a", "1"));
  REQUIRE(put(store, state_scope(reg), "b", "1"));
  auto b_time = (**store.get(state_scope(reg), "b")).updated_us;
  REQUIRE(put(store, state_scope(), "c", "1"));

  CHECK(*store.list_ids(state_scope(), std::nullopt) == std::vector<std::string>{"a", "b", "c"});
  CHECK(*store.list_ids(state_scope(reg), std::nullopt) == std::vector<std::string>{"b"});
  CHECK(*store.list_ids(state_scope(), b_time) == std::vector<std::string>{"c"});

  REQUIRE(store.remove_all(state_scope(reg)));
  CHECK(*store.list_ids(state_scope(), std::nullopt) == std::vector<std::string>{"a", "c"});
  REQUIRE(store.remove_all(state_scope()));
  CHECK(store.list_ids(state_scope(), std::nullopt)->empty());
}

TEMPLATE_TEST_CASE("document store: concurrent updates serialize", "[contract][documents]",
                   SqliteBackend, PostgresBackend) {
  TestType backend;
  auto db = backend.open();
  lrs::DocumentStore& store = db->documents();
  constexpr int kThreads = 4;
  constexpr int kEach = 25;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kEach; ++i) {
        // Read-modify-write inside update: increments are never lost.
        auto r = store.update(state_scope(), "counter", [](const std::optional<Document>& cur) {
          Document d;
          d.id = "counter";
          d.content = std::to_string(cur ? std::stoi(cur->content) + 1 : 1);
          d.content_type = "text/plain";
          d.etag = "\"x\"";
          return lrs::Result<std::optional<Document>>(std::optional<Document>(d));
        });
        CHECK(r);
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK((**store.get(state_scope(), "counter")).content == std::to_string(kThreads * kEach));
}

TEMPLATE_TEST_CASE("statement store keeps definitions and agent names with the statements",
                   "[contract][activities]", SqliteBackend, PostgresBackend) {
  TestType backend;
  auto db = backend.open();
  lrs::StatementStore& store = db->statements();
  auto same = [](std::string_view a, std::string_view b) { return lrs::test::same_content(a, b); };
  auto with = [](std::uint64_t n, std::string definition, bool redefine) {
    auto r = lrs::test::record(lrs::test::make_id(n), "http://example.com/v");
    r.definitions.push_back({"http://example.com/a", std::move(definition)});
    r.redefine = redefine;
    r.agent_names.push_back({"mbox:mailto:a@example.com", "Ann " + std::to_string(n % 2)});
    return r;
  };
  std::vector<lrs::StatementRecord> batch;
  batch.push_back(with(1, R"({"name":{"en":"A"}})", false));
  REQUIRE(store.insert(batch, same));
  CHECK(*store.activity_definition("http://example.com/a") == R"({"name":{"en":"A"}})");

  batch = {with(2, R"({"name":{"fr":"B"}})", false)};
  REQUIRE(store.insert(batch, same));
  CHECK(*store.activity_definition("http://example.com/a") == R"({"name":{"en":"A"}})");

  batch = {with(3, R"({"name":{"fr":"B"}})", true)};
  REQUIRE(store.insert(batch, same));
  CHECK(*store.activity_definition("http://example.com/a") == R"({"name":{"en":"A","fr":"B"}})");
  CHECK(*store.agent_names("mbox:mailto:a@example.com") ==
        std::vector<std::string>{"Ann 1", "Ann 0"});

  SECTION("a failed batch keeps nothing") {
    // The second record re-sends statement 3 with other content: the batch fails.
    auto dup = lrs::test::record(lrs::test::make_id(3), "http://example.com/v", "changed");
    dup.definitions.push_back({"http://example.com/a", R"({"name":{"de":"C"}})"});
    dup.redefine = true;
    batch = {with(5, R"({"name":{"de":"C"}})", true), dup};
    CHECK_FALSE(store.insert(batch, same));
    CHECK(*store.activity_definition("http://example.com/a") == R"({"name":{"en":"A","fr":"B"}})");
  }
  CHECK_FALSE(*store.activity_definition("http://example.com/unknown"));
  CHECK(store.agent_names("mbox:mailto:nobody@example.com")->empty());
}

// Every change of a definition or name reaches the store, whatever a backend remembers
// to skip writes that change nothing (the SQLite writer does).
TEMPLATE_TEST_CASE("definitions and names follow every change", "[contract][activities]",
                   SqliteBackend, PostgresBackend) {
  TestType backend;
  auto db = backend.open();
  lrs::StatementStore& store = db->statements();
  std::uint64_t next = 1;
  auto insert = [&](const std::string& definition, const std::string& name) {
    auto r = lrs::test::record(lrs::test::make_id(next++), "http://example.com/v");
    r.definitions.push_back({"http://example.com/a", definition});
    r.redefine = true;
    r.agent_names.push_back({"mbox:mailto:a@example.com", name});
    std::vector<lrs::StatementRecord> batch{r};
    return static_cast<bool>(store.insert(batch, lrs::test::kSame));
  };
  auto definition = [&] { return *store.activity_definition("http://example.com/a"); };
  const std::string a = R"({"name":{"en":"A"}})";
  const std::string b = R"({"name":{"fr":"B"}})";

  REQUIRE(insert(a, "Ann"));
  REQUIRE(insert(b, "Ann"));
  REQUIRE(insert(a, "Ann"));  // merging A again changes nothing
  CHECK(definition() == R"({"name":{"en":"A","fr":"B"}})");
  REQUIRE(insert(R"({"name":{"en":"Z"}})", "Ann"));
  CHECK(definition() == R"({"name":{"en":"Z","fr":"B"}})");
  REQUIRE(insert(a, "Ann"));  // no longer a no-op after Z
  CHECK(definition() == R"({"name":{"en":"A","fr":"B"}})");

  SECTION("a rolled-back write leaves nothing behind") {
    auto dup = lrs::test::record(lrs::test::make_id(1), "http://example.com/v", "changed");
    auto fresh = lrs::test::record(lrs::test::make_id(100), "http://example.com/v");
    fresh.definitions.push_back({"http://example.com/a", R"({"name":{"de":"C"}})"});
    fresh.redefine = true;
    fresh.agent_names.push_back({"mbox:mailto:a@example.com", "Carl"});
    std::vector<lrs::StatementRecord> batch{fresh, dup};
    REQUIRE_FALSE(store.insert(batch, lrs::test::kSame));
    CHECK(definition() == R"({"name":{"en":"A","fr":"B"}})");
    REQUIRE(insert(R"({"name":{"de":"C"}})", "Carl"));
    CHECK(definition() == R"({"name":{"de":"C","en":"A","fr":"B"}})");
    CHECK(*store.agent_names("mbox:mailto:a@example.com") ==
          std::vector<std::string>{"Ann", "Carl"});
  }
}

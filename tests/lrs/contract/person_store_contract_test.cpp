// The PersonStore contract and the Person object built on it (PersonService), run
// against every backend.
#include <algorithm>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "backends.h"
#include "lrs/person_service.h"

using lrs::LinkedAgent;
using lrs::PersonRecord;
using lrs::test::PostgresBackend;
using lrs::test::SqliteBackend;
using nlohmann::json;

namespace {

LinkedAgent agent(const std::string& key, std::int64_t at = 1) {
  return LinkedAgent{key, R"({"mbox":"mailto:)" + key + R"("})", "test", at};
}

std::vector<std::string> keys_of(const PersonRecord& p) {
  std::vector<std::string> out;
  for (const auto& a : p.agents) out.push_back(a.key);
  return out;
}

const char* kPersonA = "00000000-0000-4000-8000-00000000000a";
const char* kPersonB = "00000000-0000-4000-8000-00000000000b";
const char* kPersonC = "00000000-0000-4000-8000-00000000000c";

}  // namespace

TEMPLATE_TEST_CASE("person store: link, find, merge, unlink, remove", "[contract][persons]",
                   SqliteBackend, PostgresBackend) {
  TestType backend;
  auto db = backend.open();
  lrs::PersonStore& store = db->persons();

  CHECK_FALSE(*store.find_by_agent("k1"));
  auto first = store.link({agent("k2", 5), agent("k1", 6)}, kPersonB);
  REQUIRE(first);
  CHECK(first->id == kPersonB);
  CHECK(keys_of(*first) == std::vector<std::string>{"k1", "k2"});
  CHECK(first->agents[1].ifi == R"({"mbox":"mailto:k2"})");
  CHECK(first->agents[1].source == "test");
  CHECK(first->agents[1].linked_us == 5);

  auto by_agent = store.find_by_agent("k2");
  REQUIRE(by_agent);
  REQUIRE(*by_agent);
  CHECK((*by_agent)->id == kPersonB);
  CHECK(keys_of(**by_agent) == std::vector<std::string>{"k1", "k2"});

  // A new agent linked to one already known joins that person; the known agent keeps
  // its first source and time.
  auto grown = store.link({agent("k3", 7), agent("k1", 99)}, kPersonC);
  REQUIRE(grown);
  CHECK(grown->id == kPersonB);
  CHECK(keys_of(*grown) == std::vector<std::string>{"k1", "k2", "k3"});
  CHECK(grown->agents[0].linked_us == 6);

  // Linking agents of two persons merges them into the one with the smaller id.
  REQUIRE(store.link({agent("k8"), agent("k9")}, kPersonA));
  auto merged = store.link({agent("k9"), agent("k3")}, kPersonC);
  REQUIRE(merged);
  CHECK(merged->id == kPersonA);
  CHECK(keys_of(*merged) == std::vector<std::string>{"k1", "k2", "k3", "k8", "k9"});
  auto listed = store.list();
  REQUIRE(listed);
  REQUIRE(listed->size() == 1);
  CHECK(!*store.find(kPersonB));

  SECTION("unlink takes one agent out; the last pair's split dissolves the person") {
    REQUIRE(store.unlink(kPersonA, "k2"));
    CHECK_FALSE(*store.find_by_agent("k2"));
    auto e = store.unlink(kPersonA, "k2");
    REQUIRE_FALSE(e);
    CHECK(e.error().code == lrs::ErrorCode::kNotFound);
    REQUIRE(store.unlink(kPersonA, "k1"));
    REQUIRE(store.unlink(kPersonA, "k3"));
    REQUIRE(store.unlink(kPersonA, "k8"));
    CHECK_FALSE(*store.find(kPersonA));
    CHECK_FALSE(*store.find_by_agent("k9"));
  }
  SECTION("remove dissolves the person and nothing else") {
    REQUIRE(store.link({agent("x1"), agent("x2")}, kPersonC));
    REQUIRE(store.remove(kPersonA));
    CHECK_FALSE(*store.find_by_agent("k1"));
    CHECK(*store.find(kPersonC));
    auto e = store.remove(kPersonA);
    REQUIRE_FALSE(e);
    CHECK(e.error().code == lrs::ErrorCode::kNotFound);
  }
  SECTION("links survive reopening the database") {
    db.reset();
    db = backend.open();
    auto again = db->persons().find_by_agent("k8");
    REQUIRE(again);
    REQUIRE(*again);
    CHECK(keys_of(**again) == std::vector<std::string>{"k1", "k2", "k3", "k8", "k9"});
  }
}

TEMPLATE_TEST_CASE("person store: concurrent links that chain end as one person",
                   "[contract][persons]", SqliteBackend, PostgresBackend) {
  TestType backend;
  auto db = backend.open();
  lrs::PersonStore& store = db->persons();
  constexpr int kThreads = 4;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        std::string a = "c" + std::to_string(t * 10 + i);
        std::string b = "c" + std::to_string((t * 10 + i + 1) % (kThreads * 10));
        CHECK(store.link({agent(a), agent(b)}, lrs::Uuid::random().str()));
      }
    });
  }
  for (auto& th : threads) th.join();
  auto all = store.list();
  REQUIRE(all);
  REQUIRE(all->size() == 1);
  CHECK(all->front().agents.size() == kThreads * 10);
}

TEMPLATE_TEST_CASE("person service: the Person object combines every linked identifier",
                   "[contract][persons]", SqliteBackend, PostgresBackend) {
  TestType backend;
  auto db = backend.open();
  lrs::PersonService service(db->persons(), db->statements());
  json account = {{"account", {{"homePage", "https://lms.example.org"}, {"name", "42"}}}};
  json mbox = {{"mbox", "mailto:ann@example.org"}, {"name", "ignored"}};
  json openid = {{"objectType", "Agent"}, {"openid", "https://id.example.org/ann"}};

  // Names come from statements, per agent key.
  auto r1 = lrs::test::record(lrs::test::make_id(1), "http://example.com/v");
  r1.agent_names.push_back({"account:https://lms.example.org 42", "Ann Lee"});
  auto r2 = lrs::test::record(lrs::test::make_id(2), "http://example.com/v");
  r2.agent_names.push_back({"mbox:mailto:ann@example.org", "A. Lee"});
  r2.agent_names.push_back({"mbox:mailto:ann@example.org", "Ann Lee"});
  lrs::test::insert_ok(db->statements(), {r1, r2});

  auto alone = service.person_object(mbox);
  REQUIRE(alone);
  json alone_person = json::parse(*alone);
  CHECK(alone_person["mbox"] == json::array({"mailto:ann@example.org"}));
  CHECK_FALSE(alone_person.contains("account"));
  auto names = alone_person["name"].get<std::vector<std::string>>();
  std::sort(names.begin(), names.end());
  CHECK(names == std::vector<std::string>{"A. Lee", "Ann Lee"});

  auto linked = service.link(json::array({account, mbox, openid}), "test");
  REQUIRE(linked);
  CHECK(linked->agents.size() == 3);
  for (const json& query : {account, mbox, openid}) {
    auto person = service.person_object(query);
    REQUIRE(person);
    json p = json::parse(*person);
    CHECK(p["objectType"] == "Person");
    CHECK(p["mbox"] == json::array({"mailto:ann@example.org"}));
    CHECK(p["openid"] == json::array({"https://id.example.org/ann"}));
    CHECK(p["account"] == json::array({account["account"]}));
    CHECK_FALSE(p.contains("mbox_sha1sum"));
    REQUIRE(p["name"].size() == 2);  // "Ann Lee" once, though two agents had it
  }

  SECTION("bad links are refused naming the agent") {
    auto one = service.link(json::array({mbox, mbox}), "test");
    REQUIRE_FALSE(one);
    CHECK(one.error().message.find("at least two different Agents") != std::string::npos);
    auto group = service.link(
        json::array({mbox, {{"objectType", "Group"}, {"mbox", "mailto:g@example.org"}}}), "test");
    REQUIRE_FALSE(group);
    CHECK(group.error().message.find("agents[1]") != std::string::npos);
    auto two_ifis = service.link(
        json::array({mbox, {{"mbox", "mailto:b@example.org"}, {"openid", "https://x.org/b"}}}),
        "test");
    REQUIRE_FALSE(two_ifis);
    CHECK(two_ifis.error().message.find("agents[1]") != std::string::npos);
    auto not_array = service.link(json::object(), "test");
    REQUIRE_FALSE(not_array);
    CHECK(not_array.error().code == lrs::ErrorCode::kInvalid);
  }
}

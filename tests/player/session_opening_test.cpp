// A session's opening statements (initialized / resumed) are prepared at launch and kept
// in the AttemptCache, and the store creates their terms then (PlayerStore::
// prime_statements): the first commit must store exactly what it stores without them.
#include <algorithm>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include "lrs/document_service.h"
#include "lrs/sqlite_database.h"
#include "lrs/statement_record.h"
#include "lrs/statement_store.h"
#include "runtime.h"

namespace {

using nlohmann::json;
namespace fs = std::filesystem;

constexpr const char* kPackage = "0b7c6d7e-3f0a-4c55-9b7e-6a1d2c3b4a50";
constexpr const char* kRegistration = "5d2f0e61-8c4b-4a3e-9f17-2b6c8d9e0a14";

json learner_account() { return {{"account", {{"homePage", "http://lms.test"}, {"name", "u7"}}}}; }

// A database file holding one one-SCO package and one registration, with the same ids in
// every instance, so two of them give the same statement ids. `with_cache` says whether
// launches and commits go through an AttemptCache (as the handlers' do) or not.
struct Session {
  fs::path dir;
  std::unique_ptr<lrs::Database> db;
  player::AttemptCache cache;
  bool with_cache;
  lrs::AttemptRecord attempt;

  explicit Session(bool cached) : with_cache(cached) {
    dir = fs::temp_directory_path() / ("opening-test-" + std::to_string(std::random_device{}()));
    fs::create_directories(dir);
    lrs::SqliteOptions options;
    options.path = (dir / "lrs.db").string();
    auto opened = lrs::open_sqlite_database(options);
    REQUIRE(opened);
    db = std::move(*opened);
    lrs::PackageRecord package;
    package.id = kPackage;
    package.title = "Course";
    package.version = "2004 4th Edition";
    package.summary_json = json{{"scos", {{{"identifier", "sco1"}, {"title", "Lesson"}}}}}.dump();
    package.directory = (dir / "package").string();
    REQUIRE(db->player().add_package(package));
    lrs::RegistrationRecord registration;
    registration.id = kRegistration;
    registration.package_id = kPackage;
    json learner = learner_account();
    learner["name"] = "Ada";
    registration.learner_json = learner.dump();
    REQUIRE(db->player().add_registration(registration));
  }
  ~Session() {
    db.reset();
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  player::AttemptCache* cache_or_null() { return with_cache ? &cache : nullptr; }

  bool launch() {
    player::ScoLaunch l;
    l.registration = kRegistration;
    l.sco = "sco1";
    l.cmi_version = "2004";
    l.learner_id = "u7";
    l.learner_name = "Ada";
    auto launched = player::launch_sco(db->player(), l, cache_or_null());
    REQUIRE(launched);
    attempt = launched->attempt;
    return launched->resumed;
  }

  json commit(json body, bool terminate = false) {
    auto read = db->player().find_attempt(attempt.id);
    REQUIRE(read);
    REQUIRE(*read);
    auto reply = player::commit_attempt(db->player(), **read, attempt.session, body.dump(),
                                        terminate, cache_or_null());
    INFO(reply.body);
    REQUIRE(reply.status == 200);
    return json::parse(reply.body);
  }

  std::vector<json> statements(std::optional<std::string> agent = std::nullopt) {
    lrs::StatementFilter filter;
    filter.registration = lrs::Uuid::parse(kRegistration);
    filter.agent = std::move(agent);
    filter.ascending = true;
    filter.limit = 500;
    auto page = db->statements().query(filter);
    REQUIRE(page);
    std::vector<json> out;
    for (const auto& s : page->statements) out.push_back(json::parse(s.body));
    return out;
  }

  // Rows of the statement store's term table, read on a connection of its own.
  std::int64_t terms() {
    sqlite3* conn = nullptr;
    REQUIRE(sqlite3_open_v2((dir / "lrs.db").c_str(), &conn, SQLITE_OPEN_READONLY, nullptr) ==
            SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    REQUIRE(sqlite3_prepare_v2(conn, "SELECT count(*) FROM terms", -1, &stmt, nullptr) ==
            SQLITE_OK);
    REQUIRE(sqlite3_step(stmt) == SQLITE_ROW);
    const std::int64_t n = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    sqlite3_close(conn);
    return n;
  }
};

std::vector<std::string> verbs(const std::vector<json>& statements) {
  std::vector<std::string> out;
  for (const json& s : statements) {
    std::string id = s["verb"]["id"];
    out.push_back(id.substr(id.rfind('/') + 1));
  }
  return out;
}

// The statement without what depends on the moment it was made or stored.
json timeless(json s) {
  s.erase("timestamp");
  s.erase("stored");
  return s;
}

// The statements of the cached session, checked to equal the uncached one's apart from
// their times.
std::vector<json> same_statements(Session& cached, Session& uncached) {
  std::vector<json> got = cached.statements();
  std::vector<json> want = uncached.statements();
  INFO(json(verbs(got)).dump());
  REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    INFO(got[i].dump());
    CHECK(timeless(got[i]) == timeless(want[i]));
  }
  return got;
}

// Two sessions of one attempt (suspended, then resumed and finished), with a retry of
// each session's first commit.
void play(Session& s) {
  CHECK_FALSE(s.launch());
  json first = {{"cmi.location", "p1"}, {"cmi.progress_measure", "0.2"}, {"commitSequence", 1}};
  CHECK(s.commit(first)["result"] == true);
  CHECK(s.commit(first)["result"] == true);  // a retry
  CHECK(s.commit({{"cmi.exit", "suspend"}, {"cmi.session_time", "PT1M"}, {"commitSequence", 2}},
                 true)["result"] == true);
  CHECK(s.launch());
  json again = {{"cmi.location", "p2"}, {"commitSequence", 1}};
  CHECK(s.commit(again)["result"] == true);
  CHECK(s.commit(again)["result"] == true);  // a retry
  CHECK(s.commit({{"cmi.completion_status", "completed"},
                  {"cmi.exit", "normal"},
                  {"cmi.session_time", "PT2M"},
                  {"commitSequence", 2}},
                 true)["result"] == true);
}

}  // namespace

TEST_CASE("opening statements prepared at launch are stored as a commit would make them",
          "[player][runtime]") {
  Session cached(true);
  Session uncached(false);
  play(cached);
  play(uncached);
  const std::vector<json> got = same_statements(cached, uncached);
  const std::vector<std::string> v = verbs(got);
  CHECK(std::count(v.begin(), v.end(), "initialized") == 1);
  CHECK(std::count(v.begin(), v.end(), "resumed") == 1);
  CHECK(v.front() == "initialized");
}

TEST_CASE("a launch creates the terms of its opening statements; they match nothing until stored",
          "[player][runtime]") {
  Session cached(true);
  Session uncached(false);
  const std::int64_t before = cached.terms();
  REQUIRE(uncached.terms() == before);
  cached.launch();
  uncached.launch();
  CHECK(cached.terms() > before);  // the learner's, the registration's, the attempt's
  CHECK(uncached.terms() == before);
  auto agent = lrs::agent_key(learner_account());
  REQUIRE(agent);
  CHECK(cached.statements(*agent).empty());

  json first = {{"cmi.location", "p1"}, {"commitSequence", 1}};
  CHECK(cached.commit(first)["result"] == true);
  CHECK(uncached.commit(first)["result"] == true);
  CHECK(cached.terms() == uncached.terms());  // created once, not again by the commit
  CHECK(verbs(cached.statements(*agent)) == verbs(uncached.statements(*agent)));
  CHECK(verbs(cached.statements(*agent)) == std::vector<std::string>{"initialized"});
}

TEST_CASE("commits applied in place to the cached model store what commits to a loaded one do",
          "[player][runtime]") {
  // The cached model is changed in place (CmiModel::start_tracking): a rejected commit and
  // a retry between accepted ones must leave it exactly as the stored CMI, so the next
  // commit's statements and stored CMI equal those of a commit to the model read back.
  auto run = [](Session& s) {
    s.launch();
    CHECK(s.commit({{"cmi.location", "p1"},
                    {"cmi.interactions.0.id", "q1"},
                    {"cmi.interactions.0.type", "true-false"},
                    {"cmi.interactions.0.learner_response", "true"},
                    {"commitSequence", 1}})["result"] == true);
    // Rejected after writes that were valid (location, a new interaction): nothing changes.
    json rejected = s.commit({{"cmi.location", "p9"},
                              {"cmi.learner_preference.audio_level", "7.25"},
                              {"cmi.interactions.1.id", "q2"},
                              {"cmi.score.scaled", "7"},
                              {"commitSequence", 2}});
    CHECK(rejected["result"] == false);
    CHECK(rejected["errorCode"] == 407);
    CHECK(s.commit({{"cmi.interactions.1.id", "q2"},
                    {"cmi.interactions.1.type", "numeric"},
                    {"cmi.interactions.1.learner_response", "4"},
                    {"cmi.comments_from_learner.0.comment", "fine"},
                    {"cmi.score.scaled", "0.5"},
                    {"commitSequence", 3}})["result"] == true);
    CHECK(s.commit({{"cmi.location", "p3"}, {"commitSequence", 3}})["result"] == true);  // retry
    CHECK(s.commit({{"cmi.location", "p4"},
                    {"cmi.exit", "suspend"},
                    {"cmi.session_time", "PT30S"},
                    {"commitSequence", 4}},
                   true)["result"] == true);
  };
  Session cached(true);
  Session uncached(false);
  run(cached);
  run(uncached);
  const std::vector<json> got = same_statements(cached, uncached);
  CHECK(verbs(got) == std::vector<std::string>{"initialized", "responded", "responded", "commented",
                                               "scored", "suspended"});
  auto stored_cmi = [](Session& s) {
    auto read = s.db->player().find_attempt(s.attempt.id);
    REQUIRE(read);
    REQUIRE(*read);
    return (*read)->cmi_json;
  };
  const std::string cmi = stored_cmi(cached);
  CHECK(cmi == stored_cmi(uncached));
  CHECK(cmi.find("\"p4\"") != std::string::npos);
  CHECK(cmi.find("7.25") == std::string::npos);
}

TEST_CASE("a commit given the attempt read without its CMI reads it when no model is kept",
          "[player][runtime]") {
  for (bool with_cache : {true, false}) {
    CAPTURE(with_cache);
    Session s(with_cache);
    s.launch();
    auto full = s.db->player().find_attempt(s.attempt.id);
    auto state = s.db->player().find_attempt_state(s.attempt.id);
    REQUIRE(full);
    REQUIRE(*full);
    REQUIRE(state);
    REQUIRE(*state);
    CHECK((*state)->cmi_json.empty());
    CHECK_FALSE((*full)->cmi_json.empty());
    CHECK((*state)->revision == (*full)->revision);
    CHECK((*state)->session == (*full)->session);
    CHECK((*state)->state == (*full)->state);
    CHECK((*state)->registration == (*full)->registration);
    auto reply = player::commit_attempt(s.db->player(), **state, s.attempt.session,
                                        json{{"cmi.location", "p5"}, {"commitSequence", 1}}.dump(),
                                        false, s.cache_or_null());
    INFO(reply.body);
    CHECK(reply.status == 200);
    CHECK(json::parse(reply.body)["result"] == true);
    auto after = s.db->player().find_attempt(s.attempt.id);
    REQUIRE(after);
    REQUIRE(*after);
    CHECK((*after)->revision == (*full)->revision + 1);
    CHECK((*after)->cmi_json.find("\"cmi.location\":\"p5\"") != std::string::npos);
    CHECK((*after)->cmi_json.find("\"cmi.learner_id\":\"u7\"") != std::string::npos);
  }
  Session s(false);
  CHECK_FALSE(*s.db->player().find_attempt_state(424242));
}

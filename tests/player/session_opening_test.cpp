// What the AttemptCache keeps between the commits of a session must not change what they
// store: the opening statements (initialized / resumed) prepared at launch (the store
// creates their terms then, PlayerStore::prime_statements), the model changed in place,
// and what commits derive from it (the SCO's status, the profile's documents). Each test
// plays the same session with and without a cache.
#include <algorithm>
#include <filesystem>
#include <functional>
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
  std::vector<std::pair<std::string, std::string>> lms_values;  // given at each launch

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
    l.lms_values = lms_values;
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

  // The profile's documents of the attempt: activity-state, attempt-state and
  // activity-profile (the attempt IRI read from the statements' grouping).
  std::vector<std::pair<lrs::DocumentScope, std::string>> document_keys() {
    std::string attempt_iri;
    for (const json& s : statements()) {
      for (const json& a : s["context"]["contextActivities"].value("grouping", json::array())) {
        const std::string id = a["id"];
        if (id.find("?attemptId=") != std::string::npos) attempt_iri = id;
      }
    }
    REQUIRE(!attempt_iri.empty());
    const std::string sco_iri = attempt_iri.substr(0, attempt_iri.find("?attemptId="));
    auto agent = lrs::agent_key(learner_account());
    REQUIRE(agent);
    const auto registration = lrs::Uuid::parse(kRegistration);
    return {{{lrs::DocumentKind::kState, sco_iri, *agent, registration},
             "https://w3id.org/xapi/scorm/activity-state"},
            {{lrs::DocumentKind::kState, attempt_iri, *agent, registration},
             "https://w3id.org/xapi/scorm/attempt-state"},
            {{lrs::DocumentKind::kActivityProfile, sco_iri, "", std::nullopt},
             "https://w3id.org/xapi/scorm/activity-profile"}};
  }
  std::vector<lrs::Document> documents() {
    std::vector<lrs::Document> out;
    for (const auto& [scope, id] : document_keys()) {
      auto doc = db->documents().get(scope, id);
      REQUIRE(doc);
      REQUIRE(*doc);
      out.push_back(**doc);
    }
    return out;
  }
  // Replaces each profile document by `content`, as a client of /xapi may.
  void overwrite_documents(const std::string& content) {
    for (const auto& [scope, id] : document_keys()) {
      lrs::Document d;
      d.id = id;
      d.content = content;
      d.content_type = "application/json";
      d.etag = lrs::document_etag(content);
      REQUIRE(db->documents().update(
          scope, id,
          [&](const std::optional<lrs::Document>&) -> lrs::Result<std::optional<lrs::Document>> {
            return d;
          }));
    }
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

TEST_CASE("the profile documents and statuses kept with the model are those a commit makes",
          "[player][runtime]") {
  // The cached session reuses the activity-profile, the attempt-state's ETag, the
  // activity-state decided from the same stored document and the SCO's status; the
  // uncached one makes each anew. They must store the same documents after every commit,
  // also after /xapi clients overwrote them and after a relaunch with other launch values.
  auto launch_values = [](const std::string& launch_data) {
    return std::vector<std::pair<std::string, std::string>>{
        {"cmi.launch_data", launch_data},
        {"cmi.completion_threshold", "0.8"},
        {"cmi.scaled_passing_score", "0.6"},
        {"cmi.max_time_allowed", "PT1H"},
        {"cmi.time_limit_action", "continue,message"}};
  };
  Session cached(true);
  Session uncached(false);
  std::vector<std::vector<lrs::Document>> seen;  // the cached session's, after each step
  auto both = [&](const std::function<void(Session&)>& step) {
    step(cached);
    step(uncached);
    const std::vector<lrs::Document> got = cached.documents();
    const std::vector<lrs::Document> want = uncached.documents();
    REQUIRE(got.size() == want.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
      INFO(got[i].id << ": " << got[i].content << " / " << want[i].content);
      CHECK(got[i].content == want[i].content);
      CHECK(got[i].content_type == want[i].content_type);
      CHECK(got[i].etag == want[i].etag);
      CHECK(got[i].etag == lrs::document_etag(got[i].content));
    }
    seen.push_back(got);
  };
  auto commit = [](json body, bool terminate = false) {
    return [body, terminate](Session& s) { CHECK(s.commit(body, terminate)["result"] == true); };
  };
  cached.lms_values = uncached.lms_values = launch_values("first");
  both([](Session& s) {
    s.launch();
    CHECK(s.commit({{"cmi.location", "p1"}, {"commitSequence", 1}})["result"] == true);
  });
  CHECK(json::parse(seen.back()[2].content)["launch_data"] == "first");
  both(commit({{"cmi.progress_measure", "0.9"}, {"commitSequence", 2}}));  // completed by it
  both(commit({{"cmi.learner_preference.audio_level", "2"}, {"commitSequence", 3}}));
  CHECK(json::parse(seen.back()[1].content)["preferences"]["audio_level"] == 2);
  both([](Session& s) { s.overwrite_documents(R"({"attempts":["urn:x:other"]})"); });
  both(commit({{"cmi.location", "p1"}, {"commitSequence", 4}}));  // rewrites all three
  CHECK(json::parse(seen.back()[0].content)["attempts"].size() == 2);
  CHECK(seen.back()[1].content == seen[2][1].content);
  CHECK(seen.back()[2].content == seen[0][2].content);
  both(
      commit({{"cmi.exit", "suspend"}, {"cmi.session_time", "PT2M"}, {"commitSequence", 5}}, true));
  CHECK(json::parse(seen.back()[1].content)["total_time"] == "PT0H2M0S");
  cached.lms_values = uncached.lms_values = launch_values("second");
  both([](Session& s) {
    CHECK(s.launch());  // resumed: the same attempt, new launch values
    CHECK(s.commit({{"cmi.location", "p2"}, {"commitSequence", 1}})["result"] == true);
  });
  CHECK(json::parse(seen.back()[2].content)["launch_data"] == "second");
}

TEST_CASE("an accepted commit answers the bytes of its JSON reply", "[player][runtime]") {
  Session s(true);
  s.launch();
  auto read = s.db->player().find_attempt(s.attempt.id);
  REQUIRE(read);
  REQUIRE(*read);
  auto reply = player::commit_attempt(s.db->player(), **read, s.attempt.session,
                                      json{{"cmi.location", "p1"}, {"commitSequence", 1}}.dump(),
                                      false, &s.cache);
  CHECK(reply.status == 200);
  CHECK(reply.body == json{{"result", true}, {"errorCode", 0}}.dump());
}

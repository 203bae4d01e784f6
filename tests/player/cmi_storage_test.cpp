// An attempt's CMI kept as its head and one row per value (PlayerStore::cmi_values): a
// commit writes only the elements it changed, and what is read back (after commits,
// retries, rejected commits, a resume, or the upgrade of a database that stored whole
// documents) is exactly the model the runtime holds. On SQLite and on PostgreSQL.
#include <filesystem>
#include <memory>
#include <random>
#include <string>

#include <catch2/catch.hpp>
#include <libpq-fe.h>
#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include "lrs/postgres_database.h"
#include "lrs/sqlite_database.h"
#include "runtime.h"
#include "scorm/cmi_commit.h"
#include "scorm/cmi_json.h"
#include "scorm/cmi_session.h"
#include "support/postgres_test_server.h"

namespace {

using nlohmann::json;
namespace fs = std::filesystem;

constexpr const char* kPackage = "6a0f4c1e-2b3d-4e5f-8a9b-0c1d2e3f4a5b";
constexpr const char* kRegistration = "7b1e5d2f-3c4e-4f60-9b0c-1d2e3f4a5b6c";

enum class Backend { kSqlite, kPostgres };

// A database of one backend holding one one-SCO package and one registration; reopen()
// closes it and opens the same data again (migrating it).
struct Store {
  Backend backend;
  fs::path dir;
  std::string pg_url;
  std::string pg_schema;
  std::unique_ptr<lrs::Database> db;

  explicit Store(Backend b) : backend(b) {
    const std::string tag = std::to_string(std::random_device{}());
    if (backend == Backend::kSqlite) {
      dir = fs::temp_directory_path() / ("cmi-storage-test-" + tag);
      fs::create_directories(dir);
    } else {
      pg_schema = "cmi_storage_" + tag;
      test_support::postgres_admin(test_support::postgres_test_url(), "CREATE SCHEMA " + pg_schema);
      pg_url = test_support::postgres_url_in_schema(test_support::postgres_test_url(), pg_schema);
    }
    reopen();
    lrs::PackageRecord package;
    package.id = kPackage;
    package.title = "Course";
    package.version = "2004 4th Edition";
    package.summary_json = json{{"scos", {{{"identifier", "sco1"}, {"title", "Lesson"}}}}}.dump();
    package.directory = (fs::temp_directory_path() / "cmi-storage-package").string();
    REQUIRE(db->player().add_package(package));
    lrs::RegistrationRecord registration;
    registration.id = kRegistration;
    registration.package_id = kPackage;
    registration.learner_json = json{
        {"account", {{"homePage", "http://lms.test"}, {"name", "u7"}}},
        {"name", "Ada"}}.dump();
    REQUIRE(db->player().add_registration(registration));
  }
  ~Store() {
    db.reset();
    std::error_code ec;
    if (backend == Backend::kSqlite) fs::remove_all(dir, ec);
    if (backend == Backend::kPostgres) {
      try {
        test_support::postgres_admin(test_support::postgres_test_url(),
                                     "DROP SCHEMA " + pg_schema + " CASCADE");
      } catch (...) {  // a schema left behind is the server's, not a test failure
      }
    }
  }
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  void reopen() {
    db.reset();
    if (backend == Backend::kSqlite) {
      lrs::SqliteOptions options;
      options.path = (dir / "lrs.db").string();
      auto opened = lrs::open_sqlite_database(options);
      REQUIRE(opened);
      db = std::move(*opened);
    } else {
      lrs::PostgresOptions options;
      options.url = pg_url;
      options.connections = 2;
      auto opened = lrs::open_postgres_database(options);
      INFO((opened ? "" : opened.error().message));
      REQUIRE(opened);
      db = std::move(*opened);
    }
  }

  // The integer the query answers, read outside lrsbridge.
  std::int64_t count(const std::string& sql) {
    std::int64_t n = -1;
    if (backend == Backend::kPostgres) {
      PGconn* conn = PQconnectdb(pg_url.c_str());
      REQUIRE(PQstatus(conn) == CONNECTION_OK);
      PGresult* r = PQexec(conn, sql.c_str());
      if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1) {
        n = std::stoll(PQgetvalue(r, 0, 0));
      }
      PQclear(r);
      PQfinish(conn);
      return n;
    }
    sqlite3* raw = nullptr;
    REQUIRE(sqlite3_open((dir / "lrs.db").string().c_str(), &raw) == SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(raw, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW) {
      n = sqlite3_column_int64(stmt, 0);
    }
    sqlite3_finalize(stmt);
    sqlite3_close(raw);
    return n;
  }

  // Runs SQL on the database outside lrsbridge (a test's rewrite of its layout).
  void rewrite(const std::string& sql) {
    if (backend == Backend::kPostgres) {
      test_support::postgres_admin(pg_url, sql);
      return;
    }
    sqlite3* raw = nullptr;
    REQUIRE(sqlite3_open((dir / "lrs.db").string().c_str(), &raw) == SQLITE_OK);
    char* error = nullptr;
    const int rc = sqlite3_exec(raw, sql.c_str(), nullptr, nullptr, &error);
    INFO((error != nullptr ? error : ""));
    sqlite3_free(error);
    sqlite3_close(raw);
    REQUIRE(rc == SQLITE_OK);
  }
};

// One learner's session against a Store, with the model the runtime should hold next to
// it: every accepted commit is applied to `expected` too.
struct Learner {
  Store& store;
  player::AttemptCache cache;
  bool cached;
  lrs::AttemptRecord attempt;
  std::unique_ptr<scorm::CmiModel> expected;

  Learner(Store& s, bool with_cache) : store(s), cached(with_cache) {}

  bool launch() {
    player::ScoLaunch l;
    l.registration = kRegistration;
    l.sco = "sco1";
    l.cmi_version = "2004";
    l.learner_id = "u7";
    l.learner_name = "Ada";
    auto launched = player::launch_sco(store.db->player(), l, cached ? &cache : nullptr);
    REQUIRE(launched);
    attempt = launched->attempt;
    auto model = scorm::from_json(attempt.cmi_json);
    REQUIRE(model);
    expected = std::make_unique<scorm::CmiModel>(std::move(*model));
    return launched->resumed;
  }

  json commit(const json& body, bool terminate = false) {
    auto read = store.db->player().find_attempt_state(attempt.id);
    REQUIRE(read);
    REQUIRE(*read);
    auto reply = player::commit_attempt(store.db->player(), **read, attempt.session, body.dump(),
                                        terminate, cached ? &cache : nullptr);
    INFO(reply.body);
    REQUIRE(reply.status == 200);
    json out = json::parse(reply.body);
    const auto sequence = body.value("commitSequence", std::int64_t{-1});
    if (out["result"] == true && sequence > (*read)->commit_sequence) {
      scorm::CmiModel next = *expected;
      REQUIRE(scorm::apply_commit_json(next, body.dump()).ok());
      if (terminate) REQUIRE(scorm::end_session(next).error == 0);
      *expected = std::move(next);
    }
    return out;
  }

  lrs::AttemptRecord stored() {
    auto read = store.db->player().find_attempt(attempt.id);
    REQUIRE(read);
    REQUIRE(*read);
    return **read;
  }

  // The stored CMI read back is the model the runtime holds, to the byte once written
  // again.
  void check_stored() {
    auto model = scorm::from_json(stored().cmi_json);
    INFO((model ? "" : model.error()));
    REQUIRE(model);
    CHECK(*model == *expected);
    CHECK(scorm::to_json(*model) == scorm::to_json(*expected));
    // Kept value by value: one row per element, the head without them.
    const std::string id = std::to_string(attempt.id);
    CHECK(store.count("SELECT count(*) FROM attempt_values WHERE attempt = " + id) ==
          static_cast<std::int64_t>(expected->values().size()));
    CHECK(store.count("SELECT count(*) FROM attempts WHERE cmi LIKE '%cmi.%' AND id = " + id) == 0);
  }
};

// Commit n of a long session: a new interaction, a learner comment and a few scalars.
json long_session_commit(int n) {
  const std::string i = "cmi.interactions." + std::to_string(n) + ".";
  const std::string c = "cmi.comments_from_learner." + std::to_string(n) + ".";
  return {{i + "id", "q" + std::to_string(n)},
          {i + "type", "fill-in"},
          {i + "learner_response", "answer \"" + std::to_string(n) + "\" \\ é"},
          {i + "result", n % 2 == 0 ? "correct" : "incorrect"},
          {c + "comment", "line one\nline two\t" + std::to_string(n)},
          {c + "location", "page " + std::to_string(n)},
          {"cmi.location", "p" + std::to_string(n)},
          {"cmi.suspend_data", std::string(static_cast<std::size_t>(n) * 7, 'x')},
          {"cmi.progress_measure", std::to_string(n / 100.0).substr(0, 4)},
          {"commitSequence", n + 1}};
}

void stores_and_reads_back(Backend backend) {
  Store store(backend);
  for (bool cached : {true, false}) {
    CAPTURE(cached);
    Learner learner(store, cached);
    learner.launch();
    learner.check_stored();
    for (int n = 0; n < 30; ++n) {
      CHECK(learner.commit(long_session_commit(n))["result"] == true);
    }
    learner.check_stored();

    // A retry changes nothing: same revision, same CMI.
    const lrs::AttemptRecord before = learner.stored();
    CHECK(learner.commit(long_session_commit(29))["result"] == true);
    CHECK(learner.stored().revision == before.revision);
    CHECK(learner.stored().cmi_json == before.cmi_json);

    // A rejected commit (valid writes, then an out-of-range score) changes nothing.
    json rejected = {{"cmi.location", "nowhere"},
                     {"cmi.interactions.30.id", "q30"},
                     {"cmi.score.scaled", "7"},
                     {"commitSequence", 31}};
    CHECK(learner.commit(rejected)["result"] == false);
    CHECK(learner.stored().revision == before.revision);
    CHECK(learner.stored().cmi_json == before.cmi_json);
    learner.check_stored();

    // Suspend, then resume: the launch reads back the stored model.
    CHECK(learner.commit(
              {{"cmi.exit", "suspend"}, {"cmi.session_time", "PT1M"}, {"commitSequence", 31}},
              true)["result"] == true);
    learner.check_stored();
    CHECK(learner.launch());
    learner.check_stored();
    CHECK(learner.expected->stored("cmi.interactions.29.id") == "q29");
    CHECK(learner.commit({{"cmi.location", "resumed"}, {"commitSequence", 1}})["result"] == true);
    learner.check_stored();
    // Finish; the next launch starts a new attempt, read back as stored too.
    CHECK(learner.commit(
              {{"cmi.exit", "normal"}, {"cmi.session_time", "PT2M"}, {"commitSequence", 2}},
              true)["result"] == true);
    learner.check_stored();
    CHECK_FALSE(learner.launch());
    learner.check_stored();
    CHECK(learner.expected->count("cmi.interactions") == 0);
  }
}

// What a database written before the values were kept one by one looks like: every
// attempt's whole document in attempts.cmi.
void back_to_whole_documents(Store& store,
                             const std::vector<std::pair<std::int64_t, std::string>>& documents,
                             const std::string& version_sql) {
  std::string sql = "DROP TABLE attempt_values; ALTER TABLE attempts DROP COLUMN cmi_split; ";
  for (const auto& [id, text] : documents) {
    std::string quoted;
    for (char c : text) {
      quoted += c;
      if (c == '\'') quoted += '\'';
    }
    sql += "UPDATE attempts SET cmi = '" + quoted + "' WHERE id = " + std::to_string(id) + "; ";
  }
  store.rewrite(sql + version_sql);
}

void upgrades_whole_documents(Backend backend, const std::string& version_sql) {
  Store store(backend);
  Learner learner(store, true);
  learner.launch();
  for (int n = 0; n < 12; ++n) {
    CHECK(learner.commit(long_session_commit(n))["result"] == true);
  }
  CHECK(learner.commit({{"cmi.exit", "suspend"}, {"commitSequence", 13}}, true)["result"] == true);
  back_to_whole_documents(store, {{learner.attempt.id, scorm::to_json(*learner.expected)}},
                          version_sql);
  store.reopen();
  learner.check_stored();

  // Resumed after the upgrade: read back, changed, and read back again.
  Learner resumed(store, true);
  CHECK(resumed.launch());
  resumed.check_stored();
  CHECK(resumed.expected->stored("cmi.interactions.11.learner_response") == "answer \"11\" \\ é");
  CHECK(resumed.commit(long_session_commit(12))["result"] == true);
  resumed.check_stored();
}

// A CMI written as one document (as before, or by another writer) takes commits too: the
// first writes every value, the next ones what they change.
void commits_on_top_of_a_whole_document(Backend backend) {
  Store store(backend);
  Learner learner(store, false);
  learner.launch();
  lrs::AttemptRecord whole = learner.stored();
  whole.cmi_json = scorm::to_json(*learner.expected);
  REQUIRE(store.db->player().update_attempt(whole));
  CHECK(learner.stored().cmi_json == whole.cmi_json);  // opaque text, stored as it is
  CHECK(learner.commit(long_session_commit(0))["result"] == true);
  learner.check_stored();
  CHECK(learner.commit(long_session_commit(1))["result"] == true);
  learner.check_stored();

  // A resume of an attempt stored as one document writes every value too.
  CHECK(learner.commit({{"cmi.exit", "suspend"}, {"commitSequence", 3}}, true)["result"] == true);
  lrs::AttemptRecord suspended = learner.stored();
  suspended.cmi_json = scorm::to_json(*learner.expected);
  REQUIRE(store.db->player().update_attempt(suspended));
  CHECK(learner.launch());
  learner.check_stored();
  CHECK(learner.commit(long_session_commit(2))["result"] == true);
  learner.check_stored();

  // Changes on top of an opaque document are refused, naming the problem.
  lrs::AttemptRecord opaque = learner.stored();
  opaque.cmi_json = "not a CMI document";
  REQUIRE(store.db->player().update_attempt(opaque));
  lrs::AttemptRecord on_top = learner.stored();
  on_top.cmi_json = "{}";
  on_top.cmi_values = std::vector<lrs::CmiValueWrite>{{"\"cmi.location\"", "\"p1\""}};
  auto refused = store.db->player().update_attempt(on_top);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == lrs::ErrorCode::kInvalid);
  CHECK(refused.error().message.find("stored whole") != std::string::npos);
  CHECK(learner.stored().cmi_json == "not a CMI document");
}

}  // namespace

TEST_CASE("SQLite: an attempt's CMI is stored value by value and read back exactly", "[sqlite]") {
  stores_and_reads_back(Backend::kSqlite);
}

TEST_CASE("PostgreSQL: an attempt's CMI is stored value by value and read back exactly",
          "[postgres]") {
  stores_and_reads_back(Backend::kPostgres);
}

TEST_CASE("SQLite: a version 6 database's attempts are split into values and resume exactly",
          "[sqlite]") {
  upgrades_whole_documents(Backend::kSqlite, "UPDATE schema_version SET version = 6;");
}

TEST_CASE("PostgreSQL: a version 5 database's attempts are split into values and resume exactly",
          "[postgres]") {
  upgrades_whole_documents(Backend::kPostgres,
                           "DELETE FROM lrsbridge_schema_version WHERE version > 5;");
}

TEST_CASE("SQLite: a CMI stored as one document takes value-by-value commits", "[sqlite]") {
  commits_on_top_of_a_whole_document(Backend::kSqlite);
}

TEST_CASE("PostgreSQL: a CMI stored as one document takes value-by-value commits", "[postgres]") {
  commits_on_top_of_a_whole_document(Backend::kPostgres);
}

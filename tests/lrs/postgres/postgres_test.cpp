// The PostgreSQL backend where it differs from SQLite: databases shared by processes.
// Two Database objects on one schema have their own connections, pools and writer
// threads, which is all the server sees of two processes.
#include <algorithm>
#include <atomic>
#include <set>
#include <thread>

#include <catch2/catch.hpp>
#include <libpq-fe.h>

#include "lrs/contract/backends.h"

namespace lrs::test {
namespace {

std::vector<StoredStatement> everything(StatementStore& store, StatementFilter f) {
  std::vector<StoredStatement> out;
  for (;;) {
    auto page = store.query(f);
    REQUIRE(page);
    for (auto& s : page->statements) out.push_back(std::move(s));
    if (!page->next) return out;
    f.after_us = page->next;
  }
}

// Holds a SHARE lock on a table in a transaction of its own until release(): writers
// that insert into the table wait there, in the middle of their transactions and after
// they took their stored times, as a slow transaction would.
class TableBlocker {
 public:
  TableBlocker(const std::string& url, const std::string& table) : conn_(PQconnectdb(url.c_str())) {
    REQUIRE(PQstatus(conn_) == CONNECTION_OK);
    exec("BEGIN");
    exec("LOCK TABLE " + table + " IN SHARE MODE");
  }
  ~TableBlocker() { PQfinish(conn_); }
  TableBlocker(const TableBlocker&) = delete;
  TableBlocker& operator=(const TableBlocker&) = delete;
  void release() { exec("COMMIT"); }

  // Waits until a transaction waits for the lock on `table`.
  void wait_for_writer(const std::string& table) {
    for (int i = 0; i < 1000; ++i) {
      PGresult* r = PQexec(conn_, ("SELECT count(*) FROM pg_locks WHERE NOT granted AND "
                                   "relation = '" +
                                   table + "'::regclass")
                                      .c_str());
      bool waiting =
          PQresultStatus(r) == PGRES_TUPLES_OK && std::string(PQgetvalue(r, 0, 0)) != "0";
      PQclear(r);
      if (waiting) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    FAIL("no writer waited for " + table);
  }

 private:
  void exec(const std::string& sql) {
    PGresult* r = PQexec(conn_, sql.c_str());
    INFO(sql << ": " << PQresultErrorMessage(r));
    CHECK(PQresultStatus(r) == PGRES_COMMAND_OK);
    PQclear(r);
  }
  PGconn* conn_;
};

// The first column of the first row of `sql`, run on its own connection.
std::string postgres_value(const std::string& url, const std::string& sql) {
  PGconn* conn = PQconnectdb(url.c_str());
  REQUIRE(PQstatus(conn) == CONNECTION_OK);
  PGresult* r = PQexec(conn, sql.c_str());
  INFO(sql << ": " << PQresultErrorMessage(r));
  bool ok = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1;
  std::string value = ok ? PQgetvalue(r, 0, 0) : "";
  PQclear(r);
  PQfinish(conn);
  REQUIRE(ok);
  return value;
}

// `count` records with ids from `first` on.
std::vector<StatementRecord> records_from(std::uint64_t first, std::uint64_t count) {
  std::vector<StatementRecord> out;
  for (std::uint64_t n = first; n < first + count; ++n) out.push_back(record(make_id(n), "v:a"));
  return out;
}

}  // namespace

TEST_CASE("two processes analyze a young database once between them", "[postgres]") {
  PostgresBackend backend;
  auto a = backend.open();
  auto b = backend.open();
  // ANALYZEs run by the stores (autovacuum's are counted apart).
  auto analyzed = [&] {
    return postgres_value(backend.url,
                          "SELECT analyze_count FROM pg_stat_user_tables "
                          "WHERE relid = 'statements'::regclass");
  };
  // Each process looks at its 1,000th statement, then at its 2,000th, ...
  insert_ok(a->statements(), records_from(1, 999));
  insert_ok(b->statements(), records_from(1000, 999));
  CHECK(analyzed() == "0");
  insert_ok(a->statements(), records_from(2000, 1));
  CHECK(analyzed() == "1");
  // The table is as big as at the last ANALYZE: the other process has nothing to do.
  insert_ok(b->statements(), records_from(2001, 1));
  CHECK(analyzed() == "1");
  // Twice as big: whichever process looks next analyzes again.
  insert_ok(b->statements(), records_from(2002, 1999));
  CHECK(analyzed() == "2");
}

TEST_CASE("two processes on one database lose and duplicate nothing", "[postgres]") {
  PostgresBackend backend;
  auto a = backend.open();
  auto b = backend.open();
  constexpr int kThreads = 4, kBatches = 30, kPerBatch = 5;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      StatementStore& store = (t % 2 == 0 ? a : b)->statements();
      for (int i = 0; i < kBatches; ++i) {
        std::vector<StatementRecord> batch;
        for (int k = 0; k < kPerBatch; ++k) {
          auto r = record(make_id(static_cast<std::uint64_t>(t * 100'000 + i * 10 + k)), "v:two");
          r.agents = {"mbox:" + std::to_string(k)};
          batch.push_back(std::move(r));
        }
        // Every other batch re-sends the previous one to the other process.
        if (i % 2 == 1) {
          auto again =
              record(make_id(static_cast<std::uint64_t>(t * 100'000 + (i - 1) * 10)), "v:two");
          again.agents = {"mbox:0"};
          batch.push_back(again);
        }
        if (!store.insert(std::move(batch), kSame)) ++failures;
      }
    });
  }
  // A reader pages through while the writers run; its cursor alternates between the
  // processes and must never skip or repeat.
  StatementFilter f;
  f.ascending = true;
  f.limit = 7;
  std::vector<Uuid> seen;
  std::int64_t last = 0;
  for (int page_no = 0; page_no < 400; ++page_no) {
    auto page = (page_no % 2 == 0 ? a : b)->statements().query(f);
    REQUIRE(page);
    for (const auto& s : page->statements) {
      CHECK(s.stored_us > last);
      last = s.stored_us;
      seen.push_back(s.id);
    }
    // At the end of what is stored so far there is no `more`: go on from the last one.
    if (!page->statements.empty()) f.after_us = page->statements.back().stored_us;
    auto through = (page_no % 2 == 0 ? b : a)->statements().consistent_through();
    REQUIRE(through);
  }
  for (auto& th : threads) th.join();
  CHECK(failures == 0);
  // Continue the same cursor to the end: everything stored appears exactly once.
  for (;;) {
    auto page = b->statements().query(f);
    REQUIRE(page);
    for (const auto& s : page->statements) {
      CHECK(s.stored_us > last);
      last = s.stored_us;
      seen.push_back(s.id);
    }
    if (!page->next) break;
    f.after_us = page->next;
  }
  std::set<Uuid> unique(seen.begin(), seen.end());
  CHECK(unique.size() == seen.size());
  CHECK(unique.size() == static_cast<std::size_t>(kThreads * kBatches * kPerBatch));
  StatementFilter by_agent;
  by_agent.agent = "mbox:0";
  CHECK(everything(a->statements(), by_agent).size() ==
        static_cast<std::size_t>(kThreads * kBatches));
}

TEST_CASE("consistent-through covers what the other process stored", "[postgres]") {
  PostgresBackend backend;
  auto a = backend.open();
  auto b = backend.open();
  REQUIRE(a->statements().insert({record(make_id(1), "v:a")}, kSame));
  auto stored = (*a->statements().get(make_id(1)))->stored_us;
  auto through = b->statements().consistent_through();
  REQUIRE(through);
  CHECK(*through >= stored);
  REQUIRE(b->statements().insert({record(make_id(2), "v:a")}, kSame));
  CHECK((*a->statements().get(make_id(2)))->stored_us > *through);
}

// Three processes: A and B take their stored times and stall before COMMIT (B's times
// after A's), C stores a statement after both and commits at once. A cursor paged
// meanwhile must not pass A's and B's times: a naive reader would return C's
// statement, move its cursor past it and never see A's and B's.
TEST_CASE("a cursor paged while two slow transactions interleave misses nothing", "[postgres]") {
  PostgresBackend backend;
  auto a = backend.open();
  auto b = backend.open();
  auto c = backend.open();
  insert_ok(c->statements(), {record(make_id(1), "v:i")});

  TableBlocker names(backend.url, "agent_names");
  TableBlocker definitions(backend.url, "activity_definitions");
  auto slow_a = record(make_id(2), "v:i");
  slow_a.agent_names = {{"mbox:a", "A"}};
  std::thread ta([&] { CHECK(a->statements().insert({slow_a}, kSame)); });
  names.wait_for_writer("agent_names");
  auto slow_b = record(make_id(3), "v:i");
  slow_b.definitions = {{"act:b", R"({"name":{"en":"B"}})"}};
  std::thread tb([&] { CHECK(b->statements().insert({slow_b}, kSame)); });
  definitions.wait_for_writer("activity_definitions");
  insert_ok(c->statements(), {record(make_id(4), "v:i")});

  // The cursor of a client that pages one statement at a time and polls for more.
  std::vector<Uuid> seen;
  std::optional<std::int64_t> after;
  auto page_on = [&](StatementStore& store) {
    for (;;) {
      StatementFilter f;
      f.verb = "v:i";
      f.ascending = true;
      f.limit = 1;
      f.after_us = after;
      auto page = store.query(f);
      REQUIRE(page);
      if (page->statements.empty()) return;
      seen.push_back(page->statements.front().id);
      after = page->statements.front().stored_us;
    }
  };
  page_on(c->statements());
  CHECK(seen == std::vector<Uuid>{make_id(1)});
  auto through = c->statements().consistent_through();
  REQUIRE(through);

  definitions.release();  // B commits first, A is still in flight
  tb.join();
  page_on(a->statements());
  CHECK(seen == std::vector<Uuid>{make_id(1)});

  names.release();
  ta.join();
  page_on(b->statements());
  CHECK(seen == std::vector<Uuid>{make_id(1), make_id(2), make_id(3), make_id(4)});
  CHECK(*through < (*c->statements().get(make_id(2)))->stored_us);
  auto now_through = c->statements().consistent_through();
  REQUIRE(now_through);
  CHECK(*now_through >= (*c->statements().get(make_id(4)))->stored_us);
}

TEST_CASE("the same statements sent to two processes at once are stored once", "[postgres]") {
  PostgresBackend backend;
  auto a = backend.open();
  auto b = backend.open();
  for (std::uint64_t n = 0; n < 20; ++n) {
    std::vector<StatementRecord> batch;
    for (std::uint64_t k = 0; k < 5; ++k) batch.push_back(record(make_id(n * 10 + k), "v:twice"));
    // The last one differs in content: exactly one process may store it.
    auto differ_a = record(make_id(n * 10 + 9), "v:twice", "a");
    auto differ_b = record(make_id(n * 10 + 9), "v:twice", "b");
    Result<StatementStore::InsertResult> ra, rb, ca, cb;
    std::thread t1([&] {
      ra = a->statements().insert(batch, kSame);
      ca = a->statements().insert({differ_a}, kSame);
    });
    std::thread t2([&] {
      rb = b->statements().insert(batch, kSame);
      cb = b->statements().insert({differ_b}, kSame);
    });
    t1.join();
    t2.join();
    REQUIRE(ra);
    REQUIRE(rb);
    for (std::size_t k = 0; k < batch.size(); ++k) CHECK(ra->inserted[k] != rb->inserted[k]);
    CHECK(ca.has_value() != cb.has_value());
    const auto& refused = ca ? cb : ca;
    if (!refused) CHECK(refused.error().code == ErrorCode::kConflict);
  }
  StatementFilter f;
  f.verb = "v:twice";
  f.limit = 1000;
  CHECK(query_ok(a->statements(), f).statements.size() == 20 * 6);
}

TEST_CASE("definitions of one new activity sent to two processes at once are both merged",
          "[postgres]") {
  PostgresBackend backend;
  auto a = backend.open();
  auto b = backend.open();
  for (std::uint64_t n = 0; n < 20; ++n) {
    std::string activity = "act:new-" + std::to_string(n);
    auto ra = record(make_id(n * 2), "v:def");
    ra.definitions = {{activity, R"({"name":{"en":"English"}})"}};
    ra.redefine = true;
    auto rb = record(make_id(n * 2 + 1), "v:def");
    rb.definitions = {{activity, R"({"name":{"fr":"Francais"}})"}};
    rb.redefine = true;
    std::thread t1([&] { CHECK(a->statements().insert({ra}, kSame)); });
    std::thread t2([&] { CHECK(b->statements().insert({rb}, kSame)); });
    t1.join();
    t2.join();
    auto stored = a->statements().activity_definition(activity);
    REQUIRE(stored);
    REQUIRE(stored->has_value());
    CHECK((*stored)->find("English") != std::string::npos);
    CHECK((*stored)->find("Francais") != std::string::npos);
  }
}

TEST_CASE("voiding across processes: the target and the voider arrive at once", "[postgres]") {
  PostgresBackend backend;
  auto a = backend.open();
  auto b = backend.open();
  const std::string kVoided = "http://adlnet.gov/expapi/verbs/voided";
  for (std::uint64_t n = 0; n < 20; ++n) {
    auto target = record(make_id(1000 + n), "v:t");
    auto voider = record(make_id(2000 + n), kVoided);
    voider.statement_ref = target.id;
    voider.voiding = true;
    std::thread t1([&] { REQUIRE(a->statements().insert({target}, kSame)); });
    std::thread t2([&] { REQUIRE(b->statements().insert({voider}, kSame)); });
    t1.join();
    t2.join();
    CHECK((*a->statements().get(target.id))->voided);
  }
  // The voided targets never match; their voiding statements match through them.
  StatementFilter f;
  f.verb = "v:t";
  std::set<Uuid> matched;
  for (const auto& s : everything(b->statements(), f)) matched.insert(s.id);
  std::set<Uuid> voiders;
  for (std::uint64_t n = 0; n < 20; ++n) voiders.insert(make_id(2000 + n));
  CHECK(matched == voiders);
}

TEST_CASE("processes starting at once migrate once", "[postgres]") {
  PostgresBackend backend;
  std::vector<std::unique_ptr<Database>> dbs(4);
  std::vector<std::string> errors(4);
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      PostgresOptions options;
      options.url = backend.url;
      auto db = open_postgres_database(options);
      if (db) {
        dbs[i] = std::move(*db);
      } else {
        errors[i] = db.error().message;
      }
    });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < 4; ++i) {
    INFO(errors[i]);
    REQUIRE(dbs[i]);
  }
  REQUIRE(dbs[0]->statements().insert({record(make_id(1), "v:a")}, kSame));
  CHECK(dbs[3]->statements().get(make_id(1))->has_value());
}

TEST_CASE("a version 1 database gains the later tables and the clock sequence, keeping its data",
          "[postgres]") {
  PostgresBackend backend;
  {
    auto db = backend.open();
    REQUIRE(db->statements().insert({record(make_id(1), "v:a")}, kSame));
  }
  // What a database made before the import and person stores and the clock sequence looks
  // like, its clock a day ahead of the server's (a clock that stepped back since).
  postgres_admin(backend.url,
                 "DROP TABLE attempt_values; ALTER TABLE attempts DROP COLUMN cmi_split; "
                 "DROP TABLE import_quarantine; DROP TABLE import_jobs; DROP TABLE person_links; "
                 "CREATE TABLE stored_clock (id integer PRIMARY KEY CHECK (id = 1), "
                 "last bigint NOT NULL); "
                 "INSERT INTO stored_clock SELECT 1, last_value + 86400000000 "
                 "FROM stored_clock_seq; "
                 "DROP FUNCTION lrsbridge_take_stored(bigint); "
                 "DROP FUNCTION lrsbridge_stored_horizon(); DROP SEQUENCE stored_clock_seq; "
                 "DELETE FROM lrsbridge_schema_version WHERE version > 1");
  auto db = backend.open();
  auto old = db->statements().get(make_id(1));
  REQUIRE(old);
  REQUIRE(old->has_value());
  ImportJobRecord job;
  job.id = "job-1";
  job.started_us = 5;
  REQUIRE(db->imports().add_job(job));
  REQUIRE(db->imports().quarantine({{"job-1", 3, "3,x", "bad date", false}}));
  CHECK(db->imports().quarantined("job-1", false)->size() == 1);
  // The sequence continues from the table's clock, not from the server's.
  REQUIRE(db->statements().insert({record(make_id(2), "v:a")}, kSame));
  auto fresh = db->statements().get(make_id(2));
  REQUIRE(fresh);
  REQUIRE(fresh->has_value());
  CHECK((*fresh)->stored_us > (*old)->stored_us + 86400000000LL);
  REQUIRE(db->persons().link({{"k1", "{}", "test", 1}, {"k2", "{}", "test", 1}}, "p1"));
  CHECK((*db->persons().find_by_agent("k2"))->id == "p1");
}

TEST_CASE("a version 4 database, direct terms linked in both roles, upgrades to version 5",
          "[postgres]") {
  PostgresBackend backend;
  auto rec = [](std::uint64_t n, std::vector<std::string> agents,
                std::vector<std::string> rel_agents) {
    auto r = record(make_id(n), "v:a");
    r.agents = std::move(agents);
    r.related_agents = std::move(rel_agents);
    r.activities = {"act:1"};
    return r;
  };
  {
    auto db = backend.open();
    insert_ok(db->statements(), {rec(1, {"mbox:alice"}, {})});
    insert_ok(db->statements(), {rec(2, {"mbox:bob"}, {"mbox:alice"})});
  }
  // Version 4 stored a direct agent or activity under role 1 as well, in `links` and in
  // the statement's `terms`, and analyzed every column.
  postgres_admin(backend.url,
                 "INSERT INTO links (term, stored) SELECT l.term + 1, l.stored FROM links l "
                 "JOIN terms t ON l.term = t.id * 2 WHERE t.key LIKE 'a%' OR t.key LIKE 'c%' "
                 "ON CONFLICT DO NOTHING; "
                 "UPDATE statements s SET terms = ARRAY(SELECT term FROM links l "
                 "WHERE l.stored = s.stored ORDER BY term); "
                 "ALTER TABLE statements ALTER COLUMN body SET STATISTICS -1, "
                 "ALTER COLUMN terms SET STATISTICS -1; "
                 "DROP TABLE attempt_values; ALTER TABLE attempts DROP COLUMN cmi_split; "
                 "DELETE FROM lrsbridge_schema_version WHERE version > 4");
  auto db = backend.open();
  CHECK_NOTHROW(postgres_admin(
      backend.url,
      "DO $$ BEGIN IF (SELECT max(version) FROM lrsbridge_schema_version) <> 6 OR "
      "(SELECT attstattarget FROM pg_attribute WHERE attrelid = 'statements'::regclass "
      "AND attname = 'body') <> 0 THEN RAISE EXCEPTION 'not migrated'; END IF; END $$"));
  auto& store = db->statements();
  insert_ok(store, {rec(3, {"mbox:alice"}, {})});
  // 1 (old, both roles) and 3 (new, direct only) once each, 2 through its related link.
  for (std::size_t limit : {std::size_t{1}, std::size_t{100}}) {
    StatementFilter f;
    f.limit = limit;
    f.agent = "mbox:alice";
    CHECK(query_all(store, f) == std::vector<Uuid>{make_id(3), make_id(1)});
    f.related_agents = true;
    CHECK(query_all(store, f) == std::vector<Uuid>{make_id(3), make_id(2), make_id(1)});
    f.activity = "act:1";
    f.related_activities = true;
    CHECK(query_all(store, f) == std::vector<Uuid>{make_id(3), make_id(2), make_id(1)});
  }
  // Voiding an old statement unlinks both of its roles; its voider inherits them
  // (StatementRef targets pass their filters on).
  auto voider = record(make_id(4), "http://adlnet.gov/expapi/verbs/voided");
  voider.statement_ref = make_id(1);
  voider.voiding = true;
  insert_ok(store, {voider});
  StatementFilter f;
  f.agent = "mbox:alice";
  f.related_agents = true;
  CHECK(query_all(store, f) == std::vector<Uuid>{make_id(4), make_id(3), make_id(2)});
  CHECK_NOTHROW(postgres_admin(
      backend.url,
      "DO $$ BEGIN IF EXISTS (SELECT 1 FROM links l JOIN statements s USING (stored) "
      "WHERE s.voided) THEN RAISE EXCEPTION 'a voided statement is linked'; END IF; END $$"));
}

TEST_CASE("import jobs and their quarantine are shared by processes", "[postgres]") {
  PostgresBackend backend;
  auto a = backend.open();
  auto b = backend.open();
  ImportJobRecord job;
  job.id = "job-1";
  job.started_us = 5;
  REQUIRE(a->imports().add_job(job));
  auto again = b->imports().add_job(job);
  REQUIRE_FALSE(again);
  CHECK(again.error().code == ErrorCode::kConflict);
  REQUIRE(a->imports().quarantine(
      {{"job-1", 2, "2,x", "unknown user", false}, {"job-1", 4, "4,y", "bad date", false}}));
  REQUIRE(b->imports().resolve("job-1", {2}));
  auto open_rows = a->imports().quarantined("job-1", false);
  REQUIRE(open_rows->size() == 1);
  CHECK((*open_rows)[0].line == 4);
  job.state = "finished";
  job.rows_quarantined = 1;
  REQUIRE(b->imports().update_job(job));
  CHECK((*a->imports().find_job("job-1"))->state == "finished");
}

TEST_CASE("databases that are not ours are refused", "[postgres]") {
  PostgresBackend backend;
  SECTION("newer schema version") {
    backend.open().reset();
    postgres_admin(backend.url, "INSERT INTO lrsbridge_schema_version VALUES (99)");
    PostgresOptions options;
    options.url = backend.url;
    auto db = open_postgres_database(options);
    REQUIRE_FALSE(db);
    CHECK(db.error().code == ErrorCode::kInvalid);
    CHECK(db.error().message.find("schema version 99") != std::string::npos);
  }
  SECTION("another application's statements table") {
    postgres_admin(backend.url, "CREATE TABLE statements (x integer)");
    PostgresOptions options;
    options.url = backend.url;
    auto db = open_postgres_database(options);
    REQUIRE_FALSE(db);
    CHECK(db.error().code == ErrorCode::kInvalid);
    CHECK(db.error().message.find("no lrsbridge schema version") != std::string::npos);
  }
  SECTION("no server") {
    PostgresOptions options;
    options.url = "postgresql://nobody:secret-password@127.0.0.1:1/none?connect_timeout=2";
    auto db = open_postgres_database(options);
    REQUIRE_FALSE(db);
    CHECK(db.error().code == ErrorCode::kUnavailable);
    CHECK(db.error().message.find("127.0.0.1:1") != std::string::npos);
    CHECK(db.error().message.find("secret-password") == std::string::npos);
  }
}

TEST_CASE("lost connections are retried without losing or duplicating statements", "[postgres]") {
  PostgresBackend backend;
  auto db = backend.open();
  std::atomic<bool> stop{false};
  // Cuts every connection of this test's schema now and then, as a server restart or
  // a network failure would.
  std::thread killer([&] {
    while (!stop) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      try {
        postgres_admin(backend.base,
                       "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE "
                       "application_name = '" +
                           backend.schema + "'");
      } catch (const std::exception&) {
      }
    }
  });
  std::vector<Uuid> acknowledged;
  int failed = 0;
  for (std::uint64_t i = 0; i < 150; ++i) {
    std::vector<StatementRecord> batch;
    for (std::uint64_t k = 0; k < 4; ++k) batch.push_back(record(make_id(i * 10 + k), "v:lost"));
    auto r = db->statements().insert(batch, kSame);
    if (r) {
      for (const auto& rec : batch) acknowledged.push_back(rec.id);
    } else {
      ++failed;
      CHECK(r.error().code == ErrorCode::kUnavailable);
    }
  }
  stop = true;
  killer.join();
  CHECK(failed == 0);
  StatementFilter f;
  f.verb = "v:lost";
  auto stored = everything(db->statements(), f);
  std::set<Uuid> ids;
  for (const auto& s : stored) ids.insert(s.id);
  CHECK(ids.size() == stored.size());
  for (const Uuid& id : acknowledged) CHECK(ids.count(id) == 1);
}

// A COMMIT that succeeded but whose answer was lost: the pool runs the transaction
// again, which finds its own row. It must succeed, not report its own row as a conflict;
// a different row with the same key still is one.
TEST_CASE("inserts retried after a lost COMMIT answer recognise their own rows", "[postgres]") {
  PostgresBackend backend;
  auto db = backend.open();

  Credential cred;
  cred.key = "lost-commit";
  cred.secret_hash = "pbkdf2-sha256$1$c2FsdA==$aGFzaA==";
  cred.scopes = {"all"};
  cred.label = "retried";
  cred.authority = R"({"mbox":"mailto:a@example.org"})";
  cred.created_us = 42;
  lose_next_commit_replies_for_testing(1);
  REQUIRE(db->credentials().add(cred));
  CHECK(db->credentials().list()->size() == 1);
  auto other = cred;
  other.created_us = 43;
  auto again = db->credentials().add(other);
  REQUIRE_FALSE(again);
  CHECK(again.error().code == ErrorCode::kConflict);
  // Without a lost answer, even the same content added twice is a conflict.
  auto twice = db->credentials().add(cred);
  REQUIRE_FALSE(twice);
  CHECK(twice.error().code == ErrorCode::kConflict);

  PackageRecord pkg;
  pkg.id = "pkg-lost";
  pkg.title = "Course";
  pkg.version = "1.2";
  pkg.summary_json = R"({"scos":["sco-1"]})";
  pkg.directory = "/data/pkg-lost";
  pkg.created_us = 7;
  lose_next_commit_replies_for_testing(1);
  REQUIRE(db->player().add_package(pkg));
  CHECK(db->player().list_packages()->size() == 1);
  auto pkg2 = pkg;
  pkg2.title = "Another course";
  auto clash = db->player().add_package(pkg2);
  REQUIRE_FALSE(clash);
  CHECK(clash.error().code == ErrorCode::kConflict);

  ImportJobRecord job;
  job.id = "job-lost";
  job.file_name = "export.csv";
  job.format = "moodle";
  job.settings_json = "{}";
  job.started_us = 9;
  lose_next_commit_replies_for_testing(1);
  REQUIRE(db->imports().add_job(job));
  auto found = db->imports().find_job("job-lost");
  REQUIRE(found);
  CHECK(found->has_value());
  auto job2 = job;
  job2.started_us = 10;
  auto dup = db->imports().add_job(job2);
  REQUIRE_FALSE(dup);
  CHECK(dup.error().code == ErrorCode::kConflict);

  // Statements: the group is run again and finds them stored with the same content.
  lose_next_commit_replies_for_testing(1);
  auto stored = db->statements().insert({record(make_id(1), "v:lost-commit")}, kSame);
  REQUIRE(stored);
  StatementFilter f;
  f.verb = "v:lost-commit";
  CHECK(query_ok(db->statements(), f).statements.size() == 1);
  lose_next_commit_replies_for_testing(0);
}

}  // namespace lrs::test

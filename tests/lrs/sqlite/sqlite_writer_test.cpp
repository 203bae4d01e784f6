// The SQLite writer (group commit): who applies a job, what one transaction holds, and what
// the participants are told.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "sqlite_test_support.h"
#include "writer.h"

namespace lrs::test {
namespace {

using sqlite::Connection;
using sqlite::FunctionJob;
using sqlite::Writer;

std::unique_ptr<Connection> open_writer_connection(const std::string& path) {
  auto conn = Connection::open(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  REQUIRE(conn);
  REQUIRE((*conn)->exec("PRAGMA journal_mode = WAL; CREATE TABLE t (v INTEGER NOT NULL)", "setup"));
  return std::move(*conn);
}

// Records the hooks it is given, in order, with the transaction each belongs to.
class RecordingParticipant final : public sqlite::WriteParticipant {
 public:
  Result<void> on_transaction_begin(Connection&) override {
    idle_pending = false;
    note("begin");
    return {};
  }
  void on_job_end(bool kept) override { note(kept ? "kept" : "dropped"); }
  Result<void> before_commit(Connection&) override {
    note("before_commit");
    if (want_idle.exchange(false)) idle_pending = true;
    return {};
  }
  void on_transaction_end(bool committed) override {
    note(committed ? "committed" : "rolled_back");
  }
  Result<void> on_shutdown(Connection&) override {
    note("shutdown");
    return {};
  }
  // Asked under the writer's queue lock.
  bool wants_idle_transaction() override { return idle_pending; }

  std::vector<std::string> events() {
    std::lock_guard<std::mutex> lock(mu);
    return log;
  }
  void clear() {
    std::lock_guard<std::mutex> lock(mu);
    log.clear();
  }

  std::atomic<bool> want_idle{false};
  std::atomic<bool> idle_pending{false};

 private:
  void note(const std::string& e) {
    std::lock_guard<std::mutex> lock(mu);
    log.push_back(e);
  }
  std::mutex mu;
  std::vector<std::string> log;
};

Result<void> insert_value(Connection& conn, std::int64_t v) {
  auto stmt = conn.prepare("INSERT INTO t (v) VALUES (?1)");
  if (!stmt) return tl::unexpected<Error>(std::move(stmt).error());
  sqlite::StmtUse q(stmt->get());
  q->bind(1, v);
  return q->run("inserting a test value");
}

// A started writer on a fresh file with a RecordingParticipant.
struct StartedWriter {
  explicit StartedWriter(std::chrono::milliseconds contended_pause = Writer::kContendedPause)
      : path(dir.file("w.db")), writer(open_writer_connection(path), 100, contended_pause) {
    writer.add_participant(&participant);
    writer.start();
  }
  TempDir dir;
  std::string path;
  RecordingParticipant participant;
  Writer writer;  // last: stopped before the rest goes
};

}  // namespace

TEST_CASE("a job given to an idle writer is applied on the calling thread, alone",
          "[sqlite][writer]") {
  StartedWriter w;
  auto& [dir, path, participant, writer] = w;

  std::thread::id applied_on;
  FunctionJob job([&](Connection& conn) {
    applied_on = std::this_thread::get_id();
    return insert_value(conn, 1);
  });
  REQUIRE(writer.run(job));
  CHECK(applied_on == std::this_thread::get_id());
  CHECK(participant.events() ==
        std::vector<std::string>{"begin", "kept", "before_commit", "committed"});
  CHECK(count_in(path, "SELECT count(*) FROM t WHERE v = 1") == 1);
  writer.stop();
}

TEST_CASE("jobs arriving while a job is applied wait and commit together, each under a savepoint",
          "[sqlite][writer]") {
  // Long enough that the first check below cannot outlast it on a loaded machine.
  StartedWriter w(std::chrono::milliseconds(1000));
  auto& [dir, path, participant, writer] = w;

  // The first job holds the writer until three more are queued.
  std::vector<std::thread::id> group_threads(3);
  FunctionJob first([&](Connection& conn) {
    while (writer.waiting() < 3) std::this_thread::yield();
    return insert_value(conn, 0);
  });
  std::vector<Result<void>> results(3);
  std::vector<std::thread::id> callers(3);
  std::vector<std::thread> threads;
  std::thread first_caller([&] { REQUIRE(writer.run(first)); });
  while (writer.with_queue_state([](bool idle) { return idle; })) std::this_thread::yield();
  for (int i = 0; i < 3; ++i) {
    threads.emplace_back([&, i] {
      callers[i] = std::this_thread::get_id();
      FunctionJob job([&, i](Connection& conn) -> Result<void> {
        group_threads[i] = std::this_thread::get_id();
        LRS_SQLITE_TRY(insert_value(conn, 10 + i));
        // The second one fails after writing: its savepoint alone is rolled back.
        if (i == 1) return fail(ErrorCode::kConflict, "job 1 refuses");
        return {};
      });
      results[i] = writer.run(job);
    });
  }
  first_caller.join();
  for (auto& t : threads) t.join();

  CHECK(results[0]);
  REQUIRE_FALSE(results[1]);
  CHECK(results[1].error().code == ErrorCode::kConflict);
  CHECK(results[2]);
  // Applied by the writer thread, not by their callers; all three in one transaction.
  for (int i = 0; i < 3; ++i) {
    CHECK(group_threads[i] != callers[i]);
    CHECK(group_threads[i] == group_threads[0]);
  }
  // One transaction for the three, in the order they queued.
  auto events = participant.events();
  REQUIRE(events.size() == 4 + 6);
  CHECK(events[4] == "begin");
  std::vector<std::string> jobs(events.begin() + 5, events.begin() + 8);
  std::sort(jobs.begin(), jobs.end());
  CHECK(jobs == std::vector<std::string>{"dropped", "kept", "kept"});
  CHECK(events[8] == "before_commit");
  CHECK(events[9] == "committed");
  CHECK(count_in(path, "SELECT count(*) FROM t") == 3);
  CHECK(count_in(path, "SELECT count(*) FROM t WHERE v = 11") == 0);

  // Callers had to wait: for a while, even a job given to the idle writer goes to the
  // writer thread (where later arrivals join its group)...
  std::thread::id applied_on;
  FunctionJob next([&](Connection& conn) {
    applied_on = std::this_thread::get_id();
    return insert_value(conn, 20);
  });
  REQUIRE(writer.run(next));
  CHECK(applied_on == group_threads[0]);
  // ...and once that while has passed without waiting, callers apply their jobs again.
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  REQUIRE(writer.run(next));
  CHECK(applied_on == std::this_thread::get_id());
  writer.stop();
}

TEST_CASE("a failing job alone in its transaction leaves nothing and the next one commits",
          "[sqlite][writer]") {
  StartedWriter w;
  auto& [dir, path, participant, writer] = w;

  FunctionJob failing([](Connection& conn) -> Result<void> {
    LRS_SQLITE_TRY(insert_value(conn, 1));
    return fail(ErrorCode::kInvalid, "no, thanks");
  });
  auto r = writer.run(failing);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::kInvalid);
  CHECK(r.error().message == "no, thanks");
  CHECK(participant.events() == std::vector<std::string>{"begin", "dropped", "rolled_back"});
  CHECK(count_in(path, "SELECT count(*) FROM t") == 0);

  participant.clear();
  FunctionJob throwing([](Connection& conn) -> Result<void> {
    LRS_SQLITE_TRY(insert_value(conn, 2));
    throw std::runtime_error("boom");
  });
  r = writer.run(throwing);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::kInternal);
  CHECK(count_in(path, "SELECT count(*) FROM t") == 0);

  participant.clear();
  FunctionJob fine([](Connection& conn) { return insert_value(conn, 3); });
  REQUIRE(writer.run(fine));
  CHECK(participant.events() ==
        std::vector<std::string>{"begin", "kept", "before_commit", "committed"});
  CHECK(count_in(path, "SELECT count(*) FROM t") == 1);
  writer.stop();
}

TEST_CASE("after a job applied by its caller, the writer thread runs a wanted idle transaction",
          "[sqlite][writer]") {
  StartedWriter w;
  auto& [dir, path, participant, writer] = w;

  participant.want_idle = true;
  FunctionJob job([](Connection& conn) { return insert_value(conn, 1); });
  REQUIRE(writer.run(job));
  // The idle transaction follows on the writer thread.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (participant.events().size() < 7 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  writer.stop();
  CHECK(participant.events() == std::vector<std::string>{"begin", "kept", "before_commit",
                                                         "committed", "begin", "before_commit",
                                                         "committed", "shutdown"});
}

TEST_CASE("a stopped writer refuses jobs", "[sqlite][writer]") {
  StartedWriter w;
  auto& [dir, path, participant, writer] = w;
  writer.stop();
  CHECK(participant.events() == std::vector<std::string>{"shutdown"});
  FunctionJob job([](Connection& conn) { return insert_value(conn, 1); });
  auto r = writer.run(job);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::kUnavailable);
  CHECK(count_in(path, "SELECT count(*) FROM t") == 0);
}

}  // namespace lrs::test

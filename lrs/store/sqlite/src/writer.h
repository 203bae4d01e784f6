// The single writer of a SQLite database: group commit. Private to lrs_sqlite.
//
// Callers hand a WriteJob to run() and block. The writer thread takes every job waiting
// (up to a total weight) and applies them in one transaction, each under its own
// SAVEPOINT so a failing job is rolled back alone, then COMMITs and only then answers
// every caller. SQLite allows one writer per file, so all writes of every store go here.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "sqlite_handle.h"

namespace lrs::sqlite {

class WriteJob {
 public:
  WriteJob() = default;
  virtual ~WriteJob() = default;
  WriteJob(const WriteJob&) = delete;
  WriteJob& operator=(const WriteJob&) = delete;

  // Roughly the number of rows written; bounds the size of one group.
  virtual std::size_t weight() const { return 1; }
  // Runs on the writer thread inside the group's transaction, under the job's
  // savepoint. An error rolls back this job only; the caller gets the error.
  virtual Result<void> apply(Connection& conn) = 0;
};

// A job made of one function, for the small writes of credentials, documents and the
// player's records.
class FunctionJob final : public WriteJob {
 public:
  explicit FunctionJob(std::function<Result<void>(Connection&)> fn) : fn_(std::move(fn)) {}
  Result<void> apply(Connection& conn) override { return fn_(conn); }

 private:
  std::function<Result<void>(Connection&)> fn_;
};

// State kept across jobs by the writer thread (caches, clocks) that has to follow
// savepoints and transactions. All hooks run on the writer thread.
class WriteParticipant {
 public:
  WriteParticipant() = default;
  virtual ~WriteParticipant() = default;
  WriteParticipant(const WriteParticipant&) = delete;
  WriteParticipant& operator=(const WriteParticipant&) = delete;

  // Right after BEGIN IMMEDIATE; an error fails the whole group.
  virtual Result<void> on_transaction_begin(Connection& /*conn*/) { return {}; }
  // After a job's savepoint is released (kept = true) or rolled back (kept = false).
  virtual void on_job_end(bool /*kept*/) {}
  // Last writes of the transaction, before COMMIT.
  virtual Result<void> before_commit(Connection& /*conn*/) { return {}; }
  virtual void on_transaction_end(bool /*committed*/) {}
  // After the queue is drained at shutdown, in its own transaction.
  virtual Result<void> on_shutdown(Connection& /*conn*/) { return {}; }
  // Asked when no job is waiting: true runs a transaction without jobs (the hooks above
  // as usual), so that deferred work done in before_commit uses the writer's idle time
  // rather than delaying a group. Jobs arriving meanwhile wait for that one commit.
  virtual bool wants_idle_transaction() { return false; }
};

class Writer {
 public:
  Writer(std::unique_ptr<Connection> conn, std::size_t max_group_weight);
  // Drains the queue (every accepted job completes) and joins the thread.
  ~Writer();
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  // Before start() only. The participant must outlive the writer thread.
  void add_participant(WriteParticipant* p) { participants_.push_back(p); }
  void start();
  // Stops accepting jobs, completes the queued ones and joins. Idempotent.
  void stop();

  // Blocks until the transaction holding `job` committed (or the job failed).
  // kUnavailable after stop().
  Result<void> run(WriteJob& job);

  // Calls f(idle) under the queue lock: idle means no job is waiting or being applied,
  // so nothing can commit until the lock is released.
  template <class F>
  auto with_queue_state(F&& f) {
    std::lock_guard<std::mutex> lock(mu_);
    return f(queue_.empty() && !busy_);
  }

  // The write connection, for callers that must share it (":memory:" databases have
  // no separate read connections). Hold connection_mutex() while using it.
  Connection& connection() { return *conn_; }
  std::mutex& connection_mutex() { return conn_mu_; }

 private:
  struct Entry {
    WriteJob* job;
    std::promise<Result<void>> done;
  };

  void loop();
  bool wants_idle_transaction();
  // Returns whether the transaction committed. An empty group is an idle transaction.
  bool apply_group(std::vector<Entry*>& group);
  Result<void> apply_one(WriteJob& job);

  std::unique_ptr<Connection> conn_;
  std::size_t max_group_weight_;
  std::vector<WriteParticipant*> participants_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Entry*> queue_;
  bool busy_ = false;
  bool stopping_ = false;

  std::mutex conn_mu_;
  std::thread thread_;
};

}  // namespace lrs::sqlite

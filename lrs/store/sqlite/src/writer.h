// The single writer of a SQLite database: group commit. Private to lrs_sqlite.
//
// Callers hand a WriteJob to run() and block. The writer thread takes every job waiting
// (up to a total weight) and applies them in one transaction, each under its own
// SAVEPOINT so a failing job is rolled back alone, then COMMITs and only then answers
// every caller. SQLite allows one writer per file, so all writes of every store go here.
//
// When nothing is waiting or being applied, run() applies its job on the calling thread
// instead, as a group of one: handing it to the writer thread and being woken back cost
// two wake-ups and moved the job's data between cores, about a tenth of a small commit.
// Jobs arriving meanwhile queue up and the writer thread takes them as a group once that
// transaction has ended. Once callers have had to wait for a transaction, jobs go through
// the writer thread for a while (kContendedPause) even when it is idle: under concurrent
// load, a job applied alone by its caller made every other transaction a group of one
// (single-statement POSTs from 16 connections: ~5% more CPU per statement). Either way exactly one
// thread at a time holds the writer's role (busy_), and the participants' hooks run on
// whichever thread holds it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string_view>
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
  // Runs inside the group's transaction, under the job's savepoint (a group of one job
  // has none: its transaction is rolled back instead), on the writer thread or on the
  // caller's. An error rolls back this job only; the caller gets the error.
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

// State kept across jobs by the writer (caches, clocks) that has to follow savepoints and
// transactions. The hooks run on the thread that holds the writer's role, one at a time.
class WriteParticipant {
 public:
  WriteParticipant() = default;
  virtual ~WriteParticipant() = default;
  WriteParticipant(const WriteParticipant&) = delete;
  WriteParticipant& operator=(const WriteParticipant&) = delete;

  // Right after BEGIN IMMEDIATE; an error fails the whole group.
  virtual Result<void> on_transaction_begin(Connection& /*conn*/) { return {}; }
  // After a job's savepoint is released (kept = true) or rolled back (kept = false). A
  // failed job alone in its group is followed by on_transaction_end(false).
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
  // How long after a caller last had to wait for a transaction jobs still go through the
  // writer thread: long enough to span the gaps of steady concurrent traffic, short enough
  // that a lone client soon gets its jobs applied on its own thread again.
  static constexpr std::chrono::milliseconds kContendedPause{100};

  Writer(std::unique_ptr<Connection> conn, std::size_t max_group_weight,
         std::chrono::milliseconds contended_pause = kContendedPause);
  // Drains the queue (every accepted job completes) and joins the thread.
  ~Writer();
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  // Before start() only. The participant must outlive the writer thread.
  void add_participant(WriteParticipant* p) { participants_.push_back(p); }
  void start();
  // Stops accepting jobs, completes the queued ones and joins. Idempotent.
  void stop();

  // Blocks until the transaction holding `job` committed (or the job failed); applies it
  // on the calling thread when the writer is idle. kUnavailable after stop().
  Result<void> run(WriteJob& job);

  // Calls f(idle) under the queue lock: idle means no job is waiting or being applied,
  // so nothing can commit until the lock is released.
  template <class F>
  auto with_queue_state(F&& f) {
    std::lock_guard<std::mutex> lock(mu_);
    return f(queue_.empty() && !busy_);
  }

  // Jobs queued for the writer thread, not yet taken into a group.
  std::size_t waiting() {
    std::lock_guard<std::mutex> lock(mu_);
    return queue_.size();
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
  // Under mu_, by the holder of the writer's role or when nobody holds it.
  bool wants_idle_transaction();
  // Under mu_: whether the writer thread has something to do.
  bool writer_thread_due();
  // Applies `jobs` in one transaction and stores each job's result in `results`; the
  // caller holds the writer's role. Returns whether the transaction committed. No jobs:
  // an idle transaction. Jobs' exceptions become their errors (apply_one); a hook or an
  // allocation that throws leaves a transaction half done that nothing can finish, and
  // holds the writer's role: noexcept ends the process then, on a caller's thread as on the
  // writer's, rather than leaving every later write waiting.
  bool apply_jobs(const std::vector<WriteJob*>& jobs, std::vector<Result<void>>& results) noexcept;
  Result<void> apply_one(WriteJob& job);
  // Runs one of the transaction statements below, prepared once.
  Result<void> step(const char* sql, std::string_view what);

  std::unique_ptr<Connection> conn_;
  std::size_t max_group_weight_;
  std::chrono::milliseconds contended_pause_;
  std::vector<WriteParticipant*> participants_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Entry*> queue_;
  bool busy_ = false;              // a thread holds the writer's role
  bool idle_transaction_ = false;  // the writer thread runs a transaction without jobs
  // Callers apply their own jobs only from then on (see above).
  std::chrono::steady_clock::time_point apply_in_caller_after_{};
  bool stopping_ = false;
  // After a failed idle transaction, none until a group has run: a failing disk must not
  // turn the idle loop into a busy one.
  bool idle_allowed_ = true;

  std::mutex conn_mu_;
  std::thread thread_;
};

}  // namespace lrs::sqlite

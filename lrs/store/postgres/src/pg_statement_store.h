// StatementStore on PostgreSQL. Private to lrs_postgres.
//
// Ordering across processes. Keyset cursors (`more`) and
// X-Experience-API-Consistent-Through need stored times that increase in commit order,
// also when several processes write. Every transaction that stores statements takes the
// clock's lock (a transaction-level advisory lock, with the single row of `stored_clock`)
// before it looks at existing statements and holds it to COMMIT: it takes stored times
// above the row's `last` (and at least the database server's clock, so processes with
// skewed clocks still agree), writes the row back and commits, and only then can the
// next writer lock it. So a transaction that commits
// later always stored later, and when a reader sees a statement it already sees every
// statement stored before it. The alternative, a sequence plus a visibility horizon,
// lets writers overlap but makes every reader compute the horizon of transactions
// still in flight; one row lock is simpler and costs little because each process
// group-commits (one transaction per batch of waiting requests) and does all work that
// needs no ordering (term ids, parsing, compression of requests) before taking the lock.
// The lock also serializes the checks that must see every committed statement:
// duplicate ids, voiding of a target that arrives later, StatementRef inheritance.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "lrs/statement_store.h"
#include "pg_connection.h"

namespace lrs::pg {

// The stored clock while a transaction holds its lock.
class StoredClock {
 public:
  // Takes the lock until the transaction ends, with times for `reserve` statements.
  static Result<StoredClock> lock(Connection& conn, std::int64_t reserve);
  std::int64_t next();
  // Writes the last time handed out back to the row, when beyond the reservation.
  Result<void> save(Connection& conn);

 private:
  StoredClock(std::int64_t last, std::int64_t saved) : last_(last), saved_(saved) {}
  std::int64_t last_;
  std::int64_t saved_;
};

// Term ids (terms.id) by key. Ids of committed terms never change, so the cache is
// shared by every transaction of the process; ids seen in a transaction enter it only
// once that transaction committed.
class TermCache {
 public:
  // The ids of `keys` in the transaction on `conn`, creating missing terms.
  Result<std::unordered_map<std::string, std::int64_t>> ids(Connection& conn,
                                                            std::vector<std::string> keys);
  void remember(const std::unordered_map<std::string, std::int64_t>& committed);
  std::optional<std::int64_t> find(const std::string& key);

 private:
  std::mutex mu_;
  std::unordered_map<std::string, std::int64_t> ids_;
};

class PgStatementStore final : public StatementStore {
 public:
  PgStatementStore(Pool& pool, std::size_t max_group_rows);
  // Completes the queued inserts and stops the writer thread.
  ~PgStatementStore() override;

  Result<InsertResult> insert(std::vector<StatementRecord> records,
                              const SameStatement& same) override;
  Result<std::optional<StoredStatement>> get(const Uuid& id) override;
  Result<StatementPage> query(const StatementFilter& filter) override;
  Result<std::vector<AttachmentContent>> attachments(
      const std::vector<std::string>& sha2s) override;
  Result<std::optional<std::string>> activity_definition(const std::string& activity_id) override;
  Result<std::vector<std::string>> agent_names(const std::string& agent_key) override;
  Result<std::int64_t> consistent_through() override;

  // Stores `records` in the caller's transaction on `conn` (the player store's attempt
  // updates), as insert() would; the terms are created and the clock locked here, so
  // call it before anything else that locks rows. Once that transaction committed,
  // pass `terms` to committed().
  Result<void> insert_in(Connection& conn, const std::vector<StatementRecord>& records,
                         const SameStatement& same, std::vector<bool>& inserted,
                         std::unordered_map<std::string, std::int64_t>& terms);
  void committed(const std::unordered_map<std::string, std::int64_t>& terms) {
    terms_.remember(terms);
  }

 private:
  struct Job {
    const std::vector<StatementRecord>* records;
    const SameStatement* same;
    std::vector<bool> inserted;
    Result<void> result;
    bool done = false;
  };

  void loop();
  void run_group(std::vector<Job*>& group);
  void maybe_analyze(std::size_t inserted);
  Result<void> apply_group(Connection& conn, std::vector<Job*>& group,
                           std::unordered_map<std::string, std::int64_t>& terms);

  Pool& pool_;
  std::size_t max_group_rows_;
  TermCache terms_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::condition_variable done_cv_;
  std::deque<Job*> queue_;
  bool stopping_ = false;
  std::unique_ptr<Connection> conn_;  // the writer thread's
  // Writer thread: statements stored by this process, and when to ANALYZE next.
  static constexpr std::size_t kLastAnalyzeAt = 1'000'000;
  std::size_t stored_since_start_ = 0;
  std::size_t next_analyze_ = 1'000;
  std::thread thread_;
};

}  // namespace lrs::pg

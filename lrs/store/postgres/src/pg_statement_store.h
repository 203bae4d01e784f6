// StatementStore on PostgreSQL. Private to lrs_postgres.
//
// Ordering across processes. Keyset cursors (`more`) and
// X-Experience-API-Consistent-Through need this promise: once a reader sees a statement
// stored at time t, it already sees every statement that will ever be stored at or
// below t. Until migration 3 one advisory lock, held from a writer's first read to its
// COMMIT, made stored times increase in commit order; it also serialised the processes
// (a second process added 10% to ingest; the target is 60%). Now the lock is held for
// an instant only, and readers look no further than a horizon:
//  - A writer takes its stored times from a sequence (lrsbridge_take_stored, see
//    pg_schema.cpp step 3): under the clock lock for the time of one function call it
//    registers itself as in flight from its first time on (advisory locks that
//    PostgreSQL drops only after the end of the transaction is visible) and moves the
//    sequence past its times (and past the server's clock, so skewed process clocks do
//    not matter). Then it runs the rest of its transaction in parallel with the others.
//  - The horizon (lrsbridge_stored_horizon) is the least `from` of the writers still in
//    flight, minus one, or the clock when there are none. Every statement at or below
//    it has committed (or rolled back), and every later writer stores above it.
//  - query() computes the horizon first and then reads, in a later snapshot, only
//    statements at or below it; consistent_through() is the horizon. So a cursor never
//    passes a time that a transaction still in flight may fill in.
// A statement that committed above the horizon shows a moment later, once the writers
// that took earlier times have ended. With one process, whose inserts go through one
// writer thread, that is at once unless a player commit (which stores statements in
// its own transaction) took earlier times and is still in flight.
//
// The checks that must see every committed statement are made safe without the clock
// lock:
//  - Duplicate ids: the unique index on `id`. A concurrent insert of the same id waits
//    for the first and fails with a unique violation; the transaction is then retried
//    as transient and finds the stored statement (same content: skipped; else 409).
//  - Voiding and StatementRef inheritance (a target arriving after its referrer, terms
//    flowing along chains of references): a transaction storing any statement with a
//    StatementRef takes the references lock exclusively, every other one shares it, so
//    a referrer never overlaps a writer whose statements it could refer to. Such
//    statements are rare; plain statements share the lock and never wait for each other.
//  - Activity definitions merged into the stored one: the rows to change are locked
//    (FOR UPDATE) and merged again from what is committed; a definition created by two
//    writers at once retries one of them.
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
#include <unordered_set>
#include <vector>

#include "lrs/statement_store.h"
#include "pg_connection.h"

namespace lrs::pg {

// The stored times one transaction took: `count` of them, registered as in flight
// until the transaction ends.
class StoredClock {
 public:
  static Result<StoredClock> take(Connection& conn, std::int64_t count);
  // The next unused time of the range (a bug when there is none left).
  std::int64_t next();
  // The times handed out since take() are unused again: the rows they stamped were
  // rolled back to a savepoint.
  void rewind() { next_ = first_; }

 private:
  StoredClock(std::int64_t first, std::int64_t last) : first_(first), next_(first), last_(last) {}
  std::int64_t first_;
  std::int64_t next_;
  std::int64_t last_;
};

// Term ids (terms.id) by key. Ids of committed terms never change, so the cache is
// shared by every transaction of the process; ids seen in a transaction enter it only
// once that transaction committed.
class TermCache {
 public:
  // The ids of `keys` in the transaction on `conn`, creating missing terms; those not
  // cached (read from the database) are added to `fetched` too when given.
  Result<std::unordered_map<std::string, std::int64_t>> ids(
      Connection& conn, std::vector<std::string> keys,
      std::unordered_map<std::string, std::int64_t>* fetched = nullptr);
  void remember(const std::unordered_map<std::string, std::int64_t>& committed);
  std::optional<std::int64_t> find(const std::string& key);

 private:
  std::mutex mu_;
  std::unordered_map<std::string, std::int64_t> ids_;
};

// (agent, name) pairs of agent_names known to be committed: rows there are never
// deleted, so a writer sends only the pairs it does not know (most statements repeat a
// known actor, and each pair sent costs PostgreSQL an ON CONFLICT check).
class KnownAgentNames {
 public:
  static std::string key(const std::string& agent, const std::string& name);
  bool contains(const std::string& key);
  void remember(const std::vector<std::string>& committed);

 private:
  std::mutex mu_;
  std::unordered_set<std::string> keys_;
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
  // updates), as insert() would; the references lock is taken and the terms created
  // here, so call it before anything else that locks rows. Once that transaction committed,
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
  // `terms` receives the term ids read from the database and `names` the agent names
  // sent, for the caches once the transaction committed.
  Result<void> apply_group(Connection& conn, std::vector<Job*>& group,
                           std::unordered_map<std::string, std::int64_t>& terms,
                           std::vector<std::string>& names);

  Pool& pool_;
  std::size_t max_group_rows_;
  TermCache terms_;
  KnownAgentNames names_;

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

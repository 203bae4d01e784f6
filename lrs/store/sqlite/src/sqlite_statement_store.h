// StatementStore on SQLite. Private to lrs_sqlite.
//
// Inserts run on the writer thread (group commit); the writer-side state (term id
// cache, stored clock, pending term counts) is touched only there, through the
// WriteParticipant hooks. Reads use the read pool.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "lrs/statement_store.h"
#include "read_pool.h"
#include "writer.h"

namespace lrs::sqlite {

// The terms.key of a filter key: a type byte ('a' agent, 'v' verb, 'c' activity, 'r'
// registration as 16 raw bytes) and the key. Links use terms.id * 2 + role, role 1
// meaning "matches with related_agents / related_activities".
std::string term_key(char type, std::string_view key);

// The SQL that answers a query filtering on `terms` term ids (the first one is walked,
// the others probed), with ?1 = exclusive lower bound, ?2 = inclusive upper bound on
// stored, ?3 = row limit, ?4... = term ids. Exposed for the query-plan test.
std::string query_sql(std::size_t terms, bool ascending);

class SqliteStatementStore final : public StatementStore, public WriteParticipant {
 public:
  // `last_stored` is the highest stored time in the file.
  SqliteStatementStore(Writer& writer, ReadPool& reads, std::int64_t last_stored);

  Result<InsertResult> insert(std::vector<StatementRecord> records,
                              const SameStatement& same) override;
  Result<std::optional<StoredStatement>> get(const Uuid& id) override;
  Result<StatementPage> query(const StatementFilter& filter) override;
  Result<std::vector<AttachmentContent>> attachments(
      const std::vector<std::string>& sha2s) override;
  Result<std::int64_t> consistent_through() override;
  // Defined in sqlite_descriptions.cpp.
  Result<std::optional<std::string>> activity_definition(const std::string& activity_id) override;
  Result<std::vector<std::string>> agent_names(const std::string& agent_key) override;

  void on_transaction_begin() override;
  void on_job_end(bool kept) override;
  Result<void> before_commit(Connection& conn) override;
  void on_transaction_end(bool committed) override;
  Result<void> on_shutdown(Connection& conn) override;

  // Writer thread: one insert request, inside its savepoint.
  Result<void> apply_insert(Connection& conn, const std::vector<StatementRecord>& records,
                            const SameStatement& same, std::vector<bool>& inserted);

 private:
  struct Target {
    std::int64_t stored = 0;
    bool voiding = false;
    bool voided = false;
    std::vector<std::int64_t> terms;
  };

  std::int64_t next_stored();
  // The id of terms.key = type + key, created when new.
  Result<std::int64_t> term_id(Connection& conn, char type, std::string_view key);
  Result<void> add_links(Connection& conn, const std::vector<std::int64_t>& terms,
                         std::int64_t stored, bool or_ignore);
  Result<void> flush_links(Connection& conn);
  Result<void> void_target(Connection& conn, const Target& target);
  Result<std::vector<std::int64_t>> referrers(Connection& conn, std::string_view id);
  Result<void> propagate(Connection& conn, const std::vector<std::int64_t>& terms,
                         std::vector<std::int64_t> referrer_stored);
  Result<void> flush_counts(Connection& conn);

  Writer& writer_;
  ReadPool& reads_;

  // Writer thread only.
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, std::int64_t, Hash, std::equal_to<>> term_cache_;
  std::string key_buffer_;
  // (link term, stored) rows of the current job not yet inserted.
  std::vector<std::pair<std::int64_t, std::int64_t>> link_buffer_;
  std::vector<std::string> job_new_terms_;
  // Link count changes per link term, of the current job and of committed jobs not yet
  // written to terms.n_*.
  std::vector<std::pair<std::int64_t, int>> job_counts_;
  std::vector<std::pair<std::int64_t, int>> pending_counts_;
  std::chrono::steady_clock::time_point last_flush_;
  std::int64_t last_stored_;

  // Highest stored time of a committed transaction.
  std::atomic<std::int64_t> committed_stored_;
  // Highest value consistent_through() promised while the writer was idle; the clock
  // never hands out a stored time at or below it.
  std::atomic<std::int64_t> floor_;
};

}  // namespace lrs::sqlite

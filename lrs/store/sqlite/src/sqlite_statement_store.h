// StatementStore on SQLite. Private to lrs_sqlite.
//
// Inserts run on the writer (group commit); the writer-side state (term id cache, stored
// clock, pending term counts) is touched only by the thread holding the writer's role
// (writer.h), through the WriteParticipant hooks; "writer thread" below means that thread.
// Reads use the read pool.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "body_codec.h"
#include "lrs/statement_store.h"
#include "pending_ids.h"
#include "pending_links.h"
#include "read_pool.h"
#include "sqlite_descriptions.h"
#include "writer.h"

namespace lrs::sqlite {

// The terms.key of a filter key: a type byte ('a' agent, 'v' verb, 'c' activity, 'r'
// registration as 16 raw bytes) and the key. Links use terms.id * 2 + role, role 1
// meaning "matches with related_agents / related_activities".
std::string term_key(char type, std::string_view key);

// Links of statements stored up to link_state.indexed_through live in three tables of
// (term, stored) rows; a row is in one of them. `links` is the main index; the rows of
// newer statements are held in memory (PendingLinks) and written into `links` in one
// sorted pass once there are tens of thousands, so a term's page in `links` is written
// once per flush rather than once per commit. `links_staged` and `links_recent` hold
// what databases of schema version 3 staged there, and links that StatementRefs add to
// already indexed statements; the writer merges them into `links` as before.
enum class LinkTable { kMain, kStaged, kRecent };

// The SQL that answers a query filtering on `terms` term ids (the first one is walked in
// table `walk`, the others probed in all three), with ?1 = exclusive lower bound, ?2 =
// inclusive upper bound on stored, ?3 = row limit, ?4... = term ids. A query runs it on
// each table and merges the walks. With no terms, `walk` is ignored. Exposed for the
// query-plan test.
std::string query_sql(std::size_t terms, bool ascending, LinkTable walk = LinkTable::kMain);

// A pass written in slices: the frozen batch of pending links or ids (writer thread).
struct SlicedPass {
  std::int64_t through = 0;  // the mark once the whole batch is written
  std::size_t written = 0;   // rows written by committed transactions
  std::size_t position = 0;  // rows written, this transaction's included
  bool finishing = false;    // this transaction writes the last slice and moves the mark
};

class SqliteStatementStore final : public StatementStore, public WriteParticipant {
 public:
  struct Setup {
    // The highest stored time in the file.
    std::int64_t last_stored = 0;
    // link_state.indexed_through: statements stored after it have their links in memory
    // only (rebuilt by restore_pending_links()).
    std::int64_t indexed_through = 0;
    // Links held in memory, and staged links, are written to `links` once there are
    // about this many.
    std::size_t staged_link_rows = 0;
    // Ids held in memory are written to `statement_ids` once there are this many.
    std::size_t pending_ids = 0;
    // Rows of a frozen batch (links or ids) one idle transaction writes.
    std::size_t slice_rows = 0;
    // false: passes advance only in the commits of jobs.
    bool passes_when_idle = true;
    // The dictionaries table, oldest first; new bodies use the last one.
    std::vector<std::string> dictionaries;
    // With no dictionary yet, one is trained from the stored bodies once this many
    // statements are stored (`stored_hint` of them already are, or more).
    std::int64_t train_after = 0;
    std::int64_t stored_hint = 0;
  };
  SqliteStatementStore(Writer& writer, ReadPool& reads, Setup setup);
  // Waits for a dictionary being trained.
  ~SqliteStatementStore() override;

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

  Result<void> on_transaction_begin(Connection& conn) override;
  void on_job_end(bool kept) override;
  Result<void> before_commit(Connection& conn) override;
  void on_transaction_end(bool committed) override;
  Result<void> on_shutdown(Connection& conn) override;
  bool wants_idle_transaction() override;

  // Before any other call: puts the links of the statements stored after
  // indexed_through (those a crash or kill left unwritten) back in memory, from each
  // statement's `terms` and authority.
  // Likewise the ids of the statements stored after id_state.indexed_through.
  Result<void> restore_pending_links();

  // Callers' side: the compressed bodies of `records` for apply_insert (all empty when
  // bodies are stored as text). Compress on the calling thread, not the writer's.
  std::vector<std::string> pack(const std::vector<StatementRecord>& records);
  // Callers' side, after a transaction with apply_insert committed elsewhere (the player
  // store): counts the records towards training the body dictionary.
  void note_inserted(std::size_t records) { maybe_train(records); }

  // Writer thread: one insert request, inside its savepoint.
  // `packed[i]` is the compressed body of records[i], empty to store it as text.
  Result<void> apply_insert(Connection& conn, const std::vector<StatementRecord>& records,
                            const std::vector<std::string>& packed, const SameStatement& same,
                            std::vector<bool>& inserted);
  // Writer thread: creates the terms `records` would link to (an insert of them later
  // finds them), storing nothing else. A term no statement links to yet matches nothing.
  Result<void> add_terms(Connection& conn, const std::vector<StatementRecord>& records);

 private:
  struct Target {
    std::int64_t stored = 0;
    bool voiding = false;
    bool voided = false;
    std::vector<std::int64_t> terms;
  };

  std::int64_t next_stored();
  // Where statement `id` is stored, from memory or `statement_ids`.
  Result<std::optional<std::int64_t>> stored_of(Connection& conn, const Uuid& id);
  // When another process committed since this one last looked (or on open), reads the
  // ids of every statement past id_state.indexed_through back into memory, so that
  // memory and `statement_ids` hold every stored id again.
  Result<void> catch_up_ids(Connection& conn);
  // Writes every id held in memory to `statement_ids` and moves id_state up to
  // last_stored_.
  Result<void> write_pending_ids(Connection& conn);
  // Where this transaction's slice of a frozen batch of `size` rows ends.
  std::size_t slice_end(const SlicedPass& pass, std::size_t size, std::size_t fresh,
                        std::size_t limit) const;
  // After a commit: freezes a fresh batch that is due, when none is frozen.
  void maybe_freeze();
  // The id of terms.key = type + key, created when new.
  Result<std::int64_t> term_id(Connection& conn, char type, std::string_view key);
  // The link terms of `r` (not its authority's), unsorted: direct ones as id * 2, related
  // ones as id * 2 + 1.
  Result<void> record_terms(Connection& conn, const StatementRecord& r,
                            std::vector<std::int64_t>& terms);
  Result<void> add_links(Connection& conn, const std::vector<std::int64_t>& terms,
                         std::int64_t stored, bool or_ignore);
  // Appends the links of the statements stored after indexed_through_, as the table
  // holds them (their terms and authority).
  Result<void> collect_unindexed(Connection& conn, std::vector<PendingLinks::Row>& out);
  // Writes every pending link to `links` and moves indexed_through up to last_stored_.
  Result<void> write_pending_links(Connection& conn);
  Result<void> void_target(Connection& conn, const Target& target);
  Result<std::vector<std::int64_t>> referrers(Connection& conn, std::string_view id);
  Result<void> propagate(Connection& conn, const std::vector<std::int64_t>& terms,
                         std::vector<std::int64_t> referrer_stored);
  Result<void> flush_counts(Connection& conn);
  Result<void> merge_staged_links(Connection& conn);
  Result<void> move_recent_links(Connection& conn);
  // The body in column `col` of a row (TEXT, or a zstd frame) with "stored" added.
  Result<std::string> stored_body(Connection& conn, const Stmt& row, int col, std::int64_t stored);
  void maybe_train(std::size_t inserted);
  void train();

  Writer& writer_;
  ReadPool& reads_;
  BodyCodec codec_;

  // Dictionary training: statements stored so far (up to train_after_), and the
  // thread that trains and stores a dictionary.
  std::int64_t train_after_;
  std::atomic<std::int64_t> stored_count_;
  std::atomic<bool> training_{false};
  std::mutex trainer_mu_;
  std::thread trainer_;

  // Writer thread only.
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, std::int64_t, Hash, std::equal_to<>> term_cache_;
  std::string key_buffer_;
  DescriptionWriter descriptions_;
  // (link term, stored) rows of the current job, and of the kept jobs of the current
  // transaction; added to pending_links_ before COMMIT.
  std::vector<PendingLinks::Row> link_buffer_;
  std::vector<PendingLinks::Row> transaction_links_;
  PendingLinks pending_links_;
  // Statements stored after this have their links in pending_links_ (writer thread:
  // the value of the current transaction; committed_indexed_ the committed one).
  std::int64_t indexed_through_;
  std::int64_t committed_indexed_;
  bool writing_pending_ = false;  // this transaction writes pending_links_ to `links`
  bool published_links_ = false;  // this transaction added to pending_links_
  // PRAGMA data_version at the last commit: it changes when another process commits.
  std::int64_t data_version_ = -1;
  // Ids of statements stored after id_state.indexed_through, and the writer's view of
  // that mark (ids_through_ in the current transaction, committed_ids_through_ the
  // committed one). The ids added by the current job, and by the transaction's kept
  // jobs, leave the map again when they are rolled back.
  PendingIds pending_ids_;
  std::size_t pending_id_limit_;
  std::vector<Uuid> job_ids_;
  std::vector<Uuid> transaction_ids_;
  std::int64_t ids_through_ = 0;
  std::int64_t committed_ids_through_ = 0;
  bool writing_ids_ = false;  // this transaction writes pending_ids_ to `statement_ids`
  SlicedPass link_pass_;
  SlicedPass id_pass_;
  std::size_t slice_rows_;
  bool passes_when_idle_;
  std::size_t jobs_in_transaction_ = 0;  // 0 in an idle transaction
  // PRAGMA data_version when the ids were last caught up (-1: never).
  std::int64_t ids_data_version_ = -1;
  std::vector<std::string> job_new_terms_;
  // Link count changes per link term, of the current job and of committed jobs not yet
  // written to terms.n_*.
  std::vector<std::pair<std::int64_t, int>> job_counts_;
  std::vector<std::pair<std::int64_t, int>> pending_counts_;
  std::chrono::steady_clock::time_point last_flush_;
  std::size_t staged_link_limit_;
  // Rows in links_staged, an upper bound; -1 when unknown (after a rollback).
  std::int64_t staged_links_ = -1;
  std::int64_t recent_links_ = -1;  // rows in links_recent, likewise
  std::int64_t last_stored_;

  // Highest stored time of a committed transaction.
  std::atomic<std::int64_t> committed_stored_;
  // Highest value consistent_through() promised while the writer was idle; the clock
  // never hands out a stored time at or below it.
  std::atomic<std::int64_t> floor_;
};

}  // namespace lrs::sqlite

// The ids of the newest statements, held in memory. Private to lrs_sqlite.
//
// A unique index on random client UUIDs dirties about one leaf page per statement per
// commit: each commit wrote ~one 4 KiB WAL frame per statement, and the checkpoint the
// same page again. The writer instead keeps the ids of statements stored after
// id_state.indexed_through here; once there are tens of thousands it freezes them into
// one batch sorted by id and writes that batch into `statement_ids` in slices, one per
// transaction (so no commit waits for a whole pass), each slice a range of ids, so each
// leaf page is written about once per pass. The transaction of the last slice moves the
// mark. A crash loses nothing: the ids of statements past the mark are read back from
// `statements` when the database is opened, and those a partial pass already wrote are
// written again with OR IGNORE.
//
// Lookups (GET by id, duplicate checks, StatementRef and voiding targets) ask here first,
// then `statement_ids`. A reader starts its SQLite read snapshot and looks up the id
// under one shared lock (find()); the writer drops written ids under the exclusive lock
// after the pass commits, so no snapshot misses an id that is neither in its
// `statement_ids` nor here. The map may hold ids of statements a reader's snapshot does
// not see (uncommitted or later ones); the reader then finds no row at that stored time.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "lrs/uuid.h"

namespace lrs::sqlite {

class PendingIds {
 public:
  using Entry = std::pair<Uuid, std::int64_t>;  // (id, stored)

  // Runs f() (which starts the caller's read snapshot) and looks `id` up, with no pass
  // completing in between. Also returns covered_through(), read under the same lock.
  template <class F>
  std::pair<std::optional<std::int64_t>, std::int64_t> find(const Uuid& id, F&& f) const {
    std::shared_lock<std::shared_mutex> lock(mu_);
    f();
    return {lookup(id), covered_through_};
  }

  // Writer thread only, below: the thread holding the writer's role (writer.h), the only
  // one that changes the map, so its own lookups need no lock.
  std::optional<std::int64_t> find_on_writer(const Uuid& id) const { return lookup(id); }
  void add(const Uuid& id, std::int64_t stored);
  // Forgets fresh ids (of a rolled-back job).
  void erase(const std::vector<Uuid>& ids);
  // Every id held, frozen and fresh, sorted by id.
  std::vector<Entry> sorted() const;
  // Makes the fresh ids the frozen batch (sorted by id, still found); new ids are fresh.
  // Only when nothing is frozen.
  void freeze();
  // The frozen batch, sorted by id; empty when there is none.
  const std::vector<Entry>& frozen() const { return frozen_; }
  // Forgets the frozen batch (it is in `statement_ids` now).
  void drop_frozen();
  // Replaces the content (ids read back from the table; nothing frozen), covering
  // statements up to `covered_through`.
  void reset(const std::vector<Entry>& entries, std::int64_t covered_through);
  // Statements stored up to this time by any process have their id here or in
  // `statement_ids`; a later one was stored by another process this one has not
  // caught up with yet.
  void cover_through(std::int64_t stored);
  // After a rollback: back to the committed value.
  void uncover_after(std::int64_t stored);
  // Forgets every id, frozen and fresh (they are in `statement_ids` now); keeps
  // covered_through.
  void clear();
  // Fresh ids.
  std::size_t size() const { return map_.size(); }

 private:
  struct Hash {
    std::size_t operator()(const Uuid& id) const {
      std::uint64_t a = 0;
      std::uint64_t b = 0;
      std::memcpy(&a, id.bytes.data(), 8);
      std::memcpy(&b, id.bytes.data() + 8, 8);
      return std::hash<std::uint64_t>{}(a ^ (b * 0x9E3779B97F4A7C15ULL));
    }
  };
  std::optional<std::int64_t> lookup(const Uuid& id) const;

  mutable std::shared_mutex mu_;
  std::unordered_map<Uuid, std::int64_t, Hash> map_;  // fresh
  std::vector<Entry> frozen_;
  std::int64_t covered_through_ = 0;
};

}  // namespace lrs::sqlite

// The filter-index rows of the newest statements, held in memory. Private to lrs_sqlite.
//
// Writing each commit's (term, stored) rows into a B-tree dirties one page per distinct
// term per commit, and staging them in a table of their own still writes every row
// twice. The writer instead keeps them here until there are tens of thousands, then
// writes them into `links` in one sorted pass and records in the same transaction that
// every statement up to a stored time is indexed (link_state.indexed_through). Nothing
// is lost in a crash: the rows of later statements are rebuilt from each statement's
// stored `terms` (and its authority) when the database is opened.
//
// Readers see a statement's rows from before its commit until after the flush that
// wrote them to `links` commits. A query takes its SQLite read snapshot and a view of
// these rows under one shared lock (read()); the writer drops flushed rows under the
// exclusive lock, so no snapshot can miss rows that are neither in its `links` nor in
// its view. A view may hold rows of statements its snapshot does not see (uncommitted
// or later ones); the query drops them when it reads the statement.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <utility>
#include <vector>

namespace lrs::sqlite {

class PendingLinks {
 public:
  using Row = std::pair<std::int64_t, std::int64_t>;  // (link term, stored)
  using Segment = std::vector<Row>;                   // sorted, no duplicates

  // An immutable set of rows, safe to read on any thread while the writer goes on.
  class View {
   public:
    View() = default;
    // Stored times of the rows of `term` with lo < stored <= hi, ascending, unique.
    std::vector<std::int64_t> walk(std::int64_t term, std::int64_t lo, std::int64_t hi) const;
    bool contains(std::int64_t term, std::int64_t stored) const;
    bool empty() const { return !segments_ || segments_->empty(); }

   private:
    friend class PendingLinks;
    explicit View(std::shared_ptr<const std::vector<std::shared_ptr<const Segment>>> s)
        : segments_(std::move(s)) {}
    std::shared_ptr<const std::vector<std::shared_ptr<const Segment>>> segments_;
  };

  // Runs f() (which starts the caller's read snapshot) and takes a view, with no flush
  // completing in between. Returns the view.
  template <class F>
  View read(F&& f) {
    std::shared_lock<std::shared_mutex> lock(mu_);
    f();
    return View(segments_);
  }

  // Writer thread only, below.
  // Makes `rows` (any order, duplicates allowed) visible to views taken from now on, in
  // the fresh batch.
  void add(std::vector<Row> rows);
  // Every row held (frozen and fresh), sorted and unique.
  std::vector<Row> all() const;
  // Rows of the fresh batch (with duplicates across its segments, an upper bound).
  std::size_t size() const { return fresh_rows_; }
  // Makes the fresh batch the frozen one (sorted, unique), still visible; new rows go to
  // a new fresh batch. Only when nothing is frozen.
  void freeze();
  // The frozen batch, empty when there is none.
  const Segment& frozen() const { return frozen_ ? *frozen_ : empty_; }
  bool has_frozen() const { return frozen_ != nullptr; }
  // Forgets the frozen batch (it is in `links` now, below the committed mark), once no
  // reader is between its snapshot and its view.
  void drop_frozen();
  // Forgets every row, frozen and fresh (they are in `links` now).
  void clear();
  // Forgets the fresh rows of statements stored after `stored` (a rolled-back
  // transaction; the frozen batch holds committed rows only).
  void discard_after(std::int64_t stored);

 private:
  void publish();

  std::shared_mutex mu_;
  std::shared_ptr<const std::vector<std::shared_ptr<const Segment>>> segments_;
  // Writer thread: what segments_ is made of.
  std::shared_ptr<const Segment> frozen_;
  std::vector<std::shared_ptr<const Segment>> fresh_;
  std::size_t fresh_rows_ = 0;
  const Segment empty_;
};

}  // namespace lrs::sqlite

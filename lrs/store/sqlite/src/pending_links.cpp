#include "pending_links.h"

#include <algorithm>
#include <iterator>

namespace lrs::sqlite {
namespace {

using Row = PendingLinks::Row;
using Segment = PendingLinks::Segment;

std::shared_ptr<const Segment> merged(const Segment& a, const Segment& b) {
  auto out = std::make_shared<Segment>();
  out->reserve(a.size() + b.size());
  std::set_union(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(*out));
  return out;
}

}  // namespace

std::vector<std::int64_t> PendingLinks::View::walk(std::int64_t term, std::int64_t lo,
                                                   std::int64_t hi) const {
  std::vector<std::int64_t> out;
  if (!segments_ || lo >= hi) return out;
  for (const auto& segment : *segments_) {
    auto it = std::upper_bound(segment->begin(), segment->end(), Row{term, lo});
    for (; it != segment->end() && it->first == term && it->second <= hi; ++it) {
      out.push_back(it->second);
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

bool PendingLinks::View::contains(std::int64_t term, std::int64_t stored) const {
  if (!segments_) return false;
  return std::any_of(segments_->begin(), segments_->end(), [&](const auto& segment) {
    return std::binary_search(segment->begin(), segment->end(), Row{term, stored});
  });
}

void PendingLinks::add(std::vector<Row> rows) {
  if (rows.empty()) return;
  std::sort(rows.begin(), rows.end());
  rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
  std::shared_ptr<const Segment> next = std::make_shared<const Segment>(std::move(rows));
  // Like a binary counter: a segment is merged into the one before it while it is at
  // least half its size, so a lookup searches O(log n) segments and each row is copied
  // O(log n) times.
  while (!fresh_.empty() && next->size() * 2 >= fresh_.back()->size()) {
    next = merged(*fresh_.back(), *next);
    fresh_.pop_back();
  }
  fresh_.push_back(std::move(next));
  publish();
}

namespace {

void merge_into(std::vector<Row>& out, const Segment& segment) {
  std::size_t middle = out.size();
  out.insert(out.end(), segment.begin(), segment.end());
  std::inplace_merge(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(middle), out.end());
}

}  // namespace

std::vector<Row> PendingLinks::all() const {
  std::vector<Row> out;
  if (frozen_) out = *frozen_;
  for (const auto& segment : fresh_) merge_into(out, *segment);
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

void PendingLinks::freeze() {
  auto rows = std::make_shared<Segment>();
  rows->reserve(fresh_rows_);
  for (const auto& segment : fresh_) merge_into(*rows, *segment);
  rows->erase(std::unique(rows->begin(), rows->end()), rows->end());
  frozen_ = std::move(rows);
  fresh_.clear();
  publish();
}

void PendingLinks::drop_frozen() {
  frozen_.reset();
  publish();
}

void PendingLinks::clear() {
  frozen_.reset();
  fresh_.clear();
  publish();
}

void PendingLinks::discard_after(std::int64_t stored) {
  std::vector<Row> rows;
  for (const auto& segment : fresh_) merge_into(rows, *segment);
  std::erase_if(rows, [&](const Row& r) { return r.second > stored; });
  fresh_.clear();
  add(std::move(rows));
  publish();
}

void PendingLinks::publish() {
  std::size_t n = 0;
  std::vector<std::shared_ptr<const Segment>> segments;
  segments.reserve(fresh_.size() + 1);
  if (frozen_) segments.push_back(frozen_);
  for (const auto& s : fresh_) {
    n += s->size();
    segments.push_back(s);
  }
  auto next =
      std::make_shared<const std::vector<std::shared_ptr<const Segment>>>(std::move(segments));
  std::unique_lock<std::shared_mutex> lock(mu_);
  segments_ = std::move(next);
  fresh_rows_ = n;
}

}  // namespace lrs::sqlite

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
  std::vector<std::shared_ptr<const Segment>> segments;
  if (segments_) segments = *segments_;
  std::shared_ptr<const Segment> next = std::make_shared<const Segment>(std::move(rows));
  // Like a binary counter: a segment is merged into the one before it while it is at
  // least half its size, so a lookup searches O(log n) segments and each row is copied
  // O(log n) times.
  while (!segments.empty() && next->size() * 2 >= segments.back()->size()) {
    next = merged(*segments.back(), *next);
    segments.pop_back();
  }
  segments.push_back(std::move(next));
  publish(std::move(segments));
}

std::vector<Row> PendingLinks::all() const {
  std::vector<Row> out;
  if (!segments_) return out;
  for (const auto& segment : *segments_) {
    std::size_t middle = out.size();
    out.insert(out.end(), segment->begin(), segment->end());
    std::inplace_merge(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(middle), out.end());
  }
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

void PendingLinks::clear() { publish({}); }

void PendingLinks::discard_after(std::int64_t stored) {
  std::vector<Row> rows = all();
  std::erase_if(rows, [&](const Row& r) { return r.second > stored; });
  publish({});
  add(std::move(rows));
}

void PendingLinks::publish(std::vector<std::shared_ptr<const Segment>> segments) {
  std::size_t n = 0;
  for (const auto& s : segments) n += s->size();
  auto next =
      std::make_shared<const std::vector<std::shared_ptr<const Segment>>>(std::move(segments));
  std::unique_lock<std::shared_mutex> lock(mu_);
  segments_ = std::move(next);
  rows_ = n;
}

}  // namespace lrs::sqlite

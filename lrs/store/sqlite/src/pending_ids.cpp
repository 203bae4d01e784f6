#include "pending_ids.h"

#include <algorithm>

namespace lrs::sqlite {

std::optional<std::int64_t> PendingIds::lookup(const Uuid& id) const {
  if (auto it = map_.find(id); it != map_.end()) return it->second;
  auto it = std::lower_bound(frozen_.begin(), frozen_.end(), id,
                             [](const Entry& e, const Uuid& key) { return e.first < key; });
  if (it != frozen_.end() && it->first == id) return it->second;
  return std::nullopt;
}

void PendingIds::add(const Uuid& id, std::int64_t stored) {
  std::unique_lock<std::shared_mutex> lock(mu_);
  map_[id] = stored;
  covered_through_ = std::max(covered_through_, stored);
}

void PendingIds::erase(const std::vector<Uuid>& ids) {
  if (ids.empty()) return;
  std::unique_lock<std::shared_mutex> lock(mu_);
  for (const Uuid& id : ids) map_.erase(id);
}

std::vector<PendingIds::Entry> PendingIds::sorted() const {
  std::vector<Entry> out(map_.begin(), map_.end());
  std::sort(out.begin(), out.end());
  std::size_t middle = out.size();
  out.insert(out.end(), frozen_.begin(), frozen_.end());
  std::inplace_merge(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(middle), out.end());
  return out;
}

void PendingIds::freeze() {
  std::vector<Entry> batch(map_.begin(), map_.end());
  std::sort(batch.begin(), batch.end());
  std::unordered_map<Uuid, std::int64_t, Hash> old;
  std::unique_lock<std::shared_mutex> lock(mu_);
  frozen_.swap(batch);
  map_.swap(old);
  lock.unlock();  // the old map is freed outside the lock
}

void PendingIds::drop_frozen() {
  std::vector<Entry> old;
  std::unique_lock<std::shared_mutex> lock(mu_);
  frozen_.swap(old);
  lock.unlock();
}

void PendingIds::reset(const std::vector<Entry>& entries, std::int64_t covered_through) {
  std::unordered_map<Uuid, std::int64_t, Hash> next;
  next.reserve(entries.size());
  for (const auto& [id, stored] : entries) next.emplace(id, stored);
  std::vector<Entry> old_frozen;
  std::unique_lock<std::shared_mutex> lock(mu_);
  map_.swap(next);
  frozen_.swap(old_frozen);
  covered_through_ = covered_through;
  lock.unlock();  // the old map is freed outside the lock
}

void PendingIds::cover_through(std::int64_t stored) {
  std::unique_lock<std::shared_mutex> lock(mu_);
  covered_through_ = std::max(covered_through_, stored);
}

void PendingIds::uncover_after(std::int64_t stored) {
  std::unique_lock<std::shared_mutex> lock(mu_);
  covered_through_ = std::min(covered_through_, stored);
}

void PendingIds::clear() {
  std::unordered_map<Uuid, std::int64_t, Hash> old;
  std::vector<Entry> old_frozen;
  std::unique_lock<std::shared_mutex> lock(mu_);
  map_.swap(old);
  frozen_.swap(old_frozen);
  lock.unlock();
}

}  // namespace lrs::sqlite

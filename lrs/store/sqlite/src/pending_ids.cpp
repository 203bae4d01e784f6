#include "pending_ids.h"

#include <algorithm>

namespace lrs::sqlite {

std::optional<std::int64_t> PendingIds::lookup(const Uuid& id) const {
  auto it = map_.find(id);
  if (it == map_.end()) return std::nullopt;
  return it->second;
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
  return out;
}

void PendingIds::reset(const std::vector<Entry>& entries, std::int64_t covered_through) {
  std::unordered_map<Uuid, std::int64_t, Hash> next;
  next.reserve(entries.size());
  for (const auto& [id, stored] : entries) next.emplace(id, stored);
  std::unique_lock<std::shared_mutex> lock(mu_);
  map_.swap(next);
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
  std::unique_lock<std::shared_mutex> lock(mu_);
  map_.swap(old);
  lock.unlock();
}

}  // namespace lrs::sqlite

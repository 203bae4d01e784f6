#include "read_pool.h"

namespace lrs::sqlite {

ReadPool::ReadPool(std::vector<std::unique_ptr<Connection>> conns, Writer& writer)
    : conns_(std::move(conns)), writer_(writer) {
  for (auto& c : conns_) free_.push_back(c.get());
}

ReadPool::Lease ReadPool::acquire() {
  if (conns_.empty()) {
    return Lease(this, &writer_.connection(),
                 std::unique_lock<std::mutex>(writer_.connection_mutex()));
  }
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [this] { return !free_.empty(); });
  Connection* c = free_.back();
  free_.pop_back();
  return Lease(this, c, {});
}

void ReadPool::release(Connection* conn) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    free_.push_back(conn);
  }
  cv_.notify_one();
}

}  // namespace lrs::sqlite

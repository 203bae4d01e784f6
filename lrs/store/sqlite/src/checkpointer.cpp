#include "checkpointer.h"

#include "background_priority.h"
#include <pthread.h>

namespace lrs::sqlite {
namespace {

// WAL sizes in pages (4 KiB): ask for a background checkpoint past the first, make the
// writer checkpoint itself past the second so the WAL stays bounded even when the
// background checkpoint never catches up with a busy writer.
constexpr int kBackgroundPages = 2'000;
constexpr int kWriterPages = 50'000;

}  // namespace

Checkpointer::Checkpointer(std::unique_ptr<Connection> conn) : conn_(std::move(conn)) {
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "lrs-checkpoint");
    lower_this_thread_priority(BackgroundPriority::kLowest);
    loop();
  });
}

Checkpointer::~Checkpointer() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void Checkpointer::attach(Connection& writer) {
  sqlite3_wal_hook(writer.db(), &Checkpointer::on_wal_commit, this);
}

void Checkpointer::request() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    requested_ = true;
  }
  cv_.notify_one();
}

int Checkpointer::on_wal_commit(void* self, sqlite3* db, const char* name, int pages) {
  if (pages >= kWriterPages) {
    // Called by the committing writer right after COMMIT, outside any transaction.
    sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  } else if (pages >= kBackgroundPages) {
    static_cast<Checkpointer*>(self)->request();
  }
  return SQLITE_OK;
}

void Checkpointer::loop() {
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return requested_ || stopping_; });
      if (stopping_) return;
      requested_ = false;
    }
    // Failures (SQLITE_BUSY while another checkpoint runs) only postpone the work.
    sqlite3_wal_checkpoint_v2(conn_->db(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  }
}

}  // namespace lrs::sqlite

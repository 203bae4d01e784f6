// Background WAL checkpoints. Private to lrs_sqlite.
//
// Copying WAL frames back into the database file ends with fsync, which on a slow disk
// takes far longer than a group commit. The writer therefore disables SQLite's
// automatic checkpoint and, from its WAL hook, asks this thread to run PASSIVE
// checkpoints on its own connection; they never block the writer or readers. Only when
// the WAL grows past a hard limit does the writer checkpoint itself.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "sqlite_handle.h"

namespace lrs::sqlite {

class Checkpointer {
 public:
  explicit Checkpointer(std::unique_ptr<Connection> conn);
  ~Checkpointer();  // stops and joins
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

  // Installs the WAL hook on the write connection (before the writer starts).
  void attach(Connection& writer);
  // Asks for a checkpoint soon; cheap, callable from any thread.
  void request();

 private:
  static int on_wal_commit(void* self, sqlite3* db, const char* name, int pages);
  void loop();

  std::unique_ptr<Connection> conn_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool requested_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace lrs::sqlite

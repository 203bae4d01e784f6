// A fixed pool of read connections. Private to lrs_sqlite.
//
// acquire() blocks until a connection is free. A pool without connections (":memory:"
// databases, which cannot be shared between connections) lends the writer's
// connection under its mutex instead, between write transactions.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <vector>

#include "sqlite_handle.h"
#include "writer.h"

namespace lrs::sqlite {

class ReadPool {
 public:
  class Lease {
   public:
    Lease(ReadPool* pool, Connection* conn, std::unique_lock<std::mutex> writer_lock)
        : pool_(pool), conn_(conn), writer_lock_(std::move(writer_lock)) {}
    ~Lease() {
      if (pool_ != nullptr && !writer_lock_.owns_lock()) pool_->release(conn_);
    }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Connection& operator*() const { return *conn_; }
    Connection* operator->() const { return conn_; }

   private:
    ReadPool* pool_;
    Connection* conn_;
    std::unique_lock<std::mutex> writer_lock_;
  };

  ReadPool(std::vector<std::unique_ptr<Connection>> conns, Writer& writer);

  Lease acquire();

 private:
  void release(Connection* conn);

  std::vector<std::unique_ptr<Connection>> conns_;
  Writer& writer_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Connection*> free_;
};

}  // namespace lrs::sqlite

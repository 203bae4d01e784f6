#include "writer.h"

#include <exception>
#include <string>

#include <pthread.h>

namespace lrs::sqlite {

Writer::Writer(std::unique_ptr<Connection> conn, std::size_t max_group_weight)
    : conn_(std::move(conn)), max_group_weight_(max_group_weight) {}

Writer::~Writer() { stop(); }

void Writer::start() {
  thread_ = std::thread([this] { loop(); });
}

void Writer::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Result<void> Writer::run(WriteJob& job) {
  Entry entry{&job, {}};
  auto future = entry.done.get_future();
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return fail(ErrorCode::kUnavailable, "the database is shutting down");
    queue_.push_back(&entry);
  }
  cv_.notify_one();
  return future.get();
}

bool Writer::wants_idle_transaction() {
  bool wanted = false;
  for (WriteParticipant* p : participants_) wanted = p->wants_idle_transaction() || wanted;
  return wanted;
}

void Writer::loop() {
  std::vector<Entry*> group;
  // After a failed idle transaction, none until a group has run: a failing disk must
  // not turn the idle loop into a busy one.
  bool idle_allowed = true;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] {
        return !queue_.empty() || stopping_ || (idle_allowed && wants_idle_transaction());
      });
      if (queue_.empty() && stopping_) break;  // drained
      if (queue_.empty()) {
        busy_ = true;
        lock.unlock();
        idle_allowed = apply_group(group);
        continue;
      }
      idle_allowed = true;
      std::size_t weight = 0;
      while (!queue_.empty() && (group.empty() || weight < max_group_weight_)) {
        weight += queue_.front()->job->weight();
        group.push_back(queue_.front());
        queue_.pop_front();
      }
      busy_ = true;
    }
    apply_group(group);
    group.clear();
  }
  std::lock_guard<std::mutex> conn_lock(conn_mu_);
  if (conn_->exec("BEGIN IMMEDIATE", "starting the shutdown transaction")) {
    bool ok = true;
    for (WriteParticipant* p : participants_) ok = ok && p->on_shutdown(*conn_).has_value();
    (void)conn_->exec(ok ? "COMMIT" : "ROLLBACK", "ending the shutdown transaction");
  }
}

Result<void> Writer::apply_one(WriteJob& job) {
  try {
    return job.apply(*conn_);
  } catch (const std::exception& e) {
    return fail(ErrorCode::kInternal, std::string("write failed: ") + e.what());
  }
}

bool Writer::apply_group(std::vector<Entry*>& group) {
  std::vector<Result<void>> results;
  results.reserve(group.size());
  bool committed = false;
  {
    std::lock_guard<std::mutex> conn_lock(conn_mu_);
    auto begin = conn_->exec("BEGIN IMMEDIATE", "starting a write transaction");
    for (WriteParticipant* p : participants_) {
      if (begin) begin = p->on_transaction_begin(*conn_);
    }
    if (!begin) {
      if (!sqlite3_get_autocommit(conn_->db())) {
        (void)conn_->exec("ROLLBACK", "rolling back a write transaction");
        for (WriteParticipant* p : participants_) p->on_transaction_end(false);
      }
      results.assign(group.size(), begin);
    } else {
      Result<void> fatal;
      for (Entry* e : group) {
        if (!fatal) {
          results.push_back(fatal);
          continue;
        }
        Result<void> r = conn_->exec("SAVEPOINT job", "starting a savepoint");
        if (r) {
          r = apply_one(*e->job);
          if (r) {
            fatal = conn_->exec("RELEASE job", "releasing a savepoint");
          } else {
            fatal = conn_->exec("ROLLBACK TO job; RELEASE job", "rolling back a savepoint");
          }
          // After an I/O error SQLite may have rolled back the whole transaction.
          if (fatal && sqlite3_get_autocommit(conn_->db())) {
            fatal = fail(ErrorCode::kInternal, "the write transaction was rolled back");
          }
        } else {
          fatal = r;
        }
        for (WriteParticipant* p : participants_) p->on_job_end(r && fatal);
        results.push_back(fatal ? r : fatal);
      }
      Result<void> commit = fatal;
      for (WriteParticipant* p : participants_) {
        if (commit) commit = p->before_commit(*conn_);
      }
      if (commit) commit = conn_->exec("COMMIT", "committing a write transaction");
      if (!commit) {
        (void)conn_->exec("ROLLBACK", "rolling back a write transaction");
        for (auto& r : results) {
          if (r) r = commit;
        }
      }
      committed = commit.has_value();
      for (WriteParticipant* p : participants_) p->on_transaction_end(committed);
    }
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    busy_ = false;
  }
  for (std::size_t i = 0; i < group.size(); ++i) group[i]->done.set_value(std::move(results[i]));
  return committed;
}

}  // namespace lrs::sqlite

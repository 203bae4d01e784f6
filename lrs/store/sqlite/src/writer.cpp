#include "writer.h"

#include <exception>
#include <string>

#include <pthread.h>

namespace lrs::sqlite {

Writer::Writer(std::unique_ptr<Connection> conn, std::size_t max_group_weight,
               std::chrono::milliseconds contended_pause)
    : conn_(std::move(conn)),
      max_group_weight_(max_group_weight),
      contended_pause_(contended_pause) {}

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
  std::unique_lock<std::mutex> lock(mu_);
  if (stopping_) return fail(ErrorCode::kUnavailable, "the database is shutting down");
  const auto now = std::chrono::steady_clock::now();
  if (!queue_.empty() || (busy_ && !idle_transaction_)) {
    apply_in_caller_after_ = now + contended_pause_;  // another caller's jobs are ahead
  } else if (!busy_ && now >= apply_in_caller_after_ && thread_.joinable()) {
    busy_ = true;
    lock.unlock();
    std::vector<WriteJob*> jobs{&job};
    std::vector<Result<void>> results;
    apply_jobs(jobs, results);
    lock.lock();
    busy_ = false;
    idle_allowed_ = true;
    // Jobs that queued up meanwhile, an idle transaction now wanted, or stop() waiting.
    const bool due = writer_thread_due();
    lock.unlock();
    if (due) cv_.notify_one();
    return std::move(results.front());
  }
  Entry entry{&job, {}};
  auto future = entry.done.get_future();
  queue_.push_back(&entry);
  lock.unlock();
  cv_.notify_one();
  return future.get();
}

bool Writer::wants_idle_transaction() {
  bool wanted = false;
  for (WriteParticipant* p : participants_) wanted = p->wants_idle_transaction() || wanted;
  return wanted;
}

bool Writer::writer_thread_due() {
  return !busy_ && (!queue_.empty() || stopping_ || (idle_allowed_ && wants_idle_transaction()));
}

void Writer::loop() {
  std::vector<Entry*> group;
  std::vector<WriteJob*> jobs;
  std::vector<Result<void>> results;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return writer_thread_due(); });
      if (queue_.empty() && stopping_) break;  // drained
      busy_ = true;
      if (queue_.empty()) {
        idle_transaction_ = true;
        lock.unlock();
        jobs.clear();
        const bool committed = apply_jobs(jobs, results);
        lock.lock();
        busy_ = false;
        idle_transaction_ = false;
        idle_allowed_ = committed;
        continue;
      }
      idle_allowed_ = true;
      std::size_t weight = 0;
      while (!queue_.empty() && (group.empty() || weight < max_group_weight_)) {
        weight += queue_.front()->job->weight();
        group.push_back(queue_.front());
        queue_.pop_front();
      }
    }
    jobs.clear();
    for (Entry* e : group) jobs.push_back(e->job);
    apply_jobs(jobs, results);
    {
      std::lock_guard<std::mutex> lock(mu_);
      busy_ = false;
    }
    for (std::size_t i = 0; i < group.size(); ++i) group[i]->done.set_value(std::move(results[i]));
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

Result<void> Writer::step(const char* sql, std::string_view what) {
  auto stmt = conn_->prepare(sql);
  if (!stmt) return tl::unexpected<Error>(std::move(stmt).error());
  StmtUse q(stmt->get());
  return q->run(what);
}

bool Writer::apply_jobs(const std::vector<WriteJob*>& jobs,
                        std::vector<Result<void>>& results) noexcept {
  results.clear();
  results.reserve(jobs.size());
  std::lock_guard<std::mutex> conn_lock(conn_mu_);
  auto begin = step("BEGIN IMMEDIATE", "starting a write transaction");
  for (WriteParticipant* p : participants_) {
    if (begin) begin = p->on_transaction_begin(*conn_);
  }
  if (!begin) {
    if (!sqlite3_get_autocommit(conn_->db())) {
      (void)step("ROLLBACK", "rolling back a write transaction");
      for (WriteParticipant* p : participants_) p->on_transaction_end(false);
    }
    results.assign(jobs.size(), begin);
    return false;
  }
  // A job alone in its group needs no savepoint: when it fails, rolling back the
  // transaction undoes it and nothing else (every page it dirtied would otherwise be
  // copied to the savepoint's journal first).
  const bool savepoints = jobs.size() > 1;
  Result<void> fatal;
  for (WriteJob* job : jobs) {
    if (!fatal) {
      results.push_back(fatal);
      continue;
    }
    Result<void> r = savepoints ? step("SAVEPOINT job", "starting a savepoint") : Result<void>();
    if (r) {
      r = apply_one(*job);
      if (!savepoints) {
        if (!r) fatal = r;  // rolled back below, with the transaction
      } else if (r) {
        fatal = step("RELEASE job", "releasing a savepoint");
      } else {
        fatal = step("ROLLBACK TO job", "rolling back a savepoint");
        if (fatal) fatal = step("RELEASE job", "releasing a savepoint");
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
  if (commit) commit = step("COMMIT", "committing a write transaction");
  if (!commit) {
    (void)step("ROLLBACK", "rolling back a write transaction");
    for (auto& r : results) {
      if (r) r = commit;
    }
  }
  const bool committed = commit.has_value();
  for (WriteParticipant* p : participants_) p->on_transaction_end(committed);
  return committed;
}

}  // namespace lrs::sqlite

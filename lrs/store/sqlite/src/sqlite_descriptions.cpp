#include "sqlite_descriptions.h"

#include <utility>

#include "lrs/statement_record.h"
#include "sqlite_statement_store.h"

namespace lrs::sqlite {

namespace {

// Bounds on the memory; past them it starts over (a cold entry costs one read).
constexpr std::size_t kMaxKnownDefinitions = 100'000;
constexpr std::size_t kMaxKnownNames = 200'000;

}  // namespace

Result<void> DescriptionWriter::store(Connection& conn, const StatementRecord& record) {
  if (record.definitions.empty() && record.agent_names.empty()) return {};
  LRS_SQLITE_TRY(check_other_writers(conn));
  for (const ActivityDefinition& d : record.definitions) {
    LRS_SQLITE_TRY(store_definition(conn, d, record.redefine));
  }
  for (const AgentName& n : record.agent_names) LRS_SQLITE_TRY(store_name(conn, n));
  return {};
}

Result<void> DescriptionWriter::check_other_writers(Connection& conn) {
  if (checked_this_transaction_) return {};
  auto version = conn.query_int("PRAGMA data_version", "reading the data version");
  if (!version) return tl::unexpected<Error>(std::move(version).error());
  if (*version != data_version_) {
    definitions_.clear();
    names_.clear();
    data_version_ = *version;
  }
  checked_this_transaction_ = true;
  return {};
}

Result<void> DescriptionWriter::store_definition(Connection& conn, const ActivityDefinition& d,
                                                 bool redefine) {
  bool touched = touched_.contains(d.activity_id);
  KnownDefinition* known = nullptr;
  if (!touched) {
    if (auto it = definitions_.find(d.activity_id); it != definitions_.end()) known = &it->second;
  }
  if (known != nullptr &&
      (!redefine || d.definition == known->stored || d.definition == known->no_op)) {
    return {};
  }
  std::optional<std::string> stored;
  if (known != nullptr) {
    stored = known->stored;
  } else {
    auto stmt = conn.prepare("SELECT definition FROM activity_definitions WHERE activity = ?1");
    if (!stmt) return tl::unexpected<Error>(std::move(stmt).error());
    StmtUse q(stmt->get());
    q->bind_text(1, d.activity_id);
    auto row = q->step("reading an activity definition");
    if (!row) return tl::unexpected<Error>(std::move(row).error());
    if (*row) stored = std::string(q->col_text(0));
  }
  bool remember = !touched && stored.has_value();
  if (remember && known == nullptr) {
    if (definitions_.size() >= kMaxKnownDefinitions) definitions_.clear();
    known = &definitions_[d.activity_id];
    known->stored = *stored;
  }
  auto merged = redefined_activity(stored, d.definition, redefine);
  if (!merged) {
    if (remember && redefine) known->no_op = d.definition;
    return {};
  }
  auto stmt = conn.prepare(
      "INSERT INTO activity_definitions (activity, definition) VALUES (?1, ?2) "
      "ON CONFLICT (activity) DO UPDATE SET definition = excluded.definition");
  if (!stmt) return tl::unexpected<Error>(std::move(stmt).error());
  StmtUse q(stmt->get());
  q->bind_text(1, d.activity_id);
  q->bind_text(2, *merged);
  LRS_SQLITE_TRY(q->run("storing an activity definition"));
  touched_.insert(d.activity_id);
  definitions_.erase(d.activity_id);
  return {};
}

Result<void> DescriptionWriter::store_name(Connection& conn, const AgentName& n) {
  std::string key = n.agent + '\n' + n.name;
  if (names_.contains(key)) return {};
  // `seen` orders names by first appearance; the (agent, name) key keeps them distinct.
  auto stmt = conn.prepare(
      "INSERT INTO agent_names (agent, name, seen) SELECT ?1, ?2, coalesce(max(seen), 0) + 1 "
      "FROM agent_names WHERE agent = ?1 ON CONFLICT (agent, name) DO NOTHING");
  if (!stmt) return tl::unexpected<Error>(std::move(stmt).error());
  StmtUse q(stmt->get());
  q->bind_text(1, n.agent);
  q->bind_text(2, n.name);
  LRS_SQLITE_TRY(q->run("storing an agent name"));
  job_names_.push_back(std::move(key));
  return {};
}

void DescriptionWriter::on_job_end(bool kept) {
  if (kept) {
    for (std::string& k : job_names_) transaction_names_.push_back(std::move(k));
  }
  job_names_.clear();
}

void DescriptionWriter::on_transaction_end(bool committed) {
  if (committed) {
    if (names_.size() + transaction_names_.size() > kMaxKnownNames) names_.clear();
    for (std::string& k : transaction_names_) names_.insert(std::move(k));
  }
  transaction_names_.clear();
  job_names_.clear();
  // Read again next time: this transaction's writes are either committed or gone.
  touched_.clear();
  checked_this_transaction_ = false;
  if (!committed) data_version_ = -1;
}

Result<std::optional<std::string>> SqliteStatementStore::activity_definition(
    const std::string& activity_id) {
  auto conn = reads_.acquire();
  auto stmt = conn->prepare("SELECT definition FROM activity_definitions WHERE activity = ?1");
  if (!stmt) return tl::unexpected<Error>(std::move(stmt).error());
  StmtUse q(stmt->get());
  q->bind_text(1, activity_id);
  auto row = q->step("reading the definition of " + activity_id);
  if (!row) return tl::unexpected<Error>(std::move(row).error());
  if (!*row) return std::optional<std::string>();
  return std::optional<std::string>(std::string(q->col_text(0)));
}

Result<std::vector<std::string>> SqliteStatementStore::agent_names(const std::string& agent_key) {
  auto conn = reads_.acquire();
  auto stmt = conn->prepare("SELECT name FROM agent_names WHERE agent = ?1 ORDER BY seen");
  if (!stmt) return tl::unexpected<Error>(std::move(stmt).error());
  StmtUse q(stmt->get());
  q->bind_text(1, agent_key);
  std::vector<std::string> names;
  for (;;) {
    auto row = q->step("reading the names of " + agent_key);
    if (!row) return tl::unexpected<Error>(std::move(row).error());
    if (!*row) break;
    names.emplace_back(q->col_text(0));
  }
  return names;
}

}  // namespace lrs::sqlite

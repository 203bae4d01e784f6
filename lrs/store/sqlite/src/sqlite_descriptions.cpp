#include "sqlite_descriptions.h"

#include <utility>

#include "lrs/statement_record.h"
#include "sqlite_statement_store.h"

namespace lrs::sqlite {

Result<void> store_descriptions(Connection& conn, const StatementRecord& record) {
  for (const ActivityDefinition& d : record.definitions) {
    std::optional<std::string> stored;
    {
      auto stmt = conn.prepare("SELECT definition FROM activity_definitions WHERE activity = ?1");
      if (!stmt) return tl::unexpected<Error>(std::move(stmt).error());
      StmtUse q(stmt->get());
      q->bind_text(1, d.activity_id);
      auto row = q->step("reading an activity definition");
      if (!row) return tl::unexpected<Error>(std::move(row).error());
      if (*row) stored = std::string(q->col_text(0));
    }
    // Without the define scope the first definition stays (Communication 4.1.2).
    if (stored && !record.redefine) continue;
    std::string merged = stored ? merge_activity_definition(*stored, d.definition) : d.definition;
    if (stored && merged == *stored) continue;
    auto stmt = conn.prepare(
        "INSERT INTO activity_definitions (activity, definition) VALUES (?1, ?2) "
        "ON CONFLICT (activity) DO UPDATE SET definition = excluded.definition");
    if (!stmt) return tl::unexpected<Error>(std::move(stmt).error());
    StmtUse q(stmt->get());
    q->bind_text(1, d.activity_id);
    q->bind_text(2, merged);
    LRS_SQLITE_TRY(q->run("storing an activity definition"));
  }
  for (const AgentName& n : record.agent_names) {
    // `seen` orders names by first appearance; the (agent, name) key keeps them distinct.
    auto stmt = conn.prepare(
        "INSERT INTO agent_names (agent, name, seen) SELECT ?1, ?2, coalesce(max(seen), 0) + 1 "
        "FROM agent_names WHERE agent = ?1 ON CONFLICT (agent, name) DO NOTHING");
    if (!stmt) return tl::unexpected<Error>(std::move(stmt).error());
    StmtUse q(stmt->get());
    q->bind_text(1, n.agent);
    q->bind_text(2, n.name);
    LRS_SQLITE_TRY(q->run("storing an agent name"));
  }
  return {};
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

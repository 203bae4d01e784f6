#include "sqlite_person_store.h"

#include <algorithm>
#include <utility>

namespace lrs::sqlite {
namespace {

constexpr const char* kColumns = "SELECT person, agent, ifi, source, linked_us FROM person_links";

// Rows ordered by person, then agent, grouped into persons.
Result<std::vector<PersonRecord>> read_persons(Stmt& q, std::string_view what) {
  std::vector<PersonRecord> out;
  for (;;) {
    auto row = q.step(what);
    if (!row) return tl::unexpected<Error>(std::move(row).error());
    if (!*row) break;
    std::string person(q.col_text(0));
    if (out.empty() || out.back().id != person) out.push_back(PersonRecord{person, {}});
    out.back().agents.push_back(LinkedAgent{std::string(q.col_text(1)), std::string(q.col_text(2)),
                                            std::string(q.col_text(3)), q.col_int(4)});
  }
  return out;
}

Result<std::optional<PersonRecord>> read_person(Connection& conn, const std::string& id) {
  auto stmt = conn.prepare(std::string(kColumns) + " WHERE person = ?1 ORDER BY agent");
  if (!stmt) return tl::unexpected<Error>(std::move(stmt).error());
  StmtUse q(stmt->get());
  q->bind_text(1, id);
  auto persons = read_persons(*q, "reading person " + id);
  if (!persons) return tl::unexpected<Error>(std::move(persons).error());
  if (persons->empty()) return std::optional<PersonRecord>();
  return std::optional<PersonRecord>(std::move(persons->front()));
}

Result<std::optional<std::string>> person_of(Connection& conn, const std::string& agent_key) {
  auto stmt = conn.prepare("SELECT person FROM person_links WHERE agent = ?1");
  if (!stmt) return tl::unexpected<Error>(std::move(stmt).error());
  StmtUse q(stmt->get());
  q->bind_text(1, agent_key);
  auto row = q->step("reading the person of " + agent_key);
  if (!row) return tl::unexpected<Error>(std::move(row).error());
  if (!*row) return std::optional<std::string>();
  return std::optional<std::string>(std::string(q->col_text(0)));
}

Result<void> run_on_person(Connection& conn, const char* sql, const std::string& a,
                           const std::string& b, std::string_view what) {
  auto stmt = conn.prepare(sql);
  if (!stmt) return tl::unexpected<Error>(std::move(stmt).error());
  StmtUse q(stmt->get());
  q->bind_text(1, a);
  q->bind_text(2, b);
  return q->run(what);
}

// A person of one agent links nothing: dissolve it.
Result<void> drop_if_single(Connection& conn, const std::string& id) {
  return run_on_person(conn,
                       "DELETE FROM person_links WHERE person = ?1 AND "
                       "(SELECT count(*) FROM person_links WHERE person = ?2) < 2",
                       id, id, "dissolving person " + id);
}

}  // namespace

Result<PersonRecord> SqlitePersonStore::link(const std::vector<LinkedAgent>& agents,
                                             const std::string& new_id) {
  PersonRecord out;
  FunctionJob job([&](Connection& conn) -> Result<void> {
    std::vector<std::string> existing;
    for (const LinkedAgent& a : agents) {
      auto person = person_of(conn, a.key);
      if (!person) return tl::unexpected<Error>(std::move(person).error());
      if (*person && std::find(existing.begin(), existing.end(), **person) == existing.end()) {
        existing.push_back(**person);
      }
    }
    std::sort(existing.begin(), existing.end());
    std::string target = existing.empty() ? new_id : existing.front();
    for (std::size_t i = 1; i < existing.size(); ++i) {
      LRS_SQLITE_TRY(run_on_person(conn, "UPDATE person_links SET person = ?1 WHERE person = ?2",
                                   target, existing[i], "merging person " + existing[i]));
    }
    auto stmt = conn.prepare(
        "INSERT INTO person_links (agent, person, ifi, source, linked_us) "
        "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (agent) DO NOTHING");
    if (!stmt) return tl::unexpected<Error>(std::move(stmt).error());
    for (const LinkedAgent& a : agents) {
      StmtUse q(stmt->get());
      q->bind_text(1, a.key);
      q->bind_text(2, target);
      q->bind_text(3, a.ifi);
      q->bind_text(4, a.source);
      q->bind(5, a.linked_us);
      LRS_SQLITE_TRY(q->run("linking " + a.key));
    }
    auto person = read_person(conn, target);
    if (!person) return tl::unexpected<Error>(std::move(person).error());
    if (!*person) return fail(ErrorCode::kInternal, "person " + target + " vanished while linking");
    out = std::move(**person);
    return {};
  });
  LRS_SQLITE_TRY(writer_.run(job));
  return out;
}

Result<std::optional<PersonRecord>> SqlitePersonStore::find_by_agent(const std::string& agent_key) {
  auto conn = reads_.acquire();
  auto person = person_of(*conn, agent_key);
  if (!person) return tl::unexpected<Error>(std::move(person).error());
  if (!*person) return std::optional<PersonRecord>();
  return read_person(*conn, **person);
}

Result<std::optional<PersonRecord>> SqlitePersonStore::find(const std::string& id) {
  auto conn = reads_.acquire();
  return read_person(*conn, id);
}

Result<std::vector<PersonRecord>> SqlitePersonStore::list() {
  auto conn = reads_.acquire();
  auto stmt = conn->prepare(std::string(kColumns) + " ORDER BY person, agent");
  if (!stmt) return tl::unexpected<Error>(std::move(stmt).error());
  StmtUse q(stmt->get());
  return read_persons(*q, "listing persons");
}

Result<void> SqlitePersonStore::remove(const std::string& id) {
  FunctionJob job([&id](Connection& conn) -> Result<void> {
    auto stmt = conn.prepare("DELETE FROM person_links WHERE person = ?1");
    if (!stmt) return tl::unexpected<Error>(std::move(stmt).error());
    StmtUse q(stmt->get());
    q->bind_text(1, id);
    LRS_SQLITE_TRY(q->run("dissolving person " + id));
    if (conn.changes() == 0) return fail(ErrorCode::kNotFound, "no person " + id);
    return {};
  });
  return writer_.run(job);
}

Result<void> SqlitePersonStore::unlink(const std::string& id, const std::string& agent_key) {
  FunctionJob job([&](Connection& conn) -> Result<void> {
    LRS_SQLITE_TRY(run_on_person(conn, "DELETE FROM person_links WHERE person = ?1 AND agent = ?2",
                                 id, agent_key, "unlinking " + agent_key));
    if (conn.changes() == 0) {
      return fail(ErrorCode::kNotFound, agent_key + " is not linked to person " + id);
    }
    return drop_if_single(conn, id);
  });
  return writer_.run(job);
}

}  // namespace lrs::sqlite

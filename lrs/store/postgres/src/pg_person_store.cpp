#include "pg_person_store.h"

#include <algorithm>
#include <utility>

namespace lrs::pg {
namespace {

// pg_advisory_xact_lock key for person links: "LRSP".
constexpr const char* kLinkLock = "SELECT pg_advisory_xact_lock(1280463696)";

constexpr const char* kColumns = "SELECT person, agent, ifi, source, linked_us FROM person_links";

// Rows ordered by person, then agent, grouped into persons.
std::vector<PersonRecord> group_persons(const Rows& rows) {
  std::vector<PersonRecord> out;
  for (int i = 0; i < rows.size(); ++i) {
    std::string person(rows.text(i, 0));
    if (out.empty() || out.back().id != person) out.push_back(PersonRecord{person, {}});
    out.back().agents.push_back(LinkedAgent{std::string(rows.text(i, 1)),
                                            std::string(rows.text(i, 2)),
                                            std::string(rows.text(i, 3)), rows.integer(i, 4)});
  }
  return out;
}

Result<std::optional<PersonRecord>> read_person(Connection& conn, const std::string& id) {
  auto rows = conn.exec(std::string(kColumns) + " WHERE person = $1 ORDER BY agent COLLATE \"C\"",
                        one(id), "reading person " + id);
  if (!rows) return tl::unexpected<Error>(rows.error());
  auto persons = group_persons(*rows);
  if (persons.empty()) return std::optional<PersonRecord>();
  return std::optional<PersonRecord>(std::move(persons.front()));
}

Params two(std::string_view a, std::string_view b) {
  Params p;
  p.add(a);
  p.add(b);
  return p;
}

}  // namespace

Result<PersonRecord> PgPersonStore::link(const std::vector<LinkedAgent>& agents,
                                         const std::string& new_id) {
  PersonRecord out;
  LRS_PG_TRY(pool_.write("linking agents", [&](Connection& c) -> Result<void> {
    LRS_PG_TRY(c.exec(kLinkLock, "waiting for other person links"));
    std::vector<std::string> keys;
    keys.reserve(agents.size());
    for (const LinkedAgent& a : agents) keys.push_back(a.key);
    Params p;
    p.add(text_array(keys));
    auto rows = c.exec(
        "SELECT person FROM person_links WHERE agent = ANY($1::text[]) GROUP BY person "
        "ORDER BY person COLLATE \"C\"",
        p, "reading the persons of the agents to link");
    if (!rows) return tl::unexpected<Error>(rows.error());
    std::string target = rows->size() == 0 ? new_id : std::string(rows->text(0, 0));
    for (int i = 1; i < rows->size(); ++i) {
      std::string merged(rows->text(i, 0));
      LRS_PG_TRY(c.exec("UPDATE person_links SET person = $1 WHERE person = $2",
                        two(target, merged), "merging person " + merged));
    }
    for (const LinkedAgent& a : agents) {
      Params row;
      row.add(a.key).add(target).add(a.ifi).add(a.source).add(a.linked_us);
      LRS_PG_TRY(
          c.exec("INSERT INTO person_links (agent, person, ifi, source, linked_us) "
                 "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (agent) DO NOTHING",
                 row, "linking " + a.key));
    }
    auto person = read_person(c, target);
    if (!person) return tl::unexpected<Error>(person.error());
    if (!*person) return fail(ErrorCode::kInternal, "person " + target + " vanished while linking");
    out = std::move(**person);
    return {};
  }));
  return out;
}

Result<std::optional<PersonRecord>> PgPersonStore::find_by_agent(const std::string& agent_key) {
  std::optional<PersonRecord> out;
  LRS_PG_TRY(pool_.read("reading the person of " + agent_key, [&](Connection& c) -> Result<void> {
    auto rows = c.exec(std::string(kColumns) +
                           " WHERE person = (SELECT person FROM person_links WHERE agent = $1) "
                           "ORDER BY agent COLLATE \"C\"",
                       one(agent_key), "reading the person of " + agent_key);
    if (!rows) return tl::unexpected<Error>(rows.error());
    auto persons = group_persons(*rows);
    out.reset();
    if (!persons.empty()) out = std::move(persons.front());
    return {};
  }));
  return out;
}

Result<std::optional<PersonRecord>> PgPersonStore::find(const std::string& id) {
  std::optional<PersonRecord> out;
  LRS_PG_TRY(pool_.read("reading person " + id, [&](Connection& c) -> Result<void> {
    auto person = read_person(c, id);
    if (!person) return tl::unexpected<Error>(person.error());
    out = std::move(*person);
    return {};
  }));
  return out;
}

Result<std::vector<PersonRecord>> PgPersonStore::list() {
  std::vector<PersonRecord> out;
  LRS_PG_TRY(pool_.read("listing persons", [&](Connection& c) -> Result<void> {
    auto rows =
        c.exec(std::string(kColumns) + " ORDER BY person COLLATE \"C\", agent COLLATE \"C\"",
               "listing persons");
    if (!rows) return tl::unexpected<Error>(rows.error());
    out = group_persons(*rows);
    return {};
  }));
  return out;
}

Result<void> PgPersonStore::remove(const std::string& id) {
  return pool_.write("dissolving person " + id, [&](Connection& c) -> Result<void> {
    LRS_PG_TRY(c.exec(kLinkLock, "waiting for other person links"));
    auto rows = c.exec("DELETE FROM person_links WHERE person = $1 RETURNING agent", one(id),
                       "dissolving person " + id);
    if (!rows) return tl::unexpected<Error>(rows.error());
    if (rows->size() == 0) return fail(ErrorCode::kNotFound, "no person " + id);
    return {};
  });
}

Result<void> PgPersonStore::unlink(const std::string& id, const std::string& agent_key) {
  return pool_.write("unlinking " + agent_key, [&](Connection& c) -> Result<void> {
    LRS_PG_TRY(c.exec(kLinkLock, "waiting for other person links"));
    auto rows = c.exec("DELETE FROM person_links WHERE person = $1 AND agent = $2 RETURNING agent",
                       two(id, agent_key), "unlinking " + agent_key);
    if (!rows) return tl::unexpected<Error>(rows.error());
    if (rows->size() == 0) {
      return fail(ErrorCode::kNotFound, agent_key + " is not linked to person " + id);
    }
    // A person of one agent links nothing: dissolve it.
    LRS_PG_TRY(
        c.exec("DELETE FROM person_links WHERE person = $1 AND "
               "(SELECT count(*) FROM person_links WHERE person = $1) < 2",
               one(id), "dissolving person " + id));
    return {};
  });
}

}  // namespace lrs::pg

#include "pg_statement_store.h"

#include <algorithm>
#include <cassert>
#include <iterator>
#include <limits>
#include <set>
#include <utility>

#include "lrs/statement_record.h"
#include "lrs/timestamp.h"

namespace lrs::pg {
namespace {

// The body as returned: the stored JSON object with "stored" added last.
std::string with_stored(std::string_view body, std::int64_t stored_us) {
  std::string out(body.substr(0, body.rfind('}')));
  bool empty_object = out.find_last_not_of(" \t\r\n") == out.find('{');
  out += empty_object ? "\"stored\":\"" : ",\"stored\":\"";
  out += format_timestamp_us(stored_us);
  out += "\"}";
  return out;
}

Uuid uuid_of(std::string_view text) { return Uuid::parse(text).value_or(Uuid{}); }

// terms.key of a filter key: a type letter and the key ('r' registrations as text).
std::string term_key(char type, std::string_view key) {
  std::string out(1, type);
  out.append(key);
  return out;
}

std::vector<std::string> record_term_keys(const StatementRecord& r) {
  std::vector<std::string> keys;
  keys.push_back(term_key('v', r.verb));
  for (const auto& a : r.agents) keys.push_back(term_key('a', a));
  for (const auto& a : r.related_agents) keys.push_back(term_key('a', a));
  for (const auto& a : r.activities) keys.push_back(term_key('c', a));
  for (const auto& a : r.related_activities) keys.push_back(term_key('c', a));
  if (r.registration) keys.push_back(term_key('r', r.registration->str()));
  if (r.authority) keys.push_back(term_key('u', *r.authority));
  return keys;
}

std::vector<std::int64_t> sorted_union(const std::vector<std::int64_t>& a,
                                       const std::vector<std::int64_t>& b) {
  std::vector<std::int64_t> out;
  std::set_union(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

// One statement a job looked at: stored already (loaded) or stored by the job (fresh).
struct Row {
  std::int64_t stored = 0;
  bool voiding = false;
  bool voided = false;
  std::optional<Uuid> ref;
  std::vector<std::int64_t> terms;  // sorted; inherited ones included
  bool fresh = false;
  std::string body;  // fresh: as sent; loaded: only for ids the job inserts
  std::optional<std::int64_t> authority_link;
  // Loaded rows the job changed: voided now, and terms gained.
  bool voided_by_job = false;
  std::vector<std::int64_t> gained;
};

// One record to store and the judge of its re-sends.
struct Item {
  const StatementRecord* record;
  const StatementStore::SameStatement* same;
};

std::vector<Item> items_of(const std::vector<StatementRecord>& records,
                           const StatementStore::SameStatement& same) {
  std::vector<Item> items;
  items.reserve(records.size());
  for (const StatementRecord& r : records) items.push_back({&r, &same});
  return items;
}

// SQLSTATEs a writer retries its transaction on, as PostgreSQL's own serialization
// failures.
constexpr const char* kUniqueViolation = "23505";
constexpr const char* kSerializationFailure = "40001";

// The activity definitions the inserted statements of `items` change (only those of
// `only` when given), merged in statement order into `stored`, which gains them.
std::map<std::string, std::string> merged_definitions(const std::vector<Item>& items,
                                                      const std::vector<bool>& inserted,
                                                      std::map<std::string, std::string>& stored,
                                                      const std::set<std::string>* only) {
  std::map<std::string, std::string> changed;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (!inserted[i]) continue;
    for (const ActivityDefinition& d : items[i].record->definitions) {
      if (only != nullptr && only->count(d.activity_id) == 0) continue;
      auto it = stored.find(d.activity_id);
      auto merged = redefined_activity(
          it != stored.end() ? std::optional<std::string_view>(it->second) : std::nullopt,
          d.definition, items[i].record->redefine);
      if (!merged) continue;
      stored[d.activity_id] = *merged;
      changed[d.activity_id] = std::move(*merged);
    }
  }
  return changed;
}

// The statements one insert request (or a whole group of them) touches, read once under the
// references lock and written back in a few bulk commands: COPY for new rows and their links, one
// command per kind of change to existing rows.
class InsertJob {
 public:
  InsertJob(Connection& conn, StoredClock& clock,
            const std::unordered_map<std::string, std::int64_t>& term_ids, KnownAgentNames& names)
      : conn_(conn), clock_(clock), term_ids_(term_ids), names_(names) {}

  Result<void> run(const std::vector<Item>& items, std::vector<bool>& inserted);
  // The KnownAgentNames keys of the pairs this job stored (or found stored).
  const std::vector<std::string>& names_sent() const { return names_sent_; }

 private:
  static constexpr const char* kRowColumns =
      "SELECT id, stored, voiding, voided, ref, terms, body FROM statements ";
  Result<void> load(std::string_view where, const Params& params);
  Result<std::vector<Uuid>> referrers(const Uuid& id);
  void add_row(const Uuid& id, Row row);
  Result<void> propagate(const std::vector<std::int64_t>& terms, std::vector<Uuid> to);
  std::int64_t term(char type, std::string_view key) const {
    return term_ids_.at(term_key(type, key));
  }
  Result<void> flush(const std::vector<Item>& items, const std::vector<bool>& inserted);
  Result<void> store_descriptions(const std::vector<Item>& items,
                                  const std::vector<bool>& inserted);
  Result<void> store_agent_names(const std::vector<std::string>& agents,
                                 const std::vector<std::string>& names);

  Connection& conn_;
  StoredClock& clock_;
  const std::unordered_map<std::string, std::int64_t>& term_ids_;
  KnownAgentNames& names_;
  std::vector<std::string> names_sent_;
  std::map<Uuid, Row> rows_;
  std::multimap<Uuid, Uuid> by_ref_;  // ref -> ids of the rows referring to it
  std::set<Uuid> referrers_loaded_;
  std::vector<Uuid> fresh_;  // in stored order
};

Result<void> InsertJob::load(std::string_view where, const Params& params) {
  auto rows = conn_.exec(std::string(kRowColumns) + std::string(where), params,
                         "reading stored statements");
  if (!rows) return tl::unexpected<Error>(rows.error());
  for (int i = 0; i < rows->size(); ++i) {
    Uuid id = uuid_of(rows->text(i, 0));
    if (rows_.count(id) != 0) continue;
    Row row;
    row.stored = rows->integer(i, 1);
    row.voiding = rows->boolean(i, 2);
    row.voided = rows->boolean(i, 3);
    if (!rows->null(i, 4)) row.ref = uuid_of(rows->text(i, 4));
    row.terms = parse_int_array(rows->text(i, 5));
    if (!rows->null(i, 6)) row.body = rows->text(i, 6);
    add_row(id, std::move(row));
  }
  return {};
}

void InsertJob::add_row(const Uuid& id, Row row) {
  if (row.ref) by_ref_.emplace(*row.ref, id);
  rows_[id] = std::move(row);
}

Result<std::vector<Uuid>> InsertJob::referrers(const Uuid& id) {
  if (referrers_loaded_.insert(id).second) {
    Params p;
    p.add(id.str());
    LRS_PG_TRY(load("WHERE ref = $1::uuid", p));
  }
  std::vector<Uuid> out;
  auto [begin, end] = by_ref_.equal_range(id);
  for (auto it = begin; it != end; ++it) {
    if (it->second != id) out.push_back(it->second);  // a self-reference gains nothing
  }
  return out;
}

// Gives `terms` to the statements `to` and, transitively, to the statements referring
// to them. Terms only grow, so this ends even on cycles of references.
Result<void> InsertJob::propagate(const std::vector<std::int64_t>& terms, std::vector<Uuid> to) {
  std::vector<std::pair<Uuid, std::vector<std::int64_t>>> work;
  for (const Uuid& id : to) work.emplace_back(id, terms);
  while (!work.empty()) {
    auto [id, add] = std::move(work.back());
    work.pop_back();
    Row& row = rows_.at(id);
    std::vector<std::int64_t> diff;
    std::set_difference(add.begin(), add.end(), row.terms.begin(), row.terms.end(),
                        std::back_inserter(diff));
    if (diff.empty()) continue;
    row.terms = sorted_union(row.terms, diff);
    if (!row.fresh) row.gained = sorted_union(row.gained, diff);
    auto next = referrers(id);
    if (!next) return tl::unexpected<Error>(next.error());
    for (const Uuid& n : *next) work.emplace_back(n, diff);
  }
  return {};
}

Result<void> InsertJob::run(const std::vector<Item>& items, std::vector<bool>& inserted) {
  inserted.assign(items.size(), false);
  // Every row the job needs in two reads: the ids it stores and their targets, and
  // the statements that referred to those ids before they arrived.
  std::vector<std::string> ids, wanted;
  for (const Item& item : items) {
    const StatementRecord& r = *item.record;
    ids.push_back(r.id.str());
    wanted.push_back(r.id.str());
    if (r.statement_ref) wanted.push_back(r.statement_ref->str());
  }
  {
    Params p;
    p.add(text_array(wanted));
    p.add(text_array(ids));
    auto rows = conn_.exec(
        "SELECT id, stored, voiding, voided, ref, terms, "
        "CASE WHEN id = ANY($2::uuid[]) THEN body END FROM statements "
        "WHERE id = ANY($1::uuid[]) OR ref = ANY($2::uuid[])",
        p, "reading stored statements");
    if (!rows) return tl::unexpected<Error>(rows.error());
    for (int i = 0; i < rows->size(); ++i) {
      Row row;
      row.stored = rows->integer(i, 1);
      row.voiding = rows->boolean(i, 2);
      row.voided = rows->boolean(i, 3);
      if (!rows->null(i, 4)) row.ref = uuid_of(rows->text(i, 4));
      row.terms = parse_int_array(rows->text(i, 5));
      if (!rows->null(i, 6)) row.body = rows->text(i, 6);
      add_row(uuid_of(rows->text(i, 0)), std::move(row));
    }
    for (const Item& item : items) referrers_loaded_.insert(item.record->id);
  }

  for (std::size_t i = 0; i < items.size(); ++i) {
    const StatementRecord& r = *items[i].record;
    if (auto it = rows_.find(r.id); it != rows_.end()) {
      if ((*items[i].same)(with_stored(it->second.body, it->second.stored), r.body)) continue;
      return fail(ErrorCode::kConflict,
                  "statement " + r.id.str() + " already exists with different content");
    }
    Row row;
    row.fresh = true;
    row.voiding = r.voiding;
    row.ref = r.statement_ref;
    row.body = r.body;
    // Direct terms as role 0, related ones as role 1; a query with related_* looks
    // for both roles (query()). Until schema version 5 direct terms were stored with
    // both roles: one link row more per agent and activity.
    row.terms.push_back(term('v', r.verb) * 2);
    for (const auto& a : r.agents) row.terms.push_back(term('a', a) * 2);
    for (const auto& a : r.related_agents) row.terms.push_back(term('a', a) * 2 + 1);
    for (const auto& a : r.activities) row.terms.push_back(term('c', a) * 2);
    for (const auto& a : r.related_activities) row.terms.push_back(term('c', a) * 2 + 1);
    if (r.registration) row.terms.push_back(term('r', r.registration->str()) * 2);
    // A StatementRef matches whatever its target matches (xAPI Communication 2.1.3),
    // inherited terms included.
    Row* target = nullptr;
    if (r.statement_ref) {
      if (auto it = rows_.find(*r.statement_ref); it != rows_.end()) {
        target = &it->second;
        row.terms.insert(row.terms.end(), target->terms.begin(), target->terms.end());
      }
    }
    std::sort(row.terms.begin(), row.terms.end());
    row.terms.erase(std::unique(row.terms.begin(), row.terms.end()), row.terms.end());
    // The authority is the statement's own: statements referring to this one do not
    // inherit it (statements/read/mine must not see them), so it stays out of `terms`.
    if (r.authority) row.authority_link = term('u', *r.authority) * 2;
    row.stored = clock_.next();
    std::vector<std::int64_t> terms = row.terms;
    add_row(r.id, std::move(row));
    fresh_.push_back(r.id);
    inserted[i] = true;

    // Statements that arrived before this one: a voiding one voids it now (unless it is
    // itself a voiding statement), and all inherit its terms.
    auto waiting = referrers(r.id);
    if (!waiting) return tl::unexpected<Error>(waiting.error());
    Row& self = rows_.at(r.id);
    if (!r.voiding) {
      for (const Uuid& w : *waiting) {
        if (rows_.at(w).voiding) self.voided = true;
      }
    }
    if (r.voiding && target != nullptr && !target->voiding && !target->voided) {
      target->voided = true;
      if (!target->fresh) target->voided_by_job = true;
    }
    if (!waiting->empty()) LRS_PG_TRY(propagate(terms, std::move(*waiting)));
  }
  LRS_PG_TRY(flush(items, inserted));
  return store_descriptions(items, inserted);
}

Result<void> InsertJob::flush(const std::vector<Item>& items, const std::vector<bool>& inserted) {
  if (!fresh_.empty()) {
    BinaryCopy data;
    std::vector<std::pair<std::int64_t, std::int64_t>> link_rows;  // (term, stored)
    for (const Uuid& id : fresh_) {
      const Row& row = rows_.at(id);
      data.row(7);
      data.int8(row.stored);
      data.uuid(id.raw());
      if (row.ref) {
        data.uuid(row.ref->raw());
      } else {
        data.null();
      }
      data.boolean(row.voiding);
      data.boolean(row.voided);
      data.int8_array(row.terms);
      data.text(row.body);
      // query() never returns voided statements: they need no links.
      if (row.voided) continue;
      std::vector<std::int64_t> own = row.terms;
      if (row.authority_link) own = sorted_union(own, {*row.authority_link});
      for (std::int64_t t : own) link_rows.emplace_back(t, row.stored);
    }
    // In key order: the B-tree inserts of one term follow each other into the same leaf
    // page (the right end of its range) instead of jumping between the terms' ranges, so
    // each descent finds its pages in the CPU cache: 15% less time for the same rows in
    // an insert test, on the command that takes most of the writer's time
    // (bench/README.md, "PostgreSQL").
    std::sort(link_rows.begin(), link_rows.end());
    BinaryCopy links;
    for (const auto& [term, stored] : link_rows) {
      links.row(2);
      links.int8(term);
      links.int8(stored);
    }
    auto copied = conn_.copy_in(
        "COPY statements (stored, id, ref, voiding, voided, terms, body) FROM STDIN "
        "(FORMAT binary)",
        data.finish(), "storing statements");
    if (!copied) {
      // Another process stored one of these ids after this transaction looked (the
      // index waited for its COMMIT): run again, the retry finds it stored and
      // compares (pg_statement_store.h, "Duplicate ids").
      if (conn_.last_sqlstate() == kUniqueViolation) conn_.restore_failure(kUniqueViolation, true);
      return copied;
    }
    if (!links.empty()) {
      LRS_PG_TRY(conn_.copy_in("COPY links (term, stored) FROM STDIN (FORMAT binary)",
                               links.finish(), "indexing statements"));
    }
  }
  // Changes to statements stored before: voided now, or gaining terms from a target.
  std::vector<std::int64_t> voided, unlink_terms, unlink_stored, link_terms, link_stored;
  for (auto& [id, row] : rows_) {
    if (row.fresh) continue;
    if (row.voided_by_job) {
      voided.push_back(row.stored);
      for (std::int64_t t : row.terms) {
        unlink_terms.push_back(t);
        unlink_stored.push_back(row.stored);
      }
    } else if (!row.voided) {
      for (std::int64_t t : row.gained) {
        link_terms.push_back(t);
        link_stored.push_back(row.stored);
      }
    }
    if (!row.gained.empty()) {
      Params p;
      p.add(row.stored);
      p.add(int_array(row.terms));
      LRS_PG_TRY(conn_.exec("UPDATE statements SET terms = $2::bigint[] WHERE stored = $1", p,
                            "updating a referring statement"));
    }
  }
  if (!voided.empty()) {
    Params p;
    p.add(int_array(voided));
    LRS_PG_TRY(conn_.exec("UPDATE statements SET voided = true WHERE stored = ANY($1::bigint[])", p,
                          "voiding statements"));
    Params q;
    q.add(int_array(unlink_terms));
    q.add(int_array(unlink_stored));
    LRS_PG_TRY(conn_.exec(
        "DELETE FROM links l USING unnest($1::bigint[], $2::bigint[]) AS d(term, stored) "
        "WHERE l.term = d.term AND l.stored = d.stored",
        q, "unindexing voided statements"));
  }
  if (!link_terms.empty()) {
    Params p;
    p.add(int_array(link_terms));
    p.add(int_array(link_stored));
    LRS_PG_TRY(conn_.exec(
        "INSERT INTO links (term, stored) SELECT * FROM unnest($1::bigint[], $2::bigint[]) "
        "ON CONFLICT DO NOTHING",
        p, "indexing referring statements"));
  }
  // Content-addressed: one row per hash, however many statements carry it.
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (!inserted[i]) continue;
    for (const AttachmentContent& a : items[i].record->attachments) {
      Params p;
      p.add(a.sha2);
      p.add(a.content_type);
      p.add(bytea_literal(a.content));
      LRS_PG_TRY(conn_.exec(
          "INSERT INTO attachments (sha2, content_type, content) VALUES ($1, $2, $3::bytea) "
          "ON CONFLICT (sha2) DO NOTHING",
          p, "storing an attachment"));
    }
  }
  return {};
}

Result<void> InsertJob::store_descriptions(const std::vector<Item>& items,
                                           const std::vector<bool>& inserted) {
  std::vector<std::string> activities, agents, names;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (!inserted[i]) continue;
    for (const ActivityDefinition& d : items[i].record->definitions) {
      activities.push_back(d.activity_id);
    }
    for (const AgentName& n : items[i].record->agent_names) {
      std::string key = KnownAgentNames::key(n.agent, n.name);
      if (names_.contains(key)) continue;
      names_sent_.push_back(std::move(key));
      agents.push_back(n.agent);
      names.push_back(n.name);
    }
  }
  if (!activities.empty()) {
    // Most definitions equal the stored ones: compare without locking, then lock and
    // merge again only what changes, from the committed rows (another process may have
    // merged into them meanwhile).
    std::map<std::string, std::string> stored;
    Params p;
    p.add(text_array(activities));
    auto rows = conn_.exec(
        "SELECT activity, definition FROM activity_definitions WHERE activity = ANY($1::text[])", p,
        "reading activity definitions");
    if (!rows) return tl::unexpected<Error>(rows.error());
    for (int i = 0; i < rows->size(); ++i) {
      stored.emplace(std::string(rows->text(i, 0)), std::string(rows->text(i, 1)));
    }
    auto changed = merged_definitions(items, inserted, stored, nullptr);
    if (changed.empty()) return store_agent_names(agents, names);
    std::vector<std::string> keys;
    std::set<std::string> only;
    for (const auto& [k, v] : changed) {
      keys.push_back(k);
      only.insert(k);
    }
    Params q;
    q.add(text_array(keys));
    // In key order, so two writers lock shared rows in one order.
    auto locked = conn_.exec(
        "SELECT activity, definition FROM activity_definitions WHERE activity = ANY($1::text[]) "
        "ORDER BY activity FOR UPDATE",
        q, "locking activity definitions");
    if (!locked) return tl::unexpected<Error>(locked.error());
    std::map<std::string, std::string> committed;
    for (int i = 0; i < locked->size(); ++i) {
      committed.emplace(std::string(locked->text(i, 0)), std::string(locked->text(i, 1)));
    }
    std::set<std::string> existing;
    for (const auto& [k, v] : committed) existing.insert(k);
    changed = merged_definitions(items, inserted, committed, &only);
    std::vector<std::string> update_keys, update_values, insert_keys, insert_values;
    for (auto& [k, v] : changed) {
      bool update = existing.count(k) != 0;
      (update ? update_keys : insert_keys).push_back(k);
      (update ? update_values : insert_values).push_back(std::move(v));
    }
    if (!update_keys.empty()) {
      Params u;
      u.add(text_array(update_keys));
      u.add(text_array(update_values));
      LRS_PG_TRY(
          conn_.exec("UPDATE activity_definitions d SET definition = u.definition "
                     "FROM unnest($1::text[], $2::text[]) AS u(activity, definition) "
                     "WHERE d.activity = u.activity",
                     u, "storing activity definitions"));
    }
    if (!insert_keys.empty()) {
      Params n;
      n.add(text_array(insert_keys));
      n.add(text_array(insert_values));
      auto inserted_rows = conn_.exec(
          "INSERT INTO activity_definitions (activity, definition) "
          "SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT (activity) DO NOTHING "
          "RETURNING activity",
          n, "storing activity definitions");
      if (!inserted_rows) return tl::unexpected<Error>(inserted_rows.error());
      if (inserted_rows->size() != static_cast<int>(insert_keys.size())) {
        // Another process defined one of these activities first: merge into its
        // definition on a fresh transaction.
        conn_.restore_failure(kSerializationFailure, true);
        return fail(ErrorCode::kInternal,
                    "storing activity definitions: another process defined the same activity");
      }
    }
  }
  return store_agent_names(agents, names);
}

Result<void> InsertJob::store_agent_names(const std::vector<std::string>& agents,
                                          const std::vector<std::string>& names) {
  if (!agents.empty()) {
    // `seen` (a sequence) orders names by first appearance; (agent, name) keeps them
    // distinct.
    Params p;
    p.add(text_array(agents));
    p.add(text_array(names));
    LRS_PG_TRY(conn_.exec(
        "INSERT INTO agent_names (agent, name) SELECT a, n FROM unnest($1::text[], $2::text[]) "
        "WITH ORDINALITY AS u(a, n, o) ORDER BY o ON CONFLICT DO NOTHING",
        p, "storing agent names"));
  }
  return {};
}

// The advisory lock key of the references lock ("LRSR"; migrations use "LRSB", the
// stored clock "LRSC").
constexpr const char* kReferencesLock = "1280463698";
// Held by the process analyzing the statement tables ("LRSA").
constexpr const char* kAnalyzeLock = "1280463681";

// Takes the references lock for a transaction storing `records` (pg_statement_store.h,
// "Voiding and StatementRef inheritance"): exclusively when one of them refers to
// another statement, shared otherwise.
Result<void> lock_references(Connection& conn, const std::vector<const StatementRecord*>& records) {
  bool refers = std::any_of(records.begin(), records.end(),
                            [](const StatementRecord* r) { return r->statement_ref.has_value(); });
  LRS_PG_TRY(conn.exec(std::string(refers ? "SELECT pg_advisory_xact_lock("
                                          : "SELECT pg_advisory_xact_lock_shared(") +
                           kReferencesLock + ")",
                       "locking statement references"));
  return {};
}

// The horizon (pg_statement_store.h, "Ordering"): one read-only statement, no
// transaction id, no WAL.
Result<std::int64_t> stored_horizon(Connection& c) {
  auto rows = c.exec("SELECT lrsbridge_stored_horizon()", "reading the stored horizon");
  if (!rows) return tl::unexpected<Error>(rows.error());
  return rows->integer(0, 0);
}

}  // namespace

Result<StoredClock> StoredClock::take(Connection& conn, std::int64_t count) {
  // Times reserved for a statement that is then skipped (a re-send) are never used:
  // gaps are fine, order is what matters.
  count = std::max<std::int64_t>(count, 1);
  Params p;
  p.add(count);
  auto rows = conn.exec("SELECT lrsbridge_take_stored($1::bigint)", p, "taking stored times");
  if (!rows) return tl::unexpected<Error>(rows.error());
  std::int64_t last = rows->integer(0, 0);
  return StoredClock(last - count + 1, last);
}

std::int64_t StoredClock::next() {
  assert(next_ <= last_ && "more statements stamped than times taken");
  return next_++;
}

Result<std::unordered_map<std::string, std::int64_t>> TermCache::ids(
    Connection& conn, std::vector<std::string> keys,
    std::unordered_map<std::string, std::int64_t>* fetched) {
  std::unordered_map<std::string, std::int64_t> out;
  std::vector<std::string> missing;
  {
    std::lock_guard<std::mutex> lock(mu_);
    // Most keys repeat within a group (a verb, the authority): each is looked up once.
    for (std::string& k : keys) {
      if (out.count(k) != 0) continue;
      if (auto it = ids_.find(k); it != ids_.end()) {
        out.try_emplace(std::move(k), it->second);
      } else {
        missing.push_back(std::move(k));
      }
    }
  }
  if (missing.empty()) return out;
  // Sorted, so two transactions creating the same new terms lock them in one order.
  std::sort(missing.begin(), missing.end());
  missing.erase(std::unique(missing.begin(), missing.end()), missing.end());
  Params p;
  p.add(text_array(missing));
  LRS_PG_TRY(
      conn.exec("INSERT INTO terms (key) SELECT k FROM unnest($1::text[]) AS k ORDER BY k "
                "ON CONFLICT (key) DO NOTHING",
                p, "adding filter terms"));
  auto rows =
      conn.exec("SELECT key, id FROM terms WHERE key = ANY($1::text[])", p, "reading filter terms");
  if (!rows) return tl::unexpected<Error>(rows.error());
  for (int i = 0; i < rows->size(); ++i) {
    std::string key(rows->text(i, 0));
    if (fetched != nullptr) fetched->emplace(key, rows->integer(i, 1));
    out.emplace(std::move(key), rows->integer(i, 1));
  }
  if (out.size() < missing.size()) {
    // ids_ and missing are disjoint, so every missing key must have come back.
    for (const std::string& k : missing) {
      if (out.count(k) == 0) return fail(ErrorCode::kInternal, "filter term " + k + " vanished");
    }
  }
  return out;
}

void TermCache::remember(const std::unordered_map<std::string, std::int64_t>& committed) {
  std::lock_guard<std::mutex> lock(mu_);
  // Bounded: a cache miss costs one round trip, a huge cache costs memory forever.
  if (ids_.size() > 500'000) ids_.clear();
  ids_.insert(committed.begin(), committed.end());
}

std::optional<std::int64_t> TermCache::find(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = ids_.find(key);
  if (it == ids_.end()) return std::nullopt;
  return it->second;
}

std::string KnownAgentNames::key(const std::string& agent, const std::string& name) {
  std::string key = agent;
  key.push_back('\0');  // in neither: PostgreSQL text cannot hold it
  key += name;
  return key;
}

bool KnownAgentNames::contains(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  return keys_.count(key) != 0;
}

void KnownAgentNames::remember(const std::vector<std::string>& committed) {
  std::lock_guard<std::mutex> lock(mu_);
  // Bounded as TermCache: forgetting costs only a pair sent again.
  if (keys_.size() > 500'000) keys_.clear();
  keys_.insert(committed.begin(), committed.end());
}

PgStatementStore::PgStatementStore(Pool& pool, std::size_t max_group_rows)
    : pool_(pool), max_group_rows_(std::max<std::size_t>(1, max_group_rows)) {
  thread_ = std::thread([this] { loop(); });
}

PgStatementStore::~PgStatementStore() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

Result<StatementStore::InsertResult> PgStatementStore::insert(std::vector<StatementRecord> records,
                                                              const SameStatement& same) {
  InsertResult result;
  if (records.empty()) return result;
  Job job{&records, &same, {}, {}, false};
  {
    std::unique_lock<std::mutex> lock(mu_);
    if (stopping_) return fail(ErrorCode::kUnavailable, "the statement store is shutting down");
    queue_.push_back(&job);
    cv_.notify_all();
    done_cv_.wait(lock, [&] { return job.done; });
  }
  if (!job.result) return tl::unexpected<Error>(job.result.error());
  result.inserted = std::move(job.inserted);
  return result;
}

void PgStatementStore::loop() {
  for (;;) {
    std::vector<Job*> group;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and every accepted job is answered
      std::size_t rows = 0;
      while (!queue_.empty() &&
             (group.empty() || rows + queue_.front()->records->size() <= max_group_rows_)) {
        rows += queue_.front()->records->size();
        group.push_back(queue_.front());
        queue_.pop_front();
      }
    }
    run_group(group);
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (Job* j : group) j->done = true;
    }
    done_cv_.notify_all();
  }
}

// One transaction for every waiting request; each under a savepoint, so a conflict
// fails its own request only. A transient failure (connection lost, deadlock) retries
// the whole group on a fresh connection: the rolled-back attempt left nothing, and a
// COMMIT whose answer was lost is found on retry as statements already stored with the
// same content, so an acknowledged statement is neither lost nor duplicated.
void PgStatementStore::run_group(std::vector<Job*>& group) {
  Result<void> r;
  for (int attempt = 0;; ++attempt) {
    if (!conn_ || conn_->broken()) {
      auto c = Connection::open(pool_.url());
      if (c) {
        conn_ = std::move(*c);
      } else {
        conn_.reset();
        r = tl::unexpected<Error>(c.error());
      }
    }
    if (conn_) {
      std::unordered_map<std::string, std::int64_t> terms;
      std::vector<std::string> names;
      r = in_transaction(*conn_, "storing statements", [&](Connection& c) {
        names.clear();
        return apply_group(c, group, terms, names);
      });
      if (r) {
        terms_.remember(terms);
        names_.remember(names);
        std::size_t rows = 0;
        for (Job* j : group) rows += j->records->size();
        maybe_analyze(rows);
        return;
      }
      if (!conn_->broken() && !conn_->last_failure_transient()) break;
    }
    if (attempt >= kTransientRetries) break;
    std::this_thread::sleep_for(retry_pause(attempt));
  }
  for (Job* j : group) j->result = r;
}

// Query plans need statistics: with none, the planner takes the `links` of a common
// term for a few rows and sorts thousands of them instead of walking its index in
// stored order (30 ms instead of 0.2 ms at 20,000 statements). Autovacuum analyzes a
// table only after a minute and a share of changes, so while a database is young the
// writer looks each time this process has stored twice as many statements as at the
// last look (log2(n) looks, then autovacuum's own schedule suffices). It analyzes only
// when `statements` grew by half since the last ANALYZE of any process, and only when
// no other process is analyzing: with every process analyzing on its own schedule, two
// processes ran twice the ANALYZEs of one, one waiting for the other's, and ANALYZE
// took 15% of a writer's time instead of 6% (bench/README.md, "PostgreSQL").
void PgStatementStore::maybe_analyze(std::size_t inserted) {
  stored_since_start_ += inserted;
  if (stored_since_start_ < next_analyze_ || next_analyze_ > kLastAnalyzeAt) return;
  next_analyze_ *= 2;
  // Growth is measured in pages: relpages is what the last ANALYZE saw (0 before the
  // first), the file's size is exact at once (the statistics system's modification
  // counts reach other processes a second or so late, many statements at these rates).
  (void)in_transaction(*conn_, "analyzing the statement tables", [](Connection& c) -> Result<void> {
    auto due = c.exec(std::string("SELECT pg_try_advisory_xact_lock(") + kAnalyzeLock +
                          ") AND pg_relation_size(oid) / current_setting('block_size')::bigint "
                          ">= relpages::bigint * 3 / 2 + 1 FROM pg_class "
                          "WHERE oid = 'statements'::regclass",
                      "deciding whether to analyze the statement tables");
    if (!due) return tl::unexpected<Error>(due.error());
    if (due->size() == 0 || !due->boolean(0, 0)) return {};
    LRS_PG_TRY(c.exec("ANALYZE statements, links, terms", "analyzing the statement tables"));
    return {};
  });
}

Result<void> PgStatementStore::apply_group(Connection& conn, std::vector<Job*>& group,
                                           std::unordered_map<std::string, std::int64_t>& terms,
                                           std::vector<std::string>& names) {
  std::vector<const StatementRecord*> records;
  for (Job* j : group) {
    for (const StatementRecord& r : *j->records) records.push_back(&r);
  }
  // The references lock first: a writer waiting for it holds nothing else yet.
  LRS_PG_TRY(lock_references(conn, records));
  std::vector<std::string> keys;
  for (const StatementRecord* r : records) {
    auto k = record_term_keys(*r);
    keys.insert(keys.end(), std::make_move_iterator(k.begin()), std::make_move_iterator(k.end()));
  }
  // `terms` gets the ids read from the database, for the cache once this commits; the
  // jobs need all of them.
  terms.clear();
  auto all_terms = terms_.ids(conn, std::move(keys), &terms);
  if (!all_terms) return tl::unexpected<Error>(all_terms.error());
  const auto& term_ids = *all_terms;
  auto clock = StoredClock::take(conn, static_cast<std::int64_t>(records.size()));
  if (!clock) return tl::unexpected<Error>(clock.error());
  if (group.size() > 1) {
    // Usually no request fails: all of them as one job costs a handful of round trips
    // for the whole group instead of as many per request. If one fails, the group is
    // rolled back to here and run again request by request.
    std::vector<Item> items;
    for (Job* j : group) {
      for (const StatementRecord& r : *j->records) items.push_back({&r, j->same});
    }
    LRS_PG_TRY(conn.exec("SAVEPOINT grouped", "starting an insert"));
    std::vector<bool> inserted;
    InsertJob job(conn, *clock, term_ids, names_);
    auto r = job.run(items, inserted);
    if (r) {
      names = job.names_sent();
      std::size_t at = 0;
      for (Job* j : group) {
        j->inserted.assign(inserted.begin() + static_cast<std::ptrdiff_t>(at),
                           inserted.begin() + static_cast<std::ptrdiff_t>(at + j->records->size()));
        at += j->records->size();
        j->result = {};
      }
      return {};
    }
    if (conn.broken() || conn.last_failure_transient()) return r;
    LRS_PG_TRY(conn.exec("ROLLBACK TO SAVEPOINT grouped", "abandoning an insert"));
    // Each job below takes no more times than it took as part of the group.
    clock->rewind();
  }
  for (Job* j : group) {
    LRS_PG_TRY(conn.exec("SAVEPOINT job", "starting an insert"));
    InsertJob job(conn, *clock, term_ids, names_);
    j->result = job.run(items_of(*j->records, *j->same), j->inserted);
    if (!j->result && (conn.broken() || conn.last_failure_transient())) return j->result;
    if (!j->result) {
      LRS_PG_TRY(conn.exec("ROLLBACK TO SAVEPOINT job", "abandoning an insert"));
    } else {
      names.insert(names.end(), job.names_sent().begin(), job.names_sent().end());
    }
    LRS_PG_TRY(conn.exec("RELEASE SAVEPOINT job", "ending an insert"));
  }
  return {};
}

Result<void> PgStatementStore::insert_in(Connection& conn,
                                         const std::vector<StatementRecord>& records,
                                         const SameStatement& same, std::vector<bool>& inserted,
                                         std::unordered_map<std::string, std::int64_t>& terms) {
  std::vector<const StatementRecord*> pointers;
  std::vector<std::string> keys;
  for (const StatementRecord& r : records) {
    pointers.push_back(&r);
    auto k = record_term_keys(r);
    keys.insert(keys.end(), std::make_move_iterator(k.begin()), std::make_move_iterator(k.end()));
  }
  LRS_PG_TRY(lock_references(conn, pointers));
  auto ids = terms_.ids(conn, std::move(keys));
  if (!ids) return tl::unexpected<Error>(ids.error());
  terms = std::move(*ids);
  auto clock = StoredClock::take(conn, static_cast<std::int64_t>(records.size()));
  if (!clock) return tl::unexpected<Error>(clock.error());
  // The caller's transaction may still roll back: its names are not remembered.
  InsertJob job(conn, *clock, terms, names_);
  return job.run(items_of(records, same), inserted);
}

Result<std::optional<StoredStatement>> PgStatementStore::get(const Uuid& id) {
  std::optional<StoredStatement> out;
  LRS_PG_TRY(pool_.read("reading statement " + id.str(), [&](Connection& c) -> Result<void> {
    Params p;
    p.add(id.str());
    auto rows = c.exec("SELECT stored, voided, body FROM statements WHERE id = $1::uuid", p,
                       "reading statement " + id.str());
    if (!rows) return tl::unexpected<Error>(rows.error());
    if (rows->size() == 0) return {};
    StoredStatement s;
    s.id = id;
    s.stored_us = rows->integer(0, 0);
    s.voided = rows->boolean(0, 1);
    s.body = with_stored(rows->text(0, 2), s.stored_us);
    out = std::move(s);
    return {};
  }));
  return out;
}

Result<StatementPage> PgStatementStore::query(const StatementFilter& filter) {
  std::vector<std::string> wanted;
  std::vector<bool> related;
  // PostgreSQL's planner picks the term whose index range to walk (in stored order,
  // stopping after `limit` rows) from the statistics of `links`; the writer keeps them
  // fresh while a new database fills up (see maybe_analyze).
  if (filter.registration) {
    wanted.push_back(term_key('r', filter.registration->str()));
    related.push_back(false);
  }
  if (filter.activity) {
    wanted.push_back(term_key('c', *filter.activity));
    related.push_back(filter.related_activities);
  }
  if (filter.agent) {
    wanted.push_back(term_key('a', *filter.agent));
    related.push_back(filter.related_agents);
  }
  if (filter.authority) {
    wanted.push_back(term_key('u', *filter.authority));
    related.push_back(false);
  }
  if (filter.verb) {
    wanted.push_back(term_key('v', *filter.verb));
    related.push_back(false);
  }
  // Stored-time window: (lo, hi].
  std::int64_t lo = std::numeric_limits<std::int64_t>::min();
  std::int64_t hi = std::numeric_limits<std::int64_t>::max();
  if (filter.since_us) lo = std::max(lo, *filter.since_us);
  if (filter.until_us) hi = std::min(hi, *filter.until_us);
  if (filter.after_us) {
    if (filter.ascending) {
      lo = std::max(lo, *filter.after_us);
    } else {
      hi = std::min(hi, *filter.after_us - 1);
    }
  }
  StatementPage page;
  if (lo >= hi || filter.limit == 0) return page;
  std::size_t limit = std::min<std::size_t>(filter.limit, 1'000'000'000);

  LRS_PG_TRY(pool_.read("querying statements", [&](Connection& c) -> Result<void> {
    page = StatementPage{};
    // The horizon first; the query below runs in a later snapshot, which holds every
    // statement at or below it. Nothing above it is returned, so no cursor passes a
    // time a transaction still in flight may fill in.
    auto horizon = stored_horizon(c);
    if (!horizon) return tl::unexpected<Error>(horizon.error());
    std::int64_t top = std::min(hi, *horizon);
    if (lo >= top) return {};
    // Link terms; an unknown term matches nothing.
    std::vector<std::string> unknown;
    for (const std::string& key : wanted) {
      if (!terms_.find(key)) unknown.push_back(key);
    }
    if (!unknown.empty()) {
      // Terms other processes created: committed ones never change, so keep them.
      Params p;
      p.add(text_array(unknown));
      auto rows = c.exec("SELECT key, id FROM terms WHERE key = ANY($1::text[])", p,
                         "looking up query filters");
      if (!rows) return tl::unexpected<Error>(rows.error());
      std::unordered_map<std::string, std::int64_t> found;
      for (int i = 0; i < rows->size(); ++i) {
        found.emplace(std::string(rows->text(i, 0)), rows->integer(i, 1));
      }
      terms_.remember(found);
    }
    // Per filter its link term, and with related_* also the related role's.
    struct Link {
      std::int64_t direct;
      std::optional<std::int64_t> related;
    };
    std::vector<Link> links;
    for (std::size_t i = 0; i < wanted.size(); ++i) {
      auto id = terms_.find(wanted[i]);
      if (!id) return {};  // an unknown term matches nothing
      Link link{*id * 2, std::nullopt};
      if (related[i]) link.related = *id * 2 + 1;
      links.push_back(link);
    }
    // The index range walked in stored order is one term's when a filter has one.
    std::stable_partition(links.begin(), links.end(),
                          [](const Link& l) { return !l.related.has_value(); });
    std::string order = filter.ascending ? "ASC" : "DESC";
    Params p;
    p.add(lo);
    p.add(top);
    p.add(static_cast<std::int64_t>(limit) + 1);
    std::string sql;
    if (links.empty()) {
      sql =
          "SELECT stored, id, body FROM statements WHERE stored > $1 AND stored <= $2 "
          "AND NOT voided ORDER BY stored " +
          order + " LIMIT $3";
    } else {
      // The other filters: a probe of the index each.
      std::string others;
      for (std::size_t j = 1; j < links.size(); ++j) {
        std::string n = "l" + std::to_string(j);
        std::string terms = "$" + std::to_string(p.size() + 1);
        p.add(links[j].direct);
        if (links[j].related) {
          terms += ", $" + std::to_string(p.size() + 1);
          p.add(*links[j].related);
        }
        others += " AND EXISTS (SELECT 1 FROM links " + n + " WHERE " + n + ".term IN (" + terms +
                  ") AND " + n + ".stored = l0.stored)";
      }
      // The first `limit` + 1 matches in the range of the link term in parameter `term`.
      auto range = [&](const std::string& columns, int term) {
        return "SELECT " + columns +
               " FROM links l0 JOIN statements s ON s.stored = l0.stored WHERE l0.term = $" +
               std::to_string(term) + " AND l0.stored > $1 AND l0.stored <= $2 AND NOT s.voided" +
               others + " ORDER BY l0.stored " + order + " LIMIT $3";
      };
      const std::string columns = "s.stored, s.id, s.body";
      int first = p.size() + 1;
      p.add(links[0].direct);
      if (links[0].related) {
        // Every filter is related: the first `limit` + 1 of either role's range, each
        // read in stored order as above, hold the first `limit` + 1 of both; DISTINCT ON
        // drops a statement linked in both roles (an agent both actor and instructor,
        // or stored before schema version 5). A merge of the two whole ranges is what
        // PostgreSQL would plan instead, reading every row of a common term.
        p.add(*links[0].related);
        sql = "SELECT DISTINCT ON (stored) stored, id, body FROM ((" + range(columns, first) +
              ") UNION ALL (" + range(columns, first + 1) + ")) u ORDER BY stored " + order +
              " LIMIT $3";
      } else {
        sql = range(columns, first);
      }
    }
    auto rows = c.exec(sql, p, "querying statements");
    if (!rows) return tl::unexpected<Error>(rows.error());
    for (int i = 0; i < rows->size(); ++i) {
      StoredStatement s;
      s.stored_us = rows->integer(i, 0);
      s.id = uuid_of(rows->text(i, 1));
      s.body = with_stored(rows->text(i, 2), s.stored_us);
      page.statements.push_back(std::move(s));
    }
    return {};
  }));
  if (page.statements.size() > limit) {
    page.statements.resize(limit);
    page.next = page.statements.back().stored_us;
  }
  return page;
}

Result<std::vector<AttachmentContent>> PgStatementStore::attachments(
    const std::vector<std::string>& sha2s) {
  std::vector<AttachmentContent> found;
  LRS_PG_TRY(pool_.read("reading attachments", [&](Connection& c) -> Result<void> {
    found.clear();
    for (const std::string& sha2 : sha2s) {
      Params p;
      p.add(sha2);
      auto rows = c.exec("SELECT content_type, content FROM attachments WHERE sha2 = $1", p,
                         "reading attachment " + sha2);
      if (!rows) return tl::unexpected<Error>(rows.error());
      if (rows->size() == 0) continue;
      found.push_back({sha2, std::string(rows->text(0, 0)), bytea_value(rows->text(0, 1))});
    }
    return {};
  }));
  return found;
}

Result<std::optional<std::string>> PgStatementStore::activity_definition(
    const std::string& activity_id) {
  std::optional<std::string> out;
  LRS_PG_TRY(pool_.read("reading an activity definition", [&](Connection& c) -> Result<void> {
    Params p;
    p.add(activity_id);
    auto rows = c.exec("SELECT definition FROM activity_definitions WHERE activity = $1", p,
                       "reading the definition of " + activity_id);
    if (!rows) return tl::unexpected<Error>(rows.error());
    if (rows->size() != 0) out = std::string(rows->text(0, 0));
    return {};
  }));
  return out;
}

Result<std::vector<std::string>> PgStatementStore::agent_names(const std::string& agent_key) {
  std::vector<std::string> names;
  LRS_PG_TRY(pool_.read("reading agent names", [&](Connection& c) -> Result<void> {
    names.clear();
    Params p;
    p.add(agent_key);
    auto rows = c.exec("SELECT name FROM agent_names WHERE agent = $1 ORDER BY seen", p,
                       "reading the names of " + agent_key);
    if (!rows) return tl::unexpected<Error>(rows.error());
    for (int i = 0; i < rows->size(); ++i) names.emplace_back(rows->text(i, 0));
    return {};
  }));
  return names;
}

Result<std::int64_t> PgStatementStore::consistent_through() {
  std::int64_t through = 0;
  LRS_PG_TRY(pool_.read("reading the stored horizon", [&](Connection& c) -> Result<void> {
    auto h = stored_horizon(c);
    if (!h) return tl::unexpected<Error>(h.error());
    through = *h;
    return {};
  }));
  return through;
}

}  // namespace lrs::pg

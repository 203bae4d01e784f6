// Storage of xAPI statements: the interface every backend (SQLite now, PostgreSQL
// later) implements, and the plain records that cross it.
//
// The store knows no xAPI rule. Core code (lrs::StatementService) validates statements,
// extracts the index keys below and decides what a duplicate id means; the store keeps
// rows, keys and the stored clock, and answers filtered, keyset-paged queries. Every
// call is one transaction. Implementations are thread-safe: any number of threads may
// call any method at once.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lrs/error.h"
#include "lrs/uuid.h"

namespace lrs {

// The bytes of one attachment, sent as a multipart part (Communication 1.5.2). Stored
// once per hash however many statements carry it.
struct AttachmentContent {
  std::string sha2;  // lower-case hex, as the statement's attachment names it
  std::string content_type;
  std::string content;
};

// An Activity definition a statement carries (xAPI Data 2.4.4.1), kept for the Activities
// resource (Communication 2.5).
struct ActivityDefinition {
  std::string activity_id;
  std::string definition;  // compact JSON object
};

// A name given to an Agent or Group next to its identifier, kept for the Agents
// resource (Communication 2.4).
struct AgentName {
  std::string agent;  // agent key
  std::string name;
};

// One statement ready to store, with the keys queries filter on.
// Agent keys are canonical IFI strings made by `agent_key()` (statement_record.h);
// activity and verb keys are the IRIs as sent.
struct StatementRecord {
  Uuid id;
  // Compact JSON of the statement as it will be returned, complete except for
  // "stored", which the store adds when it reads the row (it owns the stored clock).
  std::string body;
  std::string verb;
  // Keys that match `agent=` (the actor, an agent object, members of a group actor).
  std::vector<std::string> agents;
  // Keys that match only with `related_agents=true` (authority, instructor, team,
  // context agents/groups, anything inside a SubStatement). Disjoint from `agents`.
  std::vector<std::string> related_agents;
  // Keys that match `activity=` (the object when it is an Activity).
  std::vector<std::string> activities;
  // Keys that match only with `related_activities=true` (context activities and
  // activities inside a SubStatement). Disjoint from `activities`.
  std::vector<std::string> related_activities;
  std::optional<Uuid> registration;
  // The agent key of the statement's authority (for statements/read/mine).
  std::optional<std::string> authority;
  // The target when the object is a StatementRef. A statement that targets another
  // matches every filter (other than since/until/limit/ascending) its target matches,
  // recursively (xAPI Communication 2.1.3, "Filter Conditions for StatementRefs").
  std::optional<Uuid> statement_ref;
  // The verb is http://adlnet.gov/expapi/verbs/voided: `statement_ref` names the
  // statement to void. The target becomes voided only if it is not itself a voiding
  // statement; a target that arrives later is voided on arrival.
  bool voiding = false;
  // Attachment bodies this statement brought (those without fileUrl).
  std::vector<AttachmentContent> attachments;
  // Activity definitions found anywhere in the statement, at most one per activity.
  // When the statement is stored (not for a skipped duplicate), the store keeps each
  // one as the activity's canonical definition if it has none; if it has one and
  // `redefine` is set, the two are combined with merge_activity_definition
  // (statement_record.h). Without `redefine` (a credential lacking the `define` scope)
  // an existing definition is never changed.
  std::vector<ActivityDefinition> definitions;
  bool redefine = false;
  // Names seen with agent keys in the statement; the store keeps every distinct pair.
  std::vector<AgentName> agent_names;
};

// A statement as read back.
struct StoredStatement {
  Uuid id;
  std::string body;  // complete JSON, "stored" included
  std::int64_t stored_us = 0;
  bool voided = false;
};

// Query parameters already validated and resolved to keys.
struct StatementFilter {
  std::optional<std::string> agent;  // an agent key
  bool related_agents = false;
  std::optional<std::string> verb;
  std::optional<std::string> activity;
  bool related_activities = false;
  std::optional<Uuid> registration;
  // Only statements whose authority has this agent key (statements/read/mine).
  std::optional<std::string> authority;
  std::optional<std::int64_t> since_us;  // stored strictly after
  std::optional<std::int64_t> until_us;  // stored at or before
  bool ascending = false;
  std::size_t limit = 100;  // >= 1; the caller caps it
  // Keyset cursor: continue strictly after (ascending) or before (descending) this
  // stored time. Comes from StatementPage::next.
  std::optional<std::int64_t> after_us;
};

struct StatementPage {
  std::vector<StoredStatement> statements;  // never voided ones
  // Set when more statements match; pass it back as StatementFilter::after_us.
  std::optional<std::int64_t> next;
};

class StatementStore {
 public:
  StatementStore() = default;
  virtual ~StatementStore() = default;
  StatementStore(const StatementStore&) = delete;
  StatementStore& operator=(const StatementStore&) = delete;

  // Decides whether `new_body` may be accepted as a re-send of `stored_body` (the
  // statement already stored under the same id, as StoredStatement::body). Called on
  // the store's writer thread inside the transaction; must not call the store.
  using SameStatement =
      std::function<bool(std::string_view stored_body, std::string_view new_body)>;

  struct InsertResult {
    // Per record, in order: false when the id was already stored with the same
    // statement (nothing written for it).
    std::vector<bool> inserted;
  };

  // Stores all records or none, in one transaction. Ids are unique: a record whose id
  // is stored already is skipped when `same` says so, and otherwise the whole call
  // fails with kConflict naming the id. Two records with one id in `records` are the
  // caller's bug. Each stored record's `definitions` and `agent_names` are kept in the
  // same transaction. The stored time of each record is the store's clock at commit,
  // strictly increasing in commit order (also across concurrent callers). Returns only
  // after the transaction is durable.
  virtual Result<InsertResult> insert(std::vector<StatementRecord> records,
                                      const SameStatement& same) = 0;

  // The statement with this id, voided or not; nullopt when unknown.
  virtual Result<std::optional<StoredStatement>> get(const Uuid& id) = 0;

  // Non-voided statements matching every set filter, newest first unless ascending,
  // at most filter.limit of them. Statements stored after the call started may or may
  // not appear, but a cursor never skips or repeats a statement.
  virtual Result<StatementPage> query(const StatementFilter& filter) = 0;

  // The stored attachment bodies with these hashes; unknown hashes are left out.
  virtual Result<std::vector<AttachmentContent>> attachments(
      const std::vector<std::string>& sha2s) = 0;

  // The canonical definition of an activity (compact JSON object) built from the
  // stored statements' `definitions`; nullopt when none defined it.
  virtual Result<std::optional<std::string>> activity_definition(
      const std::string& activity_id) = 0;

  // Every distinct name stored statements gave the agent with this key, in the order
  // first seen.
  virtual Result<std::vector<std::string>> agent_names(const std::string& agent_key) = 0;

  // The stored time up to which every statement is visible to queries (for the
  // X-Experience-API-Consistent-Through header).
  virtual Result<std::int64_t> consistent_through() = 0;
};

// Statements checked and made ready for StatementStore::insert (see
// lrs::prepare_statements): the ids in order, the records, and the judge of re-sent ids.
struct PreparedStatements {
  std::vector<std::string> ids;
  std::vector<StatementRecord> records;
  StatementStore::SameStatement same;
};

}  // namespace lrs

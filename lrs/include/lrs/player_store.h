// Storage of the SCORM bridge: imported packages, registrations (one learner x one
// package), attempts (one CMI state per registration x SCO x attempt number) and the
// server's named secrets (e.g. the key that signs launch tokens).
//
// Every call is one transaction inside the backend. Records carry JSON as text; this
// interface knows nothing of SCORM or HTTP. Implementations are thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lrs/document_store.h"
#include "lrs/error.h"
#include "lrs/statement_store.h"

namespace lrs {

struct PackageRecord {
  std::string id;  // chosen by the caller (a UUID)
  std::string title;
  std::string version;       // "1.2", "2004 4th Edition", ...
  std::string summary_json;  // manifest summary: scos, organization items, problems
  std::string directory;     // where the files were extracted
  std::int64_t created_us = 0;
};

struct RegistrationRecord {
  std::string id;  // a UUID
  std::string package_id;
  std::string learner_json;  // the xAPI Agent, as JSON text
  std::int64_t created_us = 0;
};

// One member of the "values" object of an attempt's CMI document, name and value each as
// JSON text (`"\"cmi.location\""`, `"\"p3\""`).
struct CmiValueWrite {
  std::string element;
  std::optional<std::string> value;  // nullopt: the member is removed
};

struct AttemptRecord {
  std::int64_t id = 0;  // assigned by insert_attempt
  std::string registration;
  std::string sco;  // the item identifier in the organization
  int number = 1;   // 1, 2, ... per registration x sco
  // As read: the CMI document. As written, when cmi_values is not set: the same, stored
  // as it is (opaque text).
  std::string cmi_json;
  // Written so that a commit costs what it changes, not the size of the CMI: cmi_json is
  // then a JSON object without its "values" member, and the members of "values" are kept
  // one by one. These are written on top of the members stored (each element at most
  // once), or instead of them when cmi_values_replace is set (always the case for
  // insert_attempt); writing changes on top of a CMI stored as opaque text is kInvalid.
  // Read back, the document is cmi_json with "values" (the members in any order) as its
  // last member (join_cmi_document).
  std::optional<std::vector<CmiValueWrite>> cmi_values;
  bool cmi_values_replace = false;
  std::string state = "open";  // open, suspended, finished
  // The last commitSequence of the runtime that was applied (-1: none), so a retried
  // commit is applied once.
  std::int64_t commit_sequence = -1;
  // Counts the launches (sessions) of this attempt; a commit names its session so one
  // arriving from an earlier page (a late beacon) cannot land in a later session.
  std::int64_t session = 0;
  std::int64_t revision = 0;  // bumped on every update; compare-and-set token
  std::int64_t updated_us = 0;
};

// `head` (a JSON object) with `members` (`"name":value` pairs joined by commas) as the
// object of its last member "values": how a store gives back a CMI kept as its head and
// its value rows.
inline std::string join_cmi_document(std::string_view head, std::string_view members) {
  std::string out(head.substr(0, head.size() == 0 ? 0 : head.size() - 1));
  out += out.size() > 1 ? ",\"values\":{" : "\"values\":{";
  out += members;
  out += "}}";
  return out;
}

// A document written with an attempt update: `decide` gets the current document (nullopt
// when none) inside the transaction and returns the one to store (nullopt deletes).
// A returned document with the current content, content type and ETag is not rewritten,
// so its `updated` time (Last-Modified, `since`) moves only when it changes.
struct DocumentWrite {
  DocumentScope scope;
  std::string id;
  DocumentStore::Decide decide;
};

// Statements that depend on the other SCOs of the attempt's registration (the course
// rollup), decided inside update_attempt's transaction: `others` is the latest attempt of
// every other SCO of that registration as the transaction sees it. Such decisions are
// serialized across every update_attempt given one (also across processes), so of two
// concurrent commits to different SCOs the later sees the earlier's state: a course
// statement is neither missed nor repeated. May run more than once when the backend
// retries the transaction; must not block on the store.
using RegistrationDecide =
    std::function<Result<PreparedStatements>(const std::vector<AttemptRecord>& others)>;

class PlayerStore {
 public:
  PlayerStore() = default;
  virtual ~PlayerStore() = default;
  PlayerStore(const PlayerStore&) = delete;
  PlayerStore& operator=(const PlayerStore&) = delete;

  // kConflict when the id exists.
  virtual Result<void> add_package(const PackageRecord& package) = 0;
  virtual Result<std::optional<PackageRecord>> find_package(const std::string& id) = 0;
  // Oldest first.
  virtual Result<std::vector<PackageRecord>> list_packages() = 0;
  // Removes the package with its registrations and attempts. kNotFound when absent.
  virtual Result<void> delete_package(const std::string& id) = 0;

  // kConflict when the id exists, kNotFound when the package does not.
  virtual Result<void> add_registration(const RegistrationRecord& registration) = 0;
  virtual Result<std::optional<RegistrationRecord>> find_registration(const std::string& id) = 0;

  // Assigns and returns the id; revision starts at 0.
  virtual Result<std::int64_t> insert_attempt(const AttemptRecord& attempt) = 0;
  virtual Result<std::optional<AttemptRecord>> find_attempt(std::int64_t id) = 0;
  // The same without the CMI (cmi_json left empty): what a commit checks (session, state,
  // revision) before it applies a model it keeps, without reading the tens of KB of a long
  // session's CMI.
  virtual Result<std::optional<AttemptRecord>> find_attempt_state(std::int64_t id) = 0;
  // The attempt with the highest number for this registration and SCO.
  virtual Result<std::optional<AttemptRecord>> latest_attempt(const std::string& registration,
                                                              const std::string& sco) = 0;
  // Every attempt of a registration, by SCO then number.
  virtual Result<std::vector<AttemptRecord>> list_attempts(const std::string& registration) = 0;
  // Writes the CMI (cmi_json, cmi_values), state, commit_sequence and session when the stored
  // revision still equals attempt.revision, and bumps it. kConflict when another writer got there
  // first (the caller re-reads and retries), kNotFound when the attempt is gone. `statements` (from
  // lrs::prepare_statements; may be empty) are stored in the same transaction, as
  // StatementStore::insert would: all or none with the attempt, a stored id being skipped when
  // statements.same accepts the re-send, and kConflict otherwise. `documents` are written in that
  // transaction too, after the attempt, in order; an error from a `decide` aborts everything and is
  // returned. Then `course` (when set) is called and the statements it returns are stored in the
  // same transaction, the same way.
  virtual Result<void> update_attempt(const AttemptRecord& attempt,
                                      const PreparedStatements& statements,
                                      const std::vector<DocumentWrite>& documents,
                                      const RegistrationDecide& course) = 0;
  Result<void> update_attempt(const AttemptRecord& attempt, const PreparedStatements& statements,
                              const std::vector<DocumentWrite>& documents) {
    return update_attempt(attempt, statements, documents, {});
  }
  Result<void> update_attempt(const AttemptRecord& attempt, const PreparedStatements& statements) {
    return update_attempt(attempt, statements, {}, {});
  }
  Result<void> update_attempt(const AttemptRecord& attempt) {
    return update_attempt(attempt, PreparedStatements{}, {}, {});
  }

  // Does ahead what a later update_attempt storing `statements` would do first, without
  // storing anything a reader sees, so that write is cheaper (the player calls it at launch
  // with the session's opening statements). The SQLite store creates their terms (the
  // learner's, the registration's, the attempt's). Optional: by default nothing.
  virtual Result<void> prime_statements(const PreparedStatements& /*statements*/) { return {}; }

  // The value stored under `name`, or `make()` stored and returned on first use
  // (concurrent first uses agree on one value).
  virtual Result<std::string> secret(const std::string& name,
                                     const std::function<std::string()>& make) = 0;
};

}  // namespace lrs

// Storage of xAPI documents: State, Activity Profile and Agent Profile resources
// (Communication 2.3, 2.6, 2.7). Documents are opaque bytes with a content type; the
// merge rules, ETags and preconditions are decided by core code (DocumentService), which
// runs them inside the store's transaction through `update`. Thread-safe; every call is
// one transaction; errors are kInternal/kUnavailable from the backend, or whatever
// `decide` returns.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "lrs/error.h"
#include "lrs/uuid.h"

namespace lrs {

enum class DocumentKind { kState, kActivityProfile, kAgentProfile };

// Which documents: the resource and its identifying parameters.
struct DocumentScope {
  DocumentKind kind = DocumentKind::kState;
  std::string activity_id;  // kState, kActivityProfile
  std::string agent;        // agent key (statement_record.h agent_key): kState, kAgentProfile
  // kState only. For one document, absent and present are different scopes; list_ids
  // and remove_all without a registration cover every registration (Communication
  // 2.3: "Activity + Agent [+ registration if specified]").
  std::optional<Uuid> registration;
};

struct Document {
  std::string id;  // stateId / profileId
  std::string content;
  std::string content_type;
  std::string etag;  // quoted strong ETag made by the service
  // Set by the store when it writes the document: its clock, and always later than
  // the version replaced.
  std::int64_t updated_us = 0;
};

class DocumentStore {
 public:
  DocumentStore() = default;
  virtual ~DocumentStore() = default;
  DocumentStore(const DocumentStore&) = delete;
  DocumentStore& operator=(const DocumentStore&) = delete;

  // The document with this id in `scope`; nullopt when there is none.
  virtual Result<std::optional<Document>> get(const DocumentScope& scope,
                                              const std::string& id) = 0;

  // Ids of the documents in `scope` updated strictly after `since_us` (all when
  // absent), oldest first.
  virtual Result<std::vector<std::string>> list_ids(const DocumentScope& scope,
                                                    std::optional<std::int64_t> since_us) = 0;

  // Reads the current document (nullopt when none), calls `decide` with it and stores
  // what it returns: a document replaces the current one (its updated_us is set by the
  // store), nullopt deletes it. An error from `decide` aborts without change and is
  // returned. Runs on the store's writer; `decide` must not call the store.
  using Decide =
      std::function<Result<std::optional<Document>>(const std::optional<Document>& current)>;
  virtual Result<void> update(const DocumentScope& scope, const std::string& id,
                              const Decide& decide) = 0;

  // Deletes every document in `scope` (State DELETE without stateId); nothing to
  // delete is not an error.
  virtual Result<void> remove_all(const DocumentScope& scope) = 0;
};

}  // namespace lrs

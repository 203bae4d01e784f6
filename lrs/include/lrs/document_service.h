// The rules of the xAPI document resources (State, Activity Profile, Agent Profile:
// Communication 2.2, 2.3, 2.6, 2.7), their concurrency control (Communication 3.1), and
// the Activities and Agents resources (2.5, 2.4), independent of HTTP.
//
// Documents are kept byte for byte with their content type. ETags are quoted SHA-1 hex
// of the content. POST merges two JSON objects key by key at the top level. Every
// decision about the current document (preconditions, 409, merge) runs inside the
// store's update, so concurrent writers cannot interleave between check and write.
// Thread-safe; holds only references to the stores.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lrs/auth.h"
#include "lrs/document_store.h"
#include "lrs/error.h"
#include "lrs/person_store.h"
#include "lrs/statement_service.h"
#include "lrs/statement_store.h"
#include "lrs/version.h"

namespace lrs {

enum class DocumentMethod { kGet, kPut, kPost, kDelete };

// The parameters of one document request, checked (Communication 2.3, 2.6, 2.7).
struct DocumentRequest {
  DocumentScope scope;
  std::optional<std::string> id;  // stateId / profileId; absent: the whole list / scope
  std::optional<std::int64_t> since_us;
};

// kInvalid naming the parameter for unknown or wrongly-cased names, repeated names,
// missing required ones (activityId, agent, stateId/profileId for PUT and POST, profileId
// for DELETE of a profile), an agent that is not a valid Agent or identified Group in
// JSON, an activityId that is not an absolute IRI, a registration that is not a UUID,
// `since` that is not a timestamp or given with an id or on anything but GET.
Result<DocumentRequest> parse_document_request(DocumentKind kind, DocumentMethod method,
                                               const QueryParams& params, XapiVersion version);

// The concurrency headers of a write (RFC 7232 as Communication 3.1 uses them).
struct Preconditions {
  std::optional<std::string> if_match;       // "*" or a list of ETags
  std::optional<std::string> if_none_match;  // "*" or a list of ETags
};

// The quoted strong ETag of a document's content.
std::string document_etag(std::string_view content);

// The combined document of a POST: both must be JSON objects; `incoming`'s top-level
// keys replace those of `stored`. kInvalid otherwise (Communication 2.2 "JSON
// Procedure with Requirements").
Result<std::string> merge_documents(std::string_view stored, std::string_view incoming);

class DocumentService {
 public:
  DocumentService(DocumentStore& documents, StatementStore& statements, PersonStore& persons);

  // PUT: stores `content` as the document. kPreconditionFailed when If-Match or
  // If-None-Match fails; kConflict when the document exists and neither header was sent
  // (Agent and Activity Profile always, State from xAPI 2.0 on); with xAPI 1.0.3,
  // kInvalid for a profile PUT without either header even when no document exists;
  // kForbidden without the scope. Answers the stored document's ETag, so a client can
  // send its next write with If-Match without reading the document first.
  Result<std::string> put(const DocumentRequest& request, std::string content,
                          std::string content_type, const Preconditions& preconditions,
                          const Principal& who, XapiVersion version);

  // POST: stores `content` when no document exists, merges it into the existing one
  // otherwise; kInvalid when an application/json body is not a JSON object or when
  // one of the two documents is not JSON; kPreconditionFailed as for put. Answers the
  // ETag of the stored (merged) document.
  Result<std::string> post(const DocumentRequest& request, std::string content,
                           std::string content_type, const Preconditions& preconditions,
                           const Principal& who);

  // GET with an id: the document, kNotFound when there is none.
  Result<Document> get(const DocumentRequest& request, const Principal& who);

  // GET without an id: the ids of the documents in scope updated after `since`.
  Result<std::vector<std::string>> ids(const DocumentRequest& request, const Principal& who);

  // DELETE with an id (kPreconditionFailed when If-Match fails; a missing document is
  // not an error) or, for State, without one: every document in scope.
  Result<void> remove(const DocumentRequest& request, const Preconditions& preconditions,
                      const Principal& who);

  // GET /activities?activityId=: the Activity object as JSON, with the canonical
  // definition when one is known (an Activity with only its id otherwise).
  Result<std::string> activity(const QueryParams& params, const Principal& who);

  // GET /agents?agent=: the Person object as JSON: the identifiers of every agent linked
  // to the queried one (person_service.h), or just its own, and the names stored
  // statements gave them.
  Result<std::string> person(const QueryParams& params, const Principal& who, XapiVersion version);

 private:
  Result<std::string> write(const DocumentRequest& request, std::string content,
                            std::string content_type, const Preconditions& preconditions,
                            const Principal& who, bool merge, XapiVersion version);
  DocumentStore& documents_;
  StatementStore& statements_;
  PersonStore& persons_;
};

}  // namespace lrs

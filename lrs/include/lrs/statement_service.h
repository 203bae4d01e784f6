// The Statement resource's rules (xAPI Communication 2.1), independent of HTTP:
// storing statements (validation, ids, authority, version, duplicates, voiding) and
// reading them back (single statements, filtered pages, formats, `more` cursors).
// Thread-safe; holds no state besides references to the store and its options.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "lrs/auth.h"
#include "lrs/error.h"
#include "lrs/statement_store.h"
#include "lrs/version.h"

namespace lrs {

// Decoded query parameters in request order (names are case-sensitive).
using QueryParams = std::vector<std::pair<std::string, std::string>>;

enum class StatementFormat { kExact, kIds, kCanonical };

// GET /statements parameters, checked (Communication 2.1.3).
struct StatementQuery {
  std::optional<Uuid> statement_id;
  std::optional<Uuid> voided_statement_id;
  StatementFilter filter;
  StatementFormat format = StatementFormat::kExact;
  bool attachments = false;
  // The parameters as given, minus the cursor, to build the `more` link.
  QueryParams params;
};

// kInvalid naming the parameter for unknown or wrongly-cased names, repeated names,
// bad values and forbidden combinations. `max_limit` caps `limit` (0 means "the LRS
// maximum", as the spec says).
Result<StatementQuery> parse_statement_query(const QueryParams& params, XapiVersion version,
                                             std::size_t max_limit);

struct StatementsResponse {
  std::string body;  // JSON: one statement, or a StatementResult
  // With attachments=true: the bodies of the attachments the statements reference,
  // to be sent as multipart/mixed parts after `body`.
  bool with_attachments = false;
  std::vector<AttachmentContent> attachments;
  std::int64_t consistent_through_us = 0;
  std::optional<std::int64_t> last_modified_us;
};

struct StatementServiceOptions {
  std::size_t max_limit = 500;                 // statements per page
  std::string more_path = "/xapi/statements";  // the path `more` links start with
};

// The write half of POST / PUT /statements without the insert: validates each statement,
// fills id, timestamp, authority (from `who`) and version, builds the records (with
// attachment `parts`) and the judge that accepts an identical re-send of a stored id.
// kForbidden without statements/write scope; kInvalid as for post(). Callers that must
// store statements in one transaction with other writes (the SCORM runtime) pass the
// result to their store; StatementService::post passes it to StatementStore::insert.
Result<PreparedStatements> prepare_statements(std::vector<nlohmann::json> statements,
                                              std::vector<AttachmentContent> parts,
                                              const Principal& who, const ClientVersion& version);

// The PreparedStatements of records made by StatementFrame::record (statement_record.h),
// in order: their ids and the judge of re-sent ids, as prepare_statements makes them for
// the same statements sent with ids and timestamps.
PreparedStatements prepared_from_records(std::vector<StatementRecord> records);

class StatementService {
 public:
  StatementService(StatementStore& store, StatementServiceOptions options);

  // POST /statements: one statement (object) or a batch (array), all or nothing.
  // `parts` are the attachment parts of a multipart request (sha2 from the part's
  // X-Experience-API-Hash); every attachment without fileUrl needs one and every part
  // must belong to an attachment. Returns the ids in order. kInvalid names the
  // statement index and property; kConflict when an id exists with different content.
  // `body` is taken by value: pass an rvalue to spare a deep copy of the statements.
  Result<std::vector<std::string>> post(nlohmann::json body, std::vector<AttachmentContent> parts,
                                        const Principal& who, const ClientVersion& version);

  // PUT /statements?statementId=: the body's id, if present, must match.
  Result<void> put(nlohmann::json body, std::vector<AttachmentContent> parts,
                   std::string_view statement_id, const Principal& who,
                   const ClientVersion& version);

  // GET /statements. kNotFound for an unknown (or, by statementId, voided) statement.
  // `accept_language` orders language map entries for format=canonical.
  Result<StatementsResponse> get(const StatementQuery& query, const Principal& who,
                                 std::string_view accept_language);

  Result<std::int64_t> consistent_through() { return store_.consistent_through(); }

 private:
  Result<std::vector<std::string>> store_statements(std::vector<nlohmann::json> statements,
                                                    std::vector<AttachmentContent> parts,
                                                    const Principal& who,
                                                    const ClientVersion& version);
  Result<void> get_one(const StatementQuery& query,
                       const std::optional<std::string>& only_authority,
                       const std::vector<std::string>& prefs, StatementsResponse& response);
  Result<void> get_page(const StatementQuery& query,
                        const std::optional<std::string>& only_authority,
                        const std::vector<std::string>& prefs, StatementsResponse& response);
  Result<void> load_attachments(const std::vector<StoredStatement>& statements,
                                StatementsResponse& response);
  StatementStore& store_;
  StatementServiceOptions options_;
};

}  // namespace lrs

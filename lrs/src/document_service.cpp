#include "lrs/document_service.h"

#include <algorithm>
#include <array>
#include <cctype>

#include <nlohmann/json.hpp>
#include <openssl/sha.h>

#include "lrs/json_text.h"
#include "lrs/person_service.h"
#include "lrs/statement_record.h"
#include "lrs/statement_validator.h"
#include "lrs/text.h"
#include "lrs/timestamp.h"
#include "syntax_checks.h"

namespace lrs {
namespace {

using nlohmann::json;

const char* resource_name(DocumentKind kind) {
  switch (kind) {
    case DocumentKind::kState:
      return "/activities/state";
    case DocumentKind::kActivityProfile:
      return "/activities/profile";
    case DocumentKind::kAgentProfile:
      return "/agents/profile";
  }
  return "";
}

const char* id_name(DocumentKind kind) {
  return kind == DocumentKind::kState ? "stateId" : "profileId";
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool is_json_type(std::string_view content_type) {
  return iequals(trim(content_type.substr(0, content_type.find(';'))), "application/json");
}

// A parameter name that differs from a known one only in case gets a pointed message:
// clients that send "activityID" deserve to learn why it is "unknown".
Error unknown_parameter(const std::string& name, std::initializer_list<std::string_view> known,
                        std::string_view where) {
  for (std::string_view k : known) {
    if (iequals(name, k)) {
      return {ErrorCode::kInvalid, "parameter \"" + name + "\" must be spelled \"" +
                                       std::string(k) + "\" (names are case-sensitive)"};
    }
  }
  return {ErrorCode::kInvalid, "unknown parameter \"" + name + "\" for " + std::string(where)};
}

// Parameters by name, each at most once.
Result<std::vector<std::pair<std::string, std::string>>> check_names(
    const QueryParams& params, std::initializer_list<std::string_view> allowed,
    std::string_view where) {
  std::vector<std::pair<std::string, std::string>> seen;
  for (const auto& [name, value] : params) {
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      return tl::unexpected(unknown_parameter(name, allowed, where));
    }
    for (const auto& s : seen) {
      if (s.first == name) {
        return fail(ErrorCode::kInvalid, "parameter " + name + " is given more than once");
      }
    }
    seen.emplace_back(name, value);
  }
  return seen;
}

const std::string* find_param(const std::vector<std::pair<std::string, std::string>>& params,
                              std::string_view name) {
  for (const auto& p : params) {
    if (p.first == name) return &p.second;
  }
  return nullptr;
}

Result<std::string> parse_activity_id(const std::string& value) {
  if (!syntax::is_absolute_iri(value)) {
    return fail(ErrorCode::kInvalid,
                "parameter activityId: must be an absolute IRI, got \"" + value + "\"");
  }
  return value;
}

// The agent parameter: JSON of an Agent or identified Group, as an actor (Data 2.4.2).
Result<json> parse_agent(const std::string& value, XapiVersion version) {
  json agent = json::parse(value, nullptr, false);
  if (agent.is_discarded() || !agent.is_object()) {
    return fail(ErrorCode::kInvalid, "parameter agent: must be an Agent as a JSON object");
  }
  if (auto ok = validate_actor(agent, version, "agent"); !ok) return tl::unexpected(ok.error());
  if (!agent_key(agent)) {
    return fail(ErrorCode::kInvalid, "parameter agent: an anonymous Group identifies no one");
  }
  return agent;
}

bool allowed(DocumentKind kind, bool write, std::uint32_t scopes) {
  if ((scopes & kScopeAll) != 0) return true;
  if (!write && (scopes & kScopeAllRead) != 0) return true;
  return (scopes & (kind == DocumentKind::kState ? kScopeState : kScopeProfile)) != 0;
}

Result<void> check_scope(DocumentKind kind, bool write, const Principal& who) {
  if (allowed(kind, write, who.scopes)) return {};
  const char* scope = kind == DocumentKind::kState ? "state" : "profile";
  return fail(ErrorCode::kForbidden, "credential " + who.key + " lacks the " + scope +
                                         " scope (or all" + (write ? "" : ", all/read") +
                                         ") needed for " + resource_name(kind));
}

// The Activities and Agents resources describe what statements said; any credential
// that may read some xAPI data may read them.
Result<void> check_read_scope(const Principal& who, const char* resource) {
  constexpr std::uint32_t kReaders = kScopeAll | kScopeAllRead | kScopeStatementsRead |
                                     kScopeStatementsReadMine | kScopeState | kScopeProfile |
                                     kScopeDefine;
  if ((who.scopes & kReaders) != 0) return {};
  return fail(ErrorCode::kForbidden,
              "credential " + who.key + " lacks a read scope (all/read) for " + resource);
}

// RFC 7232 entity-tag lists; weak tags compare by their opaque part, and a bare token
// is taken as the quoted tag a client forgot to quote.
bool etag_listed(std::string_view list, const std::string& etag) {
  std::size_t pos = 0;
  while (pos <= list.size()) {
    std::size_t comma = list.find(',', pos);
    if (comma == std::string_view::npos) comma = list.size();
    std::string_view tag = trim(list.substr(pos, comma - pos));
    if (tag.substr(0, 2) == "W/") tag.remove_prefix(2);
    if (tag == etag || "\"" + std::string(tag) + "\"" == etag) return true;
    pos = comma + 1;
  }
  return false;
}

Result<void> check_preconditions(const Preconditions& p, const std::optional<Document>& current) {
  if (p.if_match) {
    if (!current) {
      return fail(ErrorCode::kPreconditionFailed,
                  "If-Match: there is no document to match (it does not exist)");
    }
    if (trim(*p.if_match) != "*" && !etag_listed(*p.if_match, current->etag)) {
      return fail(ErrorCode::kPreconditionFailed,
                  "If-Match: the document's ETag is now " + current->etag + ", not " + *p.if_match);
    }
  }
  if (p.if_none_match && current) {
    if (trim(*p.if_none_match) == "*") {
      return fail(ErrorCode::kPreconditionFailed,
                  "If-None-Match: *: the document exists already (ETag " + current->etag + ")");
    }
    if (etag_listed(*p.if_none_match, current->etag)) {
      return fail(ErrorCode::kPreconditionFailed,
                  "If-None-Match: the document still has ETag " + current->etag);
    }
  }
  return {};
}

}  // namespace

Result<DocumentRequest> parse_document_request(DocumentKind kind, DocumentMethod method,
                                               const QueryParams& params, XapiVersion version) {
  std::string where = std::string(resource_name(kind));
  Result<std::vector<std::pair<std::string, std::string>>> named;
  switch (kind) {
    case DocumentKind::kState:
      named =
          check_names(params, {"activityId", "agent", "registration", "stateId", "since"}, where);
      break;
    case DocumentKind::kActivityProfile:
      named = check_names(params, {"activityId", "profileId", "since"}, where);
      break;
    case DocumentKind::kAgentProfile:
      named = check_names(params, {"agent", "profileId", "since"}, where);
      break;
  }
  if (!named) return tl::unexpected(named.error());

  DocumentRequest out;
  out.scope.kind = kind;
  if (kind != DocumentKind::kAgentProfile) {
    const std::string* activity = find_param(*named, "activityId");
    if (activity == nullptr) {
      return fail(ErrorCode::kInvalid, where + " requires the activityId parameter");
    }
    auto id = parse_activity_id(*activity);
    if (!id) return tl::unexpected(id.error());
    out.scope.activity_id = std::move(*id);
  }
  if (kind != DocumentKind::kActivityProfile) {
    const std::string* agent = find_param(*named, "agent");
    if (agent == nullptr) return fail(ErrorCode::kInvalid, where + " requires the agent parameter");
    auto parsed = parse_agent(*agent, version);
    if (!parsed) return tl::unexpected(parsed.error());
    out.scope.agent = *agent_key(*parsed);
  }
  if (const std::string* registration = find_param(*named, "registration")) {
    auto id = Uuid::parse(*registration);
    if (!id) {
      return fail(ErrorCode::kInvalid,
                  "parameter registration: not a UUID: \"" + *registration + "\"");
    }
    out.scope.registration = *id;
  }
  if (const std::string* id = find_param(*named, id_name(kind))) out.id = *id;
  bool id_required = method == DocumentMethod::kPut || method == DocumentMethod::kPost ||
                     (method == DocumentMethod::kDelete && kind != DocumentKind::kState);
  if (id_required && !out.id) {
    return fail(ErrorCode::kInvalid,
                where + " requires the " + id_name(kind) + " parameter for this method");
  }
  if (const std::string* since = find_param(*named, "since")) {
    if (method != DocumentMethod::kGet) {
      return fail(ErrorCode::kInvalid, "parameter since is only allowed on GET");
    }
    auto us = parse_timestamp_us(*since);
    if (!us) {
      return fail(ErrorCode::kInvalid,
                  "parameter since: not an ISO 8601 timestamp with time zone: \"" + *since + "\"");
    }
    // With an id, `since` has no meaning (Communication 2.3 applies it to id lists).
    if (!out.id) out.since_us = *us;
  }
  return out;
}

std::string document_etag(std::string_view content) {
  std::array<unsigned char, SHA_DIGEST_LENGTH> digest{};
  SHA1(reinterpret_cast<const unsigned char*>(content.data()), content.size(), digest.data());
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (unsigned char b : digest) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  out.push_back('"');
  return out;
}

Result<std::string> merge_documents(std::string_view stored, std::string_view incoming) {
  json old = json::parse(stored, nullptr, false);
  if (old.is_discarded() || !old.is_object()) {
    return fail(ErrorCode::kInvalid,
                "cannot merge: the stored document is not a JSON object (use PUT to replace it)");
  }
  json update = json::parse(incoming, nullptr, false);
  if (update.is_discarded() || !update.is_object()) {
    return fail(ErrorCode::kInvalid, "cannot merge: the request body is not a JSON object");
  }
  for (auto& [key, value] : update.items()) old[key] = std::move(value);
  return json_text(old);
}

DocumentService::DocumentService(DocumentStore& documents, StatementStore& statements,
                                 PersonStore& persons)
    : documents_(documents), statements_(statements), persons_(persons) {}

Result<std::string> DocumentService::put(const DocumentRequest& request, std::string content,
                                         std::string content_type,
                                         const Preconditions& preconditions, const Principal& who,
                                         XapiVersion version) {
  return write(request, std::move(content), std::move(content_type), preconditions, who, false,
               version);
}

Result<std::string> DocumentService::post(const DocumentRequest& request, std::string content,
                                          std::string content_type,
                                          const Preconditions& preconditions,
                                          const Principal& who) {
  return write(request, std::move(content), std::move(content_type), preconditions, who, true,
               XapiVersion::k2_0);
}

Result<std::string> DocumentService::write(const DocumentRequest& request, std::string content,
                                           std::string content_type,
                                           const Preconditions& preconditions, const Principal& who,
                                           bool merge, XapiVersion version) {
  if (auto ok = check_scope(request.scope.kind, true, who); !ok) return tl::unexpected(ok.error());
  if (!request.id) {
    return fail(ErrorCode::kInvalid, std::string(id_name(request.scope.kind)) + " is required");
  }
  if (content_type.empty()) content_type = "application/octet-stream";
  bool json_body = is_json_type(content_type);
  // Communication 2.2: a POSTed application/json document must be a JSON object, whether
  // or not there is one to merge with.
  if (merge && json_body) {
    json parsed = json::parse(content, nullptr, false);
    if (parsed.is_discarded() || !parsed.is_object()) {
      return fail(ErrorCode::kInvalid, "a POSTed application/json document must be a JSON object");
    }
  }
  // xAPI 1.0.3 Communication 3.1 exempts the State resource from the 409 rule; 2.0
  // (IEEE 9274.1.1 4.1.4) applies it to every document resource.
  bool conflict_without_headers =
      request.scope.kind != DocumentKind::kState || version == XapiVersion::k2_0;
  std::string written_etag;
  auto decide = [&](const std::optional<Document>& current) -> Result<std::optional<Document>> {
    if (auto ok = check_preconditions(preconditions, current); !ok) {
      return tl::unexpected(ok.error());
    }
    if (!merge && current && conflict_without_headers && !preconditions.if_match &&
        !preconditions.if_none_match) {
      return fail(ErrorCode::kConflict,
                  "the document exists: send If-Match with its ETag (" + current->etag +
                      ") to replace it, or If-None-Match: * to create it only if absent");
    }
    // The 1.0.3 suite (XAPI-00273, 2.7 "fails without ETag header") reads Communication
    // 3.1 as requiring a concurrency header on every profile PUT, new documents included.
    if (!merge && !current && request.scope.kind != DocumentKind::kState &&
        version == XapiVersion::k1_0 && !preconditions.if_match && !preconditions.if_none_match) {
      return fail(ErrorCode::kInvalid,
                  "xAPI 1.0.3 requires If-Match or If-None-Match on a profile PUT (send "
                  "If-None-Match: * to create the document)");
    }
    Document next;
    next.id = *request.id;
    if (merge && current) {
      if (!json_body || !is_json_type(current->content_type)) {
        return fail(ErrorCode::kInvalid,
                    "POST merges JSON documents only: the stored document is " +
                        current->content_type + " and the request body is " + content_type);
      }
      auto merged = merge_documents(current->content, content);
      if (!merged) return tl::unexpected(merged.error());
      next.content = std::move(*merged);
      next.content_type = "application/json";
    } else {
      next.content = content;
      next.content_type = content_type;
    }
    next.etag = document_etag(next.content);
    written_etag = next.etag;
    return std::optional<Document>(std::move(next));
  };
  if (auto ok = documents_.update(request.scope, *request.id, decide); !ok) {
    return tl::unexpected(ok.error());
  }
  return written_etag;
}

Result<Document> DocumentService::get(const DocumentRequest& request, const Principal& who) {
  if (auto ok = check_scope(request.scope.kind, false, who); !ok) {
    return tl::unexpected(ok.error());
  }
  if (!request.id) {
    return fail(ErrorCode::kInvalid, std::string(id_name(request.scope.kind)) + " is required");
  }
  auto doc = documents_.get(request.scope, *request.id);
  if (!doc) return tl::unexpected(doc.error());
  if (!*doc) {
    return fail(ErrorCode::kNotFound, std::string("no document with ") +
                                          id_name(request.scope.kind) + " \"" + *request.id + "\"");
  }
  return std::move(**doc);
}

Result<std::vector<std::string>> DocumentService::ids(const DocumentRequest& request,
                                                      const Principal& who) {
  if (auto ok = check_scope(request.scope.kind, false, who); !ok) {
    return tl::unexpected(ok.error());
  }
  return documents_.list_ids(request.scope, request.since_us);
}

Result<void> DocumentService::remove(const DocumentRequest& request,
                                     const Preconditions& preconditions, const Principal& who) {
  if (auto ok = check_scope(request.scope.kind, true, who); !ok) return ok;
  if (!request.id) {
    if (request.scope.kind != DocumentKind::kState) {
      return fail(ErrorCode::kInvalid, "profileId is required");
    }
    return documents_.remove_all(request.scope);
  }
  auto decide = [&](const std::optional<Document>& current) -> Result<std::optional<Document>> {
    if (auto ok = check_preconditions(preconditions, current); !ok) {
      return tl::unexpected(ok.error());
    }
    return std::optional<Document>();
  };
  return documents_.update(request.scope, *request.id, decide);
}

Result<std::string> DocumentService::activity(const QueryParams& params, const Principal& who) {
  if (auto ok = check_read_scope(who, "/activities"); !ok) return tl::unexpected(ok.error());
  auto named = check_names(params, {"activityId"}, "/activities");
  if (!named) return tl::unexpected(named.error());
  const std::string* value = find_param(*named, "activityId");
  if (value == nullptr) {
    return fail(ErrorCode::kInvalid, "/activities requires the activityId parameter");
  }
  auto id = parse_activity_id(*value);
  if (!id) return tl::unexpected(id.error());
  auto definition = statements_.activity_definition(*id);
  if (!definition) return tl::unexpected(definition.error());
  // Communication 2.5: an Activity object even when the LRS knows nothing about it.
  json activity = {{"objectType", "Activity"}, {"id", *id}};
  if (*definition) {
    json parsed = json::parse(**definition, nullptr, false);
    if (parsed.is_object()) activity["definition"] = std::move(parsed);
  }
  return json_text(activity);
}

Result<std::string> DocumentService::person(const QueryParams& params, const Principal& who,
                                            XapiVersion version) {
  if (auto ok = check_read_scope(who, "/agents"); !ok) return tl::unexpected(ok.error());
  auto named = check_names(params, {"agent"}, "/agents");
  if (!named) return tl::unexpected(named.error());
  const std::string* value = find_param(*named, "agent");
  if (value == nullptr) return fail(ErrorCode::kInvalid, "/agents requires the agent parameter");
  auto agent = parse_agent(*value, version);
  if (!agent) return tl::unexpected(agent.error());
  return PersonService(persons_, statements_).person_object(*agent);
}

}  // namespace lrs

#include "lrs/statement_service.h"

#include <algorithm>
#include <charconv>
#include <set>

#include <nlohmann/json.hpp>
#include <openssl/sha.h>

#include "lrs/clock.h"
#include "lrs/json_text.h"
#include "lrs/signature.h"
#include "lrs/statement_record.h"
#include "lrs/statement_validator.h"
#include "lrs/text.h"
#include "lrs/timestamp.h"
#include "lrs/url.h"
#include "statement_equivalence.h"
#include "statement_writer.h"

namespace lrs {
namespace {

using nlohmann::json;

Result<bool> parse_bool(const std::string& name, const std::string& value) {
  if (value == "true") return true;
  if (value == "false") return false;
  return fail(ErrorCode::kInvalid,
              "parameter " + name + ": must be true or false, got \"" + value + "\"");
}

Result<Uuid> parse_uuid_param(const std::string& name, const std::string& value) {
  auto id = Uuid::parse(value);
  if (!id)
    return fail(ErrorCode::kInvalid, "parameter " + name + ": not a UUID: \"" + value + "\"");
  return *id;
}

Result<std::int64_t> parse_time_param(const std::string& name, const std::string& value) {
  auto us = parse_timestamp_us(value);
  if (!us) {
    return fail(
        ErrorCode::kInvalid,
        "parameter " + name + ": not an ISO 8601 timestamp with time zone: \"" + value + "\"");
  }
  return *us;
}

Result<std::int64_t> parse_int_param(const std::string& name, const std::string& value) {
  std::int64_t n = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (ec != std::errc() || end != value.data() + value.size() || n < 0) {
    return fail(ErrorCode::kInvalid,
                "parameter " + name + ": must be a non-negative integer, got \"" + value + "\"");
  }
  return n;
}

// --- formats (Communication 2.1.3 "format") ---------------------------------------------

json agent_ids(const json& agent) {
  json out = json::object();
  if (!agent.is_object()) return agent;
  for (const char* key : {"objectType", "mbox", "mbox_sha1sum", "openid", "account"}) {
    if (auto it = agent.find(key); it != agent.end()) out[key] = *it;
  }
  // An anonymous Group is identified only by its members.
  if (auto it = agent.find("member"); it != agent.end() && agent_key(agent) == std::nullopt) {
    json members = json::array();
    for (const json& m : *it) members.push_back(agent_ids(m));
    out["member"] = std::move(members);
  }
  return out;
}

json object_ids(const json& object) {
  std::string type = object.value("objectType", "Activity");
  if (type == "Agent" || type == "Group") return agent_ids(object);
  if (type == "SubStatement") {
    json out = object;
    if (auto it = out.find("actor"); it != out.end()) *it = agent_ids(*it);
    if (auto it = out.find("object"); it != out.end()) *it = object_ids(*it);
    if (auto it = out.find("verb"); it != out.end()) *it = json{{"id", (*it)["id"]}};
    return out;
  }
  if (type == "StatementRef") return {{"objectType", "StatementRef"}, {"id", object.at("id")}};
  return {{"id", object.at("id")}};
}

json to_ids_format(json statement) {
  if (auto it = statement.find("actor"); it != statement.end()) *it = agent_ids(*it);
  if (auto it = statement.find("verb"); it != statement.end()) *it = json{{"id", (*it)["id"]}};
  if (auto it = statement.find("object"); it != statement.end()) *it = object_ids(*it);
  if (auto it = statement.find("authority"); it != statement.end()) *it = agent_ids(*it);
  if (auto ctx = statement.find("context"); ctx != statement.end() && ctx->is_object()) {
    for (const char* key : {"instructor", "team"}) {
      if (auto it = ctx->find(key); it != ctx->end()) *it = agent_ids(*it);
    }
  }
  return statement;
}

// Accept-Language ranges in preference order ("fr-CA, fr;q=0.8, *;q=0.1").
std::vector<std::string> language_preferences(std::string_view header) {
  std::vector<std::pair<double, std::string>> ranked;
  std::size_t pos = 0;
  int order = 0;
  while (pos < header.size()) {
    std::size_t comma = header.find(',', pos);
    std::string_view item =
        header.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos);
    pos = comma == std::string_view::npos ? header.size() : comma + 1;
    double q = 1.0;
    if (auto semi = item.find(';'); semi != std::string_view::npos) {
      auto qpos = item.find("q=", semi);
      if (qpos != std::string_view::npos) q = std::atof(std::string(item.substr(qpos + 2)).c_str());
      item = item.substr(0, semi);
    }
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty() && q > 0)
      ranked.emplace_back(q - order++ * 1e-6, to_lower(std::string(item)));
  }
  std::stable_sort(ranked.begin(), ranked.end(),
                   [](auto& a, auto& b) { return a.first > b.first; });
  std::vector<std::string> out;
  for (auto& r : ranked) out.push_back(std::move(r.second));
  return out;
}

void pick_language(json& map, const std::vector<std::string>& prefs) {
  if (!map.is_object() || map.size() <= 1) return;
  for (const std::string& pref : prefs) {
    for (auto it = map.begin(); it != map.end(); ++it) {
      std::string tag = to_lower(it.key());
      if (pref == "*" || tag == pref || tag.rfind(pref + "-", 0) == 0) {
        json one = json::object();
        one[it.key()] = it.value();
        map = std::move(one);
        return;
      }
    }
  }
  json one = json::object();  // no preference matched: any one language, deterministically
  one[map.begin().key()] = map.begin().value();
  map = std::move(one);
}

void canonical_activity(json& activity, const std::vector<std::string>& prefs) {
  auto def = activity.find("definition");
  if (def == activity.end() || !def->is_object()) return;
  for (const char* key : {"name", "description"}) {
    if (auto it = def->find(key); it != def->end()) pick_language(*it, prefs);
  }
  for (const char* list : {"choices", "scale", "source", "target", "steps"}) {
    if (auto it = def->find(list); it != def->end() && it->is_array()) {
      for (json& c : *it) {
        if (auto d = c.find("description"); d != c.end()) pick_language(*d, prefs);
      }
    }
  }
}

void to_canonical_format(json& statement, const std::vector<std::string>& prefs) {
  if (auto v = statement.find("verb"); v != statement.end()) {
    if (auto d = v->find("display"); d != v->end()) pick_language(*d, prefs);
  }
  if (auto o = statement.find("object"); o != statement.end() && o->is_object()) {
    std::string type = o->value("objectType", "Activity");
    if (type == "Activity") canonical_activity(*o, prefs);
    if (type == "SubStatement") to_canonical_format(*o, prefs);
  }
  if (auto ctx = statement.find("context"); ctx != statement.end() && ctx->is_object()) {
    if (auto ca = ctx->find("contextActivities"); ca != ctx->end() && ca->is_object()) {
      for (auto& [kind, value] : ca->items()) {
        if (value.is_array()) {
          for (json& a : value) canonical_activity(a, prefs);
        } else {
          canonical_activity(value, prefs);
        }
      }
    }
  }
  if (auto att = statement.find("attachments"); att != statement.end() && att->is_array()) {
    for (json& a : *att) {
      for (const char* key : {"display", "description"}) {
        if (auto it = a.find(key); it != a.end()) pick_language(*it, prefs);
      }
    }
  }
}

std::string render(const StoredStatement& s, StatementFormat format,
                   const std::vector<std::string>& prefs) {
  if (format == StatementFormat::kExact) return s.body;
  json statement = json::parse(s.body);
  if (format == StatementFormat::kIds) return json_text(to_ids_format(std::move(statement)));
  to_canonical_format(statement, prefs);
  return json_text(statement);
}

std::string hex(const unsigned char* data, std::size_t size) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (std::size_t i = 0; i < size; ++i) {
    out.push_back(kHex[data[i] >> 4]);
    out.push_back(kHex[data[i] & 0x0F]);
  }
  return out;
}

// The part's X-Experience-API-Hash must be the SHA-2 of its bytes (Communication 1.5.2);
// the length of the hex string says which SHA-2.
Result<void> check_part_hash(AttachmentContent& part) {
  part.sha2 = to_lower(part.sha2);
  unsigned char digest[SHA512_DIGEST_LENGTH];
  const auto* data = reinterpret_cast<const unsigned char*>(part.content.data());
  std::size_t size = 0;
  switch (part.sha2.size()) {
    case 56:
      SHA224(data, part.content.size(), digest);
      size = SHA224_DIGEST_LENGTH;
      break;
    case 64:
      SHA256(data, part.content.size(), digest);
      size = SHA256_DIGEST_LENGTH;
      break;
    case 96:
      SHA384(data, part.content.size(), digest);
      size = SHA384_DIGEST_LENGTH;
      break;
    case 128:
      SHA512(data, part.content.size(), digest);
      size = SHA512_DIGEST_LENGTH;
      break;
    default:
      return fail(ErrorCode::kInvalid, "multipart part X-Experience-API-Hash \"" + part.sha2 +
                                           "\" is not a SHA-2 hex digest");
  }
  std::string actual = hex(digest, size);
  if (actual != part.sha2) {
    return fail(ErrorCode::kInvalid, "multipart part X-Experience-API-Hash " + part.sha2 +
                                         " does not match its content (which hashes to " + actual +
                                         ")");
  }
  return {};
}

// Gives `record` the bytes of each of its attachments that has no fileUrl.
Result<void> attach_parts(const json& statement, const std::vector<AttachmentContent>& parts,
                          std::vector<bool>& used, StatementRecord& record, std::size_t index,
                          std::size_t count) {
  auto list = statement.find("attachments");
  if (list == statement.end() || !list->is_array()) return {};
  for (std::size_t a = 0; a < list->size(); ++a) {
    const json& attachment = (*list)[a];
    std::string sha2 = to_lower(attachment.value("sha2", ""));
    bool found = false;
    for (std::size_t p = 0; p < parts.size(); ++p) {
      if (parts[p].sha2 == sha2) {
        used[p] = true;
        if (!found) {
          bool have = std::any_of(record.attachments.begin(), record.attachments.end(),
                                  [&](const AttachmentContent& c) { return c.sha2 == sha2; });
          if (!have) record.attachments.push_back(parts[p]);
        }
        found = true;
      }
    }
    if (attachment.value("usageType", "") == kSignatureUsageType) {
      std::string where = (count > 1 ? "statement [" + std::to_string(index) + "] " : "") +
                          "attachments[" + std::to_string(a) + "]";
      if (attachment.value("contentType", "") != "application/octet-stream") {
        return fail(
            ErrorCode::kInvalid,
            where + ": a signature attachment must have contentType application/octet-stream");
      }
      if (!found) {
        return fail(ErrorCode::kInvalid, where + ": a signature must be sent as a multipart part");
      }
      auto part = std::find_if(parts.begin(), parts.end(),
                               [&](const AttachmentContent& c) { return c.sha2 == sha2; });
      if (auto ok = verify_statement_signature(statement, part->content); !ok) {
        return fail(ErrorCode::kInvalid, where + ": " + ok.error().message);
      }
    }
    if (!found && !attachment.contains("fileUrl")) {
      std::string where = count > 1 ? "statement [" + std::to_string(index) + "] " : "";
      return fail(ErrorCode::kInvalid,
                  where + "attachments[" + std::to_string(a) +
                      "]: has no fileUrl, so the request must be multipart/mixed with a part whose "
                      "X-Experience-API-Hash is " +
                      sha2);
    }
  }
  return {};
}

}  // namespace

namespace {

struct QueryContext {
  XapiVersion version;
  std::size_t max_limit;
};

template <class T>
Result<void> assign(Result<T> parsed, std::optional<T>& target) {
  if (!parsed) return tl::unexpected(parsed.error());
  target = std::move(*parsed);
  return {};
}

template <class T>
Result<void> assign(Result<T> parsed, T& target) {
  if (!parsed) return tl::unexpected(parsed.error());
  target = std::move(*parsed);
  return {};
}

Result<std::string> agent_param(const std::string& value, XapiVersion version) {
  json agent = json::parse(value, nullptr, false);
  if (agent.is_discarded()) return fail(ErrorCode::kInvalid, "parameter agent: not valid JSON");
  if (auto ok = validate_actor(agent, version, "agent"); !ok) return tl::unexpected(ok.error());
  auto key = agent_key(agent);
  if (!key) {
    return fail(ErrorCode::kInvalid,
                "parameter agent: must be an Agent or an identified Group (one IFI)");
  }
  return *key;
}

Result<std::string> iri_param(const std::string& name, const std::string& value) {
  if (value.find(':') == std::string::npos) {
    return fail(ErrorCode::kInvalid,
                "parameter " + name + ": must be an IRI, got \"" + value + "\"");
  }
  return value;
}

Result<StatementFormat> format_param(const std::string& value) {
  if (value == "exact") return StatementFormat::kExact;
  if (value == "ids") return StatementFormat::kIds;
  if (value == "canonical") return StatementFormat::kCanonical;
  return fail(ErrorCode::kInvalid,
              "parameter format: must be ids, exact or canonical, got \"" + value + "\"");
}

Result<std::size_t> limit_param(const std::string& value, std::size_t max_limit) {
  auto n = parse_int_param("limit", value);
  if (!n) return tl::unexpected(n.error());
  auto limit = static_cast<std::size_t>(*n);
  // 0 means "the LRS's maximum" (Communication 2.1.3).
  return (limit == 0 || limit > max_limit) ? max_limit : limit;
}

Result<std::int64_t> cursor_param(const std::string& value) {
  auto n = parse_int_param("cursor", value);
  if (!n) return fail(ErrorCode::kInvalid, "parameter cursor: not a cursor from a more link");
  return *n;
}

// One parameter of GET /statements: checks `value` and stores it in the query.
Result<void> apply_param(StatementQuery& q, const std::string& name, const std::string& value,
                         const QueryContext& ctx) {
  StatementFilter& f = q.filter;
  if (name == "statementId") return assign(parse_uuid_param(name, value), q.statement_id);
  if (name == "voidedStatementId")
    return assign(parse_uuid_param(name, value), q.voided_statement_id);
  if (name == "registration") return assign(parse_uuid_param(name, value), f.registration);
  if (name == "agent") return assign(agent_param(value, ctx.version), f.agent);
  if (name == "verb") return assign(iri_param(name, value), f.verb);
  if (name == "activity") return assign(iri_param(name, value), f.activity);
  if (name == "related_activities") return assign(parse_bool(name, value), f.related_activities);
  if (name == "related_agents") return assign(parse_bool(name, value), f.related_agents);
  if (name == "attachments") return assign(parse_bool(name, value), q.attachments);
  if (name == "ascending") return assign(parse_bool(name, value), f.ascending);
  if (name == "since") return assign(parse_time_param(name, value), f.since_us);
  if (name == "until") return assign(parse_time_param(name, value), f.until_us);
  if (name == "limit") return assign(limit_param(value, ctx.max_limit), f.limit);
  if (name == "format") return assign(format_param(value), q.format);
  if (name == "cursor") return assign(cursor_param(value), f.after_us);
  return fail(ErrorCode::kInvalid,
              "unknown parameter \"" + name + "\" for GET /statements (names are case-sensitive)");
}

// statementId / voidedStatementId take only format and attachments (Communication 2.1.3).
Result<void> check_single_statement_params(const StatementQuery& q, const QueryParams& params) {
  if (q.statement_id && q.voided_statement_id) {
    return fail(ErrorCode::kInvalid,
                "parameters statementId and voidedStatementId exclude each other");
  }
  if (!q.statement_id && !q.voided_statement_id) return {};
  for (const auto& [name, value] : params) {
    if (name != "statementId" && name != "voidedStatementId" && name != "format" &&
        name != "attachments") {
      return fail(ErrorCode::kInvalid,
                  "parameter " + name +
                      " cannot be combined with statementId or voidedStatementId (only format "
                      "and attachments can)");
    }
  }
  return {};
}

}  // namespace

Result<StatementQuery> parse_statement_query(const QueryParams& params, XapiVersion version,
                                             std::size_t max_limit) {
  StatementQuery q;
  q.filter.limit = std::min<std::size_t>(max_limit, 100);
  const QueryContext ctx{version, max_limit};
  std::set<std::string> seen;
  for (const auto& [name, value] : params) {
    if (seen.count(name) != 0) {
      return fail(ErrorCode::kInvalid, "parameter " + name + " given more than once");
    }
    seen.insert(name);
    if (auto ok = apply_param(q, name, value, ctx); !ok) return tl::unexpected(ok.error());
    if (name != "cursor") q.params.emplace_back(name, value);
  }
  if (auto ok = check_single_statement_params(q, params); !ok) return tl::unexpected(ok.error());
  return q;
}

StatementService::StatementService(StatementStore& store, StatementServiceOptions options)
    : store_(store), options_(std::move(options)) {}

Result<std::vector<std::string>> StatementService::post(json body,
                                                        std::vector<AttachmentContent> parts,
                                                        const Principal& who,
                                                        const ClientVersion& version) {
  std::vector<json> statements;
  if (body.is_object()) {
    statements.push_back(std::move(body));
  } else if (body.is_array()) {
    statements.reserve(body.size());
    for (json& s : body) statements.push_back(std::move(s));
  } else {
    return fail(ErrorCode::kInvalid,
                "request body: must be a statement object or an array of statements");
  }
  return store_statements(std::move(statements), std::move(parts), who, version);
}

Result<void> StatementService::put(json body, std::vector<AttachmentContent> parts,
                                   std::string_view statement_id, const Principal& who,
                                   const ClientVersion& version) {
  auto id = Uuid::parse(statement_id);
  if (!id)
    return fail(ErrorCode::kInvalid,
                "parameter statementId: not a UUID: \"" + std::string(statement_id) + "\"");
  if (!body.is_object())
    return fail(ErrorCode::kInvalid, "request body: must be one statement object");
  json statement = std::move(body);
  if (auto it = statement.find("id"); it != statement.end()) {
    auto body_id = it->is_string() ? Uuid::parse(it->get<std::string>()) : std::nullopt;
    if (body_id && *body_id != *id) {
      return fail(ErrorCode::kInvalid, "id: " + it->dump() +
                                           " differs from the statementId parameter " +
                                           std::string(statement_id));
    }
  } else {
    statement["id"] = id->str();
  }
  std::vector<json> one;
  one.push_back(std::move(statement));
  auto stored = store_statements(std::move(one), std::move(parts), who, version);
  if (!stored) return tl::unexpected(stored.error());
  return {};
}

namespace {

// Per statement id of a batch: whether the client sent a timestamp.
using SentTimestamps = std::vector<std::pair<std::string, bool>>;

// The judge of a re-sent id (StatementStore::SameStatement) for the batch's statements:
// a stored body is the same statement when it is equivalent to the new one as the client
// sent it (without the timestamp the LRS filled in).
StatementStore::SameStatement same_statement_judge(
    std::shared_ptr<const SentTimestamps> sent_timestamp) {
  return [sent_timestamp = std::move(sent_timestamp)](std::string_view stored_body,
                                                      std::string_view new_body) {
    json stored = json::parse(stored_body, nullptr, false);
    if (stored.is_discarded()) return false;
    json incoming = json::parse(new_body, nullptr, false);
    if (incoming.is_discarded()) return false;
    std::string id = incoming.value("id", "");
    for (const auto& [sent_id, had_timestamp] : *sent_timestamp) {
      if (sent_id == id) {
        if (!had_timestamp) incoming.erase("timestamp");
        return equivalent_statements(std::move(stored), std::move(incoming));
      }
    }
    return false;
  };
}

}  // namespace

Result<StatementWriter> statement_writer(const Principal& who) {
  if (!scope_allows_statement_write(who.scopes)) {
    return fail(ErrorCode::kForbidden, "credential " + who.key + " has no statements/write scope");
  }
  // Without `define`, definitions are kept but never changed.
  return StatementWriter{json::parse(who.authority, nullptr, false),
                         (who.scopes & (kScopeAll | kScopeDefine)) != 0};
}

Result<PreparedStatements> prepare_statements(std::vector<json> statements,
                                              std::vector<AttachmentContent> parts,
                                              const Principal& who, const ClientVersion& version) {
  auto writer = statement_writer(who);
  if (!writer) return tl::unexpected(writer.error());
  std::vector<StatementRecord> records;
  records.reserve(statements.size());
  std::vector<std::string> ids;
  ids.reserve(statements.size());
  // Per statement id: whether the client sent a timestamp, for judging re-sent ids. The
  // statement as sent is rebuilt from its record body only when a duplicate id turns up:
  // the body differs from it only by what equivalent_statements() ignores (authority,
  // version, stored) and a filled-in timestamp, removed again below.
  auto sent_timestamp = std::make_shared<SentTimestamps>();
  sent_timestamp->reserve(statements.size());
  std::set<Uuid> batch_ids;
  for (auto& part : parts) {
    if (auto ok = check_part_hash(part); !ok) return tl::unexpected(ok.error());
  }
  std::vector<bool> part_used(parts.size(), false);
  for (std::size_t i = 0; i < statements.size(); ++i) {
    json& s = statements[i];
    if (auto ok = validate_statement(s, version.major); !ok) {
      std::string where = statements.size() > 1 ? "statement [" + std::to_string(i) + "] " : "";
      return fail(ErrorCode::kInvalid, where + ok.error().message);
    }
    normalize_context_activities(s);
    Uuid id;
    if (auto it = s.find("id"); it != s.end()) {
      id = *Uuid::parse(it->get<std::string>());
      *it = id.str();  // one spelling: lower case
    } else {
      id = Uuid::random();
      s["id"] = id.str();
    }
    if (!batch_ids.insert(id).second) {
      return fail(ErrorCode::kInvalid, "statement [" + std::to_string(i) + "] id " + id.str() +
                                           " appears more than once in the batch");
    }
    bool had_timestamp = s.contains("timestamp");
    sent_timestamp->emplace_back(id.str(), had_timestamp);
    if (!had_timestamp) s["timestamp"] = format_timestamp_us(current_time_us());
    s.erase("stored");
    s["authority"] = writer->authority;
    if (!s.contains("version"))
      s["version"] = std::string(default_statement_version(version.major));
    records.push_back(make_statement_record(s, id));
    records.back().redefine = writer->redefine;
    if (auto ok = attach_parts(s, parts, part_used, records.back(), i, statements.size()); !ok) {
      return tl::unexpected(ok.error());
    }
    ids.push_back(id.str());
  }
  for (std::size_t p = 0; p < parts.size(); ++p) {
    if (!part_used[p]) {
      return fail(ErrorCode::kInvalid, "multipart part with X-Experience-API-Hash " +
                                           parts[p].sha2 +
                                           " matches no attachment of the statements");
    }
  }
  PreparedStatements out;
  out.ids = std::move(ids);
  out.records = std::move(records);
  if (out.records.empty()) return out;
  out.same = same_statement_judge(std::move(sent_timestamp));
  return out;
}

PreparedStatements prepared_from_records(std::vector<StatementRecord> records) {
  PreparedStatements out;
  out.ids.reserve(records.size());
  auto sent_timestamp = std::make_shared<SentTimestamps>();
  sent_timestamp->reserve(records.size());
  for (const StatementRecord& r : records) {
    out.ids.push_back(r.id.str());
    sent_timestamp->emplace_back(out.ids.back(), true);
  }
  out.records = std::move(records);
  if (out.records.empty()) return out;
  out.same = same_statement_judge(std::move(sent_timestamp));
  return out;
}

Result<std::vector<std::string>> StatementService::store_statements(
    std::vector<json> statements, std::vector<AttachmentContent> parts, const Principal& who,
    const ClientVersion& version) {
  auto prepared = prepare_statements(std::move(statements), std::move(parts), who, version);
  if (!prepared) return tl::unexpected(prepared.error());
  if (prepared->records.empty()) return std::move(prepared->ids);
  auto inserted = store_.insert(std::move(prepared->records), prepared->same);
  if (!inserted) return tl::unexpected(inserted.error());
  return std::move(prepared->ids);
}

Result<StatementsResponse> StatementService::get(const StatementQuery& query, const Principal& who,
                                                 std::string_view accept_language) {
  // statements/read/mine: only what this credential stored (Communication 4.1.2).
  std::optional<std::string> only_authority;
  if (!scope_allows_statement_read(who.scopes)) {
    if ((who.scopes & kScopeStatementsReadMine) == 0) {
      return fail(ErrorCode::kForbidden, "credential " + who.key + " has no statements/read scope");
    }
    only_authority = agent_key(json::parse(who.authority, nullptr, false));
    if (!only_authority) {
      return fail(ErrorCode::kInternal, "credential " + who.key + " has no usable authority agent");
    }
  }
  StatementsResponse response;
  // Consistent-through is read first: everything stored up to it is in what follows.
  auto through = store_.consistent_through();
  if (!through) return tl::unexpected(through.error());
  response.consistent_through_us = *through;
  auto prefs = language_preferences(accept_language);
  auto done = query.statement_id || query.voided_statement_id
                  ? get_one(query, only_authority, prefs, response)
                  : get_page(query, only_authority, prefs, response);
  if (!done) return tl::unexpected(done.error());
  return response;
}

Result<void> StatementService::get_one(const StatementQuery& query,
                                       const std::optional<std::string>& only_authority,
                                       const std::vector<std::string>& prefs,
                                       StatementsResponse& response) {
  const Uuid& id = query.statement_id ? *query.statement_id : *query.voided_statement_id;
  auto found = store_.get(id);
  if (!found) return tl::unexpected(found.error());
  bool want_voided = query.voided_statement_id.has_value();
  // Another credential's statement is, for statements/read/mine, as if absent.
  if (*found && only_authority &&
      agent_key(json::parse((*found)->body).value("authority", json::object())) != only_authority) {
    found->reset();
  }
  if (!*found || (*found)->voided != want_voided) {
    if (want_voided) return fail(ErrorCode::kNotFound, "no voided statement with id " + id.str());
    std::string hint = *found ? " (it is voided: use voidedStatementId)" : "";
    return fail(ErrorCode::kNotFound, "no statement with id " + id.str() + hint);
  }
  response.body = render(**found, query.format, prefs);
  response.last_modified_us = (*found)->stored_us;
  if (!query.attachments) return {};
  return load_attachments({**found}, response);
}

Result<void> StatementService::get_page(const StatementQuery& query,
                                        const std::optional<std::string>& only_authority,
                                        const std::vector<std::string>& prefs,
                                        StatementsResponse& response) {
  StatementFilter filter = query.filter;
  filter.authority = only_authority;
  auto page = store_.query(filter);
  if (!page) return tl::unexpected(page.error());
  std::string body = "{\"statements\":[";
  for (const StoredStatement& s : page->statements) {
    if (&s != &page->statements.front()) body.push_back(',');
    body += render(s, query.format, prefs);
    response.last_modified_us = std::max(response.last_modified_us.value_or(0), s.stored_us);
  }
  body += "],\"more\":";
  if (page->next) {
    // The same query from where this page ended (keyset cursor, never an offset).
    std::string more = options_.more_path + "?";
    for (const auto& [name, value] : query.params) {
      more += name;
      more += '=';
      more += url_encode(value);
      more += '&';
    }
    more += "cursor=" + std::to_string(*page->next);
    body += json_text(json(more));
  } else {
    body += "\"\"";
  }
  body += "}";
  response.body = std::move(body);
  if (!query.attachments) return {};
  return load_attachments(page->statements, response);
}

Result<void> StatementService::load_attachments(const std::vector<StoredStatement>& statements,
                                                StatementsResponse& response) {
  response.with_attachments = true;
  std::vector<std::string> wanted;
  for (const StoredStatement& s : statements) {
    json statement = json::parse(s.body, nullptr, false);
    auto collect = [&](const json& holder) {
      auto list = holder.find("attachments");
      if (list == holder.end() || !list->is_array()) return;
      for (const json& a : *list) {
        std::string sha2 = to_lower(a.value("sha2", ""));
        if (!sha2.empty() && std::find(wanted.begin(), wanted.end(), sha2) == wanted.end()) {
          wanted.push_back(sha2);
        }
      }
    };
    if (statement.is_object()) collect(statement);
  }
  if (wanted.empty()) return {};
  auto found = store_.attachments(wanted);
  if (!found) return tl::unexpected(found.error());
  response.attachments = std::move(*found);
  return {};
}

}  // namespace lrs

#include "lrs/statement_record.h"

#include <algorithm>
#include <cassert>

#include <nlohmann/json.hpp>

#include "lrs/json_text.h"
#include "lrs/statement_validator.h"
#include "statement_equivalence.h"
#include "statement_writer.h"

namespace lrs {
namespace {

using nlohmann::json;

constexpr std::string_view kVoidedVerb = "http://adlnet.gov/expapi/verbs/voided";

const json* member(const json& object, const char* name) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(name);
  return it == object.end() ? nullptr : &*it;
}

std::string_view string_member(const json& object, const char* name) {
  const json* m = member(object, name);
  if (m == nullptr || !m->is_string()) return {};
  return m->get_ref<const std::string&>();
}

void add_unique(std::vector<std::string>& keys, std::string key) {
  if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(std::move(key));
}

// An Agent or Group and, for a Group, its members: xAPI counts a Group as matching an
// agent filter when one of its members matches.
void add_agent_keys(const json& agent, std::vector<std::string>& keys) {
  if (auto key = agent_key(agent)) add_unique(keys, std::move(*key));
  if (const json* members = member(agent, "member"); members && members->is_array()) {
    for (const json& m : *members) {
      if (auto key = agent_key(m)) add_unique(keys, std::move(*key));
    }
  }
}

bool is_agent_or_group(const json& object) {
  std::string_view type = string_member(object, "objectType");
  return type == "Agent" || type == "Group";
}

bool is_activity(const json& object) {
  std::string_view type = string_member(object, "objectType");
  return type.empty() || type == "Activity";
}

void add_context_activities(const json& context, std::vector<std::string>& keys) {
  const json* activities = member(context, "contextActivities");
  if (activities == nullptr || !activities->is_object()) return;
  for (const auto& [kind, value] : activities->items()) {
    // A single Activity object is allowed in place of an array (xAPI Data 2.4.6.2).
    if (value.is_object()) {
      if (auto id = string_member(value, "id"); !id.empty()) add_unique(keys, std::string(id));
    } else if (value.is_array()) {
      for (const json& a : value) {
        if (auto id = string_member(a, "id"); !id.empty()) add_unique(keys, std::string(id));
      }
    }
  }
}

void add_context_agents(const json& context, std::vector<std::string>& keys) {
  if (const json* instructor = member(context, "instructor")) add_agent_keys(*instructor, keys);
  if (const json* team = member(context, "team")) add_agent_keys(*team, keys);
  if (const json* agents = member(context, "contextAgents"); agents && agents->is_array()) {
    for (const json& a : *agents) {
      if (const json* agent = member(a, "agent")) add_agent_keys(*agent, keys);
    }
  }
  if (const json* groups = member(context, "contextGroups"); groups && groups->is_array()) {
    for (const json& g : *groups) {
      if (const json* group = member(g, "group")) add_agent_keys(*group, keys);
    }
  }
}

// Everything inside a SubStatement is "related" only (xAPI Communication 2.1.3).
void add_sub_statement(const json& sub, StatementRecord& record) {
  if (const json* actor = member(sub, "actor")) add_agent_keys(*actor, record.related_agents);
  if (const json* object = member(sub, "object")) {
    if (is_agent_or_group(*object)) {
      add_agent_keys(*object, record.related_agents);
    } else if (is_activity(*object)) {
      if (auto id = string_member(*object, "id"); !id.empty()) {
        add_unique(record.related_activities, std::string(id));
      }
    }
  }
  if (const json* context = member(sub, "context")) {
    add_context_agents(*context, record.related_agents);
    add_context_activities(*context, record.related_activities);
  }
}

// --- what the Activities and Agents resources report -----------------------------------

void add_definition(const json& activity, StatementRecord& record) {
  if (!is_activity(activity)) return;
  std::string_view id = string_member(activity, "id");
  const json* definition = member(activity, "definition");
  if (id.empty() || definition == nullptr || !definition->is_object()) return;
  for (ActivityDefinition& d : record.definitions) {
    if (d.activity_id == id) {
      // The same activity twice in one statement: the later mention refines the earlier.
      d.definition = merge_activity_definition(d.definition, json_text(*definition));
      return;
    }
  }
  record.definitions.push_back({std::string(id), json_text(*definition)});
}

void add_context_definitions(const json& context, StatementRecord& record) {
  const json* activities = member(context, "contextActivities");
  if (activities == nullptr || !activities->is_object()) return;
  for (const auto& [kind, value] : activities->items()) {
    if (value.is_object()) {
      add_definition(value, record);
    } else if (value.is_array()) {
      for (const json& a : value) add_definition(a, record);
    }
  }
}

void add_agent_name(const json& agent, StatementRecord& record) {
  std::string_view name = string_member(agent, "name");
  if (name.empty()) return;
  auto key = agent_key(agent);
  if (!key) return;
  for (const AgentName& n : record.agent_names) {
    if (n.agent == *key && n.name == name) return;
  }
  record.agent_names.push_back({std::move(*key), std::string(name)});
}

// An Agent, or a Group and its members.
void add_agent_names(const json& agent, StatementRecord& record) {
  add_agent_name(agent, record);
  if (const json* members = member(agent, "member"); members && members->is_array()) {
    for (const json& m : *members) add_agent_name(m, record);
  }
}

void add_context_agent_names(const json& context, StatementRecord& record) {
  if (const json* instructor = member(context, "instructor")) add_agent_names(*instructor, record);
  if (const json* team = member(context, "team")) add_agent_names(*team, record);
  if (const json* agents = member(context, "contextAgents"); agents && agents->is_array()) {
    for (const json& a : *agents) {
      if (const json* agent = member(a, "agent")) add_agent_names(*agent, record);
    }
  }
  if (const json* groups = member(context, "contextGroups"); groups && groups->is_array()) {
    for (const json& g : *groups) {
      if (const json* group = member(g, "group")) add_agent_names(*group, record);
    }
  }
}

// Statement or SubStatement: actor, object and context (the authority is the LRS's own
// description of a credential, not something the learner was called).
void add_descriptions(const json& statement, StatementRecord& record) {
  if (const json* actor = member(statement, "actor")) add_agent_names(*actor, record);
  if (const json* object = member(statement, "object")) {
    std::string_view type = string_member(*object, "objectType");
    if (type == "Agent" || type == "Group") {
      add_agent_names(*object, record);
    } else if (type == "SubStatement") {
      add_descriptions(*object, record);
    } else {
      add_definition(*object, record);
    }
  }
  if (const json* context = member(statement, "context")) {
    add_context_definitions(*context, record);
    add_context_agent_names(*context, record);
  }
}

json merge_language_maps(json stored, const json& incoming) {
  if (!stored.is_object() || !incoming.is_object()) return incoming;
  for (const auto& [language, text] : incoming.items()) stored[language] = text;
  return stored;
}

void remove_direct(std::vector<std::string>& related, const std::vector<std::string>& direct) {
  std::erase_if(related, [&](const std::string& key) {
    return std::find(direct.begin(), direct.end(), key) != direct.end();
  });
}

#ifndef NDEBUG
bool valid_statement_text(const std::string& body, XapiVersion version) {
  return validate_statement(json::parse(body, nullptr, false), version).has_value();
}
#endif

}  // namespace

std::string merge_activity_definition(std::string_view stored, std::string_view incoming) {
  json old = json::parse(stored, nullptr, false);
  json update = json::parse(incoming, nullptr, false);
  if (!old.is_object() || !update.is_object()) return std::string(incoming);
  for (const auto& [name, value] : update.items()) {
    if (name == "name" || name == "description") {
      old[name] = merge_language_maps(old.value(name, json()), value);
    } else {
      old[name] = value;
    }
  }
  return json_text(old);
}

std::optional<std::string> redefined_activity(std::optional<std::string_view> stored,
                                              std::string_view incoming, bool redefine) {
  if (!stored) return std::string(incoming);
  if (!redefine || *stored == incoming) return std::nullopt;
  std::string merged = merge_activity_definition(*stored, incoming);
  if (merged == *stored) return std::nullopt;
  return merged;
}

std::optional<std::string> agent_key(const json& agent) {
  if (!agent.is_object()) return std::nullopt;
  if (auto v = string_member(agent, "mbox"); !v.empty()) return "mbox:" + std::string(v);
  if (auto v = string_member(agent, "mbox_sha1sum"); !v.empty()) {
    std::string key = "mbox_sha1sum:" + std::string(v);
    // The hash is hex: case carries no meaning, so "AB12.." and "ab12.." are one agent.
    std::transform(key.begin(), key.end(), key.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return key;
  }
  if (auto v = string_member(agent, "openid"); !v.empty()) return "openid:" + std::string(v);
  if (const json* account = member(agent, "account"); account && account->is_object()) {
    return "account:" + std::string(string_member(*account, "homePage")) + " " +
           std::string(string_member(*account, "name"));
  }
  return std::nullopt;
}

StatementRecord make_statement_record(const json& statement, const Uuid& id) {
  StatementRecord record;
  record.id = id;
  record.body = json_text(statement);
  if (const json* verb = member(statement, "verb")) record.verb = string_member(*verb, "id");

  if (const json* actor = member(statement, "actor")) add_agent_keys(*actor, record.agents);

  if (const json* object = member(statement, "object")) {
    std::string_view type = string_member(*object, "objectType");
    if (type == "Agent" || type == "Group") {
      add_agent_keys(*object, record.agents);
    } else if (type == "StatementRef") {
      record.statement_ref = Uuid::parse(string_member(*object, "id"));
    } else if (type == "SubStatement") {
      add_sub_statement(*object, record);
    } else if (auto activity_id = string_member(*object, "id"); !activity_id.empty()) {
      record.activities.emplace_back(activity_id);
    }
  }

  if (const json* authority = member(statement, "authority")) {
    add_agent_keys(*authority, record.related_agents);
    record.authority = agent_key(*authority);
  }
  if (const json* context = member(statement, "context")) {
    add_context_agents(*context, record.related_agents);
    add_context_activities(*context, record.related_activities);
    if (auto registration = string_member(*context, "registration"); !registration.empty()) {
      record.registration = Uuid::parse(registration);
    }
  }
  add_descriptions(statement, record);
  remove_direct(record.related_agents, record.agents);
  remove_direct(record.related_activities, record.activities);
  record.voiding = record.verb == kVoidedVerb && record.statement_ref.has_value();
  return record;
}

Result<StatementFrame> StatementFrame::make(const json& actor, const json& context,
                                            const Principal& who, const ClientVersion& version) {
  auto writer = statement_writer(who);
  if (!writer) return tl::unexpected(writer.error());
  json& authority = writer->authority;
  if (!authority.is_object()) {
    return fail(ErrorCode::kInternal, "credential " + who.key + ": the authority is not an agent");
  }
  // Everything but the object's part: make_statement_record of a statement without one,
  // its context activities in the one spelling prepare_statements stores (arrays).
  json skeleton = {{"actor", actor}, {"authority", std::move(authority)}, {"context", context}};
  normalize_context_activities(skeleton);
  StatementFrame frame;
  frame.actor_text_ = json_text(skeleton["actor"]);
  frame.authority_text_ = json_text(skeleton["authority"]);
  frame.context_text_ = json_text(skeleton["context"]);
  frame.version_text_.clear();
  append_json_string(default_statement_version(version.major), frame.version_text_);
  frame.version_ = version.major;
  frame.redefine_ = writer->redefine;
  frame.keys_ = make_statement_record(skeleton, Uuid());
  frame.keys_.body.clear();
  return frame;
}

Result<StatementFrame> StatementFrame::make(const json& actor, const json& context,
                                            const json& object, const Principal& who,
                                            const ClientVersion& version) {
  auto frame = make(actor, context, who, version);
  if (!frame) return frame;
  frame->object_text_ = json_text(object);
  frame->object_id_ = string_member(object, "id");
  frame->object_covered_ = frame->covers(object, frame->object_id_);
  if (const json* definition = member(object, "definition");
      definition && definition->is_object()) {
    frame->object_definition_ = json_text(*definition);
  }
  return frame;
}

bool StatementFrame::covers(const json& object, std::string_view activity_id) const {
  const bool in_context =
      std::find(keys_.related_activities.begin(), keys_.related_activities.end(), activity_id) !=
      keys_.related_activities.end();
  return is_activity(object) && !activity_id.empty() && !in_context;
}

StatementRecord StatementFrame::record(const Uuid& id, const json& verb, const json& object,
                                       const json& result, std::string_view timestamp) const {
  if (!covers(object, string_member(object, "id"))) {
    return general_record(id, verb, object, result, timestamp);
  }
  return assemble(id, verb, &object, result, timestamp);
}

StatementRecord StatementFrame::record(const Uuid& id, const json& verb, const json& result,
                                       std::string_view timestamp) const {
  assert(object_text_.has_value());
  if (!object_covered_) {
    return general_record(id, verb, json::parse(*object_text_), result, timestamp);
  }
  return assemble(id, verb, nullptr, result, timestamp);
}

StatementRecord StatementFrame::assemble(const Uuid& id, const json& verb, const json* object,
                                         const json& result, std::string_view timestamp) const {
  StatementRecord record;
  record.id = id;
  // The members in the order a json object keeps them (sorted), as json_text writes them.
  std::string& body = record.body;
  body.reserve(actor_text_.size() + authority_text_.size() + context_text_.size() +
               (object ? 0 : object_text_->size()) + 512);
  body.append("{\"actor\":");
  body.append(actor_text_);
  body.append(",\"authority\":");
  body.append(authority_text_);
  body.append(",\"context\":");
  body.append(context_text_);
  body.append(",\"id\":");
  append_json_string(id.str(), body);
  body.append(",\"object\":");
  if (object) {
    append_json_text(*object, body);
  } else {
    body.append(*object_text_);
  }
  if (!result.is_null()) {
    body.append(",\"result\":");
    append_json_text(result, body);
  }
  body.append(",\"timestamp\":");
  append_json_string(timestamp, body);
  body.append(",\"verb\":");
  append_json_text(verb, body);
  body.append(",\"version\":");
  body.append(version_text_);
  body.push_back('}');
  assert(valid_statement_text(body, version_));

  record.verb = string_member(verb, "id");
  record.agents = keys_.agents;
  record.related_agents = keys_.related_agents;
  record.activities.emplace_back(object ? string_member(*object, "id") : object_id_);
  record.related_activities = keys_.related_activities;
  record.registration = keys_.registration;
  record.authority = keys_.authority;
  // The object's definition comes before the context's (add_descriptions' order); the
  // object is not in the context, so none of them merge.
  record.definitions.reserve(keys_.definitions.size() + 1);
  if (object) {
    if (const json* definition = member(*object, "definition");
        definition && definition->is_object()) {
      record.definitions.push_back({record.activities.back(), json_text(*definition)});
    }
  } else if (object_definition_) {
    record.definitions.push_back({object_id_, *object_definition_});
  }
  record.definitions.insert(record.definitions.end(), keys_.definitions.begin(),
                            keys_.definitions.end());
  record.agent_names = keys_.agent_names;
  record.redefine = redefine_;
  return record;
}

StatementRecord StatementFrame::general_record(const Uuid& id, const json& verb, const json& object,
                                               const json& result,
                                               std::string_view timestamp) const {
  json statement = {{"actor", json::parse(actor_text_)},
                    {"authority", json::parse(authority_text_)},
                    {"context", json::parse(context_text_)},
                    {"id", id.str()},
                    {"object", object},
                    {"timestamp", timestamp},
                    {"verb", verb},
                    {"version", json::parse(version_text_)}};
  if (!result.is_null()) statement["result"] = result;
  assert(validate_statement(statement, version_).has_value());
  normalize_context_activities(statement);
  StatementRecord record = make_statement_record(statement, id);
  record.redefine = redefine_;
  return record;
}

}  // namespace lrs

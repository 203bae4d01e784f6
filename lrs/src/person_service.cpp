#include "lrs/person_service.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "lrs/clock.h"
#include "lrs/json_text.h"
#include "lrs/statement_record.h"
#include "lrs/statement_validator.h"
#include "lrs/timestamp.h"
#include "lrs/uuid.h"

namespace lrs {
namespace {

using nlohmann::json;

constexpr const char* kIfis[] = {"mbox", "mbox_sha1sum", "openid", "account"};

// The IFI part of an Agent, without name or objectType.
json ifi_only(const json& agent) {
  json out = json::object();
  for (const char* ifi : kIfis) {
    if (auto it = agent.find(ifi); it != agent.end()) out[ifi] = *it;
  }
  return out;
}

void add_unique(json& array, const json& value) {
  if (std::find(array.begin(), array.end(), value) == array.end()) array.push_back(value);
}

}  // namespace

Result<LinkedAgent> linkable_agent(const json& agent, std::string_view where,
                                   const std::string& source) {
  std::string at(where);
  if (!agent.is_object()) return fail(ErrorCode::kInvalid, at + ": must be an Agent object");
  if (auto type = agent.find("objectType"); type != agent.end() && *type != "Agent") {
    return fail(ErrorCode::kInvalid, at + ": only Agents are linked into persons, not " +
                                         (type->is_string() ? type->get<std::string>()
                                                            : std::string("this objectType")));
  }
  // Data 2.4.2.1: an Agent has exactly one IFI; the validator names what is wrong.
  if (auto ok = validate_actor(agent, XapiVersion::k2_0, at.c_str()); !ok) {
    return tl::unexpected(ok.error());
  }
  auto key = agent_key(agent);
  if (!key) return fail(ErrorCode::kInvalid, at + ": an Agent needs an identifier");
  if (key->find('\0') != std::string::npos) {
    return fail(ErrorCode::kInvalid, at + ": an identifier must not contain a NUL character");
  }
  return LinkedAgent{std::move(*key), json_text(ifi_only(agent)), source, current_time_us()};
}

std::string describe_person(const PersonRecord& person) {
  json agents = json::array();
  for (const LinkedAgent& a : person.agents) {
    json entry = json::parse(a.ifi, nullptr, false);
    if (!entry.is_object()) entry = json::object();
    entry["source"] = a.source;
    entry["linked"] = format_timestamp_us(a.linked_us);
    agents.push_back(std::move(entry));
  }
  return json_text(json{{"id", person.id}, {"agents", std::move(agents)}});
}

Result<PersonRecord> PersonService::link(const json& agents, const std::string& source) {
  if (!agents.is_array()) {
    return fail(ErrorCode::kInvalid, "agents: must be an array of at least two Agents");
  }
  std::vector<LinkedAgent> linked;
  for (std::size_t i = 0; i < agents.size(); ++i) {
    auto agent = linkable_agent(agents[i], "agents[" + std::to_string(i) + "]", source);
    if (!agent) return tl::unexpected(agent.error());
    bool seen = std::any_of(linked.begin(), linked.end(),
                            [&](const LinkedAgent& a) { return a.key == agent->key; });
    if (!seen) linked.push_back(std::move(*agent));
  }
  if (linked.size() < 2) {
    return fail(ErrorCode::kInvalid, "agents: a link needs at least two different Agents, got " +
                                         std::to_string(linked.size()));
  }
  return persons_.link(linked, Uuid::random().str());
}

Result<std::string> PersonService::person_object(const json& agent) {
  auto key = agent_key(agent);
  if (!key) return fail(ErrorCode::kInvalid, "agent: an anonymous Group identifies no one");
  auto person = persons_.find_by_agent(*key);
  if (!person) return tl::unexpected(person.error());
  std::vector<std::pair<std::string, json>> agents;  // key, IFI object
  if (*person) {
    for (const LinkedAgent& a : (*person)->agents) {
      agents.emplace_back(a.key, json::parse(a.ifi, nullptr, false));
    }
  } else {
    agents.emplace_back(*key, ifi_only(agent));
  }

  // Communication 2.4: a Person lists every identifier and name as arrays.
  json out = {{"objectType", "Person"}};
  json names = json::array();
  for (const auto& [agent_key_text, ifi] : agents) {
    auto seen = statements_.agent_names(agent_key_text);
    if (!seen) return tl::unexpected(seen.error());
    for (const std::string& name : *seen) add_unique(names, name);
    if (!ifi.is_object()) continue;
    for (const char* name : kIfis) {
      if (auto it = ifi.find(name); it != ifi.end()) {
        if (!out.contains(name)) out[name] = json::array();
        add_unique(out[name], *it);
      }
    }
  }
  if (!names.empty()) out["name"] = std::move(names);
  return json_text(out);
}

}  // namespace lrs

#include "lrs/person_admin_handler.h"

#include <nlohmann/json.hpp>

#include "lrs/json_text.h"
#include "lrs/url.h"

namespace lrs {
namespace {

using nlohmann::json;

constexpr std::string_view kPersonsPath = "/api/persons";

HttpResponse json_answer(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.set_header("Content-Type", "application/json");
  return r;
}

// The optional `agent` query parameter (an Agent as JSON), nothing else.
Result<std::optional<LinkedAgent>> agent_parameter(const HttpRequest& request) {
  auto params = parse_query_string(request.query);
  if (!params) return fail(ErrorCode::kInvalid, "malformed query string");
  std::optional<LinkedAgent> agent;
  for (const auto& [name, value] : *params) {
    if (name != "agent" || agent) {
      return fail(ErrorCode::kInvalid, name == "agent"
                                           ? std::string("parameter agent is given more than once")
                                           : "unknown parameter \"" + name + "\" (known: agent)");
    }
    json parsed = json::parse(value, nullptr, false);
    if (parsed.is_discarded()) {
      return fail(ErrorCode::kInvalid, "parameter agent: must be an Agent as a JSON object");
    }
    auto linked = linkable_agent(parsed, "parameter agent", "");
    if (!linked) return tl::unexpected(linked.error());
    agent = std::move(*linked);
  }
  return agent;
}

HttpResponse not_allowed(const HttpRequest& request, const char* allow) {
  HttpResponse r =
      error_response({ErrorCode::kInvalid, "method " + request.method + " not allowed here"});
  r.status = 405;
  r.set_header("Allow", allow);
  return r;
}

}  // namespace

bool PersonAdminHandler::handles(std::string_view path) {
  return path == kPersonsPath || path.substr(0, kPersonsPath.size() + 1) == "/api/persons/";
}

HttpResponse PersonAdminHandler::handle(const HttpRequest& request) {
  auto who = auth_.authenticate(request.header("authorization"));
  if (!who) return error_response(who.error());
  if ((who->scopes & kScopeAll) == 0) {
    return error_response(
        {ErrorCode::kForbidden, "the admin API needs a credential with scope all"});
  }
  std::string id(std::string_view(request.path).substr(kPersonsPath.size()));
  if (!id.empty()) id.erase(0, 1);  // the '/'
  auto agent = agent_parameter(request);
  if (!agent) return error_response(agent.error());
  PersonStore& store = persons_.store();

  if (id.empty()) {
    if (request.method == "GET") {
      if (*agent) {
        auto found = store.find_by_agent((*agent)->key);
        if (!found) return error_response(found.error());
        if (!*found) {
          return error_response({ErrorCode::kNotFound, (*agent)->key + " is linked to no one"});
        }
        return json_answer(200, describe_person(**found));
      }
      auto all = store.list();
      if (!all) return error_response(all.error());
      std::string body = "[";
      for (const PersonRecord& p : *all) {
        if (body.size() > 1) body += ',';
        body += describe_person(p);
      }
      return json_answer(200, body + "]");
    }
    if (request.method == "POST") {
      if (*agent) return error_response({ErrorCode::kInvalid, "POST takes no agent parameter"});
      json body = json::parse(request.body, nullptr, false);
      if (body.is_discarded() || !body.is_object()) {
        return error_response({ErrorCode::kInvalid, "request body must be a JSON object"});
      }
      for (const auto& [name, value] : body.items()) {
        if (name != "agents") {
          return error_response(
              {ErrorCode::kInvalid, "unknown property \"" + name + "\" (known: agents)"});
        }
      }
      auto linked = persons_.link(body.value("agents", json()), "admin");
      if (!linked) return error_response(linked.error());
      return json_answer(200, describe_person(*linked));
    }
    return not_allowed(request, "GET, POST");
  }
  if (request.method == "GET") {
    if (*agent) return error_response({ErrorCode::kInvalid, "GET of one person takes no agent"});
    auto found = store.find(id);
    if (!found) return error_response(found.error());
    if (!*found) return error_response({ErrorCode::kNotFound, "no person " + id});
    return json_answer(200, describe_person(**found));
  }
  if (request.method == "DELETE") {
    auto ok = *agent ? store.unlink(id, (*agent)->key) : store.remove(id);
    if (!ok) return error_response(ok.error());
    HttpResponse r;
    r.status = 204;
    return r;
  }
  return not_allowed(request, "GET, DELETE");
}

}  // namespace lrs

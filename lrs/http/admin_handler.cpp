#include "lrs/admin_handler.h"

#include <nlohmann/json.hpp>

#include "lrs/json_text.h"
#include "lrs/timestamp.h"

namespace lrs {
namespace {

using nlohmann::json;

constexpr std::string_view kCredentialsPath = "/api/credentials";

HttpResponse json_response(int status, const json& body) {
  HttpResponse r;
  r.status = status;
  r.body = json_text(body);
  r.set_header("Content-Type", "application/json");
  return r;
}

json describe(const Credential& c) {
  return {{"key", c.key},
          {"label", c.label},
          {"scopes", c.scopes},
          {"created", format_timestamp_us(c.created_us)},
          {"revoked", c.revoked}};
}

Result<json> parse_object(const HttpRequest& request) {
  json body = json::parse(request.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    return fail(ErrorCode::kInvalid, "request body must be a JSON object");
  }
  return body;
}

Result<std::string> optional_string(const json& body, const char* name) {
  auto it = body.find(name);
  if (it == body.end()) return std::string();
  if (!it->is_string()) return fail(ErrorCode::kInvalid, std::string(name) + ": must be a string");
  return it->get<std::string>();
}

}  // namespace

AdminHandler::AdminHandler(CredentialStore& credentials, Authenticator& auth)
    : credentials_(credentials), auth_(auth) {}

bool AdminHandler::handles(std::string_view path) const {
  return path == kCredentialsPath ||
         path.substr(0, kCredentialsPath.size() + 1) == "/api/credentials/";
}

HttpResponse AdminHandler::handle(const HttpRequest& request) {
  auto who = auth_.authenticate(request.header("authorization"));
  if (!who) return error_response(who.error());
  if ((who->scopes & kScopeAll) == 0) {
    return error_response(
        {ErrorCode::kForbidden, "the admin API needs a credential with scope all"});
  }
  std::string_view key = std::string_view(request.path).substr(kCredentialsPath.size());
  if (!key.empty()) key.remove_prefix(1);  // the '/'
  return credentials(request, key);
}

HttpResponse AdminHandler::credentials(const HttpRequest& request, std::string_view key) {
  if (key.empty() && request.method == "GET") {
    auto all = credentials_.list();
    if (!all) return error_response(all.error());
    json list = json::array();
    for (const Credential& c : *all) list.push_back(describe(c));
    return json_response(200, list);
  }
  if (key.empty() && request.method == "POST") {
    auto body = parse_object(request);
    if (!body) return error_response(body.error());
    auto new_key = optional_string(*body, "key");
    auto secret = optional_string(*body, "secret");
    auto label = optional_string(*body, "label");
    for (const auto* r : {&new_key, &secret, &label}) {
      if (!*r) return error_response(r->error());
    }
    std::vector<std::string> scopes = {"all"};
    if (auto it = body->find("scopes"); it != body->end()) {
      if (!it->is_array())
        return error_response({ErrorCode::kInvalid, "scopes: must be an array of strings"});
      scopes.clear();
      for (const json& s : *it) {
        if (!s.is_string())
          return error_response({ErrorCode::kInvalid, "scopes: must be an array of strings"});
        scopes.push_back(s.get<std::string>());
      }
    }
    for (const auto& [name, value] : body->items()) {
      if (name != "key" && name != "secret" && name != "label" && name != "scopes") {
        return error_response({ErrorCode::kInvalid, "unknown property \"" + name +
                                                        "\" (known: key, secret, label, scopes)"});
      }
    }
    std::string chosen_key = new_key->empty() ? generate_secret().substr(0, 20) : *new_key;
    std::string chosen_secret = secret->empty() ? generate_secret() : *secret;
    auto credential = make_credential(chosen_key, chosen_secret, scopes, *label);
    if (!credential) return error_response(credential.error());
    if (auto ok = credentials_.add(*credential); !ok) return error_response(ok.error());
    json answer = describe(*credential);
    answer["secret"] = chosen_secret;
    return json_response(201, answer);
  }
  if (!key.empty() && request.method == "DELETE") {
    std::string k(key);
    if (auto ok = credentials_.revoke(k); !ok) return error_response(ok.error());
    auth_.forget(k);
    HttpResponse r;
    r.status = 204;
    return r;
  }
  if (!key.empty() && request.method == "GET") {
    auto found = credentials_.find(std::string(key));
    if (!found) return error_response(found.error());
    if (!*found) return error_response({ErrorCode::kNotFound, "no credential " + std::string(key)});
    return json_response(200, describe(**found));
  }
  HttpResponse r =
      error_response({ErrorCode::kInvalid, "method " + request.method + " not allowed here"});
  r.status = 405;
  r.set_header("Allow", key.empty() ? "GET, POST" : "GET, DELETE");
  return r;
}

}  // namespace lrs

#include "player/player_handler.h"

#include <chrono>
#include <fstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "course_status.h"
#include "handler_util.h"
#include "learner_sequencing.h"
#include "lrs/url.h"
#include "lrs/uuid.h"
#include "player/launch_token.h"
#include "player/packages.h"
#include "player_page.h"
#include "runtime.h"
#include "scorm/content.h"
#include <sys/stat.h>

namespace player {
namespace {

using lrs::ErrorCode;
using lrs::HttpRequest;
using lrs::HttpResponse;
using nlohmann::json;

constexpr std::string_view kTokenKeyName = "player-launch-token-key";

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

HttpResponse method_not_allowed(const HttpRequest& request, const char* allow) {
  HttpResponse r =
      lrs::error_response({ErrorCode::kInvalid, "method " + request.method + " not allowed here"});
  r.status = 405;
  r.set_header("Allow", allow);
  return r;
}

// The value of `name` in a query string, percent-decoded; "" when absent.
std::string query_param(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    auto eq = pair.find('=');
    if (pair.substr(0, eq) == name) {
      if (eq == std::string_view::npos) return "";
      return lrs::url_decode(pair.substr(eq + 1)).value_or("");
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return "";
}

std::string url_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

lrs::Result<lrs::Principal> require_admin(lrs::Authenticator& auth, const HttpRequest& request) {
  auto who = auth.authenticate(request.header("authorization"));
  if (!who) return who;
  if ((who->scopes & lrs::kScopeAll) == 0) {
    return lrs::fail(ErrorCode::kForbidden, "the admin API needs a credential with scope all");
  }
  return who;
}

std::optional<std::string> read_file_range(const std::filesystem::path& path, std::uint64_t first,
                                           std::uint64_t length) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  in.seekg(static_cast<std::streamoff>(first));
  std::string data(length, '\0');
  in.read(data.data(), static_cast<std::streamsize>(length));
  if (static_cast<std::uint64_t>(in.gcount()) != length) return std::nullopt;
  return data;
}

// Serves one file with validators, conditional GET, Range and HEAD.
HttpResponse serve_file(const HttpRequest& request, const std::filesystem::path& file,
                        std::string_view cache_control) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return lrs::error_response({ErrorCode::kNotFound, "no file " + request.path});
  }
  auto size = static_cast<std::uint64_t>(st.st_size);
  std::int64_t mtime_ns =
      static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  std::string etag = scorm::make_etag(size, mtime_ns);
  HttpResponse r;
  r.set_header("ETag", etag);
  r.set_header("Last-Modified", lrs::http_date(mtime_ns / 1000));
  r.set_header("Cache-Control", std::string(cache_control));
  r.set_header("Accept-Ranges", "bytes");
  r.set_header("Content-Type", std::string(scorm::content_type_for(file.string())));
  if (request.header("if-none-match") == etag) {
    r.status = 304;
    return r;
  }
  scorm::ByteRange range = scorm::parse_byte_range(request.header("range"), size);
  if (range.kind == scorm::ByteRange::Kind::kUnsatisfiable) {
    r.status = 416;
    r.set_header("Content-Range", scorm::content_range_value(range, size));
    return r;
  }
  std::uint64_t first = 0;
  std::uint64_t length = size;
  if (range.kind == scorm::ByteRange::Kind::kPartial) {
    r.status = 206;
    r.set_header("Content-Range", scorm::content_range_value(range, size));
    first = range.first;
    length = range.length();
  }
  if (request.method == "HEAD") {
    r.set_header("Content-Length", std::to_string(length));
    return r;
  }
  auto data = read_file_range(file, first, length);
  if (!data) return lrs::error_response({ErrorCode::kInternal, "cannot read " + request.path});
  r.body = std::move(*data);
  return r;
}

// The read-only CMI values the manifest gives a SCO (see sco_json in packages.cpp).
void launch_values(const std::string& cmi, const json& sco,
                   std::vector<std::pair<std::string, std::string>>& out) {
  const bool v12 = cmi == "1.2";
  auto text = [&](const char* key, const char* element) {
    if (sco.contains(key) && sco[key].is_string() && !sco[key].get<std::string>().empty()) {
      out.emplace_back(element, sco[key].get<std::string>());
    }
  };
  auto number = [&](const char* key, const char* element) {
    if (sco.contains(key) && sco[key].is_number()) {
      out.emplace_back(element, json(sco[key].get<double>()).dump());
    }
  };
  if (v12) {
    number("mastery_score", "cmi.student_data.mastery_score");
    text("max_time_allowed", "cmi.student_data.max_time_allowed");
    text("time_limit_action", "cmi.student_data.time_limit_action");
    return;
  }
  number("completion_threshold", "cmi.completion_threshold");
  number("scaled_passing_score", "cmi.scaled_passing_score");
  text("max_time_allowed", "cmi.max_time_allowed");
  text("time_limit_action", "cmi.time_limit_action");
}

HttpResponse import_error(const lrs::Error& error, const std::string& problems) {
  json body = {{"error", {{"code", lrs::error_code_name(error.code)}, {"message", error.message}}}};
  json list = json::parse(problems.empty() ? "[]" : problems, nullptr, false);
  body["problems"] = list.is_discarded() ? json::array() : list;
  return json_response(lrs::http_status(error.code), body.dump());
}

}  // namespace

PlayerHandler::PlayerHandler(lrs::PlayerStore& store, lrs::Authenticator& auth,
                             PlayerOptions options)
    : store_(store),
      auth_(auth),
      options_(std::move(options)),
      attempts_(std::make_unique<AttemptCache>()) {
  auto key = store_.secret(std::string(kTokenKeyName), [] { return lrs::generate_secret(); });
  if (!key) throw std::runtime_error("launch token key: " + key.error().message);
  token_key_ = *key;
}

PlayerHandler::~PlayerHandler() = default;

bool PlayerHandler::handles(std::string_view path) const {
  return path == "/api/packages" || starts_with(path, "/api/packages/") ||
         path == "/api/registrations" || starts_with(path, "/api/registrations/") ||
         starts_with(path, "/content/") || starts_with(path, "/player/") ||
         starts_with(path, "/runtime/");
}

HttpResponse PlayerHandler::handle(const HttpRequest& request) {
  std::string_view path = request.path;
  if (starts_with(path, "/api/packages")) return packages(request, path.substr(13));
  if (starts_with(path, "/api/registrations")) return registrations(request, path.substr(18));
  if (starts_with(path, "/content/")) return content(request, path.substr(9));
  if (starts_with(path, "/player/assets/")) return asset(request, path.substr(15));
  if (starts_with(path, "/player/") && path.ends_with("/status")) {
    return course_progress(request, path.substr(8, path.size() - 8 - 7));
  }
  if (starts_with(path, "/player/")) return player_page(request, path.substr(8));
  return runtime(request, path.substr(9));
}

bool PlayerHandler::token_ok(const HttpRequest& request, std::string_view registration) const {
  return verify_launch_token(token_key_, registration, query_param(request.query, "token"),
                             now_s());
}

HttpResponse PlayerHandler::packages(const HttpRequest& request, std::string_view rest) {
  if (auto who = require_admin(auth_, request); !who) return lrs::error_response(who.error());
  if (!rest.empty()) rest.remove_prefix(1);  // '/'
  std::string id(rest);
  if (id.empty() && request.method == "POST") {
    if (request.body.empty()) {
      return lrs::error_response({ErrorCode::kInvalid, "the body must be a SCORM zip"});
    }
    std::string problems;
    auto outcome = import_package(store_, options_.data_dir, request.body, &problems);
    if (!outcome) return import_error(outcome.error(), problems);
    HttpResponse r = json_response(outcome->created ? 201 : 200, package_json(outcome->record));
    r.set_header("Location", "/api/packages/" + outcome->record.id);
    return r;
  }
  if (id.empty() && request.method == "GET") {
    auto all = store_.list_packages();
    if (!all) return lrs::error_response(all.error());
    json list = json::array();
    for (const auto& p : *all) list.push_back(json::parse(package_json(p)));
    return json_response(200, list.dump());
  }
  if (id.empty()) return method_not_allowed(request, "GET, POST");
  if (request.method == "GET") {
    auto found = store_.find_package(id);
    if (!found) return lrs::error_response(found.error());
    if (!*found) return lrs::error_response({ErrorCode::kNotFound, "no package " + id});
    return json_response(200, package_json(**found));
  }
  if (request.method == "DELETE") {
    if (auto ok = delete_package(store_, id); !ok) return lrs::error_response(ok.error());
    HttpResponse r;
    r.status = 204;
    return r;
  }
  return method_not_allowed(request, "GET, DELETE");
}

HttpResponse PlayerHandler::registrations(const HttpRequest& request, std::string_view rest) {
  if (auto who = require_admin(auth_, request); !who) return lrs::error_response(who.error());
  if (!rest.empty()) rest.remove_prefix(1);
  if (rest.empty() && request.method == "POST") {
    json body = json::parse(request.body, nullptr, false);
    if (body.is_discarded() || !body.is_object()) {
      return lrs::error_response({ErrorCode::kInvalid, "the body must be a JSON object"});
    }
    if (!body.contains("package") || !body["package"].is_string()) {
      return lrs::error_response({ErrorCode::kInvalid, "package: a package id is required"});
    }
    const json& learner = body.value("learner", json());
    bool has_account = learner.is_object() && learner.contains("account") &&
                       learner["account"].is_object() &&
                       learner["account"].value("name", json()).is_string() &&
                       learner["account"].value("homePage", json()).is_string();
    if (!has_account) {
      return lrs::error_response(
          {ErrorCode::kInvalid,
           "learner: an xAPI Agent with account {homePage, name} is required"});
    }
    if (learner.contains("name") && !learner["name"].is_string()) {
      return lrs::error_response({ErrorCode::kInvalid, "learner.name: must be a string"});
    }
    lrs::RegistrationRecord r;
    r.id = lrs::Uuid::random().str();
    r.package_id = body["package"].get<std::string>();
    json agent = {{"objectType", "Agent"}, {"account", learner["account"]}};
    if (learner.contains("name")) agent["name"] = learner["name"];
    r.learner_json = agent.dump();
    r.created_us = now_s() * 1000000;
    if (auto ok = store_.add_registration(r); !ok) return lrs::error_response(ok.error());
    std::string token = make_launch_token(token_key_, r.id, now_s() + options_.token_lifetime_s);
    std::string base = options_.public_url;
    if (base.empty() && request.has_header("host")) {
      base = "http://" + std::string(request.header("host"));
    }
    std::string launch = base + "/player/" + r.id + "?token=" + token;
    return json_response(201, json{{"registration", r.id},
                                   {"package", r.package_id},
                                   {"learner", agent},
                                   {"launch_url", launch}}
                                  .dump());
  }
  if (rest.empty()) return method_not_allowed(request, "POST");
  if (request.method != "GET") return method_not_allowed(request, "GET");
  std::string id(rest);
  auto reg = store_.find_registration(id);
  if (!reg) return lrs::error_response(reg.error());
  if (!*reg) return lrs::error_response({ErrorCode::kNotFound, "no registration " + id});
  auto attempts = store_.list_attempts(id);
  if (!attempts) return lrs::error_response(attempts.error());
  json list = json::array();
  for (const auto& a : *attempts) {
    list.push_back({{"id", a.id},
                    {"sco", a.sco},
                    {"number", a.number},
                    {"state", a.state},
                    {"session", a.session},
                    {"cmi", json::parse(a.cmi_json, nullptr, false)}});
  }
  return json_response(200, json{{"registration", id},
                                 {"package", (*reg)->package_id},
                                 {"learner", json::parse((*reg)->learner_json, nullptr, false)},
                                 {"attempts", list}}
                                .dump());
}

HttpResponse PlayerHandler::content(const HttpRequest& request, std::string_view rest) {
  if (request.method != "GET" && request.method != "HEAD") {
    return method_not_allowed(request, "GET, HEAD");
  }
  auto slash = rest.find('/');
  std::string id(rest.substr(0, slash));
  std::string_view file = slash == std::string_view::npos ? "" : rest.substr(slash + 1);
  auto package = store_.find_package(id);
  if (!package) return lrs::error_response(package.error());
  if (!*package) return lrs::error_response({ErrorCode::kNotFound, "no package " + id});
  auto path = scorm::resolve_content_path((*package)->directory, file);
  if (!path) return lrs::error_response({ErrorCode::kNotFound, path.error().message});
  // Package ids are content addresses: the files under one id never change.
  return serve_file(request, *path, "private, max-age=3600");
}

HttpResponse PlayerHandler::asset(const HttpRequest& request, std::string_view file) {
  if (request.method != "GET" && request.method != "HEAD") {
    return method_not_allowed(request, "GET, HEAD");
  }
  // Only the bundles the page uses; nothing else of node_modules is reachable.
  if (file != "scorm-again.min.js" && file != "scorm-again.js") {
    return lrs::error_response({ErrorCode::kNotFound, "no asset " + std::string(file)});
  }
  return serve_file(request, options_.web_dir / "node_modules/scorm-again/dist" / file,
                    "public, max-age=3600");
}

HttpResponse PlayerHandler::player_page(const HttpRequest& request, std::string_view registration) {
  if (request.method != "GET") return method_not_allowed(request, "GET");
  std::string reg_id(registration);
  if (!token_ok(request, reg_id)) {
    return lrs::error_response(
        {ErrorCode::kForbidden,
         "the launch token is missing, expired or not for this registration"});
  }
  auto reg = store_.find_registration(reg_id);
  if (!reg) return lrs::error_response(reg.error());
  if (!*reg) return lrs::error_response({ErrorCode::kNotFound, "no registration " + reg_id});
  auto package = store_.find_package((*reg)->package_id);
  if (!package) return lrs::error_response(package.error());
  if (!*package) return lrs::error_response({ErrorCode::kNotFound, "the package is gone"});
  json summary = json::parse((*package)->summary_json, nullptr, false);
  if (!summary.is_object() || summary.value("scos", json::array()).empty()) {
    return lrs::error_response({ErrorCode::kInvalid, "the package has nothing to launch"});
  }
  auto learner = learner_sequencing(store_, reg_id, summary);
  if (!learner) return lrs::error_response(learner.error());
  const json scos = learner_scos(*learner, summary);
  // Without ?sco= the course starts where its flow starts (skipping what the rules skip).
  std::string wanted = query_param(request.query, "sco");
  if (wanted.empty()) {
    const scorm::NavigationDecision start = scorm::start(learner->context());
    if (!start.allowed()) {
      return lrs::error_response(
          {ErrorCode::kForbidden, "the course has nothing to start with: " + start.refusal});
    }
    wanted = start.target;
  } else {
    const scorm::NavigationDecision decision = navigate(*learner, wanted);
    if (!decision.allowed()) {
      bool known = false;
      for (const auto& s : scos) known = known || s["identifier"] == wanted;
      if (!known && learner->left_out.contains(wanted)) {
        return lrs::error_response(
            {ErrorCode::kForbidden, wanted + " is not part of this learner's course: the course "
                                             "selects a subset of its activities (selectCount)"});
      }
      if (!known) {
        return lrs::error_response({ErrorCode::kNotFound, "no SCO " + wanted + " in this course"});
      }
      return lrs::error_response({ErrorCode::kForbidden, decision.refusal});
    }
  }
  std::size_t index = 0;
  while (index < scos.size() && scos[index]["identifier"] != wanted) ++index;
  if (index == scos.size()) {
    return lrs::error_response({ErrorCode::kNotFound, "no SCO " + wanted + " in this course"});
  }
  const json& sco = scos[index];
  json learner_agent = json::parse((*reg)->learner_json, nullptr, false);
  std::string cmi = summary.value("cmi", "1.2");
  json mode = {{"choice", true}, {"flow", true}, {"forward_only", false}};
  if (cmi == "2004") mode = summary["organization"].value("control_mode", mode);
  ScoLaunch launch;
  launch.registration = reg_id;
  launch.sco = sco["identifier"].get<std::string>();
  launch.cmi_version = cmi;
  launch.edition = summary.value("edition", 4);
  launch.learner_id = learner_agent["account"].value("name", "");
  launch.learner_name = learner_agent.value("name", launch.learner_id);
  for (const scorm::ObjectivePreload& o : shared_objectives_of(*learner, launch.sco)) {
    ScoLaunch::SharedObjective shared;
    shared.id = o.id;
    const auto decimal = [](const std::optional<double>& v) {
      return v ? json(*v).dump() : std::string();
    };
    if (o.status.satisfied) shared.success_status = *o.status.satisfied ? "passed" : "failed";
    shared.scaled = decimal(o.status.measure);
    if (o.status.completed) {
      shared.completion_status = *o.status.completed ? "completed" : "incomplete";
    }
    shared.progress_measure = decimal(o.status.progress);
    shared.raw = decimal(o.status.raw);
    shared.min = decimal(o.status.min);
    shared.max = decimal(o.status.max);
    launch.shared_objectives.push_back(std::move(shared));
  }
  if (std::string data = sco.value("data_from_lms", ""); !data.empty()) {
    launch.lms_values.emplace_back("cmi.launch_data", data);
  }
  launch_values(cmi, sco, launch.lms_values);
  auto session = launch_sco(store_, launch, attempts_.get());
  if (!session) return lrs::error_response(session.error());
  auto progress = course_progress_json(store_, reg_id, summary);
  if (!progress) return lrs::error_response(progress.error());
  // Seen from the SCO just launched (its new attempt counts).
  auto launched = learner_sequencing(store_, reg_id, summary);
  if (!launched) return lrs::error_response(launched.error());
  const json navigation = navigation_json(*launched, launch.sco);

  std::string token = query_param(request.query, "token");
  std::string base = "/player/" + reg_id + "?token=" + url_encode(token) + "&sco=";
  json toc = json::array();
  for (const auto& s : scos) {
    const std::string id = s["identifier"].get<std::string>();
    toc.push_back({{"identifier", id},
                   {"title", s["title"]},
                   {"status", (*progress)["scos"].value(id, "not attempted")},
                   {"url", base + url_encode(id)}});
  }
  const auto& a = session->attempt;
  json config = {
      {"cmi", cmi},
      {"title", (*package)->title},
      {"attempt", a.id},
      {"session", a.session},
      {"resumed", session->resumed},
      {"commitUrl", "/runtime/" + std::to_string(a.id) + "/commit?token=" + url_encode(token) +
                        "&session=" + std::to_string(a.session)},
      {"content", "/content/" + (*package)->id + "/" + sco["launch"].get<std::string>()},
      {"preload", json::parse(session->preload_json)},
      {"scos", toc},
      {"course", (*progress)["course"]},
      {"statusUrl", "/player/" + reg_id + "/status?token=" + url_encode(token)},
      {"current", index},
      {"controlMode", mode},
      {"navigation", navigation},
  };
  HttpResponse r;
  r.body = render_player_page((*package)->title, config.dump());
  r.set_header("Content-Type", "text/html; charset=utf-8");
  r.set_header("Cache-Control", "no-store");
  return r;
}

HttpResponse PlayerHandler::course_progress(const HttpRequest& request,
                                            std::string_view registration) {
  if (request.method != "GET") return method_not_allowed(request, "GET");
  std::string reg_id(registration);
  if (!token_ok(request, reg_id)) {
    return lrs::error_response(
        {ErrorCode::kForbidden,
         "the launch token is missing, expired or not for this registration"});
  }
  auto reg = store_.find_registration(reg_id);
  if (!reg) return lrs::error_response(reg.error());
  if (!*reg) return lrs::error_response({ErrorCode::kNotFound, "no registration " + reg_id});
  auto package = store_.find_package((*reg)->package_id);
  if (!package) return lrs::error_response(package.error());
  if (!*package) return lrs::error_response({ErrorCode::kNotFound, "the package is gone"});
  const json summary = json::parse((*package)->summary_json, nullptr, false);
  auto progress = course_progress_json(store_, reg_id, summary);
  if (!progress) return lrs::error_response(progress.error());
  auto learner = learner_sequencing(store_, reg_id, summary);
  if (!learner) return lrs::error_response(learner.error());
  (*progress)["navigation"] = navigation_json(*learner, learner->current);
  return json_response(200, progress->dump());
}

HttpResponse PlayerHandler::runtime(const HttpRequest& request, std::string_view rest) {
  auto slash = rest.find('/');
  std::string_view id_text = rest.substr(0, slash);
  std::string_view action = slash == std::string_view::npos ? "" : rest.substr(slash + 1);
  std::int64_t id = 0;
  try {
    std::size_t used = 0;
    id = std::stoll(std::string(id_text), &used);
    if (used != id_text.size()) throw std::invalid_argument("id");
  } catch (const std::exception&) {
    return lrs::error_response({ErrorCode::kNotFound, "no attempt " + std::string(id_text)});
  }
  // A commit usually applies the model the AttemptCache keeps and reads the stored CMI
  // only when it is not kept (commit_attempt).
  auto attempt = action == "commit" ? store_.find_attempt_state(id) : store_.find_attempt(id);
  if (!attempt) return lrs::error_response(attempt.error());
  // Same answer for "no such attempt" and "not yours": attempt ids are guessable.
  if (!*attempt || !token_ok(request, (*attempt)->registration)) {
    return lrs::error_response(
        {ErrorCode::kForbidden, "the launch token does not open attempt " + std::string(id_text)});
  }
  if (action == "state") {
    if (request.method != "GET") return method_not_allowed(request, "GET");
    auto values = preload_values(**attempt);
    if (!values) return lrs::error_response(values.error());
    return json_response(200, json{{"attempt", id},
                                   {"session", (*attempt)->session},
                                   {"state", (*attempt)->state},
                                   {"values", json::parse(*values)}}
                                  .dump());
  }
  if (action == "commit") {
    if (request.method != "POST") return method_not_allowed(request, "POST");
    std::int64_t session = -1;
    try {
      session = std::stoll(query_param(request.query, "session"));
    } catch (const std::exception&) {
      return lrs::error_response({ErrorCode::kInvalid, "session: a session number is required"});
    }
    bool terminate = query_param(request.query, "terminate") == "true";
    // The body may arrive as text/plain (navigator.sendBeacon): it is parsed as JSON
    // whatever its Content-Type says.
    CommitReply reply =
        commit_attempt(store_, **attempt, session, request.body, terminate, attempts_.get());
    return json_response(reply.status, reply.body);
  }
  return lrs::error_response({ErrorCode::kNotFound, "nothing at " + request.path});
}

}  // namespace player

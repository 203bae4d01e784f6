#include "player/relay_handler.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>

#include <nlohmann/json.hpp>
#include <openssl/crypto.h>

#include "handler_util.h"
#include "lrs/document_service.h"
#include "lrs/statement_record.h"
#include "lrs/timestamp.h"
#include "lrs/url.h"
#include "lrs/uuid.h"
#include "player/launch_token.h"
#include "player/wrap.h"
#include "runtime.h"
#include "scorm/cmi_commit.h"
#include "scorm/cmi_json.h"

namespace player {
namespace {

using lrs::ErrorCode;
using lrs::HttpRequest;
using lrs::HttpResponse;
using nlohmann::json;

// Registrations of relayed learners are UUIDv5 in this namespace over
// "<package>|<LMS URL>|<LMS learner id>".
constexpr std::string_view kRegistrationNamespace = "b8a3f0d2-5c61-5e47-9d2a-71e4c0f9a315";

// Launch values the shim may relay from the LMS (what the SCO reads there).
const std::set<std::string, std::less<>>& relayed_lms_elements() {
  static const std::set<std::string, std::less<>> elements = {
      "cmi.launch_data",
      "cmi.student_data.mastery_score",
      "cmi.student_data.max_time_allowed",
      "cmi.student_data.time_limit_action",
      "cmi.completion_threshold",
      "cmi.scaled_passing_score",
      "cmi.max_time_allowed",
      "cmi.time_limit_action",
  };
  return elements;
}

std::map<std::string, std::string> query_of(const HttpRequest& request) {
  std::map<std::string, std::string> out;
  if (auto pairs = lrs::parse_query_string(request.query)) {
    for (auto& [name, value] : *pairs) out.emplace(std::move(name), std::move(value));
  }
  return out;
}

std::string param(const std::map<std::string, std::string>& query, const std::string& name) {
  auto it = query.find(name);
  return it == query.end() ? "" : it->second;
}

bool same_text(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

// Which attempt the LMS's cmi.entry asks for (SCORM RTE cmi.entry): ab-initio starts one,
// resume continues the suspended one (or, when the bridge missed that suspend, the current
// one), and "" continues the current one.
scorm::AttemptPolicy policy_for_entry(const std::string& entry,
                                      const std::optional<lrs::AttemptRecord>& latest) {
  if (entry == "ab-initio") return scorm::AttemptPolicy::kNew;
  if (entry == "resume" && latest && latest->state == "suspended") {
    return scorm::AttemptPolicy::kAuto;
  }
  return scorm::AttemptPolicy::kContinue;
}

struct Skipped {
  std::string element;
  std::string value;
  int error = 0;
  std::string message;
};

// The commit's pairs without those `model` refuses, one at a time in replay order: the
// LMS accepted them, so the rest of the commit must not be lost with them.
scorm::CmiPairs without_refused(const scorm::CmiModel& model, scorm::CmiPairs pairs,
                                std::vector<Skipped>& skipped) {
  for (std::size_t round = 0; round <= pairs.size(); ++round) {
    scorm::CmiModel trial = model;
    scorm::CommitResult result = scorm::apply_commit(trial, pairs);
    if (result.ok() || result.element.empty()) break;
    auto it = std::find_if(pairs.begin(), pairs.end(),
                           [&](const auto& pair) { return pair.first == result.element; });
    if (it == pairs.end()) break;
    skipped.push_back({it->first, it->second, result.error, result.diagnostic});
    pairs.erase(it);
  }
  return pairs;
}

// Appends `records` to the skipped-values state document of the attempt's SCO activity
// (the player's SCO IRI), learner and registration.
lrs::Result<void> keep_skipped(lrs::DocumentStore& documents, const std::string& package,
                               const lrs::AttemptRecord& attempt, const json& learner,
                               const json& records) {
  auto agent = lrs::agent_key(json{{"objectType", "Agent"}, {"account", learner["account"]}});
  if (!agent) return lrs::fail(ErrorCode::kInternal, "the learner has no agent key");
  lrs::DocumentScope scope{lrs::DocumentKind::kState,
                           "urn:lrsbridge:course:" + package + "/sco/" + attempt.sco, *agent,
                           lrs::Uuid::parse(attempt.registration)};
  return documents.update(scope, kSkippedStateId,
                          [&](const std::optional<lrs::Document>& current)
                              -> lrs::Result<std::optional<lrs::Document>> {
                            json content =
                                current ? json::parse(current->content, nullptr, false) : json();
                            if (!content.is_object() || !content.contains("skipped") ||
                                !content["skipped"].is_array()) {
                              content = {{"skipped", json::array()}};
                            }
                            for (const json& r : records) content["skipped"].push_back(r);
                            lrs::Document d;
                            d.id = kSkippedStateId;
                            d.content = content.dump();
                            d.content_type = "application/json";
                            d.etag = lrs::document_etag(d.content);
                            return d;
                          });
}

}  // namespace

RelayHandler::RelayHandler(lrs::PlayerStore& store, lrs::Authenticator& auth, RelayOptions options,
                           lrs::DocumentStore* documents)
    : store_(store),
      auth_(auth),
      options_(std::move(options)),
      documents_(documents),
      attempts_(std::make_unique<AttemptCache>()) {
  auto key = server_key(store_);
  if (!key) throw std::runtime_error("relay key: " + key.error().message);
  key_ = *key;
}

RelayHandler::~RelayHandler() = default;

bool RelayHandler::handles(std::string_view path) const {
  return path.starts_with("/relay/") ||
         (path.starts_with("/api/packages/") && path.ends_with("/wrap"));
}

HttpResponse RelayHandler::handle(const HttpRequest& request) {
  std::string_view path = request.path;
  if (path.starts_with("/api/packages/")) {
    path.remove_prefix(14);
    return wrap(request, std::string(path.substr(0, path.size() - 5)));
  }
  path.remove_prefix(7);  // "/relay/"
  const auto query = query_of(request);
  const std::string lms = param(query, "lms");
  const std::string origin(request.header("origin"));
  const std::string allowed = url_origin(lms);
  // CORS: the LMS serves the course from its own origin; only that origin may read the
  // answers (a beacon's answer is never read, but a fetch's is).
  auto with_cors = [&](HttpResponse r) {
    if (!origin.empty() && origin == allowed) {
      r.set_header("Access-Control-Allow-Origin", origin);
      r.set_header("Vary", "Origin");
    }
    return r;
  };
  if (request.method == "OPTIONS") {
    HttpResponse r;
    r.status = 204;
    r.set_header("Access-Control-Allow-Methods", "POST, OPTIONS");
    r.set_header("Access-Control-Allow-Headers", "Content-Type");
    r.set_header("Access-Control-Max-Age", "600");
    return with_cors(std::move(r));
  }
  auto slash = path.find('/');
  const std::string package(path.substr(0, slash));
  std::string_view rest = slash == std::string_view::npos ? "" : path.substr(slash + 1);
  if (lms.empty() || allowed.empty()) {
    return with_cors(lrs::error_response(
        {ErrorCode::kInvalid, "lms: the LMS URL the package was wrapped for is required"}));
  }
  if (!origin.empty() && origin != allowed) {
    return lrs::error_response(
        {ErrorCode::kForbidden,
         "origin " + origin + " may not use this relay: the package was wrapped for " + allowed});
  }
  if (!same_text(param(query, "key"), relay_key(key_, package, lms))) {
    return with_cors(
        lrs::error_response({ErrorCode::kForbidden, "the relay key is not valid for package " +
                                                        package + " and LMS " + lms}));
  }
  if (request.method != "POST") {
    HttpResponse r = lrs::error_response(
        {ErrorCode::kInvalid, "method " + request.method + " not allowed here"});
    r.status = 405;
    r.set_header("Allow", "POST, OPTIONS");
    return with_cors(std::move(r));
  }
  if (rest == "sessions") return with_cors(open_session(request, package, lms));
  if (rest.starts_with("attempts/") && rest.ends_with("/commit")) {
    return with_cors(commit(request, package, rest.substr(9, rest.size() - 9 - 7), lms));
  }
  return with_cors(lrs::error_response({ErrorCode::kNotFound, "nothing at " + request.path}));
}

HttpResponse RelayHandler::wrap(const HttpRequest& request, const std::string& package) {
  auto who = auth_.authenticate(request.header("authorization"));
  if (!who) return lrs::error_response(who.error());
  if ((who->scopes & lrs::kScopeAll) == 0) {
    return lrs::error_response(
        {ErrorCode::kForbidden, "the admin API needs a credential with scope all"});
  }
  if (request.method != "POST") {
    HttpResponse r = lrs::error_response(
        {ErrorCode::kInvalid, "method " + request.method + " not allowed here"});
    r.status = 405;
    r.set_header("Allow", "POST");
    return r;
  }
  const auto query = query_of(request);
  WrapOptions options;
  options.lms_url = param(query, "lms_url");
  if (options.lms_url.empty()) {
    return lrs::error_response(
        {ErrorCode::kInvalid, "lms_url: the LMS base URL (the learners' homePage) is required"});
  }
  options.bridge_url = param(query, "bridge_url");
  if (options.bridge_url.empty()) options.bridge_url = options_.public_url;
  if (options.bridge_url.empty() && request.has_header("host")) {
    options.bridge_url = "http://" + std::string(request.header("host"));
  }
  auto wrapped = wrap_stored_package(store_, package, options);
  if (!wrapped) return lrs::error_response(wrapped.error());
  HttpResponse r;
  r.body = std::move(wrapped->zip);
  r.set_header("Content-Type", "application/zip");
  r.set_header("Content-Disposition", "attachment; filename=\"" + package + "-wrapped.zip\"");
  r.set_header("Cache-Control", "no-store");
  return r;
}

HttpResponse RelayHandler::open_session(const HttpRequest& request, const std::string& package,
                                        const std::string& lms) {
  json body = json::parse(request.body, nullptr, false);
  if (!body.is_object()) {
    return lrs::error_response({ErrorCode::kInvalid, "the body must be a JSON object"});
  }
  auto text = [&](const char* name) {
    auto it = body.find(name);
    return it != body.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  auto found = store_.find_package(package);
  if (!found) return lrs::error_response(found.error());
  if (!*found) return lrs::error_response({ErrorCode::kNotFound, "no package " + package});
  json summary = json::parse((*found)->summary_json, nullptr, false);
  const std::string sco = text("sco");
  bool known = false;
  if (summary.is_object() && summary.contains("scos") && summary["scos"].is_array()) {
    for (const json& s : summary["scos"]) {
      if (s.is_object() && s.value("identifier", "") == sco) known = true;
    }
  }
  if (!known) {
    return lrs::error_response(
        {ErrorCode::kInvalid, "sco: \"" + sco + "\" is not a SCO of package " + package});
  }
  const std::string learner_id = text("learner_id");
  if (learner_id.empty()) {
    return lrs::error_response(
        {ErrorCode::kInvalid,
         "learner_id: the LMS gave no learner id (cmi.core.student_id / cmi.learner_id)"});
  }
  const std::string learner_name = text("learner_name");

  lrs::RegistrationRecord reg;
  reg.id = lrs::Uuid::v5(*lrs::Uuid::parse(kRegistrationNamespace),
                         package + "|" + lms + "|" + learner_id)
               .str();
  auto existing = store_.find_registration(reg.id);
  if (!existing) return lrs::error_response(existing.error());
  if (!*existing) {
    json agent = {{"objectType", "Agent"}, {"account", {{"homePage", lms}, {"name", learner_id}}}};
    if (!learner_name.empty()) agent["name"] = learner_name;
    reg.package_id = package;
    reg.learner_json = agent.dump();
    reg.created_us = now_s() * 1000000;
    auto added = store_.add_registration(reg);
    // A concurrent first session of the same learner made it: the same one.
    if (!added && added.error().code != ErrorCode::kConflict) {
      return lrs::error_response(added.error());
    }
  }

  auto latest = store_.latest_attempt(reg.id, sco);
  if (!latest) return lrs::error_response(latest.error());
  ScoLaunch launch;
  launch.registration = reg.id;
  launch.sco = sco;
  launch.cmi_version = summary.value("cmi", "1.2");
  launch.edition = summary.value("edition", 4);
  launch.learner_id = learner_id;
  launch.learner_name = learner_name.empty() ? learner_id : learner_name;
  launch.policy = policy_for_entry(text("entry"), *latest);
  const std::string mode = text("mode");
  launch.mode = mode == "browse" || mode == "review" ? mode : "normal";
  launch.credit = text("credit") != "no-credit";
  if (body.contains("values") && body["values"].is_object()) {
    for (const auto& [element, value] : body["values"].items()) {
      if (value.is_string() && !value.get<std::string>().empty() &&
          relayed_lms_elements().contains(element)) {
        launch.lms_values.emplace_back(element, value.get<std::string>());
      }
    }
  }
  auto session = launch_sco(store_, launch, attempts_.get());
  if (!session && session.error().code == ErrorCode::kInvalid && !launch.lms_values.empty()) {
    // A launch value this model refuses (the LMS's own idea of it): the session still
    // opens, without the LMS's launch values.
    std::fprintf(stderr, "relay: package %s SCO %s: LMS launch values ignored: %s\n",
                 package.c_str(), sco.c_str(), session.error().message.c_str());
    launch.lms_values.clear();
    session = launch_sco(store_, launch, attempts_.get());
  }
  if (!session) return lrs::error_response(session.error());
  const auto& a = session->attempt;
  return json_response(
      201, json{{"registration", reg.id},
                {"attempt", a.id},
                {"number", a.number},
                {"session", a.session},
                {"resumed", session->resumed},
                {"token", make_launch_token(key_, reg.id, now_s() + options_.token_lifetime_s)}}
               .dump());
}

HttpResponse RelayHandler::commit(const HttpRequest& request, const std::string& package,
                                  std::string_view attempt_text, const std::string& lms) {
  const auto query = query_of(request);
  std::int64_t id = 0;
  std::int64_t session = 0;
  try {
    std::size_t used = 0;
    id = std::stoll(std::string(attempt_text), &used);
    if (used != attempt_text.size()) throw std::invalid_argument("attempt");
  } catch (const std::exception&) {
    return lrs::error_response({ErrorCode::kNotFound, "no attempt " + std::string(attempt_text)});
  }
  try {
    session = std::stoll(param(query, "session"));
  } catch (const std::exception&) {
    return lrs::error_response({ErrorCode::kInvalid, "session: a session number is required"});
  }
  auto attempt = store_.find_attempt(id);
  if (!attempt) return lrs::error_response(attempt.error());
  // Same answer for "no such attempt" and "not yours": attempt ids are guessable.
  const lrs::Error not_yours{ErrorCode::kForbidden,
                             "the relay token does not open attempt " + std::string(attempt_text)};
  if (!*attempt ||
      !verify_launch_token(key_, (*attempt)->registration, param(query, "token"), now_s())) {
    return lrs::error_response(not_yours);
  }
  auto reg = store_.find_registration((*attempt)->registration);
  if (!reg) return lrs::error_response(reg.error());
  if (!*reg || (*reg)->package_id != package) return lrs::error_response(not_yours);
  json learner = json::parse((*reg)->learner_json, nullptr, false);
  if (!learner.is_object() ||
      learner.value("account", json::object()).value("homePage", "") != lms) {
    return lrs::error_response(not_yours);
  }

  // The body may arrive as text/plain (fetch without preflight, sendBeacon).
  const bool terminate = param(query, "terminate") == "true";
  std::vector<Skipped> skipped;
  CommitReply reply;
  lrs::AttemptRecord current = **attempt;
  // Two rounds: another commit of the attempt landing between the filtering here and the
  // runtime's apply can make a kept value refusable; the second round filters against the
  // state that commit left (the runtime applies all or nothing, so a refusal changed nothing).
  for (int round = 0; round < 2; ++round) {
    skipped.clear();
    std::string body = request.body;
    auto pairs = scorm::parse_commit_json(request.body);
    auto model = scorm::from_json(current.cmi_json);
    if (pairs && model) {
      scorm::CmiPairs kept = without_refused(*model, std::move(*pairs), skipped);
      if (!skipped.empty()) {
        json filtered = json::object();
        for (const auto& [element, value] : kept) filtered[element] = value;
        json original = json::parse(request.body, nullptr, false);
        if (original.is_object() && original.contains("commitSequence")) {
          filtered["commitSequence"] = original["commitSequence"];
        }
        body = filtered.dump();
      }
    }
    reply = commit_attempt(store_, current, session, body, terminate, attempts_.get());
    json answer = json::parse(reply.body, nullptr, false);
    const bool refused = reply.status == 200 && answer.is_object() && answer.contains("result") &&
                         answer["result"] == false;
    if (!refused) break;
    auto again = store_.find_attempt(id);
    if (!again || !*again || (*again)->revision == current.revision) break;
    current = **again;
  }
  if (skipped.empty()) return json_response(reply.status, reply.body);
  json answer = json::parse(reply.body, nullptr, false);
  json list = json::array();
  json original = json::parse(request.body, nullptr, false);
  const json sequence = original.is_object() ? original.value("commitSequence", json()) : json();
  const std::string timestamp =
      lrs::format_timestamp_us(std::chrono::duration_cast<std::chrono::microseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
  for (const Skipped& s : skipped) {
    std::fprintf(stderr, "relay: attempt %lld: skipped %s=\"%s\" (SCORM error %d: %s)\n",
                 static_cast<long long>(id), s.element.c_str(), s.value.c_str(), s.error,
                 s.message.c_str());
    list.push_back({{"element", s.element},
                    {"value", s.value},
                    {"errorCode", s.error},
                    {"errorMessage", s.message}});
  }
  if (documents_ != nullptr) {
    json records = json::array();
    for (json entry : list) {
      entry["attempt"] = id;
      entry["session"] = session;
      entry["commitSequence"] = sequence;
      entry["timestamp"] = timestamp;
      records.push_back(std::move(entry));
    }
    auto kept = keep_skipped(*documents_, package, current, learner, records);
    if (!kept) {
      std::fprintf(stderr, "relay: attempt %lld: the skipped values could not be kept: %s\n",
                   static_cast<long long>(id), kept.error().message.c_str());
    }
  }
  if (answer.is_object()) answer["skipped"] = list;
  return json_response(reply.status, answer.is_object() ? answer.dump() : reply.body);
}

}  // namespace player

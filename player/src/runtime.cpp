#include "runtime.h"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "adapter/translator.h"
#include "course_status.h"
#include "lrs/auth.h"
#include "lrs/document_service.h"
#include "lrs/statement_record.h"
#include "lrs/statement_service.h"
#include "lrs/uuid.h"
#include "lrs/version.h"
#include "scorm/cmi_commit.h"
#include "scorm/cmi_json.h"
#include "scorm/cmi_model.h"
#include "scorm/cmi_session.h"

namespace player {
namespace {

using nlohmann::json;

constexpr int kRetries = 8;  // compare-and-set rounds against concurrent commits

std::int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string flatten(const scorm::CmiModel& model) {
  json out = json::object();
  for (const auto& [element, value] : model.values()) {
    // Write-only per session: the SCO sets them again; total_time is computed here.
    if (element == "cmi.core.exit" || element == "cmi.exit" || element == "cmi.core.session_time" ||
        element == "cmi.session_time") {
      continue;
    }
    out[element] = value;
  }
  return out.dump();
}

// The attempt activity's uuid is a UUIDv5 in this namespace over
// "<registration>|<sco>|<attempt number>", so every session of an attempt (suspend, resume)
// reports the same attempt IRI and a new attempt gets a new one.
constexpr std::string_view kAttemptNamespace = "6f3d2a9e-4b1c-5e8f-a7d0-3c2b1e9f8a64";
constexpr std::int64_t kSessionStride = std::int64_t{1} << 32;

// The authority of every statement the bridge writes.
const lrs::Principal& bridge_principal() {
  static const lrs::Principal principal{
      "scorm-bridge", lrs::kScopeAll,
      R"({"objectType":"Agent","account":{"homePage":"urn:lrsbridge","name":"scorm-bridge"}})"};
  return principal;
}

// The course activity of a package: a URN, stable whatever host name the server is
// reached by; the SCO activity hangs below it ("<course>/sco/<item identifier>").
std::string course_iri(const std::string& package_id) {
  return "urn:lrsbridge:course:" + package_id;
}

// Who and where, from the attempt's registration and package (read once per commit).
// `course_tree` receives the package's rollup tree (course_status.h).
lrs::Result<adapter::TranslationContext> translation_context(lrs::PlayerStore& store,
                                                             const lrs::AttemptRecord& attempt,
                                                             scorm::ScormVersion version,
                                                             scorm::RollupActivity& course_tree) {
  auto reg = store.find_registration(attempt.registration);
  if (!reg) return tl::unexpected(reg.error());
  if (!*reg) return lrs::fail(lrs::ErrorCode::kNotFound, "no registration " + attempt.registration);
  auto package = store.find_package((*reg)->package_id);
  if (!package) return tl::unexpected(package.error());
  if (!*package) return lrs::fail(lrs::ErrorCode::kNotFound, "the package is gone");
  adapter::TranslationContext ctx;
  json learner = json::parse((*reg)->learner_json, nullptr, false);
  if (learner.is_object() && learner.contains("account") && learner["account"].is_object()) {
    ctx.learner_home_page = learner["account"].value("homePage", "urn:lrsbridge");
    ctx.learner_account = learner["account"].value("name", "");
  }
  if (ctx.learner_account.empty()) {
    return lrs::fail(lrs::ErrorCode::kInternal, "registration " + attempt.registration +
                                                    ": the learner is not an account agent");
  }
  if (learner.is_object()) ctx.learner_name = learner.value("name", "");
  ctx.course_iri = course_iri((*package)->id);
  ctx.course_title = (*package)->title;
  ctx.sco_identifier = attempt.sco;
  ctx.sco_iri = ctx.course_iri + "/sco/" + attempt.sco;
  ctx.sco_title = attempt.sco;
  json summary = json::parse((*package)->summary_json, nullptr, false);
  course_tree = rollup_tree_from_summary(summary);
  if (summary.is_object() && summary.contains("scos") && summary["scos"].is_array()) {
    for (const json& sco : summary["scos"]) {
      if (sco.is_object() && sco.value("identifier", "") == attempt.sco) {
        ctx.sco_title = sco.value("title", attempt.sco);
      }
    }
  }
  const lrs::Uuid attempt_uuid =
      lrs::Uuid::v5(*lrs::Uuid::parse(kAttemptNamespace), attempt.registration + "|" + attempt.sco +
                                                              "|" + std::to_string(attempt.number));
  ctx.attempt_iri = adapter::make_attempt_iri(ctx.sco_iri, attempt_uuid);
  ctx.registration = attempt.registration;
  ctx.version = version;
  ctx.platform = "lrsbridge";
  return ctx;
}

struct CommitContext {
  const adapter::TranslationContext& translation;
  const lrs::AttemptRecord& attempt;  // as stored before this commit
  std::int64_t sequence;              // the commit's commitSequence, -1 when absent
  bool terminate;
  std::int64_t timestamp_us;
};

// The translator's sequence of a commit: distinct per session and commit of the attempt
// (the runtime numbers each page's commits from 1), so ids never collide across sessions
// and a replay of the same commit yields the same ids. Commits without commitSequence are
// keyed by the attempt's revision instead (negative, a separate range).
std::int64_t translation_sequence(const CommitContext& c, std::int64_t sequence) {
  if (sequence >= 0 && sequence < kSessionStride) {
    return c.attempt.session * kSessionStride + sequence;
  }
  return -(c.attempt.revision + 1);
}

// THE TRANSLATOR SEAM. Every accepted commit passes here with the attempt's CMI state
// before and after it (and whether it ended the session); the statements are stored in
// the same transaction as the new CMI state (PlayerStore::update_attempt).
//
// Initialize: the page load (launch_sco) is not the SCO's Initialize: a page may be
// reloaded or never run its SCO. The server first hears of an initialized runtime at
// its first commit, so the session's initialized / resumed statement is produced then,
// ahead of that commit's statements, from the state the session started with (what
// launch_sco stored). A session is at its first commit while attempt.commit_sequence is
// still 0 (launch_sco resets it). Commits without commitSequence cannot be told apart,
// so they produce no Initialize statement (the player page always sends one).
std::vector<json> statements_for_commit(const CommitContext& c, const scorm::CmiModel& before,
                                        const scorm::CmiModel& after) {
  std::vector<json> out;
  if (c.sequence > 0 && c.attempt.commit_sequence == 0) {
    out = adapter::translate(c.translation, before, before, adapter::RuntimeEvent::kInitialize,
                             translation_sequence(c, 0), c.timestamp_us);
  }
  auto changes = adapter::translate(
      c.translation, before, after,
      c.terminate ? adapter::RuntimeEvent::kTerminate : adapter::RuntimeEvent::kCommit,
      translation_sequence(c, c.sequence), c.timestamp_us);
  for (json& s : changes) out.push_back(std::move(s));
  return out;
}

adapter::CourseStatus course_status(const scorm::ActivityStatus& s) {
  return {s.completed, s.satisfied, s.measure};
}

// The course-level statements of a commit: the SCO's tracking status before and after it,
// rolled up with the latest attempts of the other SCOs. A commit that leaves the SCO's
// status as it was cannot change the course's, and costs no extra read.
lrs::Result<std::vector<json>> course_statements_for_commit(lrs::PlayerStore& store,
                                                            const scorm::RollupActivity& tree,
                                                            const CommitContext& c,
                                                            const scorm::CmiModel& before,
                                                            const scorm::CmiModel& after) {
  const scorm::ActivityStatus was = sco_status(before);
  const scorm::ActivityStatus now = sco_status(after);
  if (tree.children.empty() || was == now) return std::vector<json>{};
  auto leaves = stored_sco_statuses(store, c.attempt.registration, c.attempt.sco);
  if (!leaves) return tl::unexpected(leaves.error());
  (*leaves)[c.attempt.sco] = was;
  const scorm::ActivityStatus course_before = scorm::roll_up(tree, *leaves).at(tree.identifier);
  (*leaves)[c.attempt.sco] = now;
  const scorm::ActivityStatus course_after = scorm::roll_up(tree, *leaves).at(tree.identifier);
  return adapter::course_statements(
      c.translation, course_status(course_before), course_status(course_after),
      c.terminate ? adapter::RuntimeEvent::kTerminate : adapter::RuntimeEvent::kCommit,
      translation_sequence(c, c.sequence), c.timestamp_us);
}

// A profile document with JSON `content` (ETag as the DocumentService makes it).
lrs::Document json_document(std::string_view id, const json& content) {
  lrs::Document d;
  d.id = std::string(id);
  d.content = content.dump();
  d.content_type = "application/json";
  d.etag = lrs::document_etag(d.content);
  return d;
}

// The xAPI SCORM profile's documents after a commit (written with the attempt):
// activity-state (the SCO's attempts, per learner and registration), attempt-state (the
// attempt's CMI context) and the SCO's activity-profile. Each is rewritten only when its
// content changes (PlayerStore::DocumentWrite).
lrs::Result<std::vector<lrs::DocumentWrite>> profile_documents(
    const adapter::TranslationContext& ctx, const scorm::CmiModel& model) {
  auto agent = lrs::agent_key(adapter::learner_agent(ctx));
  if (!agent) return lrs::fail(lrs::ErrorCode::kInternal, "the learner agent has no key");
  auto registration = lrs::Uuid::parse(ctx.registration);
  if (!registration) {
    return lrs::fail(lrs::ErrorCode::kInternal,
                     "registration " + ctx.registration + " is not a UUID");
  }
  std::vector<lrs::DocumentWrite> out;
  lrs::DocumentScope sco_state{lrs::DocumentKind::kState, ctx.sco_iri, *agent, registration};
  out.push_back({sco_state, std::string(adapter::kActivityStateId),
                 [attempt_iri = ctx.attempt_iri](const std::optional<lrs::Document>& current)
                     -> lrs::Result<std::optional<lrs::Document>> {
                   json previous = current ? json::parse(current->content, nullptr, false) : json();
                   if (previous.is_discarded()) previous = json();
                   return json_document(adapter::kActivityStateId,
                                        adapter::activity_state(previous, attempt_iri));
                 }});
  lrs::DocumentScope attempt_state{lrs::DocumentKind::kState, ctx.attempt_iri, *agent,
                                   registration};
  out.push_back(
      {attempt_state, std::string(adapter::kAttemptStateId),
       [doc = json_document(adapter::kAttemptStateId, adapter::attempt_state(model))](
           const std::optional<lrs::Document>&) -> lrs::Result<std::optional<lrs::Document>> {
         return doc;
       }});
  lrs::DocumentScope profile{lrs::DocumentKind::kActivityProfile, ctx.sco_iri, "", std::nullopt};
  out.push_back(
      {profile, std::string(adapter::kActivityProfileId),
       [doc = json_document(adapter::kActivityProfileId, adapter::activity_profile(model))](
           const std::optional<lrs::Document>&) -> lrs::Result<std::optional<lrs::Document>> {
         return doc;
       }});
  return out;
}

// RTE 4.2.17 with the SN's objective maps: each shared objective goes into the
// cmi.objectives record with its id (appended when the SCO has none yet) as LMS values.
// Returns the diagnostic of a value the model refuses, "" when all are set.
std::string preload_shared_objectives(scorm::CmiModel& model,
                                      const std::vector<ScoLaunch::SharedObjective>& objectives) {
  for (const auto& o : objectives) {
    std::size_t n = 0;
    const std::size_t count = model.count("cmi.objectives");
    while (n < count && model.stored("cmi.objectives." + std::to_string(n) + ".id") != o.id) ++n;
    const std::string prefix = "cmi.objectives." + std::to_string(n) + ".";
    std::vector<std::pair<std::string, std::string>> values{{prefix + "id", o.id}};
    if (!o.success_status.empty()) values.emplace_back(prefix + "success_status", o.success_status);
    if (!o.scaled.empty()) values.emplace_back(prefix + "score.scaled", o.scaled);
    for (const auto& [element, value] : values) {
      if (model.set_lms_value(element, value) != 0) {
        return "shared objective " + o.id + ": " + model.get_diagnostic();
      }
    }
  }
  return "";
}

CommitReply reply(int status, bool result, int code, const std::string& message) {
  json body = {{"result", result}, {"errorCode", code}};
  if (!message.empty()) body["errorMessage"] = message;
  return {status, body.dump()};
}

}  // namespace

lrs::Result<std::string> preload_values(const lrs::AttemptRecord& attempt) {
  auto model = scorm::from_json(attempt.cmi_json);
  if (!model) return lrs::fail(lrs::ErrorCode::kInternal, "stored CMI: " + model.error());
  return flatten(*model);
}

lrs::Result<LaunchedSession> launch_sco(lrs::PlayerStore& store, const ScoLaunch& launch) {
  scorm::CmiOptions options;
  if (launch.edition >= 2) options.edition = launch.edition < 3 ? 3 : launch.edition;
  scorm::LaunchValues values;
  values.learner_id = launch.learner_id;
  values.learner_name = launch.learner_name;
  values.lms_values = launch.lms_values;
  values.policy = launch.policy;
  values.mode = launch.mode;
  values.credit = launch.credit;
  for (int round = 0; round < kRetries; ++round) {
    auto latest = store.latest_attempt(launch.registration, launch.sco);
    if (!latest) return tl::unexpected(latest.error());
    scorm::CmiModel previous =
        scorm::make_cmi_model(launch.cmi_version == "1.2" ? scorm::ScormVersion::kScorm12
                                                          : scorm::ScormVersion::kScorm2004,
                              options);
    if (*latest) {
      auto stored = scorm::from_json((*latest)->cmi_json);
      if (!stored) {
        return lrs::fail(lrs::ErrorCode::kInternal, "attempt " + std::to_string((*latest)->id) +
                                                        ": stored CMI: " + stored.error());
      }
      previous = std::move(*stored);
    }
    scorm::SessionStart start = scorm::start_session(previous, values);
    if (start.error != 0) {
      return lrs::fail(lrs::ErrorCode::kInvalid, "launch values: " + start.diagnostic);
    }
    if (auto why = preload_shared_objectives(start.model, launch.shared_objectives); !why.empty()) {
      return lrs::fail(lrs::ErrorCode::kInvalid, "launch values: " + why);
    }
    LaunchedSession out;
    out.resumed = start.resumed;
    out.preload_json = flatten(start.model);
    if (!*latest || start.new_attempt) {
      lrs::AttemptRecord a;
      a.registration = launch.registration;
      a.sco = launch.sco;
      a.number = *latest ? (*latest)->number + 1 : 1;
      a.cmi_json = scorm::to_json(start.model);
      a.state = "open";
      a.commit_sequence = 0;
      a.session = 1;
      a.updated_us = now_us();
      auto id = store.insert_attempt(a);
      if (!id) {
        if (id.error().code == lrs::ErrorCode::kConflict) continue;
        return tl::unexpected(id.error());
      }
      a.id = *id;
      out.attempt = a;
      return out;
    }
    lrs::AttemptRecord a = **latest;
    a.cmi_json = scorm::to_json(start.model);
    a.state = "open";
    a.commit_sequence = 0;  // scorm-again numbers the commits of each page from 1
    a.session += 1;
    a.updated_us = now_us();
    auto ok = store.update_attempt(a);
    if (!ok) {
      if (ok.error().code == lrs::ErrorCode::kConflict) continue;
      return tl::unexpected(ok.error());
    }
    a.revision += 1;
    out.attempt = a;
    return out;
  }
  return lrs::fail(lrs::ErrorCode::kUnavailable, "too many concurrent launches; try again");
}

std::optional<scorm::CmiModel> ModelCache::find(std::int64_t attempt, std::int64_t revision) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(attempt);
  if (it == entries_.end() || it->second.first != revision) return std::nullopt;
  return it->second.second;
}

void ModelCache::put(std::int64_t attempt, std::int64_t revision, const scorm::CmiModel& model) {
  std::lock_guard lock(mutex_);
  if (entries_.size() >= capacity_ && !entries_.contains(attempt)) {
    entries_.erase(entries_.begin());  // any one: sessions come and go
  }
  entries_.insert_or_assign(attempt, std::pair{revision, model});
}

CommitReply commit_attempt(lrs::PlayerStore& store, std::int64_t attempt_id, std::int64_t session,
                           std::string_view body, bool terminate, ModelCache* cache) {
  json parsed = json::parse(body, nullptr, false);
  std::int64_t sequence = -1;
  if (parsed.is_object()) {
    if (auto it = parsed.find("commitSequence"); it != parsed.end() && it->is_number_integer()) {
      sequence = it->get<std::int64_t>();
    }
  }
  std::optional<adapter::TranslationContext> translation;
  scorm::RollupActivity course_tree;
  for (int round = 0; round < kRetries; ++round) {
    auto found = store.find_attempt(attempt_id);
    if (!found) return reply(500, false, 101, found.error().message);
    if (!*found) return reply(404, false, 101, "no attempt " + std::to_string(attempt_id));
    lrs::AttemptRecord attempt = **found;
    std::optional<scorm::CmiModel> cached =
        cache != nullptr ? cache->find(attempt.id, attempt.revision) : std::nullopt;
    if (!cached) {
      auto loaded = scorm::from_json(attempt.cmi_json);
      if (!loaded) return reply(500, false, 101, "stored CMI: " + loaded.error());
      cached = std::move(*loaded);
    }
    scorm::CmiModel model = std::move(*cached);
    const int general = model.version() == scorm::ScormVersion::kScorm12 ? 101 : 391;
    if (attempt.session != session) {
      return reply(409, false, general,
                   "this page's session has been replaced by a newer launch; reload");
    }
    if (sequence >= 0 && sequence <= attempt.commit_sequence) {
      return reply(200, true, 0, "");  // a retry of a commit already applied
    }
    if (attempt.state != "open") {
      return reply(409, false, general, "the session has already been terminated");
    }
    const scorm::CmiModel before = model;
    scorm::CommitResult result = scorm::apply_commit_json(model, body);
    if (!result.ok()) return reply(200, false, result.error, result.diagnostic);
    if (terminate) {
      scorm::SessionEnd end = scorm::end_session(model);
      if (end.error != 0) return reply(200, false, general, end.diagnostic);
      attempt.state = end.suspended ? "suspended" : "finished";
    }
    if (!translation) {
      auto made = translation_context(store, attempt, model.version(), course_tree);
      if (!made) return reply(500, false, general, made.error().message);
      translation = std::move(*made);
    }
    const std::int64_t timestamp = now_us();
    const CommitContext commit{*translation, attempt, sequence, terminate, timestamp};
    std::vector<json> statements = statements_for_commit(commit, before, model);
    auto course = course_statements_for_commit(store, course_tree, commit, before, model);
    if (!course) return reply(500, false, general, "course rollup: " + course.error().message);
    for (json& st : *course) statements.push_back(std::move(st));
    auto prepared = lrs::prepare_statements(std::move(statements), {}, bridge_principal(),
                                            lrs::ClientVersion{lrs::XapiVersion::k2_0, "2.0.0"});
    if (!prepared) {
      return reply(500, false, general, "translating the commit: " + prepared.error().message);
    }
    auto documents = profile_documents(*translation, model);
    if (!documents) return reply(500, false, general, documents.error().message);
    attempt.cmi_json = scorm::to_json(model);
    if (sequence >= 0) attempt.commit_sequence = sequence;
    attempt.updated_us = timestamp;
    auto ok = store.update_attempt(attempt, *prepared, *documents);
    if (ok) {
      // The stored revision is now one more (update_attempt's compare-and-set).
      if (cache != nullptr) cache->put(attempt.id, attempt.revision + 1, model);
      return reply(200, true, 0, "");
    }
    if (ok.error().code != lrs::ErrorCode::kConflict) {
      return reply(500, false, general, ok.error().message);
    }
  }
  return reply(503, false, 101, "the attempt is busy; retry the commit");
}

}  // namespace player

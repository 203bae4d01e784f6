#include "runtime.h"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "adapter/translator.h"
#include "course_status.h"
#include "learner_sequencing.h"
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

const lrs::ClientVersion& bridge_version() {
  static const lrs::ClientVersion version{lrs::XapiVersion::k2_0, "2.0.0"};
  return version;
}

// The course activity of a package: a URN, stable whatever host name the server is
// reached by; the SCO activity hangs below it ("<course>/sco/<item identifier>").
std::string course_iri(const std::string& package_id) {
  return "urn:lrsbridge:course:" + package_id;
}

// Who and where, from the attempt's registration and package, and the package's rollup
// tree (course_status.h).
lrs::Result<AttemptContext> attempt_context(lrs::PlayerStore& store,
                                            const lrs::AttemptRecord& attempt,
                                            scorm::ScormVersion version) {
  auto reg = store.find_registration(attempt.registration);
  if (!reg) return tl::unexpected(reg.error());
  if (!*reg) return lrs::fail(lrs::ErrorCode::kNotFound, "no registration " + attempt.registration);
  auto package = store.find_package((*reg)->package_id);
  if (!package) return tl::unexpected(package.error());
  if (!*package) return lrs::fail(lrs::ErrorCode::kNotFound, "the package is gone");
  AttemptContext out;
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
  out.course_tree = learner_course(summary, attempt.registration).rollup;
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
  auto statements = adapter::StatementFrames::make(ctx, bridge_principal(), bridge_version());
  if (!statements) return tl::unexpected(statements.error());
  out.statements.emplace(std::move(*statements));
  auto agent = lrs::agent_key(adapter::learner_agent(ctx));
  if (!agent) return lrs::fail(lrs::ErrorCode::kInternal, "the learner agent has no key");
  auto registration = lrs::Uuid::parse(ctx.registration);
  if (!registration) {
    return lrs::fail(lrs::ErrorCode::kInternal,
                     "registration " + ctx.registration + " is not a UUID");
  }
  out.sco_state = {lrs::DocumentKind::kState, ctx.sco_iri, *agent, registration};
  out.attempt_state = {lrs::DocumentKind::kState, ctx.attempt_iri, *agent, registration};
  out.sco_profile = {lrs::DocumentKind::kActivityProfile, ctx.sco_iri, "", std::nullopt};
  return out;
}

struct CommitContext {
  const adapter::StatementFrames& statements;  // the attempt's
  const lrs::AttemptRecord& attempt;           // as stored before this commit
  std::int64_t sequence;                       // the commit's commitSequence, -1 when absent
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
//
// The opening statements depend only on that starting state, so launch_sco prepares them
// (opening_statements) and keeps them in the AttemptCache for the first commit, which
// then only adds them; they carry the launch's time. Without a cached copy (another
// process launched the session, or the entry was evicted) the first commit makes them.
bool opens_session(const CommitContext& c) {
  return c.sequence > 0 && c.attempt.commit_sequence == 0;
}

lrs::PreparedStatements opening_statements(const CommitContext& c, const scorm::CmiModel& start) {
  return adapter::translate_prepared(c.statements, {}, start, adapter::RuntimeEvent::kInitialize,
                                     translation_sequence(c, 0), c.timestamp_us);
}

lrs::PreparedStatements statements_for_commit(const CommitContext& c,
                                              const std::vector<scorm::CmiChange>& changes,
                                              const scorm::CmiModel& after) {
  return adapter::translate_prepared(
      c.statements, changes, after,
      c.terminate ? adapter::RuntimeEvent::kTerminate : adapter::RuntimeEvent::kCommit,
      translation_sequence(c, c.sequence), c.timestamp_us);
}

adapter::CourseStatus course_status(const scorm::ActivityStatus& s) {
  return {s.completed, s.satisfied, s.measure};
}

// `opening` (prepared at launch) ahead of `rest`, as statements_for_commit orders them.
lrs::PreparedStatements with_opening(const lrs::PreparedStatements& opening,
                                     lrs::PreparedStatements rest) {
  lrs::PreparedStatements out = opening;
  out.ids.insert(out.ids.end(), std::make_move_iterator(rest.ids.begin()),
                 std::make_move_iterator(rest.ids.end()));
  out.records.insert(out.records.end(), std::make_move_iterator(rest.records.begin()),
                     std::make_move_iterator(rest.records.end()));
  // Each part's check knows only its own ids (and answers false for the others').
  out.same = [first = opening.same, second = std::move(rest.same)](std::string_view stored,
                                                                   std::string_view sent) {
    return (first && first(stored, sent)) || (second && second(stored, sent));
  };
  return out;
}

// The course-level statements of a commit, decided by the store inside the commit's
// transaction from the latest attempts of the other SCOs (`others`): the SCO's tracking
// status before and after the commit, each rolled up with theirs. Two commits to
// different SCOs are decided one after the other, so a course status reached by both
// together yields its statements once.
lrs::RegistrationDecide course_decision(const scorm::RollupActivity& tree, const CommitContext& c,
                                        const scorm::ActivityStatus& was,
                                        const scorm::ActivityStatus& now) {
  return [&tree, &c, was, now](const std::vector<lrs::AttemptRecord>& others)
             -> lrs::Result<lrs::PreparedStatements> {
    auto leaves = latest_sco_statuses(others);
    if (!leaves) return tl::unexpected(leaves.error());
    (*leaves)[c.attempt.sco] = was;
    const scorm::ActivityStatus course_before = scorm::roll_up(tree, *leaves).at(tree.identifier);
    (*leaves)[c.attempt.sco] = now;
    const scorm::ActivityStatus course_after = scorm::roll_up(tree, *leaves).at(tree.identifier);
    return adapter::course_statements_prepared(
        c.statements, course_status(course_before), course_status(course_after),
        c.terminate ? adapter::RuntimeEvent::kTerminate : adapter::RuntimeEvent::kCommit,
        translation_sequence(c, c.sequence), c.timestamp_us);
  };
}

// `content` as a profile document, its ETag reused from `kept` when that holds the same
// content (the SHA-1 is most of what making a small document costs).
lrs::Document json_document(std::string_view id, const json& content,
                            const std::optional<lrs::Document>& kept) {
  std::string text = content.dump();
  if (kept && kept->content == text) return *kept;
  lrs::Document d;
  d.id = std::string(id);
  d.content = std::move(text);
  d.content_type = "application/json";
  d.etag = lrs::document_etag(d.content);
  return d;
}

// The xAPI SCORM profile's documents after a commit (written with the attempt):
// activity-state (the SCO's attempts, per learner and registration), attempt-state (the
// attempt's CMI context) and the SCO's activity-profile. Each is rewritten only when its
// content changes (PlayerStore::DocumentWrite); each is sent with every commit, so one
// changed through /xapi is put right by the next commit. `facts` holds the documents of
// the model before the commit (when known) and receives those of `model`; `ended`: the
// commit ended the session.
std::vector<lrs::DocumentWrite> profile_documents(const AttemptContext& ctx,
                                                  const scorm::CmiModel& model, bool ended,
                                                  ModelFacts& facts) {
  std::vector<lrs::DocumentWrite> out;
  out.reserve(3);
  out.push_back(
      {ctx.sco_state, std::string(adapter::kActivityStateId),
       [memo = ctx.activity_state_memo, attempt_iri = ctx.statements->context().attempt_iri](
           const std::optional<lrs::Document>& current)
           -> lrs::Result<std::optional<lrs::Document>> {
         std::lock_guard lock(memo->mutex);
         if (current && memo->from == current->content) return memo->made;
         json previous = current ? json::parse(current->content, nullptr, false) : json();
         if (previous.is_discarded()) previous = json();
         memo->made = json_document(adapter::kActivityStateId,
                                    adapter::activity_state(previous, attempt_iri), std::nullopt);
         memo->from = current ? std::optional(current->content) : std::nullopt;
         return memo->made;
       }});
  facts.attempt_state =
      json_document(adapter::kAttemptStateId, adapter::attempt_state(model), facts.attempt_state);
  out.push_back({ctx.attempt_state, std::string(adapter::kAttemptStateId),
                 [doc = *facts.attempt_state](const std::optional<lrs::Document>&)
                     -> lrs::Result<std::optional<lrs::Document>> { return doc; }});
  // The activity profile holds only the LMS's launch parameters (read-only elements),
  // which a SCO's SetValue never changes (RTE: 404 / 403 read-only): a commit keeps the
  // model's document unless it ended the session (end_session writes read-only values).
  if (!facts.activity_profile || ended) {
    facts.activity_profile =
        json_document(adapter::kActivityProfileId, adapter::activity_profile(model), std::nullopt);
  }
  out.push_back({ctx.sco_profile, std::string(adapter::kActivityProfileId),
                 [doc = *facts.activity_profile](const std::optional<lrs::Document>&)
                     -> lrs::Result<std::optional<lrs::Document>> { return doc; }});
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
    const std::pair<const char*, const std::string*> optional_values[] = {
        {"score.scaled", &o.scaled},
        {"completion_status", &o.completion_status},
        {"progress_measure", &o.progress_measure},
        {"score.raw", &o.raw},
        {"score.min", &o.min},
        {"score.max", &o.max}};
    for (const auto& [name, value] : optional_values) {
      if (!value->empty()) values.emplace_back(prefix + name, *value);
    }
    for (const auto& [element, value] : values) {
      if (model.set_lms_value(element, value) != 0) {
        return "shared objective " + o.id + ": " + model.get_diagnostic();
      }
    }
  }
  return "";
}

// The attempt's CMI written as the store keeps it: the document's head and every value,
// instead of the values stored before.
void set_cmi(lrs::AttemptRecord& attempt, const scorm::CmiModel& model) {
  attempt.cmi_json = scorm::to_json_head(model);
  std::vector<lrs::CmiValueWrite> values;
  values.reserve(model.values().size());
  for (const auto& [element, value] : model.values()) {
    values.push_back({scorm::json_string(element), scorm::json_string(value)});
  }
  attempt.cmi_values = std::move(values);
  attempt.cmi_values_replace = true;
}

// The same as the values that `changes` made, on top of the stored ones: what a commit
// writes costs what it changed, not the size of the CMI.
void set_cmi_changes(lrs::AttemptRecord& attempt, const scorm::CmiModel& model,
                     const std::vector<scorm::CmiChange>& changes) {
  attempt.cmi_json = scorm::to_json_head(model);
  std::vector<lrs::CmiValueWrite> values;
  values.reserve(changes.size());
  for (const scorm::CmiChange& c : changes) {
    values.push_back(
        {scorm::json_string(c.element),
         c.new_value ? std::optional(scorm::json_string(*c.new_value)) : std::nullopt});
  }
  attempt.cmi_values = std::move(values);
  attempt.cmi_values_replace = false;
}

// The attempt just written, as find_attempt would read it.
lrs::AttemptRecord as_read(lrs::AttemptRecord attempt, const scorm::CmiModel& model) {
  attempt.cmi_json = scorm::to_json(model);
  attempt.cmi_values.reset();
  attempt.cmi_values_replace = false;
  return attempt;
}

CommitReply reply(int status, bool result, int code, const std::string& message) {
  // Every accepted commit answers this: the bytes of the dump below (keys sorted).
  if (result && code == 0 && message.empty()) return {status, R"({"errorCode":0,"result":true})"};
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

lrs::Result<LaunchedSession> launch_sco(lrs::PlayerStore& store, const ScoLaunch& launch,
                                        AttemptCache* cache) {
  scorm::CmiOptions options;
  if (launch.edition >= 2) options.edition = launch.edition < 3 ? 3 : launch.edition;
  scorm::LaunchValues values;
  values.learner_id = launch.learner_id;
  values.learner_name = launch.learner_name;
  values.lms_values = launch.lms_values;
  values.policy = launch.policy;
  values.mode = launch.mode;
  values.credit = launch.credit;
  // What the session's first commit would otherwise read: the stored model and the
  // attempt's context (a context that cannot be made now is made, or reported, then).
  auto remember = [&](const lrs::AttemptRecord& a, const scorm::CmiModel& model) {
    if (cache == nullptr) return;
    cache->put_model(a, a.revision, {std::make_unique<scorm::CmiModel>(model), {}});
    auto context = cache->context(a);
    if (!context) {
      auto made = attempt_context(store, a, model.version());
      if (!made) return;
      context = std::make_shared<const AttemptContext>(std::move(*made));
      cache->put_context(a, context);
    }
    // The session's opening statements, and their terms created now rather than inside
    // the first commit (a new learner, registration or attempt has none yet).
    const CommitContext opening{*context->statements, a, 0, false, now_us()};
    lrs::PreparedStatements prepared = opening_statements(opening, model);
    if (!store.prime_statements(prepared)) return;  // the first commit makes them
    cache->put_opening(a, std::make_shared<const lrs::PreparedStatements>(std::move(prepared)));
  };
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
      set_cmi(a, start.model);
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
      remember(a, start.model);
      out.attempt = as_read(std::move(a), start.model);
      return out;
    }
    lrs::AttemptRecord a = **latest;
    // A resume changes a few elements (entry, exit, session_time, ...): those are written,
    // not the whole CMI of a long session.
    set_cmi_changes(a, start.model, scorm::diff(previous, start.model));
    a.state = "open";
    a.commit_sequence = 0;  // scorm-again numbers the commits of each page from 1
    a.session += 1;
    a.updated_us = now_us();
    auto ok = store.update_attempt(a);
    if (!ok && ok.error().code == lrs::ErrorCode::kInvalid) {
      set_cmi(a, start.model);  // stored as one document: written value by value from now
      ok = store.update_attempt(a);
    }
    if (!ok) {
      if (ok.error().code == lrs::ErrorCode::kConflict) continue;
      return tl::unexpected(ok.error());
    }
    a.revision += 1;
    remember(a, start.model);
    out.attempt = as_read(std::move(a), start.model);
    return out;
  }
  return lrs::fail(lrs::ErrorCode::kUnavailable, "too many concurrent launches; try again");
}

bool AttemptCache::belongs(const Entry& entry, const lrs::AttemptRecord& attempt) {
  return entry.number == attempt.number && entry.sco == attempt.sco &&
         entry.registration == attempt.registration;
}

AttemptCache::Entry* AttemptCache::find(const lrs::AttemptRecord& attempt) {
  auto it = entries_.find(attempt.id);
  if (it == entries_.end() || !belongs(it->second, attempt)) return nullptr;
  return &it->second;
}

AttemptCache::Entry& AttemptCache::slot(const lrs::AttemptRecord& attempt) {
  if (entries_.size() >= capacity_ && !entries_.contains(attempt.id)) {
    entries_.erase(entries_.begin());  // any one: sessions come and go
  }
  Entry& e = entries_[attempt.id];
  if (!belongs(e, attempt)) {
    e = Entry{};
    e.registration = attempt.registration;
    e.sco = attempt.sco;
    e.number = attempt.number;
  }
  return e;
}

KeptModel AttemptCache::take_model(const lrs::AttemptRecord& attempt) {
  std::lock_guard lock(mutex_);
  Entry* e = find(attempt);
  if (e == nullptr || e->revision != attempt.revision) return {};
  return std::move(e->kept);
}

void AttemptCache::put_model(const lrs::AttemptRecord& attempt, std::int64_t revision,
                             KeptModel kept) {
  std::lock_guard lock(mutex_);
  Entry& e = slot(attempt);
  e.revision = revision;
  e.kept = std::move(kept);
}

std::shared_ptr<const AttemptContext> AttemptCache::context(const lrs::AttemptRecord& attempt) {
  std::lock_guard lock(mutex_);
  const Entry* e = find(attempt);
  return e == nullptr ? nullptr : e->context;
}

void AttemptCache::put_context(const lrs::AttemptRecord& attempt,
                               std::shared_ptr<const AttemptContext> ctx) {
  std::lock_guard lock(mutex_);
  slot(attempt).context = std::move(ctx);
}

std::shared_ptr<const lrs::PreparedStatements> AttemptCache::opening(
    const lrs::AttemptRecord& attempt) {
  std::lock_guard lock(mutex_);
  const Entry* e = find(attempt);
  if (e == nullptr || e->opening_session != attempt.session) return nullptr;
  return e->opening;
}

void AttemptCache::put_opening(const lrs::AttemptRecord& attempt,
                               std::shared_ptr<const lrs::PreparedStatements> statements) {
  std::lock_guard lock(mutex_);
  Entry& e = slot(attempt);
  e.opening_session = attempt.session;
  e.opening = std::move(statements);
}

CommitReply commit_attempt(lrs::PlayerStore& store, const lrs::AttemptRecord& read,
                           std::int64_t session, std::string_view body, bool terminate,
                           AttemptCache* cache) {
  // Read once: the sequence decides whether this is a retry, the pairs are the commit.
  const scorm::CommitBody commit_body = scorm::read_commit_body(body);
  const std::int64_t sequence = commit_body.sequence;
  std::shared_ptr<const AttemptContext> context;
  std::optional<lrs::AttemptRecord> reread;
  for (int round = 0; round < kRetries; ++round) {
    if (round > 0) {
      auto found = store.find_attempt(read.id);
      if (!found) return reply(500, false, 101, found.error().message);
      if (!*found) return reply(404, false, 101, "no attempt " + std::to_string(read.id));
      reread = std::move(*found);
    }
    lrs::AttemptRecord attempt = reread ? std::move(*reread) : lrs::AttemptRecord(read);
    KeptModel kept = cache != nullptr ? cache->take_model(attempt) : KeptModel{};
    if (!kept.model && attempt.cmi_json.empty()) {
      // Read without its CMI (PlayerStore::find_attempt_state) and not kept: read it all.
      auto found = store.find_attempt(attempt.id);
      if (!found) return reply(500, false, 101, found.error().message);
      if (!*found) return reply(404, false, 101, "no attempt " + std::to_string(attempt.id));
      attempt = std::move(**found);
      if (cache != nullptr) kept = cache->take_model(attempt);
    }
    if (!kept.model) {
      auto loaded = scorm::from_json(attempt.cmi_json);
      if (!loaded) return reply(500, false, 101, "stored CMI: " + loaded.error());
      kept = {std::make_unique<scorm::CmiModel>(std::move(*loaded)), {}};
    }
    std::unique_ptr<scorm::CmiModel>& model = kept.model;
    attempt.cmi_json.clear();  // rewritten below; no need to keep a copy
    // The model as stored, back to the cache when the commit ends without changing it.
    auto keep_unchanged = [&] {
      if (cache != nullptr) cache->put_model(attempt, attempt.revision, std::move(kept));
    };
    const int general = model->version() == scorm::ScormVersion::kScorm12 ? 101 : 391;
    if (attempt.session != session) {
      keep_unchanged();
      return reply(409, false, general,
                   "this page's session has been replaced by a newer launch; reload");
    }
    if (sequence >= 0 && sequence <= attempt.commit_sequence) {
      keep_unchanged();
      return reply(200, true, 0, "");  // a retry of a commit already applied
    }
    if (attempt.state != "open") {
      keep_unchanged();
      return reply(409, false, general, "the session has already been terminated");
    }
    if (!context && cache != nullptr) context = cache->context(attempt);
    if (!context) {
      auto made = attempt_context(store, attempt, model->version());
      if (!made) return reply(500, false, general, made.error().message);
      context = std::make_shared<const AttemptContext>(std::move(*made));
      if (cache != nullptr) cache->put_context(attempt, context);
    }
    const std::int64_t timestamp = now_us();
    const CommitContext commit{*context->statements, attempt, sequence, terminate, timestamp};
    // What the commit's statements need of the state before it, taken before the model
    // changes in place: the opening statements (unless prepared at launch) and the SCO's
    // tracking status.
    std::shared_ptr<const lrs::PreparedStatements> opening;
    if (opens_session(commit)) {
      if (cache != nullptr) opening = cache->opening(attempt);
      if (!opening) {
        opening =
            std::make_shared<const lrs::PreparedStatements>(opening_statements(commit, *model));
      }
    }
    if (!kept.facts.status) kept.facts.status = sco_status(*model);
    const scorm::ActivityStatus was = *kept.facts.status;

    model->start_tracking();
    scorm::CommitResult result = scorm::apply_commit_body(*model, commit_body);
    if (!result.ok()) {
      model->stop_tracking();
      keep_unchanged();  // a rejected commit changes nothing
      return reply(200, false, result.error, result.diagnostic);
    }
    if (terminate) {
      scorm::SessionEnd end = scorm::end_session(*model);
      if (end.error != 0) return reply(200, false, general, end.diagnostic);
      attempt.state = end.suspended ? "suspended" : "finished";
    }
    const std::vector<scorm::CmiChange> changes = model->tracked_changes();
    model->stop_tracking();
    lrs::PreparedStatements prepared = statements_for_commit(commit, changes, *model);
    if (opening) prepared = with_opening(*opening, std::move(prepared));
    // The facts of the model after this commit (kept with it once stored).
    ModelFacts facts = std::move(kept.facts);
    const std::vector<lrs::DocumentWrite> documents =
        profile_documents(*context, *model, terminate, facts);
    // A commit that leaves the SCO's tracking status as it was cannot change the course's.
    facts.status = sco_status(*model);
    const scorm::ActivityStatus now = *facts.status;
    lrs::RegistrationDecide course;
    if (!context->course_tree.children.empty() && was != now) {
      course = course_decision(context->course_tree, commit, was, now);
    }
    set_cmi_changes(attempt, *model, changes);
    if (sequence >= 0) attempt.commit_sequence = sequence;
    attempt.updated_us = timestamp;
    auto ok = store.update_attempt(attempt, prepared, documents, course);
    if (!ok && ok.error().code == lrs::ErrorCode::kInvalid) {
      // Stored as one document (written before its values were kept one by one): this
      // commit writes them all, and the next ones only what they change.
      set_cmi(attempt, *model);
      ok = store.update_attempt(attempt, prepared, documents, course);
    }
    if (ok) {
      // The stored revision is now one more (update_attempt's compare-and-set).
      if (cache != nullptr) {
        cache->put_model(attempt, attempt.revision + 1, {std::move(model), std::move(facts)});
      }
      return reply(200, true, 0, "");
    }
    if (ok.error().code != lrs::ErrorCode::kConflict) {
      return reply(500, false, general, ok.error().message);
    }
  }
  return reply(503, false, 101, "the attempt is busy; retry the commit");
}

}  // namespace player

#include "runtime.h"

#include <chrono>

#include <nlohmann/json.hpp>

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

struct CommitContext {
  const lrs::AttemptRecord& attempt;
  bool terminate;
};

// THE TRANSLATOR SEAM. Every accepted commit passes here with the attempt's CMI state
// before and after it (and whether it ended the session). adapter::translate will turn
// scorm::diff(before, after) into xAPI statements; they must then be written in the same
// transaction as the new CMI state (extend PlayerStore::update_attempt to take them).
// Until then no statements are produced.
std::vector<std::string> statements_for_commit(const CommitContext& /*context*/,
                                               const scorm::CmiModel& /*before*/,
                                               const scorm::CmiModel& /*after*/) {
  return {};
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

CommitReply commit_attempt(lrs::PlayerStore& store, std::int64_t attempt_id, std::int64_t session,
                           std::string_view body, bool terminate) {
  json parsed = json::parse(body, nullptr, false);
  std::int64_t sequence = -1;
  if (parsed.is_object()) {
    if (auto it = parsed.find("commitSequence"); it != parsed.end() && it->is_number_integer()) {
      sequence = it->get<std::int64_t>();
    }
  }
  for (int round = 0; round < kRetries; ++round) {
    auto found = store.find_attempt(attempt_id);
    if (!found) return reply(500, false, 101, found.error().message);
    if (!*found) return reply(404, false, 101, "no attempt " + std::to_string(attempt_id));
    lrs::AttemptRecord attempt = **found;
    auto loaded = scorm::from_json(attempt.cmi_json);
    if (!loaded) return reply(500, false, 101, "stored CMI: " + loaded.error());
    scorm::CmiModel model = std::move(*loaded);
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
    std::vector<std::string> statements =
        statements_for_commit(CommitContext{attempt, terminate}, before, model);
    (void)statements;
    attempt.cmi_json = scorm::to_json(model);
    if (sequence >= 0) attempt.commit_sequence = sequence;
    attempt.updated_us = now_us();
    auto ok = store.update_attempt(attempt);
    if (ok) return reply(200, true, 0, "");
    if (ok.error().code != lrs::ErrorCode::kConflict) {
      return reply(500, false, general, ok.error().message);
    }
  }
  return reply(503, false, 101, "the attempt is busy; retry the commit");
}

}  // namespace player

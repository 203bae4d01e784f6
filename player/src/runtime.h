// The CMI side of the player: starting a session of a SCO (new attempt or resume) and
// applying the runtime's commits. Private to lrs_player; includes no manifest headers.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "lrs/player_store.h"
#include "scorm/cmi_model.h"
#include "scorm/cmi_session.h"

namespace player {

struct ScoLaunch {
  std::string registration;
  std::string sco;
  std::string cmi_version;  // "1.2" or "2004"
  int edition = 4;
  std::string learner_id;
  std::string learner_name;
  std::vector<std::pair<std::string, std::string>> lms_values;  // launch_data, mastery ...
  // The relay (a wrapped package) follows the LMS's own attempt decision and mode.
  scorm::AttemptPolicy policy = scorm::AttemptPolicy::kAuto;
  std::string mode = "normal";
  bool credit = true;
  // SCORM 2004 shared objectives the SCO reads (mapInfo): set into cmi.objectives (the
  // record with that id, or a new one) at every launch. "" = not known, not set.
  struct SharedObjective {
    std::string id;
    std::string success_status;  // "passed" | "failed" | ""
    std::string scaled;          // score.scaled | ""
  };
  std::vector<SharedObjective> shared_objectives;
};

struct LaunchedSession {
  lrs::AttemptRecord attempt;
  std::string preload_json;  // flattened {"cmi.x": "v"} for loadFromFlattenedJSON
  bool resumed = false;
};

// Opens a session: resumes the latest attempt after a suspend, else starts a new one
// (scorm::start_session decides), and stores it with a new session number.
lrs::Result<LaunchedSession> launch_sco(lrs::PlayerStore& store, const ScoLaunch& launch);

// The flattened values of a stored attempt (what launch_sco preloads).
lrs::Result<std::string> preload_values(const lrs::AttemptRecord& attempt);

// Parsed CMI models of recently committed attempts, each valid for one stored revision:
// the next commit of the same session takes the model from here instead of re-reading and
// re-checking the stored JSON (scorm::from_json is most of a commit's CPU time). A
// revision mismatch (another process or a new launch wrote the attempt) is a miss.
// Thread-safe; holds at most `capacity` models.
class ModelCache {
 public:
  explicit ModelCache(std::size_t capacity = 1024) : capacity_(capacity) {}
  std::optional<scorm::CmiModel> find(std::int64_t attempt, std::int64_t revision);
  void put(std::int64_t attempt, std::int64_t revision, const scorm::CmiModel& model);

 private:
  std::mutex mutex_;
  std::size_t capacity_;
  std::unordered_map<std::int64_t, std::pair<std::int64_t, scorm::CmiModel>> entries_;
};

struct CommitReply {
  int status = 200;
  std::string body;  // {"result":true,"errorCode":0} or {"result":false,...}
};

// Applies one commit body of session `session` to attempt `attempt_id`, all or nothing;
// `terminate` also ends the session (scorm::end_session). A commit whose commitSequence
// was already applied in this session answers success and changes nothing.
// `cache` (may be null) keeps the model of each committed attempt for its next commit.
CommitReply commit_attempt(lrs::PlayerStore& store, std::int64_t attempt_id, std::int64_t session,
                           std::string_view body, bool terminate, ModelCache* cache = nullptr);

}  // namespace player

// The CMI side of the player: starting a session of a SCO (new attempt or resume) and
// applying the runtime's commits. Private to lrs_player; includes no manifest headers.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "adapter/translator.h"
#include "lrs/document_store.h"
#include "lrs/player_store.h"
#include "scorm/cmi_model.h"
#include "scorm/cmi_session.h"
#include "scorm/rollup.h"

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
    std::string success_status;     // "passed" | "failed" | ""
    std::string scaled;             // score.scaled | ""
    std::string completion_status;  // "completed" | "incomplete" | "" (4th Edition maps)
    std::string progress_measure;   // | ""
    std::string raw, min, max;      // score.raw / min / max | ""
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
// `cache` (may be null) receives the stored model, so the session's first commit need not
// load it.
class AttemptCache;
lrs::Result<LaunchedSession> launch_sco(lrs::PlayerStore& store, const ScoLaunch& launch,
                                        AttemptCache* cache = nullptr);

// The flattened values of a stored attempt (what launch_sco preloads).
lrs::Result<std::string> preload_values(const lrs::AttemptRecord& attempt);

// What a commit of an attempt needs besides its CMI model: who and where (from its
// registration and package) and the package's rollup tree. Fixed for the attempt's life:
// registrations and packages are never changed, only deleted with their attempts.
struct AttemptContext {
  // Who and where (its context()), and the parts every statement of the attempt shares,
  // serialised and keyed once (adapter::translate_prepared); always set by the context's
  // maker (optional only because frames are made from a finished TranslationContext).
  std::optional<adapter::StatementFrames> statements;
  scorm::RollupActivity course_tree;
  // Where the profile's documents of the attempt are kept (the learner's agent key and
  // the registration parsed once).
  lrs::DocumentScope sco_state;      // activity-state: the SCO, learner, registration
  lrs::DocumentScope attempt_state;  // attempt-state: the attempt, learner, registration
  lrs::DocumentScope sco_profile;    // activity-profile: the SCO
  // The activity-state document last decided inside a commit's transaction, by the stored
  // content it was made from (the document is a function of that content alone), so
  // the next commit finding the same content decides without parsing it. Shared by the
  // attempt's commits; they may run at once.
  struct ActivityStateMemo {
    std::mutex mutex;
    std::optional<std::string> from;  // the stored content it was made from
    lrs::Document made;
  };
  std::shared_ptr<ActivityStateMemo> activity_state_memo = std::make_shared<ActivityStateMemo>();
};

// What commits derive from a CMI model besides its changes and need again at the next
// commit of the same model: its SCO's tracking status and two profile documents. Each is
// absent until made, and belongs to the model it travels with.
struct ModelFacts {
  std::optional<scorm::ActivityStatus> status;    // sco_status (course_status.h)
  std::optional<lrs::Document> activity_profile;  // of the SCO
  std::optional<lrs::Document> attempt_state;     // of the attempt
};

// A model kept between commits, with its facts.
struct KeptModel {
  std::unique_ptr<scorm::CmiModel> model;  // null: none kept
  ModelFacts facts;
};

// What the commits of recently committed attempts keep between them, so the next commit
// of a session reads neither the stored CMI nor the registration and package:
// - the parsed CMI model, valid for one stored revision (scorm::from_json is most of a
//   commit's CPU time); a revision mismatch (another process or a new launch wrote the
//   attempt) is a miss. A commit takes the model out while it changes it in place, so a
//   concurrent commit of the same attempt misses and reads the stored CMI. Its facts
//   (ModelFacts) go with it;
// - the attempt's context;
// - the prepared opening statements of its current session (made at launch, used by the
//   session's first commit).
// An entry belongs to the attempt's id together with its registration, SCO and number: the
// id of a deleted attempt may be given out again (SQLite), and then nothing is found.
// Thread-safe; holds at most `capacity` attempts.
class AttemptCache {
 public:
  explicit AttemptCache(std::size_t capacity = 1024) : capacity_(capacity) {}
  // The model of `attempt` at its revision with its facts, handed over: a commit changes
  // it in place and puts it back once stored (model null when not kept, or kept for
  // another revision).
  KeptModel take_model(const lrs::AttemptRecord& attempt);
  // The model stored as `attempt` with revision `revision`, and its facts.
  void put_model(const lrs::AttemptRecord& attempt, std::int64_t revision, KeptModel kept);
  std::shared_ptr<const AttemptContext> context(const lrs::AttemptRecord& attempt);
  void put_context(const lrs::AttemptRecord& attempt, std::shared_ptr<const AttemptContext> ctx);
  // The opening statements (initialized / resumed) of the attempt's session
  // attempt.session, prepared at its launch; null when not kept or for another session.
  std::shared_ptr<const lrs::PreparedStatements> opening(const lrs::AttemptRecord& attempt);
  void put_opening(const lrs::AttemptRecord& attempt,
                   std::shared_ptr<const lrs::PreparedStatements> statements);

 private:
  struct Entry {
    // Whose entry it is, besides the attempt id: its registration, SCO and number.
    std::string registration;
    std::string sco;
    std::int64_t number = -1;
    std::int64_t revision = -1;
    KeptModel kept;
    std::shared_ptr<const AttemptContext> context;
    std::int64_t opening_session = -1;
    std::shared_ptr<const lrs::PreparedStatements> opening;
  };
  static bool belongs(const Entry& entry, const lrs::AttemptRecord& attempt);
  // Under mutex_: the entry of `attempt`, or nullptr.
  Entry* find(const lrs::AttemptRecord& attempt);
  // Under mutex_: the entry of `attempt`, emptied if it belonged to another attempt.
  Entry& slot(const lrs::AttemptRecord& attempt);

  std::mutex mutex_;
  std::size_t capacity_;
  std::unordered_map<std::int64_t, Entry> entries_;
};

struct CommitReply {
  int status = 200;
  std::string body;  // {"result":true,"errorCode":0} or {"result":false,...}
};

// Applies one commit body of session `session` to the attempt `read` (as just read from
// the store, with or without its CMI: PlayerStore::find_attempt_state), all or nothing;
// `terminate` also ends the session (scorm::end_session). A commit whose commitSequence
// was already applied in this session answers success and changes nothing. Statements of
// the course (rolled up from every SCO's latest attempt) are decided in the same
// transaction, serialized with the registration's other commits. `cache` (may be null)
// keeps each committed attempt's model and context for its next commit.
CommitReply commit_attempt(lrs::PlayerStore& store, const lrs::AttemptRecord& read,
                           std::int64_t session, std::string_view body, bool terminate,
                           AttemptCache* cache = nullptr);

}  // namespace player

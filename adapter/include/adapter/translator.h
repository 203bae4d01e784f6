// CMI changes -> xAPI statements, following the ADL xAPI SCORM profile
// (https://w3id.org/xapi/scorm), and the profile's State / Activity Profile documents.
//
// Everything here is a pure, deterministic function of its arguments: no clock, no random
// ids, no I/O. The caller (the runtime commit path) keeps the CMI model between calls,
// passes the state before and after each Initialize / Commit / Terminate, and stores the
// statements and documents it gets back in one transaction with the new CMI state.
//
// Statement ids are UUIDv5 (namespace kStatementNamespace) over the attempt IRI, the
// commit sequence, the runtime event, the statement kind and its subject (an interaction
// or objective index), so replaying the same commit yields the same ids and the LRS
// treats the retry as the same statements. Only changes are translated (scorm::diff): a
// later commit that sets a value again emits nothing.
//
// Every statement produced validates as xAPI 1.0.3 and 2.0.0 (lrs::validate_statement).
// Thread-safe (no shared state).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "lrs/auth.h"
#include "lrs/error.h"
#include "lrs/statement_record.h"
#include "lrs/statement_store.h"
#include "lrs/uuid.h"
#include "lrs/version.h"
#include "scorm/cmi_errors.h"
#include "scorm/cmi_model.h"

namespace adapter {

// The namespace of every statement id the translator makes (UUIDv5 names are
// "<attempt IRI>|<commit sequence>|<event>|<kind>|<subject>").
inline constexpr std::string_view kStatementNamespace = "1b0c7c52-5f2e-4c3a-9d0e-6a1f2b7d9e40";

inline constexpr std::string_view kProfileIri = "https://w3id.org/xapi/scorm";
inline constexpr std::string_view kActivityStateId = "https://w3id.org/xapi/scorm/activity-state";
inline constexpr std::string_view kAttemptStateId = "https://w3id.org/xapi/scorm/attempt-state";
inline constexpr std::string_view kActivityProfileId =
    "https://w3id.org/xapi/scorm/activity-profile";

// Who and where: the learner, the course / SCO / attempt activities and the registration.
struct TranslationContext {
  // The learner as an xAPI account agent: {"account":{"homePage","name"},"name"}.
  std::string learner_home_page;  // absolute IRL, e.g. the LMS base URL
  std::string learner_account;    // opaque LMS user id
  std::string learner_name;       // "" = no display name

  std::string course_iri;  // absolute IRI of the course activity
  std::string course_title;
  std::string sco_iri;  // absolute IRI of the SCO (lesson) activity
  std::string sco_title;
  std::string sco_identifier;  // the manifest item identifier (objective IRIs use it)
  std::string attempt_iri;     // make_attempt_iri(sco_iri, ...); kept across suspend/resume
  std::string registration;    // UUID text (learner x course)

  scorm::ScormVersion version = scorm::ScormVersion::kScorm2004;
  std::string platform;  // context.platform; "" = omitted
  std::string language;  // context.language (RFC 5646); "" = unknown, omitted
};

// The runtime call that produced the change.
enum class RuntimeEvent {
  kInitialize,  // initialized, or resumed when cmi.entry / cmi.core.entry is "resume"
  kCommit,      // the changes between before and after
  kTerminate,   // the changes, then terminated, or suspended when exit is "suspend"
};

// "<scoIRI>?attemptId=<uuid>", the profile's attempt activity IRI.
std::string make_attempt_iri(std::string_view sco_iri, const lrs::Uuid& attempt_id);

// The learner agent of `ctx` as xAPI JSON.
nlohmann::json learner_agent(const TranslationContext& ctx);

// Translates one runtime event into statements, in a fixed order:
//   Initialize: initialized | resumed (nothing else: `before` may be the previous attempt).
//   Commit:     responded (by interaction index), objective completed / passed / failed (by
//               objective index), commented (by comment index), progressed, scored,
//               completed, passed | failed.
//   Terminate:  the Commit statements of before -> after (end_session may change 1.2
//               lesson_status), then terminated | suspended with result {completion,
//               success, score, duration from session_time}.
// `commit_sequence` identifies the change (ids derive from it; distinct calls must use
// distinct sequences); `timestamp_us` (microseconds since the epoch, UTC) becomes every
// statement's timestamp unless the CMI records a more precise one (2004 interaction and
// comment timestamps with a time zone). `before` and `after` must have ctx.version.
std::vector<nlohmann::json> translate(const TranslationContext& ctx, const scorm::CmiModel& before,
                                      const scorm::CmiModel& after, RuntimeEvent event,
                                      std::int64_t commit_sequence, std::int64_t timestamp_us);
// The same from the changes that lead to `after` (scorm::diff(before, after), or the
// model's tracked_changes() of a commit applied in place): a commit's cost then follows
// the elements it changed, not the size of the CMI.
std::vector<nlohmann::json> translate(const TranslationContext& ctx,
                                      const std::vector<scorm::CmiChange>& changes,
                                      const scorm::CmiModel& after, RuntimeEvent event,
                                      std::int64_t commit_sequence, std::int64_t timestamp_us);

// The course's status rolled up from its SCOs (scorm::roll_up); nullopt = unknown.
struct CourseStatus {
  std::optional<bool> completed;
  std::optional<bool> satisfied;
  std::optional<double> measure;  // scaled score, -1..1
};

// Course-level statements (the profile: course status > SCO status) for a change of the
// rolled-up status caused by one commit: completed when the course becomes completed,
// passed / failed when it becomes satisfied / not satisfied (result.success, and
// score.scaled when the course has a measure). The object is the course activity; the
// context carries the registration and the profile category (no grouping: the course is
// the object, and the SCO attempt is not the course's). Ids derive from ctx.attempt_iri,
// `commit_sequence` and `event` like translate()'s, so a replayed commit repeats them.
std::vector<nlohmann::json> course_statements(const TranslationContext& ctx,
                                              const CourseStatus& before, const CourseStatus& after,
                                              RuntimeEvent event, std::int64_t commit_sequence,
                                              std::int64_t timestamp_us);

// What every statement of one attempt shares, serialised and keyed once: the learner
// agent and the three contexts a statement can carry (about the SCO, below the SCO, about
// the course), each an lrs::StatementFrame with the authority and version the statements
// are stored with. Make it once per TranslationContext and keep it with it (the player
// keeps it per attempt). Immutable, thread-safe.
class StatementFrames {
 public:
  // Errors as lrs::StatementFrame::make (`who` may not write statements: kForbidden).
  static lrs::Result<StatementFrames> make(const TranslationContext& ctx, const lrs::Principal& who,
                                           const lrs::ClientVersion& version);

  const TranslationContext& context() const { return ctx_; }
  const lrs::StatementFrame& sco() const { return sco_; }
  const lrs::StatementFrame& child_of_sco() const { return child_of_sco_; }
  const lrs::StatementFrame& course() const { return course_; }
  // The xAPI verb object of a verb the translation uses ("responded"); null for another.
  const nlohmann::json* verb(std::string_view name) const;

 private:
  StatementFrames(TranslationContext ctx, lrs::StatementFrame sco, lrs::StatementFrame child,
                  lrs::StatementFrame course,
                  std::vector<std::pair<std::string, nlohmann::json>> verbs)
      : ctx_(std::move(ctx)),
        sco_(std::move(sco)),
        child_of_sco_(std::move(child)),
        course_(std::move(course)),
        verbs_(std::move(verbs)) {}

  TranslationContext ctx_;
  // The SCO's and the course's frames fix their activity as the object.
  lrs::StatementFrame sco_, child_of_sco_, course_;
  std::vector<std::pair<std::string, nlohmann::json>> verbs_;
};

// translate() and course_statements() made ready to store: exactly what
// lrs::prepare_statements(<their statements>, {}, who, version) returns for the `who` and
// `version` of `frames` (every body byte for byte, every record key, the judge of re-sent
// ids), at a fraction of its cost: the statements are never built as whole JSON trees,
// serialised and walked again, and they are not validated one by one (they are valid by
// construction, as translate() promises; the tests check both).
lrs::PreparedStatements translate_prepared(const StatementFrames& frames,
                                           const std::vector<scorm::CmiChange>& changes,
                                           const scorm::CmiModel& after, RuntimeEvent event,
                                           std::int64_t commit_sequence, std::int64_t timestamp_us);
lrs::PreparedStatements course_statements_prepared(const StatementFrames& frames,
                                                   const CourseStatus& before,
                                                   const CourseStatus& after, RuntimeEvent event,
                                                   std::int64_t commit_sequence,
                                                   std::int64_t timestamp_us);

// State document `activity-state` (keyed by the SCO IRI): `previous` ({"attempts":[...]}
// or null / anything else for none) with `attempt_iri` appended unless it is already the
// last entry; other properties of `previous` are kept.
nlohmann::json activity_state(const nlohmann::json& previous, std::string_view attempt_iri);

// State document `attempt-state` (keyed by the attempt IRI): credit, mode, location,
// preferences {audio_level, language, delivery_speed, audio_captioning}, total_time
// (ISO 8601, 0.01 s), comments_from_lms [{comment, location, timestamp}] and adl_data
// [{id, store}] as far as the model holds them. 1.2 values are mapped to the 2004 names.
nlohmann::json attempt_state(const scorm::CmiModel& model);

// Activity Profile document `activity-profile` (keyed by the SCO IRI): completion_threshold,
// launch_data, max_time_allowed (ISO 8601), scaled_passing_score (1.2: mastery_score/100)
// and time_limit_action, as far as the model holds them.
nlohmann::json activity_profile(const scorm::CmiModel& model);

// SCORM 1.2 helpers, exposed for the other adapters (relay, connectors).
// A CMITimespan ("HHHH:MM:SS.SS") as an ISO 8601 duration ("PT1H2M3.45S"); "" if malformed.
std::string timespan_12_to_iso(std::string_view timespan);
// A 1.2 response / pattern in the xAPI syntax for `interaction_type` (true-false t/1/f/0
// -> true/false, choice / sequencing "," -> "[,]", matching "1.a,2.b" -> "1[.]a[,]2[.]b").
std::string convert_response_12(std::string_view interaction_type, std::string_view value);

}  // namespace adapter

// Turning a validated statement into what the store keeps: compact JSON plus the keys
// that queries filter on (StatementRecord), and the canonical agent key used for both
// storing and querying.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "lrs/auth.h"
#include "lrs/error.h"
#include "lrs/statement_store.h"
#include "lrs/version.h"

namespace lrs {

// The canonical key of an Agent or identified Group: its inverse functional identifier
// ("mbox:mailto:a@b.c", "mbox_sha1sum:<hex>", "openid:<uri>",
// "account:<homePage> <name>"). nullopt for an anonymous Group or a non-object.
// xAPI: two agents are the same when their IFIs are the same.
std::optional<std::string> agent_key(const nlohmann::json& agent);

// The canonical definition after a statement with `incoming` redefined an activity
// whose definition was `stored` (both compact JSON objects): the language maps `name`
// and `description` are merged per language (incoming wins), every other property
// present in `incoming` replaces the stored one. xAPI Data 2.4.4.1 and Communication
// 2.5: the Activities resource returns all the LRS knows about an activity. Returns
// `incoming` when `stored` is not a JSON object.
std::string merge_activity_definition(std::string_view stored, std::string_view incoming);

// What a backend stores for an activity once a stored statement carried `incoming` as its
// definition: the new canonical definition, or nullopt when the stored one stays. `stored`
// is nullopt for an activity without one (then `incoming` is stored). Without `redefine`
// (a credential lacking the define scope) an existing definition never changes
// (Communication 4.1.2). A definition equal to the stored one, which nearly every
// statement repeats, is recognized without parsing either.
std::optional<std::string> redefined_activity(std::optional<std::string_view> stored,
                                              std::string_view incoming, bool redefine);

// `statement` must be valid and complete (id, timestamp, authority, version filled in;
// no "stored"). The body is its compact serialisation. `definitions` and `agent_names`
// are filled in; `redefine` is left false (it depends on the credential).
StatementRecord make_statement_record(const nlohmann::json& statement, const Uuid& id);

// The actor and context shared by many statements that the LRS's own components generate
// (the SCORM bridge: every statement of one attempt has one of three contexts), serialised
// and keyed once, so that each statement's record costs only its own parts: no statement
// tree to build, fill in (authority, version) and walk again.
//
// record() returns exactly what prepare_statements() makes of the statement
// {actor, context, id, object, result, timestamp, verb} sent with its id and timestamp by
// `who` speaking `version` (the body byte for byte, every key, `redefine`), except that
// the statement is NOT validated: the caller vouches for it (debug builds check it). Use it
// only for statements built by our own code, with tests that they validate.
// Immutable after make(); thread-safe.
class StatementFrame {
 public:
  // kForbidden when `who` may not write statements (as prepare_statements); kInternal
  // when its authority is not a JSON object.
  static Result<StatementFrame> make(const nlohmann::json& actor, const nlohmann::json& context,
                                     const Principal& who, const ClientVersion& version);

  // The same with the object fixed too (the statements about one activity), for the
  // record() without an object.
  static Result<StatementFrame> make(const nlohmann::json& actor, const nlohmann::json& context,
                                     const nlohmann::json& object, const Principal& who,
                                     const ClientVersion& version);

  // `result` null = the statement has none. `timestamp` is the statement's timestamp as
  // it will be stored (an xAPI timestamp).
  StatementRecord record(const Uuid& id, const nlohmann::json& verb, const nlohmann::json& object,
                         const nlohmann::json& result, std::string_view timestamp) const;
  // With the frame's fixed object (a frame made without one must not be asked).
  StatementRecord record(const Uuid& id, const nlohmann::json& verb, const nlohmann::json& result,
                         std::string_view timestamp) const;

 private:
  StatementFrame() = default;

  // Whether the frame's keys cover a statement whose object has this type and id.
  bool covers(const nlohmann::json& object, std::string_view activity_id) const;
  // The record of a statement the frame covers; `object` null: the fixed one.
  StatementRecord assemble(const Uuid& id, const nlohmann::json& verb, const nlohmann::json* object,
                           const nlohmann::json& result, std::string_view timestamp) const;

  // The general path (prepare_statements minus validation), for what the frame's keys do
  // not cover: an object that is not an Activity or that also appears in the context.
  StatementRecord general_record(const Uuid& id, const nlohmann::json& verb,
                                 const nlohmann::json& object, const nlohmann::json& result,
                                 std::string_view timestamp) const;

  std::string actor_text_, authority_text_, context_text_, version_text_;
  XapiVersion version_ = XapiVersion::k2_0;
  bool redefine_ = false;
  // The keys of a statement with this actor, authority and context whose object is an
  // Activity outside the context (make_statement_record's order).
  StatementRecord keys_;
  // The fixed object, if any: its text, its id and definition (when the frame covers it).
  std::optional<std::string> object_text_;
  bool object_covered_ = false;
  std::string object_id_;
  std::optional<std::string> object_definition_;
};

}  // namespace lrs

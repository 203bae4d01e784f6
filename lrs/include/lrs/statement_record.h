// Turning a validated statement into what the store keeps: compact JSON plus the keys
// that queries filter on (StatementRecord), and the canonical agent key used for both
// storing and querying.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "lrs/statement_store.h"

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

}  // namespace lrs

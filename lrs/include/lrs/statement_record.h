// Turning a validated statement into what the store keeps: compact JSON plus the keys
// that queries filter on (StatementRecord), and the canonical agent key used for both
// storing and querying.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "lrs/statement_store.h"

namespace lrs {

// The canonical key of an Agent or identified Group: its inverse functional identifier
// ("mbox:mailto:a@b.c", "mbox_sha1sum:<hex>", "openid:<uri>",
// "account:<homePage> <name>"). nullopt for an anonymous Group or a non-object.
// xAPI: two agents are the same when their IFIs are the same.
std::optional<std::string> agent_key(const nlohmann::json& agent);

// `statement` must be valid and complete (id, timestamp, authority, version filled in;
// no "stored"). The body is its compact serialisation.
StatementRecord make_statement_record(const nlohmann::json& statement, const Uuid& id);

}  // namespace lrs

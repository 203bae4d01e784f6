// Validation of xAPI statements against every MUST of the data model.
//
// xAPI 1.0.3 (adlnet/xAPI-Spec xAPI-Data.md) and 2.0.0 (IEEE 9274.1.1) rules, chosen by
// `version`. The first rule broken is reported as ErrorCode::kInvalid with a message
// that names the property path and the rule, e.g.
//   `actor.mbox: must start with "mailto:"`
//   `context.contextActivities.parent[1].id: must be an absolute IRI`
// Pure functions, thread-safe, no I/O.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include "lrs/error.h"
#include "lrs/version.h"

namespace lrs {

// Validates one statement as a client sent it (before the LRS fills in id, stored,
// authority, version or timestamp). `authority` and `stored` are accepted when present
// because LRSs exchange statements, but they must be well formed.
Result<void> validate_statement(const nlohmann::json& statement, XapiVersion version);

// Validates an Agent or Group as used in query parameters (`agent=`): same rules as an
// actor. `path` prefixes the error message.
Result<void> validate_actor(const nlohmann::json& actor, XapiVersion version,
                            const char* path = "agent");

}  // namespace lrs

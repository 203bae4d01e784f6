// Signed statements (xAPI Data 2.6): a JWS (RFC 7515, compact serialization) sent as an
// attachment with usageType http://adlnet.gov/expapi/attachments/signature.
#pragma once

#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "lrs/error.h"

namespace lrs {

inline constexpr std::string_view kSignatureUsageType =
    "http://adlnet.gov/expapi/attachments/signature";

// Checks `jws` against `statement` (as received, signature attachment included):
// the JWS is well formed, its algorithm is RS256, RS384 or RS512, its payload is the
// statement as it was before the signature was added (compared by xAPI statement
// equivalence), and, when the JWS header carries an X.509 chain (x5c), the signature
// verifies with the first certificate's key. kInvalid naming what does not hold.
Result<void> verify_statement_signature(const nlohmann::json& statement, std::string_view jws);

}  // namespace lrs

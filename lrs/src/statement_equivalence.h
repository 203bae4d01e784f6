// Statement comparison (xAPI Data 2.3.1, "Statement Comparison Requirements"), shared by
// the duplicate-id check and signed-statement verification. Private to lrs_core.
#pragma once

#include <nlohmann/json.hpp>

namespace lrs {

// A single Activity is allowed where an array is expected; the LRS stores and returns
// arrays (Data 2.4.6.2).
void normalize_context_activities(nlohmann::json& statement);

// True when `a` and `b` are the same statement as far as the LRS is concerned: the
// properties the LRS sets (authority, stored, version) are ignored, a property only one
// side has among id and timestamp is ignored (the LRS fills them in), timestamps compare
// as instants, and ContextActivities compare in their array form.
bool equivalent_statements(nlohmann::json a, nlohmann::json b);

}  // namespace lrs

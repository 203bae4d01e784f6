// Storage form of a CmiModel: one JSON text, stable and versioned.
//
//   {"format":"lrsbridge-cmi","format_version":1,"scorm":"1.2"|"2004",
//    "options":{"edition":4,"suspend_data_max":0,"strict_12_responses":true},
//    "session_open":false,"values":{"cmi.core.entry":"ab-initio",...}}
//
// `values` lists the stored elements in ElementLess order, so the same model always gives
// the same bytes. Loading re-checks every value against the data model (a stored file is
// input like any other), so a loaded model satisfies the same rules as one built by
// set_value.
#pragma once

#include <string>
#include <string_view>

#include <tl/expected.hpp>

#include "scorm/cmi_model.h"

namespace scorm {

inline constexpr int kCmiJsonFormatVersion = 1;

std::string to_json(const CmiModel& model);

// The same document in the parts a store keeps apart (lrs::PlayerStore's cmi_values):
// everything but "values" (a JSON object), and one element name or value as the JSON
// string to_json writes for it.
std::string to_json_head(const CmiModel& model);
std::string json_string(const std::string& text);

// The model, or a message naming what is wrong (not JSON, unknown format_version,
// unknown element, a value that breaks its element's rules).
tl::expected<CmiModel, std::string> from_json(std::string_view json);

}  // namespace scorm

// Shared helpers for the scorm_cmi tests.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "scorm/cmi_model.h"

namespace cmi_test {

using Pairs = std::vector<std::pair<std::string, std::string>>;

// Applies `pairs` with set_value and returns the first non-zero code (0 if all pass).
inline int set_all(scorm::CmiModel& model, const Pairs& pairs) {
  for (const auto& [element, value] : pairs) {
    int code = model.set_value(element, value);
    if (code != 0) return code;
  }
  return 0;
}

inline std::string repeat(char c, std::size_t n) { return std::string(n, c); }

}  // namespace cmi_test

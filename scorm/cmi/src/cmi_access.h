// Access to CmiModel internals for the session, commit and JSON helpers of this library.
#pragma once

#include "scorm/cmi_model.h"

namespace scorm {

struct CmiModelAccess {
  static CmiValues& values(CmiModel& model) { return model.values_; }
  static void set_session_open(CmiModel& model, bool open) { model.session_open_ = open; }
  static CmiModel make(ScormVersion version, const CmiOptions& options) {
    return CmiModel(version, options);
  }
  // Stores `value` without any check (values the library itself computed).
  static void put(CmiModel& model, const std::string& element, std::string value) {
    model.values_[element] = std::move(value);
  }
  static void set_loading(CmiModel& model, bool loading) { model.loading_ = loading; }
  static void evaluate(CmiModel& model) {
    if (model.version_ == ScormVersion::kScorm2004) model.evaluate_2004();
  }
};

}  // namespace scorm

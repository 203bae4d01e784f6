// The SCORM API state machine (Initialize / Terminate / Commit around GetValue / SetValue)
// over a CmiModel, with the lifecycle error codes of each version.
//
// The server uses apply_commit for browser commits; this class is for callers that
// relay individual API calls (wrapped packages, tests, a server-side player) and must
// answer exactly as an LMS API instance would: 1.2 LMSInitialize/LMSFinish/LMSCommit
// (101, 201, 301) and 2004 Initialize/Terminate/Commit (102-143, 201, 391). The model is
// borrowed and must outlive the ScormApi. Not thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "scorm/cmi_model.h"

namespace scorm {

class ScormApi {
 public:
  explicit ScormApi(CmiModel& model) : model_(model) {}

  // Each returns true / false as the API's "true" / "false"; the error is in last_error().
  bool initialize(std::string_view param = "");
  bool terminate(std::string_view param = "");
  bool commit(std::string_view param = "");
  std::string get_value(std::string_view element);
  bool set_value(std::string_view element, std::string_view value);

  int last_error() const { return last_error_; }
  std::string_view get_error_string(int code) const;
  const std::string& get_diagnostic() const { return diagnostic_; }

  enum class State { kNotInitialized, kRunning, kTerminated };
  State state() const { return state_; }

 private:
  bool fail(int code, std::string diagnostic);
  bool ok();

  CmiModel& model_;
  State state_ = State::kNotInitialized;
  int last_error_ = 0;
  std::string diagnostic_;
};

}  // namespace scorm

#include "scorm/scorm_api.h"

namespace scorm {

namespace {

bool is_v12(const CmiModel& m) { return m.version() == ScormVersion::kScorm12; }

}  // namespace

bool ScormApi::fail(int code, std::string diagnostic) {
  last_error_ = code;
  diagnostic_ = std::move(diagnostic);
  return false;
}

bool ScormApi::ok() {
  last_error_ = 0;
  diagnostic_.clear();
  return true;
}

std::string_view ScormApi::get_error_string(int code) const {
  return error_string(model_.version(), code);
}

bool ScormApi::initialize(std::string_view param) {
  const bool v12 = is_v12(model_);
  // The parameter must be "" (RTE 1.2 3.3.2.1 / 2004 3.1.3.1).
  if (!param.empty()) return fail(201, "the parameter must be an empty string");
  if (state_ == State::kRunning)
    return fail(v12 ? errors12::kGeneralException : errors2004::kAlreadyInitialized,
                "the API instance is already initialized");
  if (state_ == State::kTerminated)
    return fail(v12 ? errors12::kGeneralException : errors2004::kContentInstanceTerminated,
                "the API instance has been terminated");
  state_ = State::kRunning;
  return ok();
}

bool ScormApi::terminate(std::string_view param) {
  const bool v12 = is_v12(model_);
  if (!param.empty()) return fail(201, "the parameter must be an empty string");
  if (state_ == State::kNotInitialized)
    return fail(v12 ? errors12::kNotInitialized : errors2004::kTerminationBeforeInitialization,
                "Terminate before Initialize");
  if (state_ == State::kTerminated)
    return fail(v12 ? errors12::kNotInitialized : errors2004::kTerminationAfterTermination,
                "Terminate after Terminate");
  state_ = State::kTerminated;
  return ok();
}

bool ScormApi::commit(std::string_view param) {
  const bool v12 = is_v12(model_);
  if (!param.empty()) return fail(201, "the parameter must be an empty string");
  if (state_ == State::kNotInitialized)
    return fail(v12 ? errors12::kNotInitialized : errors2004::kCommitBeforeInitialization,
                "Commit before Initialize");
  if (state_ == State::kTerminated)
    return fail(v12 ? errors12::kNotInitialized : errors2004::kCommitAfterTermination,
                "Commit after Terminate");
  return ok();
}

std::string ScormApi::get_value(std::string_view element) {
  const bool v12 = is_v12(model_);
  if (state_ == State::kNotInitialized) {
    fail(v12 ? errors12::kNotInitialized : errors2004::kRetrieveDataBeforeInitialization,
         "GetValue before Initialize");
    return "";
  }
  if (state_ == State::kTerminated) {
    fail(v12 ? errors12::kNotInitialized : errors2004::kRetrieveDataAfterTermination,
         "GetValue after Terminate");
    return "";
  }
  auto r = model_.get_value(element);
  last_error_ = r.error;
  diagnostic_ = model_.get_diagnostic();
  return r.value;
}

bool ScormApi::set_value(std::string_view element, std::string_view value) {
  const bool v12 = is_v12(model_);
  if (state_ == State::kNotInitialized)
    return fail(v12 ? errors12::kNotInitialized : errors2004::kStoreDataBeforeInitialization,
                "SetValue before Initialize");
  if (state_ == State::kTerminated)
    return fail(v12 ? errors12::kNotInitialized : errors2004::kStoreDataAfterTermination,
                "SetValue after Terminate");
  int code = model_.set_value(element, value);
  last_error_ = code;
  diagnostic_ = model_.get_diagnostic();
  return code == 0;
}

}  // namespace scorm

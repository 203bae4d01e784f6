// Access to CmiModel internals for the session, commit and JSON helpers of this library.
#pragma once

#include <cstddef>
#include <string_view>

#include "scorm/cmi_model.h"

namespace scorm {

struct CmiModelAccess {
  // Drops stored values without any check or journal (a new session, a model loaded).
  static void erase(CmiModel& model, std::string_view element) { model.values_.erase(element); }
  static void clear(CmiModel& model) { model.values_.clear(); }
  static void set_session_open(CmiModel& model, bool open) { model.session_open_ = open; }
  static CmiModel make(ScormVersion version, const CmiOptions& options) {
    return CmiModel(version, options);
  }
  // Stores `value` without any check (values the library itself computed); tracked.
  static void put(CmiModel& model, const std::string& element, std::string value) {
    model.write(element) = std::move(value);
  }
  // A commit applied in place: its writes are journaled from the returned mark on
  // (tracking starts here when the caller does not track), and end_commit undoes them
  // when the commit is rejected.
  struct CommitMark {
    std::size_t journal_size = 0;
    bool started_tracking = false;
  };
  static CommitMark begin_commit(CmiModel& model) {
    if (model.tracking_) return {model.journal_.size(), false};
    model.start_tracking();
    return {0, true};
  }
  static void end_commit(CmiModel& model, const CommitMark& mark, bool accepted) {
    if (!accepted) model.roll_back(mark.journal_size);
    if (mark.started_tracking) model.stop_tracking();
  }
  // set_value / is_read_only of an element the caller has parsed (parse_element) already.
  static int set_value(CmiModel& model, std::string_view element, std::string_view value,
                       const detail::ParsedElement& parsed) {
    return model.set_impl(element, value, CmiModel::Writer::kSco, &parsed);
  }
  static bool is_read_only(const CmiModel& model, std::string_view element,
                           const detail::ParsedElement& parsed) {
    return model.is_read_only(element, parsed);
  }
  static void set_loading(CmiModel& model, bool loading) { model.loading_ = loading; }
  static void evaluate(CmiModel& model) {
    if (model.version_ == ScormVersion::kScorm2004) model.evaluate_2004();
  }
};

}  // namespace scorm

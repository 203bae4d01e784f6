#include "scorm/cmi_session.h"

#include "cmi_access.h"
#include "cmi_types.h"

namespace scorm {

namespace {

struct Keys {
  const char* exit;
  const char* session_time;
  const char* total_time;
  const char* entry;
  const char* credit;
  const char* mode;
  const char* learner_id;
  const char* learner_name;
};

const Keys& keys(ScormVersion v) {
  static const Keys k12 = {"cmi.core.exit",       "cmi.core.session_time", "cmi.core.total_time",
                           "cmi.core.entry",      "cmi.core.credit",       "cmi.core.lesson_mode",
                           "cmi.core.student_id", "cmi.core.student_name"};
  static const Keys k2004 = {"cmi.exit",       "cmi.session_time", "cmi.total_time",
                             "cmi.entry",      "cmi.credit",       "cmi.mode",
                             "cmi.learner_id", "cmi.learner_name"};
  return v == ScormVersion::kScorm12 ? k12 : k2004;
}

std::optional<long long> duration(ScormVersion v, std::string_view text) {
  return v == ScormVersion::kScorm12 ? detail::parse_timespan_12_cs(text)
                                     : detail::parse_duration_2004_cs(text);
}

std::string format(ScormVersion v, long long cs) {
  return v == ScormVersion::kScorm12 ? detail::format_timespan_12_cs(cs)
                                     : detail::format_duration_2004_cs(cs);
}

}  // namespace

std::optional<long long> parse_timespan_12(std::string_view text) {
  return detail::parse_timespan_12_cs(text);
}
std::optional<long long> parse_duration_2004(std::string_view text) {
  return detail::parse_duration_2004_cs(text);
}
std::string format_timespan_12(long long cs) { return detail::format_timespan_12_cs(cs); }
std::string format_duration_2004(long long cs) { return detail::format_duration_2004_cs(cs); }

SessionStart start_session(const CmiModel& previous, const LaunchValues& launch) {
  const ScormVersion v = previous.version();
  const Keys& k = keys(v);
  CmiModel last = previous;
  if (last.session_open()) end_session(last);

  std::string exit = last.stored(k.exit).value_or("");
  // Browse and review never start an attempt: that would wipe the recorded results, and
  // in those modes nothing that counts may change.
  bool counting = launch.mode == "normal";
  bool resume = false;
  bool fresh = false;
  bool pristine = last.values() == make_cmi_model(v, previous.options()).values();
  if (pristine) {
    fresh = true;  // the very first launch, whatever the mode
  } else if (!counting || launch.policy == AttemptPolicy::kContinue) {
    // Keep the attempt as it is, entry "".
  } else if (launch.policy == AttemptPolicy::kNew) {
    fresh = true;
  } else {
    resume = exit == "suspend";
    fresh = !resume;
  }

  SessionStart out{fresh ? make_cmi_model(v, previous.options()) : last, resume, fresh, 0, ""};
  CmiModel& m = out.model;
  // Exit and session_time belong to one session; a resumed attempt starts without them.
  CmiModelAccess::erase(m, k.exit);
  CmiModelAccess::erase(m, k.session_time);
  if (v == ScormVersion::kScorm2004) CmiModelAccess::put(m, "adl.nav.request", "_none_");
  CmiModelAccess::put(m, k.entry, fresh ? "ab-initio" : resume ? "resume" : "");

  auto lms = [&](const std::string& element, const std::string& value) {
    int code = m.set_lms_value(element, value);
    if (code != 0 && out.error == 0) {
      out.error = code;
      out.diagnostic = m.get_diagnostic();
    }
  };
  lms(k.learner_id, launch.learner_id);
  lms(k.learner_name, launch.learner_name);
  lms(k.credit, launch.credit ? "credit" : "no-credit");
  lms(k.mode, launch.mode);
  for (const auto& [element, value] : launch.lms_values) lms(element, value);
  if (out.error != 0) {
    out.model = previous;
    out.resumed = out.new_attempt = false;
    return out;
  }
  CmiModelAccess::evaluate(m);
  CmiModelAccess::set_session_open(m, true);
  return out;
}

SessionEnd end_session(CmiModel& model, const SessionEndOptions& options) {
  const ScormVersion v = model.version();
  const Keys& k = keys(v);
  SessionEnd out;
  if (!model.session_open()) {
    out.error = errors12::kGeneralException;
    out.diagnostic = "no session is open";
    return out;
  }
  out.exit = model.stored(k.exit).value_or("");
  out.suspended = out.exit == "suspend";
  out.session_time = model.stored(k.session_time).value_or("");
  const std::string mode = model.mode();

  auto total = duration(v, model.stored(k.total_time).value_or("")).value_or(0);
  auto session = duration(v, out.session_time);
  // Time spent reviewing or browsing is not time on the attempt.
  if (session && mode == "normal") {
    total += *session;
    CmiModelAccess::put(model, k.total_time, format(v, total));
  }
  out.total_time = model.stored(k.total_time).value_or(format(v, total));

  if (v == ScormVersion::kScorm12) {
    // RTE 1.2 3.4.4 (cmi.core.lesson_status) and 3.4.5 (mastery_score): with credit the
    // LMS sets passed / failed from score.raw against the mastery score.
    std::string status = model.stored("cmi.core.lesson_status").value_or("not attempted");
    auto raw = detail::parse_real(model.stored("cmi.core.score.raw").value_or(""));
    auto mastery = detail::parse_real(model.stored("cmi.student_data.mastery_score").value_or(""));
    bool credit = model.stored(k.credit).value_or("credit") == "credit";
    if (mode == "normal" && credit && raw && mastery) {
      status = *raw >= *mastery ? "passed" : "failed";
    } else if (status == "not attempted") {
      if (mode == "browse")
        status = "browsed";
      else if (mode == "normal")
        status = options.auto_complete_12 ? "completed" : "incomplete";
    }
    CmiModelAccess::put(model, "cmi.core.lesson_status", status);
  } else {
    CmiModelAccess::evaluate(model);
  }
  CmiModelAccess::set_session_open(model, false);
  return out;
}

}  // namespace scorm

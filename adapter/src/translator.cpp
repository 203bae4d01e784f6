// CMI -> xAPI translation per the ADL xAPI SCORM profile (xapi-scorm-profile.md, section 6)
// and the xAPI interaction activities (xAPI-Data.md, Interaction Activities, Appendix C).
#include "adapter/translator.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "lrs/statement_service.h"
#include "lrs/timestamp.h"
#include "scorm/cmi_commit.h"
#include "scorm/cmi_session.h"

namespace adapter {
namespace {

using nlohmann::json;
using scorm::ScormVersion;

constexpr std::string_view kVerbs = "http://adlnet.gov/expapi/verbs/";
constexpr std::string_view kTypes = "http://adlnet.gov/expapi/activities/";
// Every verb the translation uses (after kVerbs).
constexpr std::string_view kVerbNames[] = {"initialized", "resumed",    "responded", "completed",
                                           "passed",      "failed",     "commented", "progressed",
                                           "scored",      "terminated", "suspended"};

std::string cat(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (auto p : parts) out.append(p);
  return out;
}

std::optional<double> to_number(const std::optional<std::string>& text) {
  if (!text || text->empty()) return std::nullopt;
  double v = 0;
  const char* first = text->data();
  const char* last = first + text->size();
  if (*first == '+') ++first;
  auto [ptr, ec] = std::from_chars(first, last, v);
  if (ec != std::errc() || ptr != last || !std::isfinite(v)) return std::nullopt;
  return v;
}

// Percent-encodes what would end or break an IRI path segment; SCORM ids are usually URIs
// or plain words, which pass unchanged.
std::string iri_segment(std::string_view id) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : id) {
    bool escape =
        c <= 0x20 || c == 0x7f ||
        std::string_view("/?#[]%\"<>\\^`{|}").find(static_cast<char>(c)) != std::string_view::npos;
    if (escape) {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

std::vector<std::string> split(std::string_view text, std::string_view delimiter) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    auto pos = text.find(delimiter, start);
    if (pos == std::string_view::npos) {
      out.emplace_back(text.substr(start));
      return out;
    }
    out.emplace_back(text.substr(start, pos - start));
    start = pos + delimiter.size();
  }
}

std::string replace_all(std::string_view text, char from, std::string_view to) {
  std::string out;
  for (char c : text) {
    if (c == from) {
      out.append(to);
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// ISO 8601 duration (0.01 s) of a 1.2 CMITimespan or a 2004 duration; nullopt if malformed.
std::optional<std::string> iso_duration(ScormVersion v, const std::optional<std::string>& text) {
  if (!text || text->empty()) return std::nullopt;
  auto cs = v == ScormVersion::kScorm12 ? scorm::parse_timespan_12(*text)
                                        : scorm::parse_duration_2004(*text);
  if (!cs) return std::nullopt;
  return scorm::format_duration_2004(*cs);
}

// The element names of the two versions (1.2 RTE section 3.4, 2004 RTE section 4.2).
struct Keys {
  std::string_view entry, exit, session_time, total_time, score, credit, mode, location;
  std::string_view response;  // interaction field
};
const Keys& keys(ScormVersion v) {
  static const Keys k12 = {
      "cmi.core.entry",  "cmi.core.exit",   "cmi.core.session_time", "cmi.core.total_time",
      "cmi.core.score",  "cmi.core.credit", "cmi.core.lesson_mode",  "cmi.core.lesson_location",
      "student_response"};
  static const Keys k2004 = {"cmi.entry",      "cmi.exit",     "cmi.session_time",
                             "cmi.total_time", "cmi.score",    "cmi.credit",
                             "cmi.mode",       "cmi.location", "learner_response"};
  return v == ScormVersion::kScorm12 ? k12 : k2004;
}

// One CMI state with the lookups the translation needs.
class View {
 public:
  View(const scorm::CmiModel& m, ScormVersion v) : m_(m), v_(v) {}
  std::optional<std::string> get(std::string_view element) const { return m_.stored(element); }
  std::optional<std::string> get(std::string_view prefix, std::size_t n,
                                 std::string_view field) const {
    return m_.stored(cat({prefix, ".", std::to_string(n), ".", field}));
  }
  std::string value(std::string_view element) const { return get(element).value_or(""); }
  std::size_t count(std::string_view collection) const { return m_.count(collection); }
  bool is12() const { return v_ == ScormVersion::kScorm12; }
  ScormVersion version() const { return v_; }

  // {scaled, raw, min, max} of a score element prefix ("cmi.score", "cmi.objectives.0.score");
  // 1.2 scaled = raw / 100 clamped to -1..1. min / max are dropped when raw lies outside
  // them, because xAPI requires min <= raw <= max.
  std::optional<json> score(std::string_view prefix) const {
    auto raw = to_number(get(cat({prefix, ".raw"})));
    auto min = to_number(get(cat({prefix, ".min"})));
    auto max = to_number(get(cat({prefix, ".max"})));
    std::optional<double> scaled;
    if (is12()) {
      if (raw) scaled = std::clamp(*raw / 100.0, -1.0, 1.0);
    } else {
      scaled = to_number(get(cat({prefix, ".scaled"})));
    }
    if (!scaled && !raw) return std::nullopt;
    json s = json::object();
    if (scaled) s["scaled"] = *scaled;
    if (raw) {
      s["raw"] = *raw;
      bool min_ok = min && *min <= *raw;
      bool max_ok = max && *max >= *raw;
      if (min_ok && (!max || max_ok)) s["min"] = *min;
      if (max_ok && (!min || min_ok)) s["max"] = *max;
    }
    return s;
  }

 private:
  const scorm::CmiModel& m_;
  ScormVersion v_;
};

// The changes of one translation, grouped by what they touch.
struct ChangeSet {
  std::set<std::string, scorm::ElementLess> elements;
  std::set<std::size_t> interactions, objectives, comments;

  explicit ChangeSet(const std::vector<scorm::CmiChange>& changes) {
    for (const auto& c : changes) {
      if (!c.new_value) continue;  // removals belong to a new attempt, nothing to report
      elements.insert(c.element);
      auto index_of = [&](std::string_view prefix) -> std::optional<std::size_t> {
        std::string_view e = c.element;
        if (e.substr(0, prefix.size()) != prefix) return std::nullopt;
        e.remove_prefix(prefix.size());
        std::size_t n = 0;
        auto [ptr, ec] = std::from_chars(e.data(), e.data() + e.size(), n);
        if (ec != std::errc() || ptr == e.data()) return std::nullopt;
        return n;
      };
      if (auto n = index_of("cmi.interactions.")) interactions.insert(*n);
      if (auto n = index_of("cmi.objectives.")) objectives.insert(*n);
      if (auto n = index_of("cmi.comments_from_learner.")) comments.insert(*n);
    }
  }
  bool has(std::string_view element) const { return elements.contains(element); }
  bool has_prefix(std::string_view prefix) const {
    auto it = elements.lower_bound(prefix);
    return it != elements.end() && it->starts_with(prefix);
  }
};

json activity(std::string_view id, std::string_view type, std::string_view name) {
  json def = {{"type", cat({kTypes, type})}};
  if (!name.empty()) def["name"] = {{"en-US", name}};
  return {{"objectType", "Activity"}, {"id", id}, {"definition", std::move(def)}};
}

json sco_activity(const TranslationContext& ctx) {
  return activity(ctx.sco_iri, "lesson", ctx.sco_title);
}

json course_activity(const TranslationContext& ctx) {
  return activity(ctx.course_iri, "course", ctx.course_title);
}

// Where a statement's object sits: the SCO itself, below the SCO (interactions,
// objectives: parent = SCO), or the course (no parent, no grouping).
enum class Level { kSco, kChildOfSco, kCourse };

// The context of every statement at `level`: registration, the attempt's activities and
// the profile category.
json statement_context(const TranslationContext& ctx, Level level) {
  json context = {{"registration", ctx.registration}};
  json ca = json::object();
  if (level == Level::kChildOfSco) ca["parent"] = json::array({sco_activity(ctx)});
  if (level != Level::kCourse) {
    ca["grouping"] = json::array({activity(ctx.attempt_iri, "attempt", ""), course_activity(ctx)});
  }
  ca["category"] = json::array({activity(kProfileIri, "profile", "")});
  context["contextActivities"] = std::move(ca);
  if (!ctx.platform.empty()) context["platform"] = ctx.platform;
  if (!ctx.language.empty()) context["language"] = ctx.language;
  return context;
}

json verb_json(std::string_view verb) {
  return {{"id", cat({kVerbs, verb})}, {"display", {{"en-US", verb}}}};
}

// One statement as the translation decides it: the parts that differ between the
// statements of an attempt. The actor and the context follow from the
// TranslationContext and `level` (translate() builds them into each statement,
// translate_prepared() takes them from the attempt's StatementFrames).
struct Made {
  lrs::Uuid id;
  std::string verb;  // after http://adlnet.gov/expapi/verbs/
  json object;       // null: the level's own activity (the SCO, the course)
  json result;       // null: none
  std::string timestamp;
  Level level = Level::kSco;
};

json statement_json(const TranslationContext& ctx, Made made) {
  if (made.object.is_null()) {
    made.object = made.level == Level::kCourse ? course_activity(ctx) : sco_activity(ctx);
  }
  json s = {{"id", made.id.str()},
            {"actor", learner_agent(ctx)},
            {"verb", verb_json(made.verb)},
            {"object", std::move(made.object)},
            {"context", statement_context(ctx, made.level)},
            {"timestamp", std::move(made.timestamp)}};
  if (!made.result.is_null()) s["result"] = std::move(made.result);
  return s;
}

class Builder {
 public:
  Builder(const TranslationContext& ctx, RuntimeEvent event, std::int64_t sequence,
          std::int64_t timestamp_us)
      : ctx_(ctx),
        event_(event),
        sequence_(sequence),
        timestamp_(lrs::format_timestamp_us(timestamp_us)) {}

  // A statement of `verb` about `object` (null: the level's own activity); `kind` and
  // `subject` make its id.
  Made statement(std::string_view verb, std::string_view kind, std::string_view subject,
                 json object, bool child_of_sco) const {
    return statement(verb, kind, subject, std::move(object),
                     child_of_sco ? Level::kChildOfSco : Level::kSco);
  }

  Made statement(std::string_view verb, std::string_view kind, std::string_view subject,
                 json object, Level level) const {
    std::string name = cat({ctx_.attempt_iri, "|", std::to_string(sequence_), "|", event_name(),
                            "|", kind, "|", subject});
    static const lrs::Uuid ns = *lrs::Uuid::parse(kStatementNamespace);
    return {
        lrs::Uuid::v5(ns, name), std::string(verb), std::move(object), json(), timestamp_, level};
  }

 private:
  std::string_view event_name() const {
    switch (event_) {
      case RuntimeEvent::kInitialize:
        return "initialize";
      case RuntimeEvent::kCommit:
        return "commit";
      case RuntimeEvent::kTerminate:
        return "terminate";
    }
    return "";
  }

  const TranslationContext& ctx_;
  RuntimeEvent event_;
  std::int64_t sequence_;
  std::string timestamp_;
};

// A CMI timestamp (2004 time(second,10,0)) as an xAPI timestamp, when it carries a zone;
// a local time without one cannot be placed and falls back to the commit's timestamp.
std::optional<std::string> cmi_timestamp(const std::optional<std::string>& text) {
  if (!text || text->empty()) return std::nullopt;
  auto us = lrs::parse_timestamp_us(*text);
  if (!us) return std::nullopt;
  return lrs::format_timestamp_us(*us);
}

// Component ids of an interaction, in order of first appearance, from its correct response
// patterns and the learner's response (SCORM carries no component text).
struct Components {
  std::vector<std::string> first, second;  // choices|source|steps|scale, target
  void add(std::vector<std::string>& list, const std::string& id) {
    if (!id.empty() && std::find(list.begin(), list.end(), id) == list.end()) list.push_back(id);
  }
  void take(std::string_view type, std::string_view response) {
    if (type == "choice" || type == "sequencing" || type == "likert") {
      for (auto& id : split(response, "[,]")) add(first, id);
    } else if (type == "matching" || type == "performance") {
      for (auto& pair : split(response, "[,]")) {
        auto parts = split(pair, "[.]");
        if (parts.size() < 2) continue;  // 1.2 performance is free text, not step[.]answer
        add(first, parts[0]);
        if (type == "matching") add(second, parts[1]);
      }
    }
  }
  static json list(const std::vector<std::string>& ids) {
    json out = json::array();
    for (const auto& id : ids) out.push_back({{"id", id}, {"description", {{"en-US", id}}}});
    return out;
  }
};

void responded(const View& v, const Builder& b, const TranslationContext& ctx, std::size_t n,
               std::vector<Made>& out) {
  constexpr std::string_view p = "cmi.interactions";
  auto response = v.get(p, n, keys(v.version()).response);
  auto id = v.get(p, n, "id");
  if (!response || !id) return;
  std::string type = v.get(p, n, "type").value_or("other");
  auto convert = [&](std::string_view text) {
    return v.is12() ? convert_response_12(type, text) : std::string(text);
  };
  std::string xresponse = convert(*response);

  json def = {{"type", cat({kTypes, "cmi.interaction"})},
              {"name", {{"en-US", *id}}},
              {"interactionType", type}};
  if (auto d = v.get(p, n, "description"); d && !d->empty()) def["description"] = {{"en-US", *d}};
  Components comps;
  std::size_t patterns = v.count(cat({p, ".", std::to_string(n), ".correct_responses"}));
  json pattern_list = json::array();
  for (std::size_t k = 0; k < patterns; ++k) {
    auto pat = v.get(cat({p, ".", std::to_string(n), ".correct_responses"}), k, "pattern");
    if (!pat) continue;
    std::string x = convert(*pat);
    comps.take(type, x);
    pattern_list.push_back(std::move(x));
  }
  if (patterns > 0) def["correctResponsesPattern"] = std::move(pattern_list);
  comps.take(type, xresponse);
  if (type == "choice" || type == "sequencing") {
    def["choices"] = Components::list(comps.first);
  } else if (type == "likert") {
    def["scale"] = Components::list(comps.first);
  } else if (type == "matching") {
    def["source"] = Components::list(comps.first);
    def["target"] = Components::list(comps.second);
  } else if (type == "performance") {
    def["steps"] = Components::list(comps.first);
  }

  json result = {{"response", xresponse}};
  std::string outcome = v.get(p, n, "result").value_or("");
  if (outcome == "correct") {
    result["success"] = true;
  } else if (outcome == "incorrect" || outcome == "wrong") {
    result["success"] = false;
  } else if (auto raw = to_number(outcome)) {
    result["score"] = {{"raw", *raw}};
  }
  if (auto d = iso_duration(v.version(), v.get(p, n, "latency"))) result["duration"] = *d;

  json object = {{"objectType", "Activity"},
                 {"id", cat({ctx.sco_iri, "/interactions/", iri_segment(*id)})},
                 {"definition", std::move(def)}};
  Made s = b.statement("responded", "responded", std::to_string(n), std::move(object), true);
  s.result = std::move(result);
  if (!v.is12()) {
    if (auto t = cmi_timestamp(v.get(p, n, "timestamp"))) s.timestamp = *t;
  }
  out.push_back(std::move(s));
}

void objective(const View& v, const ChangeSet& changes, const Builder& b,
               const TranslationContext& ctx, std::size_t n, std::vector<Made>& out) {
  constexpr std::string_view p = "cmi.objectives";
  auto id = v.get(p, n, "id");
  if (!id) return;
  std::string prefix = cat({p, ".", std::to_string(n), "."});
  auto object = [&] {
    json o = activity(cat({ctx.course_iri, "/", iri_segment(ctx.sco_identifier), "/objective/",
                           iri_segment(*id)}),
                      "objective", *id);
    if (auto d = v.get(p, n, "description"); d && !d->empty()) {
      o["definition"]["description"] = {{"en-US", *d}};
    }
    return o;
  };
  auto emit = [&](std::string_view verb, json result) {
    if (auto s = v.score(cat({prefix, "score"}))) result["score"] = *s;
    Made st = b.statement(verb, cat({"objective-", verb}), std::to_string(n), object(), true);
    st.result = std::move(result);
    out.push_back(std::move(st));
  };
  if (v.is12()) {
    if (!changes.has(cat({prefix, "status"}))) return;
    std::string status = v.value(cat({prefix, "status"}));
    if (status == "passed") emit("passed", {{"success", true}, {"completion", true}});
    if (status == "failed") emit("failed", {{"success", false}});
    if (status == "completed") emit("completed", {{"completion", true}});
    return;
  }
  if (changes.has(cat({prefix, "completion_status"})) &&
      v.value(cat({prefix, "completion_status"})) == "completed") {
    emit("completed", {{"completion", true}});
  }
  if (changes.has(cat({prefix, "success_status"}))) {
    std::string status = v.value(cat({prefix, "success_status"}));
    if (status == "passed") emit("passed", {{"success", true}});
    if (status == "failed") emit("failed", {{"success", false}});
  }
}

// The SCO's overall result: completion and success from the statuses (1.2 lesson_status:
// passed => completed + success, failed => success false, completed => completed,
// incomplete => not completed, browsed / not attempted => nothing), and the score.
json sco_result(const View& v) {
  json r = json::object();
  std::string completion, success;
  if (v.is12()) {
    std::string status = v.value("cmi.core.lesson_status");
    if (status == "passed") {
      completion = "completed";
      success = "passed";
    } else if (status == "failed") {
      success = "failed";
    } else {
      completion = status;
    }
  } else {
    completion = v.value("cmi.completion_status");
    success = v.value("cmi.success_status");
  }
  if (completion == "completed") r["completion"] = true;
  if (completion == "incomplete") r["completion"] = false;
  if (success == "passed") r["success"] = true;
  if (success == "failed") r["success"] = false;
  if (auto s = v.score(keys(v.version()).score)) r["score"] = *s;
  return r;
}

void commit_statements(const View& v, const ChangeSet& changes, const Builder& b,
                       const TranslationContext& ctx, const std::string& comment12,
                       std::vector<Made>& out) {
  for (auto n : changes.interactions) responded(v, b, ctx, n, out);
  for (auto n : changes.objectives) objective(v, changes, b, ctx, n, out);

  // commented: 2004 comments_from_learner.n.comment; 1.2 cmi.comments (comment12).
  for (auto n : changes.comments) {
    auto text = v.get("cmi.comments_from_learner", n, "comment");
    if (!text || text->empty()) continue;
    Made s = b.statement("commented", "commented", std::to_string(n), json(), false);
    s.result = {{"response", *text}};
    if (auto t = cmi_timestamp(v.get("cmi.comments_from_learner", n, "timestamp"))) {
      s.timestamp = *t;
    }
    out.push_back(std::move(s));
  }
  if (!comment12.empty()) {
    Made s = b.statement("commented", "commented", "", json(), false);
    s.result = {{"response", comment12}};
    out.push_back(std::move(s));
  }

  const std::string_view score = keys(v.version()).score;
  if (!v.is12() && changes.has("cmi.progress_measure")) {
    if (auto pm = to_number(v.get("cmi.progress_measure"))) {
      Made s = b.statement("progressed", "progressed", "", json(), false);
      s.result = {{"score", {{"scaled", *pm}}}};
      out.push_back(std::move(s));
    }
  }
  if (changes.has_prefix(cat({score, "."}))) {
    if (auto sc = v.score(score)) {
      Made s = b.statement("scored", "scored", "", json(), false);
      s.result = {{"score", *sc}};
      out.push_back(std::move(s));
    }
  }
  auto status_statement = [&](std::string_view verb, json result) {
    Made s = b.statement(verb, verb, "", json(), false);
    if (auto sc = v.score(score); sc && verb != "completed") result["score"] = *sc;
    s.result = std::move(result);
    out.push_back(std::move(s));
  };
  if (v.is12()) {
    if (changes.has("cmi.core.lesson_status")) {
      std::string status = v.value("cmi.core.lesson_status");
      if (status == "completed") status_statement("completed", {{"completion", true}});
      if (status == "passed") status_statement("passed", {{"success", true}, {"completion", true}});
      if (status == "failed") status_statement("failed", {{"success", false}});
    }
  } else {
    if (changes.has("cmi.completion_status") && v.value("cmi.completion_status") == "completed") {
      status_statement("completed", {{"completion", true}});
    }
    if (changes.has("cmi.success_status")) {
      std::string status = v.value("cmi.success_status");
      if (status == "passed") status_statement("passed", {{"success", true}});
      if (status == "failed") status_statement("failed", {{"success", false}});
    }
  }
}

}  // namespace

std::string make_attempt_iri(std::string_view sco_iri, const lrs::Uuid& attempt_id) {
  return cat({sco_iri, "?attemptId=", attempt_id.str()});
}

json learner_agent(const TranslationContext& ctx) {
  json agent = {{"objectType", "Agent"},
                {"account", {{"homePage", ctx.learner_home_page}, {"name", ctx.learner_account}}}};
  if (!ctx.learner_name.empty()) agent["name"] = ctx.learner_name;
  return agent;
}

std::vector<json> translate(const TranslationContext& ctx, const scorm::CmiModel& before,
                            const scorm::CmiModel& after, RuntimeEvent event,
                            std::int64_t commit_sequence, std::int64_t timestamp_us) {
  if (event == RuntimeEvent::kInitialize) {
    return translate(ctx, std::vector<scorm::CmiChange>{}, after, event, commit_sequence,
                     timestamp_us);
  }
  return translate(ctx, scorm::diff(before, after), after, event, commit_sequence, timestamp_us);
}

namespace {

std::vector<Made> made_statements(const TranslationContext& ctx,
                                  const std::vector<scorm::CmiChange>& change_list,
                                  const scorm::CmiModel& after, RuntimeEvent event,
                                  std::int64_t commit_sequence, std::int64_t timestamp_us) {
  std::vector<Made> out;
  Builder b(ctx, event, commit_sequence, timestamp_us);
  View v(after, ctx.version);
  const Keys& k = keys(ctx.version);

  if (event == RuntimeEvent::kInitialize) {
    std::string_view verb = v.value(k.entry) == "resume" ? "resumed" : "initialized";
    out.push_back(b.statement(verb, verb, "", json(), false));
    return out;
  }

  ChangeSet changes(change_list);
  // cmi.comments (1.2) is one text, not a collection; when the new text extends the old
  // one, only the added part is the new comment.
  std::string comment12;
  if (v.is12() && changes.has("cmi.comments")) {
    std::string old_text;
    for (const auto& c : change_list) {
      if (c.element == "cmi.comments") old_text = c.old_value.value_or("");
    }
    comment12 = v.value("cmi.comments");
    if (!old_text.empty() && comment12.size() > old_text.size() &&
        comment12.starts_with(old_text)) {
      comment12.erase(0, old_text.size());
    }
  }
  commit_statements(v, changes, b, ctx, comment12, out);

  if (event == RuntimeEvent::kTerminate) {
    std::string_view verb = v.value(k.exit) == "suspend" ? "suspended" : "terminated";
    Made s = b.statement(verb, verb, "", json(), false);
    json result = sco_result(v);
    if (auto d = iso_duration(ctx.version, v.get(k.session_time))) result["duration"] = *d;
    if (!result.empty()) s.result = std::move(result);
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<Made> made_course_statements(const TranslationContext& ctx, const CourseStatus& before,
                                         const CourseStatus& after, RuntimeEvent event,
                                         std::int64_t commit_sequence, std::int64_t timestamp_us) {
  std::vector<Made> out;
  Builder b(ctx, event, commit_sequence, timestamp_us);
  auto emit = [&](std::string_view verb, json result) {
    if (after.measure && verb != "completed") {
      result["score"] = {{"scaled", std::clamp(*after.measure, -1.0, 1.0)}};
    }
    Made s = b.statement(verb, cat({"course-", verb}), "", json(), Level::kCourse);
    s.result = std::move(result);
    out.push_back(std::move(s));
  };
  if (after.completed == true && before.completed != true)
    emit("completed", {{"completion", true}});
  if (after.satisfied && after.satisfied != before.satisfied) {
    if (*after.satisfied) {
      emit("passed", {{"success", true}});
    } else {
      emit("failed", {{"success", false}});
    }
  }
  return out;
}

std::vector<json> statements_json(const TranslationContext& ctx, std::vector<Made> made) {
  std::vector<json> out;
  out.reserve(made.size());
  for (Made& m : made) out.push_back(statement_json(ctx, std::move(m)));
  return out;
}

const lrs::StatementFrame& frame_of(const StatementFrames& frames, Level level) {
  switch (level) {
    case Level::kSco:
      return frames.sco();
    case Level::kChildOfSco:
      return frames.child_of_sco();
    case Level::kCourse:
      return frames.course();
  }
  return frames.sco();
}

lrs::PreparedStatements prepared(const StatementFrames& frames, const std::vector<Made>& made) {
  std::vector<lrs::StatementRecord> records;
  records.reserve(made.size());
  for (const Made& m : made) {
    const json* verb = frames.verb(m.verb);
    json made_verb;
    if (verb == nullptr) {
      made_verb = verb_json(m.verb);
      verb = &made_verb;
    }
    const lrs::StatementFrame& frame = frame_of(frames, m.level);
    records.push_back(m.object.is_null()
                          ? frame.record(m.id, *verb, m.result, m.timestamp)
                          : frame.record(m.id, *verb, m.object, m.result, m.timestamp));
  }
  return lrs::prepared_from_records(std::move(records));
}

}  // namespace

std::vector<json> translate(const TranslationContext& ctx,
                            const std::vector<scorm::CmiChange>& change_list,
                            const scorm::CmiModel& after, RuntimeEvent event,
                            std::int64_t commit_sequence, std::int64_t timestamp_us) {
  return statements_json(
      ctx, made_statements(ctx, change_list, after, event, commit_sequence, timestamp_us));
}

std::vector<json> course_statements(const TranslationContext& ctx, const CourseStatus& before,
                                    const CourseStatus& after, RuntimeEvent event,
                                    std::int64_t commit_sequence, std::int64_t timestamp_us) {
  return statements_json(
      ctx, made_course_statements(ctx, before, after, event, commit_sequence, timestamp_us));
}

lrs::Result<StatementFrames> StatementFrames::make(const TranslationContext& ctx,
                                                   const lrs::Principal& who,
                                                   const lrs::ClientVersion& version) {
  const json actor = learner_agent(ctx);
  auto sco = lrs::StatementFrame::make(actor, statement_context(ctx, Level::kSco),
                                       sco_activity(ctx), who, version);
  if (!sco) return tl::unexpected(sco.error());
  auto child =
      lrs::StatementFrame::make(actor, statement_context(ctx, Level::kChildOfSco), who, version);
  if (!child) return tl::unexpected(child.error());
  auto course = lrs::StatementFrame::make(actor, statement_context(ctx, Level::kCourse),
                                          course_activity(ctx), who, version);
  if (!course) return tl::unexpected(course.error());
  std::vector<std::pair<std::string, json>> verbs;
  for (std::string_view verb : kVerbNames) verbs.emplace_back(verb, verb_json(verb));
  return StatementFrames(ctx, std::move(*sco), std::move(*child), std::move(*course),
                         std::move(verbs));
}

const json* StatementFrames::verb(std::string_view name) const {
  for (const auto& [verb, object] : verbs_) {
    if (verb == name) return &object;
  }
  return nullptr;
}

lrs::PreparedStatements translate_prepared(const StatementFrames& frames,
                                           const std::vector<scorm::CmiChange>& changes,
                                           const scorm::CmiModel& after, RuntimeEvent event,
                                           std::int64_t commit_sequence,
                                           std::int64_t timestamp_us) {
  return prepared(frames, made_statements(frames.context(), changes, after, event, commit_sequence,
                                          timestamp_us));
}

lrs::PreparedStatements course_statements_prepared(const StatementFrames& frames,
                                                   const CourseStatus& before,
                                                   const CourseStatus& after, RuntimeEvent event,
                                                   std::int64_t commit_sequence,
                                                   std::int64_t timestamp_us) {
  return prepared(frames, made_course_statements(frames.context(), before, after, event,
                                                 commit_sequence, timestamp_us));
}

json activity_state(const json& previous, std::string_view attempt_iri) {
  json doc = previous.is_object() ? previous : json::object();
  if (!doc.contains("attempts") || !doc["attempts"].is_array()) doc["attempts"] = json::array();
  json& attempts = doc["attempts"];
  if (attempts.empty() || attempts.back() != attempt_iri) attempts.push_back(attempt_iri);
  return doc;
}

json attempt_state(const scorm::CmiModel& model) {
  View v(model, model.version());
  const Keys& k = keys(model.version());
  json doc = json::object();
  if (auto c = v.get(k.credit)) doc["credit"] = *c;
  if (auto m = v.get(k.mode)) doc["mode"] = *m;
  if (auto l = v.get(k.location)) doc["location"] = *l;

  json prefs = json::object();
  auto pref_number = [&](std::string_view element, const char* name) {
    if (auto x = to_number(v.get(element))) prefs[name] = *x;
  };
  if (v.is12()) {
    pref_number("cmi.student_preference.audio", "audio_level");
    if (auto l = v.get("cmi.student_preference.language")) prefs["language"] = *l;
    pref_number("cmi.student_preference.speed", "delivery_speed");
    pref_number("cmi.student_preference.text", "audio_captioning");
  } else {
    pref_number("cmi.learner_preference.audio_level", "audio_level");
    if (auto l = v.get("cmi.learner_preference.language")) prefs["language"] = *l;
    pref_number("cmi.learner_preference.delivery_speed", "delivery_speed");
    pref_number("cmi.learner_preference.audio_captioning", "audio_captioning");
  }
  if (!prefs.empty()) doc["preferences"] = std::move(prefs);
  if (auto t = iso_duration(model.version(), v.get(k.total_time))) doc["total_time"] = *t;

  json comments = json::array();
  if (v.is12()) {
    if (auto c = v.get("cmi.comments_from_lms"); c && !c->empty()) {
      comments.push_back({{"comment", *c}});
    }
  } else {
    for (std::size_t n = 0; n < v.count("cmi.comments_from_lms"); ++n) {
      json c = json::object();
      for (const char* field : {"comment", "location", "timestamp"}) {
        if (auto x = v.get("cmi.comments_from_lms", n, field)) c[field] = *x;
      }
      comments.push_back(std::move(c));
    }
  }
  if (!comments.empty()) doc["comments_from_lms"] = std::move(comments);

  if (!v.is12()) {
    json data = json::array();
    for (std::size_t n = 0; n < v.count("adl.data"); ++n) {
      json d = json::object();
      if (auto id = v.get("adl.data", n, "id")) d["id"] = *id;
      if (auto store = v.get("adl.data", n, "store")) d["store"] = *store;
      data.push_back(std::move(d));
    }
    if (!data.empty()) doc["adl_data"] = std::move(data);
  }
  return doc;
}

json activity_profile(const scorm::CmiModel& model) {
  View v(model, model.version());
  json doc = json::object();
  if (v.is12()) {
    if (auto l = v.get("cmi.launch_data")) doc["launch_data"] = *l;
    if (auto ms = to_number(v.get("cmi.student_data.mastery_score"))) {
      doc["scaled_passing_score"] = std::clamp(*ms / 100.0, -1.0, 1.0);
    }
    if (auto t = iso_duration(model.version(), v.get("cmi.student_data.max_time_allowed"))) {
      doc["max_time_allowed"] = *t;
    }
    if (auto a = v.get("cmi.student_data.time_limit_action")) doc["time_limit_action"] = *a;
    return doc;
  }
  if (auto c = to_number(v.get("cmi.completion_threshold"))) doc["completion_threshold"] = *c;
  if (auto l = v.get("cmi.launch_data")) doc["launch_data"] = *l;
  if (auto t = iso_duration(model.version(), v.get("cmi.max_time_allowed"))) {
    doc["max_time_allowed"] = *t;
  }
  if (auto s = to_number(v.get("cmi.scaled_passing_score"))) doc["scaled_passing_score"] = *s;
  if (auto a = v.get("cmi.time_limit_action")) doc["time_limit_action"] = *a;
  return doc;
}

std::string timespan_12_to_iso(std::string_view timespan) {
  auto cs = scorm::parse_timespan_12(timespan);
  return cs ? scorm::format_duration_2004(*cs) : std::string();
}

std::string convert_response_12(std::string_view type, std::string_view value) {
  if (type == "true-false") {
    if (value == "t" || value == "1" || value == "true") return "true";
    if (value == "f" || value == "0" || value == "false") return "false";
    return std::string(value);
  }
  std::string_view inner = value;
  // Some 1.2 content writes a choice set as "{a,b}" (order does not matter).
  if (inner.size() >= 2 && inner.front() == '{' && inner.back() == '}') {
    inner = inner.substr(1, inner.size() - 2);
  }
  if (type == "choice" || type == "sequencing") return replace_all(inner, ',', "[,]");
  if (type == "matching") {
    std::string out;
    auto pairs = split(inner, ",");
    for (std::size_t i = 0; i < pairs.size(); ++i) {
      if (i) out += "[,]";
      out += replace_all(pairs[i], '.', "[.]");
    }
    return out;
  }
  return std::string(value);
}

}  // namespace adapter

#include "cmi_schema.h"

#include "cmi_types.h"

namespace scorm::detail {

namespace {

using V = std::vector<std::string_view>;

const V kStatus12 = {"passed", "completed", "failed", "incomplete", "browsed", "not attempted"};
const V kExit12 = {"time-out", "suspend", "logout", ""};
const V kCredit = {"credit", "no-credit"};
const V kEntry = {"ab-initio", "resume", ""};
const V kMode = {"browse", "normal", "review"};
const V kTimeLimitAction12 = {"exit,message", "exit,no message", "continue,message",
                              "continue,no message", ""};
const V kInteractionType12 = {"true-false",  "choice",     "fill-in", "matching",
                              "performance", "sequencing", "likert",  "numeric"};
const V kCompletion = {"completed", "incomplete", "not attempted", "unknown"};
const V kSuccess = {"passed", "failed", "unknown"};
const V kExit2004 = {"time-out", "suspend", "logout", "normal", ""};
const V kTimeLimitAction2004 = {"exit,message", "exit,no message", "continue,message",
                                "continue,no message"};
const V kInteractionType2004 = {"true-false",  "choice",     "fill-in", "long-fill-in", "matching",
                                "performance", "sequencing", "likert",  "numeric",      "other"};
const V kCaptioning = {"-1", "0", "1"};
const V kNavValid = {"true", "false", "unknown"};

constexpr auto RO = Access::kReadOnly;
constexpr auto WO = Access::kWriteOnly;
constexpr auto RW = Access::kReadWrite;

void add(Schema& s, ElementDef def) { s.elements.emplace(std::string(def.pattern), def); }

Schema build_12() {
  Schema s{ScormVersion::kScorm12, {}, {}, {}, "3.4", {}};
  // SCORM 1.2 RTE 3.4.3 / 3.4.4. Scores are CMIDecimal 0..100 or blank.
  add(s, {.pattern = "cmi.core.student_id",
          .access = RO,
          .type = Type::kString,
          .max = 255,
          .initial = ""});
  add(s, {.pattern = "cmi.core.student_name",
          .access = RO,
          .type = Type::kString,
          .max = 255,
          .initial = ""});
  add(s, {.pattern = "cmi.core.lesson_location", .type = Type::kString, .max = 255});
  add(s, {.pattern = "cmi.core.credit",
          .access = RO,
          .type = Type::kVocab,
          .vocab = kCredit,
          .initial = "credit"});
  add(s, {.pattern = "cmi.core.lesson_status",
          .type = Type::kVocab,
          .vocab = kStatus12,
          .initial = "not attempted",
          .result = true});
  add(s, {.pattern = "cmi.core.entry",
          .access = RO,
          .type = Type::kVocab,
          .vocab = kEntry,
          .initial = "ab-initio"});
  for (auto p : {"cmi.core.score.raw", "cmi.core.score.min", "cmi.core.score.max"})
    add(s, {.pattern = p,
            .type = Type::kDecimal12,
            .min_value = 0,
            .max_value = 100,
            .result = true,
            .blank = true});
  add(s, {.pattern = "cmi.core.total_time",
          .access = RO,
          .type = Type::kTimespan12,
          .initial = "0000:00:00"});
  add(s, {.pattern = "cmi.core.lesson_mode",
          .access = RO,
          .type = Type::kVocab,
          .vocab = kMode,
          .initial = "normal"});
  add(s, {.pattern = "cmi.core.exit", .access = WO, .type = Type::kVocab, .vocab = kExit12});
  add(s, {.pattern = "cmi.core.session_time", .access = WO, .type = Type::kTimespan12});
  add(s, {.pattern = "cmi.suspend_data", .type = Type::kString, .max = 4096});
  add(s, {.pattern = "cmi.launch_data", .access = RO, .type = Type::kString, .max = 4096});
  add(s, {.pattern = "cmi.comments", .type = Type::kString, .max = 4096});
  add(s, {.pattern = "cmi.comments_from_lms", .access = RO, .type = Type::kString, .max = 4096});
  add(s, {.pattern = "cmi.objectives.n.id", .type = Type::kIdentifier12});
  for (auto p :
       {"cmi.objectives.n.score.raw", "cmi.objectives.n.score.min", "cmi.objectives.n.score.max"})
    add(s, {.pattern = p,
            .type = Type::kDecimal12,
            .min_value = 0,
            .max_value = 100,
            .result = true,
            .blank = true});
  add(s, {.pattern = "cmi.objectives.n.status",
          .type = Type::kVocab,
          .vocab = kStatus12,
          .result = true});
  add(s, {.pattern = "cmi.student_data.mastery_score",
          .access = RO,
          .type = Type::kDecimal12,
          .min_value = 0,
          .max_value = 100,
          .blank = true});
  add(s, {.pattern = "cmi.student_data.max_time_allowed", .access = RO, .type = Type::kTimespan12});
  add(s, {.pattern = "cmi.student_data.time_limit_action",
          .access = RO,
          .type = Type::kVocab,
          .vocab = kTimeLimitAction12});
  add(s, {.pattern = "cmi.student_preference.audio",
          .type = Type::kSInteger12,
          .min_value = -1,
          .max_value = 100});
  add(s, {.pattern = "cmi.student_preference.language", .type = Type::kString, .max = 255});
  add(s, {.pattern = "cmi.student_preference.speed",
          .type = Type::kSInteger12,
          .min_value = -100,
          .max_value = 100});
  add(s, {.pattern = "cmi.student_preference.text",
          .type = Type::kSInteger12,
          .min_value = -1,
          .max_value = 1});
  // Interactions are write-only in 1.2 (journaling); only the _count values are readable.
  add(s, {.pattern = "cmi.interactions.n.id", .access = WO, .type = Type::kIdentifier12});
  add(s,
      {.pattern = "cmi.interactions.n.objectives.n.id", .access = WO, .type = Type::kIdentifier12});
  add(s, {.pattern = "cmi.interactions.n.time", .access = WO, .type = Type::kTime12});
  add(s, {.pattern = "cmi.interactions.n.type",
          .access = WO,
          .type = Type::kVocab,
          .vocab = kInteractionType12});
  add(s, {.pattern = "cmi.interactions.n.correct_responses.n.pattern",
          .access = WO,
          .type = Type::kPattern12});
  add(s, {.pattern = "cmi.interactions.n.weighting", .access = WO, .type = Type::kDecimal12});
  add(s,
      {.pattern = "cmi.interactions.n.student_response", .access = WO, .type = Type::kResponse12});
  add(s, {.pattern = "cmi.interactions.n.result", .access = WO, .type = Type::kResult12});
  add(s, {.pattern = "cmi.interactions.n.latency", .access = WO, .type = Type::kTimespan12});

  s.children = {
      {"cmi.core",
       "student_id,student_name,lesson_location,credit,lesson_status,entry,score,total_time,"
       "lesson_mode,exit,session_time"},
      {"cmi.core.score", "raw,min,max"},
      {"cmi.objectives", "id,score,status"},
      {"cmi.objectives.n.score", "raw,min,max"},
      {"cmi.student_data", "mastery_score,max_time_allowed,time_limit_action"},
      {"cmi.student_preference", "audio,language,speed,text"},
      {"cmi.interactions",
       "id,objectives,time,type,correct_responses,weighting,student_response,result,latency"},
  };
  s.collections = {{"cmi.objectives", {}},
                   {"cmi.interactions", {}},
                   {"cmi.interactions.n.objectives", {}},
                   {"cmi.interactions.n.correct_responses", {}}};
  return s;
}

Schema build_2004() {
  Schema s{ScormVersion::kScorm2004, {}, {}, {}, "1.0", {}};
  // SCORM 2004 4th Edition RTE 4.2. Elements of a record need its id first (408).
  for (auto base : {"cmi.comments_from_learner", "cmi.comments_from_lms"}) {
    Access a = std::string_view(base) == "cmi.comments_from_lms" ? RO : RW;
    std::string b(base);
    static std::set<std::string> names;  // keeps the pattern strings alive
    auto name = [&](const char* leaf) -> std::string_view {
      return *names.insert(b + ".n." + leaf).first;
    };
    add(s, {.pattern = name("comment"), .access = a, .type = Type::kLangString, .max = 4000});
    add(s, {.pattern = name("location"), .access = a, .type = Type::kString, .max = 250});
    add(s, {.pattern = name("timestamp"), .access = a, .type = Type::kTime2004});
  }
  add(s, {.pattern = "cmi.completion_status",
          .type = Type::kVocab,
          .vocab = kCompletion,
          .initial = "unknown",
          .result = true});
  add(s, {.pattern = "cmi.completion_threshold",
          .access = RO,
          .type = Type::kReal,
          .min_value = 0,
          .max_value = 1});
  add(s, {.pattern = "cmi.credit",
          .access = RO,
          .type = Type::kVocab,
          .vocab = kCredit,
          .initial = "credit"});
  add(s, {.pattern = "cmi.entry",
          .access = RO,
          .type = Type::kVocab,
          .vocab = kEntry,
          .initial = "ab-initio"});
  add(s, {.pattern = "cmi.exit", .access = WO, .type = Type::kVocab, .vocab = kExit2004});
  add(s, {.pattern = "cmi.interactions.n.id", .type = Type::kLongId});
  add(s, {.pattern = "cmi.interactions.n.type",
          .type = Type::kVocab,
          .vocab = kInteractionType2004,
          .needs = Needs::kRecordId});
  add(s, {.pattern = "cmi.interactions.n.objectives.n.id",
          .type = Type::kLongId,
          .needs = Needs::kRecordId});
  add(s, {.pattern = "cmi.interactions.n.timestamp",
          .type = Type::kTime2004,
          .needs = Needs::kRecordId});
  add(s, {.pattern = "cmi.interactions.n.correct_responses.n.pattern",
          .type = Type::kPattern2004,
          .needs = Needs::kInteractionType});
  add(s,
      {.pattern = "cmi.interactions.n.weighting", .type = Type::kReal, .needs = Needs::kRecordId});
  add(s, {.pattern = "cmi.interactions.n.learner_response",
          .type = Type::kResponse2004,
          .needs = Needs::kInteractionType});
  add(s, {.pattern = "cmi.interactions.n.result",
          .type = Type::kResult2004,
          .needs = Needs::kRecordId});
  add(s, {.pattern = "cmi.interactions.n.latency",
          .type = Type::kDuration2004,
          .needs = Needs::kRecordId});
  add(s, {.pattern = "cmi.interactions.n.description",
          .type = Type::kLangString,
          .max = 250,
          .needs = Needs::kRecordId});
  add(s, {.pattern = "cmi.launch_data", .access = RO, .type = Type::kString, .max = 4000});
  add(s, {.pattern = "cmi.learner_id",
          .access = RO,
          .type = Type::kString,
          .max = 4000,
          .initial = ""});
  add(s, {.pattern = "cmi.learner_name",
          .access = RO,
          .type = Type::kLangString,
          .max = 250,
          .initial = ""});
  add(s, {.pattern = "cmi.learner_preference.audio_level",
          .type = Type::kReal,
          .min_value = 0,
          .initial = "1"});
  add(s, {.pattern = "cmi.learner_preference.language", .type = Type::kLanguage, .initial = ""});
  add(s, {.pattern = "cmi.learner_preference.delivery_speed",
          .type = Type::kReal,
          .min_value = 0,
          .initial = "1"});
  add(s, {.pattern = "cmi.learner_preference.audio_captioning",
          .type = Type::kVocab,
          .vocab = kCaptioning,
          .initial = "0"});
  add(s, {.pattern = "cmi.location", .type = Type::kString, .max = 1000});
  add(s, {.pattern = "cmi.max_time_allowed", .access = RO, .type = Type::kDuration2004});
  add(s, {.pattern = "cmi.mode",
          .access = RO,
          .type = Type::kVocab,
          .vocab = kMode,
          .initial = "normal"});
  add(s, {.pattern = "cmi.objectives.n.id", .type = Type::kLongId});
  add(s, {.pattern = "cmi.objectives.n.score.scaled",
          .type = Type::kReal,
          .min_value = -1,
          .max_value = 1,
          .needs = Needs::kRecordId,
          .result = true});
  for (auto p :
       {"cmi.objectives.n.score.raw", "cmi.objectives.n.score.min", "cmi.objectives.n.score.max"})
    add(s, {.pattern = p, .type = Type::kReal, .needs = Needs::kRecordId, .result = true});
  add(s, {.pattern = "cmi.objectives.n.success_status",
          .type = Type::kVocab,
          .vocab = kSuccess,
          .initial = "unknown",
          .needs = Needs::kRecordId,
          .result = true});
  add(s, {.pattern = "cmi.objectives.n.completion_status",
          .type = Type::kVocab,
          .vocab = kCompletion,
          .initial = "unknown",
          .needs = Needs::kRecordId,
          .result = true});
  add(s, {.pattern = "cmi.objectives.n.progress_measure",
          .type = Type::kReal,
          .min_value = 0,
          .max_value = 1,
          .needs = Needs::kRecordId,
          .result = true});
  add(s, {.pattern = "cmi.objectives.n.description",
          .type = Type::kLangString,
          .max = 250,
          .needs = Needs::kRecordId});
  add(s, {.pattern = "cmi.progress_measure",
          .type = Type::kReal,
          .min_value = 0,
          .max_value = 1,
          .result = true});
  add(s, {.pattern = "cmi.scaled_passing_score",
          .access = RO,
          .type = Type::kReal,
          .min_value = -1,
          .max_value = 1});
  add(s, {.pattern = "cmi.score.scaled",
          .type = Type::kReal,
          .min_value = -1,
          .max_value = 1,
          .result = true});
  for (auto p : {"cmi.score.raw", "cmi.score.min", "cmi.score.max"})
    add(s, {.pattern = p, .type = Type::kReal, .result = true});
  add(s, {.pattern = "cmi.session_time", .access = WO, .type = Type::kDuration2004});
  add(s, {.pattern = "cmi.success_status",
          .type = Type::kVocab,
          .vocab = kSuccess,
          .initial = "unknown",
          .result = true});
  add(s, {.pattern = "cmi.suspend_data", .type = Type::kString, .max = 64000});
  add(s, {.pattern = "cmi.time_limit_action",
          .access = RO,
          .type = Type::kVocab,
          .vocab = kTimeLimitAction2004,
          .initial = "continue,no message"});
  add(s, {.pattern = "cmi.total_time",
          .access = RO,
          .type = Type::kDuration2004,
          .initial = "PT0H0M0S"});
  // ADL navigation (4.4): without a sequencing engine request_valid answers "unknown";
  // the {target=} forms are handled in cmi_model.cpp.
  add(s, {.pattern = "adl.nav.request", .type = Type::kNavRequest, .initial = "_none_"});
  add(s, {.pattern = "adl.nav.request_valid.continue",
          .access = RO,
          .type = Type::kVocab,
          .vocab = kNavValid,
          .initial = "unknown"});
  add(s, {.pattern = "adl.nav.request_valid.previous",
          .access = RO,
          .type = Type::kVocab,
          .vocab = kNavValid,
          .initial = "unknown"});
  // adl.data (4th Edition 4.3): the LMS creates the records from the manifest.
  add(s, {.pattern = "adl.data.n.id", .access = RO, .type = Type::kLongId});
  add(s, {.pattern = "adl.data.n.store",
          .type = Type::kString,
          .max = 64000,
          .needs = Needs::kRecordId});

  s.children = {
      {"cmi.comments_from_learner", "comment,location,timestamp"},
      {"cmi.comments_from_lms", "comment,location,timestamp"},
      {"cmi.interactions",
       "id,type,objectives,timestamp,correct_responses,weighting,learner_response,result,"
       "latency,description"},
      {"cmi.learner_preference", "audio_level,language,delivery_speed,audio_captioning"},
      {"cmi.objectives", "id,score,success_status,completion_status,progress_measure,description"},
      {"cmi.objectives.n.score", "scaled,raw,min,max"},
      {"cmi.score", "scaled,raw,min,max"},
      {"adl.data", "id,store"},
  };
  s.collections = {{"cmi.comments_from_learner", {}},
                   {"cmi.comments_from_lms", {.sco_creates = false}},
                   {"cmi.interactions", {}},
                   {"cmi.interactions.n.objectives", {}},
                   {"cmi.interactions.n.correct_responses", {}},
                   {"cmi.objectives", {}},
                   {"adl.data", {.sco_creates = false}}};
  return s;
}

// The fields with an initial value that a record of each collection starts with: for a
// pattern "C.n.leaf" with an initial value, where the leaf holds no further collection.
Schema with_record_defaults(Schema s) {
  for (const auto& [pattern, def] : s.elements) {
    if (def.initial == nullptr) continue;
    std::string_view rest = pattern;
    for (std::size_t at = rest.find(".n."); at != std::string_view::npos;
         at = rest.find(".n.", at + 1)) {
      const std::string_view leaf = rest.substr(at + 3);
      if (leaf.find(".n") != std::string_view::npos) continue;
      s.record_defaults[std::string(rest.substr(0, at))].emplace_back(std::string(leaf),
                                                                      def.initial);
    }
  }
  return s;
}

}  // namespace

const ElementDef* Schema::find(std::string_view pattern) const {
  auto it = elements.find(pattern);
  return it == elements.end() ? nullptr : &it->second;
}

bool Schema::knows(std::string_view pattern) const {
  return elements.count(pattern) || children.count(pattern) || collections.count(pattern) ||
         pattern == "cmi";
}

const Schema& schema_12() {
  static const Schema s = with_record_defaults(build_12());
  return s;
}

const Schema& schema_2004() {
  static const Schema s = with_record_defaults(build_2004());
  return s;
}

const Schema& schema_for(ScormVersion version) {
  return version == ScormVersion::kScorm12 ? schema_12() : schema_2004();
}

ParsedElement parse_element(std::string_view element) {
  ParsedElement p;
  p.pattern.reserve(element.size());
  std::size_t start = 0;  // of the current segment
  while (true) {
    const std::size_t dot = element.find('.', start);
    const std::string_view segment =
        element.substr(start, dot == std::string_view::npos ? dot : dot - start);
    if (segment.empty()) return p;
    if (!p.keyword.empty()) return p;  // a keyword must be the last segment
    const bool first = start == 0;
    if (segment.front() == '_') {
      if (first) return p;
      p.keyword = segment;
      p.base = element.substr(0, start - 1);
      p.base_pattern_size = p.pattern.size();
      p.pattern += '.';
      p.pattern.append(segment);
    } else if (is_digits(segment)) {
      if (first) return p;
      // Canonical indexes only: "03" would name the same record as "3" under two keys.
      if ((segment.size() > 1 && segment.front() == '0') || segment.size() > 9) return p;
      if (p.depth < ParsedElement::kMaxIndexes) {
        std::size_t index = 0;
        for (char c : segment) index = index * 10 + static_cast<std::size_t>(c - '0');
        p.indexes[p.depth] = index;
        p.collections[p.depth] = element.substr(0, start - 1);
        p.records[p.depth] = element.substr(0, start + segment.size());
      }
      ++p.depth;
      p.pattern += p.pattern.empty() ? "n" : ".n";
    } else {
      if (!p.pattern.empty()) p.pattern += '.';
      p.pattern += segment;
    }
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (p.keyword.empty()) {
    p.base = element;
    p.base_pattern_size = p.pattern.size();
  }
  p.valid = true;
  return p;
}

}  // namespace scorm::detail

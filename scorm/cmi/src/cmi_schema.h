// The element tables of the SCORM 1.2 and 2004 data models.
//
// An element is named by its pattern, with "n" for each collection index
// ("cmi.interactions.n.objectives.n.id"). The tables are built once and never change.
#pragma once

#include <array>
#include <cstddef>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "scorm/cmi_errors.h"

namespace scorm::detail {

enum class Access { kReadOnly, kWriteOnly, kReadWrite };

enum class Type {
  kString,        // characterstring of at most `max` characters
  kLangString,    // 2004 localized string, `max` characters after {lang=}
  kIdentifier12,  // 1.2 CMIIdentifier
  kLongId,        // 2004 long_identifier_type
  kDecimal12,     // 1.2 CMIDecimal (blank allowed when `blank`), optional range
  kSInteger12,    // 1.2 CMISInteger with range
  kReal,          // 2004 real(10,7), optional range
  kVocab,         // one of `vocab`
  kTime12,        // 1.2 CMITime
  kTimespan12,    // 1.2 CMITimespan
  kTime2004,      // 2004 time(second,10,0)
  kDuration2004,  // 2004 timeinterval(second,10,2)
  kLanguage,      // 2004 language_type, "" allowed
  kResponse12,    // 1.2 student_response
  kPattern12,     // 1.2 correct_responses.n.pattern
  kResult12,      // 1.2 interaction result
  kResponse2004,  // 2004 learner_response
  kPattern2004,   // 2004 correct_responses.n.pattern
  kResult2004,    // 2004 interaction result
  kNavRequest,    // 2004 adl.nav.request
};

// What must exist before the SCO may set the element (2004 RTE, 408).
enum class Needs {
  kNothing,
  kRecordId,         // the id of the record the element belongs to
  kInteractionType,  // cmi.interactions.n.type
};

inline constexpr double kNoMin = -std::numeric_limits<double>::infinity();
inline constexpr double kNoMax = std::numeric_limits<double>::infinity();

struct ElementDef {
  std::string_view pattern = {};
  Access access = Access::kReadWrite;
  Type type = Type::kString;
  std::size_t max = 0;  // characters, for strings
  double min_value = kNoMin;
  double max_value = kNoMax;
  std::vector<std::string_view> vocab = {};
  // Stored when the model (scalars) or the record (collection fields) is created.
  const char* initial = nullptr;
  Needs needs = Needs::kNothing;
  bool result = false;  // counts for results: ignored from the SCO in browse / review
  bool blank = false;   // 1.2: "" is a valid value
};

struct Collection {
  bool sco_creates = true;  // false: only the LMS adds records (comments_from_lms, adl.data)
};

struct Schema {
  ScormVersion version;
  std::map<std::string, ElementDef, std::less<>> elements;   // by pattern
  std::map<std::string, std::string, std::less<>> children;  // pattern -> _children
  std::map<std::string, Collection, std::less<>> collections;
  std::string data_model_version;  // cmi._version
  // By collection pattern ("cmi.objectives"): the fields a new record of it starts with
  // (leaf pattern relative to the record, initial value), in pattern order.
  std::map<std::string, std::vector<std::pair<std::string, const char*>>, std::less<>>
      record_defaults;

  const ElementDef* find(std::string_view pattern) const;
  // True when `pattern` names a leaf, a group with _children or a collection.
  bool knows(std::string_view pattern) const;
};

const Schema& schema_12();
const Schema& schema_2004();
const Schema& schema_for(ScormVersion version);

// An element name split into its pattern and indexes: "cmi.interactions.3.objectives.0.id"
// -> pattern "cmi.interactions.n.objectives.n.id", indexes {3, 0}, collections
// {"cmi.interactions", "cmi.interactions.3.objectives"}, records {"cmi.interactions.3",
// "cmi.interactions.3.objectives.0"}. A trailing keyword (_children, _count, _version) is
// split off into `keyword`, and `base` / `base_pattern()` are the name and pattern before
// it. Parsed for every value of every commit, so only the pattern is a string of its own:
// the names are views into the parsed element, which must outlive the ParsedElement.
struct ParsedElement {
  // The data models nest collections two deep; a name with more indexes than this
  // matches no pattern, and its further indexes are not kept.
  static constexpr std::size_t kMaxIndexes = 4;

  bool valid = false;
  std::string pattern;
  std::size_t depth = 0;  // indexes in the name
  std::array<std::size_t, kMaxIndexes> indexes{};
  std::array<std::string_view, kMaxIndexes> collections{};  // concrete collection names
  std::array<std::string_view, kMaxIndexes> records{};      // the record of each index
  std::string_view keyword;
  std::string_view base;
  std::size_t base_pattern_size = 0;

  std::size_t levels() const { return depth < kMaxIndexes ? depth : kMaxIndexes; }
  std::string_view base_pattern() const {
    return std::string_view(pattern).substr(0, base_pattern_size);
  }
};

ParsedElement parse_element(std::string_view element);

}  // namespace scorm::detail

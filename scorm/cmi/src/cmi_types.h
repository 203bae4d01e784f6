// Data types of the SCORM 1.2 and 2004 run-time data models: the checks behind
// set_value, and the time arithmetic behind total_time.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace scorm::detail {

// What went wrong, independent of the version; cmi_model.cpp maps it to a code.
enum class Fault {
  kNone,
  kGeneral,         // 101
  kUndefined,       // 1.2 201, 2004 401
  kUnimplemented,   // 1.2 401, 2004 402
  kNoChildren,      // 1.2 202, 2004 301
  kNoCount,         // 1.2 203, 2004 301
  kKeywordSet,      // 1.2 402, 2004 404
  kReadOnly,        // 1.2 403, 2004 404
  kWriteOnly,       // 1.2 404, 2004 405
  kType,            // 1.2 405, 2004 406
  kRange,           // 1.2 405, 2004 407
  kDependency,      // 2004 408
  kSetFailure,      // 1.2 201, 2004 351
  kGetFailure,      // 1.2 201, 2004 301
  kNotInitialized,  // 2004 403
};

struct Check {
  Fault fault = Fault::kNone;
  std::string why;  // what is wrong with the value, without the element name
  bool ok() const { return fault == Fault::kNone; }
};

inline Check type_error(std::string why) { return {Fault::kType, std::move(why)}; }
inline Check range_error(std::string why) { return {Fault::kRange, std::move(why)}; }

// Characters (UTF-8 code points) in `text`; invalid bytes count one each.
std::size_t utf8_length(std::string_view text);

std::vector<std::string_view> split(std::string_view text, std::string_view delimiter);
bool is_digits(std::string_view text);

// 1.2 CMIDecimal / 2004 real(10,7): -?digits[.digits]; nullopt otherwise.
std::optional<double> parse_real(std::string_view text);
// 1.2 CMISInteger: -?digits within -32768..32767.
std::optional<long> parse_sinteger(std::string_view text);

// 1.2 CMIIdentifier: 1..255 printable ASCII without spaces.
bool is_identifier_12(std::string_view text);
// 1.2 CMITime: HH:MM:SS[.S[S]], HH 00..23.
bool is_time_12(std::string_view text);
// 2004 time(second,10,0): YYYY[-MM[-DD[Thh[:mm[:ss[.s][TZD]]]]]], years 1970..2038.
bool is_time_2004(std::string_view text);
// 2004 long_identifier_type (SPM 4000) and short_identifier_type (SPM 250): no spaces.
bool is_long_identifier(std::string_view text);
bool is_short_identifier(std::string_view text);
// 2004 language_type: langcode[-subcode]*, langcode 2..3 letters or i / x.
bool is_language(std::string_view text);
// 2004 localized_string_type: optional {lang=<language>} then at most `max` characters.
Check check_lang_string(std::string_view text, std::size_t max);

std::optional<long long> parse_timespan_12_cs(std::string_view text);
std::optional<long long> parse_duration_2004_cs(std::string_view text);
std::string format_timespan_12_cs(long long centiseconds);
std::string format_duration_2004_cs(long long centiseconds);

// Interaction responses. `pattern` selects correct_responses.n.pattern rules, else
// learner_response / student_response. `type` is the interaction's type.
Check check_response_2004(std::string_view type, std::string_view value, bool pattern);
Check check_response_12(std::string_view type, std::string_view value, bool pattern);

// Correct-response patterns an interaction type accepts at most (2004); 0 = no limit.
std::size_t max_patterns_2004(std::string_view type);

}  // namespace scorm::detail

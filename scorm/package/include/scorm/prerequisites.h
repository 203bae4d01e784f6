// SCORM 1.2 adlcp:prerequisites (CAM 1.2, 2.3.2.5.1: the AICC script syntax): may a
// learner launch an item, given the lesson status of the course's other items?
//
//   expression := or
//   or         := and ('|' and)*
//   and        := unary ('&' unary)*
//   unary      := '~' unary | '(' or ')' | set | identifier [('=' | '<>') status]
//   set        := [count '*'] '{' identifier (',' identifier)* '}'
//   status     := passed | completed | failed | incomplete | browsed | not attempted
//                 (or their initials P C F I B N, any case)
// An identifier alone holds when that item is passed or completed. A set with a count
// holds when at least that many of its members do; without a count, when all of them
// do. Identifiers name items of the same organization.
//
// Pure functions; thread-safe.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "scorm/rollup.h"

namespace scorm {

// The lesson status of item `identifier` ("passed", ..., "not attempted"); nullopt when
// the course has no such item.
using LessonStatusLookup = std::function<std::optional<std::string>(std::string_view)>;

struct PrerequisitesResult {
  bool met = false;
  std::string error;  // non-empty when the expression cannot be read; names where and why
};

PrerequisitesResult evaluate_prerequisites(std::string_view expression,
                                           const LessonStatusLookup& status_of);

// The SCORM 1.2 lesson status a tracking status stands for: passed / failed when the
// objective is known, else completed / incomplete when the completion is known, else
// "incomplete" for an attempted item and "not attempted" for one never launched.
std::string lesson_status(const ActivityStatus& status);

}  // namespace scorm

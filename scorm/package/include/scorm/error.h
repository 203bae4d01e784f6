// Error values of the scorm libraries.
//
// scorm knows nothing of xAPI or HTTP, so it does not reuse lrs::Error; the codes below
// mirror lrs::ErrorCode closely enough that the composition root can map one onto the
// other in a single switch. Expected failures (a broken zip, a hostile manifest, a path
// outside the package) travel as `Error` inside a `Result<T>`; no exception leaves the
// library.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <tl/expected.hpp>

namespace scorm {

enum class ErrorCode {
  kInvalid,   // the package, manifest or request breaks a rule (message names which)
  kTooLarge,  // a size, count or compression-ratio limit was exceeded
  kNotFound,  // a file or package does not exist
  kConflict,  // the destination already exists
  kIo,        // the file system failed (disk full, permissions, ...)
};

enum class Severity { kError, kWarning };

// One thing wrong with a manifest or package. `where` names the element or entry
// ("item ITEM-3", "resource RES-1", "manifest") so that authors can find it.
struct Problem {
  Severity severity = Severity::kError;
  std::string where;
  std::string message;
};

struct Error {
  ErrorCode code = ErrorCode::kInvalid;
  std::string message;
  // Set when a package was refused because its manifest has error-severity problems:
  // all of them (and the warnings), so that the author can fix everything at once.
  std::vector<Problem> problems;
};

template <class T>
using Result = tl::expected<T, Error>;

inline tl::unexpected<Error> fail(ErrorCode code, std::string message) {
  return tl::unexpected<Error>(Error{code, std::move(message), {}});
}

// "invalid", "too_large", "not_found", "conflict", "io".
const char* error_code_name(ErrorCode code);

}  // namespace scorm

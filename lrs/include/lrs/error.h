// Error values shared by every library of the LRS.
//
// Expected failures (bad input, missing rows, conflicts) travel as `Error` inside a
// `Result<T>`; exceptions never cross a library boundary. Each `ErrorCode` maps to
// exactly one HTTP status, and only lrs_http knows that mapping, so domain code
// never mentions HTTP.
#pragma once

#include <string>
#include <utility>

#include <tl/expected.hpp>

namespace lrs {

enum class ErrorCode {
  kInvalid,             // 400: the request or its content breaks a rule
  kUnauthorized,        // 401: no or wrong credentials
  kForbidden,           // 403: the credential lacks the scope
  kNotFound,            // 404
  kConflict,            // 409: an id already holds different content
  kPreconditionFailed,  // 412
  kTooLarge,            // 413
  kUnavailable,         // 503: shutting down, or the store is overloaded
  kInternal,            // 500: a bug or an I/O failure
};

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
};

template <class T>
using Result = tl::expected<T, Error>;

inline tl::unexpected<Error> fail(ErrorCode code, std::string message) {
  return tl::unexpected<Error>(Error{code, std::move(message)});
}

// The lower-case name used in logs and JSON error bodies ("invalid", "conflict", ...).
const char* error_code_name(ErrorCode code);

}  // namespace lrs

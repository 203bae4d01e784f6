// The standard SCORM run-time error codes of SCORM 1.2 and SCORM 2004, and their messages.
//
// The codes are plain ints because that is what the SCORM API returns to the SCO
// (GetLastError answers a decimal string) and what our commit endpoint sends back to the
// runtime JS ({"result":false,"errorCode":406}). Every function here is pure and
// thread-safe.
#pragma once

#include <string_view>

#include "scorm/version.h"

namespace scorm {

// SCORM 1.2 RTE, section 3.3.2.
namespace errors12 {
inline constexpr int kNoError = 0;
inline constexpr int kGeneralException = 101;
inline constexpr int kInvalidArgument = 201;
inline constexpr int kElementCannotHaveChildren = 202;
inline constexpr int kElementNotAnArray = 203;
inline constexpr int kNotInitialized = 301;
inline constexpr int kNotImplemented = 401;
inline constexpr int kInvalidSetValue = 402;  // the element is a keyword (_children, _count)
inline constexpr int kReadOnly = 403;
inline constexpr int kWriteOnly = 404;
inline constexpr int kIncorrectDataType = 405;
}  // namespace errors12

// SCORM 2004 4th Edition RTE, section 3.1.7.
namespace errors2004 {
inline constexpr int kNoError = 0;
inline constexpr int kGeneralException = 101;
inline constexpr int kGeneralInitializationFailure = 102;
inline constexpr int kAlreadyInitialized = 103;
inline constexpr int kContentInstanceTerminated = 104;
inline constexpr int kGeneralTerminationFailure = 111;
inline constexpr int kTerminationBeforeInitialization = 112;
inline constexpr int kTerminationAfterTermination = 113;
inline constexpr int kRetrieveDataBeforeInitialization = 122;
inline constexpr int kRetrieveDataAfterTermination = 123;
inline constexpr int kStoreDataBeforeInitialization = 132;
inline constexpr int kStoreDataAfterTermination = 133;
inline constexpr int kCommitBeforeInitialization = 142;
inline constexpr int kCommitAfterTermination = 143;
inline constexpr int kGeneralArgumentError = 201;
inline constexpr int kGeneralGetFailure = 301;
inline constexpr int kGeneralSetFailure = 351;
inline constexpr int kGeneralCommitFailure = 391;
inline constexpr int kUndefinedDataModelElement = 401;
inline constexpr int kUnimplementedDataModelElement = 402;
inline constexpr int kValueNotInitialized = 403;
inline constexpr int kReadOnly = 404;
inline constexpr int kWriteOnly = 405;
inline constexpr int kTypeMismatch = 406;
inline constexpr int kValueOutOfRange = 407;
inline constexpr int kDependencyNotEstablished = 408;
}  // namespace errors2004

// The standard message of `code` ("Incorrect Data Type", "Data Model Element Type
// Mismatch", ...) as the RTE of `version` words it; "" for a code the version does not
// define (GetErrorString must then answer an empty string).
std::string_view error_string(ScormVersion version, int code);

// True when `code` is one of the codes `version` defines.
bool is_standard_error(ScormVersion version, int code);

}  // namespace scorm

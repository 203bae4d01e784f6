#include "scorm/cmi_errors.h"

namespace scorm {

namespace {

std::string_view message_12(int code) {
  switch (code) {
    case 0:
      return "No error";
    case 101:
      return "General exception";
    case 201:
      return "Invalid argument error";
    case 202:
      return "Element cannot have children";
    case 203:
      return "Element not an array - cannot have count";
    case 301:
      return "Not initialized";
    case 401:
      return "Not implemented error";
    case 402:
      return "Invalid set value, element is a keyword";
    case 403:
      return "Element is read only";
    case 404:
      return "Element is write only";
    case 405:
      return "Incorrect data type";
    default:
      return "";
  }
}

std::string_view message_2004(int code) {
  switch (code) {
    case 0:
      return "No Error";
    case 101:
      return "General Exception";
    case 102:
      return "General Initialization Failure";
    case 103:
      return "Already Initialized";
    case 104:
      return "Content Instance Terminated";
    case 111:
      return "General Termination Failure";
    case 112:
      return "Termination Before Initialization";
    case 113:
      return "Termination After Termination";
    case 122:
      return "Retrieve Data Before Initialization";
    case 123:
      return "Retrieve Data After Termination";
    case 132:
      return "Store Data Before Initialization";
    case 133:
      return "Store Data After Termination";
    case 142:
      return "Commit Before Initialization";
    case 143:
      return "Commit After Termination";
    case 201:
      return "General Argument Error";
    case 301:
      return "General Get Failure";
    case 351:
      return "General Set Failure";
    case 391:
      return "General Commit Failure";
    case 401:
      return "Undefined Data Model Element";
    case 402:
      return "Unimplemented Data Model Element";
    case 403:
      return "Data Model Element Value Not Initialized";
    case 404:
      return "Data Model Element Is Read Only";
    case 405:
      return "Data Model Element Is Write Only";
    case 406:
      return "Data Model Element Type Mismatch";
    case 407:
      return "Data Model Element Value Out Of Range";
    case 408:
      return "Data Model Dependency Not Established";
    default:
      return "";
  }
}

}  // namespace

std::string_view error_string(ScormVersion version, int code) {
  return version == ScormVersion::kScorm12 ? message_12(code) : message_2004(code);
}

bool is_standard_error(ScormVersion version, int code) {
  return !error_string(version, code).empty();
}

}  // namespace scorm

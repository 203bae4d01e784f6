// What statements written with a credential get from it: decided in one place for
// prepare_statements and StatementFrame, which must store the same records.
#pragma once

#include <nlohmann/json.hpp>

#include "lrs/auth.h"
#include "lrs/error.h"

namespace lrs {

struct StatementWriter {
  nlohmann::json authority;  // the credential's agent, set on every statement
  bool redefine = false;     // Communication 4.1.2 `define`: may change stored definitions
};

// kForbidden when the credential may not write statements.
Result<StatementWriter> statement_writer(const Principal& who);

}  // namespace lrs

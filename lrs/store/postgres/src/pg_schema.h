// The PostgreSQL schema and its migrations. Private to lrs_postgres.
#pragma once

#include "lrs/error.h"
#include "pg_connection.h"

namespace lrs::pg {

int latest_schema_version();

// Brings the database to latest_schema_version(). Processes starting at once take
// turns (a session advisory lock), so each step runs exactly once. kInvalid when the
// database is newer than this binary or holds our tables without a version.
Result<void> migrate(Connection& conn, const std::string& server);

}  // namespace lrs::pg

// The PostgreSQL backend: every store in one PostgreSQL database (or a
// Postgres-compatible engine), shared by any number of lrsbridge processes.
//
// Nothing is kept only in a process: statements, documents, credentials and the
// player's records live in the database, so processes behind a load balancer are
// interchangeable (package files go to a shared --data-dir). Statement inserts of one
// process are group-committed by one writer thread; the stored clock is a row of the
// database, so stored times increase in commit order across processes.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "lrs/database.h"
#include "lrs/error.h"

namespace lrs {

struct PostgresOptions {
  // A libpq connection URI: postgresql://user:password@host:port/dbname?options.
  std::string url;
  // Connections for reads and small writes; the statement writer has one more.
  int connections = 8;
  // A group commit takes the waiting insert requests up to about this many statements.
  std::size_t max_group_rows = 5000;
};

// Connects, then creates or migrates the schema (one process at a time, under an
// advisory lock, so processes starting together are safe). kUnavailable when the
// server cannot be reached, kInvalid when the database holds a newer schema than this
// binary knows; the message names the server and the problem (never the password).
Result<std::unique_ptr<Database>> open_postgres_database(const PostgresOptions& options);

}  // namespace lrs

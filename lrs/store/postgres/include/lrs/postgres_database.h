// The PostgreSQL backend: every store in one PostgreSQL database (or a
// Postgres-compatible engine), shared by any number of lrsbridge processes.
//
// Nothing is kept only in a process: statements, documents, credentials and the
// player's records live in the database, so processes behind a load balancer are
// interchangeable (package files go to a shared --data-dir). Statement inserts of one
// process are group-committed by one writer thread; stored times come from a sequence
// of the database, and readers see them only up to a horizon below every transaction
// still in flight, so a `more` cursor continues correctly on any process.
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

// For tests of the retry path: the next `count` transactions of this process that
// commit report a lost connection instead, as when the answer to COMMIT never arrives.
void lose_next_commit_replies_for_testing(int count);

}  // namespace lrs

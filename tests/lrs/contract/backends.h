// The backends the store contract runs against. Each test case gets an empty database:
// a new SQLite file, or a new schema in the test PostgreSQL server
// (support/postgres_test_server.h).
#pragma once

#include <cstdlib>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>

#include "lrs/postgres_database.h"
#include "lrs/sqlite_database.h"
#include "store_records.h"
#include "support/postgres_test_server.h"

namespace lrs::test {

struct SqliteBackend {
  TempDir dir;
  // Every open() of one backend object opens the same database.
  std::unique_ptr<Database> open() {
    SqliteOptions options;
    options.path = dir.file("lrs.db");
    options.read_connections = 2;
    options.staged_link_rows = 7;  // queries then read the staged and merged link tables
    options.pending_ids = 5;       // and lookups by id both the memory and the table
    options.pass_slice_rows = 3;   // with passes half written
    auto db = open_sqlite_database(options);
    if (!db) throw std::runtime_error(db.error().message);
    return std::move(*db);
  }
};

using test_support::postgres_admin;
using test_support::postgres_test_url;
using test_support::postgres_url_in_schema;

struct PostgresBackend {
  std::string base = postgres_test_url();
  std::string schema;
  std::string url;
  PostgresBackend() {
    std::random_device rd;
    schema = "contract_" + std::to_string(rd()) + std::to_string(rd());
    postgres_admin(base, "CREATE SCHEMA " + schema);
    url = postgres_url_in_schema(base, schema);
  }
  ~PostgresBackend() {
    try {
      postgres_admin(base, "DROP SCHEMA " + schema + " CASCADE");
    } catch (const std::exception&) {
      // A leftover schema in a throwaway test server harms nothing.
    }
  }
  PostgresBackend(const PostgresBackend&) = delete;
  PostgresBackend& operator=(const PostgresBackend&) = delete;
  std::unique_ptr<Database> open(int connections = 4) {
    PostgresOptions options;
    options.url = url;
    options.connections = connections;
    auto db = open_postgres_database(options);
    if (!db) throw std::runtime_error(db.error().message);
    return std::move(*db);
  }
};

}  // namespace lrs::test

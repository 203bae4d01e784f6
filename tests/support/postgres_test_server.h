// The PostgreSQL server of a test run: its URL (LRS_TEST_POSTGRES_URL, set by
// `./dev test`, which starts a throwaway server), an admin command, and URLs that put a
// test in a schema of its own. Without the variable the PostgreSQL tests fail, naming
// it: a missing server must never look like a passing suite.
#pragma once

#include <cstdlib>
#include <stdexcept>
#include <string>

#include <libpq-fe.h>

namespace test_support {

inline std::string postgres_test_url() {
  const char* url = std::getenv("LRS_TEST_POSTGRES_URL");
  if (url == nullptr || *url == '\0') {
    throw std::runtime_error(
        "LRS_TEST_POSTGRES_URL is not set: the PostgreSQL tests need a server (./dev test "
        "starts one; or export LRS_TEST_POSTGRES_URL=postgresql://USER@127.0.0.1:PORT/DB)");
  }
  return url;
}

// Runs one SQL command; throws with the server's message on failure.
inline void postgres_admin(const std::string& url, const std::string& sql) {
  PGconn* conn = PQconnectdb(url.c_str());
  std::string error;
  if (PQstatus(conn) != CONNECTION_OK) {
    error = PQerrorMessage(conn);
  } else {
    PQsetNoticeProcessor(
        conn, [](void*, const char*) {}, nullptr);  // "drop cascades to ..."
    PGresult* r = PQexec(conn, sql.c_str());
    if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) {
      error = PQresultErrorMessage(r);
    }
    PQclear(r);
  }
  PQfinish(conn);
  if (!error.empty()) throw std::runtime_error(sql + ": " + error);
}

// The URL with the connections' search_path set to `schema`, and the schema as their
// application_name (so a test can find its own connections in pg_stat_activity).
inline std::string postgres_url_in_schema(const std::string& url, const std::string& schema) {
  return url + (url.find('?') == std::string::npos ? "?" : "&") + "options=-csearch_path%3D" +
         schema + "&application_name=" + schema;
}

}  // namespace test_support

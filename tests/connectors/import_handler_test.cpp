#include "connectors/import_handler.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "lrs/sqlite_database.h"
#include "support/basic_auth.h"

using lrs::HttpRequest;
using nlohmann::json;

namespace {

struct Fixture {
  std::unique_ptr<lrs::Database> db;
  std::unique_ptr<lrs::Authenticator> auth;
  std::unique_ptr<connectors::ImportHandler> handler;

  Fixture() {
    lrs::SqliteOptions options;
    options.path = ":memory:";
    db = std::move(*lrs::open_sqlite_database(options));
    for (auto [key, scope] : {std::pair{"admin", "all"}, std::pair{"reader", "all/read"}}) {
      auto c = lrs::make_credential(key, "secret-123", {scope}, "");
      REQUIRE(c);
      REQUIRE(db->credentials().add(*c));
    }
    auth = std::make_unique<lrs::Authenticator>(db->credentials());
    handler = std::make_unique<connectors::ImportHandler>(db->statements(), db->imports(), *auth);
  }

  lrs::HttpResponse call(const std::string& method, const std::string& path,
                         const std::string& query = "", const std::string& body = "",
                         const std::string& who = "admin") {
    HttpRequest r;
    r.method = method;
    r.path = path;
    r.query = query;
    r.body = body;
    r.headers.emplace_back("authorization", test_support::basic_auth(who + ":secret-123"));
    return handler->handle(r);
  }
};

const std::string kFile =
    "ID,Quiz,Quiz - Completion date,Course complete\n"
    "1,Completed,\"01/02/24, 10:00\",\"02/02/24, 10:00\"\n"
    "2,Completed,\"2024-02-01\",\n";

}  // namespace

TEST_CASE("POST /api/imports runs the job; GET shows it and its quarantine", "[handler]") {
  Fixture f;
  CHECK(f.handler->handles("/api/imports"));
  CHECK(f.handler->handles("/api/imports/x/quarantine"));
  CHECK_FALSE(f.handler->handles("/api/importsx"));
  auto posted = f.call("POST", "/api/imports",
                       "lms_url=https%3A%2F%2Fm.example.org&tz=UTC&file_name=report.csv", kFile);
  INFO(posted.body);
  REQUIRE(posted.status == 201);
  auto summary = json::parse(posted.body);
  CHECK(summary["format"] == "moodle-course-completion");
  CHECK(summary["statements_stored"] == 2);
  CHECK(summary["rows_quarantined"] == 1);
  std::string job = summary["job"];

  auto listed = f.call("GET", "/api/imports");
  REQUIRE(listed.status == 200);
  CHECK(json::parse(listed.body).size() == 1);
  auto quarantine = f.call("GET", "/api/imports/" + job + "/quarantine");
  REQUIRE(quarantine.status == 200);
  CHECK(json::parse(quarantine.body)["rows"][0]["line"] == 3);

  auto retried = f.call("POST", "/api/imports/" + job + "/retry", "date_format=%25Y-%25m-%25d");
  INFO(retried.body);
  REQUIRE(retried.status == 200);
  CHECK(json::parse(retried.body)["statements_stored"] == 1);
  auto after = f.call("GET", "/api/imports/" + job);
  CHECK(json::parse(after.body)["rows_quarantined"] == 0);
}

TEST_CASE("the import API refuses what it cannot run, saying why", "[handler]") {
  Fixture f;
  CHECK(f.call("POST", "/api/imports", "lms_url=https%3A%2F%2Fm.org&tz=UTC", kFile, "reader")
            .status == 403);
  auto empty = f.call("POST", "/api/imports", "lms_url=https%3A%2F%2Fm.org&tz=UTC", "");
  CHECK(empty.status == 400);
  CHECK(empty.body.find("the request body (the export file) is empty") != std::string::npos);
  auto bad_time = f.call("POST", "/api/imports", "export_time=yesterday", kFile);
  CHECK(bad_time.body.find("export_time: must be an ISO 8601 time") != std::string::npos);
  auto bad_zone = f.call("POST", "/api/imports", "lms_url=https%3A%2F%2Fm.org&tz=Nowhere", kFile);
  CHECK(bad_zone.status == 400);
  CHECK(bad_zone.body.find("Nowhere") != std::string::npos);
  auto dry =
      f.call("POST", "/api/imports", "lms_url=https%3A%2F%2Fm.org&tz=UTC&dry_run=true", kFile);
  CHECK(dry.status == 200);
  CHECK(json::parse(dry.body)["dry_run"] == true);
  CHECK(json::parse(f.call("GET", "/api/imports").body).empty());
  CHECK(f.call("DELETE", "/api/imports").status == 405);
  CHECK(f.call("GET", "/api/imports/none").status == 404);
  CHECK(f.call("GET", "/api/imports/none/quarantine").status == 404);
}

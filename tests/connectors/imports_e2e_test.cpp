// End-to-end: the real lrsbridge binary imports LMS exports through the CLI (import,
// quarantine, retry, watch) and through HTTP (/api/imports), on a real SQLite file or,
// with LRS_E2E_DATABASE=postgresql, on the test PostgreSQL (e2e::database_url).
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "e2e/http_client.h"
#include "lrs/url.h"
#include "support/cli_run.h"

using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const std::string kAdmin = "admin:admin-secret-1";
const std::string kCompletion = "completion-chem101-20240316_0930-comma_separated.csv";

std::string sample_path(const std::string& name) {
  return std::string(LRS_LMS_EXPORTS_DIR) + "/" + name;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

lrs::test::CliRun run(const std::vector<std::string>& args) {
  return lrs::test::run_cli(LRSBRIDGE_BINARY, args);
}

std::string job_from(const std::string& output) {
  auto at = output.find("job:");
  REQUIRE(at != std::string::npos);
  auto start = output.find_first_not_of(' ', at + 4);
  return output.substr(start, 36);
}

struct Dir {
  std::string path = e2e::temp_dir();
  ~Dir() { fs::remove_all(path); }
};

}  // namespace

TEST_CASE("CLI import: summary, idempotent re-import, quarantine, retry", "[e2e][import]") {
  Dir dir;
  std::string db = e2e::database_url(dir.path + "/lrs.db");
  auto first = run({"import", sample_path(kCompletion), "--db", db, "--lms-url",
                    "https://moodle.example.org", "--tz", "Europe/Madrid"});
  INFO(first.output);
  REQUIRE(first.status == 0);
  CHECK(first.output.find("rows read:             3") != std::string::npos);
  CHECK(first.output.find("statements stored:     4") != std::string::npos);
  auto again = run({"import", sample_path(kCompletion), "--db", db, "--lms-url",
                    "https://moodle.example.org", "--tz", "Europe/Madrid"});
  CHECK(again.output.find("statements stored:     0") != std::string::npos);
  CHECK(again.output.find("already present:       4") != std::string::npos);

  // A file with a date in another pattern: quarantined, then retried with the pattern.
  std::string bad = dir.path + "/completion-chem102-20240301_1200-comma_separated.csv";
  std::ofstream(bad) << "ID,Quiz,Quiz - Completion date,Course complete\n"
                        "9,Completed,2024-02-01 10:00,\n"
                        "10,Completed,\"01/02/24, 10:00\",\n";
  auto partial = run({"import", bad, "--db", db, "--lms-url", "https://moodle.example.org", "--tz",
                      "Europe/Madrid"});
  INFO(partial.output);
  REQUIRE(partial.status == 0);
  CHECK(partial.output.find("rows quarantined:      1") != std::string::npos);
  std::string job = job_from(partial.output);
  auto listed = run({"import", "quarantine", job, "--db", db});
  CHECK(listed.output.find("line 2: column \"Quiz - Completion date\"") != std::string::npos);
  auto csv = run({"import", "quarantine", job, "--db", db, "--csv"});
  CHECK(csv.output.rfind("job,line,reason,row,resolved", 0) == 0);
  auto retried = run({"import", "retry", job, "--db", db, "--date-format", "%Y-%m-%d %H:%M"});
  INFO(retried.output);
  CHECK(retried.status == 0);
  CHECK(retried.output.find("statements stored:     1") != std::string::npos);
  CHECK(run({"import", "quarantine", job, "--db", db}).output.find("0 rows in quarantine") !=
        std::string::npos);

  // Usage errors name the problem.
  auto no_url = run({"import", sample_path(kCompletion), "--db", db, "--tz", "UTC"});
  CHECK(no_url.status == 1);
  CHECK(no_url.output.find("--lms-url is required") != std::string::npos);
  auto no_tz = run({"import", sample_path(kCompletion), "--db", db, "--lms-url", "https://m.org"});
  CHECK(no_tz.output.find("give --tz") != std::string::npos);
}

TEST_CASE("HTTP import: POST /api/imports, the job, its quarantine as JSON and CSV",
          "[e2e][import]") {
  Dir dir;
  std::string db = dir.path + "/lrs.db";
  // Statements imported by the CLI first: the same file over HTTP adds nothing.
  REQUIRE(run({"import", sample_path(kCompletion), "--db", e2e::database_url(db), "--lms-url",
               "https://moodle.example.org", "--tz", "Europe/Madrid"})
              .status == 0);
  e2e::Server server(db);
  e2e::HttpClient client(server.port());
  std::vector<std::pair<std::string, std::string>> auth = {
      {"Authorization", e2e::basic_auth(kAdmin)}, {"Content-Type", "text/csv"}};
  std::string query = "?lms_url=" + lrs::url_encode("https://moodle.example.org") +
                      "&tz=Europe%2FMadrid&file_name=" + lrs::url_encode(kCompletion);
  auto same =
      client.request("POST", "/api/imports" + query, auth, read_file(sample_path(kCompletion)));
  INFO(same.body);
  REQUIRE(same.status == 201);
  auto summary = json::parse(same.body);
  CHECK(summary["statements_stored"] == 0);
  CHECK(summary["statements_already_present"] == 4);

  std::string broken =
      "ID,Quiz,Quiz - Completion date\n1,Completed,\"01/02/24, 10:00\"\n2,Maybe,\n";
  auto posted = client.request("POST", "/api/imports" + query + "-2", auth, broken);
  INFO(posted.body);
  REQUIRE(posted.status == 201);
  auto result = json::parse(posted.body);
  CHECK(result["rows_read"] == 2);
  CHECK(result["rows_quarantined"] == 1);
  CHECK(result["statements_stored"] == 1);
  std::string job = result["job"];
  CHECK(posted.header("location") == "/api/imports/" + job);

  auto got = client.request("GET", "/api/imports/" + job, auth);
  REQUIRE(got.status == 200);
  CHECK(json::parse(got.body)["state"] == "finished");
  auto quarantine = client.request("GET", "/api/imports/" + job + "/quarantine", auth);
  REQUIRE(quarantine.status == 200);
  auto rows = json::parse(quarantine.body)["rows"];
  REQUIRE(rows.size() == 1);
  CHECK(rows[0]["line"] == 3);
  CHECK(rows[0]["row"] == "2,Maybe,");
  CHECK(rows[0]["reason"].get<std::string>().find("unknown completion state \"Maybe\"") !=
        std::string::npos);
  auto as_csv = client.request("GET", "/api/imports/" + job + "/quarantine?format=csv", auth);
  CHECK(as_csv.header("content-type").rfind("text/csv", 0) == 0);
  CHECK(as_csv.body.find("2,Maybe,") != std::string::npos);

  // The imported statements are in the LRS.
  auto statements = client.request(
      "GET", "/xapi/statements?verb=" + lrs::url_encode("http://adlnet.gov/expapi/verbs/passed"),
      {{"Authorization", e2e::basic_auth(kAdmin)}, {"X-Experience-API-Version", "2.0.0"}});
  REQUIRE(statements.status == 200);
  CHECK(json::parse(statements.body)["statements"].size() == 1);

  // Errors: no credential, bad option, unusable file.
  CHECK(client.request("POST", "/api/imports" + query, {}, broken).status == 401);
  auto bad_param = client.request("POST", "/api/imports?zone=UTC", auth, broken);
  CHECK(bad_param.status == 400);
  CHECK(bad_param.body.find("unknown parameter \\\"zone\\\"") != std::string::npos);
  auto no_url = client.request("POST", "/api/imports?tz=UTC", auth, broken);
  CHECK(no_url.status == 400);
  CHECK(no_url.body.find("--lms-url is required") != std::string::npos);
  CHECK(client.request("GET", "/api/imports/nope", auth).status == 404);
  CHECK(server.stop() == 0);
}

TEST_CASE("watch imports complete files once and moves them to processed/ or failed/",
          "[e2e][import]") {
  Dir dir;
  std::string drop = dir.path + "/drop";
  fs::create_directories(drop);
  fs::copy_file(sample_path(kCompletion), drop + "/" + kCompletion);
  std::ofstream(drop + "/unknown.csv") << "a,b\n1,2\n";
  std::ofstream(drop + "/in-progress.csv.part") << "ID,";
  auto watched = run({"watch", drop, "--db", e2e::database_url(dir.path + "/lrs.db"), "--lms-url",
                      "https://moodle.example.org", "--tz", "Europe/Madrid", "--once", "--settle",
                      "0.2", "--interval", "0.1"});
  INFO(watched.output);
  REQUIRE(watched.status == 0);
  CHECK(fs::exists(drop + "/processed/" + kCompletion));
  CHECK(fs::exists(drop + "/failed/unknown.csv"));
  CHECK(read_file(drop + "/failed/unknown.csv.error.txt").find("matches no built-in format") !=
        std::string::npos);
  CHECK(fs::exists(drop + "/in-progress.csv.part"));  // not complete: left alone
  CHECK_FALSE(fs::exists(drop + "/" + kCompletion));
  CHECK(watched.output.find("statements stored:     4") != std::string::npos);
}

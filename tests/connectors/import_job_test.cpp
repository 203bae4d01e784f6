#include "connectors/import_job.h"

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "lrs/sqlite_database.h"
#include "lrs/statement_record.h"
#include "lrs/uuid.h"

using connectors::ImportOptions;
using nlohmann::json;

namespace {

const char* kCompletion = "completion-chem101-20240316_0930-comma_separated.csv";

std::string sample(const std::string& name) {
  std::ifstream in(std::string(LRS_LMS_EXPORTS_DIR) + "/" + name, std::ios::binary);
  REQUIRE(in);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

struct Lrs {
  std::unique_ptr<lrs::Database> db;
  Lrs() {
    lrs::SqliteOptions options;
    options.path = ":memory:";
    auto opened = lrs::open_sqlite_database(options);
    REQUIRE(opened);
    db = std::move(*opened);
  }
  lrs::Result<connectors::ImportSummary> import(const std::string& bytes, const std::string& name,
                                                ImportOptions options) {
    std::istringstream in(bytes);
    return connectors::run_import(in, name, options, db->statements(), db->imports(), {},
                                  &db->persons());
  }
  std::vector<json> statements() {
    lrs::StatementFilter filter;
    filter.limit = 1000;
    filter.ascending = true;
    auto page = db->statements().query(filter);
    REQUIRE(page);
    std::vector<json> out;
    for (const auto& s : page->statements) out.push_back(json::parse(s.body));
    return out;
  }
};

ImportOptions moodle_options() {
  ImportOptions o;
  o.lms_url = "https://moodle.example.org/";
  o.time_zone = "Europe/Madrid";
  return o;
}

const json* find_statement(const std::vector<json>& all, const std::string& verb_suffix,
                           const std::string& object_suffix) {
  for (const json& s : all) {
    std::string verb = s["verb"]["id"], object = s["object"]["id"];
    if (verb.size() >= verb_suffix.size() &&
        verb.compare(verb.size() - verb_suffix.size(), verb_suffix.size(), verb_suffix) == 0 &&
        object.size() >= object_suffix.size() &&
        object.compare(object.size() - object_suffix.size(), object_suffix.size(), object_suffix) ==
            0) {
      return &s;
    }
  }
  return nullptr;
}

}  // namespace

TEST_CASE("a Moodle completion report becomes statements in UTC with the course as parent",
          "[import]") {
  Lrs lrs;
  auto summary = lrs.import(sample(kCompletion), kCompletion, moodle_options());
  REQUIRE(summary);
  CHECK(summary->format == "moodle-course-completion");
  CHECK(summary->rows_read == 3);
  CHECK(summary->rows_without_evidence == 1);
  CHECK(summary->rows_quarantined == 0);
  CHECK(summary->statements_stored == 4);
  auto all = lrs.statements();
  REQUIRE(all.size() == 4);
  const json* passed = find_statement(all, "/passed", "/course/chem101/activity/Safety%20quiz");
  REQUIRE(passed);
  CHECK((*passed)["actor"]["account"] ==
        json({{"homePage", "https://moodle.example.org"}, {"name", "57"}}));
  // 15/03/24 14:05 in Madrid (UTC+1 in March) is 13:05Z.
  CHECK((*passed)["timestamp"] == "2024-03-15T13:05:00.000Z");
  CHECK((*passed)["result"] == json({{"completion", true}, {"success", true}}));
  CHECK((*passed)["context"]["contextActivities"]["parent"][0]["id"] ==
        "https://moodle.example.org/course/chem101");
  CHECK((*passed)["context"]["extensions"]["https://lrsbridge.dev/xapi/ext/source-time"] ==
        "15/03/24, 14:05");
  const json* failed = find_statement(all, "/failed", "/activity/Safety%20quiz");
  REQUIRE(failed);
  CHECK((*failed)["result"]["success"] == false);
  const json* course = find_statement(all, "/completed", "/course/chem101");
  REQUIRE(course);
  CHECK((*course)["timestamp"] == "2024-03-16T08:12:00.000Z");
  CHECK((*course)["object"]["definition"]["type"] == "http://adlnet.gov/expapi/activities/course");
}

TEST_CASE("importing the same file twice adds nothing; a re-completion is new", "[import]") {
  Lrs lrs;
  REQUIRE(lrs.import(sample(kCompletion), kCompletion, moodle_options()));
  auto again = lrs.import(sample(kCompletion), kCompletion, moodle_options());
  REQUIRE(again);
  CHECK(again->statements_stored == 0);
  CHECK(again->statements_present == 4);
  CHECK(lrs.statements().size() == 4);
  // A year later the learner completes the course again: new time, new statement.
  std::string next_year = "ID,Name,Course complete\n57,Ana Pérez,\"16/03/25, 09:12\"\n";
  auto recert = lrs.import(next_year, "completion-chem101-20250316_0930-comma_separated.csv",
                           moodle_options());
  REQUIRE(recert);
  CHECK(recert->statements_stored == 1);
  CHECK(lrs.statements().size() == 5);
}

TEST_CASE("bad rows are quarantined with line, raw row and reason; good rows go in", "[import]") {
  Lrs lrs;
  std::string file =
      "ID,Name,Quiz,Quiz - Completion date,Course complete\n"
      "1,Good,Completed,\"01/02/24, 10:00\",\n"
      "2,Bad date,Completed,\"2024-02-01 10:00\",\n"
      "3,\"Multi\nline\",Finalizado,,\n"
      ",No id,Completed,\"01/02/24, 10:00\",\n"
      "5,Gap,Completed,\"31/03/24, 02:30\",\n"
      "6,Future,Completed,\"01/02/68, 10:00\",\n"
      "7,Good too,Not completed,,\"02/02/24, 11:00\"\n";
  auto summary = lrs.import(file, "completion-demo-20240301_1200-x.csv", moodle_options());
  REQUIRE(summary);
  CHECK(summary->rows_read == 7);
  CHECK(summary->rows_quarantined == 5);
  CHECK(summary->statements_stored == 2);
  auto rows = lrs.db->imports().quarantined(summary->job_id, false);
  REQUIRE(rows);
  REQUIRE(rows->size() == 5);
  CHECK((*rows)[0].line == 3);
  CHECK((*rows)[0].raw == "2,Bad date,Completed,2024-02-01 10:00,");
  CHECK((*rows)[0].reason.find("not a date in the format %d/%m/%y, %H:%M") != std::string::npos);
  CHECK((*rows)[1].line == 4);
  CHECK((*rows)[1].raw == "3,\"Multi\nline\",Finalizado,,");
  CHECK((*rows)[1].reason.find("unknown completion state \"Finalizado\"") != std::string::npos);
  CHECK((*rows)[2].line == 6);
  CHECK((*rows)[2].reason == "the learner id is empty");
  CHECK((*rows)[3].reason.find("does not exist in Europe/Madrid") != std::string::npos);
  CHECK((*rows)[4].reason.find("is in the future") != std::string::npos);
  auto job = lrs.db->imports().find_job(summary->job_id);
  REQUIRE(job);
  REQUIRE(*job);
  CHECK((*job)->state == "finished");
  CHECK((*job)->rows_quarantined == 5);
  CHECK(connectors::quarantine_csv(*rows).rfind("job,line,reason,row,resolved\r\n", 0) == 0);
}

TEST_CASE("a retry with a fixed date format imports the quarantined rows", "[import]") {
  Lrs lrs;
  std::string file =
      "ID,Quiz,Quiz - Completion date,Course complete\n"
      "1,Completed,\"2024-02-01 10:00\",\n"
      "2,Completed,\"2024-02-02 10:00\",\n";
  auto first = lrs.import(file, "completion-demo-20240301_1200-x.csv", moodle_options());
  REQUIRE(first);
  CHECK(first->rows_quarantined == 2);
  ImportOptions fix;
  fix.date_format = "%Y-%m-%d %H:%M";
  auto retried =
      connectors::retry_import(first->job_id, fix, lrs.db->statements(), lrs.db->imports());
  REQUIRE(retried);
  CHECK(retried->statements_stored == 2);
  CHECK(retried->rows_quarantined == 0);
  auto open_rows = lrs.db->imports().quarantined(first->job_id, false);
  CHECK(open_rows->empty());
  CHECK(lrs.db->imports().quarantined(first->job_id, true)->size() == 2);
  auto job = lrs.db->imports().find_job(first->job_id);
  CHECK((*job)->statements_stored == 2);
  CHECK((*job)->rows_quarantined == 0);
  CHECK(lrs.statements()[0]["timestamp"] == "2024-02-01T09:00:00.000Z");
}

TEST_CASE("a score outside its range is quarantined; the row's other scores wait with it",
          "[import]") {
  Lrs lrs;
  std::string file =
      "Student,ID,SIS Login ID,Quiz 1 (11),Essay (12)\n"
      "    Points Possible,,,10,20\n"
      "\"A, B\",100,ab,12,15\n"
      "\"C, D\",101,cd,9,15\n";
  ImportOptions o;
  o.lms_url = "https://canvas.example.org";
  o.course = "course-7";
  o.export_time_s = 1710581400;
  auto summary = lrs.import(file, "grades.csv", o);
  REQUIRE(summary);
  CHECK(summary->rows_read == 3);
  CHECK(summary->rows_without_evidence == 1);  // the Points Possible row
  CHECK(summary->rows_quarantined == 1);
  CHECK(summary->statements_stored == 2);
  auto rows = lrs.db->imports().quarantined(summary->job_id, false);
  REQUIRE(rows->size() == 1);
  CHECK((*rows)[0].reason == "score 12 of \"Quiz 1\" is outside its range 0..10");
  auto all = lrs.statements();
  const json* quiz = find_statement(all, "/scored", "/activity/assignment%2F11");
  REQUIRE(quiz);
  CHECK((*quiz)["result"]["score"] ==
        json({{"raw", 9.0}, {"min", 0.0}, {"max", 10.0}, {"scaled", 0.9}}));
  CHECK((*quiz)["timestamp"] == "2024-03-16T09:30:00.000Z");
  CHECK((*quiz)["context"]["extensions"]
               ["https://lrsbridge.dev/xapi/ext/timestamp-from-export-time"] == true);
}

TEST_CASE("every built-in sample imports without quarantine", "[import]") {
  struct Case {
    const char* file;
    const char* zone;
    std::int64_t statements;
  };
  for (const Case& c :
       {Case{"progress.chem101.csv", "Europe/Madrid", 3},
        Case{"progress.chem101-excel.csv", "Europe/Madrid", 3},
        Case{"CHEM101 Grades-20240316_0930-comma_separated.csv", "", 5},
        Case{"canvas-gradebook.csv", "", 6}, Case{"canvas-gradebook-semicolon-bom.csv", "", 2},
        Case{"ACME_CHEM101_2024_grade_report_2024-03-16-0930.csv", "", 4},
        Case{"blackboard-grade-center.csv", "", 4}, Case{"sakai-gradebook.csv", "", 3}}) {
    INFO(c.file);
    Lrs lrs;
    ImportOptions o;
    o.lms_url = "https://lms.example.org";
    o.time_zone = c.zone;
    o.export_time_s = 1710581400;
    auto summary = lrs.import(sample(c.file), c.file, o);
    INFO((summary ? std::string() : summary.error().message));
    REQUIRE(summary.has_value());
    CHECK(summary->rows_quarantined == 0);
    CHECK(summary->statements_stored == c.statements);
  }
}

TEST_CASE("a mapping file imports a Spanish report in its own zone", "[import]") {
  Lrs lrs;
  ImportOptions o;
  o.lms_url = "https://moodle.example.org";
  std::ifstream m(std::string(LRS_LMS_EXPORTS_DIR) + "/mappings/moodle-custom-report-es.json");
  o.mapping_json.assign(std::istreambuf_iterator<char>(m), std::istreambuf_iterator<char>());
  auto summary = lrs.import(sample("moodle-custom-report-es.csv"), "informe.csv", o);
  REQUIRE(summary);
  CHECK(summary->statements_stored == 1);
  auto all = lrs.statements();
  REQUIRE(all.size() == 1);
  CHECK(all[0]["object"]["id"] == "https://moodle.example.org/course/CHEM101");
  CHECK(all[0]["timestamp"] == "2024-03-16T08:12:00.000Z");
  CHECK(all[0]["result"]["score"]["scaled"] == Approx(0.8235));
}

TEST_CASE("unusable options or files fail the whole import with a clear error", "[import]") {
  Lrs lrs;
  ImportOptions no_url;
  auto r1 = lrs.import(sample(kCompletion), kCompletion, no_url);
  REQUIRE_FALSE(r1);
  CHECK(r1.error().message.rfind("--lms-url is required", 0) == 0);
  ImportOptions no_zone;
  no_zone.lms_url = "https://moodle.example.org";
  auto r2 = lrs.import(sample(kCompletion), kCompletion, no_zone);
  REQUIRE_FALSE(r2);
  CHECK(r2.error().message.find("give --tz") != std::string::npos);
  auto r3 = lrs.import("a,b\n1,2\n", "x.csv", moodle_options());
  REQUIRE_FALSE(r3);
  CHECK(r3.error().message.find("matches no built-in format") != std::string::npos);
  auto r4 = lrs.import("", "empty.csv", moodle_options());
  CHECK(r4.error().message == "empty.csv: the file is empty");
  CHECK(lrs.db->imports().list_jobs()->empty());
}

TEST_CASE("a dry run checks every row and stores nothing", "[import]") {
  Lrs lrs;
  ImportOptions o = moodle_options();
  o.dry_run = true;
  auto summary = lrs.import(sample(kCompletion), kCompletion, o);
  REQUIRE(summary);
  CHECK(summary->job_id.empty());
  CHECK(summary->statements_built == 4);
  CHECK(summary->statements_stored == 0);
  CHECK(lrs.statements().empty());
  CHECK(lrs.db->imports().list_jobs()->empty());
}

TEST_CASE("statement ids are UUIDv5 of source, actor, verb, object and time", "[import]") {
  Lrs a, b;
  REQUIRE(a.import(sample(kCompletion), kCompletion, moodle_options()));
  ImportOptions other_zone = moodle_options();
  other_zone.time_zone = "UTC";
  REQUIRE(b.import(sample(kCompletion), kCompletion, other_zone));
  std::set<std::string> ids_a, ids_b;
  for (const auto& s : a.statements()) ids_a.insert(s["id"].get<std::string>());
  for (const auto& s : b.statements()) ids_b.insert(s["id"].get<std::string>());
  CHECK(ids_a.size() == 4);
  // Another zone is another completion time, hence other ids.
  std::vector<std::string> common;
  std::set_intersection(ids_a.begin(), ids_a.end(), ids_b.begin(), ids_b.end(),
                        std::back_inserter(common));
  CHECK(common.empty());
  for (const auto& id : ids_a) CHECK((lrs::Uuid::parse(id)->bytes[6] >> 4) == 5);
}

TEST_CASE("a row whose statement id is stored with other content is quarantined as a conflict",
          "[import]") {
  Lrs lrs;
  std::string file =
      "ID,Quiz,Quiz - Completion date,Course complete\n"
      "1,Completed,\"01/02/24, 10:00\",\n"
      "2,Completed,\"01/02/24, 11:00\",\n";
  REQUIRE(lrs.import(file, "completion-c1-20240301_1200-x.csv", moodle_options()));
  // Learner 1's completion again, but under another course title: same id, other content.
  // Learner 2 now passed (another verb, a new statement), learner 3 is new.
  std::string changed =
      "ID,Quiz,Quiz - Completion date,Course complete\n"
      "1,Completed,\"01/02/24, 10:00\",\n"
      "2,Completed (achieved pass grade),\"01/02/24, 11:00\",\n"
      "3,Completed,\"01/02/24, 12:00\",\n";
  ImportOptions o = moodle_options();
  o.course_name = "Chemistry 1";
  auto summary = lrs.import(changed, "completion-c1-20240302_1200-x.csv", o);
  REQUIRE(summary);
  CHECK(summary->rows_quarantined == 1);
  CHECK(summary->statements_stored == 2);
  auto rows = lrs.db->imports().quarantined(summary->job_id, false);
  REQUIRE(rows->size() == 1);
  CHECK((*rows)[0].line == 2);
  CHECK((*rows)[0].reason.find("the LMS changed this record") != std::string::npos);
}

TEST_CASE("the export time a gradebook states wins over the file's modification time", "[import]") {
  Lrs lrs;
  std::string file = "CHEM101 Grades-20240316_0930-comma_separated.csv";
  ImportOptions o;
  o.lms_url = "https://moodle.example.org";
  o.course = "CHEM101";        // the copies' names no longer say it
  o.file_time_s = 1800000000;  // a copy made later
  auto summary = lrs.import(sample(file), "copy-of-grades.csv", o);
  REQUIRE(summary);
  for (const json& s : lrs.statements()) {
    // "Last downloaded from this course" = 1710581400 = 2024-03-16T09:30:00Z
    CHECK(s["timestamp"] == "2024-03-16T09:30:00.000Z");
  }
  // Imported again from another copy: nothing new.
  o.file_time_s = 1800000999;
  auto again = lrs.import(sample(file), "another-copy.csv", o);
  REQUIRE(again);
  CHECK(again->statements_stored == 0);
  CHECK(again->statements_present == 5);
}

TEST_CASE("--use-email links each learner's LMS account and email as one person, once",
          "[import]") {
  Lrs lrs;
  ImportOptions options = moodle_options();
  const std::string account_key = *lrs::agent_key(
      json{{"account", {{"homePage", "https://moodle.example.org"}, {"name", "57"}}}});
  const std::string mbox_key = *lrs::agent_key(json{{"mbox", "mailto:ana@example.org"}});

  SECTION("a dry run links no one") {
    options.dry_run = true;
    REQUIRE(lrs.import(sample(kCompletion), kCompletion, options));
    CHECK_FALSE(*lrs.db->persons().find_by_agent(account_key));
  }
  SECTION("without --use-email the statements use the account and no link is made") {
    REQUIRE(lrs.import(sample(kCompletion), kCompletion, options));
    CHECK_FALSE(*lrs.db->persons().find_by_agent(account_key));
  }
  SECTION("with --use-email the account and the mbox are one person") {
    options.use_email = true;
    auto first = lrs.import(sample(kCompletion), kCompletion, options);
    REQUIRE(first);
    auto person = lrs.db->persons().find_by_agent(account_key);
    REQUIRE(person);
    REQUIRE(*person);
    std::set<std::string> keys;
    for (const auto& a : (*person)->agents) {
      keys.insert(a.key);
      CHECK(a.source == "import");
    }
    CHECK(keys == std::set<std::string>{account_key, mbox_key});
    CHECK((*lrs.db->persons().find_by_agent(mbox_key))->id == (*person)->id);
    // Another learner of the file is a person of their own.
    auto bo =
        lrs.db->persons().find_by_agent(*lrs::agent_key(json{{"mbox", "mailto:bo@example.org"}}));
    REQUIRE(bo);
    REQUIRE(*bo);
    CHECK((*bo)->id != (*person)->id);

    // A second import of the file keeps the same persons.
    auto listed = lrs.db->persons().list();
    REQUIRE(listed);
    REQUIRE(lrs.import(sample(kCompletion), kCompletion, options));
    auto again = lrs.db->persons().list();
    REQUIRE(again);
    REQUIRE(again->size() == listed->size());
    for (std::size_t i = 0; i < listed->size(); ++i) {
      CHECK((*again)[i].id == (*listed)[i].id);
      CHECK((*again)[i].agents.size() == (*listed)[i].agents.size());
    }
  }
}

// The ImportStore contract (LMS export import jobs and their quarantine), run against
// every backend.
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "backends.h"

namespace lrs::test {
namespace {

ImportJobRecord job(const std::string& id, std::int64_t started) {
  ImportJobRecord j;
  j.id = id;
  j.file_name = "/exports/" + id + ".csv";
  j.format = "moodle-course-completion";
  j.settings_json = R"({"lms_url":"https://moodle.example.org","tz":"Europe/Madrid"})";
  j.started_us = started;
  return j;
}

QuarantinedRow row(const std::string& job_id, std::int64_t line, const std::string& raw,
                   const std::string& reason) {
  QuarantinedRow r;
  r.job_id = job_id;
  r.line = line;
  r.raw = raw;
  r.reason = reason;
  return r;
}

std::vector<std::int64_t> lines_of(const std::vector<QuarantinedRow>& rows) {
  std::vector<std::int64_t> out;
  for (const auto& r : rows) out.push_back(r.line);
  return out;
}

}  // namespace

TEMPLATE_TEST_CASE("import store: jobs are added, found, listed newest first and updated",
                   "[contract][imports]", SqliteBackend, PostgresBackend) {
  TestType backend;
  auto db = backend.open();
  ImportStore& store = db->imports();
  CHECK(store.list_jobs()->empty());
  REQUIRE(store.add_job(job("job-a", 100)));
  REQUIRE(store.add_job(job("job-c", 300)));
  REQUIRE(store.add_job(job("job-b", 300)));

  auto dup = store.add_job(job("job-a", 999));
  REQUIRE_FALSE(dup);
  CHECK(dup.error().code == ErrorCode::kConflict);
  CHECK(dup.error().message.find("job-a") != std::string::npos);

  auto found = store.find_job("job-a");
  REQUIRE(found);
  REQUIRE(*found);
  CHECK((*found)->id == "job-a");
  CHECK((*found)->file_name == "/exports/job-a.csv");
  CHECK((*found)->format == "moodle-course-completion");
  CHECK((*found)->settings_json == job("job-a", 0).settings_json);
  CHECK((*found)->state == "running");
  CHECK((*found)->error.empty());
  CHECK((*found)->rows_read == 0);
  CHECK((*found)->started_us == 100);  // the duplicate changed nothing
  CHECK((*found)->finished_us == 0);
  auto unknown = store.find_job("job-x");
  REQUIRE(unknown);
  CHECK_FALSE(*unknown);

  // Newest first; equal start times by id.
  auto all = store.list_jobs();
  REQUIRE(all);
  REQUIRE(all->size() == 3);
  CHECK((*all)[0].id == "job-b");
  CHECK((*all)[1].id == "job-c");
  CHECK((*all)[2].id == "job-a");

  ImportJobRecord done = job("job-a", 555);  // started_us is not updated
  done.file_name = "renamed.csv";
  done.format = "mapping:cornerstone";
  done.settings_json = R"({"retry":true})";
  done.state = "failed";
  done.error = "line 7: \"quoted\" \\ and\nnewline, ünïcode";
  done.rows_read = 5'000'000'000;  // beyond 32 bits
  done.statements_stored = 12;
  done.statements_present = 3;
  done.rows_quarantined = 2;
  done.finished_us = 1'700'000'000'000'000;
  REQUIRE(store.update_job(done));
  auto updated = store.find_job("job-a");
  REQUIRE(updated);
  REQUIRE(*updated);
  CHECK((*updated)->file_name == "renamed.csv");
  CHECK((*updated)->format == "mapping:cornerstone");
  CHECK((*updated)->settings_json == R"({"retry":true})");
  CHECK((*updated)->state == "failed");
  CHECK((*updated)->error == done.error);
  CHECK((*updated)->rows_read == 5'000'000'000);
  CHECK((*updated)->statements_stored == 12);
  CHECK((*updated)->statements_present == 3);
  CHECK((*updated)->rows_quarantined == 2);
  CHECK((*updated)->started_us == 100);
  CHECK((*updated)->finished_us == 1'700'000'000'000'000);
  CHECK((*store.find_job("job-b"))->state == "running");  // only its own row changed

  auto missing = store.update_job(job("job-x", 1));
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == ErrorCode::kNotFound);
  CHECK(missing.error().message.find("job-x") != std::string::npos);
  CHECK_FALSE(*store.find_job("job-x"));
}

TEMPLATE_TEST_CASE("import store: quarantined rows are kept, replaced, resolved and unresolved",
                   "[contract][imports]", SqliteBackend, PostgresBackend) {
  TestType backend;
  auto db = backend.open();
  ImportStore& store = db->imports();
  REQUIRE(store.add_job(job("job-a", 100)));
  REQUIRE(store.add_job(job("job-b", 200)));
  CHECK(store.quarantined("job-a", true)->empty());
  CHECK(store.quarantined("job-x", true)->empty());  // unknown job: none
  REQUIRE(store.quarantine({}));

  const std::string tricky = "7,\"Smith, \"\"J\"\"\",\"line\nbreak\",C:\\path,{a,b},ünïcode";
  REQUIRE(store.quarantine({row("job-a", 9, "9,Completed,tomorrow,", "unparseable date"),
                            row("job-a", 2, tricky, "unknown user id \"7\""),
                            row("job-b", 2, "2,Maybe,", "unknown completion state \"Maybe\""),
                            row("job-a", 4, "4,Completed,,", "missing column")}));
  auto rows = store.quarantined("job-a", false);
  REQUIRE(rows);
  REQUIRE(lines_of(*rows) == std::vector<std::int64_t>{2, 4, 9});  // by line
  CHECK((*rows)[0].job_id == "job-a");
  CHECK((*rows)[0].raw == tricky);
  CHECK((*rows)[0].reason == "unknown user id \"7\"");
  CHECK_FALSE((*rows)[0].resolved);
  CHECK((*rows)[2].raw == "9,Completed,tomorrow,");
  CHECK((*rows)[2].reason == "unparseable date");
  auto other = store.quarantined("job-b", true);
  REQUIRE(other->size() == 1);
  CHECK((*other)[0].job_id == "job-b");
  CHECK((*other)[0].line == 2);
  CHECK((*other)[0].reason == "unknown completion state \"Maybe\"");

  // Resolving: only the named lines of that job; unknown lines are ignored.
  REQUIRE(store.resolve("job-a", {2, 9, 77}));
  REQUIRE(store.resolve("job-a", {}));
  CHECK(lines_of(*store.quarantined("job-a", false)) == std::vector<std::int64_t>{4});
  auto with_resolved = store.quarantined("job-a", true);
  REQUIRE(lines_of(*with_resolved) == std::vector<std::int64_t>{2, 4, 9});
  CHECK((*with_resolved)[0].resolved);
  CHECK_FALSE((*with_resolved)[1].resolved);
  CHECK((*with_resolved)[2].resolved);
  CHECK_FALSE((*store.quarantined("job-b", false))[0].resolved);  // same line, other job
  REQUIRE(store.resolve("job-x", {2}));                           // unknown job: nothing
  // Rows belong to a job: none are kept for an unknown one, not even the known job's
  // rows of the same call.
  auto orphan = store.quarantine({row("job-a", 50, "50,x", "bad"), row("job-x", 1, "1,x", "bad")});
  REQUIRE_FALSE(orphan);
  CHECK(orphan.error().message.find("job-x") != std::string::npos);
  CHECK(store.quarantined("job-x", true)->empty());
  CHECK(store.quarantined("job-a", true)->size() == 3);

  // Quarantining a held line again replaces its row and reason and unresolves it; a
  // line given twice in one call keeps the last.
  REQUIRE(store.quarantine({row("job-a", 9, "9,Completed,2024-13-01,", "month 13"),
                            row("job-a", 4, "4,Completed,x,", "first reason"),
                            row("job-a", 4, "4,Completed,y,", "second reason")}));
  auto again = store.quarantined("job-a", false);
  REQUIRE(lines_of(*again) == std::vector<std::int64_t>{4, 9});
  CHECK((*again)[0].raw == "4,Completed,y,");
  CHECK((*again)[0].reason == "second reason");
  CHECK((*again)[1].raw == "9,Completed,2024-13-01,");
  CHECK((*again)[1].reason == "month 13");
  CHECK_FALSE((*again)[1].resolved);
  CHECK(store.quarantined("job-a", true)->size() == 3);

  // Everything is in the database: another open finds it.
  db.reset();
  auto reopened = backend.open();
  CHECK(lines_of(*reopened->imports().quarantined("job-a", false)) ==
        std::vector<std::int64_t>{4, 9});
  CHECK(reopened->imports().list_jobs()->size() == 2);
}

TEMPLATE_TEST_CASE("import store: any bytes of an export are kept, NUL and invalid UTF-8 too",
                   "[contract][imports]", SqliteBackend, PostgresBackend) {
  TestType backend;
  auto db = backend.open();
  ImportStore& store = db->imports();
  using namespace std::string_literals;
  const std::string raw = "10,Comp\0leted,\xff\xfe,\\N"s;
  const std::string reason = "unknown completion state \"Comp\0leted\""s;
  ImportJobRecord j = job("job-a", 1);
  j.file_name = "upload\0.csv"s;
  REQUIRE(store.add_job(j));
  j.error = "header \"\xff\0\" matches no built-in format"s;
  j.state = "failed";
  REQUIRE(store.update_job(j));
  auto found = store.find_job("job-a");
  REQUIRE(found);
  REQUIRE(*found);
  CHECK((*found)->file_name == j.file_name);
  CHECK((*found)->error == j.error);
  CHECK(store.list_jobs()->at(0).error == j.error);
  REQUIRE(store.quarantine({row("job-a", 3, raw, reason)}));
  auto rows = store.quarantined("job-a", false);
  REQUIRE(rows);
  REQUIRE(rows->size() == 1);
  CHECK((*rows)[0].raw == raw);
  CHECK((*rows)[0].raw.size() == 19);  // nothing cut at the NUL
  CHECK((*rows)[0].reason == reason);
}

}  // namespace lrs::test

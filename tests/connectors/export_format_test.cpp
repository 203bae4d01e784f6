#include "connectors/export_format.h"

#include <fstream>

#include <catch2/catch.hpp>

#include "connectors/csv_reader.h"
#include "connectors/time_zone.h"

using connectors::Evidence;
using connectors::RowReading;
using Outcome = connectors::Evidence::Outcome;

namespace {

struct Sample {
  std::string format;
  std::vector<RowReading> rows;
  std::unique_ptr<connectors::ExportFormat> reader;
};

Sample read_sample(const std::string& file, const std::string& mapping = "") {
  std::ifstream in(std::string(LRS_LMS_EXPORTS_DIR) + "/" + file, std::ios::binary);
  REQUIRE(in);
  auto csv = connectors::CsvReader::open(in);
  REQUIRE(csv);
  connectors::CsvRow header;
  REQUIRE((*csv)->next(header));
  Sample s;
  if (mapping.empty()) {
    auto name = connectors::detect_format(header.cells);
    REQUIRE(name);
    s.format = *name;
    auto f = connectors::make_format(*name);
    REQUIRE(f);
    s.reader = std::move(*f);
  } else {
    std::ifstream m(std::string(LRS_LMS_EXPORTS_DIR) + "/mappings/" + mapping);
    std::string text((std::istreambuf_iterator<char>(m)), std::istreambuf_iterator<char>());
    CHECK(connectors::mapping_fits(text, header.cells));
    auto f = connectors::mapping_format(text);
    REQUIRE(f);
    s.format = (*f)->name();
    s.reader = std::move(*f);
  }
  auto started = s.reader->start(header.cells);
  INFO((started ? std::string() : started.error().message));
  REQUIRE(started.has_value());
  connectors::CsvRow row;
  while ((*csv)->next(row)) {
    REQUIRE(row.problem.empty());
    RowReading r;
    s.reader->read(row.cells, r);
    s.rows.push_back(std::move(r));
  }
  return s;
}

const Evidence& find(const RowReading& row, const std::string& key) {
  for (const auto& e : row.evidence) {
    if ((key.empty() && e.course_level) || (!e.course_level && e.activity_key == key)) return e;
  }
  FAIL("no evidence for " << key);
  return row.evidence.front();
}

std::int64_t civil(int y, unsigned m, unsigned d, int h = 0, int mi = 0, int s = 0) {
  return connectors::days_from_civil(y, m, d) * 86400 + h * 3600 + mi * 60 + s;
}

}  // namespace

TEST_CASE("Moodle course completion: states, pass/fail, dates and the course", "[formats]") {
  auto s = read_sample("completion-chem101-20240316_0930-comma_separated.csv");
  CHECK(s.format == "moodle-course-completion");
  CHECK(s.reader->needs_time_zone());
  REQUIRE(s.rows.size() == 3);
  const RowReading& ana = s.rows[0];
  CHECK(ana.user == "57");
  CHECK(ana.email == "ana@example.org");
  REQUIRE(ana.evidence.size() == 3);
  CHECK(find(ana, "Safety quiz").outcome == Outcome::kPassed);
  CHECK(find(ana, "Safety quiz").wall_clock_s == civil(2024, 3, 15, 14, 5));
  CHECK(find(ana, "Lab report").outcome == Outcome::kCompleted);
  CHECK(find(ana, "").wall_clock_s == civil(2024, 3, 16, 9, 12));
  CHECK(find(ana, "").time_text == "16/03/24, 09:12");
  CHECK(find(s.rows[1], "Safety quiz").outcome == Outcome::kFailed);
  CHECK(s.rows[1].evidence.size() == 1);
  CHECK(s.rows[2].evidence.empty());
  CHECK(s.rows[2].problem.empty());
}

TEST_CASE("Moodle course completion: a bad date or state names its column", "[formats]") {
  auto f = connectors::make_format("moodle-course-completion");
  REQUIRE(f);
  REQUIRE((*f)->start({"ID", "Quiz", "Quiz - Completion date", "Course complete"}));
  RowReading r;
  (*f)->read({"5", "Completed", "2024-03-15", ""}, r);
  CHECK(r.problem ==
        "column \"Quiz - Completion date\": \"2024-03-15\" is not a date in the format %d/%m/%y, "
        "%H:%M");
  RowReading r2;
  (*f)->read({"5", "Finalizado", "", ""}, r2);
  CHECK(r2.problem.rfind("column \"Quiz\": unknown completion state \"Finalizado\"", 0) == 0);
  auto g = connectors::make_format("moodle-course-completion");
  auto missing = (*g)->start({"Name", "Course complete"});
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message.find("no column ID") != std::string::npos);
}

TEST_CASE("Moodle activity completion, UTF-8 comma and UTF-16LE tab downloads", "[formats]") {
  for (const char* file : {"progress.chem101.csv", "progress.chem101-excel.csv"}) {
    INFO(file);
    auto s = read_sample(file);
    CHECK(s.format == "moodle-activity-completion");
    REQUIRE(s.rows.size() == 2);
    CHECK(s.rows[0].user == "S-0057");
    CHECK(find(s.rows[0], "Safety quiz").outcome == Outcome::kPassed);
    CHECK(find(s.rows[0], "Safety quiz").wall_clock_s == civil(2024, 3, 15, 14, 5, 9));
    CHECK(find(s.rows[0], "Lab report").outcome == Outcome::kCompleted);
    CHECK(find(s.rows[1], "Safety quiz").outcome == Outcome::kFailed);
    CHECK(s.rows[1].evidence.size() == 1);
  }
}

TEST_CASE("Moodle gradebook: real values, percentages, the course total, export time",
          "[formats]") {
  for (const char* file : {"CHEM101 Grades-20240316_0930-comma_separated.csv",
                           "CHEM101 Grades-20240316_0930-semicolon_separated-windows1252.csv"}) {
    INFO(file);
    auto s = read_sample(file);
    CHECK(s.format == "moodle-gradebook");
    REQUIRE(s.rows.size() == 2);
    CHECK(s.rows[0].user == "S-0057");
    CHECK(s.rows[1].user == "bo@example.org");  // blank ID number: the email identifies
    CHECK(find(s.rows[0], "Quiz: Safety quiz").raw == 7.5);
    CHECK_FALSE(find(s.rows[0], "Quiz: Safety quiz").max);
    CHECK(find(s.rows[0], "").raw == 82.35);
    CHECK(s.rows[1].evidence.size() == 2);  // "-" is no grade
    CHECK(s.reader->export_time_s() == 1710581400);
  }
}

TEST_CASE("Canvas gradebook: Points Possible gives the maxima, EX and N/A are skipped",
          "[formats]") {
  auto s = read_sample("canvas-gradebook.csv");
  CHECK(s.format == "canvas-gradebook");
  REQUIRE(s.rows.size() == 4);
  CHECK(s.rows[0].not_a_learner);
  const Evidence& quiz = find(s.rows[1], "assignment/98765");
  CHECK(quiz.activity_name == "Quiz 1");
  CHECK(quiz.raw == 8.5);
  CHECK(quiz.max == 10);
  CHECK(find(s.rows[1], "").raw == 88.33);
  CHECK(s.rows[2].evidence.size() == 1);  // only the final score
  CHECK(s.rows[3].user == "1236");
}

TEST_CASE("Canvas gradebook with BOM, semicolons and decimal commas", "[formats]") {
  auto s = read_sample("canvas-gradebook-semicolon-bom.csv");
  CHECK(s.format == "canvas-gradebook");
  REQUIRE(s.rows.size() == 2);
  CHECK(find(s.rows[1], "assignment/98765").raw == 8.5);
  CHECK(find(s.rows[1], "assignment/98765").max == 10);
  CHECK(find(s.rows[1], "").raw == 85);
}

TEST_CASE("Open edX grade report: fractions, Not Attempted skipped", "[formats]") {
  auto s = read_sample("ACME_CHEM101_2024_grade_report_2024-03-16-0930.csv");
  CHECK(s.format == "openedx-grade-report");
  REQUIRE(s.rows.size() == 2);
  CHECK(s.rows[0].user == "11");
  CHECK(find(s.rows[0], "").raw == 0.85);
  CHECK(find(s.rows[0], "").max == 1);
  CHECK(find(s.rows[0], "Homework 2: Lab safety").raw == 0.7);
  CHECK(s.rows[1].evidence.size() == 1);
}

TEST_CASE("Blackboard grade center: column ids, Total Pts and Complete", "[formats]") {
  auto s = read_sample("blackboard-grade-center.csv");
  CHECK(s.format == "blackboard-grade-center");
  REQUIRE(s.rows.size() == 2);
  CHECK(s.rows[0].user == "aperez");
  const Evidence& quiz = find(s.rows[0], "column/664617");
  CHECK(quiz.activity_name == "Quiz 3");
  CHECK(quiz.max == 10);
  CHECK(find(s.rows[0], "column/664620").outcome == Outcome::kCompleted);
  CHECK(find(s.rows[0], "column/1260434").max == 60);
  CHECK(s.rows[1].evidence.size() == 1);
}

TEST_CASE("Sakai gradebook: [points] maxima, decimal commas, comment and # columns ignored",
          "[formats]") {
  auto s = read_sample("sakai-gradebook.csv");
  CHECK(s.format == "sakai-gradebook");
  REQUIRE(s.rows.size() == 2);
  CHECK(find(s.rows[0], "Safety quiz").raw == 8.5);
  CHECK(find(s.rows[0], "Safety quiz").max == 10);
  CHECK(s.rows[0].evidence.size() == 2);
  CHECK(s.rows[1].evidence.size() == 1);
}

TEST_CASE("a mapping file reads a Spanish custom report with its status words", "[formats]") {
  auto s = read_sample("moodle-custom-report-es.csv", "moodle-custom-report-es.json");
  CHECK(s.format == "moodle-custom-report-es");
  CHECK(s.reader->default_time_zone() == "Europe/Madrid");
  REQUIRE(s.rows.size() == 2);
  REQUIRE(s.rows[0].evidence.size() == 1);
  const Evidence& e = s.rows[0].evidence[0];
  CHECK(e.outcome == Outcome::kCompleted);
  CHECK(e.course_level);
  CHECK(e.course_key == "CHEM101");
  CHECK(e.raw == 82.35);
  CHECK(e.max == 100);
  CHECK(e.wall_clock_s == civil(2024, 3, 16, 9, 12));
  CHECK(s.rows[1].evidence.empty());  // "No": not completed
}

TEST_CASE("mapping files are checked property by property", "[formats]") {
  CHECK(connectors::mapping_format("[]").error().message ==
        "the mapping file is not a JSON object");
  CHECK(connectors::mapping_format(R"({"columns":{"email":"E"}})").error().message ==
        "mapping: columns.user (the stable LMS user id) is required");
  CHECK(connectors::mapping_format(R"({"columns":{"user":"U","when":"W"}})")
            .error()
            .message.rfind("mapping: unknown column role \"when\"", 0) == 0);
  CHECK(connectors::mapping_format(R"({"columns":{"user":"U","status":"S"}})").error().message ==
        "mapping: status_words are required with columns.status");
  auto f = connectors::mapping_format(
      R"({"columns":{"user":"U","status":"S"},"status_words":{"completed":["Done"]}})");
  REQUIRE(f);
  auto started = (*f)->start({"S"});
  CHECK(started.error().message == "the file has no column \"U\" (mapping columns.user)");
  REQUIRE((*f)->start({"U", "S"}));
  RowReading r;
  (*f)->read({"7", "Maybe"}, r);
  CHECK(r.problem ==
        "column \"S\": unknown status \"Maybe\" (add it to the mapping's status_words)");
}

TEST_CASE("scores parse with decimal points, commas and percent signs", "[formats]") {
  CHECK(connectors::parse_score("8.5") == 8.5);
  CHECK(connectors::parse_score(" 8,5 ") == 8.5);
  CHECK(connectors::parse_score("85.00 %") == 85);
  CHECK(connectors::parse_score("1,234.5") == 1234.5);
  CHECK(connectors::parse_score("1.234,5") == 1234.5);
  CHECK_FALSE(connectors::parse_score("B+"));
  CHECK_FALSE(connectors::parse_score(""));
}

TEST_CASE("unknown headers detect no format; unknown names list the known ones", "[formats]") {
  CHECK_FALSE(connectors::detect_format({"foo", "bar"}));
  auto f = connectors::make_format("moodle");
  REQUIRE_FALSE(f);
  CHECK(f.error().message.find("moodle-course-completion") != std::string::npos);
}

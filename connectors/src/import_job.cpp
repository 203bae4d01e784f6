#include "connectors/import_job.h"

#include <algorithm>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <utility>

#include <nlohmann/json.hpp>

#include "connectors/csv_reader.h"
#include "connectors/export_format.h"
#include "connectors/statement_builder.h"
#include "connectors/time_zone.h"
#include "connectors/url_pull.h"
#include "lrs/auth.h"
#include "lrs/clock.h"
#include "lrs/person_service.h"
#include "lrs/statement_service.h"
#include "lrs/timestamp.h"
#include "lrs/uuid.h"

namespace connectors {
namespace {

using nlohmann::json;

constexpr std::int64_t kProgressEvery = 4096;

// The authority of every imported statement: one fixed agent, so a file imported through
// the CLI and again over HTTP yields identical statements (no-ops, not conflicts).
const lrs::Principal& import_principal() {
  static const lrs::Principal principal{
      "lms-import", lrs::kScopeAll,
      R"({"objectType":"Agent","account":{"homePage":"urn:lrsbridge","name":"lms-import"}})"};
  return principal;
}

const lrs::ClientVersion& import_version() {
  static const lrs::ClientVersion version{lrs::XapiVersion::k2_0, "2.0.0"};
  return version;
}

std::string base_name(const std::string& path) {
  auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// Course short names and export stamps in the file names LMSs give their downloads
// (research lms-exports.md 2.1, 2.2, 2.3, 2.7). Stamps are UTC.
struct NameFacts {
  std::string course;
  std::optional<std::int64_t> stamp_s;
};

NameFacts facts_from_file_name(const std::string& file_name) {
  // A pulled copy is named like the export plus the fetch time; the course is the export's.
  std::string name = strip_pull_stamp(base_name(file_name));
  NameFacts facts;
  std::smatch m;
  static const std::regex kMoodleCompletion(
      R"(^completion-(.+)-(\d{4})(\d{2})(\d{2})_(\d{2})(\d{2})-.*\.csv$)");
  static const std::regex kMoodleGrades(R"(^(.+) Grades-(\d{4})(\d{2})(\d{2})_(\d{2})(\d{2})-.*$)");
  static const std::regex kEdx(
      R"(^(.+)_grade_report_(\d{4})-(\d{2})-(\d{2})-(\d{2})(\d{2})\.csv$)");
  static const std::regex kMoodleProgress(R"(^progress\.([^.]+)(?:[-.].*)?\.csv$)");
  for (const std::regex* re : {&kMoodleCompletion, &kMoodleGrades, &kEdx}) {
    if (std::regex_match(name, m, *re)) {
      facts.course = m[1].str();
      auto n = [&](int i) { return static_cast<unsigned>(std::stoi(m[i].str())); };
      if (n(3) >= 1 && n(3) <= 12 && n(4) >= 1 && n(4) <= 31 && n(5) < 24 && n(6) < 60) {
        facts.stamp_s =
            days_from_civil(std::stoi(m[2].str()), n(3), n(4)) * 86400 + n(5) * 3600 + n(6) * 60;
      }
      return facts;
    }
  }
  if (std::regex_match(name, m, kMoodleProgress)) {
    facts.course = m[1].str();
    return facts;
  }
  auto dot = name.rfind('.');
  facts.course = dot == std::string::npos ? name : name.substr(0, dot);
  return facts;
}

json options_json(const ImportOptions& o) {
  json j = {{"format", o.format},           {"lms_url", o.lms_url},
            {"time_zone", o.time_zone},     {"course", o.course},
            {"course_name", o.course_name}, {"date_format", o.date_format},
            {"use_email", o.use_email},     {"batch_statements", o.batch_statements}};
  if (!o.mapping_json.empty()) j["mapping"] = o.mapping_json;
  if (o.export_time_s) j["export_time"] = *o.export_time_s;
  return j;
}

ImportOptions options_from_json(const json& j) {
  ImportOptions o;
  o.format = j.value("format", "auto");
  o.lms_url = j.value("lms_url", "");
  o.time_zone = j.value("time_zone", "");
  o.course = j.value("course", "");
  o.course_name = j.value("course_name", "");
  o.date_format = j.value("date_format", "");
  o.use_email = j.value("use_email", false);
  o.mapping_json = j.value("mapping", "");
  o.batch_statements = j.value("batch_statements", std::size_t{500});
  if (j.contains("export_time")) o.export_time_s = j["export_time"].get<std::int64_t>();
  return o;
}

// Everything a job needs once the header is read; kept in the job's settings so a retry
// maps rows exactly as the first run did (same course, zone, export time, ids).
struct Plan {
  ImportOptions options;  // resolved: course, zone and export time filled in
  std::unique_ptr<ExportFormat> format;
  StatementContext context;
  // The caller named the export time; otherwise one the rows state (Moodle gradebook's
  // "Last downloaded from this course") wins over the file name and modification time.
  bool export_time_given = false;
  bool export_time_from_rows = false;
  std::vector<std::string> header;
  std::vector<std::string> notes;
};

lrs::Result<Plan> make_plan(const ImportOptions& given, const std::string& file_name,
                            const std::vector<std::string>& header) {
  Plan plan;
  plan.options = given;
  ImportOptions& o = plan.options;
  plan.header = header;
  while (!o.lms_url.empty() && o.lms_url.back() == '/') o.lms_url.pop_back();
  if (o.lms_url.empty()) {
    return lrs::fail(lrs::ErrorCode::kInvalid,
                     "--lms-url is required: the LMS base URL (like https://moodle.example.org) "
                     "is the home page of every learner's account");
  }
  if (o.lms_url.rfind("https://", 0) != 0 && o.lms_url.rfind("http://", 0) != 0) {
    return lrs::fail(lrs::ErrorCode::kInvalid,
                     "--lms-url " + o.lms_url + " must be an http:// or https:// URL");
  }
  if (!o.mapping_json.empty()) {
    auto f = mapping_format(o.mapping_json);
    if (!f) return tl::unexpected(f.error());
    plan.format = std::move(*f);
  } else {
    std::string name = o.format.empty() ? "auto" : o.format;
    if (name == "auto") {
      auto detected = detect_format(header);
      if (!detected) {
        std::string first;
        for (std::size_t i = 0; i < header.size() && i < 6; ++i) {
          first += (i ? ", " : "") + ("\"" + header[i] + "\"");
        }
        return lrs::fail(lrs::ErrorCode::kInvalid,
                         "the header row (" + first + (header.size() > 6 ? ", ..." : "") +
                             ") matches no built-in format; name one with --format or "
                             "describe the columns in a --mapping file");
      }
      name = *detected;
    }
    auto f = make_format(name, o.date_format);
    if (!f) return tl::unexpected(f.error());
    plan.format = std::move(*f);
  }
  if (auto ok = plan.format->start(header); !ok) return tl::unexpected(ok.error());
  o.format = plan.format->name();

  if (o.time_zone.empty()) o.time_zone = plan.format->default_time_zone();
  if (o.time_zone.empty()) {
    if (plan.format->needs_time_zone()) {
      return lrs::fail(lrs::ErrorCode::kInvalid,
                       plan.format->name() +
                           " exports print local times without a zone: give --tz, the time "
                           "zone of the user who made the export (like Europe/Madrid)");
    }
    o.time_zone = "UTC";
  }
  auto zone = TimeZone::load(o.time_zone);
  if (!zone) return tl::unexpected(zone.error());

  NameFacts facts = facts_from_file_name(file_name);
  if (o.course.empty()) {
    o.course = facts.course;
    plan.notes.push_back("course \"" + o.course + "\" taken from the file name (--course sets it)");
  }
  plan.export_time_given = o.export_time_s.has_value();
  if (!o.export_time_s) {
    if (facts.stamp_s) {
      o.export_time_s = facts.stamp_s;
    } else if (o.file_time_s) {
      o.export_time_s = o.file_time_s;
    }
  }

  StatementContext& c = plan.context;
  c.lms_url = o.lms_url;
  c.platform = plan.format->platform();
  c.format = plan.format->name();
  c.course_key = o.course;
  c.course_name = o.course_name.empty() ? o.course : o.course_name;
  c.zone = *zone;
  c.use_email = o.use_email;
  c.now_s = lrs::current_time_us() / 1'000'000;
  c.export_time_s = o.export_time_s.value_or(c.now_s);
  return plan;
}

struct PendingRow {
  std::int64_t line = 0;
  std::vector<std::string> cells;
  std::vector<json> statements;
};

// Maps rows and stores their statements in batches; collects quarantined rows.
class RowImporter {
 public:
  RowImporter(Plan& plan, lrs::StatementStore& store, std::string job_id, bool dry_run,
              lrs::PersonStore* persons)
      : plan_(plan), store_(store), job_id_(std::move(job_id)), dry_run_(dry_run) {
    if (persons != nullptr && !dry_run) people_.emplace(*persons, store);
  }

  lrs::Result<void> add(std::int64_t line, const std::vector<std::string>& cells,
                        const std::string& read_problem) {
    ++summary.rows_read;
    if (!read_problem.empty()) {
      quarantine(line, cells, read_problem);
      return {};
    }
    RowReading reading;
    plan_.format->read(cells, reading);
    if (reading.not_a_learner) {
      ++summary.rows_without_evidence;
      return {};
    }
    if (!reading.problem.empty()) {
      quarantine(line, cells, reading.problem);
      return {};
    }
    if (!plan_.export_time_given && !plan_.export_time_from_rows) {
      if (auto t = plan_.format->export_time_s()) {
        plan_.options.export_time_s = *t;
        plan_.context.export_time_s = *t;
        plan_.export_time_from_rows = true;
      }
    }
    auto built = build_statements(reading, plan_.context);
    if (!built) {
      quarantine(line, cells, built.error().message);
      return {};
    }
    if (built->empty()) {
      ++summary.rows_without_evidence;
      ok_lines.push_back(line);
      return {};
    }
    link_learner(reading);
    summary.statements_built += static_cast<std::int64_t>(built->size());
    pending_statements_ += built->size();
    pending_.push_back({line, cells, std::move(*built)});
    if (pending_statements_ >= plan_.options.batch_statements) return flush();
    return {};
  }

  lrs::Result<void> flush() {
    std::vector<PendingRow> rows = std::move(pending_);
    pending_.clear();
    pending_statements_ = 0;
    if (rows.empty()) return {};
    auto stored = store_rows(rows);
    if (!stored) return stored;
    return {};
  }

  ImportSummary summary;
  std::vector<lrs::QuarantinedRow> quarantined;
  std::vector<std::int64_t> ok_lines;

 private:
  void quarantine(std::int64_t line, const std::vector<std::string>& cells,
                  const std::string& reason) {
    ++summary.rows_quarantined;
    quarantined.push_back({job_id_, line, format_csv_row(cells), reason, false});
  }

  // With --use-email the statements name a learner by mbox, while the player and imports
  // without it use the LMS account: a row that carries both says they are one person, so
  // the Agents resource can answer both IFIs (lrs/person_store.h). Once per learner and
  // job, and only when the store does not know the link yet (a re-import writes nothing).
  void link_learner(const RowReading& reading) {
    if (!people_ || !plan_.context.use_email || reading.user.empty() ||
        reading.email.find('@') == std::string::npos || link_failed_ ||
        !linked_users_.insert(reading.user).second) {
      return;
    }
    json account{{"objectType", "Agent"},
                 {"account", {{"homePage", plan_.context.lms_url}, {"name", reading.user}}}};
    json mbox{{"objectType", "Agent"}, {"mbox", "mailto:" + reading.email}};
    auto account_key = lrs::linkable_agent(account, "account", "import");
    auto mbox_key = lrs::linkable_agent(mbox, "mbox", "import");
    if (!account_key || !mbox_key) return;  // the row's statements say why, if anything
    auto known = people_->store().find_by_agent(account_key->key);
    if (known && *known &&
        std::any_of((*known)->agents.begin(), (*known)->agents.end(),
                    [&](const lrs::LinkedAgent& a) { return a.key == mbox_key->key; })) {
      return;
    }
    auto linked = people_->link(json::array({std::move(account), std::move(mbox)}), "import");
    if (!linked) {
      // The statements matter more than the links: say so once and import on.
      link_failed_ = true;
      summary.notes.push_back("learners' LMS accounts and emails were not linked as persons: " +
                              linked.error().message);
    }
  }

  // All rows in one transaction; when the LRS refuses the batch, row by row so only the
  // rows it refuses are quarantined (the bisection logstore_xapi does over HTTP).
  lrs::Result<void> store_rows(std::vector<PendingRow>& rows) {
    std::vector<json> all;
    std::set<std::string> ids;
    std::int64_t repeated = 0;
    for (PendingRow& r : rows) {
      for (json& s : r.statements) {
        // The same row twice in one file: the second is already present.
        if (ids.insert(s["id"].get<std::string>()).second) {
          all.push_back(std::move(s));
        } else {
          ++repeated;
        }
      }
    }
    auto result = store_statements(std::move(all));
    if (result) {
      summary.statements_present += repeated;
      for (const PendingRow& r : rows) ok_lines.push_back(r.line);
      return {};
    }
    if (result.error().code != lrs::ErrorCode::kInvalid &&
        result.error().code != lrs::ErrorCode::kConflict) {
      return tl::unexpected(result.error());
    }
    if (rows.size() == 1) {
      std::string reason = result.error().message;
      if (result.error().code == lrs::ErrorCode::kConflict) {
        reason +=
            " (the LMS changed this record since it was imported; void the stored "
            "statement to replace it)";
      }
      quarantine(rows[0].line, rows[0].cells, reason);
      return {};
    }
    // The batch's statements went to the refused call; rows map again the same way.
    for (PendingRow& r : rows) {
      RowReading reading;
      plan_.format->read(r.cells, reading);
      auto built = build_statements(reading, plan_.context);
      if (!built) return lrs::fail(lrs::ErrorCode::kInternal, "row mapped differently twice");
      r.statements = std::move(*built);
      std::vector<PendingRow> one;
      one.push_back(std::move(r));
      if (auto ok = store_rows(one); !ok) return ok;
    }
    return {};
  }

  lrs::Result<void> store_statements(std::vector<json> statements) {
    if (statements.empty()) return {};
    auto prepared =
        lrs::prepare_statements(std::move(statements), {}, import_principal(), import_version());
    if (!prepared) return tl::unexpected(prepared.error());
    if (dry_run_) return {};
    auto inserted = store_.insert(std::move(prepared->records), prepared->same);
    if (!inserted) return tl::unexpected(inserted.error());
    for (bool added : inserted->inserted) {
      ++(added ? summary.statements_stored : summary.statements_present);
    }
    return {};
  }

  Plan& plan_;
  lrs::StatementStore& store_;
  std::optional<lrs::PersonService> people_;
  std::set<std::string> linked_users_;
  bool link_failed_ = false;
  std::string job_id_;
  bool dry_run_;
  std::vector<PendingRow> pending_;
  std::size_t pending_statements_ = 0;
};

json settings_json(const Plan& plan, char delimiter) {
  return {{"options", options_json(plan.options)},
          {"header", plan.header},
          {"delimiter", std::string(1, delimiter)}};
}

void fill_job(lrs::ImportJobRecord& job, const ImportSummary& s) {
  job.rows_read = s.rows_read;
  job.statements_stored = s.statements_stored;
  job.statements_present = s.statements_present;
  job.rows_quarantined = s.rows_quarantined;
}

// Writes quarantined rows as they come so memory stays bounded on very bad files.
lrs::Result<void> drain_quarantine(RowImporter& importer, lrs::ImportStore& imports, bool dry_run,
                                   std::size_t at_least) {
  if (importer.quarantined.size() < at_least) return {};
  if (!dry_run) {
    if (auto ok = imports.quarantine(importer.quarantined); !ok) return ok;
  }
  importer.quarantined.clear();
  return {};
}

}  // namespace

json summary_json(const ImportSummary& s) {
  json j = {{"file", s.file_name},
            {"format", s.format},
            {"encoding", s.encoding},
            {"delimiter", std::string(1, s.delimiter)},
            {"rows_read", s.rows_read},
            {"rows_without_evidence", s.rows_without_evidence},
            {"rows_quarantined", s.rows_quarantined},
            {"statements_built", s.statements_built},
            {"statements_stored", s.statements_stored},
            {"statements_already_present", s.statements_present},
            {"notes", s.notes}};
  if (s.job_id.empty()) {
    j["dry_run"] = true;
  } else {
    j["job"] = s.job_id;
  }
  return j;
}

json job_json(const lrs::ImportJobRecord& job) {
  json j = {{"id", job.id},
            {"file", job.file_name},
            {"format", job.format},
            {"state", job.state},
            {"rows_read", job.rows_read},
            {"statements_stored", job.statements_stored},
            {"statements_already_present", job.statements_present},
            {"rows_quarantined", job.rows_quarantined},
            {"started", lrs::format_timestamp_us(job.started_us)}};
  if (job.finished_us != 0) j["finished"] = lrs::format_timestamp_us(job.finished_us);
  if (!job.error.empty()) j["error"] = job.error;
  return j;
}

lrs::Result<ImportSummary> run_import(std::istream& in, const std::string& file_name,
                                      const ImportOptions& options, lrs::StatementStore& statements,
                                      lrs::ImportStore& imports, const ImportProgress& progress,
                                      lrs::PersonStore* persons) {
  auto reader = CsvReader::open(in);
  if (!reader) {
    return lrs::fail(reader.error().code, base_name(file_name) + ": " + reader.error().message);
  }
  CsvReader& csv = **reader;
  CsvRow row;
  if (!csv.next(row)) {
    return lrs::fail(lrs::ErrorCode::kInvalid, base_name(file_name) + ": no header row");
  }
  if (!row.problem.empty()) {
    return lrs::fail(lrs::ErrorCode::kInvalid,
                     base_name(file_name) + ": the header row: " + row.problem);
  }
  auto plan = make_plan(options, file_name, row.cells);
  if (!plan) return tl::unexpected(plan.error());

  lrs::ImportJobRecord job;
  if (!options.dry_run) {
    job.id = lrs::Uuid::random().str();
    job.file_name = file_name;
    job.format = plan->format->name();
    job.settings_json = settings_json(*plan, csv.delimiter()).dump();
    job.started_us = lrs::current_time_us();
    if (auto ok = imports.add_job(job); !ok) return tl::unexpected(ok.error());
  }
  RowImporter importer(*plan, statements, job.id, options.dry_run, persons);
  lrs::Result<void> status;
  while (status && csv.next(row)) {
    status = importer.add(row.line, row.cells, row.problem);
    if (status) status = drain_quarantine(importer, imports, options.dry_run, 1000);
    if (progress && importer.summary.rows_read % kProgressEvery == 0) {
      progress(csv.bytes_read(), importer.summary.rows_read);
    }
  }
  if (status) status = importer.flush();
  if (status) status = drain_quarantine(importer, imports, options.dry_run, 1);
  if (progress) progress(csv.bytes_read(), importer.summary.rows_read);

  ImportSummary summary = std::move(importer.summary);
  summary.job_id = job.id;
  summary.file_name = file_name;
  summary.format = plan->format->name();
  summary.encoding = encoding_name(csv.encoding());
  summary.delimiter = csv.delimiter();
  summary.notes = plan->notes;
  if (!plan->options.export_time_s) {
    summary.notes.push_back(
        "the export holds no completion dates and no export time: rows without a date got "
        "the import time " +
        lrs::format_timestamp_us(plan->context.export_time_s * 1'000'000) +
        "; importing the file again will add their statements again (set the export time)");
  }
  if (!options.dry_run) {
    fill_job(job, summary);
    // The settings may have learnt the export time from the rows.
    job.settings_json = settings_json(*plan, csv.delimiter()).dump();
    job.state = status ? "finished" : "failed";
    if (!status) job.error = status.error().message;
    job.finished_us = lrs::current_time_us();
    if (auto ok = imports.update_job(job); !ok) return tl::unexpected(ok.error());
  }
  if (!status) return tl::unexpected(status.error());
  return summary;
}

lrs::Result<ImportSummary> retry_import(const std::string& job_id, const ImportOptions& fixes,
                                        lrs::StatementStore& statements, lrs::ImportStore& imports,
                                        lrs::PersonStore* persons) {
  auto found = imports.find_job(job_id);
  if (!found) return tl::unexpected(found.error());
  if (!*found) return lrs::fail(lrs::ErrorCode::kNotFound, "no import job " + job_id);
  lrs::ImportJobRecord job = **found;
  json settings = json::parse(job.settings_json, nullptr, false);
  if (settings.is_discarded() || !settings.contains("options") || !settings.contains("header")) {
    return lrs::fail(lrs::ErrorCode::kInternal,
                     "import job " + job_id + " has unreadable settings");
  }
  ImportOptions o = options_from_json(settings["options"]);
  if (!fixes.lms_url.empty()) o.lms_url = fixes.lms_url;
  if (!fixes.time_zone.empty()) o.time_zone = fixes.time_zone;
  if (!fixes.date_format.empty()) o.date_format = fixes.date_format;
  if (!fixes.mapping_json.empty()) o.mapping_json = fixes.mapping_json;
  if (!fixes.course.empty()) o.course = fixes.course;
  if (fixes.use_email) o.use_email = true;
  auto plan = make_plan(o, job.file_name, settings["header"].get<std::vector<std::string>>());
  if (!plan) return tl::unexpected(plan.error());

  auto rows = imports.quarantined(job_id, false);
  if (!rows) return tl::unexpected(rows.error());
  RowImporter importer(*plan, statements, job_id, false, persons);
  for (const lrs::QuarantinedRow& q : *rows) {
    std::istringstream text(q.raw + "\n");
    auto reader = CsvReader::open(text, ',');
    CsvRow row;
    if (!reader || !(*reader)->next(row)) continue;
    if (auto ok = importer.add(q.line, row.cells, row.problem); !ok)
      return tl::unexpected(ok.error());
  }
  if (auto ok = importer.flush(); !ok) return tl::unexpected(ok.error());
  if (auto ok = imports.quarantine(importer.quarantined); !ok) return tl::unexpected(ok.error());
  if (auto ok = imports.resolve(job_id, importer.ok_lines); !ok) return tl::unexpected(ok.error());

  ImportSummary summary = std::move(importer.summary);
  summary.job_id = job_id;
  summary.file_name = job.file_name;
  summary.format = plan->format->name();
  summary.notes.push_back("retried " + std::to_string(rows->size()) + " quarantined rows");
  job.statements_stored += summary.statements_stored;
  job.statements_present += summary.statements_present;
  job.rows_quarantined = summary.rows_quarantined;
  job.finished_us = lrs::current_time_us();
  if (auto ok = imports.update_job(job); !ok) return tl::unexpected(ok.error());
  return summary;
}

std::string quarantine_csv(const std::vector<lrs::QuarantinedRow>& rows) {
  std::string out = "job,line,reason,row,resolved\r\n";
  for (const auto& r : rows) {
    out += format_csv_row(
               {r.job_id, std::to_string(r.line), r.reason, r.raw, r.resolved ? "yes" : "no"}) +
           "\r\n";
  }
  return out;
}

}  // namespace connectors

#include "connectors/import_handler.h"

#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "connectors/import_job.h"
#include "lrs/timestamp.h"
#include "lrs/url.h"

namespace connectors {
namespace {

using lrs::ErrorCode;
using lrs::HttpRequest;
using lrs::HttpResponse;
using nlohmann::json;

constexpr std::string_view kPrefix = "/api/imports";

HttpResponse json_response(int status, const json& body) {
  HttpResponse r;
  r.status = status;
  r.body = body.dump();
  r.set_header("Content-Type", "application/json");
  return r;
}

HttpResponse not_allowed(const HttpRequest& request, const char* allow) {
  HttpResponse r =
      lrs::error_response({ErrorCode::kInvalid, "method " + request.method + " not allowed here"});
  r.status = 405;
  r.set_header("Allow", allow);
  return r;
}

// Query parameters to ImportOptions; kInvalid naming an unknown or malformed parameter.
lrs::Result<std::pair<ImportOptions, std::string>> options_from_query(std::string_view query,
                                                                      bool retry) {
  auto params = lrs::parse_query_string(query);
  if (!params) return lrs::fail(ErrorCode::kInvalid, "malformed query string");
  ImportOptions o;
  std::string file_name = "upload.csv";
  std::map<std::string, std::string*> text = {{"lms_url", &o.lms_url},
                                              {"tz", &o.time_zone},
                                              {"course", &o.course},
                                              {"date_format", &o.date_format},
                                              {"mapping", &o.mapping_json}};
  if (!retry) {
    text.emplace("format", &o.format);
    text.emplace("course_name", &o.course_name);
    text.emplace("file_name", &file_name);
  }
  for (const auto& [name, value] : *params) {
    if (auto it = text.find(name); it != text.end()) {
      *it->second = value;
    } else if (name == "use_email" || (!retry && name == "dry_run")) {
      if (value != "true" && value != "false") {
        return lrs::fail(ErrorCode::kInvalid, name + ": must be true or false");
      }
      (name == "use_email" ? o.use_email : o.dry_run) = value == "true";
    } else if (!retry && name == "export_time") {
      auto us = lrs::parse_timestamp_us(value);
      if (!us) {
        return lrs::fail(ErrorCode::kInvalid,
                         "export_time: must be an ISO 8601 time with a zone, like "
                         "2024-03-16T09:30:00Z");
      }
      o.export_time_s = *us / 1'000'000;
    } else {
      std::string known;
      for (const auto& [k, v] : text) known += k + ", ";
      known += retry ? "use_email" : "use_email, dry_run, export_time";
      return lrs::fail(ErrorCode::kInvalid,
                       "unknown parameter \"" + name + "\" (known: " + known + ")");
    }
  }
  return std::pair{std::move(o), std::move(file_name)};
}

}  // namespace

ImportHandler::ImportHandler(lrs::StatementStore& statements, lrs::ImportStore& imports,
                             lrs::Authenticator& auth, lrs::PersonStore* persons)
    : statements_(statements), imports_(imports), auth_(auth), persons_(persons) {}

bool ImportHandler::handles(std::string_view path) const {
  return path == kPrefix || path.substr(0, kPrefix.size() + 1) == "/api/imports/";
}

HttpResponse ImportHandler::handle(const HttpRequest& request) {
  auto who = auth_.authenticate(request.header("authorization"));
  if (!who) return lrs::error_response(who.error());
  if ((who->scopes & lrs::kScopeAll) == 0) {
    return lrs::error_response(
        {ErrorCode::kForbidden, "the import API needs a credential with scope all"});
  }
  std::string_view rest = std::string_view(request.path).substr(kPrefix.size());
  if (rest.empty()) {
    if (request.method == "POST") return start(request);
    if (request.method == "GET") {
      auto jobs = imports_.list_jobs();
      if (!jobs) return lrs::error_response(jobs.error());
      json list = json::array();
      for (const auto& j : *jobs) list.push_back(job_json(j));
      return json_response(200, list);
    }
    return not_allowed(request, "GET, POST");
  }
  rest.remove_prefix(1);  // '/'
  auto slash = rest.find('/');
  std::string id(rest.substr(0, slash));
  return job(request, id, slash == std::string_view::npos ? "" : rest.substr(slash + 1));
}

HttpResponse ImportHandler::start(const HttpRequest& request) {
  auto parsed = options_from_query(request.query, false);
  if (!parsed) return lrs::error_response(parsed.error());
  auto& [options, file_name] = *parsed;
  if (request.body.empty()) {
    return lrs::error_response(
        {ErrorCode::kInvalid, "the request body (the export file) is empty"});
  }
  std::istringstream in(request.body);
  auto summary = run_import(in, file_name, options, statements_, imports_, {}, persons_);
  if (!summary) return lrs::error_response(summary.error());
  HttpResponse r = json_response(options.dry_run ? 200 : 201, summary_json(*summary));
  if (!summary->job_id.empty()) {
    r.set_header("Location", std::string(kPrefix) + "/" + summary->job_id);
  }
  return r;
}

HttpResponse ImportHandler::job(const HttpRequest& request, const std::string& id,
                                std::string_view rest) {
  if (rest.empty()) {
    if (request.method != "GET") return not_allowed(request, "GET");
    auto found = imports_.find_job(id);
    if (!found) return lrs::error_response(found.error());
    if (!*found) return lrs::error_response({ErrorCode::kNotFound, "no import job " + id});
    return json_response(200, job_json(**found));
  }
  if (rest == "quarantine") {
    if (request.method != "GET") return not_allowed(request, "GET");
    auto found = imports_.find_job(id);
    if (!found) return lrs::error_response(found.error());
    if (!*found) return lrs::error_response({ErrorCode::kNotFound, "no import job " + id});
    auto params = lrs::parse_query_string(request.query);
    if (!params) return lrs::error_response({ErrorCode::kInvalid, "malformed query string"});
    bool csv = request.header("accept").find("text/csv") != std::string_view::npos;
    bool all = false;
    for (const auto& [name, value] : *params) {
      if (name == "format" && (value == "csv" || value == "json")) {
        csv = value == "csv";
      } else if (name == "resolved" && (value == "true" || value == "false")) {
        all = value == "true";
      } else {
        return lrs::error_response(
            {ErrorCode::kInvalid,
             "unknown parameter \"" + name + "\" (known: format=csv|json, resolved=true|false)"});
      }
    }
    auto rows = imports_.quarantined(id, all);
    if (!rows) return lrs::error_response(rows.error());
    if (csv) {
      HttpResponse r;
      r.body = quarantine_csv(*rows);
      r.set_header("Content-Type", "text/csv; charset=utf-8");
      r.set_header("Content-Disposition", "attachment; filename=\"quarantine-" + id + ".csv\"");
      return r;
    }
    json list = json::array();
    for (const auto& q : *rows) {
      list.push_back(
          {{"line", q.line}, {"reason", q.reason}, {"row", q.raw}, {"resolved", q.resolved}});
    }
    return json_response(200, {{"job", id}, {"file", (*found)->file_name}, {"rows", list}});
  }
  if (rest == "retry") {
    if (request.method != "POST") return not_allowed(request, "POST");
    auto parsed = options_from_query(request.query, true);
    if (!parsed) return lrs::error_response(parsed.error());
    auto summary = retry_import(id, parsed->first, statements_, imports_, persons_);
    if (!summary) return lrs::error_response(summary.error());
    return json_response(200, summary_json(*summary));
  }
  return lrs::error_response({ErrorCode::kNotFound, "nothing at " + request.path});
}

}  // namespace connectors

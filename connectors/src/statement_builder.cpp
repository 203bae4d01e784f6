#include "connectors/statement_builder.h"

#include <charconv>
#include <cmath>

#include <nlohmann/json.hpp>

#include "lrs/timestamp.h"
#include "lrs/uuid.h"

namespace connectors {
namespace {

using nlohmann::json;
using Outcome = Evidence::Outcome;

// Namespace of import statement ids: UUIDv5 of the URL below in the URL namespace
// (RFC 4122 appendix C), fixed forever so re-imports find their statements.
const lrs::Uuid& id_namespace() {
  static const lrs::Uuid ns =
      lrs::Uuid::v5(*lrs::Uuid::parse("6ba7b811-9dad-11d1-80b4-00c04fd430c8"),
                    "https://lrsbridge.dev/connectors/statement-id");
  return ns;
}

struct Verb {
  const char* id;
  const char* display;
};

Verb verb_of(Outcome o) {
  switch (o) {
    case Outcome::kCompleted:
      return {"http://adlnet.gov/expapi/verbs/completed", "completed"};
    case Outcome::kPassed:
      return {"http://adlnet.gov/expapi/verbs/passed", "passed"};
    case Outcome::kFailed:
      return {"http://adlnet.gov/expapi/verbs/failed", "failed"};
    case Outcome::kScored:
      return {"http://adlnet.gov/expapi/verbs/scored", "scored"};
  }
  return {"", ""};
}

// Shortest text that reads back as `v` ("12", "0.5"), for messages and ids.
std::string number_text(double v) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, end) : json(v).dump();
}

lrs::Result<json> result_of(const Evidence& e) {
  json result = json::object();
  if (e.outcome != Outcome::kScored) result["completion"] = true;
  if (e.outcome == Outcome::kPassed) result["success"] = true;
  if (e.outcome == Outcome::kFailed) result["success"] = false;
  if (!e.raw) return result;
  double raw = *e.raw;
  json score(json::value_t::object);
  score["raw"] = raw;
  if (e.min && e.max) {
    double min = *e.min, max = *e.max;
    std::string where = e.course_level ? "the course score" : "\"" + e.activity_name + "\"";
    if (raw < min || raw > max) {
      // xAPI Data 2.4.5.1: raw must lie between min and max.
      return lrs::fail(lrs::ErrorCode::kInvalid, "score " + number_text(raw) + " of " + where +
                                                     " is outside its range " + number_text(min) +
                                                     ".." + number_text(max));
    }
    score["min"] = min;
    score["max"] = max;
    if (min >= 0 && max > 0) score["scaled"] = raw / max;
  }
  result["score"] = std::move(score);
  return result;
}

}  // namespace

std::string iri_segment(std::string_view text) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    // RFC 3986 unreserved characters, ASCII only (std::isalnum would ask the locale).
    bool alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (alnum || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

// Objects are filled member by member: nlohmann's nested initializer lists build each
// level twice, which made mapping a third slower.
json activity(std::string id, const char* type, const std::string& name) {
  json a(json::value_t::object);
  a["objectType"] = "Activity";
  a["id"] = std::move(id);
  json& definition = a["definition"];
  definition["type"] = type;
  definition["name"]["und"] = name;
  return a;
}

lrs::Result<std::vector<json>> build_statements(const RowReading& row,
                                                const StatementContext& context) {
  if (row.user.empty()) return lrs::fail(lrs::ErrorCode::kInvalid, "the learner id is empty");
  json actor(json::value_t::object);
  actor["objectType"] = "Agent";
  bool by_email = context.use_email && row.email.find('@') != std::string::npos;
  if (by_email) {
    actor["mbox"] = "mailto:" + row.email;
  } else {
    json& account = actor["account"];
    account["homePage"] = context.lms_url;
    account["name"] = row.user;
  }
  std::string actor_key = by_email ? "mbox|" + row.email : context.lms_url + "|" + row.user;
  json category(json::value_t::array);
  json& by_format = category.emplace_back(json::value_t::object);
  by_format["objectType"] = "Activity";
  by_format["id"] = "https://lrsbridge.dev/connectors/" + iri_segment(context.format);

  std::vector<json> out;
  out.reserve(row.evidence.size());
  for (std::size_t i = 0; i < row.evidence.size(); ++i) {
    const Evidence& e = row.evidence[i];
    // The last statement of the row takes the actor and category trees instead of copies.
    bool last = i + 1 == row.evidence.size();
    const std::string& course_key = e.course_key.empty() ? context.course_key : e.course_key;
    const std::string& course_name = e.course_key.empty()
                                         ? context.course_name
                                         : (e.course_name.empty() ? e.course_key : e.course_name);
    if (course_key.empty()) {
      return lrs::fail(lrs::ErrorCode::kInvalid, "no course: give --course (or a course column)");
    }
    std::string course_iri = context.lms_url + "/course/" + iri_segment(course_key);

    std::int64_t when_s = context.export_time_s;
    bool from_export = true;
    if (e.utc_s) {
      when_s = *e.utc_s;
      from_export = false;
    } else if (e.wall_clock_s) {
      auto utc = context.zone.to_utc(*e.wall_clock_s);
      if (!utc) {
        return lrs::fail(lrs::ErrorCode::kInvalid,
                         "\"" + e.time_text + "\": " + utc.error().message);
      }
      when_s = *utc;
      from_export = false;
    }
    if (when_s > context.now_s) {
      // xAPI Data 2.4.7: a timestamp should not be in the future; a date after the
      // import means a wrong zone or date format.
      return lrs::fail(lrs::ErrorCode::kInvalid,
                       "completion time " + lrs::format_timestamp_us(when_s * 1'000'000) + " (\"" +
                           e.time_text + "\" in " + context.zone.name() + ") is in the future");
    }
    std::string timestamp = lrs::format_timestamp_us(when_s * 1'000'000);
    auto result = result_of(e);
    if (!result) return tl::unexpected(result.error());

    Verb verb = verb_of(e.outcome);
    std::string object_id =
        e.course_level ? course_iri : course_iri + "/activity/" + iri_segment(e.activity_key);
    // Scores take part in the id only for rows without their own time: a changed grade in
    // a later export of the same day is a new fact, not a conflict.
    std::string identity =
        context.platform + "|" + actor_key + "|" + verb.id + "|" + object_id + "|" + timestamp;
    if (from_export && e.raw) identity += "|" + number_text(*e.raw);

    json statement(json::value_t::object);
    statement["id"] = lrs::Uuid::v5(id_namespace(), identity).str();
    statement["actor"] = last ? std::move(actor) : actor;
    json& verb_json = statement["verb"];
    verb_json["id"] = verb.id;
    verb_json["display"]["en-US"] = verb.display;
    const std::string& course_title = course_name.empty() ? course_key : course_name;
    json& ctx = statement["context"];
    ctx["platform"] = context.platform;
    json& activities = ctx["contextActivities"];
    activities["category"] = last ? std::move(category) : category;
    if (e.course_level) {
      statement["object"] = activity(std::move(object_id),
                                     "http://adlnet.gov/expapi/activities/course", course_title);
    } else {
      statement["object"] =
          activity(std::move(object_id), "http://adlnet.gov/expapi/activities/module",
                   e.activity_name.empty() ? e.activity_key : e.activity_name);
      json& parent = activities["parent"];
      parent.push_back(
          activity(course_iri, "http://adlnet.gov/expapi/activities/course", course_title));
    }
    json& extensions = ctx["extensions"];
    extensions[kExtSourceFormat] = context.format;
    if (from_export) {
      extensions[kExtTimeFromExport] = true;
    } else {
      extensions[kExtSourceTime] = e.time_text;
    }
    statement["timestamp"] = std::move(timestamp);
    if (!result->empty()) statement["result"] = std::move(*result);
    out.push_back(std::move(statement));
  }
  return out;
}

}  // namespace connectors

// Only this file (of lrs_player) reads the manifest model: at import, manifest facts are
// turned into the package's summary JSON, and the runtime reads that instead of parsing
// imsmanifest.xml again on every launch and commit.
#include "player/packages.h"

#include <chrono>
#include <system_error>

#include <nlohmann/json.hpp>
#include <openssl/sha.h>

#include "course_status.h"
#include "learner_sequencing.h"
#include "lrs/timestamp.h"
#include "scorm/manifest.h"
#include "scorm/rollup.h"
#include "scorm/zip_package.h"

namespace player {
namespace {

using nlohmann::json;

std::string content_id(std::string_view bytes) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 16; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 15]);
  }
  return out;
}

json problems_to_json(const std::vector<scorm::Problem>& problems) {
  json out = json::array();
  for (const auto& p : problems) {
    out.push_back({{"severity", p.severity == scorm::Severity::kError ? "error" : "warning"},
                   {"where", p.where},
                   {"message", p.message}});
  }
  return out;
}

json control_mode_json(const std::optional<scorm::Sequencing>& seq) {
  scorm::ControlMode mode = seq ? seq->control_mode : scorm::ControlMode{};
  return {{"choice", mode.choice}, {"flow", mode.flow}, {"forward_only", mode.forward_only}};
}

// A launchable item with the values the LMS hands its SCO at launch (the CMI's read-only
// launch values, also the xAPI profile's activity-profile document): SCORM 2004 CAM
// adlcp:dataFromLMS, adlcp:completionThreshold (3rd Edition text; 4th Edition
// minProgressMeasure when completedByMeasure), the primary objective's
// minNormalizedMeasure when satisfiedByMeasure (RTE 4.2.20 scaled_passing_score),
// imsss:limitConditions attemptAbsoluteDurationLimit (max_time_allowed) and
// adlcp:timeLimitAction; SCORM 1.2 adlcp:datafromlms, masteryscore, maxtimeallowed and
// timelimitaction.
json sco_json(const scorm::Manifest& m, const scorm::Item& item, const std::string& launch,
              bool is_sco) {
  json out = {{"identifier", item.identifier},
              {"title", item.title},
              {"launch", launch},
              {"sco", is_sco},
              {"data_from_lms", item.data_from_lms},
              {"mastery_score", item.mastery_score ? json(*item.mastery_score) : json()}};
  if (!item.time_limit_action.empty()) out["time_limit_action"] = item.time_limit_action;
  if (m.scorm_version == scorm::ScormVersion::kScorm12) {
    if (!item.max_time_allowed.empty()) out["max_time_allowed"] = item.max_time_allowed;
    return out;
  }
  if (item.completion_threshold && (m.edition < 4 || item.completed_by_measure)) {
    out["completion_threshold"] = *item.completion_threshold;
  }
  if (item.sequencing) {
    for (const scorm::Objective& o : item.sequencing->objectives) {
      if (o.primary && o.satisfied_by_measure) {
        out["scaled_passing_score"] = o.min_normalized_measure;
      }
    }
    const std::string& limit = item.sequencing->limit_conditions.attempt_absolute_duration_limit;
    if (!limit.empty()) out["max_time_allowed"] = limit;
  }
  return out;
}

json item_json(const scorm::Manifest& m, const scorm::Item& item, json& scos) {
  json out = {{"identifier", item.identifier}, {"title", item.title}};
  if (item.is_leaf()) {
    auto launch = scorm::launch_url(m, item);
    const scorm::Resource* r = m.find_resource(item.identifierref);
    bool is_sco = r != nullptr && r->scorm_type == scorm::ScormType::kSco;
    if (launch) {
      out["launch"] = *launch;
      out["sco"] = is_sco;
      if (item.is_visible) scos.push_back(sco_json(m, item, *launch, is_sco));
    }
  } else {
    json children = json::array();
    for (const auto& c : item.children) children.push_back(item_json(m, c, scos));
    out["children"] = children;
    out["control_mode"] = control_mode_json(item.sequencing);
  }
  return out;
}

json summarize(const scorm::Manifest& m) {
  json scos = json::array();
  json org = json::object();
  if (const scorm::Organization* o = m.default_or_first_organization()) {
    json items = json::array();
    for (const auto& item : o->items) items.push_back(item_json(m, item, scos));
    org = {{"identifier", o->identifier},
           {"title", o->title},
           {"items", items},
           {"control_mode", control_mode_json(o->sequencing)}};
  }
  bool v2004 = m.scorm_version == scorm::ScormVersion::kScorm2004;
  return {{"cmi", v2004 ? "2004" : "1.2"},
          {"edition", m.edition},
          {"identifier", m.identifier},
          {"organization", org},
          {"scos", scos},
          {"rollup", rollup_tree_json(scorm::make_rollup_tree(m))},
          {"sequencing", sequencing_tree_json(scorm::make_sequencing_tree(m))},
          {"problems", problems_to_json(m.problems)}};
}

std::string title_of(const scorm::Manifest& m) {
  if (const scorm::Organization* o = m.default_or_first_organization()) {
    if (!o->title.empty()) return o->title;
  }
  if (!m.metadata.title.empty()) return m.metadata.title;
  return m.identifier;
}

lrs::Error to_lrs(const scorm::Error& e) {
  lrs::ErrorCode code = e.code == scorm::ErrorCode::kTooLarge ? lrs::ErrorCode::kTooLarge
                        : e.code == scorm::ErrorCode::kIo     ? lrs::ErrorCode::kInternal
                                                              : lrs::ErrorCode::kInvalid;
  return {code, e.message};
}

}  // namespace

lrs::Result<ImportOutcome> import_package(lrs::PlayerStore& store,
                                          const std::filesystem::path& data_dir,
                                          std::string_view zip_bytes, std::string* problems_json) {
  std::string id = content_id(zip_bytes);
  auto existing = store.find_package(id);
  if (!existing) return tl::unexpected(existing.error());
  if (*existing) return ImportOutcome{**existing, false};

  std::filesystem::path dest = data_dir / id;
  std::error_code ec;
  // A folder without a record is left over from an import that failed after extraction.
  if (std::filesystem::exists(dest, ec)) std::filesystem::remove_all(dest, ec);
  auto package = scorm::extract_package_bytes(zip_bytes, dest);
  if (!package) {
    if (problems_json != nullptr)
      *problems_json = problems_to_json(package.error().problems).dump();
    return tl::unexpected(to_lrs(package.error()));
  }
  const scorm::Manifest& m = package->manifest;
  lrs::PackageRecord record;
  record.id = id;
  record.title = title_of(m);
  record.version = std::string(scorm::scorm_version_name(m.scorm_version, m.edition));
  record.summary_json = summarize(m).dump();
  record.directory = std::filesystem::absolute(dest, ec).string();
  record.created_us = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  if (auto ok = store.add_package(record); !ok) {
    if (ok.error().code == lrs::ErrorCode::kConflict) {
      // A concurrent import of the same zip won; its files are the same bytes.
      auto again = store.find_package(id);
      if (again && *again) return ImportOutcome{**again, false};
    }
    std::filesystem::remove_all(dest, ec);
    return tl::unexpected(ok.error());
  }
  return ImportOutcome{record, true};
}

lrs::Result<void> delete_package(lrs::PlayerStore& store, const std::string& id) {
  auto found = store.find_package(id);
  if (!found) return tl::unexpected(found.error());
  if (!*found) return lrs::fail(lrs::ErrorCode::kNotFound, "no package " + id);
  if (auto ok = store.delete_package(id); !ok) return ok;
  std::error_code ec;
  std::filesystem::remove_all((*found)->directory, ec);
  return {};
}

std::string package_json(const lrs::PackageRecord& record) {
  json summary = json::parse(record.summary_json, nullptr, false);
  json scos = json::array();
  if (summary.is_object()) {
    for (const auto& s : summary.value("scos", json::array())) {
      scos.push_back(
          {{"identifier", s["identifier"]}, {"title", s["title"]}, {"launch", s["launch"]}});
    }
  }
  return json{
      {"id", record.id},
      {"title", record.title},
      {"version", record.version},
      {"created", lrs::format_timestamp_us(record.created_us)},
      {"scos", scos},
      {"problems", summary.is_object() ? summary.value("problems", json::array()) : json::array()}}
      .dump();
}

}  // namespace player

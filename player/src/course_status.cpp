#include "course_status.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <functional>
#include <map>
#include <optional>
#include <string_view>

#include "learner_sequencing.h"

namespace player {
namespace {

using nlohmann::json;
using Lookup = std::function<std::optional<std::string>(std::string_view)>;

std::optional<double> number(const std::optional<std::string>& text) {
  if (!text || text->empty()) return std::nullopt;
  double v = 0;
  const char* first = text->data();
  const char* last = first + text->size();
  if (*first == '+') ++first;
  auto [ptr, ec] = std::from_chars(first, last, v);
  if (ec != std::errc() || ptr != last || !std::isfinite(v)) return std::nullopt;
  return v;
}

// SCORM 2004 RTE 4.2.4 / 4.2.22 and the SN's mapping of the run-time statuses to tracking
// status; 1.2 lesson_status read the way the xAPI SCORM profile reads it (passed and
// failed end the SCO, so both count as completed).
scorm::ActivityStatus status_of(bool is12, const Lookup& get) {
  scorm::ActivityStatus s;
  s.attempted = true;
  if (is12) {
    const std::string status = get("cmi.core.lesson_status").value_or("not attempted");
    if (status == "passed" || status == "failed") {
      s.completed = true;
      s.satisfied = status == "passed";
    } else {
      s.completed = status == "completed";
    }
    if (auto raw = number(get("cmi.core.score.raw"))) s.measure = std::clamp(*raw / 100, -1.0, 1.0);
    s.suspended = get("cmi.core.exit").value_or("") == "suspend";
    return s;
  }
  const std::string completion = get("cmi.completion_status").value_or("unknown");
  if (completion == "completed") s.completed = true;
  if (completion == "incomplete" || completion == "not attempted") s.completed = false;
  const std::string success = get("cmi.success_status").value_or("unknown");
  if (success == "passed") s.satisfied = true;
  if (success == "failed") s.satisfied = false;
  s.measure = number(get("cmi.score.scaled"));
  s.progress = number(get("cmi.progress_measure"));
  s.suspended = get("cmi.exit").value_or("") == "suspend";
  return s;
}

json rule_json(const scorm::RollupRule& rule) {
  json conditions = json::array();
  for (const auto& c : rule.conditions) {
    conditions.push_back({{"condition", c.condition}, {"not", c.negated}});
  }
  return {{"set", rule.child_activity_set},
          {"minimum_count", rule.minimum_count},
          {"minimum_percent", rule.minimum_percent},
          {"combination", rule.condition_combination},
          {"conditions", conditions},
          {"action", rule.action}};
}

scorm::RollupRule rule_from(const json& j) {
  scorm::RollupRule rule;
  rule.child_activity_set = j.value("set", "all");
  rule.minimum_count = j.value("minimum_count", 0);
  rule.minimum_percent = j.value("minimum_percent", 0.0);
  rule.condition_combination = j.value("combination", "any");
  rule.action = j.value("action", "");
  for (const json& c : j.value("conditions", json::array())) {
    rule.conditions.push_back({c.value("condition", ""), c.value("not", false)});
  }
  return rule;
}

scorm::RollupActivity tree_from(const json& j) {
  scorm::RollupActivity a;
  a.identifier = j.value("identifier", "");
  a.title = j.value("title", "");
  a.tracked = j.value("tracked", true);
  a.rollup.rollup_objective_satisfied = j.value("objective_satisfied", true);
  a.rollup.rollup_progress_completion = j.value("progress_completion", true);
  a.rollup.objective_measure_weight = j.value("measure_weight", 1.0);
  a.progress_weight = j.value("progress_weight", 1.0);
  if (j.contains("satisfied_by_measure") && j["satisfied_by_measure"].is_number()) {
    a.satisfied_by_measure = j["satisfied_by_measure"].get<double>();
  }
  if (j.contains("completed_by_measure") && j["completed_by_measure"].is_number()) {
    a.completed_by_measure = j["completed_by_measure"].get<double>();
  }
  if (const json& rc = j.value("considerations", json::object()); rc.is_object()) {
    a.considerations.required_for_satisfied = rc.value("satisfied", "always");
    a.considerations.required_for_not_satisfied = rc.value("not_satisfied", "always");
    a.considerations.required_for_completed = rc.value("completed", "always");
    a.considerations.required_for_incomplete = rc.value("incomplete", "always");
    a.considerations.measure_satisfaction_if_active = rc.value("measure_if_active", true);
  }
  for (const json& r : j.value("rules", json::array())) a.rollup.rules.push_back(rule_from(r));
  for (const json& c : j.value("children", json::array())) a.children.push_back(tree_from(c));
  return a;
}

// A summary's organization items (identifier, title, children) with default rollup.
scorm::RollupActivity tree_from_items(const json& node) {
  scorm::RollupActivity a;
  a.identifier = node.value("identifier", "");
  a.title = node.value("title", "");
  const json& children = node.contains("children") ? node["children"] : node.value("items", json());
  if (children.is_array()) {
    for (const json& c : children) a.children.push_back(tree_from_items(c));
  }
  return a;
}

}  // namespace

json rollup_tree_json(const scorm::RollupActivity& tree) {
  json rules = json::array();
  for (const auto& r : tree.rollup.rules) rules.push_back(rule_json(r));
  json children = json::array();
  for (const auto& c : tree.children) children.push_back(rollup_tree_json(c));
  json out = {{"identifier", tree.identifier},
              {"title", tree.title},
              {"tracked", tree.tracked},
              {"objective_satisfied", tree.rollup.rollup_objective_satisfied},
              {"progress_completion", tree.rollup.rollup_progress_completion},
              {"measure_weight", tree.rollup.objective_measure_weight},
              {"progress_weight", tree.progress_weight},
              {"rules", rules},
              {"considerations",
               {{"satisfied", tree.considerations.required_for_satisfied},
                {"not_satisfied", tree.considerations.required_for_not_satisfied},
                {"completed", tree.considerations.required_for_completed},
                {"incomplete", tree.considerations.required_for_incomplete},
                {"measure_if_active", tree.considerations.measure_satisfaction_if_active}}},
              {"children", children}};
  if (tree.satisfied_by_measure) out["satisfied_by_measure"] = *tree.satisfied_by_measure;
  if (tree.completed_by_measure) out["completed_by_measure"] = *tree.completed_by_measure;
  return out;
}

scorm::RollupActivity rollup_tree_from_summary(const json& summary) {
  if (!summary.is_object()) return {};
  if (summary.contains("rollup") && summary["rollup"].is_object()) {
    return tree_from(summary["rollup"]);
  }
  return tree_from_items(summary.value("organization", json::object()));
}

scorm::ActivityStatus sco_status(const scorm::CmiModel& model) {
  scorm::ActivityStatus s =
      status_of(model.version() == scorm::ScormVersion::kScorm12,
                [&](std::string_view element) { return model.stored(element); });
  s.active = model.session_open();
  return s;
}

lrs::Result<scorm::ActivityStatuses> latest_sco_statuses(
    const std::vector<lrs::AttemptRecord>& attempts) {
  std::map<std::string, const lrs::AttemptRecord*> latest;
  for (const lrs::AttemptRecord& a : attempts) {
    const lrs::AttemptRecord*& slot = latest[a.sco];
    if (slot == nullptr || slot->number < a.number) slot = &a;
  }
  scorm::ActivityStatuses out;
  for (const auto& [sco, a] : latest) {
    // Only a handful of values are read: the stored JSON is read as is, without the
    // full re-validation of scorm::from_json.
    auto status = stored_status(json::parse(a->cmi_json, nullptr, false));
    if (!status) {
      return lrs::fail(lrs::ErrorCode::kInternal,
                       "attempt " + std::to_string(a->id) + ": stored CMI is not an object");
    }
    status->active = a->state == "open";
    out[sco] = *status;
  }
  return out;
}

lrs::Result<scorm::ActivityStatuses> stored_sco_statuses(lrs::PlayerStore& store,
                                                         const std::string& registration) {
  auto attempts = store.list_attempts(registration);
  if (!attempts) return tl::unexpected(attempts.error());
  return latest_sco_statuses(*attempts);
}

std::optional<scorm::ActivityStatus> stored_status(const json& doc) {
  if (!doc.is_object() || !doc.contains("values") || !doc["values"].is_object()) {
    return std::nullopt;
  }
  const json& values = doc["values"];
  return status_of(doc.value("scorm", "") == "1.2",
                   [&](std::string_view element) -> std::optional<std::string> {
                     auto it = values.find(std::string(element));
                     if (it == values.end() || !it->is_string()) return std::nullopt;
                     return it->get<std::string>();
                   });
}

std::string status_label(const scorm::ActivityStatus& status) {
  if (status.satisfied) return *status.satisfied ? "passed" : "failed";
  if (status.completed) return *status.completed ? "completed" : "incomplete";
  return status.attempted ? "attempted" : "not attempted";
}

lrs::Result<json> course_progress_json(lrs::PlayerStore& store, const std::string& registration,
                                       const json& summary) {
  auto leaves = stored_sco_statuses(store, registration);
  if (!leaves) return tl::unexpected(leaves.error());
  const scorm::RollupActivity tree = learner_course(summary, registration).rollup;
  const scorm::ActivityStatuses all = scorm::roll_up(tree, *leaves);
  const scorm::ActivityStatus& root = all.at(tree.identifier);
  json course = {{"status", status_label(root)}};
  if (root.measure) course["score"] = *root.measure;
  if (root.progress) course["progress"] = *root.progress;
  json scos = json::object();
  for (const json& sco : summary.value("scos", json::array())) {
    const std::string id = sco.value("identifier", "");
    auto it = all.find(id);
    scos[id] = status_label(it == all.end() ? scorm::ActivityStatus{} : it->second);
  }
  return json{{"course", course}, {"scos", scos}};
}

}  // namespace player

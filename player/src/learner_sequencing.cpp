#include "learner_sequencing.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>
#include <utility>
#include <vector>

#include "course_status.h"
#include "scorm/rollup.h"

namespace player {
namespace {

using nlohmann::json;
using Kind = scorm::SequencingRule::Kind;

const char* kind_name(Kind kind) {
  switch (kind) {
    case Kind::kPreCondition:
      return "pre";
    case Kind::kExitCondition:
      return "exit";
    case Kind::kPostCondition:
      return "post";
  }
  return "pre";
}

Kind kind_from(const std::string& name) {
  if (name == "exit") return Kind::kExitCondition;
  if (name == "post") return Kind::kPostCondition;
  return Kind::kPreCondition;
}

json control_mode_json(const scorm::ControlMode& m) {
  return {{"choice", m.choice},
          {"choice_exit", m.choice_exit},
          {"flow", m.flow},
          {"forward_only", m.forward_only}};
}

scorm::ControlMode control_mode_from(const json& j) {
  scorm::ControlMode m;
  if (!j.is_object()) return m;
  m.choice = j.value("choice", true);
  m.choice_exit = j.value("choice_exit", true);
  m.flow = j.value("flow", false);
  m.forward_only = j.value("forward_only", false);
  return m;
}

json rule_json(const scorm::SequencingRule& rule) {
  json conditions = json::array();
  for (const auto& c : rule.conditions) {
    json cj = {
        {"condition", c.condition}, {"objective", c.referenced_objective}, {"not", c.negated}};
    if (c.measure_threshold) cj["threshold"] = *c.measure_threshold;
    conditions.push_back(std::move(cj));
  }
  return {{"kind", kind_name(rule.kind)},
          {"combination", rule.condition_combination},
          {"conditions", conditions},
          {"action", rule.action}};
}

scorm::SequencingRule rule_from(const json& j) {
  scorm::SequencingRule rule;
  rule.kind = kind_from(j.value("kind", "pre"));
  rule.condition_combination = j.value("combination", "all");
  rule.action = j.value("action", "");
  for (const json& c : j.value("conditions", json::array())) {
    scorm::RuleCondition condition;
    condition.condition = c.value("condition", "");
    condition.referenced_objective = c.value("objective", "");
    condition.negated = c.value("not", false);
    if (c.contains("threshold") && c["threshold"].is_number()) {
      condition.measure_threshold = c["threshold"].get<double>();
    }
    rule.conditions.push_back(std::move(condition));
  }
  return rule;
}

json objective_json(const scorm::Objective& o) {
  json maps = json::array();
  for (const auto& m : o.map_info) {
    maps.push_back({{"target", m.target_objective_id},
                    {"read_satisfied", m.read_satisfied_status},
                    {"read_measure", m.read_normalized_measure},
                    {"write_satisfied", m.write_satisfied_status},
                    {"write_measure", m.write_normalized_measure},
                    {"read_completion", m.read_completion_status},
                    {"write_completion", m.write_completion_status},
                    {"read_progress", m.read_progress_measure},
                    {"write_progress", m.write_progress_measure},
                    {"read_raw", m.read_raw_score},
                    {"write_raw", m.write_raw_score},
                    {"read_min", m.read_min_score},
                    {"write_min", m.write_min_score},
                    {"read_max", m.read_max_score},
                    {"write_max", m.write_max_score}});
  }
  return {{"id", o.id}, {"primary", o.primary}, {"maps", maps}};
}

scorm::Objective objective_from(const json& j) {
  scorm::Objective o;
  o.id = j.value("id", "");
  o.primary = j.value("primary", false);
  for (const json& m : j.value("maps", json::array())) {
    scorm::ObjectiveMapInfo map;
    map.target_objective_id = m.value("target", "");
    map.read_satisfied_status = m.value("read_satisfied", true);
    map.read_normalized_measure = m.value("read_measure", true);
    map.write_satisfied_status = m.value("write_satisfied", false);
    map.write_normalized_measure = m.value("write_measure", false);
    // Summaries stored before the 4th Edition maps were kept read nothing extended: no
    // writer of them existed.
    map.read_completion_status = m.value("read_completion", true);
    map.write_completion_status = m.value("write_completion", false);
    map.read_progress_measure = m.value("read_progress", true);
    map.write_progress_measure = m.value("write_progress", false);
    map.read_raw_score = m.value("read_raw", true);
    map.write_raw_score = m.value("write_raw", false);
    map.read_min_score = m.value("read_min", true);
    map.write_min_score = m.value("write_min", false);
    map.read_max_score = m.value("read_max", true);
    map.write_max_score = m.value("write_max", false);
    o.map_info.push_back(std::move(map));
  }
  return o;
}

scorm::SequencingActivity tree_from(const json& j) {
  scorm::SequencingActivity a;
  a.identifier = j.value("identifier", "");
  a.title = j.value("title", "");
  a.control_mode = control_mode_from(j.value("control_mode", json()));
  for (const json& r : j.value("rules", json::array())) a.rules.push_back(rule_from(r));
  if (j.contains("attempt_limit") && j["attempt_limit"].is_number_integer()) {
    a.limits.attempt_limit = j["attempt_limit"].get<int>();
  }
  for (const json& o : j.value("objectives", json::array())) {
    a.objectives.push_back(objective_from(o));
  }
  a.prerequisites = j.value("prerequisites", "");
  if (const json r = j.value("randomization", json()); r.is_object()) {
    a.randomization.selection_timing = r.value("selection_timing", "never");
    a.randomization.randomization_timing = r.value("randomization_timing", "never");
    a.randomization.reorder_children = r.value("reorder_children", false);
    if (r.contains("select_count") && r["select_count"].is_number_integer()) {
      a.randomization.select_count = r["select_count"].get<int>();
    }
  }
  a.prevent_activation = j.value("prevent_activation", false);
  a.constrain_choice = j.value("constrain_choice", false);
  for (const json& c : j.value("children", json::array())) a.children.push_back(tree_from(c));
  return a;
}

// A summary's organization items: clusters with their control modes, and the leaves the
// player launches (`scos`).
std::optional<scorm::SequencingActivity> tree_from_items(const json& node,
                                                         const std::set<std::string>& scos) {
  scorm::SequencingActivity a;
  a.identifier = node.value("identifier", "");
  a.title = node.value("title", "");
  a.control_mode = control_mode_from(node.value("control_mode", json()));
  const json& children = node.contains("children") ? node["children"] : node.value("items", json());
  if (!children.is_array() || children.empty()) {
    if (!scos.contains(a.identifier)) return std::nullopt;
    return a;
  }
  for (const json& c : children) {
    if (auto child = tree_from_items(c, scos)) a.children.push_back(std::move(*child));
  }
  if (a.children.empty()) return std::nullopt;
  return a;
}

std::optional<double> number(const json& values, const std::string& element) {
  auto it = values.find(element);
  if (it == values.end() || !it->is_string()) return std::nullopt;
  const std::string& text = it->get_ref<const std::string&>();
  double v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size() || !std::isfinite(v)) {
    return std::nullopt;
  }
  return v;
}

// SCORM 2004 cmi.objectives.n by id: success and completion status, score and progress.
std::map<std::string, scorm::ObjectiveStatus> cmi_objectives(const json& values) {
  std::map<std::string, scorm::ObjectiveStatus> out;
  for (int n = 0;; ++n) {
    const std::string prefix = "cmi.objectives." + std::to_string(n) + ".";
    auto id = values.find(prefix + "id");
    if (id == values.end() || !id->is_string()) break;
    scorm::ObjectiveStatus status;
    auto success = values.find(prefix + "success_status");
    if (success != values.end() && success->is_string()) {
      if (*success == "passed") status.satisfied = true;
      if (*success == "failed") status.satisfied = false;
    }
    status.measure = number(values, prefix + "score.scaled");
    auto completion = values.find(prefix + "completion_status");
    if (completion != values.end() && completion->is_string()) {
      if (*completion == "completed") status.completed = true;
      if (*completion == "incomplete" || *completion == "not attempted") status.completed = false;
    }
    status.progress = number(values, prefix + "progress_measure");
    status.raw = number(values, prefix + "score.raw");
    status.min = number(values, prefix + "score.min");
    status.max = number(values, prefix + "score.max");
    out[id->get<std::string>()] = status;
  }
  return out;
}

scorm::NavigationDecision navigate_from(const LearnerSequencing& learner,
                                        const std::string& current, const std::string& target) {
  const scorm::SequencingContext c = learner.context();
  scorm::NavigationDecision decision;
  if (current.empty()) {
    decision = scorm::start(c);
    if (decision.target != target) decision = scorm::choose(c, "", target);
  } else if (current != target && (scorm::flow(c, current, true).target == target ||
                                   scorm::flow(c, current, false).target == target ||
                                   (learner.current == current && learner.current_ended &&
                                    scorm::after_attempt(c, current).next.target == target))) {
    // A flow step or where the ended SCO's rules lead; staying on the same SCO is a choice.
    decision = {target, ""};
  } else {
    decision = scorm::choose(c, current, target);
  }
  if (!decision.allowed()) {
    decision.refusal = "navigation from " + (current.empty() ? std::string("the start") : current) +
                       " to " + target + " is not allowed: " + decision.refusal;
  }
  return decision;
}

// nullopt when `node` does not contain `leaf`; else whether `node` or an activity below
// it on the way to `leaf` has exit or post-condition rules.
std::optional<bool> end_rules_on_path(const scorm::SequencingActivity& node,
                                      const std::string& leaf) {
  const bool mine = std::any_of(node.rules.begin(), node.rules.end(), [](const auto& r) {
    return r.kind != scorm::SequencingRule::Kind::kPreCondition;
  });
  if (node.is_leaf()) return node.identifier == leaf ? std::optional<bool>(mine) : std::nullopt;
  for (const auto& child : node.children) {
    if (auto below = end_rules_on_path(child, leaf)) return mine || *below;
  }
  return std::nullopt;
}

}  // namespace

json sequencing_tree_json(const scorm::SequencingActivity& tree) {
  json rules = json::array();
  for (const auto& r : tree.rules) rules.push_back(rule_json(r));
  json objectives = json::array();
  for (const auto& o : tree.objectives) objectives.push_back(objective_json(o));
  json children = json::array();
  for (const auto& c : tree.children) children.push_back(sequencing_tree_json(c));
  json out = {{"identifier", tree.identifier},
              {"title", tree.title},
              {"control_mode", control_mode_json(tree.control_mode)},
              {"rules", rules},
              {"objectives", objectives},
              {"children", children}};
  if (tree.limits.attempt_limit) out["attempt_limit"] = *tree.limits.attempt_limit;
  if (!tree.prerequisites.empty()) out["prerequisites"] = tree.prerequisites;
  const scorm::RandomizationControls& rc = tree.randomization;
  if (rc.selection_timing != "never" || rc.randomization_timing != "never") {
    json randomization = {{"selection_timing", rc.selection_timing},
                          {"randomization_timing", rc.randomization_timing},
                          {"reorder_children", rc.reorder_children}};
    if (rc.select_count) randomization["select_count"] = *rc.select_count;
    out["randomization"] = std::move(randomization);
  }
  if (tree.prevent_activation) out["prevent_activation"] = true;
  if (tree.constrain_choice) out["constrain_choice"] = true;
  return out;
}

scorm::SequencingActivity sequencing_tree_from_summary(const json& summary) {
  if (!summary.is_object()) return {};
  if (summary.contains("sequencing") && summary["sequencing"].is_object()) {
    return tree_from(summary["sequencing"]);
  }
  json org = summary.value("organization", json::object());
  if (summary.value("cmi", "1.2") == "1.2") {
    org["control_mode"] = {{"choice", true}, {"flow", true}};
  }
  std::set<std::string> scos;
  for (const json& sco : summary.value("scos", json::array())) {
    scos.insert(sco.value("identifier", ""));
  }
  auto tree = tree_from_items(org, scos);
  return tree ? *tree : scorm::SequencingActivity{};
}

LearnerCourse learner_course(const json& summary, const std::string& registration) {
  LearnerCourse out;
  out.tree = sequencing_tree_from_summary(summary);
  out.rollup = rollup_tree_from_summary(summary);
  out.left_out = scorm::select_and_randomize(out.tree, registration);
  scorm::drop_activities(out.rollup, out.left_out);
  return out;
}

lrs::Result<LearnerSequencing> learner_sequencing(lrs::PlayerStore& store,
                                                  const std::string& registration,
                                                  const json& summary) {
  auto attempts = store.list_attempts(registration);
  if (!attempts) return tl::unexpected(attempts.error());
  LearnerSequencing out;
  LearnerCourse course = learner_course(summary, registration);
  out.tree = std::move(course.tree);
  out.left_out = std::move(course.left_out);
  scorm::ActivityStatuses leaves;
  std::vector<std::pair<std::int64_t, std::string>> changed;  // (updated, sco)
  std::map<std::string, bool> ended;
  // Sorted by SCO then number: the last of each SCO is its latest attempt.
  for (std::size_t i = 0; i < attempts->size(); ++i) {
    const lrs::AttemptRecord& a = (*attempts)[i];
    if (i + 1 < attempts->size() && (*attempts)[i + 1].sco == a.sco) continue;
    const json doc = json::parse(a.cmi_json, nullptr, false);
    auto status = stored_status(doc);
    if (!status) {
      return lrs::fail(lrs::ErrorCode::kInternal,
                       "attempt " + std::to_string(a.id) + ": stored CMI is not an object");
    }
    status->active = a.state == "open";
    scorm::ActivityState& state = out.states[a.sco];
    state.status = *status;
    state.attempt_count = a.number;
    state.suspended = a.state == "suspended";
    if (doc.value("scorm", "") != "1.2") state.objectives = cmi_objectives(doc["values"]);
    leaves[a.sco] = *status;
    changed.emplace_back(a.updated_us, a.sco);
    ended[a.sco] = a.state != "open";
  }
  std::sort(changed.begin(), changed.end());
  if (!changed.empty()) {
    out.current = changed.back().second;
    out.current_ended = ended[out.current];
  }
  // Clusters get their rolled-up status (their own rules may test it).
  for (auto& [id, status] : scorm::roll_up(course.rollup, leaves)) {
    if (!leaves.contains(id) && status.attempted) out.states[id].status = status;
  }
  std::vector<std::string> order;
  order.reserve(changed.size());
  for (const auto& entry : changed) order.push_back(entry.second);
  out.globals = scorm::write_global_objectives(out.tree, out.states, order);
  return out;
}

std::vector<scorm::ObjectivePreload> shared_objectives_of(const LearnerSequencing& learner,
                                                          const std::string& sco) {
  const auto find = [&](const auto& self,
                        const scorm::SequencingActivity& a) -> const scorm::SequencingActivity* {
    if (a.is_leaf()) return a.identifier == sco ? &a : nullptr;
    for (const auto& child : a.children) {
      if (const auto* found = self(self, child)) return found;
    }
    return nullptr;
  };
  const scorm::SequencingActivity* leaf = find(find, learner.tree);
  if (leaf == nullptr) return {};
  return scorm::objective_preloads(*leaf, learner.globals);
}

scorm::NavigationDecision navigate(const LearnerSequencing& learner, const std::string& target) {
  return navigate_from(learner, learner.current, target);
}

json learner_scos(const LearnerSequencing& learner, const json& summary) {
  std::map<std::string, std::size_t> position;
  const auto walk = [&](const auto& self, const scorm::SequencingActivity& a) -> void {
    if (a.is_leaf()) position.emplace(a.identifier, position.size());
    for (const auto& child : a.children) self(self, child);
  };
  walk(walk, learner.tree);
  // SCOs outside the tree (none in a consistent summary) keep their place after it.
  std::vector<std::pair<std::size_t, const json*>> ordered;
  const json scos = summary.value("scos", json::array());
  for (std::size_t i = 0; i < scos.size(); ++i) {
    const std::string id = scos[i].value("identifier", "");
    if (learner.left_out.contains(id)) continue;
    auto it = position.find(id);
    ordered.emplace_back(it != position.end() ? it->second : position.size() + i, &scos[i]);
  }
  std::stable_sort(ordered.begin(), ordered.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  json out = json::array();
  for (const auto& entry : ordered) out.push_back(*entry.second);
  return out;
}

json navigation_json(const LearnerSequencing& learner, const std::string& current) {
  const scorm::SequencingContext c = learner.context();
  json scos = json::object();
  for (const scorm::LeafAvailability& leaf : scorm::availability(c, current)) {
    const scorm::NavigationDecision d = navigate_from(learner, current, leaf.identifier);
    json entry = {{"hidden", leaf.hidden}, {"enabled", d.allowed()}};
    if (!d.allowed()) entry["reason"] = d.refusal;
    scos[leaf.identifier] = std::move(entry);
  }
  auto target = [](const scorm::NavigationDecision& d) {
    return d.allowed() ? json(d.target) : json();
  };
  const bool started = !current.empty();
  const bool ended = started && current == learner.current && learner.current_ended;
  json after;
  if (ended) {
    const scorm::AfterAttempt a = scorm::after_attempt(c, current);
    after = {{"request", a.request}, {"target", target(a.next)}, {"by", a.decided_by}};
    if (!a.next.refusal.empty()) after["reason"] = a.next.refusal;
  }
  return {{"scos", scos},
          {"current", current},
          {"next", target(started ? scorm::flow(c, current, true) : scorm::start(c))},
          {"previous", started ? target(scorm::flow(c, current, false)) : json()},
          {"ended", ended},
          {"end_rules", started && end_rules_on_path(learner.tree, current).value_or(false)},
          {"after", after}};
}

}  // namespace player

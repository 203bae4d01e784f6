// SCORM 2004 4th Edition SN book: UP.2 (sequencing rules check), UP.1 (limit
// conditions), SB.2.1 / SB.2.2 (flow), SB.2.9 (choice), and the objective maps of the
// tracking model (SN 4.2.1, mapInfo), in the simplified shape described in sequencing.h.
#include "scorm/sequencing.h"

#include <algorithm>
#include <cstdint>

#include "scorm/prerequisites.h"

namespace scorm {
namespace {

using Tri = std::optional<bool>;  // the SN's True / False / Unknown
using Path = std::vector<const SequencingActivity*>;
using Kind = SequencingRule::Kind;

Tri negate(Tri value) { return value ? Tri(!*value) : std::nullopt; }

const ActivityState& state_of(const SequencingActivity& activity, const ActivityStates& states) {
  static const ActivityState never_attempted;
  auto it = states.find(activity.identifier);
  return it == states.end() ? never_attempted : it->second;
}

// The objective named `id` ("" = the primary one); nullptr when the activity has none.
const Objective* find_objective(const SequencingActivity& activity, std::string_view id) {
  for (const Objective& o : activity.objectives) {
    if (id.empty() ? o.primary : o.id == id) return &o;
  }
  return nullptr;
}

// The activity's own (unmapped) status of objective `o` (nullptr = the primary objective,
// which an activity has even when the manifest does not declare it).
ObjectiveStatus local_status(const Objective* o, const ActivityState& state) {
  const auto it = o == nullptr ? state.objectives.end() : state.objectives.find(o->id);
  ObjectiveStatus out = it == state.objectives.end() ? ObjectiveStatus{} : it->second;
  if (o == nullptr || o->primary) {
    // The SCO's own status; its cmi.objectives record of the same id adds the raw score.
    out.satisfied = state.status.satisfied;
    out.measure = state.status.measure;
    out.completed = state.status.completed;
    out.progress = state.status.progress;
  }
  return out;
}

// Copies the known values of `from` that `map` lets through (reading or writing).
template <typename T>
void pass(std::optional<T>& to, const std::optional<T>& from, bool allowed) {
  if (allowed && from) to = from;
}

void write_through(const ObjectiveMapInfo& map, const ObjectiveStatus& local, ObjectiveStatus& g) {
  pass(g.satisfied, local.satisfied, map.write_satisfied_status);
  pass(g.measure, local.measure, map.write_normalized_measure);
  pass(g.completed, local.completed, map.write_completion_status);
  pass(g.progress, local.progress, map.write_progress_measure);
  pass(g.raw, local.raw, map.write_raw_score);
  pass(g.min, local.min, map.write_min_score);
  pass(g.max, local.max, map.write_max_score);
}

void read_through(const ObjectiveMapInfo& map, const ObjectiveStatus& global, ObjectiveStatus& s) {
  pass(s.satisfied, global.satisfied, map.read_satisfied_status);
  pass(s.measure, global.measure, map.read_normalized_measure);
  pass(s.completed, global.completed, map.read_completion_status);
  pass(s.progress, global.progress, map.read_progress_measure);
  pass(s.raw, global.raw, map.read_raw_score);
  pass(s.min, global.min, map.read_min_score);
  pass(s.max, global.max, map.read_max_score);
}

bool limit_exceeded(const SequencingActivity& activity, const ActivityState& state) {
  return activity.limits.attempt_limit && *activity.limits.attempt_limit > 0 &&
         state.attempt_count >= *activity.limits.attempt_limit;
}

Tri evaluate(const RuleCondition& c, const SequencingActivity& activity,
             const ActivityStates& states, const GlobalObjectives& globals) {
  const ActivityState& state = state_of(activity, states);
  const ObjectiveStatus objective =
      read_objective(activity, c.referenced_objective, states, globals);
  const std::string_view name = c.condition;
  Tri value = false;  // timeLimitExceeded, outsideAvailableTimeRange: no time tracking
  if (name == "satisfied") {
    value = objective.satisfied;
  } else if (name == "objectiveStatusKnown") {
    value = objective.satisfied.has_value();
  } else if (name == "objectiveMeasureKnown") {
    value = objective.measure.has_value();
  } else if (name == "objectiveMeasureGreaterThan" || name == "objectiveMeasureLessThan") {
    if (!objective.measure) {
      value = std::nullopt;
    } else {
      const double threshold = c.measure_threshold.value_or(0.0);
      value = name == "objectiveMeasureGreaterThan" ? *objective.measure > threshold
                                                    : *objective.measure < threshold;
    }
  } else if (name == "completed") {
    value = read_objective(activity, "", states, globals).completed;
  } else if (name == "activityProgressKnown") {
    value = read_objective(activity, "", states, globals).completed.has_value();
  } else if (name == "attempted") {
    value = state.attempt_count > 0 || state.status.attempted;
  } else if (name == "attemptLimitExceeded") {
    value = limit_exceeded(activity, state);
  } else if (name == "always") {
    value = true;
  }
  return c.negated ? negate(value) : value;
}

// UP.2.1: the rule's conditions combined ("all" is And, "any" is Or, three-valued).
Tri evaluate(const SequencingRule& rule, const SequencingActivity& activity,
             const ActivityStates& states, const GlobalObjectives& globals) {
  const bool all = rule.condition_combination != "any";
  bool unknown = false;
  for (const RuleCondition& c : rule.conditions) {
    const Tri value = evaluate(c, activity, states, globals);
    if (!value) {
      unknown = true;
    } else if (*value != all) {
      return !all;
    }
  }
  if (unknown) return std::nullopt;
  return all;
}

bool find_path(const SequencingActivity& node, std::string_view id, Path& path) {
  path.push_back(&node);
  if (node.identifier == id) return true;
  for (const SequencingActivity& child : node.children) {
    if (find_path(child, id, path)) return true;
  }
  path.pop_back();
  return false;
}

Path path_to(const SequencingActivity& root, std::string_view id) {
  Path path;
  if (!id.empty()) find_path(root, id, path);
  return path;
}

void collect_leaves(const SequencingActivity& node, std::vector<const SequencingActivity*>& out) {
  if (node.is_leaf()) {
    out.push_back(&node);
    return;
  }
  for (const SequencingActivity& child : node.children) collect_leaves(child, out);
}

std::size_t index_in(const SequencingActivity& parent, const SequencingActivity* child) {
  return static_cast<std::size_t>(child - parent.children.data());
}

bool has_pre(const SequencingContext& c, const SequencingActivity& a, std::string_view action) {
  return rule_action(a, Kind::kPreCondition, {action}, c.states, c.globals).has_value();
}

NavigationDecision refuse(std::string why) { return {"", std::move(why)}; }

// SCORM 1.2 adlcp:prerequisites of a leaf, over the lesson statuses of the course.
std::optional<std::string> prerequisites_refusal(const SequencingContext& c,
                                                 const SequencingActivity& leaf) {
  if (leaf.prerequisites.empty()) return std::nullopt;
  const auto status = [&](std::string_view id) -> std::optional<std::string> {
    if (path_to(c.root, id).empty()) return std::nullopt;
    auto it = c.states.find(std::string(id));
    if (it == c.states.end()) return "not attempted";
    return lesson_status(it->second.status);
  };
  const PrerequisitesResult result = evaluate_prerequisites(leaf.prerequisites, status);
  if (!result.error.empty()) {
    return leaf.identifier + " has prerequisites that cannot be read (" + result.error +
           "), so it stays closed";
  }
  if (result.met) return std::nullopt;
  return leaf.identifier + " is not available yet: its prerequisites \"" + leaf.prerequisites +
         "\" are not met";
}

// UP.5 Check Activity Process: may `activity` be delivered (or entered) now?
std::optional<std::string> check_activity(const SequencingContext& c,
                                          const SequencingActivity& activity) {
  if (has_pre(c, activity, "disabled")) {
    return activity.identifier + " is disabled by a precondition rule";
  }
  const ActivityState& state = state_of(activity, c.states);
  if (activity.is_leaf() && !state.suspended && limit_exceeded(activity, state)) {
    return activity.identifier + " has used all " + std::to_string(*activity.limits.attempt_limit) +
           " of its attempts (attemptLimit)";
  }
  if (activity.is_leaf()) return prerequisites_refusal(c, activity);
  return std::nullopt;
}

// SB.2.2 Flow Activity Traversal, with SB.2.1's moves between siblings: from the leaf
// `path.back()` (or into the tree when `path` holds only the cluster to enter), find the
// next deliverable leaf in `forward` direction.
NavigationDecision traverse(const SequencingContext& c, Path path, bool forward, bool entering) {
  const std::string from = path.back()->identifier;
  while (true) {
    const SequencingActivity* next = nullptr;
    if (entering) {
      const SequencingActivity& cluster = *path.back();
      if (!cluster.control_mode.flow) {
        return refuse("flow navigation is not allowed into " + cluster.identifier +
                      " (its controlMode has flow=\"false\")");
      }
      const bool first = forward || cluster.control_mode.forward_only;
      next = first ? &cluster.children.front() : &cluster.children.back();
    } else {
      // SB.2.1: up while at the end of a cluster, then to the sibling.
      while (true) {
        if (path.size() < 2) {
          return refuse(forward ? "nothing follows " + from + " in the course"
                                : "nothing comes before " + from + " in the course");
        }
        const SequencingActivity& parent = *path[path.size() - 2];
        if (!parent.control_mode.flow) {
          return refuse("flow navigation is not allowed in " + parent.identifier +
                        " (its controlMode has flow=\"false\")");
        }
        if (!forward && parent.control_mode.forward_only) {
          return refuse("going back is not allowed in " + parent.identifier +
                        " (its controlMode has forwardOnly=\"true\")");
        }
        const std::size_t i = index_in(parent, path.back());
        const bool at_end = forward ? i + 1 == parent.children.size() : i == 0;
        if (!at_end) {
          next = &parent.children[forward ? i + 1 : i - 1];
          path.pop_back();
          break;
        }
        path.pop_back();
      }
    }
    path.push_back(next);
    if (has_pre(c, *next, "skip")) {
      entering = false;  // pass over it (and everything in it)
      continue;
    }
    if (auto why = check_activity(c, *next)) return refuse(*why);
    if (next->is_leaf()) return {next->identifier, ""};
    entering = true;
  }
}

// SB.2.9's Choice Flow Tree Traversal: the activity logically after (`forward`) or before
// `path.back()`: its next (previous) sibling, or its parent's, climbing; nullptr past
// either end of the course.
const SequencingActivity* logical_neighbour(Path path, bool forward) {
  while (path.size() >= 2) {
    const SequencingActivity& parent = *path[path.size() - 2];
    const std::size_t i = index_in(parent, path.back());
    if (forward ? i + 1 < parent.children.size() : i > 0) {
      return &parent.children[forward ? i + 1 : i - 1];
    }
    path.pop_back();
  }
  return nullptr;
}

bool on_path(const Path& path, const SequencingActivity* activity) {
  return activity != nullptr && std::find(path.begin(), path.end(), activity) != path.end();
}

// adlseq:constrainChoice: inside the deepest activity around (or at) the current SCO that
// constrains choice, the target must lie in it or in the activity logically next to or
// before it.
std::optional<std::string> constrained_choice_refusal(const Path& from, const Path& to) {
  for (std::size_t i = from.size(); i-- > 1;) {
    const SequencingActivity* constrained = from[i];
    if (!constrained->constrain_choice) continue;
    const Path around(from.begin(), from.begin() + static_cast<std::ptrdiff_t>(i) + 1);
    if (on_path(to, constrained) || on_path(to, logical_neighbour(around, true)) ||
        on_path(to, logical_neighbour(around, false))) {
      return std::nullopt;
    }
    return "choosing " + to.back()->identifier + " is not allowed from inside " +
           constrained->identifier +
           " (constrainChoice): only the activities logically next to or before it can be chosen";
  }
  return std::nullopt;
}

// A deterministic stream of draws for one cluster of one learner (splitmix64 over an FNV-1a
// hash of the seed and the cluster): the same course on every launch, on every platform.
class Draws {
 public:
  Draws(std::string_view seed, std::string_view cluster) {
    std::uint64_t h = 14695981039346656037ULL;
    const auto mix = [&h](std::string_view text) {
      for (const char ch : text) {
        h ^= static_cast<unsigned char>(ch);
        h *= 1099511628211ULL;
      }
    };
    mix(seed);
    mix(std::string_view("\0", 1));
    mix(cluster);
    state_ = h;
  }
  // Uniform enough in [0, n) for n far below 2^32.
  std::size_t below(std::size_t n) { return static_cast<std::size_t>(next() % n); }

 private:
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30U)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27U)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31U);
  }
  std::uint64_t state_ = 0;
};

void select_and_randomize_in(SequencingActivity& cluster, std::string_view seed,
                             std::set<std::string>& left_out) {
  if (cluster.is_leaf()) return;
  const RandomizationControls& rc = cluster.randomization;
  Draws draws(seed, cluster.identifier);
  const std::size_t n = cluster.children.size();
  if (rc.selection_timing != "never" && rc.select_count && *rc.select_count > 0 &&
      static_cast<std::size_t>(*rc.select_count) < n) {
    // SR.1: a uniform draw of selectCount children, kept in their manifest order.
    std::vector<std::size_t> index(n);
    for (std::size_t i = 0; i < n; ++i) index[i] = i;
    const auto count = static_cast<std::size_t>(*rc.select_count);
    for (std::size_t i = 0; i < count; ++i) std::swap(index[i], index[i + draws.below(n - i)]);
    std::vector<bool> chosen(n, false);
    for (std::size_t i = 0; i < count; ++i) chosen[index[i]] = true;
    std::vector<SequencingActivity> kept;
    kept.reserve(count);
    for (std::size_t i = 0; i < n; ++i) {
      if (chosen[i]) {
        kept.push_back(std::move(cluster.children[i]));
      } else {
        left_out.insert(cluster.children[i].identifier);
      }
    }
    cluster.children = std::move(kept);
  }
  if (rc.randomization_timing != "never" && rc.reorder_children) {
    // SR.2: Fisher-Yates over what was kept.
    for (std::size_t i = cluster.children.size(); i > 1; --i) {
      std::swap(cluster.children[i - 1], cluster.children[draws.below(i)]);
    }
  }
  for (SequencingActivity& child : cluster.children) select_and_randomize_in(child, seed, left_out);
}

SequencingActivity from_sequencing(std::string identifier, std::string title,
                                   const std::optional<Sequencing>& sequencing) {
  SequencingActivity a;
  a.identifier = std::move(identifier);
  a.title = std::move(title);
  if (!sequencing) return a;
  a.control_mode = sequencing->control_mode;
  a.rules = sequencing->rules;
  a.limits = sequencing->limit_conditions;
  a.objectives = sequencing->objectives;
  a.randomization = sequencing->randomization;
  a.prevent_activation = sequencing->prevent_activation;
  a.constrain_choice = sequencing->constrain_choice;
  return a;
}

// Leaves are the items the player can launch (visible, with a launch URL), as in its list
// of SCOs; a cluster left without any is left out too.
std::optional<SequencingActivity> from_item(const Manifest& manifest, const Item& item) {
  SequencingActivity a = from_sequencing(item.identifier, item.title, item.sequencing);
  a.prerequisites = item.prerequisites;
  if (item.is_leaf()) {
    if (!item.is_visible || !launch_url(manifest, item)) return std::nullopt;
    return a;
  }
  for (const Item& child : item.children) {
    if (auto c = from_item(manifest, child)) a.children.push_back(std::move(*c));
  }
  if (a.children.empty()) return std::nullopt;
  return a;
}

// SB.2.9's checks of a choice that starts something new (not a relaunch of the current
// SCO): hidden activities, choice control modes from the common ancestor down, activities
// that prevent activation, and constrained choice around the current SCO.
std::optional<std::string> choice_refusal(const SequencingContext& context, const Path& from,
                                          const Path& to, std::size_t common) {
  const SequencingActivity& leaf = *to.back();
  for (std::size_t i = 1; i < to.size(); ++i) {
    if (has_pre(context, *to[i], "hiddenFromChoice")) {
      return to[i]->identifier + " is hidden from choice by a precondition rule";
    }
  }
  for (std::size_t i = common; i + 1 < to.size(); ++i) {
    if (!to[i]->control_mode.choice) {
      return "choosing " + leaf.identifier + " is not allowed: " + to[i]->identifier +
             " has choice=\"false\" in its controlMode";
    }
  }
  // Activities below the common ancestor are not active: one that prevents activation
  // is entered by flow only.
  for (std::size_t i = common + 1; i < to.size(); ++i) {
    if (to[i]->prevent_activation) {
      return "choosing " + leaf.identifier + " is not allowed: " + to[i]->identifier +
             " can only be entered by flow (preventActivation)";
    }
  }
  return constrained_choice_refusal(from, to);
}

}  // namespace

SequencingActivity make_sequencing_tree(const Manifest& manifest) {
  const Organization* org = manifest.default_or_first_organization();
  if (org == nullptr) return SequencingActivity{};
  SequencingActivity root = from_sequencing(org->identifier, org->title, org->sequencing);
  for (const Item& item : org->items) {
    if (auto child = from_item(manifest, item)) root.children.push_back(std::move(*child));
  }
  if (manifest.scorm_version == ScormVersion::kScorm12) {
    const auto free_navigation = [](const auto& self, SequencingActivity& a) -> void {
      a.control_mode.flow = true;
      for (SequencingActivity& child : a.children) self(self, child);
    };
    free_navigation(free_navigation, root);
  }
  return root;
}

std::set<std::string> select_and_randomize(SequencingActivity& root, std::string_view seed) {
  std::set<std::string> left_out;
  select_and_randomize_in(root, seed, left_out);
  return left_out;
}

void drop_activities(RollupActivity& root, const std::set<std::string>& left_out) {
  if (left_out.empty()) return;
  std::erase_if(root.children,
                [&](const RollupActivity& child) { return left_out.contains(child.identifier); });
  for (RollupActivity& child : root.children) drop_activities(child, left_out);
}

GlobalObjectives write_global_objectives(const SequencingActivity& root,
                                         const ActivityStates& states,
                                         const std::vector<std::string>& write_order) {
  std::vector<const SequencingActivity*> all;
  const auto walk = [&](const auto& self, const SequencingActivity& a) -> void {
    all.push_back(&a);
    for (const SequencingActivity& child : a.children) self(self, child);
  };
  walk(walk, root);
  std::vector<const SequencingActivity*> ordered;
  for (const SequencingActivity* a : all) {
    if (std::find(write_order.begin(), write_order.end(), a->identifier) == write_order.end()) {
      ordered.push_back(a);
    }
  }
  for (const std::string& id : write_order) {
    for (const SequencingActivity* a : all) {
      if (a->identifier == id) ordered.push_back(a);
    }
  }
  GlobalObjectives out;
  for (const SequencingActivity* a : ordered) {
    const ActivityState& state = state_of(*a, states);
    for (const Objective& o : a->objectives) {
      const ObjectiveStatus local = local_status(&o, state);
      for (const ObjectiveMapInfo& map : o.map_info) {
        if (map.target_objective_id.empty()) continue;
        ObjectiveStatus written = out[map.target_objective_id];
        write_through(map, local, written);
        if (written == ObjectiveStatus{}) {
          out.erase(map.target_objective_id);
        } else {
          out[map.target_objective_id] = written;
        }
      }
    }
  }
  return out;
}

ObjectiveStatus read_objective(const SequencingActivity& activity, std::string_view objective_id,
                               const ActivityStates& states, const GlobalObjectives& globals) {
  const Objective* o = find_objective(activity, objective_id);
  if (o == nullptr && !objective_id.empty()) return {};  // no such objective: unknown
  ObjectiveStatus status = local_status(o, state_of(activity, states));
  if (o == nullptr) return status;
  for (const ObjectiveMapInfo& map : o->map_info) {
    auto it = globals.find(map.target_objective_id);
    if (it != globals.end()) read_through(map, it->second, status);
  }
  return status;
}

std::vector<ObjectivePreload> objective_preloads(const SequencingActivity& leaf,
                                                 const GlobalObjectives& globals) {
  std::vector<ObjectivePreload> out;
  for (const Objective& o : leaf.objectives) {
    if (o.id.empty()) continue;
    ObjectiveStatus status;
    for (const ObjectiveMapInfo& map : o.map_info) {
      auto it = globals.find(map.target_objective_id);
      if (it != globals.end()) read_through(map, it->second, status);
    }
    if (status != ObjectiveStatus{}) out.push_back({o.id, status});
  }
  return out;
}

std::optional<std::string> rule_action(const SequencingActivity& activity,
                                       SequencingRule::Kind kind,
                                       const std::vector<std::string_view>& actions,
                                       const ActivityStates& states,
                                       const GlobalObjectives& globals) {
  for (const SequencingRule& rule : activity.rules) {
    if (rule.kind != kind) continue;
    if (std::find(actions.begin(), actions.end(), rule.action) == actions.end()) continue;
    const Tri holds = evaluate(rule, activity, states, globals);
    if (holds && *holds) return rule.action;
  }
  return std::nullopt;
}

NavigationDecision start(const SequencingContext& context) {
  if (context.root.is_leaf()) return refuse("the course has nothing to launch");
  NavigationDecision decision = traverse(context, {&context.root}, true, true);
  if (decision.allowed() || context.root.control_mode.flow) return decision;
  // A course without flow starts where the learner chooses; open the first leaf choice
  // allows, as an LMS that shows the table of contents with the first entry selected.
  std::vector<const SequencingActivity*> leaves;
  collect_leaves(context.root, leaves);
  std::string first_refusal;
  for (const SequencingActivity* leaf : leaves) {
    NavigationDecision d = choose(context, "", leaf->identifier);
    if (d.allowed()) return d;
    if (first_refusal.empty()) first_refusal = d.refusal;
  }
  return refuse(first_refusal);
}

NavigationDecision flow(const SequencingContext& context, std::string_view current, bool forward) {
  Path path = path_to(context.root, current);
  if (path.empty()) return refuse("no activity " + std::string(current) + " in the course");
  return traverse(context, std::move(path), forward, false);
}

NavigationDecision choose(const SequencingContext& context, std::string_view current,
                          std::string_view target) {
  const Path to = path_to(context.root, target);
  if (to.empty() || !to.back()->is_leaf()) {
    return refuse("no SCO " + std::string(target) + " in the course");
  }
  const SequencingActivity& leaf = *to.back();
  const Path from = path_to(context.root, current);
  const bool relaunch = !from.empty() && current == target;
  // The common ancestor: the deepest cluster on both paths (the root before any launch).
  std::size_t common = 0;
  while (common + 1 < from.size() && common + 1 < to.size() && from[common + 1] == to[common + 1]) {
    ++common;
  }
  if (!relaunch) {
    if (auto why = choice_refusal(context, from, to, common)) return refuse(*why);
  }
  for (std::size_t i = 1; i < to.size(); ++i) {
    if (auto why = check_activity(context, *to[i])) return refuse(*why);
  }
  if (relaunch || from.empty()) return {leaf.identifier, ""};
  // SB.2.9: leaving clusters around the current SCO, then the direction in the common one.
  for (std::size_t i = common + 1; i + 1 < from.size(); ++i) {
    if (!from[i]->control_mode.choice_exit) {
      return refuse("choosing " + leaf.identifier + " is not allowed while in " +
                    from[i]->identifier + " (its controlMode has choiceExit=\"false\")");
    }
  }
  const SequencingActivity& ancestor = *from[common];
  const std::size_t from_branch = index_in(ancestor, from[common + 1]);
  const std::size_t to_branch = index_in(ancestor, to[common + 1]);
  if (to_branch < from_branch) {
    if (ancestor.control_mode.forward_only) {
      return refuse("going back from " + std::string(current) + " to " + leaf.identifier +
                    " is not allowed: " + ancestor.identifier +
                    " has forwardOnly=\"true\" in its controlMode");
    }
    return {leaf.identifier, ""};
  }
  for (std::size_t i = from_branch; i < to_branch; ++i) {
    const SequencingActivity& passed = ancestor.children[i];
    if (has_pre(context, passed, "stopForwardTraversal")) {
      return refuse("choosing " + leaf.identifier + " is not allowed: " + passed.identifier +
                    " stops forward traversal (a precondition rule)");
    }
  }
  for (std::size_t i = common + 1; i + 1 < to.size(); ++i) {
    if (has_pre(context, *to[i], "stopForwardTraversal")) {
      return refuse("choosing " + leaf.identifier + " is not allowed: " + to[i]->identifier +
                    " stops forward traversal (a precondition rule)");
    }
  }
  return {leaf.identifier, ""};
}

AfterAttempt after_attempt(const SequencingContext& context, std::string_view current) {
  Path path = path_to(context.root, current);
  AfterAttempt out;
  if (path.empty()) {
    out.next = refuse("no activity " + std::string(current) + " in the course");
    return out;
  }
  // TB.2.1: the exit rules of the clusters around the SCO, from the top.
  for (std::size_t i = 1; i + 1 < path.size(); ++i) {
    if (rule_action(*path[i], Kind::kExitCondition, {"exit"}, context.states, context.globals)) {
      path.resize(i + 1);
      out.request = "exit";
      out.decided_by = path.back()->identifier;
      break;
    }
  }
  // TB.2.2: post-condition rules, climbing on exitParent.
  static const std::vector<std::string_view> post_actions = {"exitParent", "exitAll",  "retry",
                                                             "retryAll",   "continue", "previous"};
  while (true) {
    const SequencingActivity& active = *path.back();
    const auto action =
        rule_action(active, Kind::kPostCondition, post_actions, context.states, context.globals);
    if (!action) break;
    out.decided_by = active.identifier;
    if (*action == "exitParent") {
      out.request = "exit";
      if (path.size() < 2) break;
      path.pop_back();
      continue;
    }
    out.request = *action == "retryAll" ? "retry" : *action;
    if (*action == "exitAll") return out;
    if (*action == "retryAll") {
      out.next = start(context);
    } else if (*action == "retry") {
      if (active.is_leaf()) {
        out.next = {active.identifier, ""};
        if (auto why = check_activity(context, active)) out.next = refuse(*why);
      } else {
        out.next = traverse(context, path, true, true);
      }
    } else {
      out.next = traverse(context, path, *action == "continue", false);
    }
    return out;
  }
  // An exit without a post-condition: the learner's continue goes on after what was
  // exited; exiting the root ends the course.
  if (out.request == "exit") {
    if (path.size() < 2) {
      out.request = "exitAll";
    } else {
      out.next = traverse(context, path, true, false);
    }
  }
  return out;
}

std::vector<LeafAvailability> availability(const SequencingContext& context,
                                           std::string_view current) {
  std::vector<const SequencingActivity*> leaves;
  collect_leaves(context.root, leaves);
  std::vector<LeafAvailability> out;
  for (const SequencingActivity* leaf : leaves) {
    LeafAvailability entry;
    entry.identifier = leaf->identifier;
    const Path path = path_to(context.root, leaf->identifier);
    for (std::size_t i = 1; i < path.size(); ++i) {
      if (has_pre(context, *path[i], "hiddenFromChoice")) entry.hidden = true;
    }
    entry.choice = choose(context, current, leaf->identifier);
    out.push_back(std::move(entry));
  }
  return out;
}

}  // namespace scorm

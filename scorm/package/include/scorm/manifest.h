// The content model of a SCORM package: imsmanifest.xml parsed into plain structs.
//
// `parse_manifest` reads SCORM 1.2 and SCORM 2004 (2nd, 3rd and 4th Edition) manifests.
// It fails only when the document cannot be a manifest at all (not XML, no <manifest>
// root, a DOCTYPE declaring entities, too large). Everything else that is wrong with a
// manifest (a dangling identifierref, a SCO without a launch file, an unknown scormType)
// is collected in `Manifest::problems`, so an author sees every mistake at once.
//
// Paths in the model are package-relative, '/'-separated, with every xml:base already
// applied and "." segments removed; they are not checked against any file system here
// (the package layer in zip_package.h does that). The structs are plain values: copy
// them freely, share them read-only across threads.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scorm/error.h"
#include "scorm/version.h"

namespace scorm {

// ---------------------------------------------------------------------------------------
// IMS Simple Sequencing (SCORM 2004 SN book), kept as data for the runtime. Defaults are
// those of the IMS SS information model, so a runtime can read any field without caring
// whether the manifest spelled it out.

struct ControlMode {
  bool choice = true;
  bool choice_exit = true;
  bool flow = false;
  bool forward_only = false;
  bool use_current_attempt_objective_info = true;
  bool use_current_attempt_progress_info = true;
};

struct RuleCondition {
  std::string condition;  // "satisfied", "objectiveMeasureGreaterThan", "always", ...
  std::string referenced_objective;
  std::optional<double> measure_threshold;
  bool negated = false;  // operator="not"
};

struct SequencingRule {
  enum class Kind { kPreCondition, kExitCondition, kPostCondition };
  Kind kind = Kind::kPreCondition;
  std::string condition_combination = "all";  // "all" | "any"
  std::vector<RuleCondition> conditions;
  std::string action;  // "skip", "disabled", "exitParent", "retry", ...
};

struct RollupCondition {
  std::string condition;  // "satisfied", "completed", "attempted", ...
  bool negated = false;
};

struct RollupRule {
  std::string child_activity_set = "all";  // all | any | none | atLeastCount | atLeastPercent
  int minimum_count = 0;
  double minimum_percent = 0.0;
  std::string condition_combination = "any";
  std::vector<RollupCondition> conditions;
  std::string action;  // satisfied | notSatisfied | completed | incomplete
};

struct RollupRules {
  bool rollup_objective_satisfied = true;
  bool rollup_progress_completion = true;
  double objective_measure_weight = 1.0;
  std::vector<RollupRule> rules;
};

struct ObjectiveMapInfo {
  std::string target_objective_id;
  bool read_satisfied_status = true;
  bool read_normalized_measure = true;
  bool write_satisfied_status = false;
  bool write_normalized_measure = false;
  // SCORM 2004 4th Edition adlseq:mapInfo extensions (completion, progress, raw/min/max).
  bool read_completion_status = true;
  bool write_completion_status = false;
  bool read_progress_measure = true;
  bool write_progress_measure = false;
  bool read_raw_score = true;
  bool write_raw_score = false;
  bool read_min_score = true;
  bool write_min_score = false;
  bool read_max_score = true;
  bool write_max_score = false;
};

struct Objective {
  std::string id;  // objectiveID; may be empty only for the primary objective
  bool primary = false;
  bool satisfied_by_measure = false;
  double min_normalized_measure = 1.0;
  std::vector<ObjectiveMapInfo> map_info;  // imsss:mapInfo merged with adlseq:mapInfo
};

struct LimitConditions {
  std::optional<int> attempt_limit;
  std::string attempt_absolute_duration_limit;  // xs:duration, empty if not set
};

struct DeliveryControls {
  bool tracked = true;
  bool completion_set_by_content = false;
  bool objective_set_by_content = false;
};

struct RandomizationControls {
  std::string randomization_timing = "never";
  std::optional<int> select_count;
  bool reorder_children = false;
  std::string selection_timing = "never";
};

struct RollupConsiderations {  // adlseq:rollupConsiderations
  std::string required_for_satisfied = "always";
  std::string required_for_not_satisfied = "always";
  std::string required_for_completed = "always";
  std::string required_for_incomplete = "always";
  bool measure_satisfaction_if_active = true;
};

struct Sequencing {
  std::string id;      // set on members of <imsss:sequencingCollection>
  std::string id_ref;  // IDRef to a collection member; already merged into this value
  ControlMode control_mode;
  std::vector<SequencingRule> rules;
  LimitConditions limit_conditions;
  RollupRules rollup_rules;
  std::vector<Objective> objectives;  // the primary objective first, if any
  RandomizationControls randomization;
  DeliveryControls delivery_controls;
  bool prevent_activation = false;  // adlseq:constrainedChoiceConsiderations
  bool constrain_choice = false;
  RollupConsiderations rollup_considerations;
  bool objectives_global_to_system = true;  // organization attribute, copied here
};

// ---------------------------------------------------------------------------------------
// Content packaging.

struct Metadata {
  std::string schema;         // "ADL SCORM"
  std::string schemaversion;  // as written, e.g. "2004 4th Edition"
  std::string location;       // adlcp:location of an external metadata file, if any
  std::string title;          // inline LOM general/title, first langstring
  std::string description;    // inline LOM general/description, first langstring
};

enum class ScormType { kSco, kAsset };

struct Resource {
  std::string identifier;
  std::string type;  // "webcontent"
  ScormType scorm_type = ScormType::kAsset;
  std::string href;                // as written
  std::string base;                // manifest, resources and resource xml:base combined
  std::string launch_path;         // base + href, normalised; empty when there is no href
  bool external = false;           // href or base is an absolute URL: nothing to find on disk
  std::vector<std::string> files;  // base + file href, normalised
  std::vector<std::string> dependencies;  // identifierrefs, in document order
  Metadata metadata;
};

struct Item {
  std::string identifier;
  std::string title;
  std::string identifierref;  // empty for a cluster (an item with children)
  std::string parameters;     // appended to the launch URL, see launch_url()
  bool is_visible = true;

  // SCORM 1.2 (adlcp_rootv1p2).
  std::optional<double> mastery_score;
  std::string prerequisites;  // AICC script expression, unevaluated
  std::string prerequisites_type;
  std::string max_time_allowed;   // 1.2 CMITimespan / 2004 via limitConditions
  std::string time_limit_action;  // "exit,message" etc.
  std::string data_from_lms;      // 1.2 adlcp:datafromlms, 2004 adlcp:dataFromLMS

  // SCORM 2004.
  std::optional<double> completion_threshold;  // 3rd Ed text, 4th Ed minProgressMeasure
  bool completed_by_measure = false;           // 4th Edition attribute
  double progress_weight = 1.0;                // 4th Edition attribute
  std::optional<Sequencing> sequencing;
  // adlnav:presentation/navigationInterface/hideLMSUI values ("continue", "previous", ...).
  std::vector<std::string> hide_lms_ui;

  std::vector<Item> children;

  bool is_leaf() const { return children.empty(); }
};

struct Organization {
  std::string identifier;
  std::string title;
  std::string structure = "hierarchical";
  bool objectives_global_to_system = true;   // adlseq:objectivesGlobalToSystem
  bool shared_data_global_to_system = true;  // adlcp:sharedDataGlobalToSystem (4th Ed)
  std::optional<Sequencing> sequencing;
  std::vector<Item> items;
};

struct Manifest {
  std::string identifier;
  std::string version;  // the manifest's own version attribute
  ScormVersion scorm_version = ScormVersion::kScorm12;
  // 2004 only: 2 (schemaversion "CAM 1.3" or "2004 2nd Edition"), 3 or 4; 0 for 1.2.
  int edition = 0;
  Metadata metadata;
  std::string base;                  // xml:base of <manifest>, the start of every resource's base
  std::string default_organization;  // identifier; empty when there are no organizations
  std::vector<Organization> organizations;
  std::vector<Resource> resources;
  std::vector<Sequencing> sequencing_collection;
  std::vector<Problem> problems;

  const Organization* find_organization(std::string_view identifier) const;
  const Resource* find_resource(std::string_view identifier) const;
  // The default organization, or the first one, or nullptr when there are none.
  const Organization* default_or_first_organization() const;
  bool has_errors() const;
};

// Parses an imsmanifest.xml. Fails with kInvalid when the text is not well-formed XML,
// has no <manifest> root, or carries a DOCTYPE that declares entities (entity expansion
// is a denial-of-service vector and SCORM manifests never need one); with kTooLarge when
// it exceeds 16 MiB. External entities are never resolved. On success the manifest may
// still carry error-severity problems; check has_errors().
Result<Manifest> parse_manifest(std::string_view xml);

// The URL (relative to the package root) to launch `item` with: the resource's
// launch_path plus the item's parameters, joined as the SCORM CAM prescribes
// ("?a=1" after a query string becomes "&a=1", a "#frag" is kept). nullopt when the item
// has no resource or the resource has no href.
std::optional<std::string> launch_url(const Manifest& manifest, const Item& item);

// Every file `resource` needs: its own files plus those of its dependencies, transitively,
// without duplicates, in first-seen order. Cycles are tolerated.
std::vector<std::string> files_of(const Manifest& manifest, const Resource& resource);

// Calls `visit` on every item of `organization`, depth first, parents before children.
template <class F>
void for_each_item(const std::vector<Item>& items, F&& visit) {
  for (const Item& item : items) {
    visit(item);
    for_each_item(item.children, visit);
  }
}

}  // namespace scorm

#include "scorm/manifest.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>

#include <pugixml.hpp>

#include "paths.h"
#include "sequencing_parser.h"
#include "value_reader.h"
#include "xml_names.h"

namespace scorm {

namespace {

using detail::child_element;
using detail::is_element;
using detail::is_element_icase;
using detail::Ns;
using detail::ns_attribute;
using detail::trimmed;
using detail::trimmed_text;
using detail::ValueReader;

// Real manifests are a few hundred KB at most; this bounds the DOM pugixml builds.
constexpr size_t kMaxManifestBytes = 16 * 1024 * 1024;
// Item trees are a handful of levels deep; sequencing adds about five more.
constexpr size_t kMaxDepth = 100;

size_t line_of(std::string_view xml, ptrdiff_t offset) {
  const auto end = xml.begin() + std::clamp<ptrdiff_t>(offset, 0, std::ssize(xml));
  return 1 + static_cast<size_t>(std::count(xml.begin(), end, '\n'));
}

// xml:base values accumulate as paths; a base without a trailing '/' still names a folder
// (authoring tools routinely omit it, and no SCORM base ever names a file).
std::string join_base(const std::string& base, const std::string& more) {
  if (more.empty()) return base;
  if (detail::has_uri_scheme(more) || base.empty()) return more;
  std::string joined = base;
  if (joined.back() != '/') joined.push_back('/');
  return joined + more;
}

std::string xml_base(pugi::xml_node node) { return trimmed(node.attribute("xml:base").value()); }

// The first text of a LOM langstring-like element: imsmd 1.2 <langstring>, LOM 2004
// <string>, or text directly inside.
std::string lom_text(pugi::xml_node node) {
  if (!node) return {};
  for (const pugi::xml_node child : node.children()) {
    if (child.type() == pugi::node_element) {
      const std::string text = trimmed_text(child);
      if (!text.empty()) return text;
    }
  }
  return trimmed_text(node);
}

// Calls `f` on `node` and every element below it, in document order.
template <class F>
void for_each_element(pugi::xml_node node, F&& f) {
  f(node);
  for (const pugi::xml_node child : node.children()) {
    if (child.type() == pugi::node_element) for_each_element(child, f);
  }
}

class ManifestParser {
 public:
  explicit ManifestParser(Manifest& manifest) : m_(manifest) {}

  void parse(pugi::xml_node root) {
    m_.identifier = trimmed(root.attribute("identifier").value());
    m_.version = trimmed(root.attribute("version").value());
    m_.base = xml_base(root);
    if (const pugi::xml_node metadata = child_element(root, Ns::kCp, "metadata")) {
      m_.metadata = read_metadata(metadata);
    }
    detect_version(root);
    if (child_element(root, Ns::kCp, "manifest")) {
      warn("manifest", "sub-manifests (nested <manifest>) are not supported and were ignored");
    }
    if (const pugi::xml_node collection = child_element(root, Ns::kImsss, "sequencingCollection")) {
      read_sequencing_collection(collection);
    }
    if (const pugi::xml_node resources = child_element(root, Ns::kCp, "resources")) {
      read_resources(resources);
    } else {
      error("manifest", "no <resources> element");
    }
    if (const pugi::xml_node organizations = child_element(root, Ns::kCp, "organizations")) {
      read_organizations(organizations);
    }
    validate();
  }

 private:
  void error(std::string where, std::string message) {
    m_.problems.push_back(Problem{Severity::kError, std::move(where), std::move(message)});
  }
  void warn(std::string where, std::string message) {
    m_.problems.push_back(Problem{Severity::kWarning, std::move(where), std::move(message)});
  }
  ValueReader reader(std::string where) { return ValueReader(m_.problems, std::move(where)); }

  Metadata read_metadata(pugi::xml_node node) {
    Metadata md;
    md.schema = trimmed_text(child_element(node, Ns::kCp, "schema"));
    md.schemaversion = trimmed_text(child_element(node, Ns::kCp, "schemaversion"));
    for (const pugi::xml_node child : node.children()) {
      if (is_element(child, Ns::kAdlcp, "location")) md.location = trimmed_text(child);
      if (detail::local_name(child.name()) == "lom") {
        const pugi::xml_node general = child.find_child(
            [](pugi::xml_node n) { return detail::local_name(n.name()) == "general"; });
        const auto named = [](std::string_view local) {
          return [local](pugi::xml_node n) { return detail::local_name(n.name()) == local; };
        };
        md.title = lom_text(general.find_child(named("title")));
        md.description = lom_text(general.find_child(named("description")));
      }
    }
    return md;
  }

  // SCORM CAM: <schemaversion> names the version; the adlcp namespace is the fallback for
  // the many 1.2 packages that leave metadata out.
  void set_version(ScormVersion version, int edition) {
    m_.scorm_version = version;
    m_.edition = edition;
  }

  void detect_version(pugi::xml_node root) {
    const std::string& sv = m_.metadata.schemaversion;
    // Compared without case: "2004 3rd edition" appears in the wild and means the same.
    const std::string lower = detail::ascii_lower(sv);
    if (lower == "1.2") {
      set_version(ScormVersion::kScorm12, 0);
      return;
    }
    if (lower == "cam 1.3" || lower == "2004 2nd edition") {
      set_version(ScormVersion::kScorm2004, 2);
      return;
    }
    if (lower == "2004 3rd edition") {
      set_version(ScormVersion::kScorm2004, 3);
      return;
    }
    if (lower == "2004 4th edition") {
      set_version(ScormVersion::kScorm2004, 4);
      return;
    }
    bool v12 = false;
    bool v2004 = false;
    for_each_element(root, [&](pugi::xml_node n) {
      for (const pugi::xml_attribute a : n.attributes()) {
        const std::string_view name = a.name();
        if (name != "xmlns" && name.substr(0, 6) != "xmlns:") continue;
        const std::string_view uri = a.value();
        if (uri.find("adlcp_rootv1p2") != std::string_view::npos) v12 = true;
        if (uri.find("adlcp_v1p3") != std::string_view::npos ||
            uri.find("imsss") != std::string_view::npos ||
            uri.find("adlseq_v1p3") != std::string_view::npos) {
          v2004 = true;
        }
      }
    });
    const std::string unknown =
        sv.empty() ? "no schemaversion" : "unknown schemaversion \"" + sv + "\"";
    if (v2004) {
      set_version(ScormVersion::kScorm2004, 3);
      warn("manifest", unknown + "; SCORM 2004 namespaces found, assuming 2004 3rd Edition");
    } else if (v12) {
      set_version(ScormVersion::kScorm12, 0);
      if (!sv.empty()) warn("manifest", unknown + "; adlcp 1.2 namespace found, assuming 1.2");
    } else {
      set_version(ScormVersion::kScorm12, 0);
      warn("manifest", unknown + " and no ADL namespace; assuming SCORM 1.2");
    }
  }

  void read_sequencing_collection(pugi::xml_node collection) {
    for (const pugi::xml_node node : collection.children()) {
      if (!is_element(node, Ns::kImsss, "sequencing")) continue;
      Sequencing s;
      s.id = trimmed(node.attribute("ID").value());
      const ValueReader r = reader("sequencing " + s.id);
      if (s.id.empty()) r.problem(Severity::kError, "sequencingCollection member without an ID");
      detail::read_sequencing(node, s, r);
      m_.sequencing_collection.push_back(std::move(s));
    }
  }

  std::optional<Sequencing> read_item_sequencing(pugi::xml_node parent, const std::string& where,
                                                 bool objectives_global) {
    const pugi::xml_node node = child_element(parent, Ns::kImsss, "sequencing");
    if (!node) return std::nullopt;
    Sequencing s;
    const ValueReader r = reader(where);
    s.id_ref = trimmed(node.attribute("IDRef").value());
    if (!s.id_ref.empty()) {
      const auto found =
          std::find_if(m_.sequencing_collection.begin(), m_.sequencing_collection.end(),
                       [&](const Sequencing& c) { return c.id == s.id_ref; });
      if (found == m_.sequencing_collection.end()) {
        r.problem(Severity::kError,
                  "sequencing IDRef \"" + s.id_ref + "\" names no sequencingCollection member");
      } else {
        const std::string id_ref = s.id_ref;
        s = *found;
        s.id.clear();
        s.id_ref = id_ref;
      }
    }
    detail::read_sequencing(node, s, r);
    s.objectives_global_to_system = objectives_global;
    return s;
  }

  void read_resources(pugi::xml_node resources) {
    const std::string resources_base = join_base(m_.base, xml_base(resources));
    for (const pugi::xml_node node : resources.children()) {
      if (!is_element(node, Ns::kCp, "resource")) continue;
      Resource res;
      res.identifier = trimmed(node.attribute("identifier").value());
      const std::string where = "resource " + res.identifier;
      if (res.identifier.empty()) error("resource", "resource without an identifier");
      res.type = trimmed(node.attribute("type").value());
      res.href = trimmed(node.attribute("href").value());
      res.base = join_base(resources_base, xml_base(node));
      read_scorm_type(node, res, where);
      if (!res.href.empty()) {
        res.launch_path = resolve_href(res.base, res.href, where, res.external);
      }
      for (const pugi::xml_node child : node.children()) {
        if (is_element(child, Ns::kCp, "file")) {
          const std::string href = trimmed(child.attribute("href").value());
          if (href.empty()) {
            error(where, "<file> without an href");
            continue;
          }
          bool external = false;
          std::string path = resolve_href(res.base, href, where, external);
          if (!path.empty() && !external) res.files.push_back(std::move(path));
        } else if (is_element(child, Ns::kCp, "dependency")) {
          const std::string ref = trimmed(child.attribute("identifierref").value());
          if (ref.empty()) {
            error(where, "<dependency> without an identifierref");
          } else {
            res.dependencies.push_back(ref);
          }
        } else if (is_element(child, Ns::kCp, "metadata")) {
          res.metadata = read_metadata(child);
        }
      }
      m_.resources.push_back(std::move(res));
    }
  }

  void read_scorm_type(pugi::xml_node node, Resource& res, const std::string& where) {
    // 1.2 spells it adlcp:scormtype, 2004 adlcp:scormType; packages mix them up.
    const pugi::xml_attribute attr = ns_attribute(node, Ns::kAdlcp, "scormType", true);
    const std::string value = detail::ascii_lower(trimmed(attr.value()));
    if (value == "sco") {
      res.scorm_type = ScormType::kSco;
    } else if (value == "asset") {
      res.scorm_type = ScormType::kAsset;
    } else if (!attr) {
      warn(where, "no adlcp:scormType; treated as an asset");
    } else {
      error(where, "unknown scormType \"" + std::string(trimmed(attr.value())) +
                       "\" (expected sco or asset)");
    }
  }

  // Combines base and href into a package path. Absolute URLs pass through as external;
  // anything that climbs out of the package is an error and yields "".
  std::string resolve_href(const std::string& base, const std::string& href,
                           const std::string& where, bool& external) {
    const std::string joined = join_base(base, href);
    if (detail::has_uri_scheme(joined)) {
      external = true;
      return joined;
    }
    external = false;
    std::string path(detail::strip_query_and_fragment(joined));
    std::string suffix = joined.substr(path.size());
    if (path.find('\\') != std::string::npos) {
      warn(where, "href \"" + href + "\" uses backslashes; read as '/'");
      std::replace(path.begin(), path.end(), '\\', '/');
    }
    const detail::NormalisedPath n = detail::normalise_relative(path);
    if (n.issue != detail::PathIssue::kNone) {
      error(where, "href \"" + joined + "\": " + detail::path_issue_text(n.issue));
      return {};
    }
    return n.path + suffix;
  }

  void read_organizations(pugi::xml_node organizations) {
    m_.default_organization = trimmed(organizations.attribute("default").value());
    for (const pugi::xml_node node : organizations.children()) {
      if (!is_element(node, Ns::kCp, "organization")) continue;
      Organization org;
      org.identifier = trimmed(node.attribute("identifier").value());
      const std::string where = "organization " + org.identifier;
      const ValueReader r = reader(where);
      if (org.identifier.empty()) error("organization", "organization without an identifier");
      org.title = trimmed_text(child_element(node, Ns::kCp, "title"));
      r.read(node.attribute("structure"), org.structure);
      r.read(ns_attribute(node, Ns::kAdlseq, "objectivesGlobalToSystem"),
             org.objectives_global_to_system);
      r.read(ns_attribute(node, Ns::kAdlcp, "sharedDataGlobalToSystem"),
             org.shared_data_global_to_system);
      org.sequencing = read_item_sequencing(node, where, org.objectives_global_to_system);
      read_items(node, org.items, org.objectives_global_to_system);
      if (org.items.empty()) error(where, "organization has no items");
      m_.organizations.push_back(std::move(org));
    }
  }

  void read_items(pugi::xml_node parent, std::vector<Item>& out, bool objectives_global) {
    for (const pugi::xml_node node : parent.children()) {
      if (!is_element(node, Ns::kCp, "item")) continue;
      Item item;
      item.identifier = trimmed(node.attribute("identifier").value());
      const std::string where = "item " + item.identifier;
      const ValueReader r = reader(where);
      if (item.identifier.empty()) error("item", "item without an identifier");
      item.identifierref = trimmed(node.attribute("identifierref").value());
      // parameters are a URL fragment: leading spaces would be significant, so no trim.
      item.parameters = node.attribute("parameters").value();
      r.read(node.attribute("isvisible"), item.is_visible);
      item.title = trimmed_text(child_element(node, Ns::kCp, "title"));
      if (item.title.empty()) warn(where, "item has no title");
      for (const pugi::xml_node child : node.children()) {
        read_adlcp_item_element(child, item, r);
      }
      item.sequencing = read_item_sequencing(node, where, objectives_global);
      read_items(node, item.children, objectives_global);
      out.push_back(std::move(item));
    }
  }

  void read_adlcp_item_element(pugi::xml_node child, Item& item, const ValueReader& r) {
    if (is_element_icase(child, Ns::kAdlcp, "masteryscore")) {
      item.mastery_score = r.decimal(trimmed_text(child), "masteryscore", 0.0, 100.0);
    } else if (is_element_icase(child, Ns::kAdlcp, "prerequisites")) {
      item.prerequisites = trimmed_text(child);
      item.prerequisites_type = trimmed(child.attribute("type").value());
    } else if (is_element_icase(child, Ns::kAdlcp, "maxtimeallowed")) {
      item.max_time_allowed = trimmed_text(child);
    } else if (is_element_icase(child, Ns::kAdlcp, "timelimitaction")) {
      item.time_limit_action = trimmed_text(child);
    } else if (is_element_icase(child, Ns::kAdlcp, "datafromlms")) {
      item.data_from_lms = trimmed_text(child);
    } else if (is_element(child, Ns::kAdlcp, "completionThreshold")) {
      // 3rd Edition: the threshold is the text. 4th Edition: attributes, and it only
      // applies when completedByMeasure is true.
      const std::string text = trimmed_text(child);
      if (!text.empty()) {
        item.completion_threshold = r.decimal(text, "completionThreshold", 0.0, 1.0);
      }
      r.read(child.attribute("completedByMeasure"), item.completed_by_measure);
      if (const pugi::xml_attribute a = child.attribute("minProgressMeasure")) {
        item.completion_threshold = r.decimal(a.value(), "minProgressMeasure", 0.0, 1.0);
      }
      r.read(child.attribute("progressWeight"), item.progress_weight, 0.0, 1.0);
    } else if (is_element(child, Ns::kAdlnav, "presentation")) {
      for_each_element(child, [&](pugi::xml_node hide) {
        if (is_element(hide, Ns::kAdlnav, "hideLMSUI")) {
          item.hide_lms_ui.push_back(trimmed_text(hide));
        }
      });
    }
  }

  void validate() {
    check_unique_identifiers();
    std::set<std::string> resource_ids;
    for (const Resource& res : m_.resources) resource_ids.insert(res.identifier);
    for (const Resource& res : m_.resources) {
      const std::string where = "resource " + res.identifier;
      if (res.scorm_type == ScormType::kSco && res.href.empty()) {
        error(where, "SCO resource has no href (launch file)");
      }
      for (const std::string& dep : res.dependencies) {
        if (!resource_ids.contains(dep)) {
          error(where, "dependency \"" + dep + "\" names no resource");
        }
      }
    }
    if (m_.organizations.empty()) {
      if (!m_.default_organization.empty()) {
        error("organizations",
              "default organization \"" + m_.default_organization + "\" but no organizations");
      }
      warn("manifest", "no organizations; the package is a collection of resources");
    } else if (m_.default_organization.empty()) {
      warn("organizations", "no default organization; the first one is used");
    } else if (m_.find_organization(m_.default_organization) == nullptr) {
      error("organizations",
            "default organization \"" + m_.default_organization + "\" does not exist");
    }
    for (const Organization& org : m_.organizations) {
      for_each_item(org.items, [&](const Item& item) { validate_item(item, resource_ids); });
    }
  }

  void validate_item(const Item& item, const std::set<std::string>& resource_ids) {
    const std::string where = "item " + item.identifier;
    if (item.identifierref.empty()) {
      if (item.is_leaf()) warn(where, "leaf item has no identifierref; nothing to launch");
      return;
    }
    if (!resource_ids.contains(item.identifierref)) {
      error(where, "identifierref \"" + item.identifierref + "\" names no resource");
      return;
    }
    if (!item.is_leaf()) {
      warn(where, "an item with children references a resource; the runtime ignores it");
    }
    const Resource* res = m_.find_resource(item.identifierref);
    if (res->href.empty() && res->scorm_type != ScormType::kSco) {
      error(where, "resource \"" + res->identifier + "\" has no href to launch");
    }
  }

  // Identifiers are xs:ID: unique across the whole manifest, whatever the element.
  void check_unique_identifiers() {
    std::map<std::string, int> seen;
    const auto note = [&](const std::string& id) {
      if (!id.empty()) ++seen[id];
    };
    for (const Organization& org : m_.organizations) {
      note(org.identifier);
      for_each_item(org.items, [&](const Item& item) { note(item.identifier); });
    }
    for (const Resource& res : m_.resources) note(res.identifier);
    for (const auto& [id, count] : seen) {
      if (count > 1) {
        error("identifier " + id, "identifier \"" + id + "\" is used " + std::to_string(count) +
                                      " times; identifiers must be unique");
      }
    }
  }

  Manifest& m_;
};

// pugixml never expands entities beyond the five predefined ones, and never fetches
// external ones; but a DOCTYPE declaring entities exists only to do one or the other, so
// such a manifest is refused outright instead of silently half-read.
Result<void> check_doctype(const pugi::xml_document& doc, std::vector<Problem>& problems) {
  for (const pugi::xml_node node : doc.children()) {
    if (node.type() != pugi::node_doctype) continue;
    const std::string_view value = node.value();
    if (value.find("<!ENTITY") != std::string_view::npos) {
      return fail(ErrorCode::kInvalid,
                  "imsmanifest.xml: DOCTYPE declares entities; entity declarations are not "
                  "allowed in a manifest (XXE / entity expansion)");
    }
    problems.push_back(
        Problem{Severity::kWarning, "manifest", "DOCTYPE ignored; external DTDs are never loaded"});
  }
  return {};
}

// The parser below recurses per element level; bounding the depth up front keeps a hostile
// manifest from exhausting the stack. Iterative, so the check itself cannot.
Result<void> check_depth(const pugi::xml_document& doc) {
  std::vector<std::pair<pugi::xml_node, size_t>> stack{{doc.document_element(), 1}};
  while (!stack.empty()) {
    const auto [node, depth] = stack.back();
    stack.pop_back();
    if (depth > kMaxDepth) {
      return fail(ErrorCode::kInvalid, "imsmanifest.xml: elements nested more than " +
                                           std::to_string(kMaxDepth) + " levels deep");
    }
    for (const pugi::xml_node child : node.children()) {
      if (child.type() == pugi::node_element) stack.emplace_back(child, depth + 1);
    }
  }
  return {};
}

}  // namespace

const char* error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalid:
      return "invalid";
    case ErrorCode::kTooLarge:
      return "too_large";
    case ErrorCode::kNotFound:
      return "not_found";
    case ErrorCode::kConflict:
      return "conflict";
    case ErrorCode::kIo:
      return "io";
  }
  return "unknown";
}

const Organization* Manifest::find_organization(std::string_view id) const {
  for (const Organization& org : organizations) {
    if (org.identifier == id) return &org;
  }
  return nullptr;
}

const Resource* Manifest::find_resource(std::string_view id) const {
  for (const Resource& res : resources) {
    if (res.identifier == id) return &res;
  }
  return nullptr;
}

const Organization* Manifest::default_or_first_organization() const {
  if (const Organization* org = find_organization(default_organization)) return org;
  return organizations.empty() ? nullptr : &organizations.front();
}

bool Manifest::has_errors() const {
  return std::any_of(problems.begin(), problems.end(),
                     [](const Problem& p) { return p.severity == Severity::kError; });
}

Result<Manifest> parse_manifest(std::string_view xml) {
  if (xml.size() > kMaxManifestBytes) {
    return fail(ErrorCode::kTooLarge, "imsmanifest.xml is larger than 16 MiB");
  }
  pugi::xml_document doc;
  const pugi::xml_parse_result parsed =
      doc.load_buffer(xml.data(), xml.size(), pugi::parse_default | pugi::parse_doctype);
  if (!parsed) {
    return fail(ErrorCode::kInvalid, "imsmanifest.xml: line " +
                                         std::to_string(line_of(xml, parsed.offset)) + ": " +
                                         parsed.description());
  }
  Manifest manifest;
  if (auto ok = check_doctype(doc, manifest.problems); !ok) return tl::unexpected(ok.error());
  if (auto ok = check_depth(doc); !ok) return tl::unexpected(ok.error());
  const pugi::xml_node root = doc.document_element();
  if (detail::local_name(root.name()) != "manifest") {
    return fail(ErrorCode::kInvalid, "imsmanifest.xml: the root element is <" +
                                         std::string(root.name()) + ">, not <manifest>");
  }
  ManifestParser(manifest).parse(root);
  return manifest;
}

std::optional<std::string> launch_url(const Manifest& manifest, const Item& item) {
  if (item.identifierref.empty()) return std::nullopt;
  const Resource* res = manifest.find_resource(item.identifierref);
  if (res == nullptr || res->launch_path.empty()) return std::nullopt;
  std::string url = res->launch_path;
  std::string_view params = item.parameters;
  if (params.empty()) return url;
  // SCORM CAM 3.4.1.10 (item parameters): drop a leading '?' or '&', then join with '?'
  // or '&' depending on whether the href already has a query; a '#' fragment is
  // appended as it is.
  if (params.front() == '#') {
    if (url.find('#') == std::string::npos) url += params;
    return url;
  }
  while (!params.empty() && (params.front() == '?' || params.front() == '&')) {
    params.remove_prefix(1);
  }
  if (params.empty()) return url;
  const size_t hash = url.find('#');
  std::string fragment;
  if (hash != std::string::npos) {
    fragment = url.substr(hash);
    url.erase(hash);
  }
  url += url.find('?') == std::string::npos ? '?' : '&';
  url += params;
  return url + fragment;
}

std::vector<std::string> files_of(const Manifest& manifest, const Resource& resource) {
  std::vector<std::string> files;
  std::set<std::string> seen_files;
  std::set<std::string> visited;
  std::vector<const Resource*> stack{&resource};
  while (!stack.empty()) {
    const Resource* res = stack.back();
    stack.pop_back();
    if (!visited.insert(res->identifier).second) continue;
    for (const std::string& f : res->files) {
      if (seen_files.insert(f).second) files.push_back(f);
    }
    for (auto dep = res->dependencies.rbegin(); dep != res->dependencies.rend(); ++dep) {
      if (const Resource* d = manifest.find_resource(*dep)) stack.push_back(d);
    }
  }
  return files;
}

}  // namespace scorm

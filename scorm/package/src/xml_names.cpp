#include "xml_names.h"

#include <cstring>

#include "paths.h"

namespace scorm::detail {

namespace {

std::string_view prefix_of(const char* qualified) {
  const char* colon = std::strchr(qualified, ':');
  return colon == nullptr ? std::string_view{} : std::string_view(qualified, colon - qualified);
}

bool equals_icase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && ascii_lower(a) == ascii_lower(b);
}

Ns classify_prefix(std::string_view prefix) {
  const std::string p = ascii_lower(prefix);
  if (p == "adlcp") return Ns::kAdlcp;
  if (p == "imsss") return Ns::kImsss;
  if (p == "adlseq") return Ns::kAdlseq;
  if (p == "adlnav") return Ns::kAdlnav;
  if (p == "imscp") return Ns::kCp;
  if (p == "imsmd" || p == "lom" || p == "lomm") return Ns::kLom;
  return Ns::kOther;
}

Ns resolve_prefix(pugi::xml_node node, std::string_view prefix) {
  const std::string declaration =
      prefix.empty() ? std::string("xmlns") : "xmlns:" + std::string(prefix);
  for (pugi::xml_node n = node; n; n = n.parent()) {
    if (n.type() != pugi::node_element) continue;
    if (const pugi::xml_attribute a = n.attribute(declaration.c_str())) {
      return classify_namespace_uri(a.value());
    }
  }
  return prefix.empty() ? Ns::kNone : classify_prefix(prefix);
}

bool matches(pugi::xml_node node, Ns ns, std::string_view local, bool icase) {
  if (node.type() != pugi::node_element) return false;
  const std::string_view name = local_name(node.name());
  if (icase ? !equals_icase(name, local) : name != local) return false;
  const Ns actual = element_ns(node);
  if (ns == Ns::kCp) return actual == Ns::kCp || actual == Ns::kNone || actual == Ns::kOther;
  return actual == ns;
}

}  // namespace

Ns classify_namespace_uri(std::string_view uri) {
  const std::string u = ascii_lower(uri);
  if (u.find("adlcp") != std::string::npos) return Ns::kAdlcp;
  if (u.find("imsss") != std::string::npos) return Ns::kImsss;
  if (u.find("adlseq") != std::string::npos) return Ns::kAdlseq;
  if (u.find("adlnav") != std::string::npos) return Ns::kAdlnav;
  if (u.find("imscp") != std::string::npos) return Ns::kCp;
  if (u.find("imsmd") != std::string::npos || u.find("/lom") != std::string::npos) {
    return Ns::kLom;
  }
  return Ns::kOther;
}

Ns element_ns(pugi::xml_node node) { return resolve_prefix(node, prefix_of(node.name())); }

std::string_view local_name(const char* qualified) {
  const char* colon = std::strchr(qualified, ':');
  return colon == nullptr ? std::string_view(qualified) : std::string_view(colon + 1);
}

bool is_element(pugi::xml_node node, Ns ns, std::string_view local) {
  return matches(node, ns, local, false);
}

bool is_element_icase(pugi::xml_node node, Ns ns, std::string_view local) {
  return matches(node, ns, local, true);
}

pugi::xml_node child_element(pugi::xml_node node, Ns ns, std::string_view local) {
  for (const pugi::xml_node child : node.children()) {
    if (is_element(child, ns, local)) return child;
  }
  return {};
}

pugi::xml_attribute ns_attribute(pugi::xml_node node, Ns ns, std::string_view local, bool icase) {
  for (const pugi::xml_attribute a : node.attributes()) {
    const std::string_view prefix = prefix_of(a.name());
    if (prefix.empty() || prefix == "xmlns") continue;
    const std::string_view name = local_name(a.name());
    if (icase ? !equals_icase(name, local) : name != local) continue;
    if (resolve_prefix(node, prefix) == ns) return a;
  }
  return {};
}

std::string trimmed(std::string_view text) {
  constexpr std::string_view kSpace = " \t\r\n";
  const size_t first = text.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  const size_t last = text.find_last_not_of(kSpace);
  return std::string(text.substr(first, last - first + 1));
}

std::string trimmed_text(pugi::xml_node node) {
  std::string text;
  for (const pugi::xml_node child : node.children()) {
    if (child.type() == pugi::node_pcdata || child.type() == pugi::node_cdata) {
      text += child.value();
    }
  }
  return trimmed(text);
}

}  // namespace scorm::detail

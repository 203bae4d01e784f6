// Namespace-aware element and attribute lookup on top of pugixml, which itself knows
// nothing of namespaces. Internal to scorm_package; pugixml never leaves src/.
#pragma once

#include <string>
#include <string_view>

#include <pugixml.hpp>

namespace scorm::detail {

// The namespaces a SCORM manifest mixes. Versions of the same vocabulary share one value
// (adlcp_rootv1p2 and adlcp_v1p3 are both kAdlcp): their element names do not collide.
enum class Ns { kNone, kCp, kAdlcp, kImsss, kAdlseq, kAdlnav, kLom, kOther };

Ns classify_namespace_uri(std::string_view uri);

// The namespace of an element, from its prefix and the xmlns declarations in scope. An
// undeclared but well-known prefix ("adlcp:", "imsss:") is classified by name: authoring
// tools forget declarations more often than they invent prefixes.
Ns element_ns(pugi::xml_node node);

std::string_view local_name(const char* qualified);

// True when `node` is local name `local` in namespace `ns`. For kCp, unqualified elements
// and unknown namespaces match too, because the CP vocabulary is the manifest's default.
bool is_element(pugi::xml_node node, Ns ns, std::string_view local);
// Same, comparing the local name without regard to ASCII case ("datafromlms" in 1.2,
// "dataFromLMS" in 2004).
bool is_element_icase(pugi::xml_node node, Ns ns, std::string_view local);

// The first child element matching is_element, or an empty node.
pugi::xml_node child_element(pugi::xml_node node, Ns ns, std::string_view local);

// A prefixed attribute in namespace `ns` whose local name matches, ignoring ASCII case
// when `icase`. Unprefixed attributes belong to no namespace; read them with
// node.attribute().
pugi::xml_attribute ns_attribute(pugi::xml_node node, Ns ns, std::string_view local,
                                 bool icase = false);

std::string trimmed_text(pugi::xml_node node);
std::string trimmed(std::string_view text);

}  // namespace scorm::detail

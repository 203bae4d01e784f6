// Reads <imsss:sequencing> (SCORM 2004 SN book, IMS SS 1.0) into scorm::Sequencing.
// Internal to scorm_package.
#pragma once

#include <pugixml.hpp>

#include "scorm/manifest.h"
#include "value_reader.h"

namespace scorm::detail {

// Overlays the elements present under `node` onto `into`. Elements that are absent leave
// `into` as it is, which is exactly how an IDRef'd collection member and the local
// <sequencing> combine (SN book: local elements override the referenced ones).
void read_sequencing(pugi::xml_node node, Sequencing& into, const ValueReader& reader);

}  // namespace scorm::detail

// The SCORM version of a package or a run-time data model, shared by the package layer
// (imsmanifest.xml) and the CMI models, so a manifest's version feeds the runtime as is.
//
// SCORM 2004 comes in editions (2nd, 3rd, 4th) that differ in the manifest's sequencing
// extensions and in some CMI limits (suspend_data 4000 vs 64000, adl.data); the edition is
// carried next to the version where it matters (Manifest::edition, CmiOptions::edition).
#pragma once

#include <string_view>

namespace scorm {

enum class ScormVersion {
  kScorm12,    // SCORM 1.2 (cmi.core.*, adlcp_rootv1p2)
  kScorm2004,  // SCORM 2004 (cmi.*, imsss sequencing); see the edition
};

// "1.2", "2004 2nd Edition", "2004 3rd Edition", "2004 4th Edition"; `edition` is read
// for 2004 only (2, 3 or 4; anything else names the 4th).
constexpr std::string_view scorm_version_name(ScormVersion version, int edition) {
  if (version == ScormVersion::kScorm12) return "1.2";
  if (edition == 2) return "2004 2nd Edition";
  if (edition == 3) return "2004 3rd Edition";
  return "2004 4th Edition";
}

}  // namespace scorm

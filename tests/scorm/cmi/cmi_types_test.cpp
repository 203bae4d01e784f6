#include <catch2/catch.hpp>

#include "scorm/cmi_model.h"

TEST_CASE("placeholder", "[cmi]") {
  CHECK(scorm::CmiModel12().version() == scorm::ScormVersion::kScorm12);
}

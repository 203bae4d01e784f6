// Typed reads of manifest attributes and text that record a Problem instead of failing.
// Internal to scorm_package.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <pugixml.hpp>

#include "scorm/manifest.h"

namespace scorm::detail {

class ValueReader {
 public:
  ValueReader(std::vector<Problem>& problems, std::string where)
      : problems_(problems), where_(std::move(where)) {}

  const std::string& where() const { return where_; }
  ValueReader at(std::string where) const { return ValueReader(problems_, std::move(where)); }

  void problem(Severity severity, std::string message) const {
    problems_.push_back(Problem{severity, where_, std::move(message)});
  }

  // Each read leaves `out` untouched when the attribute is absent (so IMS defaults and
  // IDRef-inherited values survive) and records an error when the value is malformed.
  void read(pugi::xml_attribute a, bool& out) const;
  void read(pugi::xml_attribute a, std::string& out) const;
  void read(pugi::xml_attribute a, double& out, double min, double max) const;
  void read(pugi::xml_attribute a, int& out, int min) const;
  void read(pugi::xml_attribute a, std::optional<int>& out, int min) const;

  // xs:decimal in [min, max]; nullopt (and an error naming `what`) when it is not.
  std::optional<double> decimal(std::string_view text, std::string_view what, double min,
                                double max) const;
  std::optional<bool> boolean(std::string_view text, std::string_view what) const;

 private:
  std::vector<Problem>& problems_;
  std::string where_;
};

}  // namespace scorm::detail

#include "lrs/version.h"

namespace lrs {

std::optional<ClientVersion> parse_version_header(std::string_view value) {
  // xAPI 1.0.3 Communication 3.3: any 1.0.x patch is the 1.0 line; 2.0.0 is IEEE 9274.1.1.
  if (value == "1.0" ||
      (value.size() == 5 && value.substr(0, 4) == "1.0." && value[4] >= '0' && value[4] <= '9')) {
    return ClientVersion{XapiVersion::k1_0, std::string(value)};
  }
  if (value == "2.0" || value == "2.0.0") {
    return ClientVersion{XapiVersion::k2_0, std::string(value)};
  }
  return std::nullopt;
}

std::string_view default_statement_version(XapiVersion v) {
  return v == XapiVersion::k2_0 ? "2.0.0" : "1.0.0";
}

}  // namespace lrs

// The xAPI versions this LRS speaks, and the X-Experience-API-Version header rules.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace lrs {

enum class XapiVersion { k1_0, k2_0 };

// A version header as the client sent it. Responses echo `header` exactly (the ADL
// suite compares the two), while `major` selects the rules that apply.
struct ClientVersion {
  XapiVersion major = XapiVersion::k2_0;
  std::string header;
};

// "1.0", "1.0.0" .. "1.0.9" and "2.0", "2.0.0" are accepted; anything else is nullopt.
std::optional<ClientVersion> parse_version_header(std::string_view value);

// The `version` property the LRS writes into stored statements that lack one.
std::string_view default_statement_version(XapiVersion v);

}  // namespace lrs

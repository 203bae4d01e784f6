#include "scorm/cmi_json.h"

#include <algorithm>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cmi_access.h"

namespace scorm {

namespace {

using ojson = nlohmann::ordered_json;
constexpr const char* kFormat = "lrsbridge-cmi";

}  // namespace

namespace {

// One JSON string as nlohmann's dump writes it (control characters escaped, invalid UTF-8
// replaced). Most CMI values are printable ASCII without quotes or backslashes and are
// copied as they are.
void append_json_string(std::string& out, const std::string& s) {
  const bool plain = std::all_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u >= 0x20 && u < 0x7f && c != '"' && c != '\\';
  });
  if (!plain) {
    out += ojson(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return;
  }
  out += '"';
  out += s;
  out += '"';
}

}  // namespace

std::string to_json_head(const CmiModel& model) {
  // Written once per commit: spelled out rather than built as a JSON object (most of
  // what writing a commit's CMI cost). Only numbers and booleans vary, so the bytes are
  // what nlohmann's dump writes for {"format", "format_version", "scorm", "options",
  // "session_open"} in this order.
  const CmiOptions& options = model.options();
  std::string out;
  out.reserve(160);
  out += "{\"format\":\"";
  out += kFormat;
  out += "\",\"format_version\":";
  out += std::to_string(kCmiJsonFormatVersion);
  out += model.version() == ScormVersion::kScorm12 ? ",\"scorm\":\"1.2\"" : ",\"scorm\":\"2004\"";
  out += ",\"options\":{\"edition\":";
  out += std::to_string(options.edition);
  out += ",\"suspend_data_max\":";
  out += std::to_string(options.suspend_data_max);
  out += ",\"strict_12_responses\":";
  out += options.strict_12_responses ? "true" : "false";
  out += "},\"session_open\":";
  out += model.session_open() ? "true" : "false";
  out += '}';
  return out;
}

std::string json_string(const std::string& text) {
  std::string out;
  append_json_string(out, text);
  return out;
}

std::string to_json(const CmiModel& model) {
  std::string out = to_json_head(model);
  // "values" last, written straight into the text: going through a json object copied
  // every element and value first (a third of a commit's CPU at ~1,300 elements). The
  // model's keys are unique and already in ElementLess order.
  out.pop_back();  // the closing brace
  out += ",\"values\":{";
  bool first = true;
  for (const auto& [element, value] : model.values()) {
    if (!first) out += ',';
    first = false;
    append_json_string(out, element);
    out += ':';
    append_json_string(out, value);
  }
  out += "}}";
  return out;
}

tl::expected<CmiModel, std::string> from_json(std::string_view text) {
  auto doc = nlohmann::json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object())
    return tl::unexpected(std::string("not a JSON object"));
  if (doc.value("format", "") != kFormat)
    return tl::unexpected(std::string("format is not \"") + kFormat + "\"");
  if (!doc.contains("format_version") || !doc["format_version"].is_number_integer() ||
      doc["format_version"].get<int>() != kCmiJsonFormatVersion)
    return tl::unexpected(std::string("unsupported format_version (this build reads 1)"));
  std::string scorm = doc.value("scorm", "");
  if (scorm != "1.2" && scorm != "2004")
    return tl::unexpected("scorm is \"" + scorm + "\", not \"1.2\" or \"2004\"");
  CmiOptions options;
  if (doc.contains("options") && doc["options"].is_object()) {
    const auto& o = doc["options"];
    options.edition = o.value("edition", 4);
    options.suspend_data_max = o.value("suspend_data_max", std::size_t{0});
    options.strict_12_responses = o.value("strict_12_responses", true);
  }
  if (options.edition != 3 && options.edition != 4)
    return tl::unexpected("edition " + std::to_string(options.edition) + " is not 3 or 4");
  if (!doc.contains("values") || !doc["values"].is_object())
    return tl::unexpected(std::string("values is missing or not an object"));

  ScormVersion version = scorm == "1.2" ? ScormVersion::kScorm12 : ScormVersion::kScorm2004;
  CmiModel model = CmiModelAccess::make(version, options);
  CmiModelAccess::clear(model);
  // Replay in ElementLess order (ids before the fields that depend on them); every value
  // passes the data model's checks again, as the server's own writes did.
  CmiValues sorted;
  for (const auto& [element, value] : doc["values"].items()) {
    if (!value.is_string()) return tl::unexpected("values." + element + " is not a string");
    sorted[element] = value.get<std::string>();
  }
  CmiModelAccess::set_loading(model, true);
  for (const auto& [element, value] : sorted) {
    int code = model.set_lms_value(element, value);
    if (code != 0)
      return tl::unexpected("values." + element + ": error " + std::to_string(code) + ": " +
                            model.get_diagnostic());
  }
  CmiModelAccess::set_loading(model, false);
  // Record defaults the file did not list were added by set_lms_value; drop them so the
  // loaded values are exactly the stored ones.
  std::vector<std::string> defaults;
  for (const auto& [element, value] : model.values()) {
    if (!sorted.count(element)) defaults.push_back(element);
  }
  for (const std::string& element : defaults) CmiModelAccess::erase(model, element);
  CmiModelAccess::set_session_open(model, doc.value("session_open", false));
  return model;
}

}  // namespace scorm

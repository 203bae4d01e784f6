#include "connectors/url_pull.h"

#include <cctype>
#include <ctime>

#include <nlohmann/json.hpp>

#include "lrs/url.h"
#include "text_util.h"

namespace connectors {
namespace {

using lrs::ErrorCode;
using nlohmann::json;

constexpr std::string_view kStampMarker = ".pulled-";
constexpr std::size_t kStampDigits = 16;  // "YYYYMMDDTHHMMSSZ"

std::uint16_t default_port(const std::string& scheme) { return scheme == "https" ? 443 : 80; }

lrs::Result<PullUrl> check_scheme(PullUrl url, const std::string& text, bool allow_http) {
  if (url.scheme == "http" && !allow_http) {
    return lrs::fail(ErrorCode::kInvalid,
                     text +
                         ": plain http:// is refused because an export holds learners' names "
                         "and results and anyone on the way could read or change it; use "
                         "https://, or --allow-http on a network you trust");
  }
  return url;
}

// A file name without characters that would make it a hidden, partial or nested file.
std::string safe_name(const std::string& decoded) {
  std::string out;
  for (char c : decoded) {
    unsigned char u = static_cast<unsigned char>(c);
    out.push_back(u < 0x20 || c == '/' || c == '\\' || c == ':' ? '_' : c);
  }
  while (!out.empty() && (out.front() == '.' || out.front() == ' ')) out.erase(0, 1);
  if (ends_with(out, ".part") || ends_with(out, ".tmp") || ends_with(out, ".crdownload")) {
    out += ".csv";
  }
  return out;
}

// The URL's last path segment, decoded; empty when the URL names no file.
std::string url_file_name(const PullUrl& url) {
  std::string path = url.target.substr(0, url.target.find('?'));
  std::string segment = path.substr(path.find_last_of('/') + 1);
  return lrs::url_decode(segment, false).value_or(segment);
}

}  // namespace

std::string PullUrl::text() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  std::string out = scheme + "://" + h;
  if (port != default_port(scheme)) out += ":" + std::to_string(port);
  return out + target;
}

std::string PullUrl::host_header() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return port == default_port(scheme) ? h : h + ":" + std::to_string(port);
}

lrs::Result<PullUrl> parse_pull_url(const std::string& text, bool allow_http) {
  auto bad = [&](const std::string& why) {
    return lrs::fail(ErrorCode::kInvalid, "--pull " + text + ": " + why);
  };
  auto sep = text.find("://");
  if (sep == std::string::npos) return bad("not an absolute URL (expected https://HOST/PATH)");
  PullUrl url;
  url.scheme = to_lower(text.substr(0, sep));
  if (url.scheme != "https" && url.scheme != "http") {
    return bad("scheme " + url.scheme + " is not supported (https only)");
  }
  std::string rest = text.substr(sep + 3);
  rest = rest.substr(0, rest.find('#'));
  auto path_at = rest.find_first_of("/?");
  std::string authority = rest.substr(0, path_at);
  url.target = path_at == std::string::npos ? "/" : rest.substr(path_at);
  if (url.target.front() == '?') url.target.insert(0, "/");
  for (char c : url.target) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
      return bad("spaces and control characters must be percent-encoded");
    }
  }
  if (authority.find('@') != std::string::npos) {
    return bad(
        "user names and passwords in the URL are not accepted; send credentials with "
        "--pull-header \"Authorization: ...\"");
  }
  std::string port_text;
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string::npos) return bad("unclosed [ in the host");
    url.host = authority.substr(1, close - 1);
    std::string after = authority.substr(close + 1);
    if (!after.empty() && after.front() != ':') return bad("unexpected text after ]");
    if (!after.empty()) port_text = after.substr(1);
  } else {
    auto colon = authority.find(':');
    url.host = authority.substr(0, colon);
    if (colon != std::string::npos) port_text = authority.substr(colon + 1);
  }
  url.host = to_lower(url.host);
  if (url.host.empty()) return bad("no host");
  url.port = default_port(url.scheme);
  if (!port_text.empty()) {
    if (port_text.size() > 5 ||
        !std::all_of(port_text.begin(), port_text.end(),
                     [](unsigned char c) { return std::isdigit(c) != 0; })) {
      return bad("port " + port_text + " is not a number");
    }
    int port = std::stoi(port_text);
    if (port < 1 || port > 65535) return bad("port " + port_text + " is out of range");
    url.port = static_cast<std::uint16_t>(port);
  }
  return check_scheme(url, "--pull " + text, allow_http);
}

lrs::Result<PullUrl> resolve_redirect(const PullUrl& from, const std::string& location,
                                      bool allow_http) {
  std::string loc(trim(location));
  if (loc.empty()) {
    return lrs::fail(ErrorCode::kInvalid, from.text() + " redirected without a Location");
  }
  if (loc.find("://") != std::string::npos && loc.find("://") < loc.find_first_of("/?#")) {
    auto url = parse_pull_url(loc, true);
    if (!url) {
      return lrs::fail(ErrorCode::kInvalid,
                       from.text() + " redirected to an unusable URL: " + url.error().message);
    }
    return check_scheme(*url, "redirect from " + from.text() + " to " + loc, allow_http);
  }
  if (loc.rfind("//", 0) == 0) return resolve_redirect(from, from.scheme + ":" + loc, allow_http);
  loc = loc.substr(0, loc.find('#'));
  PullUrl url = from;
  if (loc.front() == '/') {
    url.target = loc;
  } else if (loc.front() == '?') {
    url.target = from.target.substr(0, from.target.find('?')) + loc;
  } else {
    std::string base = from.target.substr(0, from.target.find('?'));
    url.target = base.substr(0, base.find_last_of('/') + 1) + loc;
  }
  return url;
}

lrs::Result<std::chrono::seconds> parse_period(const std::string& text) {
  auto bad = [&] {
    return lrs::fail(
        ErrorCode::kInvalid,
        "--every " + text + ": expected a period like 30s, 15m, 1h, 1h30m or 1d (at least 1s)");
  };
  if (text.empty()) return bad();
  std::int64_t total = 0, number = 0;
  bool have_number = false, unit_seen = false;
  for (char c : text) {
    if (std::isdigit(static_cast<unsigned char>(c)) != 0) {
      number = number * 10 + (c - '0');
      if (number > 10'000'000) return bad();
      have_number = true;
      continue;
    }
    std::int64_t unit = c == 's' ? 1 : c == 'm' ? 60 : c == 'h' ? 3600 : c == 'd' ? 86400 : 0;
    if (unit == 0 || !have_number) return bad();
    total += number * unit;
    number = 0;
    have_number = false;
    unit_seen = true;
  }
  if (have_number) {
    if (unit_seen) return bad();  // "1h30": 30 what?
    total += number;
  }
  if (total < 1) return bad();
  return std::chrono::seconds(total);
}

lrs::Result<std::pair<std::string, std::string>> parse_header_line(const std::string& text) {
  auto colon = text.find(':');
  std::string name(trim(std::string_view(text).substr(0, colon)));
  bool token = !name.empty() && std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return std::isalnum(c) != 0 ||
           std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
  });
  if (colon == std::string::npos || !token) {
    return lrs::fail(ErrorCode::kInvalid,
                     "--pull-header \"" + text + "\": expected \"Name: value\"");
  }
  std::string value(trim(std::string_view(text).substr(colon + 1)));
  if (value.find_first_of("\r\n") != std::string::npos) {
    return lrs::fail(ErrorCode::kInvalid, "--pull-header " + name + ": the value has a line break");
  }
  std::string lower = to_lower(name);
  if (lower == "host" || lower == "if-none-match" || lower == "if-modified-since" ||
      lower == "content-length" || lower == "transfer-encoding") {
    return lrs::fail(ErrorCode::kInvalid,
                     "--pull-header " + name + ": set by lrsbridge itself and cannot be replaced");
  }
  return std::make_pair(name, value);
}

bool pull_due(const PullSource& source, std::int64_t now_s) {
  return !source.next_due_s || now_s >= *source.next_due_s;
}

void schedule_next(PullSource& source, std::int64_t attempt_s, std::chrono::seconds period) {
  source.next_due_s = attempt_s + period.count();
}

std::vector<std::pair<std::string, std::string>> conditional_headers(const PullState& state) {
  std::vector<std::pair<std::string, std::string>> headers;
  if (!state.etag.empty()) headers.emplace_back("If-None-Match", state.etag);
  if (!state.last_modified.empty()) headers.emplace_back("If-Modified-Since", state.last_modified);
  return headers;
}

PullDecision decide_pull(const PullState& state, const PullResponse& response) {
  if (response.status == 304) return {PullOutcome::kNotModified, "not modified since last fetch"};
  if (response.status != 200) {
    return {PullOutcome::kFailed, "HTTP " + std::to_string(response.status)};
  }
  if (!state.content_sha256.empty() && response.content_sha256 == state.content_sha256) {
    return {PullOutcome::kSameContent, "same content as the last fetch"};
  }
  return {PullOutcome::kNew, "new content"};
}

void remember_pull(PullState& state, const PullResponse& response) {
  if (response.status == 200) {
    state.etag = response.etag;
    state.last_modified = response.last_modified;
    state.content_sha256 = response.content_sha256;
  } else if (response.status == 304) {
    // A 304 may carry fresher validators (RFC 9110 15.4.5).
    if (!response.etag.empty()) state.etag = response.etag;
    if (!response.last_modified.empty()) state.last_modified = response.last_modified;
  }
}

std::string disposition_file_name(const std::string& header) {
  std::string plain, extended;
  std::size_t at = 0;
  while (at < header.size()) {
    auto end = header.find(';', at);
    std::string_view part = trim(std::string_view(header).substr(
        at, end == std::string::npos ? std::string::npos : end - at));
    std::string lower = to_lower(part);
    if (lower.rfind("filename*=", 0) == 0) {
      std::string value(part.substr(10));
      auto quote = value.find("''");  // charset'language'percent-encoded
      if (quote != std::string::npos && to_lower(value.substr(0, quote)) == "utf-8") {
        extended = lrs::url_decode(value.substr(quote + 2), false).value_or("");
      }
    } else if (lower.rfind("filename=", 0) == 0) {
      std::string_view value = part.substr(9);
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
        // A quoted string; a ';' inside it is not handled (LMS names have none).
        for (std::size_t i = 1; i + 1 < value.size(); ++i) {
          if (value[i] == '\\' && i + 2 < value.size()) ++i;
          plain.push_back(value[i]);
        }
      } else {
        plain = std::string(value);
      }
    }
    if (end == std::string::npos) break;
    at = end + 1;
  }
  std::string name = extended.empty() ? plain : extended;
  // A path in the name says nothing about where we keep the file.
  auto slash = name.find_last_of("/\\");
  return slash == std::string::npos ? name : name.substr(slash + 1);
}

std::string pulled_file_name(const PullUrl& url, std::int64_t fetch_time_s,
                             const std::string& suggested_name) {
  std::string name = safe_name(suggested_name);
  if (name.empty()) name = safe_name(url_file_name(url));
  std::time_t t = static_cast<std::time_t>(fetch_time_s);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
  if (name.empty()) return url.host + std::string(kStampMarker) + stamp;
  auto dot = name.rfind('.');
  if (dot == std::string::npos || dot == 0) return name + std::string(kStampMarker) + stamp;
  return name.substr(0, dot) + std::string(kStampMarker) + stamp + name.substr(dot);
}

std::string strip_pull_stamp(const std::string& file_name) {
  auto at = file_name.rfind(kStampMarker);
  if (at == std::string::npos) return file_name;
  std::size_t end = at + kStampMarker.size() + kStampDigits;
  if (end > file_name.size()) return file_name;
  std::string_view stamp = std::string_view(file_name).substr(at + kStampMarker.size(), 16);
  for (std::size_t i = 0; i < stamp.size(); ++i) {
    bool ok = i == 8    ? stamp[i] == 'T'
              : i == 15 ? stamp[i] == 'Z'
                        : std::isdigit(static_cast<unsigned char>(stamp[i])) != 0;
    if (!ok) return file_name;
  }
  if (end != file_name.size() && file_name[end] != '.') return file_name;
  if (file_name.find('/', end) != std::string::npos) return file_name;
  return file_name.substr(0, at) + file_name.substr(end);
}

std::string pull_states_json(const std::map<std::string, PullState>& states) {
  json j = json::object();
  for (const auto& [url, s] : states) {
    j[url] = {
        {"etag", s.etag}, {"last_modified", s.last_modified}, {"content_sha256", s.content_sha256}};
  }
  return j.dump(2) + "\n";
}

lrs::Result<std::map<std::string, PullState>> parse_pull_states(const std::string& json_text) {
  std::map<std::string, PullState> states;
  try {
    json j = json::parse(json_text);
    if (!j.is_object()) throw std::runtime_error("not an object");
    for (const auto& [url, s] : j.items()) {
      PullState state;
      state.etag = s.at("etag").get<std::string>();
      state.last_modified = s.at("last_modified").get<std::string>();
      state.content_sha256 = s.at("content_sha256").get<std::string>();
      states[url] = state;
    }
  } catch (const std::exception& e) {
    return lrs::fail(ErrorCode::kInvalid, std::string("unreadable pull state: ") + e.what());
  }
  return states;
}

}  // namespace connectors

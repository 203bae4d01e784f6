// Scheduled pulls of LMS exports from URLs (`lrsbridge watch DIR --pull URL --every 1h`):
// which URLs are allowed, when a source is due, which conditional headers to send and
// whether a response is worth importing. No sockets here; app/ fetches.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "lrs/error.h"

namespace connectors {

struct PullUrl {
  std::string scheme;  // "https" or "http"
  std::string host;    // IPv6 literals without brackets
  std::uint16_t port = 0;
  std::string target = "/";  // path and query
  std::string text() const;
  // host[:port] as sent in the Host header (the port only when not the scheme's default).
  std::string host_header() const;
};

// An absolute http(s) URL. http:// is refused unless `allow_http`: exports carry learners'
// names and results, and a plain-text fetch can be read or altered on the way.
lrs::Result<PullUrl> parse_pull_url(const std::string& text, bool allow_http);
// A redirect's Location (absolute, scheme-relative, absolute path or relative path)
// resolved against the URL that answered it; https -> http only with `allow_http`.
lrs::Result<PullUrl> resolve_redirect(const PullUrl& from, const std::string& location,
                                      bool allow_http);

// "90s", "15m", "1h", "1h30m", "2d"; a plain number is seconds. At least one second.
lrs::Result<std::chrono::seconds> parse_period(const std::string& text);

// A "Name: value" header given on the command line.
lrs::Result<std::pair<std::string, std::string>> parse_header_line(const std::string& text);

// What the last successful fetch of a URL saw.
struct PullState {
  std::string etag;
  std::string last_modified;
  std::string content_sha256;  // hex; the last body handed to the importer
};

struct PullSource {
  PullUrl url;
  PullState state;
  std::optional<std::int64_t> next_due_s;  // unset: due at once
};

bool pull_due(const PullSource& source, std::int64_t now_s);
// The next attempt one period after this one, whatever its outcome: a failure is retried
// at the next period, and periods missed while busy are not caught up one by one.
void schedule_next(PullSource& source, std::int64_t attempt_s, std::chrono::seconds period);

// If-None-Match / If-Modified-Since from the last successful fetch.
std::vector<std::pair<std::string, std::string>> conditional_headers(const PullState& state);

// The final answer to a fetch, after redirects. `content_sha256` only for status 200.
struct PullResponse {
  int status = 0;
  std::string etag;
  std::string last_modified;
  std::string content_sha256;
};

enum class PullOutcome {
  kNew,          // import the body
  kNotModified,  // 304: nothing to do
  kSameContent,  // 200 with the body imported last time
  kFailed,       // any other status: log `reason`, try again next period
};

struct PullDecision {
  PullOutcome outcome;
  std::string reason;  // for the log
};

PullDecision decide_pull(const PullState& state, const PullResponse& response);
// The state after a fetch whose outcome was handled (for kNew: once the body is in place).
void remember_pull(PullState& state, const PullResponse& response);

// "<name>.pulled-YYYYMMDDTHHMMSSZ<extension>" (the fetch time in UTC), where the name is
// the one the server suggested (Content-Disposition: an LMS's export.php sends the export's
// own name, with its course and export time) or else the URL's last path segment. The
// importer ignores the stamp when it reads a course or export time from the name.
std::string pulled_file_name(const PullUrl& url, std::int64_t fetch_time_s,
                             const std::string& suggested_name = "");
// The file name in a Content-Disposition header (filename*=UTF-8''... wins over
// filename=...), or "" when it names none.
std::string disposition_file_name(const std::string& header);
// The name without a stamp added by pulled_file_name.
std::string strip_pull_stamp(const std::string& file_name);

// The states of all pulled URLs, kept as JSON in the watched folder across restarts.
std::string pull_states_json(const std::map<std::string, PullState>& states);
lrs::Result<std::map<std::string, PullState>> parse_pull_states(const std::string& json_text);

}  // namespace connectors

// Fetching an LMS export over HTTPS for `lrsbridge watch --pull` (Beast stays in app/).
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "connectors/url_pull.h"
#include "lrs/error.h"

namespace app {

struct FetchRequest {
  connectors::PullUrl url;
  // --pull-header: sent while the fetch stays on the first URL's scheme, host and port, so
  // a redirect elsewhere does not receive the credentials.
  std::vector<std::pair<std::string, std::string>> headers;
  std::vector<std::pair<std::string, std::string>> conditional;  // sent on every hop
  std::string ca_file;  // PEM bundle of trusted CAs; empty: the system's store
  bool allow_http = false;
  int max_redirects = 5;
  // Longest wait for one step (resolve, connect, handshake, each read or write).
  std::chrono::seconds timeout{60};
  std::filesystem::path body_path;  // where a 200's body is written
};

struct FetchResult {
  connectors::PullResponse response;  // content_sha256 set for a 200
  connectors::PullUrl final_url;      // after redirects
  std::string status_text;            // "404 Not Found"
  std::string suggested_name;         // from Content-Disposition, "" when none
};

// One GET with certificate and host name verification, following redirects. A failure
// (DNS, connect, TLS, timeout, too many redirects) is an error naming the step and the
// reason; an HTTP error status is a result, for the caller to decide.
lrs::Result<FetchResult> fetch_export(const FetchRequest& request);

}  // namespace app

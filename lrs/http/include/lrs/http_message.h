// HTTP requests and responses as plain structs, so resource handlers are ordinary
// functions that tests call without sockets. app/ converts to and from Beast.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lrs/error.h"

namespace lrs {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method;  // upper case, as sent ("GET", "POST", ...)
  std::string path;    // percent-decoded path, no query
  std::string query;   // raw query string after '?', not decoded
  HeaderList headers;  // names lower-cased by the server
  std::string body;
  std::string remote;  // peer address for logs

  // The first header with this (lower-case) name, or "" when absent.
  std::string_view header(std::string_view lower_name) const;
  bool has_header(std::string_view lower_name) const;
};

struct HttpResponse {
  int status = 200;
  HeaderList headers;
  std::string body;

  void set_header(std::string name, std::string value);
  bool has_header(std::string_view name) const;
};

// The one mapping from ErrorCode to HTTP status.
int http_status(ErrorCode code);

// A JSON error body {"error": {"code": "...", "message": "..."}} with the mapped status.
HttpResponse error_response(const Error& error);

// RFC 7231 IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") for Last-Modified.
std::string http_date(std::int64_t us);

}  // namespace lrs

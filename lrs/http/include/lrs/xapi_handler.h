// The /xapi resources over plain HttpRequest/HttpResponse: routing, the version header,
// authentication, content types, parameter checks and JSON bodies, then the
// StatementService. Thread-safe: one instance serves every worker thread.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include "lrs/auth.h"
#include "lrs/document_handler.h"
#include "lrs/http_message.h"
#include "lrs/statement_service.h"

namespace lrs {

struct XapiHandlerOptions {
  std::string base_path = "/xapi";  // resources live below it
  std::size_t max_json_depth = 64;  // deeper bodies are rejected before parsing
  // The version answered when a request carries no X-Experience-API-Version header
  // (on /about, and on the 400 every other resource gives such a request).
  std::string default_version = "2.0.0";
};

class XapiHandler {
 public:
  // Without `documents`, the document, Activities and Agents resources answer 404.
  XapiHandler(StatementService& statements, Authenticator& auth, XapiHandlerOptions options,
              DocumentService* documents = nullptr);

  // True when `path` belongs to this handler.
  bool handles(std::string_view path) const;
  HttpResponse handle(const HttpRequest& request);

 private:
  HttpResponse handle_resource(const HttpRequest& request);
  // The request an alternate-syntax POST (?method=) stands for; nullopt when it is not one.
  Result<std::optional<HttpRequest>> alternate_request(const HttpRequest& request) const;
  HttpResponse statements(const HttpRequest& request, const ClientVersion& version,
                          const Principal& who);
  StatementService& statements_;
  Authenticator& auth_;
  XapiHandlerOptions options_;
  std::unique_ptr<DocumentHandler> documents_;
};

}  // namespace lrs

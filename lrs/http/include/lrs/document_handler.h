// The document resources (/activities/state, /activities/profile, /agents/profile) and
// the Activities and Agents resources (/activities, /agents) over plain
// HttpRequest/HttpResponse, for XapiHandler to dispatch to once it has checked the
// version header and authenticated the request. HEAD is answered like GET (the server
// drops the body). Thread-safe.
#pragma once

#include <string_view>

#include "lrs/auth.h"
#include "lrs/document_service.h"
#include "lrs/http_message.h"
#include "lrs/version.h"

namespace lrs {

class DocumentHandler {
 public:
  explicit DocumentHandler(DocumentService& service) : service_(service) {}

  // True when `resource` (the path below the xAPI base, no trailing slash) is served here.
  static bool handles(std::string_view resource);
  HttpResponse handle(std::string_view resource, const HttpRequest& request,
                      const ClientVersion& version, const Principal& who);

 private:
  HttpResponse document(DocumentKind kind, const HttpRequest& request, const ClientVersion& version,
                        const Principal& who);
  DocumentService& service_;
};

}  // namespace lrs

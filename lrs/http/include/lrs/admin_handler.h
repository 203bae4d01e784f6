// The admin HTTP API under /api: credentials today (GET/POST /api/credentials,
// DELETE /api/credentials/{key}). Every call needs a credential with scope `all`.
// Secrets are returned once, in the answer to the POST that created them.
#pragma once

#include "lrs/auth.h"
#include "lrs/credential_store.h"
#include "lrs/http_message.h"

namespace lrs {

class AdminHandler {
 public:
  AdminHandler(CredentialStore& credentials, Authenticator& auth);

  bool handles(std::string_view path) const;
  HttpResponse handle(const HttpRequest& request);

 private:
  HttpResponse credentials(const HttpRequest& request, std::string_view key);
  CredentialStore& credentials_;
  Authenticator& auth_;
};

}  // namespace lrs

// The bridge's side of wrapped packages (wrap.h), without Beast:
//   POST /relay/{package}/sessions?key=K&lms=URL
//       body {sco, learner_id, learner_name, entry, mode, credit, values:{element: value}}
//       (what the shim read from the LMS after Initialize) -> 201 {registration, attempt,
//       session, token, resumed}
//   POST /relay/{package}/attempts/{attempt}/commit?key=K&lms=URL&token=T&session=N
//       [&terminate=true]   body {"cmi.x": "v", ..., "commitSequence": n} (text/plain)
//       -> {"result", "errorCode"[, "errorMessage"][, "skipped":[...]]}
//   OPTIONS /relay/...   CORS preflight
//   POST /api/packages/{id}/wrap?lms_url=URL[&bridge_url=URL]   (scope all) the wrapped zip
//
// Every relay call carries the package's relay key (HMAC of the server key over package
// and LMS URL) and, from a browser, an Origin that must be the LMS URL's. The learner is
// the Agent account {homePage: LMS URL, name: LMS learner id}; the registration is a
// UUIDv5 of package, LMS URL and learner id, so every session of a learner in that LMS
// lands in one registration. The attempt follows the LMS's cmi.entry (ab-initio: a new
// attempt; resume: the suspended one; "": the current one, continued).
//
// Commits run through the player's runtime (validation, translation, one transaction).
// A value the LMS accepted but this CMI model refuses is skipped, the rest of the commit
// is stored, and the answer lists each skipped element with its SCORM error. The skipped
// values are also kept (logged on stderr, and appended to the xAPI state document
// kSkippedStateId of the SCO activity, learner and registration) so none is lost.
// Thread-safe.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "lrs/auth.h"
#include "lrs/document_store.h"
#include "lrs/http_message.h"
#include "lrs/player_store.h"

namespace player {

class AttemptCache;  // runtime.h

// stateId of the document that records skipped values: {"skipped": [{attempt, session,
// commitSequence, element, value, errorCode, errorMessage, timestamp}, ...]}, oldest first.
inline constexpr const char* kSkippedStateId = "urn:lrsbridge:relay:skipped";

struct RelayOptions {
  std::string public_url;  // default bridge URL for /wrap ("" = http://{Host})
  std::int64_t token_lifetime_s = 7 * 24 * 3600;
};

class RelayHandler {
 public:
  // Reads (or makes) the server key; throws std::runtime_error when the store cannot.
  // `documents` (may be null: skipped values are then only logged) keeps skipped values.
  RelayHandler(lrs::PlayerStore& store, lrs::Authenticator& auth, RelayOptions options,
               lrs::DocumentStore* documents = nullptr);
  ~RelayHandler();
  RelayHandler(const RelayHandler&) = delete;
  RelayHandler& operator=(const RelayHandler&) = delete;

  bool handles(std::string_view path) const;
  lrs::HttpResponse handle(const lrs::HttpRequest& request);

 private:
  lrs::HttpResponse wrap(const lrs::HttpRequest& request, const std::string& package);
  lrs::HttpResponse open_session(const lrs::HttpRequest& request, const std::string& package,
                                 const std::string& lms);
  lrs::HttpResponse commit(const lrs::HttpRequest& request, const std::string& package,
                           std::string_view attempt, const std::string& lms);

  lrs::PlayerStore& store_;
  lrs::Authenticator& auth_;
  RelayOptions options_;
  lrs::DocumentStore* documents_;
  std::string key_;
  std::unique_ptr<AttemptCache> attempts_;
};

}  // namespace player

// The SCORM bridge over HTTP, without Beast:
//   POST /api/packages (zip body), GET /api/packages, GET|DELETE /api/packages/{id}
//   POST /api/registrations, GET /api/registrations/{id} (attempts with their CMI)
//       -- these need a credential with scope `all`
//   GET|HEAD /content/{package}/{path}   package files (Range, ETag, Last-Modified)
//   GET /player/assets/{file}            the scorm-again bundle from web/node_modules
//   GET /player/{registration}?token=T[&sco=ID]   the player page (starts a session); &sco=
//       must be allowed by sequencing (control modes of each cluster, precondition rules,
//       attempt limits, shared objectives; SCORM 1.2 prerequisites) from the SCO launched
//       last, else 403 naming the rule; without it, the start of the course's flow
//   GET /player/{registration}/status?token=T     SCO and course status (rolled up) and
//       what the table of contents may open (navigation)
//   GET /runtime/{attempt}/state?token=T          the attempt's CMI values
//   POST /runtime/{attempt}/commit?token=T&session=N[&terminate=true]
// The launch token (launch_token.h) names one registration; runtime calls check that the
// attempt belongs to it. The handler is thread-safe (the store is).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "lrs/auth.h"
#include "lrs/http_message.h"
#include "lrs/player_store.h"

namespace player {

struct PlayerOptions {
  std::filesystem::path data_dir = "var/packages";  // extracted packages, one folder each
  std::filesystem::path web_dir = "web";            // holds node_modules/scorm-again/dist
  std::string public_url;                           // base of launch URLs ("" = relative)
  std::int64_t token_lifetime_s = 7 * 24 * 3600;
};

class AttemptCache;  // runtime.h

class PlayerHandler {
 public:
  // Reads (or creates on first start) the launch-token key; throws std::runtime_error
  // when the store cannot.
  PlayerHandler(lrs::PlayerStore& store, lrs::Authenticator& auth, PlayerOptions options);
  ~PlayerHandler();
  PlayerHandler(const PlayerHandler&) = delete;
  PlayerHandler& operator=(const PlayerHandler&) = delete;

  bool handles(std::string_view path) const;
  lrs::HttpResponse handle(const lrs::HttpRequest& request);

 private:
  lrs::HttpResponse packages(const lrs::HttpRequest& request, std::string_view rest);
  lrs::HttpResponse registrations(const lrs::HttpRequest& request, std::string_view rest);
  lrs::HttpResponse content(const lrs::HttpRequest& request, std::string_view rest);
  lrs::HttpResponse asset(const lrs::HttpRequest& request, std::string_view file);
  lrs::HttpResponse player_page(const lrs::HttpRequest& request, std::string_view registration);
  lrs::HttpResponse course_progress(const lrs::HttpRequest& request, std::string_view registration);
  lrs::HttpResponse runtime(const lrs::HttpRequest& request, std::string_view rest);
  bool token_ok(const lrs::HttpRequest& request, std::string_view registration) const;

  lrs::PlayerStore& store_;
  lrs::Authenticator& auth_;
  PlayerOptions options_;
  std::string token_key_;
  std::unique_ptr<AttemptCache> attempts_;
};

}  // namespace player

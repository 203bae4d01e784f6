// What the player's and the relay's HTTP handlers both answer with (private to player/).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "lrs/http_message.h"

namespace player {

inline std::int64_t now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Player and relay answers are per learner and per attempt: never cached.
inline lrs::HttpResponse json_response(int status, std::string body) {
  lrs::HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.set_header("Content-Type", "application/json");
  r.set_header("Cache-Control", "no-store");
  return r;
}

}  // namespace player

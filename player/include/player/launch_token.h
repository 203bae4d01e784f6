// Launch tokens: what lets a learner's browser reach one registration and nothing else.
//
// token = "<expiry unix seconds>.<hex HMAC-SHA256(key, registration '|' expiry)>". The key
// is a server secret kept in the database (PlayerStore::secret), so tokens survive
// restarts and every process sharing the database accepts them. Pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace player {

std::string make_launch_token(std::string_view key, std::string_view registration,
                              std::int64_t expires_unix_s);

// True when `token` was made with `key` for `registration` and has not expired at `now`.
bool verify_launch_token(std::string_view key, std::string_view registration,
                         std::string_view token, std::int64_t now_unix_s);

}  // namespace player

#include "player/launch_token.h"

#include <charconv>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace player {
namespace {

std::string hmac_hex(std::string_view key, std::string_view message) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac, &len);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(kHex[mac[i] >> 4]);
    out.push_back(kHex[mac[i] & 15]);
  }
  return out;
}

std::string message_for(std::string_view registration, std::int64_t expires) {
  std::string m(registration);
  m.push_back('|');
  m += std::to_string(expires);
  return m;
}

}  // namespace

std::string make_launch_token(std::string_view key, std::string_view registration,
                              std::int64_t expires_unix_s) {
  std::string token = std::to_string(expires_unix_s);
  token.push_back('.');
  token += hmac_hex(key, message_for(registration, expires_unix_s));
  return token;
}

bool verify_launch_token(std::string_view key, std::string_view registration,
                         std::string_view token, std::int64_t now_unix_s) {
  auto dot = token.find('.');
  if (dot == std::string_view::npos) return false;
  std::int64_t expires = 0;
  auto [end, ec] = std::from_chars(token.data(), token.data() + dot, expires);
  if (ec != std::errc() || end != token.data() + dot) return false;
  if (expires < now_unix_s) return false;
  std::string expected = hmac_hex(key, message_for(registration, expires));
  std::string_view mac = token.substr(dot + 1);
  return mac.size() == expected.size() &&
         CRYPTO_memcmp(mac.data(), expected.data(), mac.size()) == 0;
}

}  // namespace player

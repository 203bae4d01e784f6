#include "lrs/uuid.h"

#include <cstdlib>

#include <openssl/evp.h>
#include <openssl/rand.h>

namespace lrs {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<Uuid> Uuid::parse(std::string_view text) {
  if (text.size() != 36) return std::nullopt;
  Uuid u;
  std::size_t out = 0;
  for (std::size_t i = 0; i < text.size();) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (text[i] != '-') return std::nullopt;
      ++i;
      continue;
    }
    int hi = hex_value(text[i]);
    int lo = hex_value(text[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    u.bytes[out++] = static_cast<std::uint8_t>(hi << 4 | lo);
    i += 2;
  }
  return u;
}

Uuid Uuid::random() {
  Uuid u;
  if (RAND_bytes(u.bytes.data(), static_cast<int>(u.bytes.size())) != 1) {
    // Without entropy no id can be trusted to be unique; this is not recoverable.
    std::abort();
  }
  u.bytes[6] = static_cast<std::uint8_t>((u.bytes[6] & 0x0F) | 0x40);
  u.bytes[8] = static_cast<std::uint8_t>((u.bytes[8] & 0x3F) | 0x80);
  return u;
}

Uuid Uuid::v5(const Uuid& ns, std::string_view name) {
  // OpenSSL 3 looks the algorithm up again on every one-shot EVP_Digest call, which cost
  // more than the hash itself: fetch SHA-1 once and keep one context per thread.
  static EVP_MD* const sha1 = EVP_MD_fetch(nullptr, "SHA1", nullptr);
  struct Context {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    ~Context() { EVP_MD_CTX_free(ctx); }
  };
  thread_local Context context;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  std::string_view prefix = ns.raw();
  if (sha1 == nullptr || context.ctx == nullptr ||
      EVP_DigestInit_ex(context.ctx, sha1, nullptr) != 1 ||
      EVP_DigestUpdate(context.ctx, prefix.data(), prefix.size()) != 1 ||
      EVP_DigestUpdate(context.ctx, name.data(), name.size()) != 1 ||
      EVP_DigestFinal_ex(context.ctx, digest, &size) != 1) {
    // Not reachable with a working libcrypto; the one-shot call is the fallback.
    std::string input(prefix);
    input.append(name);
    EVP_Digest(input.data(), input.size(), digest, &size, EVP_sha1(), nullptr);
  }
  Uuid u;
  for (std::size_t i = 0; i < u.bytes.size(); ++i) u.bytes[i] = digest[i];
  u.bytes[6] = static_cast<std::uint8_t>((u.bytes[6] & 0x0F) | 0x50);
  u.bytes[8] = static_cast<std::uint8_t>((u.bytes[8] & 0x3F) | 0x80);
  return u;
}

std::string Uuid::str() const {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  s.reserve(36);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) s.push_back('-');
    s.push_back(kHex[bytes[i] >> 4]);
    s.push_back(kHex[bytes[i] & 0x0F]);
  }
  return s;
}

}  // namespace lrs

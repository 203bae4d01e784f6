// A 16-byte UUID value: parsing (RFC 4122 text, any case), formatting (lower case),
// random version 4 ids and name-based version 5 ids. Thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lrs {

struct Uuid {
  std::array<std::uint8_t, 16> bytes{};

  // Accepts the 8-4-4-4-12 hex form only (no braces, no urn:uuid: prefix).
  static std::optional<Uuid> parse(std::string_view text);
  // Version 4 from a cryptographic RNG (OpenSSL RAND_bytes).
  static Uuid random();
  // Version 5 (SHA-1) of `name` in the namespace `ns`, as RFC 4122 section 4.3.
  static Uuid v5(const Uuid& ns, std::string_view name);

  std::string str() const;  // lower-case 8-4-4-4-12
  std::string_view raw() const {
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
  }

  friend bool operator==(const Uuid&, const Uuid&) = default;
  friend auto operator<=>(const Uuid&, const Uuid&) = default;
};

}  // namespace lrs

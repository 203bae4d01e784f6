#include "lrs/uuid.h"

#include <set>
#include <string>

#include <catch2/catch.hpp>

TEST_CASE("Uuid::parse and str round-trip in lower case", "[uuid]") {
  const auto u = lrs::Uuid::parse("fd41c918-b88b-4b20-a0a5-a4c32391aaa0");
  REQUIRE(u.has_value());
  CHECK(u->str() == "fd41c918-b88b-4b20-a0a5-a4c32391aaa0");
  CHECK(u->bytes[0] == 0xfd);
  CHECK(u->bytes[15] == 0xa0);

  const auto upper = lrs::Uuid::parse("FD41C918-B88B-4B20-A0A5-A4C32391AAA0");
  REQUIRE(upper.has_value());
  CHECK(*upper == *u);
  CHECK(upper->str() == "fd41c918-b88b-4b20-a0a5-a4c32391aaa0");

  const auto nil = lrs::Uuid::parse("00000000-0000-0000-0000-000000000000");
  REQUIRE(nil.has_value());
  CHECK(*nil == lrs::Uuid{});
}

TEST_CASE("Uuid::parse rejects malformed text", "[uuid]") {
  for (const char* text :
       {"", "wrong", "AA97B177-9383-4934-8543-0F91A7A028368",
        "MA97B177-9383-4934-8543-0F91A7A02836", "fd41c918b88b4b20a0a5a4c32391aaa0",
        "{fd41c918-b88b-4b20-a0a5-a4c32391aaa0}", "urn:uuid:fd41c918-b88b-4b20-a0a5-a4c32391aaa0",
        "fd41c918-b88b-4b20-a0a5-a4c32391aaa", "fd41c918_b88b_4b20_a0a5_a4c32391aaa0",
        "fd41c91-8b88b-4b20-a0a5-a4c32391aaa0", " fd41c918-b88b-4b20-a0a5-a4c32391aaa",
        "fd41c918-b88b-4b20-a0a5-a4c32391aag0"}) {
    INFO(text);
    CHECK_FALSE(lrs::Uuid::parse(text).has_value());
  }
}

TEST_CASE("Uuid::v5 matches the RFC 4122 DNS example", "[uuid]") {
  const auto dns = lrs::Uuid::parse("6ba7b810-9dad-11d1-80b4-00c04fd430c8");
  REQUIRE(dns.has_value());
  const lrs::Uuid u = lrs::Uuid::v5(*dns, "www.example.com");
  CHECK(u.str() == "2ed6657d-e927-568b-95e1-2665a8aea6a2");
  CHECK(lrs::Uuid::v5(*dns, "www.example.com") == u);  // deterministic
  CHECK(lrs::Uuid::v5(*dns, "www.example.org") != u);
}

TEST_CASE("Uuid::random sets version 4 and the RFC 4122 variant", "[uuid]") {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    const lrs::Uuid u = lrs::Uuid::random();
    CHECK((u.bytes[6] >> 4) == 4);
    CHECK((u.bytes[8] & 0xC0) == 0x80);
    const std::string s = u.str();
    CHECK(lrs::Uuid::parse(s) == u);
    seen.insert(s);
  }
  CHECK(seen.size() == 100);
}

TEST_CASE("Uuid::raw exposes the 16 bytes", "[uuid]") {
  const auto u = lrs::Uuid::parse("00112233-4455-6677-8899-aabbccddeeff");
  REQUIRE(u.has_value());
  const std::string_view raw = u->raw();
  REQUIRE(raw.size() == 16);
  CHECK(static_cast<unsigned char>(raw[0]) == 0x00);
  CHECK(static_cast<unsigned char>(raw[9]) == 0x99);
  CHECK(static_cast<unsigned char>(raw[15]) == 0xff);
}

// parse_timestamp_us / format_timestamp_us / is_valid_duration, plus the strict RFC 3339
// grammar the validator uses for xAPI 2.0.
#include "lrs/timestamp.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "lrs/statement_validator.h"

namespace {

constexpr std::int64_t kSecond = 1'000'000;
constexpr std::int64_t kDay = 86'400 * kSecond;

struct Instant {
  const char* text;
  std::int64_t us;
};

}  // namespace

TEST_CASE("parse_timestamp_us reads valid instants", "[timestamp]") {
  const std::vector<Instant> cases = {
      {"1970-01-01T00:00:00Z", 0},
      {"1970-01-01T00:00:00.000Z", 0},
      {"1970-01-01T00:00:01Z", kSecond},
      {"1970-01-02T00:00:00Z", kDay},
      {"1969-12-31T23:59:59Z", -kSecond},
      {"1969-12-31T23:59:59.999999Z", -1},
      {"2008-09-15T15:53:00.601+00:00", 1221493980601000},
      {"2008-09-15T15:53:00.601Z", 1221493980601000},
      {"2023-05-04T12:00:00-05:00", 1683219600 * kSecond},
      {"2023-05-04T17:00:00.000Z", 1683219600 * kSecond},
      {"2023-05-04T22:30:00+05:30", 1683219600 * kSecond},
      {"2023-05-05T02:00:00+09", 1683219600 * kSecond},
      {"2000-02-29T00:00:00Z", 951782400 * kSecond},
      {"2024-02-29T12:00:00Z", 1709208000 * kSecond},
      {"2024-12-31T23:59:59Z", 1735689599 * kSecond},
      {"2038-01-19T03:14:08Z", 2147483648LL * kSecond},
      {"9999-12-31T23:59:59.999999Z", 253402300799999999LL},
      {"0001-01-01T00:00:00Z", -62135596800LL * kSecond},
      {"2008-09-15T15:53:00.1Z", 1221493980100000},
      {"2008-09-15T15:53:00.123456Z", 1221493980123456},
      {"2008-09-15T15:53:00.1234569Z", 1221493980123456},  // truncated, not rounded
      {"2008-09-15t15:53:00z", 1221493980 * kSecond},
      {"2016-12-31T23:59:60Z", 1483228800 * kSecond},  // leap second folds into next second
      // ISO 8601 forms that RFC 3339 does not have:
      {"20080915T155300Z", 1221493980 * kSecond},
      {"20080915T155300.601+0000", 1221493980601000},
      {"20080915T1553Z", 1221493980 * kSecond},
      {"2008-09-15T15:53Z", 1221493980 * kSecond},
      {"2008-09-15T15:53:00,601Z", 1221493980601000},
      {"2008-09-15T16:53:00+01", 1221493980 * kSecond},
  };
  for (const Instant& c : cases) {
    INFO(c.text);
    const auto got = lrs::parse_timestamp_us(c.text);
    REQUIRE(got.has_value());
    CHECK(*got == c.us);
  }
}

TEST_CASE("parse_timestamp_us rejects invalid or zone-less times", "[timestamp]") {
  const std::vector<const char*> cases = {
      "",
      "should fail",
      "01/011/2015",
      "2008-09-15",
      "2008-09-15T15:53:00",  // no zone: not an instant
      "2008-09-15 15:53:00Z",
      "2008-09-15T15:53:00.601-00",
      "2008-09-15T15:53:00.601-0000",
      "2008-09-15T15:53:00.601-00:00",
      "2008-13-15T15:53:00Z",
      "2008-00-15T15:53:00Z",
      "2008-09-00T15:53:00Z",
      "2008-09-31T15:53:00Z",
      "2023-02-29T00:00:00Z",
      "1900-02-29T00:00:00Z",
      "2024-02-30T00:00:00Z",
      "2008-09-15T24:00:00Z",
      "2008-09-15T15:60:00Z",
      "2008-09-15T15:53:61Z",
      "2008-09-15T15:53:60Z",  // a leap second only ends a minute 59
      "2008-09-15T15:53:00.Z",
      "2008-09-15T15:53:00+24:00",
      "2008-09-15T15:53:00+05:60",
      "2008-09-15T15:53:00+5:00",
      "2008-09-15T15:53:00+05:0",
      "2008-09-15T15:53:00UTC",
      "2008-09-15T15:53:00Z ",
      " 2008-09-15T15:53:00Z",
      "2008-9-15T15:53:00Z",
      "08-09-15T15:53:00Z",
      "2008-09-15T1553Z",          // extended date with basic time
      "20080915T15:53:00Z",        // basic date with extended time
      "2008-09-15T15:53:00+0500",  // basic offset after extended time
      "20080915T155300+05:00",     // extended offset after basic time
      "2008-09-15T15Z",
      "+2008-09-15T15:53:00Z",
      "2008-09-15T15:53:00.601ZZ",
  };
  for (const char* c : cases) {
    INFO(c);
    CHECK_FALSE(lrs::parse_timestamp_us(c).has_value());
  }
}

// xAPI 2.0 narrows timestamps to RFC 3339; the validator applies that grammar.
bool valid_in(lrs::XapiVersion v, const char* timestamp) {
  const nlohmann::json statement = {{"actor", {{"mbox", "mailto:a@example.com"}}},
                                    {"verb", {{"id", "http://adlnet.gov/expapi/verbs/attended"}}},
                                    {"object", {{"id", "http://example.com/a"}}},
                                    {"timestamp", timestamp}};
  return lrs::validate_statement(statement, v).has_value();
}

TEST_CASE("xAPI 2.0 timestamps are the RFC 3339 subset of ISO 8601", "[timestamp]") {
  using lrs::XapiVersion;
  for (const char* s :
       {"2008-09-15T15:53:00.601+00:00", "2008-09-15T15:53:00Z", "2008-09-15t15:53:00.1234567z",
        "2023-05-04T12:00:00-05:00", "2016-12-31T23:59:60Z"}) {
    INFO(s);
    CHECK(valid_in(XapiVersion::k2_0, s));
    CHECK(valid_in(XapiVersion::k1_0, s));
  }
  for (const char* s : {"20080915T155300Z", "2008-09-15T15:53Z", "2008-09-15T15:53:00+05",
                        "20080915T155300+0500", "2008-09-15T15:53:00,5Z"}) {
    INFO(s);
    CHECK_FALSE(valid_in(XapiVersion::k2_0, s));
    CHECK(valid_in(XapiVersion::k1_0, s));
  }
  for (const char* s :
       {"2008-09-15T15:53:00-00:00", "2008-09-15T15:53:00", "2008-02-30T00:00:00Z"}) {
    INFO(s);
    CHECK_FALSE(valid_in(XapiVersion::k2_0, s));
    CHECK_FALSE(valid_in(XapiVersion::k1_0, s));
  }
}

TEST_CASE("format_timestamp_us writes UTC with 3 or 6 fraction digits", "[timestamp]") {
  CHECK(lrs::format_timestamp_us(0) == "1970-01-01T00:00:00.000Z");
  CHECK(lrs::format_timestamp_us(1221493980601000) == "2008-09-15T15:53:00.601Z");
  CHECK(lrs::format_timestamp_us(1221493980601001) == "2008-09-15T15:53:00.601001Z");
  CHECK(lrs::format_timestamp_us(1221493980000010) == "2008-09-15T15:53:00.000010Z");
  CHECK(lrs::format_timestamp_us(-1) == "1969-12-31T23:59:59.999999Z");
  CHECK(lrs::format_timestamp_us(-kSecond) == "1969-12-31T23:59:59.000Z");
  CHECK(lrs::format_timestamp_us(1709208000 * kSecond) == "2024-02-29T12:00:00.000Z");
  CHECK(lrs::format_timestamp_us(253402300799999999LL) == "9999-12-31T23:59:59.999999Z");
  CHECK(lrs::format_timestamp_us(-62135596800LL * kSecond) == "0001-01-01T00:00:00.000Z");
  // An offset is converted, not kept (the suite compares instants, ADL 4.2.7).
  CHECK(lrs::format_timestamp_us(*lrs::parse_timestamp_us("2023-05-04T12:00:00-05:00")) ==
        "2023-05-04T17:00:00.000Z");
}

TEST_CASE("format_timestamp_us round-trips through parse_timestamp_us", "[timestamp]") {
  const std::vector<std::int64_t> values = {0,
                                            1,
                                            999,
                                            1000,
                                            -1,
                                            -1000,
                                            1221493980601000,
                                            1221493980601001,
                                            951782400 * kSecond + 123456,
                                            4102444800LL * kSecond - 1,
                                            -2208988800LL * kSecond + 5000};
  for (std::int64_t us : values) {
    const std::string text = lrs::format_timestamp_us(us);
    INFO(text);
    CHECK(lrs::parse_timestamp_us(text) == us);
    CHECK(valid_in(lrs::XapiVersion::k2_0, text.c_str()));
  }
  // Every day of a leap and a common year.
  for (std::int64_t day = 10957; day < 10957 + 366 + 365; ++day) {
    const std::int64_t us = day * kDay + 3723 * kSecond;
    REQUIRE(lrs::parse_timestamp_us(lrs::format_timestamp_us(us)) == us);
  }
}

TEST_CASE("is_valid_duration follows ISO 8601 4.4.3.2", "[timestamp][duration]") {
  const std::vector<const char*> valid = {"PT1H0M0S",
                                          "PT4H35M59.14S",
                                          "PT16559.14S",
                                          "P3Y1M29DT4H35M59.14S",
                                          "P3Y",
                                          "P4W",
                                          "P1D",
                                          "PT0S",
                                          "PT1M",
                                          "P1M",
                                          "P1Y2M",
                                          "P1DT1H",
                                          "PT0.5S",
                                          "PT1,5S",
                                          "PT1.123456789S",
                                          "P0D",
                                          "PT36H",
                                          "P1Y1D",
                                          "PT1H1S",
                                          "P10000Y",
                                          "P1.5Y",
                                          "PT1.5H",
                                          "P2DT0.25H"};
  const std::vector<const char*> invalid = {"",
                                            "P",
                                            "PT",
                                            "P4W1D",
                                            "P1Y2W",
                                            "PT4W",
                                            "1D",
                                            "p1D",
                                            "P1d",
                                            "PT1h",
                                            "P1DT",
                                            "P1H",
                                            "PT1D",
                                            "P1S",
                                            "P1M1Y",
                                            "PT1S1M",
                                            "P1Y1Y",
                                            "P0003-01-29T04:35:59",
                                            "PT4H35M59.14",
                                            "P.5D",
                                            "P1.D",
                                            "P1.5DT1H",
                                            "PT1.5H2M",
                                            "-P1D",
                                            "P1DT1H ",
                                            " P1D",
                                            "P1 D",
                                            "P1DTT1H",
                                            "PT1H1H",
                                            "should fail",
                                            "PT-1S",
                                            "P1W1W"};
  for (const char* d : valid) {
    INFO(d);
    CHECK(lrs::is_valid_duration(d));
  }
  for (const char* d : invalid) {
    INFO(d);
    CHECK_FALSE(lrs::is_valid_duration(d));
  }
}

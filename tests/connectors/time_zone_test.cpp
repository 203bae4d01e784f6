#include "connectors/time_zone.h"

#include <catch2/catch.hpp>

using connectors::parse_wall_clock;
using connectors::TimeZone;

namespace {
std::int64_t civil(int y, unsigned m, unsigned d, int h = 0, int mi = 0, int s = 0) {
  return connectors::days_from_civil(y, m, d) * 86400 + h * 3600 + mi * 60 + s;
}
}  // namespace

TEST_CASE("wall-clock dates parse in the formats LMSs print", "[time]") {
  CHECK(parse_wall_clock("15/03/24, 14:05", "%d/%m/%y, %H:%M") == civil(2024, 3, 15, 14, 5));
  CHECK(parse_wall_clock("2024-03-15 14:05:09", "%F %T") == civil(2024, 3, 15, 14, 5, 9));
  CHECK(parse_wall_clock("3/5/2024 2:07 PM", "%m/%d/%Y %I:%M %p") == civil(2024, 3, 5, 14, 7));
  CHECK(parse_wall_clock("16 March 2024, 9:12 AM", "%d %B %Y, %I:%M %p") ==
        civil(2024, 3, 16, 9, 12));
  CHECK(parse_wall_clock("2024-03-15", "%F") == civil(2024, 3, 15));
  CHECK_FALSE(parse_wall_clock("30/02/24, 10:00", "%d/%m/%y, %H:%M"));
  CHECK_FALSE(parse_wall_clock("15/03/24", "%d/%m/%y, %H:%M"));
  CHECK_FALSE(parse_wall_clock("15/03/24, 14:05 extra", "%d/%m/%y, %H:%M"));
}

TEST_CASE("tz database zones convert local time to UTC across DST", "[time]") {
  auto madrid = TimeZone::load("Europe/Madrid");
  REQUIRE(madrid);
  // Winter: UTC+1; summer: UTC+2.
  CHECK(madrid->to_utc(civil(2024, 1, 15, 12, 0)).value() == civil(2024, 1, 15, 11, 0));
  CHECK(madrid->to_utc(civil(2024, 7, 15, 12, 0)).value() == civil(2024, 7, 15, 10, 0));
  // 2024-03-31 02:30 does not exist in Madrid (02:00 -> 03:00).
  auto gap = madrid->to_utc(civil(2024, 3, 31, 2, 30));
  REQUIRE_FALSE(gap);
  CHECK(gap.error().message.find("does not exist") != std::string::npos);
  // 2024-10-27 02:30 happens twice; the first one is UTC+2.
  CHECK(madrid->to_utc(civil(2024, 10, 27, 2, 30)).value() == civil(2024, 10, 27, 0, 30));
}

TEST_CASE("fixed offsets and UTC need no tz database", "[time]") {
  CHECK(TimeZone::load("UTC")->to_utc(civil(2024, 1, 1)).value() == civil(2024, 1, 1));
  CHECK(TimeZone::load("+05:30")->to_utc(civil(2024, 1, 1, 5, 30)).value() == civil(2024, 1, 1));
  CHECK(TimeZone::load("-0800")->to_utc(civil(2024, 1, 1)).value() == civil(2024, 1, 1, 8));
}

TEST_CASE("unknown zones and unsafe names are refused with the name", "[time]") {
  auto unknown = TimeZone::load("Mars/Olympus_Mons");
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().message.find("Mars/Olympus_Mons") != std::string::npos);
  CHECK_FALSE(TimeZone::load("../../etc/passwd"));
  CHECK_FALSE(TimeZone::load("+25:00"));
}

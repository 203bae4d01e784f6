#include "player/launch_token.h"

#include <catch2/catch.hpp>

TEST_CASE("a launch token opens its registration until it expires", "[player]") {
  std::string token = player::make_launch_token("key", "reg-1", 1000);
  CHECK(player::verify_launch_token("key", "reg-1", token, 999));
  CHECK(player::verify_launch_token("key", "reg-1", token, 1000));
  CHECK_FALSE(player::verify_launch_token("key", "reg-1", token, 1001));
  CHECK_FALSE(player::verify_launch_token("key", "reg-2", token, 999));
  CHECK_FALSE(player::verify_launch_token("other", "reg-1", token, 999));
  std::string forged = "5000" + token.substr(token.find('.'));
  CHECK_FALSE(player::verify_launch_token("key", "reg-1", forged, 999));
  CHECK_FALSE(player::verify_launch_token("key", "reg-1", "", 999));
  CHECK_FALSE(player::verify_launch_token("key", "reg-1", "abc.def", 0));
}

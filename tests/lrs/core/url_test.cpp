#include "lrs/url.h"

#include <catch2/catch.hpp>

TEST_CASE("query strings decode percent escapes and plus signs") {
  auto q = lrs::parse_query_string("a=1&b=%7B%22x%22%3A1%7D&c=two+words&&d");
  REQUIRE(q);
  REQUIRE(q->size() == 4);
  CHECK((*q)[1].second == "{\"x\":1}");
  CHECK((*q)[2].second == "two words");
  CHECK((*q)[3].first == "d");
  CHECK((*q)[3].second.empty());
  CHECK_FALSE(lrs::parse_query_string("a=%zz"));
  CHECK_FALSE(lrs::parse_query_string("a=%4"));
  CHECK_FALSE(lrs::parse_query_string("a=%C3%28"));  // invalid UTF-8
}

TEST_CASE("url_encode round-trips through url_decode") {
  std::string text = "http://example.com/a b?c=d&e=é";
  CHECK(lrs::url_decode(lrs::url_encode(text)) == text);
  CHECK(lrs::url_encode("a-b_c.d~e") == "a-b_c.d~e");
}

TEST_CASE("UTF-8 validation rejects overlongs, surrogates and truncation") {
  CHECK(lrs::is_valid_utf8("plain ascii"));
  CHECK(lrs::is_valid_utf8("\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80"));
  CHECK_FALSE(lrs::is_valid_utf8("\xC0\xAF"));
  CHECK_FALSE(lrs::is_valid_utf8("\xED\xA0\x80"));
  CHECK_FALSE(lrs::is_valid_utf8("\xE2\x82"));
  CHECK_FALSE(lrs::is_valid_utf8("\xFF"));
}

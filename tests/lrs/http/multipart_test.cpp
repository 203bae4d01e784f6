#include "lrs/multipart.h"

#include <catch2/catch.hpp>

TEST_CASE("the boundary parameter is found quoted or bare") {
  CHECK(lrs::multipart_boundary("multipart/mixed; boundary=abc123") == "abc123");
  CHECK(lrs::multipart_boundary("multipart/mixed;boundary=\"a b;c\"") == "a b;c");
  CHECK(lrs::multipart_boundary("multipart/mixed; charset=x; Boundary=zz; q=1") == "zz");
  CHECK(lrs::multipart_boundary("multipart/mixed; xboundary=no").empty());
  CHECK(lrs::multipart_boundary("multipart/mixed").empty());
}

TEST_CASE("parts keep their headers and exact bytes") {
  std::string body =
      "preamble\r\n--b1\r\nContent-Type: application/json\r\n\r\n{\"a\":1}\r\n"
      "--b1\r\nContent-Type:text/plain\r\nX-Experience-API-Hash: abc\r\n\r\nline1\r\nline2\r\n"
      "--b1--\r\nepilogue";
  auto parts = lrs::parse_multipart(body, "b1");
  REQUIRE(parts);
  REQUIRE(parts->size() == 2);
  CHECK((*parts)[0].header("content-type") == "application/json");
  CHECK((*parts)[0].body == "{\"a\":1}");
  CHECK((*parts)[1].header("x-experience-api-hash") == "abc");
  CHECK((*parts)[1].body == "line1\r\nline2");
}

TEST_CASE("broken multipart bodies are named") {
  auto missing = lrs::parse_multipart("--b1\r\nA: b\r\n\r\nx\r\n", "b1");
  REQUIRE_FALSE(missing);
  CHECK_THAT(missing.error().message, Catch::Contains("closing boundary"));
  auto wrong = lrs::parse_multipart("--zz\r\n\r\nx\r\n--zz--", "b1");
  REQUIRE_FALSE(wrong);
  CHECK_THAT(wrong.error().message, Catch::Contains("does not contain the boundary"));
  auto no_boundary = lrs::parse_multipart("x", "");
  REQUIRE_FALSE(no_boundary);
  CHECK_THAT(no_boundary.error().message, Catch::Contains("boundary"));
  auto bad_header = lrs::parse_multipart("--b\r\nno colon here\r\n\r\nx\r\n--b--", "b");
  REQUIRE_FALSE(bad_header);
  CHECK_THAT(bad_header.error().message, Catch::Contains("malformed header"));
  std::string many;
  for (int i = 0; i < 5; ++i) many += "--b\r\n\r\nx\r\n";
  many += "--b--";
  auto too_many = lrs::parse_multipart(many, "b", 3);
  REQUIRE_FALSE(too_many);
  CHECK_THAT(too_many.error().message, Catch::Contains("more than 3 parts"));
}

TEST_CASE("built bodies parse back") {
  std::vector<lrs::MultipartPart> parts = {
      {{{"Content-Type", "application/json"}}, "{}"},
      {{{"X-Experience-API-Hash", "h"}}, std::string("\0bin\r\n", 6)}};
  std::string boundary;
  std::string body = lrs::build_multipart(parts, boundary);
  auto parsed = lrs::parse_multipart(body, boundary);
  REQUIRE(parsed);
  REQUIRE(parsed->size() == 2);
  CHECK((*parsed)[1].body == std::string("\0bin\r\n", 6));
}

#include "scorm/content.h"

#include <filesystem>
#include <string>

#include <catch2/catch.hpp>

#include "test_support.h"

namespace fs = std::filesystem;
using scorm::ByteRange;

TEST_CASE("content types by extension") {
  CHECK(scorm::content_type_for("index.html") == "text/html");
  CHECK(scorm::content_type_for("a/b/PAGE.HTM") == "text/html");
  CHECK(scorm::content_type_for("app.js") == "text/javascript; charset=utf-8");
  CHECK(scorm::content_type_for("mod.mjs") == "text/javascript; charset=utf-8");
  CHECK(scorm::content_type_for("s.css") == "text/css; charset=utf-8");
  CHECK(scorm::content_type_for("d.json") == "application/json");
  CHECK(scorm::content_type_for("imsmanifest.xml") == "application/xml");
  CHECK(scorm::content_type_for("adlcp_v1p3.xsd") == "application/xml");
  CHECK(scorm::content_type_for("i.svg") == "image/svg+xml");
  CHECK(scorm::content_type_for("i.png") == "image/png");
  CHECK(scorm::content_type_for("i.jpg") == "image/jpeg");
  CHECK(scorm::content_type_for("i.jpeg") == "image/jpeg");
  CHECK(scorm::content_type_for("i.gif") == "image/gif");
  CHECK(scorm::content_type_for("i.webp") == "image/webp");
  CHECK(scorm::content_type_for("favicon.ico") == "image/x-icon");
  CHECK(scorm::content_type_for("a.mp3") == "audio/mpeg");
  CHECK(scorm::content_type_for("v.mp4") == "video/mp4");
  CHECK(scorm::content_type_for("a.m4a") == "audio/mp4");
  CHECK(scorm::content_type_for("v.webm") == "video/webm");
  CHECK(scorm::content_type_for("a.ogg") == "audio/ogg");
  CHECK(scorm::content_type_for("a.wav") == "audio/wav");
  CHECK(scorm::content_type_for("f.woff") == "font/woff");
  CHECK(scorm::content_type_for("f.woff2") == "font/woff2");
  CHECK(scorm::content_type_for("f.ttf") == "font/ttf");
  CHECK(scorm::content_type_for("f.otf") == "font/otf");
  CHECK(scorm::content_type_for("f.eot") == "application/vnd.ms-fontobject");
  CHECK(scorm::content_type_for("d.pdf") == "application/pdf");
  CHECK(scorm::content_type_for("r.txt") == "text/plain");
  CHECK(scorm::content_type_for("old.swf") == "application/x-shockwave-flash");
  CHECK(scorm::content_type_for("x.zip") == "application/zip");
  CHECK(scorm::content_type_for("captions.vtt") == "text/vtt");
  CHECK(scorm::content_type_for("t.csv") == "text/csv");
  CHECK(scorm::content_type_for("noext") == "application/octet-stream");
  CHECK(scorm::content_type_for("dir.html/file") == "application/octet-stream");
  CHECK(scorm::content_type_for("x.unknown") == "application/octet-stream");
  CHECK(scorm::content_type_for(".html") == "text/html");
}

TEST_CASE("content paths resolve inside the package only") {
  scorm::test::TempDir tmp;
  const fs::path root = tmp.path() / "pkg";
  scorm::test::write_file(root / "index.html", "<html/>");
  scorm::test::write_file(root / "media" / "my file.mp4", "video");
  scorm::test::write_file(tmp.path() / "secret.txt", "outside");
  fs::create_directories(root / "empty");
  fs::create_symlink(tmp.path() / "secret.txt", root / "leak.txt");
  fs::create_symlink(tmp.path(), root / "up");
  fs::create_symlink(root / "index.html", root / "alias.html");
  const fs::path canonical_root = fs::canonical(root);

  const auto ok = [&](std::string_view url) {
    auto result = scorm::resolve_content_path(root, url);
    INFO(url << (result ? "" : " -> " + result.error().message));
    REQUIRE(result);
    return *result;
  };
  const auto code = [&](std::string_view url) {
    auto result = scorm::resolve_content_path(root, url);
    INFO(url);
    REQUIRE_FALSE(result);
    return result.error().code;
  };

  CHECK(ok("index.html") == canonical_root / "index.html");
  CHECK(ok("./media/../index.html") == canonical_root / "index.html");
  CHECK(ok("media/my%20file.mp4") == canonical_root / "media" / "my file.mp4");
  CHECK(ok("index.html?x=1#top") == canonical_root / "index.html");
  CHECK(ok("alias.html") == canonical_root / "index.html");  // a symlink inside is fine

  CHECK(code("../secret.txt") == scorm::ErrorCode::kInvalid);
  CHECK(code("media/../../secret.txt") == scorm::ErrorCode::kInvalid);
  CHECK(code("%2e%2e/secret.txt") == scorm::ErrorCode::kInvalid);
  CHECK(code("..%2fsecret.txt") == scorm::ErrorCode::kInvalid);
  CHECK(code("..%5csecret.txt") == scorm::ErrorCode::kInvalid);
  CHECK(code("index.html%00.png") == scorm::ErrorCode::kInvalid);
  CHECK(code("bad%zzescape") == scorm::ErrorCode::kInvalid);
  CHECK(code("/etc/passwd") == scorm::ErrorCode::kInvalid);
  CHECK(code("//index.html") == scorm::ErrorCode::kInvalid);
  CHECK(code("%2fetc/passwd") == scorm::ErrorCode::kInvalid);
  CHECK(code("leak.txt") == scorm::ErrorCode::kNotFound);
  CHECK(code("up/secret.txt") == scorm::ErrorCode::kNotFound);
  CHECK(code("missing.html") == scorm::ErrorCode::kNotFound);
  CHECK(code("empty") == scorm::ErrorCode::kNotFound);
  CHECK(code("") == scorm::ErrorCode::kNotFound);
}

TEST_CASE("Range headers") {
  const auto range = [](std::string_view header, uint64_t size) {
    return scorm::parse_byte_range(header, size);
  };
  const auto partial = [&](std::string_view header, uint64_t size, uint64_t first, uint64_t last) {
    const ByteRange r = range(header, size);
    INFO(header);
    CHECK(r.kind == ByteRange::Kind::kPartial);
    CHECK(r.first == first);
    CHECK(r.last == last);
    CHECK(r.length() == last - first + 1);
  };
  partial("bytes=0-99", 1000, 0, 99);
  partial("bytes=100-", 1000, 100, 999);
  partial("bytes=-100", 1000, 900, 999);
  partial("bytes=-5000", 1000, 0, 999);
  partial("bytes=990-5000", 1000, 990, 999);
  partial("bytes=999-999", 1000, 999, 999);
  partial("  Bytes = 1-2 ", 1000, 1, 2);

  CHECK(range("bytes=1000-", 1000).kind == ByteRange::Kind::kUnsatisfiable);
  CHECK(range("bytes=5000-6000", 1000).kind == ByteRange::Kind::kUnsatisfiable);
  CHECK(range("bytes=-0", 1000).kind == ByteRange::Kind::kUnsatisfiable);
  CHECK(range("bytes=0-", 0).kind == ByteRange::Kind::kUnsatisfiable);
  CHECK(range("bytes=-10", 0).kind == ByteRange::Kind::kUnsatisfiable);

  for (const char* ignored :
       {"", "bytes", "bytes=", "bytes=-", "bytes=5-1", "bytes=a-b", "items=0-1", "bytes=0-1,5-6",
        "bytes=1", "bytes=--1", "bytes=99999999999999999999999-"}) {
    INFO(ignored);
    CHECK(range(ignored, 1000).kind == ByteRange::Kind::kFull);
  }

  CHECK(scorm::content_range_value(range("bytes=0-99", 1000), 1000) == "bytes 0-99/1000");
  CHECK(scorm::content_range_value(range("bytes=2000-", 1000), 1000) == "bytes */1000");
}

TEST_CASE("ETags change with size and modification time") {
  CHECK(scorm::make_etag(10, 20) == "\"a-14\"");
  CHECK(scorm::make_etag(10, 20) != scorm::make_etag(11, 20));
  CHECK(scorm::make_etag(10, 20) != scorm::make_etag(10, 21));
}

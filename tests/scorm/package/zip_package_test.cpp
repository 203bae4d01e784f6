#include "scorm/zip_package.h"

#include <filesystem>
#include <string>

#include <catch2/catch.hpp>

#include "test_support.h"
#include <sys/stat.h>

namespace fs = std::filesystem;
using scorm::test::minimal_manifest;
using scorm::test::TempDir;
using scorm::test::ZipBuilder;

namespace {

// Opens `zip` from memory and returns the error message ("" if it opened).
std::string open_error(const ZipBuilder& zip, const scorm::ExtractLimits& limits = {}) {
  auto result = scorm::ZipPackage::open_bytes(zip.bytes(), limits);
  return result ? std::string() : result.error().message;
}

scorm::ErrorCode open_code(const std::string& bytes, const scorm::ExtractLimits& limits = {}) {
  auto result = scorm::ZipPackage::open_bytes(bytes, limits);
  REQUIRE_FALSE(result);
  return result.error().code;
}

ZipBuilder valid_course() {
  ZipBuilder zip;
  zip.file("imsmanifest.xml", minimal_manifest("sco/index.html"))
      .folder("sco/")
      .file("sco/index.html", "<html>lesson</html>")
      .file("sco/media/clip.mp4", std::string(5000, 'v'));
  return zip;
}

}  // namespace

TEST_CASE("entry names that break a rule are refused, naming the entry and the rule") {
  const auto refused = [](const std::string& name) {
    ZipBuilder zip;
    zip.file("imsmanifest.xml", minimal_manifest()).file(name, "x");
    return open_error(zip);
  };
  CHECK(refused("../../etc/passwd") == "entry \"../../etc/passwd\": path escapes the package");
  CHECK(refused("/etc/passwd") == "entry \"/etc/passwd\": absolute path");
  CHECK(refused("C:/Windows/win.ini") == "entry \"C:/Windows/win.ini\": absolute path");
  CHECK(refused("..\\..\\evil.dll") == "entry \"..\\..\\evil.dll\": backslash in path");
  CHECK(refused("sco/../../x") == "entry \"sco/../../x\": path escapes the package");
  CHECK(refused("sco/../x") == "entry \"sco/../x\": path contains a \"..\" segment");
  CHECK(refused("caf\xE9.html") == "entry \"caf\\xE9.html\": name is not valid UTF-8");
  CHECK(refused("a\x01.html") == "entry \"a\\x01.html\": control character in path");
  // Overlong UTF-8 for '/' (0xC0 0xAF) has been used to slip past path filters.
  CHECK(refused("..\xC0\xAF"
                "x") ==
        "entry \"..\\xC0\\xAF"
        "x\": name is not valid UTF-8");
}

TEST_CASE("valid UTF-8 names and harmless spellings are accepted") {
  ZipBuilder zip;
  zip.file("imsmanifest.xml", minimal_manifest())
      .file("index.html", "x")
      .file("caf\xC3\xA9/\xE6\x97\xA5\xE6\x9C\xAC.html", "unicode")
      .file("./dot/file.txt", "dot");
  auto pkg = scorm::ZipPackage::open_bytes(zip.bytes());
  INFO((pkg ? "" : pkg.error().message));
  REQUIRE(pkg);
  CHECK(pkg->contains("caf\xC3\xA9/\xE6\x97\xA5\xE6\x9C\xAC.html"));
  CHECK(pkg->contains("dot/file.txt"));
  CHECK(pkg->read("dot/file.txt", 100) == "dot");
}

TEST_CASE("symlinks, special files and encrypted entries are refused") {
  {
    ZipBuilder zip;
    zip.file("imsmanifest.xml", minimal_manifest()).symlink("index.html", "/etc/passwd");
    CHECK(open_error(zip) == "entry \"index.html\": symbolic links are not allowed");
  }
  {
    ZipBuilder zip;
    zip.file("imsmanifest.xml", minimal_manifest()).special("fifo", S_IFIFO);
    CHECK(open_error(zip) == "entry \"fifo\": not a regular file or folder");
  }
  if (scorm::test::can_encrypt()) {
    ZipBuilder zip;
    zip.file("imsmanifest.xml", minimal_manifest()).encrypted("index.html", "secret lesson");
    CHECK(open_error(zip) == "entry \"index.html\": encrypted entries are not supported");
  } else {
    WARN("this libzip cannot write encrypted entries; encryption test skipped");
  }
}

TEST_CASE("duplicate names are refused, also when they differ only in letter case") {
  {
    ZipBuilder zip;
    zip.file("imsmanifest.xml", minimal_manifest()).file("aaa.html", "1").file("bbb.html", "2");
    const std::string bytes = scorm::test::patch(zip.bytes(), "bbb.html", "aaa.html");
    auto result = scorm::ZipPackage::open_bytes(bytes);
    REQUIRE_FALSE(result);
    // libzip tolerates duplicate names when reading; the package layer must not.
    CHECK(result.error().message == "entry \"aaa.html\": duplicate entry name");
  }
  {
    ZipBuilder zip;
    zip.file("imsmanifest.xml", minimal_manifest()).file("index.html", "1").file("Index.HTML", "2");
    CHECK(open_error(zip) ==
          "entry \"Index.HTML\": another entry has the same name in a different letter case");
  }
  {
    ZipBuilder zip;
    zip.file("imsmanifest.xml", minimal_manifest()).file("a", "file").file("a/b.html", "2");
    CHECK(open_error(zip) == "entry \"a\": is both a file and a folder");
  }
  {
    ZipBuilder zip;  // a folder entry repeated, or implied by files, is harmless
    zip.file("imsmanifest.xml", minimal_manifest())
        .folder("a/")
        .file("a/b.html", "2")
        .file("c/d.html", "3")
        .folder("c/");
    CHECK(open_error(zip).empty());
  }
}

TEST_CASE("limits: entry count, total size, compression ratio") {
  SECTION("too many entries") {
    ZipBuilder zip;
    for (int i = 0; i < 6; ++i) zip.file(std::to_string(i) + ".txt", "x");
    scorm::ExtractLimits limits;
    limits.max_entries = 5;
    CHECK(open_error(zip, limits) == "the package has 6 entries; the limit is 5");
    limits.max_entries = 6;
    CHECK(open_error(zip, limits).empty());
  }
  SECTION("declared total size") {
    ZipBuilder zip;
    zip.file("a", std::string(600, 'a')).file("b", std::string(600, 'b'));
    scorm::ExtractLimits limits;
    limits.max_total_bytes = 1000;
    CHECK_THAT(open_error(zip, limits), Catch::Contains("more than 1000 bytes"));
  }
  SECTION("zip bomb: a highly compressible large entry") {
    ZipBuilder zip;
    zip.file("imsmanifest.xml", minimal_manifest()).file("bomb.bin", std::string(8 << 20, '\0'));
    const std::string message = open_error(zip);
    CHECK_THAT(message, Catch::StartsWith("entry \"bomb.bin\": compression ratio "));
    CHECK_THAT(message, Catch::EndsWith("exceeds the limit of 200:1"));
  }
  SECTION("small files may compress well") {
    ZipBuilder zip;
    zip.file("imsmanifest.xml", minimal_manifest()).file("zeros.bin", std::string(500000, '\0'));
    CHECK(open_error(zip).empty());
  }
}

TEST_CASE("a header that lies about the size is caught while inflating") {
  ZipBuilder zip;
  zip.file("imsmanifest.xml", minimal_manifest()).file("index.html", std::string(200000, 'z'));
  const std::string bytes = scorm::test::patch_declared_size(zip.bytes(), "index.html", 1000);
  auto pkg = scorm::ZipPackage::open_bytes(bytes);
  REQUIRE(pkg);  // the header alone looks harmless
  auto content = pkg->read("index.html", 1 << 20);
  REQUIRE_FALSE(content);
  CHECK(content.error().message == "entry \"index.html\": inflates to more than its declared size");

  TempDir tmp;
  auto imported = scorm::extract_package_bytes(bytes, tmp.path() / "lying");
  REQUIRE_FALSE(imported);
  CHECK(scorm::test::list_dir(tmp.path()).empty());
}

TEST_CASE("not a zip") {
  CHECK(open_code("this is not a zip file at all") == scorm::ErrorCode::kInvalid);
  auto missing = scorm::ZipPackage::open("/nonexistent/course.zip");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == scorm::ErrorCode::kNotFound);
}

TEST_CASE("a valid package is extracted, checked and renamed into place") {
  TempDir tmp;
  const fs::path zip_path = tmp.path() / "course.zip";
  valid_course().write(zip_path);
  const fs::path dest = tmp.path() / "packages" / "course-1";

  auto pkg = scorm::extract_package(zip_path, dest);
  INFO((pkg ? "" : pkg.error().message));
  REQUIRE(pkg);
  CHECK(pkg->root == dest);
  CHECK_FALSE(pkg->manifest.has_errors());
  CHECK(scorm::test::read_file(dest / "sco" / "index.html") == "<html>lesson</html>");
  CHECK(fs::file_size(dest / "sco" / "media" / "clip.mp4") == 5000);
  // Only the final folder is left in the parent: no staging leftovers.
  CHECK(scorm::test::list_dir(dest.parent_path()) == std::vector<std::string>{"course-1"});

  SECTION("importing to an existing destination is a conflict and changes nothing") {
    auto again = scorm::extract_package(zip_path, dest);
    REQUIRE_FALSE(again);
    CHECK(again.error().code == scorm::ErrorCode::kConflict);
    CHECK(scorm::test::read_file(dest / "sco" / "index.html") == "<html>lesson</html>");
    CHECK(scorm::test::list_dir(dest.parent_path()) == std::vector<std::string>{"course-1"});
  }
  SECTION("the extracted folder can be reopened") {
    auto reopened = scorm::open_extracted_package(dest);
    REQUIRE(reopened);
    CHECK(reopened->manifest.resources.size() == 1);
  }
}

TEST_CASE("a failed import leaves nothing behind") {
  TempDir tmp;
  const fs::path dest = tmp.path() / "course";
  const auto import = [&](const ZipBuilder& zip) {
    auto result = scorm::extract_package_bytes(zip.bytes(), dest);
    REQUIRE_FALSE(result);
    CHECK_FALSE(fs::exists(dest));
    CHECK(scorm::test::list_dir(tmp.path()).empty());
    return result.error();
  };

  SECTION("an unsafe entry after good ones") {
    ZipBuilder zip = valid_course();
    zip.file("../evil.sh", "rm -rf /");
    CHECK(import(zip).message == "entry \"../evil.sh\": path escapes the package");
  }
  SECTION("no manifest at the root") {
    ZipBuilder zip;
    zip.file("index.html", "x");
    CHECK(import(zip).message == "no imsmanifest.xml at the package root");
  }
  SECTION("the course folder was zipped instead of its contents") {
    ZipBuilder zip;
    zip.file("MyCourse/imsmanifest.xml", minimal_manifest()).file("MyCourse/index.html", "x");
    CHECK_THAT(import(zip).message,
               Catch::Contains("found \"MyCourse/imsmanifest.xml\"; zip the course folder's "
                               "contents, not the folder"));
  }
  SECTION("a manifest that is not XML") {
    ZipBuilder zip;
    zip.file("imsmanifest.xml", "<manifest><oops></manifest>");
    CHECK_THAT(import(zip).message, Catch::StartsWith("imsmanifest.xml: line 1"));
  }
  SECTION("an XXE manifest") {
    ZipBuilder zip;
    zip.file("imsmanifest.xml",
             "<!DOCTYPE m [<!ENTITY x SYSTEM 'file:///etc/passwd'>]><manifest>&x;</manifest>");
    CHECK_THAT(import(zip).message, Catch::Contains("DOCTYPE declares entities"));
  }
  SECTION("the SCO launch file is missing: every problem is listed") {
    ZipBuilder zip;
    zip.file("imsmanifest.xml", minimal_manifest("sco/index.html")).file("other.html", "x");
    const scorm::Error error = import(zip);
    CHECK(error.code == scorm::ErrorCode::kInvalid);
    CHECK_THAT(error.message, Catch::Contains("launch file \"sco/index.html\" is not in the "
                                              "package"));
    REQUIRE(error.problems.size() == 2);
    CHECK(error.problems[0].severity == scorm::Severity::kError);
    CHECK(error.problems[0].where == "resource R");
    CHECK(error.problems[1].severity == scorm::Severity::kWarning);
    CHECK(error.problems[1].message == "listed file \"sco/index.html\" is not in the package");
  }
  SECTION("a zip bomb") {
    ZipBuilder zip = valid_course();
    zip.file("bomb.bin", std::string(8 << 20, '\0'));
    CHECK(import(zip).code == scorm::ErrorCode::kTooLarge);
  }
}

TEST_CASE("package file checks: missing listed files are warnings, assets in items errors") {
  TempDir tmp;
  const fs::path root = tmp.path() / "pkg";
  scorm::test::write_file(
      root / "imsmanifest.xml",
      R"(<manifest identifier="M" xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
      <metadata><schemaversion>1.2</schemaversion></metadata>
      <organizations default="O"><organization identifier="O"><title>T</title>
        <item identifier="I1" identifierref="SCO"><title>A</title></item>
        <item identifier="I2" identifierref="PDF"><title>B</title></item>
      </organization></organizations>
      <resources>
        <resource identifier="SCO" type="webcontent" adlcp:scormtype="sco" href="my%20page.html?x=1">
          <file href="my page.html"/><file href="gone.js"/></resource>
        <resource identifier="PDF" type="webcontent" adlcp:scormtype="asset" href="doc.pdf"/>
        <resource identifier="SPARE" type="webcontent" adlcp:scormtype="asset" href="spare.html"/>
        <resource identifier="WEB" type="webcontent" adlcp:scormtype="asset"
                  href="https://example.com/x.html"/>
      </resources></manifest>)");
  scorm::test::write_file(root / "my page.html", "x");
  auto pkg = scorm::open_extracted_package(root);
  REQUIRE(pkg);
  std::vector<std::string> found;
  for (const scorm::Problem& p : pkg->manifest.problems) {
    found.push_back((p.severity == scorm::Severity::kError ? "E " : "W ") + p.where + ": " +
                    p.message);
  }
  CHECK(found == std::vector<std::string>{
                     "W resource SCO: listed file \"gone.js\" is not in the package",
                     "E resource PDF: launch file \"doc.pdf\" is not in the package",
                     "W resource SPARE: launch file \"spare.html\" is not in the package",
                 });
}

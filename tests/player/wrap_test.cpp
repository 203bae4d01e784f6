// The wrap builder: manifest rewriting (what changes, what stays) and the wrapped zip.
#include "player/wrap.h"

#include <filesystem>
#include <map>
#include <random>

#include <catch2/catch.hpp>
#include <zip.h>

#include "lrs/sqlite_database.h"
#include "scorm/manifest.h"
#include "test_support.h"

namespace {

namespace fs = std::filesystem;

const player::RelayTarget kTarget{"https://bridge.test", "https://lms.test/moodle", "pkg1", "k3y"};

bool nothing_exists(const std::string&) { return false; }

// Every entry of a zip: name -> bytes.
std::map<std::string, std::string> unzip(const std::string& bytes) {
  std::map<std::string, std::string> out;
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* source = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &error);
  REQUIRE(source != nullptr);
  zip_t* archive = zip_open_from_source(source, ZIP_RDONLY, &error);
  REQUIRE(archive != nullptr);
  for (zip_int64_t i = 0; i < zip_get_num_entries(archive, 0); ++i) {
    zip_stat_t st;
    REQUIRE(zip_stat_index(archive, static_cast<zip_uint64_t>(i), 0, &st) == 0);
    std::string name = st.name;
    if (name.back() == '/') continue;
    zip_file_t* f = zip_fopen_index(archive, static_cast<zip_uint64_t>(i), 0);
    REQUIRE(f != nullptr);
    std::string content(st.size, '\0');
    REQUIRE(zip_fread(f, content.data(), st.size) == static_cast<zip_int64_t>(st.size));
    zip_fclose(f);
    out[name] = content;
  }
  zip_discard(archive);
  return out;
}

}  // namespace

TEST_CASE("rewrite_manifest sends each SCO through a shim and keeps the rest", "[wrap]") {
  const std::string xml = scorm::test::read_file(fs::path(LRS_SOURCE_DIR) /
                                                 "examples/scorm2004-two-scos/imsmanifest.xml");
  auto rewritten = player::rewrite_manifest(xml, kTarget, nothing_exists);
  REQUIRE(rewritten);
  REQUIRE(rewritten->scos.size() == 2);
  CHECK(rewritten->scos[0].item == "lesson");
  CHECK(rewritten->scos[0].old_href == "lesson.html");
  CHECK(rewritten->scos[0].new_href == "lesson.lrsbridge-lesson-resource.html");
  CHECK(rewritten->scos[1].shim_path == "quiz.lrsbridge-quiz-resource.html");

  auto before = scorm::parse_manifest(xml);
  auto after = scorm::parse_manifest(rewritten->xml);
  REQUIRE(before);
  REQUIRE(after);
  CHECK_FALSE(after->has_errors());
  CHECK(after->scorm_version == before->scorm_version);
  CHECK(after->edition == before->edition);
  CHECK(after->metadata.schemaversion == before->metadata.schemaversion);
  // Same organization, items, sequencing and launch values.
  const scorm::Organization* org = after->default_or_first_organization();
  REQUIRE(org != nullptr);
  REQUIRE(org->items.size() == 2);
  CHECK(org->items[0].data_from_lms == "{\"pages\":3}");
  CHECK(org->items[0].completion_threshold ==
        before->organizations[0].items[0].completion_threshold);
  REQUIRE(org->items[1].sequencing);
  REQUIRE(org->items[1].sequencing->objectives.size() == 1);
  CHECK(org->items[1].sequencing->objectives[0].min_normalized_measure == Approx(0.6));
  REQUIRE(org->sequencing);
  CHECK(org->sequencing->control_mode.flow);
  // The launch goes through the shim, which is listed among the resource's files.
  const scorm::Resource* lesson = after->find_resource("lesson-resource");
  REQUIRE(lesson != nullptr);
  CHECK(lesson->scorm_type == scorm::ScormType::kSco);
  CHECK(lesson->launch_path == "lesson.lrsbridge-lesson-resource.html");
  CHECK(std::find(lesson->files.begin(), lesson->files.end(),
                  "lesson.lrsbridge-lesson-resource.html") != lesson->files.end());
  CHECK(std::find(lesson->files.begin(), lesson->files.end(), "common.js") != lesson->files.end());
  // The shim page carries the relay configuration and loads the original launch file.
  REQUIRE(rewritten->shim_pages.size() == 2);
  const std::string& page = rewritten->shim_pages[0].second;
  CHECK(page.find("\"content\":\"lesson.html\"") != std::string::npos);
  CHECK(page.find("\"key\":\"k3y\"") != std::string::npos);
  CHECK(page.find("\"sco\":\"lesson\"") != std::string::npos);
  CHECK(page.find("\"cmi\":\"2004\"") != std::string::npos);
  CHECK(page.find("API_1484_11") != std::string::npos);  // the shim script is embedded
}

TEST_CASE("rewrite_manifest keeps xml:base, queries, parameters and prerequisites", "[wrap]") {
  const std::string xml = R"(<?xml version="1.0"?>
<manifest identifier="m" xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
  xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2" xml:base="course/">
  <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
  <organizations default="o">
    <organization identifier="o"><title>T</title>
      <item identifier="i1" identifierref="r1" parameters="?page=2"><title>One</title>
        <adlcp:prerequisites type="aicc_script">i0</adlcp:prerequisites>
        <adlcp:masteryscore>70</adlcp:masteryscore>
      </item>
      <item identifier="i2" identifierref="r2"><title>Two</title></item>
      <item identifier="i3" identifierref="asset"><title>Three</title></item>
    </organization>
  </organizations>
  <resources xml:base="content/">
    <resource identifier="r1" type="webcontent" adlcp:scormtype="sco" xml:base="sco1/" href="start.html?lang=en">
      <file href="start.html"/>
    </resource>
    <resource identifier="r2" type="webcontent" adlcp:scormtype="sco" href="https://elsewhere.test/sco.html"/>
    <resource identifier="asset" type="webcontent" adlcp:scormtype="asset" href="page.html">
      <file href="page.html"/>
    </resource>
  </resources>
</manifest>)";
  // A file of the package already has the shim's first-choice name.
  auto taken = [](const std::string& path) {
    return path == "course/content/sco1/start.lrsbridge-r1.html";
  };
  auto rewritten = player::rewrite_manifest(xml, kTarget, taken);
  REQUIRE(rewritten);
  REQUIRE(rewritten->scos.size() == 1);
  const player::WrappedSco& sco = rewritten->scos[0];
  CHECK(sco.item == "i1");
  CHECK(sco.new_href == "start.lrsbridge-r1-2.html?lang=en");
  CHECK(sco.shim_path == "course/content/sco1/start.lrsbridge-r1-2.html");
  REQUIRE(rewritten->notes.size() == 1);
  CHECK(rewritten->notes[0].find("r2 launches an external URL") != std::string::npos);

  auto after = scorm::parse_manifest(rewritten->xml);
  REQUIRE(after);
  CHECK_FALSE(after->has_errors());
  const scorm::Resource* r1 = after->find_resource("r1");
  REQUIRE(r1 != nullptr);
  CHECK(r1->base == "course/content/sco1/");
  CHECK(r1->launch_path == "course/content/sco1/start.lrsbridge-r1-2.html?lang=en");
  const scorm::Item& item = after->organizations[0].items[0];
  CHECK(item.parameters == "?page=2");
  CHECK(item.prerequisites == "i0");
  CHECK(item.mastery_score == Approx(70));
  CHECK(*scorm::launch_url(*after, item) ==
        "course/content/sco1/start.lrsbridge-r1-2.html?lang=en&page=2");
  // The asset and the external SCO are as they were.
  CHECK(after->find_resource("asset")->launch_path == "course/content/page.html");
  CHECK(after->find_resource("r2")->href == "https://elsewhere.test/sco.html");
  // The page loads the original file next to it (query and parameters come from its URL).
  CHECK(rewritten->shim_pages[0].second.find("\"content\":\"start.html\"") != std::string::npos);
}

TEST_CASE("rewrite_manifest writes UTF-8 and says so", "[wrap]") {
  // An item title in ISO-8859-1, as some authoring tools still write manifests.
  std::string xml = scorm::test::minimal_manifest("index.html");
  xml.replace(xml.find("<?xml version=\"1.0\"?>"), 21,
              "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>");
  xml.replace(xml.find("<title>Lesson</title>"), 21, "<title>Le\xe7on</title>");
  auto before = scorm::parse_manifest(xml);
  REQUIRE(before);
  auto rewritten = player::rewrite_manifest(xml, kTarget, nothing_exists);
  REQUIRE(rewritten);
  CHECK(rewritten->xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<manifest"));
  auto after = scorm::parse_manifest(rewritten->xml);
  REQUIRE(after);
  CHECK_FALSE(after->has_errors());
  CHECK(after->organizations[0].items[0].title == before->organizations[0].items[0].title);
  CHECK(after->organizations[0].items[0].title == "Le\xc3\xa7on");
}

TEST_CASE("rewrite_manifest refuses a manifest without SCOs or a broken one", "[wrap]") {
  const std::string assets_only = R"(<manifest identifier="m"
    xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
    xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
  <organizations default="o"><organization identifier="o"><title>T</title>
    <item identifier="i" identifierref="a"><title>A</title></item></organization></organizations>
  <resources><resource identifier="a" type="webcontent" adlcp:scormtype="asset" href="a.html"/>
  </resources></manifest>)";
  auto none = player::rewrite_manifest(assets_only, kTarget, nothing_exists);
  REQUIRE_FALSE(none);
  CHECK(none.error().code == lrs::ErrorCode::kInvalid);
  CHECK(none.error().message.find("no SCO to wrap") != std::string::npos);
  auto broken = player::rewrite_manifest("<manifest", kTarget, nothing_exists);
  REQUIRE_FALSE(broken);
  CHECK(broken.error().message.find("imsmanifest.xml") != std::string::npos);
}

TEST_CASE("relay keys are per package and LMS", "[wrap]") {
  const std::string a = player::relay_key("server", "p1", "https://lms.test");
  CHECK(a.size() == 64);
  CHECK(a == player::relay_key("server", "p1", "https://lms.test"));
  CHECK(a != player::relay_key("server", "p2", "https://lms.test"));
  CHECK(a != player::relay_key("server", "p1", "https://other.test"));
  CHECK(a != player::relay_key("other", "p1", "https://lms.test"));
  CHECK(player::url_origin("https://LMS.test:8443/moodle/mod?x#y") == "https://lms.test:8443");
  CHECK(player::url_origin("HTTP://lms.test") == "http://lms.test");
  CHECK(player::url_origin("ftp://lms.test").empty());
  CHECK(player::url_origin("https://").empty());
}

TEST_CASE("wrap_package imports the zip and copies every original file unchanged", "[wrap]") {
  scorm::test::TempDir dir;
  auto db = lrs::open_sqlite_database({":memory:", 0, false});
  REQUIRE(db);
  const std::string zip = scorm::test::read_file(fs::path(LRS_EXAMPLES_DIR) / "scorm12-quiz.zip");
  player::WrapOptions options{"http://127.0.0.1:18650/", "http://lms.test/"};
  auto wrapped = player::wrap_package((*db)->player(), dir.path() / "packages", zip, options);
  REQUIRE(wrapped);
  CHECK(wrapped->imported.created);
  // The same id as `package import` of the same zip.
  auto again = player::import_package((*db)->player(), dir.path() / "packages", zip);
  REQUIRE(again);
  CHECK_FALSE(again->created);
  CHECK(again->record.id == wrapped->imported.record.id);

  auto original = unzip(zip);
  auto result = unzip(wrapped->zip);
  for (const auto& [name, bytes] : original) {
    if (name == "imsmanifest.xml") continue;
    REQUIRE(result.count(name) == 1);
    CHECK(result[name] == bytes);
  }
  REQUIRE(result.count("index.lrsbridge-quiz-resource.html") == 1);
  CHECK(result.size() == original.size() + 1);
  auto key = player::server_key((*db)->player());
  REQUIRE(key);
  const std::string& page = result["index.lrsbridge-quiz-resource.html"];
  CHECK(page.find("\"key\":\"" +
                  player::relay_key(*key, wrapped->imported.record.id, "http://lms.test/") +
                  "\"") != std::string::npos);
  CHECK(page.find("\"bridge\":\"http://127.0.0.1:18650\"") != std::string::npos);
  auto manifest = scorm::parse_manifest(result["imsmanifest.xml"]);
  REQUIRE(manifest);
  CHECK(manifest->find_resource("quiz-resource")->launch_path ==
        "index.lrsbridge-quiz-resource.html");

  SECTION("bad URLs are named") {
    auto bad = player::wrap_package((*db)->player(), dir.path() / "packages", zip,
                                    {"bridge.test", "http://lms.test"});
    REQUIRE_FALSE(bad);
    CHECK(bad.error().message.find("bridge URL") != std::string::npos);
    bad = player::wrap_package((*db)->player(), dir.path() / "packages", zip,
                               {"http://bridge.test", ""});
    REQUIRE_FALSE(bad);
    CHECK(bad.error().message.find("LMS URL") != std::string::npos);
  }
  SECTION("a broken zip is refused with the import's reason") {
    auto bad = player::wrap_package((*db)->player(), dir.path() / "packages", "not a zip", options);
    REQUIRE_FALSE(bad);
    CHECK(bad.error().code == lrs::ErrorCode::kInvalid);
  }
}

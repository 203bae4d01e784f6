// PlayerHandler over plain requests: packages, content, registrations, the player page
// and the runtime commit path, on an in-memory SQLite store and a temporary data dir.
#include "player/player_handler.h"

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <set>
#include <thread>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "lrs/auth.h"
#include "lrs/document_service.h"
#include "lrs/sqlite_database.h"
#include "lrs/statement_record.h"
#include "support/basic_auth.h"
#include "test_support.h"

namespace {

using nlohmann::json;
namespace fs = std::filesystem;

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  REQUIRE(in);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string example_zip(const std::string& name) {
  return read_file(fs::path(LRS_EXAMPLES_DIR) / (name + ".zip"));
}

struct Fixture {
  fs::path dir;
  std::unique_ptr<lrs::Database> db;
  std::unique_ptr<lrs::Authenticator> auth;
  std::unique_ptr<player::PlayerHandler> handler;

  Fixture() {
    std::random_device rd;
    dir = fs::temp_directory_path() / ("player-test-" + std::to_string(rd()));
    fs::create_directories(dir);
    auto opened = lrs::open_sqlite_database({":memory:", 0, false});
    REQUIRE(opened);
    db = std::move(*opened);
    auto admin = lrs::make_credential("admin", "admin-secret", {"all"}, "admin");
    REQUIRE(admin);
    REQUIRE(db->credentials().add(*admin));
    auto reader = lrs::make_credential("reader", "reader-secret", {"all/read"}, "reader");
    REQUIRE(reader);
    REQUIRE(db->credentials().add(*reader));
    auth = std::make_unique<lrs::Authenticator>(db->credentials(), std::chrono::hours(1));
    player::PlayerOptions options;
    options.data_dir = dir / "packages";
    options.public_url = "http://lrs.test";
    handler = std::make_unique<player::PlayerHandler>(db->player(), *auth, options);
  }
  ~Fixture() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }

  lrs::HttpResponse call(const std::string& method, const std::string& target,
                         const std::string& body = "", lrs::HeaderList extra = {},
                         const std::string& credential = "admin:admin-secret") {
    lrs::HttpRequest r;
    r.method = method;
    auto q = target.find('?');
    r.path = target.substr(0, q);
    if (q != std::string::npos) r.query = target.substr(q + 1);
    r.body = body;
    if (!credential.empty())
      r.headers.push_back({"authorization", test_support::basic_auth(credential)});
    for (auto& h : extra) r.headers.push_back(std::move(h));
    REQUIRE(handler->handles(r.path));
    return handler->handle(r);
  }

  std::string header(const lrs::HttpResponse& r, const std::string& name) {
    for (const auto& [n, v] : r.headers) {
      if (n == name) return v;
    }
    return "";
  }

  json import(const std::string& example) {
    auto r = call("POST", "/api/packages", example_zip(example));
    INFO(r.body);
    REQUIRE((r.status == 201 || r.status == 200));
    return json::parse(r.body);
  }

  // Imports a course whose resources all launch s.html (a manifest written for the test)
  // and answers the package id.
  std::string import_manifest(const std::string& manifest) {
    auto r = call("POST", "/api/packages",
                  scorm::test::ZipBuilder()
                      .file("imsmanifest.xml", manifest)
                      .file("s.html", "<p>SCO</p>")
                      .bytes());
    INFO(r.body);
    REQUIRE(r.status == 201);
    return json::parse(r.body)["id"];
  }

  // A SCORM 2004 4th Edition manifest around `organization` (its <organization> element),
  // whose one resource "r" launches s.html, the file import_manifest adds.
  static std::string manifest_2004(const std::string& organization) {
    return R"(<manifest identifier="test" version="1"
      xmlns="http://www.imsglobal.org/xsd/imscp_v1p1"
      xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3"
      xmlns:adlseq="http://www.adlnet.org/xsd/adlseq_v1p3"
      xmlns:imsss="http://www.imsglobal.org/xsd/imsss">
    <metadata><schema>ADL SCORM</schema><schemaversion>2004 4th Edition</schemaversion></metadata>
    <organizations default="o">)" +
           organization + R"(</organizations>
    <resources><resource identifier="r" type="webcontent" adlcp:scormType="sco" href="s.html">
      <file href="s.html"/></resource></resources></manifest>)";
  }

  // Registers a learner and returns {registration, launch path with token}.
  std::pair<std::string, std::string> register_learner(const std::string& package) {
    json body = {{"package", package},
                 {"learner",
                  {{"account", {{"homePage", "http://lms.test"}, {"name", "u42"}}},
                   {"name", "Ada Learner"}}}};
    auto r = call("POST", "/api/registrations", body.dump());
    INFO(r.body);
    REQUIRE(r.status == 201);
    json answer = json::parse(r.body);
    std::string url = answer["launch_url"];
    REQUIRE(url.rfind("http://lrs.test/player/", 0) == 0);
    return {answer["registration"], url.substr(std::string("http://lrs.test").size())};
  }

  // The page's configuration object.
  json launch(const std::string& path) {
    auto r = call("GET", path, "", {}, "");
    INFO(r.body);
    REQUIRE(r.status == 200);
    const std::string marker = "window.LRSB_CONFIG = ";
    auto start = r.body.find(marker);
    REQUIRE(start != std::string::npos);
    start += marker.size();
    auto end = r.body.find(";</script>", start);
    return json::parse(r.body.substr(start, end - start));
  }

  json commit(const json& config, const json& body, bool terminate = false) {
    std::string url = config["commitUrl"].get<std::string>() + (terminate ? "&terminate=true" : "");
    auto r = call("POST", url, body.dump(), {{"content-type", "text/plain;charset=UTF-8"}}, "");
    INFO(r.body);
    json answer = json::parse(r.body);
    // scorm-again reads a refusal from the body; stale sessions also get a 409.
    CHECK((r.status == 200 || r.status == 409));
    return answer;
  }

  // The statements stored for a registration, oldest first.
  std::vector<json> statements(const std::string& registration) {
    lrs::StatementFilter filter;
    filter.registration = lrs::Uuid::parse(registration);
    filter.ascending = true;
    filter.limit = 500;
    auto page = db->statements().query(filter);
    REQUIRE(page);
    std::vector<json> out;
    for (const auto& s : page->statements) out.push_back(json::parse(s.body));
    return out;
  }

  static std::vector<std::string> verbs(const std::vector<json>& statements) {
    std::vector<std::string> out;
    for (const json& s : statements) {
      std::string id = s["verb"]["id"];
      out.push_back(id.substr(id.rfind('/') + 1));
    }
    return out;
  }
};

}  // namespace

TEST_CASE_METHOD(Fixture, "commits become xAPI statements stored with the attempt", "[player]") {
  std::string id = import("scorm12-quiz")["id"];
  auto [registration, launch_path] = register_learner(id);
  json config = launch(launch_path);
  // The page load alone is not the SCO's Initialize.
  CHECK(statements(registration).empty());

  json first = {{"cmi", {{"core", {{"lesson_location", "q1"}, {"lesson_status", "incomplete"}}}}},
                {"commitSequence", 1}};
  CHECK(commit(config, first)["result"] == true);
  CHECK(verbs(statements(registration)) == std::vector<std::string>{"initialized"});

  json answer = {{"cmi.core.score.raw", "80"},
                 {"cmi.interactions.0.id", "q1"},
                 {"cmi.interactions.0.type", "choice"},
                 {"cmi.interactions.0.student_response", "b"},
                 {"cmi.interactions.0.result", "correct"},
                 {"commitSequence", 2}};
  CHECK(commit(config, answer)["result"] == true);
  const std::size_t after_answer = statements(registration).size();
  CHECK(after_answer > 1);
  // A retried commit adds nothing; a refused one neither.
  CHECK(commit(config, answer)["result"] == true);
  json bad = {{"cmi", {{"core", {{"score", {{"raw", "lots"}}}}}}}, {"commitSequence", 3}};
  CHECK(commit(config, bad)["result"] == false);
  CHECK(statements(registration).size() == after_answer);

  json finish = {
      {"cmi",
       {{"core", {{"lesson_status", "passed"}, {"exit", ""}, {"session_time", "00:02:00"}}}}},
      {"commitSequence", 4}};
  CHECK(commit(config, finish, true)["result"] == true);

  // The one-SCO course rolls up with its SCO: completed and passed at the course level.
  const std::string course_iri = "urn:lrsbridge:course:" + id;
  std::vector<json> all;
  std::vector<json> course_level;
  for (json& s : statements(registration)) {
    (s["object"]["id"] == course_iri ? course_level : all).push_back(std::move(s));
  }
  CHECK(verbs(course_level) == std::vector<std::string>{"completed", "passed"});
  std::vector<std::string> got = verbs(all);
  INFO(json(got).dump());
  REQUIRE(!got.empty());
  CHECK(got.front() == "initialized");
  CHECK(got.back() == "terminated");
  for (const char* verb : {"initialized", "responded", "scored", "passed", "terminated"}) {
    CHECK(std::count(got.begin(), got.end(), verb) == 1);
  }
  std::string attempt_iri;
  for (const json& s : all) {
    INFO(s.dump());
    CHECK(s["context"]["registration"] == registration);
    CHECK(s["actor"]["account"]["name"] == "u42");
    CHECK(s["authority"]["account"]["name"] == "scorm-bridge");
    bool course = false;
    for (const json& g : s["context"]["contextActivities"]["grouping"]) {
      std::string gid = g["id"];
      if (gid == "urn:lrsbridge:course:" + id) course = true;
      if (gid.find("?attemptId=") != std::string::npos) {
        if (attempt_iri.empty()) attempt_iri = gid;
        CHECK(gid == attempt_iri);
      }
    }
    CHECK(course);
  }
  REQUIRE(!attempt_iri.empty());

  // The profile's documents are written with the attempt.
  const std::string sco_iri = attempt_iri.substr(0, attempt_iri.find("?attemptId="));
  auto agent =
      lrs::agent_key(json{{"account", {{"homePage", "http://lms.test"}, {"name", "u42"}}}});
  REQUIRE(agent);
  lrs::DocumentScope scope{lrs::DocumentKind::kState, sco_iri, *agent,
                           lrs::Uuid::parse(registration)};
  auto activity_state = db->documents().get(scope, "https://w3id.org/xapi/scorm/activity-state");
  REQUIRE(activity_state);
  REQUIRE(*activity_state);
  CHECK(json::parse((*activity_state)->content)["attempts"] == json::array({attempt_iri}));
  CHECK((*activity_state)->content_type == "application/json");
  CHECK((*activity_state)->etag == lrs::document_etag((*activity_state)->content));
  scope.activity_id = attempt_iri;
  auto attempt_state = db->documents().get(scope, "https://w3id.org/xapi/scorm/attempt-state");
  REQUIRE(attempt_state);
  REQUIRE(*attempt_state);
  json attempt_doc = json::parse((*attempt_state)->content);
  INFO(attempt_doc.dump());
  CHECK(attempt_doc["location"] == "q1");
  CHECK(attempt_doc.contains("total_time"));
  lrs::DocumentScope profile{lrs::DocumentKind::kActivityProfile, sco_iri, "", std::nullopt};
  auto activity_profile =
      db->documents().get(profile, "https://w3id.org/xapi/scorm/activity-profile");
  REQUIRE(activity_profile);
  CHECK(*activity_profile);
}

TEST_CASE_METHOD(Fixture, "packages import once, list, show and delete", "[player]") {
  json pkg = import("scorm12-quiz");
  CHECK(pkg["title"] == "Example: SCORM 1.2 quiz");
  CHECK(pkg["version"] == "1.2");
  REQUIRE(pkg["scos"].size() == 1);
  CHECK(pkg["scos"][0]["identifier"] == "quiz");
  CHECK(pkg["scos"][0]["launch"] == "index.html");
  CHECK(pkg["problems"].is_array());
  std::string id = pkg["id"];
  CHECK(fs::exists(dir / "packages" / id / "imsmanifest.xml"));

  auto again = call("POST", "/api/packages", example_zip("scorm12-quiz"));
  CHECK(again.status == 200);
  CHECK(json::parse(again.body)["id"] == id);

  json two = import("scorm2004-two-scos");
  CHECK(two["version"] == "2004 4th Edition");
  CHECK(two["scos"].size() == 2);

  auto list = call("GET", "/api/packages");
  CHECK(json::parse(list.body).size() == 2);
  CHECK(call("GET", "/api/packages/" + id).status == 200);
  CHECK(call("DELETE", "/api/packages/" + id).status == 204);
  CHECK(call("GET", "/api/packages/" + id).status == 404);
  CHECK_FALSE(fs::exists(dir / "packages" / id));
  CHECK(call("DELETE", "/api/packages/" + id).status == 404);
}

TEST_CASE_METHOD(Fixture, "package import refuses bad zips and weak credentials", "[player]") {
  auto bad = call("POST", "/api/packages", "this is not a zip");
  CHECK(bad.status == 400);
  CHECK(json::parse(bad.body)["error"]["message"].get<std::string>().size() > 0);
  CHECK(json::parse(bad.body)["problems"].is_array());
  CHECK(call("POST", "/api/packages", example_zip("scorm12-quiz"), {}, "").status == 401);
  CHECK(call("POST", "/api/packages", example_zip("scorm12-quiz"), {}, "reader:reader-secret")
            .status == 403);
  CHECK(call("GET", "/api/packages").body == "[]");
}

TEST_CASE_METHOD(Fixture, "a hostile or broken package gets a 400 naming the entry and rule",
                 "[player]") {
  std::string slip = scorm::test::ZipBuilder()
                         .file("imsmanifest.xml", "<manifest/>")
                         .file("../evil.sh", "rm -rf /")
                         .bytes();
  auto r = call("POST", "/api/packages", slip);
  CHECK(r.status == 400);
  CHECK(json::parse(r.body)["error"]["message"] ==
        "entry \"../evil.sh\": path escapes the package");

  std::string manifest = R"(<?xml version="1.0"?>
<manifest identifier="m" xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
  xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
  <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
  <organizations default="o"><organization identifier="o"><title>T</title>
    <item identifier="i" identifierref="r"><title>I</title></item></organization></organizations>
  <resources><resource identifier="r" type="webcontent" adlcp:scormtype="sco" href="gone.html"/>
  </resources></manifest>)";
  auto missing = call("POST", "/api/packages",
                      scorm::test::ZipBuilder().file("imsmanifest.xml", manifest).bytes());
  INFO(missing.body);
  CHECK(missing.status == 400);
  json problems = json::parse(missing.body)["problems"];
  REQUIRE_FALSE(problems.empty());
  CHECK(problems.dump().find("gone.html") != std::string::npos);
  CHECK(call("GET", "/api/packages").body == "[]");
  CHECK(scorm::test::list_dir(dir / "packages").empty());
}

TEST_CASE_METHOD(Fixture, "content is served with types, validators, ranges and no escapes",
                 "[player]") {
  std::string id = import("scorm12-quiz")["id"];
  auto page = call("GET", "/content/" + id + "/index.html", "", {}, "");
  REQUIRE(page.status == 200);
  CHECK(header(page, "Content-Type").rfind("text/html", 0) == 0);
  CHECK(page.body.find("Capitals quiz") != std::string::npos);
  std::string etag = header(page, "ETag");
  CHECK_FALSE(etag.empty());
  CHECK_FALSE(header(page, "Last-Modified").empty());
  CHECK_FALSE(header(page, "Cache-Control").empty());
  CHECK(call("GET", "/content/" + id + "/index.html", "", {{"if-none-match", etag}}, "").status ==
        304);
  auto part = call("GET", "/content/" + id + "/index.html", "", {{"range", "bytes=0-9"}}, "");
  CHECK(part.status == 206);
  CHECK(part.body == page.body.substr(0, 10));
  CHECK(header(part, "Content-Range") == "bytes 0-9/" + std::to_string(page.body.size()));
  auto head = call("HEAD", "/content/" + id + "/quiz.js", "", {}, "");
  CHECK(head.status == 200);
  CHECK(head.body.empty());
  CHECK(header(head, "Content-Type").find("javascript") != std::string::npos);
  CHECK(call("GET", "/content/" + id + "/../../etc/passwd", "", {}, "").status == 404);
  CHECK(call("GET", "/content/" + id + "/missing.html", "", {}, "").status == 404);
  CHECK(call("GET", "/content/nope/index.html", "", {}, "").status == 404);
}

TEST_CASE_METHOD(Fixture, "a 1.2 attempt commits, rejects bad values, suspends and resumes",
                 "[player]") {
  std::string id = import("scorm12-quiz")["id"];
  auto [registration, launch_path] = register_learner(id);
  CHECK(call("GET", "/player/" + registration + "?token=0.00", "", {}, "").status == 403);

  json config = launch(launch_path);
  CHECK(config["cmi"] == "1.2");
  CHECK(config["preload"]["cmi.core.student_id"] == "u42");
  CHECK(config["preload"]["cmi.core.student_name"] == "Ada Learner");
  CHECK(config["preload"]["cmi.core.entry"] == "ab-initio");
  CHECK(config["content"] == "/content/" + id + "/index.html");

  json first = {{"cmi", {{"core", {{"lesson_location", "q1"}, {"lesson_status", "incomplete"}}}}},
                {"commitSequence", 1}};
  CHECK(commit(config, first)["result"] == true);
  // A retry of the same commit is applied once; a stale one too.
  CHECK(commit(config, first)["result"] == true);

  json bad = {{"cmi", {{"core", {{"score", {{"raw", "lots"}}}}}}}, {"commitSequence", 2}};
  json refused = commit(config, bad);
  CHECK(refused["result"] == false);
  CHECK(refused["errorCode"] == 405);
  CHECK(refused["errorMessage"].get<std::string>().find("score.raw") != std::string::npos);

  json suspend = {{"cmi",
                   {{"suspend_data", "{\"q1\":\"b\"}"},
                    {"core", {{"exit", "suspend"}, {"session_time", "00:01:00"}}}}},
                  {"commitSequence", 3}};
  CHECK(commit(config, suspend, true)["result"] == true);

  auto stored = call("GET", "/api/registrations/" + registration);
  REQUIRE(stored.status == 200);
  json attempts = json::parse(stored.body)["attempts"];
  REQUIRE(attempts.size() == 1);
  CHECK(attempts[0]["state"] == "suspended");
  CHECK(attempts[0]["cmi"]["values"]["cmi.core.lesson_location"] == "q1");
  CHECK(attempts[0]["cmi"]["values"]["cmi.core.total_time"] == "0000:01:00");

  // A late commit of the finished page changes nothing.
  json late = {{"cmi", {{"core", {{"lesson_location", "q9"}}}}}, {"commitSequence", 4}};
  CHECK(commit(config, late)["result"] == false);

  json resumed = launch(launch_path);
  CHECK(resumed["attempt"] == config["attempt"]);
  CHECK(resumed["resumed"] == true);
  CHECK(resumed["preload"]["cmi.core.entry"] == "resume");
  CHECK(resumed["preload"]["cmi.core.lesson_location"] == "q1");
  CHECK(resumed["preload"]["cmi.suspend_data"] == "{\"q1\":\"b\"}");
  // The old page's session is over.
  CHECK(commit(config, late)["result"] == false);

  json finish = {{"cmi",
                  {{"core",
                    {{"lesson_status", "passed"},
                     {"score", {{"raw", "100"}}},
                     {"exit", ""},
                     {"session_time", "00:00:30"}}}}},
                 {"commitSequence", 1}};
  CHECK(commit(resumed, finish, true)["result"] == true);
  json next = launch(launch_path);
  CHECK(next["attempt"] != config["attempt"]);
  CHECK(next["preload"]["cmi.core.entry"] == "ab-initio");

  auto runtime_state =
      call("GET", "/runtime/" + std::to_string(next["attempt"].get<int>()) + "/state?token=bad", "",
           {}, "");
  CHECK(runtime_state.status == 403);
}

TEST_CASE_METHOD(Fixture, "a 2004 course offers a table of contents and flow navigation",
                 "[player]") {
  std::string id = import("scorm2004-two-scos")["id"];
  auto [registration, launch_path] = register_learner(id);
  json config = launch(launch_path);
  CHECK(config["cmi"] == "2004");
  REQUIRE(config["scos"].size() == 2);
  CHECK(config["controlMode"]["flow"] == true);
  CHECK(config["preload"]["cmi.learner_id"] == "u42");
  json quiz = launch(config["scos"][1]["url"].get<std::string>());
  CHECK(quiz["current"] == 1);
  CHECK(quiz["content"] == "/content/" + id + "/quiz.html");
  CHECK(call("GET", launch_path + "&sco=nope", "", {}, "").status == 404);
}

TEST_CASE_METHOD(Fixture, "2004: manifest launch values, course rollup, course statements",
                 "[player][rollup]") {
  std::string id = import("scorm2004-two-scos")["id"];
  auto [registration, launch_path] = register_learner(id);
  const std::string course_iri = "urn:lrsbridge:course:" + id;
  const std::string status_path =
      "/player/" + registration + "/status" + launch_path.substr(launch_path.find('?'));
  auto progress = [&] {
    auto r = call("GET", status_path, "", {}, "");
    INFO(r.body);
    REQUIRE(r.status == 200);
    json body = json::parse(r.body);
    CHECK(body["navigation"].is_object());
    body.erase("navigation");  // the navigation tests check it
    return body;
  };
  CHECK(progress() == json::parse(R"({"course": {"status": "not attempted"},
    "scos": {"lesson": "not attempted", "quiz": "not attempted"}})"));
  CHECK(call("GET", "/player/" + registration + "/status?token=forged", "", {}, "").status == 403);

  // The lesson: the manifest's launch values are in the CMI and the activity profile.
  json lesson = launch(launch_path);
  CHECK(lesson["preload"]["cmi.launch_data"] == R"({"pages":3})");
  CHECK(lesson["preload"]["cmi.max_time_allowed"] == "PT1H");
  CHECK(lesson["preload"]["cmi.time_limit_action"] == "continue,no message");
  CHECK(lesson["preload"].contains("cmi.completion_threshold"));
  CHECK(lesson["scos"][0]["status"] == "attempted");
  CHECK(lesson["course"]["status"] == "attempted");
  json finish_lesson = {{"cmi",
                         {{"progress_measure", "1"},
                          {"completion_status", "completed"},
                          {"exit", "normal"},
                          {"session_time", "PT1M"}}},
                        {"commitSequence", 1}};
  CHECK(commit(lesson, finish_lesson, true)["result"] == true);
  lrs::DocumentScope lesson_profile{lrs::DocumentKind::kActivityProfile, course_iri + "/sco/lesson",
                                    "", std::nullopt};
  auto doc = db->documents().get(lesson_profile, "https://w3id.org/xapi/scorm/activity-profile");
  REQUIRE(doc);
  REQUIRE(*doc);
  CHECK(json::parse((*doc)->content) == json::parse(R"({"completion_threshold": 1.0,
    "launch_data": "{\"pages\":3}", "max_time_allowed": "PT1H0M0S",
    "time_limit_action": "continue,no message"})"));
  // Half the course's progress; not complete while the quiz is unknown.
  json p = progress();
  CHECK(p["scos"]["lesson"] == "completed");
  CHECK(p["course"]["status"] == "attempted");
  CHECK(p["course"]["progress"] == Approx(0.5));
  auto is_course = [&](const json& s) { return s["object"]["id"] == course_iri; };
  auto all = statements(registration);
  CHECK(std::none_of(all.begin(), all.end(), is_course));

  // The quiz fails first: the course is completed and failed.
  json quiz = launch(lesson["scos"][1]["url"].get<std::string>());
  CHECK(quiz["preload"]["cmi.scaled_passing_score"] == "0.6");
  json fail = {{"cmi",
                {{"score", {{"scaled", "0.4"}}},
                 {"progress_measure", "1"},
                 {"completion_status", "completed"}}},
               {"commitSequence", 1}};
  CHECK(commit(quiz, fail)["result"] == true);
  all = statements(registration);
  std::vector<json> course;
  std::copy_if(all.begin(), all.end(), std::back_inserter(course), is_course);
  REQUIRE(verbs(course) == std::vector<std::string>{"completed", "failed"});
  CHECK(course[1]["result"] == json::parse(R"({"success": false, "score": {"scaled": 0.4}})"));
  CHECK(course[1]["context"]["registration"] == registration);
  CHECK_FALSE(course[1]["context"]["contextActivities"].contains("grouping"));
  // The quiz's success comes from the passing score (RTE 4.2.22.1), not the SCO.
  p = progress();
  CHECK(p["scos"]["quiz"] == "failed");
  CHECK(p["course"] == json::parse(R"({"status": "failed", "score": 0.4, "progress": 1.0})"));

  // A retry of that commit adds nothing; a better score passes the course.
  CHECK(commit(quiz, fail)["result"] == true);
  CHECK(statements(registration).size() == all.size());
  json pass = {{"cmi", {{"score", {{"scaled", "0.9"}}}, {"exit", "normal"}}},
               {"commitSequence", 2}};
  CHECK(commit(quiz, pass, true)["result"] == true);
  all = statements(registration);
  course.clear();
  std::copy_if(all.begin(), all.end(), std::back_inserter(course), is_course);
  CHECK(verbs(course) == std::vector<std::string>{"completed", "failed", "passed"});
  CHECK(progress()["course"]["status"] == "passed");
}

TEST_CASE_METHOD(Fixture, "2004 control modes: flow only, forward only, enforced by the server",
                 "[player][navigation]") {
  const std::string manifest = manifest_2004(R"(<organization identifier="o"><title>Linear</title>
      <item identifier="a" identifierref="r"><title>A</title></item>
      <item identifier="b" identifierref="r"><title>B</title></item>
      <item identifier="c" identifierref="r"><title>C</title></item>
      <imsss:sequencing>
        <imsss:controlMode choice="false" flow="true" forwardOnly="true"/>
      </imsss:sequencing>
    </organization>)");
  auto [registration, launch_path] = register_learner(import_manifest(manifest));
  auto go = [&](const std::string& sco) {
    return call("GET", launch_path + "&sco=" + sco, "", {}, "");
  };
  // Nothing launched yet: only the start of the flow.
  CHECK(go("b").status == 403);
  json a = launch(launch_path);
  CHECK(a["controlMode"] == json::parse(R"({"choice":false,"flow":true,"forward_only":true})"));
  auto skip = go("c");
  CHECK(skip.status == 403);
  CHECK(skip.body.find("navigation from a to c is not allowed") != std::string::npos);
  CHECK(go("b").status == 200);  // flow: the next one
  CHECK(go("b").status == 200);  // a reload of the current one
  CHECK(go("a").status == 403);  // forward only
  CHECK(go("c").status == 200);
}

TEST_CASE_METHOD(Fixture, "sequencing: a shared objective opens a disabled SCO, preloaded",
                 "[player][sequencing]") {
  std::string id = import("scorm2004-shared-objectives")["id"];
  auto [registration, launch_path] = register_learner(id);
  auto go = [&](const std::string& sco) {
    return call("GET", launch_path + "&sco=" + sco, "", {}, "");
  };
  const std::string status_path =
      "/player/" + registration + "/status" + launch_path.substr(launch_path.find('?'));
  auto navigation = [&] {
    return json::parse(call("GET", status_path, "", {}, "").body)["navigation"];
  };

  json before = navigation();
  CHECK(before["next"] == "check");  // the start of the flow
  CHECK(before["scos"]["lab"]["enabled"] == false);
  CHECK(before["scos"]["lab"]["reason"] ==
        "navigation from the start to lab is not allowed: lab is disabled by a precondition rule");
  auto refused = go("lab");
  CHECK(refused.status == 403);
  CHECK(refused.body.find("lab is disabled by a precondition rule") != std::string::npos);

  json check = launch(launch_path);  // starts at the check
  CHECK(check["content"].get<std::string>().find("sco.html?part=check") != std::string::npos);
  CHECK(check["navigation"]["current"] == "check");
  CHECK(check["navigation"]["next"].is_null());  // flow stops at the disabled lab
  CHECK(check["navigation"]["scos"]["recap"]["enabled"] == true);

  // A failed check writes "not satisfied": the lab stays closed.
  json fail = {{"cmi",
                {{"score", {{"scaled", "0"}}},
                 {"success_status", "failed"},
                 {"completion_status", "completed"},
                 {"exit", "normal"}}},
               {"commitSequence", 1}};
  CHECK(commit(check, fail, true)["result"] == true);
  CHECK(go("lab").status == 403);
  json failed = navigation();
  CHECK(failed["scos"]["lab"]["enabled"] == false);
  // Its post-condition rule retries it.
  CHECK(failed["ended"] == true);
  CHECK(failed["after"] ==
        json::parse(R"({"request": "retry", "target": "check", "by": "check"})"));

  // The second attempt passes: the lab opens, with the shared objective preloaded.
  check = launch(launch_path + "&sco=check");
  json pass = {{"cmi",
                {{"score", {{"scaled", "1"}}},
                 {"success_status", "passed"},
                 {"completion_status", "completed"},
                 {"exit", "normal"}}},
               {"commitSequence", 1}};
  CHECK(commit(check, pass, true)["result"] == true);
  json after = navigation();
  CHECK(after["after"]["request"] == "");  // passed: no rule applies
  CHECK(after["next"] == "lab");
  CHECK(after["scos"]["lab"]["enabled"] == true);
  json lab = launch(launch_path + "&sco=lab");
  CHECK(lab["preload"]["cmi.objectives.0.id"] == "mastery-gate");
  CHECK(lab["preload"]["cmi.objectives.0.success_status"] == "passed");
  CHECK(lab["preload"]["cmi.objectives.0.score.scaled"] == "1.0");

  // The module is forwardOnly: from the recap, the lab is behind; the check is not.
  CHECK(go("recap").status == 200);
  auto back = go("lab");
  CHECK(back.status == 403);
  CHECK(back.body.find("module has forwardOnly") != std::string::npos);
  CHECK(navigation()["scos"]["lab"]["enabled"] == false);
  CHECK(navigation()["previous"].is_null());

  // attemptLimit="3": the check's third attempt is its last.
  CHECK(go("check").status == 200);
  CHECK(go("recap").status == 200);
  auto fourth = go("check");
  CHECK(fourth.status == 403);
  CHECK(fourth.body.find("check has used all 3 of its attempts (attemptLimit)") !=
        std::string::npos);
}

TEST_CASE_METHOD(Fixture, "SCORM 1.2 prerequisites gate launches", "[player][sequencing]") {
  const std::string manifest = R"(<manifest identifier="pre" version="1"
      xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
      xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
    <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
    <organizations default="o"><organization identifier="o"><title>Gated</title>
      <item identifier="a" identifierref="r"><title>A</title></item>
      <item identifier="b" identifierref="r"><title>B</title>
        <adlcp:prerequisites type="aicc_script">a</adlcp:prerequisites></item>
      <item identifier="c" identifierref="r"><title>C</title>
        <adlcp:prerequisites type="aicc_script">a &amp; (b | ~b)</adlcp:prerequisites></item>
    </organization></organizations>
    <resources><resource identifier="r" type="webcontent" adlcp:scormtype="sco" href="s.html">
      <file href="s.html"/></resource></resources></manifest>)";
  auto [registration, launch_path] = register_learner(import_manifest(manifest));
  auto go = [&](const std::string& sco) {
    return call("GET", launch_path + "&sco=" + sco, "", {}, "");
  };
  auto refused = go("b");
  CHECK(refused.status == 403);
  CHECK(refused.body.find("b is not available yet: its prerequisites \\\"a\\\" are not met") !=
        std::string::npos);
  json a = launch(launch_path + "&sco=a");
  json done = {{"cmi", {{"core", {{"lesson_status", "completed"}, {"exit", ""}}}}},
               {"commitSequence", 1}};
  CHECK(commit(a, done, true)["result"] == true);
  CHECK(go("b").status == 200);
  CHECK(go("c").status == 200);
}

TEST_CASE_METHOD(Fixture, "concurrent commits to two SCOs produce each course statement once",
                 "[player][rollup]") {
  // Each round, both SCOs of a fresh registration complete at the same moment; the course
  // becomes completed by whichever commit is stored second (and passed by the quiz). Deciding that
  // from statuses read before either commit was stored would miss the course statements
  // (each commit sees the other SCO unfinished) or, timed differently, repeat them.
  std::string id = import("scorm2004-two-scos")["id"];
  const std::string course_iri = "urn:lrsbridge:course:" + id;
  constexpr int kRounds = 25;
  for (int round = 0; round < kRounds; ++round) {
    auto [registration, launch_path] = register_learner(id);
    json lesson = launch(launch_path);
    json quiz = launch(lesson["scos"][1]["url"].get<std::string>());
    const json finish_lesson = {
        {"cmi", {{"progress_measure", "1"}, {"completion_status", "completed"}}},
        {"commitSequence", 1}};
    const json finish_quiz = {{"cmi",
                               {{"score", {{"scaled", "0.9"}}},
                                {"progress_measure", "1"},
                                {"completion_status", "completed"}}},
                              {"commitSequence", 1}};
    // Catch2 assertions are not thread-safe: the threads only call the handler.
    auto request = [](const json& config, const json& body) {
      lrs::HttpRequest r;
      r.method = "POST";
      const std::string url = config["commitUrl"];
      r.path = url.substr(0, url.find('?'));
      r.query = url.substr(url.find('?') + 1);
      r.body = body.dump();
      return r;
    };
    const lrs::HttpRequest to_lesson = request(lesson, finish_lesson);
    const lrs::HttpRequest to_quiz = request(quiz, finish_quiz);
    lrs::HttpResponse lesson_answer;
    lrs::HttpResponse quiz_answer;
    std::atomic<int> ready{0};
    auto fire = [&](const lrs::HttpRequest& r, lrs::HttpResponse& answer) {
      ++ready;
      while (ready.load() < 2) std::this_thread::yield();
      answer = handler->handle(r);
    };
    std::thread a(fire, std::cref(to_lesson), std::ref(lesson_answer));
    std::thread b(fire, std::cref(to_quiz), std::ref(quiz_answer));
    a.join();
    b.join();
    INFO("round " << round << ": " << lesson_answer.body << " " << quiz_answer.body);
    REQUIRE(lesson_answer.status == 200);
    REQUIRE(quiz_answer.status == 200);
    REQUIRE(json::parse(lesson_answer.body)["result"] == true);
    REQUIRE(json::parse(quiz_answer.body)["result"] == true);
    std::vector<json> course;
    for (json& st : statements(registration)) {
      if (st["object"]["id"] == course_iri) course.push_back(std::move(st));
    }
    // The course is passed by the quiz alone, completed by both: in either order.
    std::vector<std::string> seen = verbs(course);
    std::sort(seen.begin(), seen.end());
    REQUIRE(seen == std::vector<std::string>{"completed", "passed"});
  }
}

TEST_CASE_METHOD(Fixture, "selection: each learner gets their draw of the bank, kept on relaunch",
                 "[player][sequencing]") {
  const std::string manifest = manifest_2004(R"(<organization identifier="o"><title>Bank</title>
      <item identifier="intro" identifierref="r"><title>Intro</title></item>
      <item identifier="bank"><title>Questions</title>
        <item identifier="q1" identifierref="r"><title>Q1</title></item>
        <item identifier="q2" identifierref="r"><title>Q2</title></item>
        <item identifier="q3" identifierref="r"><title>Q3</title></item>
        <imsss:sequencing>
          <imsss:randomizationControls selectCount="2" selectionTiming="once"/>
        </imsss:sequencing>
      </item>
      <imsss:sequencing><imsss:controlMode choice="true" flow="true"/></imsss:sequencing>
    </organization>)");
  const std::string package = import_manifest(manifest);
  auto toc_of = [](const json& config) {
    std::vector<std::string> ids;
    for (const auto& s : config["scos"]) ids.push_back(s["identifier"]);
    return ids;
  };
  std::set<std::vector<std::string>> draws;
  for (int learner = 0; learner < 12; ++learner) {
    auto [registration, launch_path] = register_learner(package);
    const json first = launch(launch_path);
    const auto toc = toc_of(first);
    REQUIRE(toc.size() == 3);
    CHECK(toc[0] == "intro");
    CHECK(first["current"] == 0);
    CHECK(toc_of(launch(launch_path)) == toc);  // the same draw on every launch
    std::string left_out;
    for (const char* q : {"q1", "q2", "q3"}) {
      if (std::find(toc.begin(), toc.end(), q) == toc.end()) left_out = q;
    }
    REQUIRE_FALSE(left_out.empty());
    auto refused = call("GET", launch_path + "&sco=" + left_out, "", {}, "");
    CHECK(refused.status == 403);
    CHECK(refused.body.find(left_out + " is not part of this learner's course") !=
          std::string::npos);
    const json chosen = launch(launch_path + "&sco=" + toc[2]);
    CHECK(chosen["current"] == 2);
    draws.insert(toc);
  }
  CHECK(draws.size() >= 2);  // registrations are drawn independently
}

TEST_CASE_METHOD(Fixture, "4th Edition shared objectives carry completion and raw scores",
                 "[player][sequencing]") {
  const std::string manifest = manifest_2004(R"(<organization identifier="o"><title>Maps</title>
      <item identifier="practice" identifierref="r"><title>Practice</title>
        <imsss:sequencing>
          <imsss:objectives>
            <imsss:primaryObjective objectiveID="practice-done"/>
            <imsss:objective objectiveID="drill">
              <imsss:mapInfo targetObjectiveID="g-drill" readSatisfiedStatus="false"
                  readNormalizedMeasure="false"/>
            </imsss:objective>
          </imsss:objectives>
          <adlseq:objectives>
            <adlseq:objective objectiveID="drill">
              <adlseq:mapInfo targetObjectiveID="g-drill" writeCompletionStatus="true"
                  writeRawScore="true" writeMaxScore="true"/>
            </adlseq:objective>
          </adlseq:objectives>
        </imsss:sequencing>
      </item>
      <item identifier="exam" identifierref="r"><title>Exam</title>
        <imsss:sequencing>
          <imsss:objectives>
            <imsss:primaryObjective objectiveID="exam-done"/>
            <imsss:objective objectiveID="drill-result">
              <imsss:mapInfo targetObjectiveID="g-drill"/>
            </imsss:objective>
          </imsss:objectives>
        </imsss:sequencing>
      </item>
      <imsss:sequencing><imsss:controlMode choice="true" flow="true"/></imsss:sequencing>
    </organization>)");
  auto [registration, launch_path] = register_learner(import_manifest(manifest));
  json practice = launch(launch_path);
  CHECK(practice["preload"].value("cmi.objectives._count", "0") == "0");
  json drill = {{"cmi.objectives.0.id", "drill"},
                {"cmi.objectives.0.completion_status", "completed"},
                {"cmi.objectives.0.score.raw", "42"},
                {"cmi.objectives.0.score.max", "50"},
                {"cmi.objectives.0.score.min", "10"},
                {"cmi.exit", "normal"},
                {"commitSequence", 1}};
  CHECK(commit(practice, drill, true)["result"] == true);
  json exam = launch(launch_path + "&sco=exam");
  CHECK(exam["preload"]["cmi.objectives.0.id"] == "drill-result");
  CHECK(exam["preload"]["cmi.objectives.0.completion_status"] == "completed");
  CHECK(exam["preload"]["cmi.objectives.0.score.raw"] == "42.0");
  CHECK(exam["preload"]["cmi.objectives.0.score.max"] == "50.0");
  CHECK_FALSE(exam["preload"].contains("cmi.objectives.0.score.min"));  // not written
  CHECK(exam["preload"].value("cmi.objectives.0.success_status", "") == "unknown");
}

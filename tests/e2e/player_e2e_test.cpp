// End-to-end for the SCORM bridge: the real binary imports a package over HTTP, serves
// its files, launches a registration and takes commits sent the way a browser sends the
// terminate commit (sendBeacon: text/plain body).
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <iterator>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "http_client.h"

using nlohmann::json;

namespace {

const std::string kAdmin = "admin:admin-secret-1";

std::string read_example(const std::string& name) {
  std::ifstream in(std::string(LRS_EXAMPLES_DIR) + "/" + name + ".zip", std::ios::binary);
  REQUIRE(in);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

json page_config(const std::string& html) {
  const std::string marker = "window.LRSB_CONFIG = ";
  auto start = html.find(marker);
  REQUIRE(start != std::string::npos);
  start += marker.size();
  return json::parse(html.substr(start, html.find(";</script>", start) - start));
}

}  // namespace

TEST_CASE("a package is imported, served, launched and committed to over HTTP", "[e2e][player]") {
  std::string dir = e2e::temp_dir();
  {
    e2e::Server server(dir + "/lrs.db", {"--data-dir", dir + "/packages"});
    e2e::HttpClient client(server.port());
    std::vector<std::pair<std::string, std::string>> admin = {
        {"Authorization", e2e::basic_auth(kAdmin)}};

    auto imported = client.request(
        "POST", "/api/packages",
        {{"Authorization", e2e::basic_auth(kAdmin)}, {"Content-Type", "application/zip"}},
        read_example("scorm12-quiz"));
    INFO(imported.body);
    REQUIRE(imported.status == 201);
    std::string id = json::parse(imported.body)["id"];

    auto bad = client.request("POST", "/api/packages", admin, "PK\x03\x04 broken");
    CHECK(bad.status == 400);

    auto file = client.request("GET", "/content/" + id + "/quiz.js", {{"Range", "bytes=0-1"}});
    CHECK(file.status == 206);
    CHECK(file.body.size() == 2);

    auto asset = client.request("GET", "/player/assets/scorm-again.min.js");
    CHECK(asset.status == 200);
    CHECK(asset.body.find("Scorm12API") != std::string::npos);

    json learner = {{"package", id},
                    {"learner", {{"account", {{"homePage", "http://lms.test"}, {"name", "e2e"}}}}}};
    auto reg = client.request("POST", "/api/registrations", admin, learner.dump());
    REQUIRE(reg.status == 201);
    std::string launch = json::parse(reg.body)["launch_url"];
    std::string path = launch.substr(launch.find("/player/"));
    auto page = client.request("GET", path);
    REQUIRE(page.status == 200);
    json config = page_config(page.body);

    json body = {
        {"cmi",
         {{"core",
           {{"lesson_status", "completed"}, {"exit", "suspend"}, {"session_time", "00:00:05"}}}}},
        {"commitSequence", 1}};
    auto beacon = client.request("POST", config["commitUrl"].get<std::string>() + "&terminate=true",
                                 {{"Content-Type", "text/plain;charset=UTF-8"}}, body.dump());
    INFO(beacon.body);
    CHECK(json::parse(beacon.body)["result"] == true);

    std::string registration = json::parse(reg.body)["registration"];
    auto stored = client.request("GET", "/api/registrations/" + registration, admin);
    json attempt = json::parse(stored.body)["attempts"][0];
    CHECK(attempt["state"] == "suspended");
    CHECK(attempt["cmi"]["values"]["cmi.core.lesson_status"] == "completed");
    server.stop();
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("commits reach /xapi/statements as the profile's statements", "[e2e][player]") {
  std::string dir = e2e::temp_dir();
  {
    e2e::Server server(dir + "/lrs.db", {"--data-dir", dir + "/packages"});
    e2e::HttpClient client(server.port());
    std::vector<std::pair<std::string, std::string>> admin = {
        {"Authorization", e2e::basic_auth(kAdmin)}};
    auto imported = client.request(
        "POST", "/api/packages",
        {{"Authorization", e2e::basic_auth(kAdmin)}, {"Content-Type", "application/zip"}},
        read_example("scorm12-quiz"));
    REQUIRE(imported.status == 201);
    std::string id = json::parse(imported.body)["id"];
    json learner = {{"package", id},
                    {"learner", {{"account", {{"homePage", "http://lms.test"}, {"name", "e2e"}}}}}};
    auto reg = client.request("POST", "/api/registrations", admin, learner.dump());
    REQUIRE(reg.status == 201);
    std::string registration = json::parse(reg.body)["registration"];
    std::string launch = json::parse(reg.body)["launch_url"];
    auto page = client.request("GET", launch.substr(launch.find("/player/")));
    REQUIRE(page.status == 200);
    json config = page_config(page.body);

    auto commit = [&](const json& body, bool terminate) {
      auto r = client.request(
          "POST", config["commitUrl"].get<std::string>() + (terminate ? "&terminate=true" : ""),
          {{"Content-Type", "text/plain;charset=UTF-8"}}, body.dump());
      INFO(r.body);
      REQUIRE(r.status == 200);
      return json::parse(r.body)["result"].get<bool>();
    };
    auto statements = [&] {
      auto r = client.request(
          "GET", "/xapi/statements?ascending=true&registration=" + registration,
          {{"Authorization", e2e::basic_auth(kAdmin)}, {"X-Experience-API-Version", "2.0.0"}});
      INFO(r.body);
      REQUIRE(r.status == 200);
      return json::parse(r.body)["statements"];
    };
    auto verbs = [](const json& list) {
      std::vector<std::string> out;
      for (const json& s : list) {
        std::string verb = s["verb"]["id"];
        out.push_back(verb.substr(verb.rfind('/') + 1));
      }
      return out;
    };

    json answer = {{"cmi.core.lesson_status", "incomplete"},
                   {"cmi.core.score.raw", "75"},
                   {"cmi.interactions.0.id", "q1"},
                   {"cmi.interactions.0.type", "true-false"},
                   {"cmi.interactions.0.student_response", "t"},
                   {"commitSequence", 1}};
    CHECK(commit(answer, false));
    std::size_t count = statements().size();
    CHECK(count >= 3);             // initialized, responded, scored
    CHECK(commit(answer, false));  // a retry
    json bad = {{"cmi.core.score.raw", "lots"}, {"commitSequence", 2}};
    CHECK_FALSE(commit(bad, false));
    CHECK(statements().size() == count);

    json finish = {{"cmi.core.lesson_status", "completed"},
                   {"cmi.core.exit", ""},
                   {"cmi.core.session_time", "00:00:05"},
                   {"commitSequence", 3}};
    CHECK(commit(finish, true));
    // The one-SCO course rolls up with its SCO: completed and passed at the course level.
    json all = json::array();
    json course = json::array();
    for (const json& s : statements()) {
      (s["object"]["id"] == "urn:lrsbridge:course:" + id ? course : all).push_back(s);
    }
    CHECK(verbs(course) == std::vector<std::string>{"completed", "passed"});
    std::vector<std::string> got = verbs(all);
    INFO(json(got).dump());
    REQUIRE(got.size() >= 5);
    CHECK(got.front() == "initialized");
    CHECK(got.back() == "terminated");
    // The quiz has a mastery score: 75 >= it turns "completed" into "passed" (SCORM 1.2).
    for (const char* verb : {"initialized", "responded", "scored", "passed", "terminated"}) {
      CHECK(std::count(got.begin(), got.end(), verb) == 1);
    }
    for (const json& s : all) {
      CHECK(s["context"]["registration"] == registration);
      bool attempt = false;
      for (const json& g : s["context"]["contextActivities"]["grouping"]) {
        attempt = attempt || g["id"].get<std::string>().find("?attemptId=") != std::string::npos;
      }
      CHECK(attempt);
    }

    // The profile's documents, as an xAPI client reads them.
    std::string attempt_iri;
    for (const json& g : all.back()["context"]["contextActivities"]["grouping"]) {
      std::string gid = g["id"];
      if (gid.find("?attemptId=") != std::string::npos) attempt_iri = gid;
    }
    REQUIRE(!attempt_iri.empty());
    const std::string sco_iri = attempt_iri.substr(0, attempt_iri.find("?attemptId="));
    auto encode = [](const std::string& text) {
      std::string out;
      for (unsigned char c : text) {
        if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
          out.push_back(static_cast<char>(c));
        } else {
          static constexpr char kHex[] = "0123456789ABCDEF";
          out += {'%', kHex[c >> 4], kHex[c & 15]};
        }
      }
      return out;
    };
    const std::string agent =
        json{{"account", {{"homePage", "http://lms.test"}, {"name", "e2e"}}}}.dump();
    auto get_document = [&](const std::string& target) {
      auto r = client.request(
          "GET", target,
          {{"Authorization", e2e::basic_auth(kAdmin)}, {"X-Experience-API-Version", "2.0.0"}});
      INFO(target << " -> " << r.body);
      REQUIRE(r.status == 200);
      return r;
    };
    auto state = [&](const std::string& activity, const std::string& state_id) {
      return get_document("/xapi/activities/state?activityId=" + encode(activity) +
                          "&agent=" + encode(agent) + "&registration=" + registration +
                          "&stateId=" + encode(state_id));
    };
    auto activity_state = state(sco_iri, "https://w3id.org/xapi/scorm/activity-state");
    CHECK(json::parse(activity_state.body)["attempts"] == json::array({attempt_iri}));
    const std::string etag =
        activity_state.headers.count("etag") != 0 ? activity_state.headers.at("etag") : "";
    CHECK(etag.size() == 42);  // a quoted SHA-1
    json attempt_state =
        json::parse(state(attempt_iri, "https://w3id.org/xapi/scorm/attempt-state").body);
    INFO(attempt_state.dump());
    CHECK(attempt_state.contains("total_time"));
    CHECK(attempt_state.contains("credit"));
    auto profile =
        get_document("/xapi/activities/profile?activityId=" + encode(sco_iri) +
                     "&profileId=" + encode("https://w3id.org/xapi/scorm/activity-profile"));
    CHECK(json::parse(profile.body).is_object());
    server.stop();
  }
  std::filesystem::remove_all(dir);
}

// The relay for wrapped packages over plain requests: keys, origins, sessions that follow
// the LMS's entry, commits through the player's runtime with refused values skipped, and
// the admin /wrap endpoint; on an in-memory SQLite store.
#include "player/relay_handler.h"

#include <filesystem>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "lrs/sqlite_database.h"
#include "lrs/statement_record.h"
#include "lrs/statement_store.h"
#include "lrs/url.h"
#include "lrs/uuid.h"
#include "player/packages.h"
#include "player/wrap.h"
#include "support/basic_auth.h"
#include "test_support.h"

namespace {

using nlohmann::json;
namespace fs = std::filesystem;

const std::string kLms = "https://lms.test/moodle";
const std::string kOrigin = "https://lms.test";

struct Fixture {
  scorm::test::TempDir dir;
  std::unique_ptr<lrs::Database> db;
  std::unique_ptr<lrs::Authenticator> auth;
  std::unique_ptr<player::RelayHandler> relay;
  std::string package;
  std::string key;

  explicit Fixture(const std::string& example = "scorm12-quiz") {
    auto opened = lrs::open_sqlite_database({":memory:", 0, false});
    REQUIRE(opened);
    db = std::move(*opened);
    auto admin = lrs::make_credential("admin", "admin-secret", {"all"}, "admin");
    REQUIRE(admin);
    REQUIRE(db->credentials().add(*admin));
    auth = std::make_unique<lrs::Authenticator>(db->credentials(), std::chrono::hours(1));
    relay = std::make_unique<player::RelayHandler>(
        db->player(), *auth, player::RelayOptions{"http://bridge.test"}, &db->documents());
    auto imported = player::import_package(
        db->player(), dir.path() / "packages",
        scorm::test::read_file(fs::path(LRS_EXAMPLES_DIR) / (example + ".zip")));
    REQUIRE(imported);
    package = imported->record.id;
    auto server = player::server_key(db->player());
    REQUIRE(server);
    key = player::relay_key(*server, package, kLms);
  }

  lrs::HttpResponse call(const std::string& method, const std::string& target,
                         const std::string& body = "", lrs::HeaderList headers = {}) {
    lrs::HttpRequest r;
    r.method = method;
    auto q = target.find('?');
    r.path = target.substr(0, q);
    if (q != std::string::npos) r.query = target.substr(q + 1);
    r.body = body;
    r.headers = std::move(headers);
    REQUIRE(relay->handles(r.path));
    return relay->handle(r);
  }

  std::string auth_query(const std::string& with_key) const {
    return "?key=" + with_key + "&lms=" + lrs::url_encode(kLms);
  }

  lrs::HttpResponse open(const json& body, const std::string& with_key = "") {
    return call("POST",
                "/relay/" + package + "/sessions" + auth_query(with_key.empty() ? key : with_key),
                body.dump(), {{"origin", kOrigin}, {"content-type", "text/plain;charset=UTF-8"}});
  }

  json open_ok(const std::string& learner, const std::string& entry) {
    auto r =
        open({{"sco", "quiz"},
              {"learner_id", learner},
              {"learner_name", "Ada " + learner},
              {"entry", entry},
              {"mode", "normal"},
              {"credit", "credit"},
              {"values", {{"cmi.student_data.mastery_score", "50"}, {"cmi.core.entry", "x"}}}});
    INFO(r.body);
    REQUIRE(r.status == 201);
    return json::parse(r.body);
  }

  lrs::HttpResponse commit(const json& session, const json& body, bool terminate = false,
                           const std::string& token = "") {
    std::string target =
        "/relay/" + package + "/attempts/" +
        std::to_string(session["attempt"].get<std::int64_t>()) + "/commit" + auth_query(key) +
        "&token=" + lrs::url_encode(token.empty() ? session["token"].get<std::string>() : token) +
        "&session=" + std::to_string(session["session"].get<std::int64_t>());
    if (terminate) target += "&terminate=true";
    return call("POST", target, body.dump(), {{"origin", kOrigin}});
  }

  json stored_values(std::int64_t attempt) {
    auto a = db->player().find_attempt(attempt);
    REQUIRE(a);
    REQUIRE(*a);
    return json::parse((*a)->cmi_json)["values"];
  }
};

}  // namespace

TEST_CASE("relay calls need the package's key, and a browser the LMS's origin", "[relay]") {
  Fixture f;
  const json body = {{"sco", "quiz"}, {"learner_id", "u1"}, {"entry", "ab-initio"}};
  auto wrong_key = f.open(body, std::string(64, '0'));
  CHECK(wrong_key.status == 403);
  CHECK(wrong_key.body.find("relay key is not valid") != std::string::npos);

  auto other_origin = f.call("POST", "/relay/" + f.package + "/sessions" + f.auth_query(f.key),
                             body.dump(), {{"origin", "https://evil.test"}});
  CHECK(other_origin.status == 403);
  CHECK(other_origin.body.find("origin https://evil.test may not use this relay") !=
        std::string::npos);
  CHECK_FALSE(other_origin.has_header("Access-Control-Allow-Origin"));

  // The key of this package does not open another one.
  auto other_package =
      f.call("POST", "/relay/0123456789abcdef0123456789abcdef/sessions" + f.auth_query(f.key),
             body.dump());
  CHECK(other_package.status == 403);

  auto no_lms = f.call("POST", "/relay/" + f.package + "/sessions?key=" + f.key, body.dump());
  CHECK(no_lms.status == 400);
  CHECK(no_lms.body.find("lms:") != std::string::npos);

  auto preflight = f.call("OPTIONS", "/relay/" + f.package + "/sessions" + f.auth_query(f.key), "",
                          {{"origin", kOrigin}, {"access-control-request-method", "POST"}});
  CHECK(preflight.status == 204);
  bool allowed = false;
  for (const auto& [name, value] : preflight.headers) {
    if (name == "Access-Control-Allow-Origin") allowed = value == kOrigin;
  }
  CHECK(allowed);
}

TEST_CASE("a relay session names a SCO of the package and the LMS learner", "[relay]") {
  Fixture f;
  auto unknown = f.open({{"sco", "nope"}, {"learner_id", "u1"}});
  CHECK(unknown.status == 400);
  CHECK(unknown.body.find("sco: \\\"nope\\\" is not a SCO") != std::string::npos);
  auto anonymous = f.open({{"sco", "quiz"}, {"learner_id", ""}});
  CHECK(anonymous.status == 400);
  CHECK(anonymous.body.find("learner_id") != std::string::npos);
  auto not_json = f.call("POST", "/relay/" + f.package + "/sessions" + f.auth_query(f.key), "{");
  CHECK(not_json.status == 400);
}

TEST_CASE("relay sessions follow the LMS's entry within one registration per learner", "[relay]") {
  Fixture f;
  json first = f.open_ok("u1", "ab-initio");
  CHECK(first["number"] == 1);
  CHECK(first["resumed"] == false);
  auto reg = f.db->player().find_registration(first["registration"]);
  REQUIRE(reg);
  REQUIRE(*reg);
  json learner = json::parse((*reg)->learner_json);
  CHECK(learner["account"] == json{{"homePage", kLms}, {"name", "u1"}});
  CHECK(learner["name"] == "Ada u1");
  // The LMS's launch values reach the model; elements outside the list do not.
  json values = f.stored_values(first["attempt"]);
  CHECK(values["cmi.student_data.mastery_score"] == "50");
  CHECK(values["cmi.core.student_id"] == "u1");
  CHECK(values["cmi.core.entry"] == "ab-initio");

  auto suspended = f.commit(first,
                            {{"cmi.core.lesson_location", "q1"},
                             {"cmi.suspend_data", "{\"q1\":\"b\"}"},
                             {"cmi.core.exit", "suspend"},
                             {"commitSequence", 1}},
                            true);
  INFO(suspended.body);
  CHECK(json::parse(suspended.body)["result"] == true);

  // Resume: the same attempt, one registration.
  json second = f.open_ok("u1", "resume");
  CHECK(second["registration"] == first["registration"]);
  CHECK(second["attempt"] == first["attempt"]);
  CHECK(second["session"] == 2);
  CHECK(second["resumed"] == true);
  CHECK(f.stored_values(second["attempt"])["cmi.suspend_data"] == "{\"q1\":\"b\"}");

  // The LMS starts over (ab-initio): a new attempt, even though the bridge saw no exit.
  json third = f.open_ok("u1", "ab-initio");
  CHECK(third["number"] == 2);
  CHECK(third["attempt"] != first["attempt"]);

  // Entry "" (a relaunch without suspend): the current attempt goes on.
  json fourth = f.open_ok("u1", "");
  CHECK(fourth["attempt"] == third["attempt"]);
  CHECK(fourth["resumed"] == false);

  // Another learner: another registration.
  json other = f.open_ok("u2", "ab-initio");
  CHECK(other["registration"] != first["registration"]);
}

TEST_CASE("a relayed commit skips what the CMI model refuses and keeps the rest", "[relay]") {
  Fixture f;
  json s = f.open_ok("u1", "ab-initio");
  auto r = f.commit(s, {{"cmi.core.lesson_location", "q2"},
                        {"cmi.core.score.raw", "lots"},  // not a CMIDecimal: 405
                        {"cmi.core.lesson_status", "passed"},
                        {"cmi.core.score.min", "0"},
                        {"cmi.core.credit", "no-credit"},  // read-only: 403
                        {"commitSequence", 1}});
  INFO(r.body);
  CHECK(r.status == 200);
  json answer = json::parse(r.body);
  CHECK(answer["result"] == true);
  REQUIRE(answer["skipped"].size() == 2);
  std::map<std::string, int> codes;
  for (const json& skipped : answer["skipped"]) {
    codes[skipped["element"]] = skipped["errorCode"];
    CHECK_FALSE(skipped["errorMessage"].get<std::string>().empty());
  }
  CHECK(codes["cmi.core.score.raw"] == 405);
  CHECK(codes["cmi.core.credit"] == 403);
  json values = f.stored_values(s["attempt"]);
  CHECK(values["cmi.core.lesson_location"] == "q2");
  CHECK(values["cmi.core.lesson_status"] == "passed");
  CHECK(values["cmi.core.score.min"] == "0");
  CHECK(values["cmi.core.credit"] == "credit");
  CHECK_FALSE(values.contains("cmi.core.score.raw"));

  // The skipped values are kept in a state document of the SCO, learner and registration.
  auto agent = lrs::agent_key(
      json{{"objectType", "Agent"}, {"account", {{"homePage", kLms}, {"name", "u1"}}}});
  REQUIRE(agent);
  lrs::DocumentScope scope{lrs::DocumentKind::kState,
                           "urn:lrsbridge:course:" + f.package + "/sco/quiz", *agent,
                           lrs::Uuid::parse(s["registration"].get<std::string>())};
  auto kept = f.db->documents().get(scope, player::kSkippedStateId);
  REQUIRE(kept);
  REQUIRE(*kept);
  json record = json::parse((*kept)->content);
  REQUIRE(record["skipped"].size() == 2);
  for (const json& entry : record["skipped"]) {
    CHECK(entry["attempt"] == s["attempt"]);
    CHECK(entry["commitSequence"] == 1);
    CHECK(codes[entry["element"].get<std::string>()] == entry["errorCode"].get<int>());
  }
  CHECK(record["skipped"][0]["value"] ==
        (record["skipped"][0]["element"] == "cmi.core.credit" ? "no-credit" : "lots"));

  // The translated statements are stored with the commit (initialized, passed, ...).
  lrs::StatementFilter filter;
  filter.registration = lrs::Uuid::parse(s["registration"].get<std::string>());
  filter.limit = 500;
  auto found = f.db->statements().query(filter);
  REQUIRE(found);
  std::vector<std::string> verbs;
  for (const auto& st : found->statements) {
    json parsed = json::parse(st.body);
    verbs.push_back(parsed["verb"]["id"].get<std::string>());
    CHECK(parsed["actor"]["account"]["homePage"] == kLms);
  }
  CHECK(std::find(verbs.begin(), verbs.end(), "http://adlnet.gov/expapi/verbs/initialized") !=
        verbs.end());
  CHECK(std::find(verbs.begin(), verbs.end(), "http://adlnet.gov/expapi/verbs/passed") !=
        verbs.end());

  // A replay of the same commit is a no-op; a later one without refused values has no list.
  auto replay = f.commit(s, {{"cmi.core.lesson_location", "q2"}, {"commitSequence", 1}});
  CHECK(json::parse(replay.body)["result"] == true);
  auto clean = f.commit(s, {{"cmi.core.lesson_location", "q3"}, {"commitSequence", 2}});
  CHECK(json::parse(clean.body) == json{{"result", true}, {"errorCode", 0}});
}

TEST_CASE("relay commits need the session's token for that package and LMS", "[relay]") {
  Fixture f;
  json mine = f.open_ok("u1", "ab-initio");
  json theirs = f.open_ok("u2", "ab-initio");
  auto r = f.commit(mine, {{"cmi.core.lesson_location", "x"}}, false,
                    theirs["token"].get<std::string>());
  CHECK(r.status == 403);
  CHECK(r.body.find("does not open attempt") != std::string::npos);
  auto missing = f.call("POST",
                        "/relay/" + f.package + "/attempts/999999/commit" + f.auth_query(f.key) +
                            "&token=x&session=1",
                        "{}");
  CHECK(missing.status == 403);
  auto no_session =
      f.call("POST",
             "/relay/" + f.package + "/attempts/1/commit" + f.auth_query(f.key) + "&token=x", "{}");
  CHECK(no_session.status == 400);
}

TEST_CASE("POST /api/packages/{id}/wrap answers the wrapped zip to an admin", "[relay]") {
  Fixture f;
  const std::string target =
      "/api/packages/" + f.package + "/wrap?lms_url=" + lrs::url_encode(kLms);
  auto anonymous = f.call("POST", target);
  CHECK(anonymous.status == 401);
  auto admin = lrs::HeaderList{{"authorization", test_support::basic_auth("admin:admin-secret")}};
  auto r = f.call("POST", target, "", admin);
  CHECK(r.status == 200);
  CHECK(r.body.substr(0, 2) == "PK");
  bool zip_type = false;
  for (const auto& [name, value] : r.headers) {
    if (name == "Content-Type") zip_type = value == "application/zip";
  }
  CHECK(zip_type);
  CHECK(r.body.find("index.lrsbridge-quiz-resource.html") != std::string::npos);
  auto no_lms = f.call("POST", "/api/packages/" + f.package + "/wrap", "", admin);
  CHECK(no_lms.status == 400);
  CHECK(no_lms.body.find("lms_url") != std::string::npos);
  auto unknown =
      f.call("POST", "/api/packages/nope/wrap?lms_url=https%3A%2F%2Flms.test", "", admin);
  CHECK(unknown.status == 404);
}

// Scheduled URL pulls without sockets: URLs, periods, schedule, conditional requests,
// duplicate content, file names and the kept state.
#include "connectors/url_pull.h"

#include <catch2/catch.hpp>

using namespace connectors;

TEST_CASE("pull URLs: https accepted, http refused with the reason unless allowed", "[pull]") {
  auto url = parse_pull_url("https://Moodle.Example.org/exports/c.csv?x=1#top", false);
  REQUIRE(url);
  CHECK(url->host == "moodle.example.org");
  CHECK(url->port == 443);
  CHECK(url->target == "/exports/c.csv?x=1");
  CHECK(url->text() == "https://moodle.example.org/exports/c.csv?x=1");
  auto local = parse_pull_url("https://127.0.0.1:18500", false);
  REQUIRE(local);
  CHECK(local->port == 18500);
  CHECK(local->target == "/");
  CHECK(local->host_header() == "127.0.0.1:18500");
  auto v6 = parse_pull_url("https://[::1]:8443/a.csv", false);
  REQUIRE(v6);
  CHECK(v6->host == "::1");
  CHECK(v6->text() == "https://[::1]:8443/a.csv");

  auto plain = parse_pull_url("http://lms.example.org/a.csv", false);
  REQUIRE_FALSE(plain);
  CHECK(plain.error().message.find("plain http:// is refused because") != std::string::npos);
  CHECK(plain.error().message.find("--allow-http") != std::string::npos);
  auto allowed = parse_pull_url("http://lms.example.org/a.csv", true);
  REQUIRE(allowed);
  CHECK(allowed->port == 80);

  CHECK(parse_pull_url("ftp://x/a.csv", true).error().message.find("not supported") !=
        std::string::npos);
  CHECK(parse_pull_url("lms.example.org/a.csv", false).error().message.find("absolute URL") !=
        std::string::npos);
  CHECK(parse_pull_url("https://user:pw@lms/a.csv", false).error().message.find("--pull-header") !=
        std::string::npos);
  CHECK_FALSE(parse_pull_url("https://lms:99999/a", false));
  CHECK_FALSE(parse_pull_url("https://lms:8x/a", false));
  CHECK_FALSE(parse_pull_url("https:///a", false));
  CHECK_FALSE(parse_pull_url("https://lms/a b.csv", false));
}

TEST_CASE("pull redirects resolve against the answering URL", "[pull]") {
  auto from = *parse_pull_url("https://lms.example.org/report/export.php?id=4", false);
  CHECK(resolve_redirect(from, "https://cdn.example.org/f/1.csv", false)->text() ==
        "https://cdn.example.org/f/1.csv");
  CHECK(resolve_redirect(from, "//cdn.example.org/x.csv", false)->text() ==
        "https://cdn.example.org/x.csv");
  CHECK(resolve_redirect(from, "/files/2.csv", false)->text() ==
        "https://lms.example.org/files/2.csv");
  CHECK(resolve_redirect(from, "download.php?f=3", false)->text() ==
        "https://lms.example.org/report/download.php?f=3");
  CHECK(resolve_redirect(from, "?id=5", false)->text() ==
        "https://lms.example.org/report/export.php?id=5");
  auto downgrade = resolve_redirect(from, "http://lms.example.org/a.csv", false);
  REQUIRE_FALSE(downgrade);
  CHECK(downgrade.error().message.find("plain http:// is refused") != std::string::npos);
  CHECK(resolve_redirect(from, "http://lms.example.org/a.csv", true));
  CHECK_FALSE(resolve_redirect(from, "  ", false));
}

TEST_CASE("pull periods", "[pull]") {
  CHECK(parse_period("15m")->count() == 900);
  CHECK(parse_period("1h")->count() == 3600);
  CHECK(parse_period("1h30m")->count() == 5400);
  CHECK(parse_period("1s")->count() == 1);
  CHECK(parse_period("2d")->count() == 172800);
  CHECK(parse_period("45")->count() == 45);
  for (const char* bad : {"", "0s", "m", "1x", "1h30", "-5m", "1.5h"}) {
    INFO(bad);
    auto p = parse_period(bad);
    REQUIRE_FALSE(p);
    CHECK(p.error().message.find("expected a period like") != std::string::npos);
  }
}

TEST_CASE("pull headers from the command line", "[pull]") {
  auto h = parse_header_line("Authorization:  Bearer abc ");
  REQUIRE(h);
  CHECK(h->first == "Authorization");
  CHECK(h->second == "Bearer abc");
  CHECK_FALSE(parse_header_line("no colon"));
  CHECK_FALSE(parse_header_line("Bad Name: x"));
  CHECK(parse_header_line("If-None-Match: x").error().message.find("set by lrsbridge") !=
        std::string::npos);
}

TEST_CASE("pull schedule: due at once, then once per period whatever the outcome", "[pull]") {
  PullSource source{*parse_pull_url("https://lms/a.csv", false), {}, std::nullopt};
  CHECK(pull_due(source, 1000));
  schedule_next(source, 1000, std::chrono::seconds(900));
  CHECK_FALSE(pull_due(source, 1000));
  CHECK_FALSE(pull_due(source, 1899));
  CHECK(pull_due(source, 1900));
  // Late by three periods: one attempt, then the next a full period later.
  CHECK(pull_due(source, 4600));
  schedule_next(source, 4600, std::chrono::seconds(900));
  CHECK_FALSE(pull_due(source, 5000));
  CHECK(pull_due(source, 5500));
}

TEST_CASE("pull conditional requests and duplicate content", "[pull]") {
  PullState state;
  CHECK(conditional_headers(state).empty());

  PullResponse first{200, "\"v1\"", "Sat, 16 Mar 2024 09:30:00 GMT", "aaaa"};
  auto d1 = decide_pull(state, first);
  CHECK(d1.outcome == PullOutcome::kNew);
  remember_pull(state, first);
  auto headers = conditional_headers(state);
  REQUIRE(headers.size() == 2);
  CHECK(headers[0] == std::make_pair(std::string("If-None-Match"), std::string("\"v1\"")));
  CHECK(headers[1] == std::make_pair(std::string("If-Modified-Since"),
                                     std::string("Sat, 16 Mar 2024 09:30:00 GMT")));

  CHECK(decide_pull(state, {304, "", "", ""}).outcome == PullOutcome::kNotModified);
  remember_pull(state, {304, "\"v1b\"", "", ""});
  CHECK(state.etag == "\"v1b\"");
  CHECK(state.content_sha256 == "aaaa");

  // A server without validators sends the same bytes again: not imported twice.
  PullResponse same{200, "", "", "aaaa"};
  CHECK(decide_pull(state, same).outcome == PullOutcome::kSameContent);
  remember_pull(state, same);
  CHECK(conditional_headers(state).empty());
  CHECK(decide_pull(state, {200, "", "", "bbbb"}).outcome == PullOutcome::kNew);

  auto failed = decide_pull(state, {503, "", "", ""});
  CHECK(failed.outcome == PullOutcome::kFailed);
  CHECK(failed.reason == "HTTP 503");
  PullState before = state;
  remember_pull(state, {503, "\"x\"", "", ""});
  CHECK(state.etag == before.etag);
}

TEST_CASE("pulled file names keep the export's name; the importer sees it unstamped", "[pull]") {
  auto url = *parse_pull_url(
      "https://lms/exports/completion-chem101-20240316_0930-comma_separated.csv?token=1", false);
  std::string name = pulled_file_name(url, 1'710'581'400);  // 2024-03-16T09:30:00Z
  CHECK(name == "completion-chem101-20240316_0930-comma_separated.pulled-20240316T093000Z.csv");
  CHECK(strip_pull_stamp(name) == "completion-chem101-20240316_0930-comma_separated.csv");
  CHECK(strip_pull_stamp("/d/processed/" + name) ==
        "/d/processed/completion-chem101-20240316_0930-comma_separated.csv");
  CHECK(strip_pull_stamp("a.pulled-2024.csv") == "a.pulled-2024.csv");
  CHECK(strip_pull_stamp("plain.csv") == "plain.csv");

  CHECK(pulled_file_name(*parse_pull_url("https://lms.example.org/", false), 0) ==
        "lms.example.org.pulled-19700101T000000Z");
  CHECK(pulled_file_name(*parse_pull_url("https://lms/dl/Grades%20CHEM101.csv", false), 0) ==
        "Grades CHEM101.pulled-19700101T000000Z.csv");
  // Never hidden, partial or outside the folder.
  CHECK(pulled_file_name(*parse_pull_url("https://lms/..%2F.hidden", false), 0) ==
        "_.pulled-19700101T000000Z.hidden");
  CHECK(pulled_file_name(*parse_pull_url("https://lms/x.part", false), 0) ==
        "x.part.pulled-19700101T000000Z.csv");
}

TEST_CASE("pulled file names: the server's suggested name wins over the URL's", "[pull]") {
  CHECK(disposition_file_name(
            "attachment; filename=\"completion-chem101-20240316_0930-comma_separated.csv\"") ==
        "completion-chem101-20240316_0930-comma_separated.csv");
  CHECK(disposition_file_name("attachment; filename=grades.csv") == "grades.csv");
  CHECK(disposition_file_name(
            "attachment; filename=\"a.csv\"; filename*=UTF-8''Notas%20%C3%A1.csv") ==
        "Notas á.csv");
  CHECK(disposition_file_name("attachment; filename=\"../../etc/x.csv\"") == "x.csv");
  CHECK(disposition_file_name("inline").empty());
  CHECK(disposition_file_name("").empty());

  auto url = *parse_pull_url("https://lms/report/completion/export.php?course=4", false);
  CHECK(pulled_file_name(url, 0) == "export.pulled-19700101T000000Z.php");
  std::string named =
      pulled_file_name(url, 0, "completion-chem101-20240316_0930-comma_separated.csv");
  CHECK(named == "completion-chem101-20240316_0930-comma_separated.pulled-19700101T000000Z.csv");
  CHECK(pulled_file_name(url, 0, ".hidden.csv") == "hidden.pulled-19700101T000000Z.csv");
}

TEST_CASE("pull states survive a restart as JSON", "[pull]") {
  std::map<std::string, PullState> states = {{"https://lms/a.csv", {"\"e\"", "lm", "abc"}},
                                             {"https://lms/b.csv", {"", "", "def"}}};
  auto back = parse_pull_states(pull_states_json(states));
  REQUIRE(back);
  REQUIRE(back->size() == 2);
  CHECK(back->at("https://lms/a.csv").etag == "\"e\"");
  CHECK(back->at("https://lms/a.csv").last_modified == "lm");
  CHECK(back->at("https://lms/b.csv").content_sha256 == "def");
  CHECK(parse_pull_states("[1]").error().message.find("unreadable pull state") !=
        std::string::npos);
  CHECK_FALSE(parse_pull_states("{\"u\": {\"etag\": 1}}"));
}

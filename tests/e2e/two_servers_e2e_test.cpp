// Two lrsbridge processes on one PostgreSQL database, as behind a load balancer: what
// one stores the other serves, nothing is lost or duplicated, and a `more` link from
// one continues on the other. Runs in e2e_tests_postgres only (tag [multiprocess]):
// a SQLite file belongs to one process.
#include <atomic>
#include <filesystem>
#include <memory>
#include <set>
#include <thread>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "http_client.h"
#include "lrs/timestamp.h"

using nlohmann::json;

namespace {

const std::vector<std::pair<std::string, std::string>> kHeaders = {
    {"Authorization", e2e::basic_auth("admin:admin-secret-1")},
    {"X-Experience-API-Version", "1.0.3"},
    {"Content-Type", "application/json"}};

json statement(int thread, int n) {
  return {{"actor", {{"mbox", "mailto:t" + std::to_string(thread) + "@example.com"}}},
          {"verb", {{"id", "http://adlnet.gov/expapi/verbs/experienced"}}},
          {"object", {{"id", "http://example.com/page/" + std::to_string(n)}}}};
}

}  // namespace

TEST_CASE("two servers on one database", "[e2e][multiprocess]") {
  std::string dir = e2e::temp_dir();
  std::string db = dir + "/shared";
  // Started at the same moment, as a deployment does: both migrate and ensure the
  // admin credential on one empty database.
  std::unique_ptr<e2e::Server> servers[2];
  e2e::database_url(db);  // the schema, made once: CREATE SCHEMA IF NOT EXISTS races itself
  {
    std::thread other([&] {
      servers[1] = std::make_unique<e2e::Server>(
          db, std::vector<std::string>{"--data-dir", dir + "/packages"});
    });
    servers[0] = std::make_unique<e2e::Server>(
        db, std::vector<std::string>{"--data-dir", dir + "/packages"});
    other.join();
  }
  e2e::Server& first = *servers[0];
  e2e::Server& second = *servers[1];
  const int ports[2] = {first.port(), second.port()};

  constexpr int kThreads = 4, kBatches = 15, kPerBatch = 5;
  std::atomic<int> errors{0};
  std::atomic<int> finished{0};
  std::vector<std::thread> writers;
  for (int t = 0; t < kThreads; ++t) {
    writers.emplace_back([&, t] {
      e2e::HttpClient client(ports[t % 2]);
      for (int b = 0; b < kBatches; ++b) {
        json batch = json::array();
        for (int k = 0; k < kPerBatch; ++k) batch.push_back(statement(t, b * kPerBatch + k));
        if (client.request("POST", "/xapi/statements", kHeaders, batch.dump()).status != 200) {
          ++errors;
        }
      }
      ++finished;
    });
  }
  // A reader pages through while they write, each page from the other server. At the
  // end of what is stored so far (no `more`) it asks again for what was stored since
  // the last statement it saw; once the writers are done, one last pass to the end.
  const std::string kFirst = "/xapi/statements?ascending=true&limit=7";
  std::vector<std::string> seen;
  std::int64_t last_stored = 0;
  std::string last_stored_text;
  e2e::HttpClient readers[2] = {e2e::HttpClient(ports[0]), e2e::HttpClient(ports[1])};
  std::string target = kFirst;
  for (int page = 0; page < 2000; ++page) {
    bool writers_done = finished == kThreads;
    auto r = readers[page % 2].request("GET", target, kHeaders);
    REQUIRE(r.status == 200);
    auto body = json::parse(r.body);
    for (const auto& s : body["statements"]) {
      last_stored_text = s["stored"];
      auto stored = lrs::parse_timestamp_us(last_stored_text);
      REQUIRE(stored);
      CHECK(*stored > last_stored);
      last_stored = *stored;
      seen.push_back(s["id"]);
    }
    target = body["more"].get<std::string>();
    if (target.empty()) {
      if (writers_done) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      target = last_stored == 0 ? kFirst : kFirst + "&since=" + last_stored_text;
    }
  }
  for (auto& w : writers) w.join();
  CHECK(errors == 0);
  std::set<std::string> unique(seen.begin(), seen.end());
  CHECK(unique.size() == seen.size());
  CHECK(unique.size() == static_cast<std::size_t>(kThreads * kBatches * kPerBatch));

  // Consistent-Through from one server covers what the other stored.
  e2e::HttpClient to_first(ports[0]), to_second(ports[1]);
  auto posted = to_first.request("POST", "/xapi/statements", kHeaders, statement(9, 0).dump());
  REQUIRE(posted.status == 200);
  std::string id = json::parse(posted.body)[0];
  auto got = to_second.request("GET", "/xapi/statements?statementId=" + id, kHeaders);
  REQUIRE(got.status == 200);
  auto header = got.header("x-experience-api-consistent-through");
  CHECK(lrs::parse_timestamp_us(header) >=
        lrs::parse_timestamp_us(json::parse(got.body)["stored"].get<std::string>()));
  first.stop();
  second.stop();
  std::filesystem::remove_all(dir);
}

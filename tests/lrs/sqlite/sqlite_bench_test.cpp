// Throughput and size check, run by hand (hidden tag):
//   LRS_BENCH_N=200000 ./lrs_sqlite_tests "[.bench]"
// Set LRS_BENCH_DIR to keep the file somewhere else than the temp directory.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <thread>

#include <catch2/catch.hpp>

#include "sqlite_test_support.h"
#include <sys/stat.h>

namespace lrs::test {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kAgents = 20'000;
constexpr int kVerbs = 12;
constexpr int kActivities = 2'000;
constexpr int kCourses = 40;

std::string agent_key(int a) { return "account:https://lms.example.org|user" + std::to_string(a); }
std::string verb_iri(int v) { return "http://adlnet.gov/expapi/verbs/verb" + std::to_string(v); }
std::string activity_iri(int a) {
  return "https://lms.example.org/course" + std::to_string(a % kCourses) + "/activity" +
         std::to_string(a);
}
std::string course_iri(int c) { return "https://lms.example.org/course" + std::to_string(c); }
Uuid registration_of(std::uint64_t n) { return make_id(0xF000'0000'0000ULL + n / 20); }

// A typical statement: about 700 bytes of compact JSON.
StatementRecord bench_record(std::uint64_t n, std::mt19937_64& rng) {
  int agent = static_cast<int>(rng() % kAgents);
  int verb = static_cast<int>(rng() % kVerbs);
  int activity = static_cast<int>(rng() % kActivities);
  int course = activity % kCourses;
  StatementRecord r;
  r.id = Uuid::random();
  r.verb = verb_iri(verb);
  r.agents = {agent_key(agent)};
  r.related_agents = {"account:https://lrs.example.org|importer"};
  r.activities = {activity_iri(activity)};
  r.related_activities = {course_iri(course)};
  r.registration = registration_of(n);
  r.body =
      R"({"id":")" + r.id.str() + R"(","actor":{"objectType":"Agent","name":"Learner )" +
      std::to_string(agent) + R"(","account":{"homePage":"https://lms.example.org","name":"user)" +
      std::to_string(agent) + R"("}},"verb":{"id":")" + r.verb + R"(","display":{"en-US":"verb )" +
      std::to_string(verb) + R"("}},"object":{"id":")" + activity_iri(activity) +
      R"(","objectType":"Activity","definition":{"name":{"en-US":"Activity )" +
      std::to_string(activity) +
      R"("},"type":"http://adlnet.gov/expapi/activities/lesson"}},"result":{"score":{"scaled":0.85,"raw":85,"min":0,"max":100},"success":true,"completion":true,"duration":"PT12M30S"},"context":{"registration":")" +
      r.registration->str() + R"(","contextActivities":{"parent":[{"id":")" + course_iri(course) +
      R"(","objectType":"Activity"}]},"platform":"lrsbridge","language":"en-US"},"timestamp":"2024-05-01T10:00:00.000Z","authority":{"objectType":"Agent","account":{"homePage":"https://lrs.example.org","name":"importer"}},"version":"1.0.3"})";
  return r;
}

std::uint64_t env_or(const char* name, std::uint64_t fallback) {
  const char* v = std::getenv(name);
  return v != nullptr ? std::stoull(v) : fallback;
}

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

}  // namespace

TEST_CASE("ingest throughput, size and query latency", "[.bench]") {
  const std::uint64_t n = env_or("LRS_BENCH_N", 200'000);
  const char* dir_env = std::getenv("LRS_BENCH_DIR");
  TempDir tmp;
  std::string path = dir_env != nullptr ? std::string(dir_env) + "/bench.db" : tmp.file("bench.db");
  std::remove(path.c_str());
  const StatementStore::SameStatement same = same_content;
  std::size_t body_bytes = 0;
  {
    auto db = open_db(path);
    auto& store = db->statements();
    // 1. Batches of 100 from 4 threads.
    const int kThreads = static_cast<int>(env_or("LRS_BENCH_THREADS", 4));
    auto start = Clock::now();
    std::vector<std::thread> threads;
    std::vector<std::size_t> bytes(kThreads);
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        std::mt19937_64 rng(static_cast<std::uint64_t>(t) + 1);
        for (std::uint64_t i = t * 100; i < n; i += kThreads * 100) {
          std::vector<StatementRecord> batch;
          for (std::uint64_t k = i; k < std::min(n, i + 100); ++k) {
            batch.push_back(bench_record(k, rng));
            bytes[t] += batch.back().body.size();
          }
          REQUIRE(store.insert(std::move(batch), same));
        }
      });
    }
    for (auto& th : threads) th.join();
    double secs = seconds_since(start);
    for (auto b : bytes) body_bytes += b;
    std::printf("batched ingest: %llu statements in %.2f s = %.0f statements/s (avg body %zu B)\n",
                static_cast<unsigned long long>(n), secs, static_cast<double>(n) / secs,
                body_bytes / n);

    // 2. Single-statement inserts from 8 threads for 3 s.
    std::atomic<std::uint64_t> singles{0};
    std::atomic<bool> stop{false};
    threads.clear();
    start = Clock::now();
    for (int t = 0; t < 8; ++t) {
      threads.emplace_back([&, t] {
        std::mt19937_64 rng(static_cast<std::uint64_t>(t) + 100);
        while (!stop) {
          REQUIRE(store.insert({bench_record(n + singles.fetch_add(1), rng)}, same));
        }
      });
    }
    std::this_thread::sleep_for(std::chrono::seconds(3));
    stop = true;
    for (auto& th : threads) th.join();
    secs = seconds_since(start);
    std::printf("single inserts, 8 threads: %.0f statements/s\n",
                static_cast<double>(singles.load()) / secs);
  }
  struct stat st {};
  REQUIRE(stat(path.c_str(), &st) == 0);
  std::uint64_t total = n + env_or("LRS_BENCH_SINGLES_GUESS", 0);
  (void)total;

  // 3. Queries on the reopened file (limit 100).
  auto db = open_db(path);
  auto& store = db->statements();
  std::uint64_t count = 0;
  {
    StatementFilter f;
    f.limit = 1'000'000;
    for (;;) {
      auto page = store.query(f);
      REQUIRE(page);
      count += page->statements.size();
      if (!page->next) break;
      f.after_us = page->next;
    }
  }
  std::printf("file %lld bytes for %llu statements = %.0f bytes/statement (bodies %zu B avg)\n",
              static_cast<long long>(st.st_size), static_cast<unsigned long long>(count),
              static_cast<double>(st.st_size) / static_cast<double>(count), body_bytes / n);

  std::mt19937_64 rng(7);
  struct Kind {
    const char* name;
    std::function<void(StatementFilter&)> set;
  };
  std::vector<Kind> kinds = {
      {"none", [](StatementFilter&) {}},
      {"agent", [&](StatementFilter& f) { f.agent = agent_key(rng() % kAgents); }},
      {"verb", [&](StatementFilter& f) { f.verb = verb_iri(rng() % kVerbs); }},
      {"activity", [&](StatementFilter& f) { f.activity = activity_iri(rng() % kActivities); }},
      {"course related",
       [&](StatementFilter& f) {
         f.activity = course_iri(rng() % kCourses);
         f.related_activities = true;
       }},
      {"registration", [&](StatementFilter& f) { f.registration = registration_of(rng() % n); }},
      {"agent+verb",
       [&](StatementFilter& f) {
         f.agent = agent_key(rng() % kAgents);
         f.verb = verb_iri(rng() % kVerbs);
       }},
      {"verb+course related",
       [&](StatementFilter& f) {
         f.verb = verb_iri(rng() % kVerbs);
         f.activity = course_iri(rng() % kCourses);
         f.related_activities = true;
       }},
      {"activity+registration",
       [&](StatementFilter& f) {
         std::uint64_t k = rng() % n;
         f.activity = activity_iri(static_cast<int>(k % kActivities));
         f.registration = registration_of(k);
       }},
      {"verb, since, ascending",
       [&](StatementFilter& f) {
         f.verb = verb_iri(rng() % kVerbs);
         f.since_us = (*store.consistent_through()) - 60'000'000;
         f.ascending = true;
       }},
  };
  for (auto& kind : kinds) {
    std::vector<double> ms;
    std::size_t rows = 0;
    for (int i = 0; i < 300; ++i) {
      StatementFilter f;
      kind.set(f);
      auto t0 = Clock::now();
      auto page = store.query(f);
      ms.push_back(seconds_since(t0) * 1000);
      REQUIRE(page);
      rows += page->statements.size();
    }
    std::sort(ms.begin(), ms.end());
    std::printf("query %-24s p50 %6.2f ms  p99 %6.2f ms  max %6.2f ms  (avg %zu rows)\n", kind.name,
                ms[ms.size() / 2], ms[ms.size() * 99 / 100], ms.back(), rows / ms.size());
  }
}

}  // namespace lrs::test

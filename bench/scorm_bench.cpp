// scorm-bench: the SCORM bridge's server-side costs, measured in process through the same
// code the HTTP server runs (player::PlayerHandler on a SQLite database file), without
// sockets: what is measured is ours, not the network's.
//
//   scorm-bench make-package OUT.zip MB     writes a SCORM 2004 package of about MB
//                                           megabytes (media files stored as in real
//                                           courses, plus deflated HTML/JS)
//   scorm-bench import PACKAGE.zip          POST /api/packages with the zip: wall time and
//                                           the process's peak RSS (run once per process)
//   scorm-bench commit [--registrations R] [--commits C] [--warmup W]
//                                           R learners x C commits of 20 changed elements
//                                           each (POST /runtime/{attempt}/commit): p50,
//                                           p90, p99, max latency and commits/s. W more
//                                           learners' sessions run first, unmeasured: the
//                                           database's one-time work (the compression
//                                           dictionary is trained once, after 2,000
//                                           statements) is then behind it, as in a server
//                                           that has been running for a while
//
// Output: one line of key=value pairs per run, for bench/scorm.sh to take medians of.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <zip.h>

#include "lrs/auth.h"
#include "lrs/sqlite_database.h"
#include "player/player_handler.h"
#include <sys/resource.h>

namespace {

using nlohmann::json;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr const char* kAdmin = "Basic YmVuY2g6YmVuY2gtc2VjcmV0";  // bench:bench-secret

[[noreturn]] void die(const std::string& message) {
  std::fprintf(stderr, "scorm-bench: %s\n", message.c_str());
  std::exit(1);
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) die("cannot read " + p.string());
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

double process_cpu_ms() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) / 1e6;
}

// CPU time of the threads a commit runs on: the caller's and the database writer's (and
// the read pool's), each thread's CPU clock read with clock_gettime, which is exact to the
// nanosecond even for a thread that is running (/proc/.../schedstat lags by up to a tick).
// The threads are taken once the store is open and before any commit, so background
// threads started later (the statement store's dictionary training) are not among them,
// and the WAL checkpointer is left out by name: their CPU shows in the process CPU time,
// not in the request path's.
class RequestPathCpu {
 public:
  RequestPathCpu() {
    for (const auto& task : fs::directory_iterator("/proc/self/task")) {
      std::ifstream comm(task.path() / "comm");
      std::string name;
      std::getline(comm, name);
      if (name == "lrs-checkpoint") continue;
      // The kernel's clock id of one thread's CPU time (CPUCLOCK_SCHED | CPUCLOCK_PERTHREAD).
      const auto tid = static_cast<clockid_t>(std::stol(task.path().filename().string()));
      clocks_.push_back(static_cast<clockid_t>((~tid) * 8 + 6));
    }
  }
  double ms() const {
    double ns = 0;
    for (clockid_t c : clocks_) {
      timespec t{};
      if (clock_gettime(c, &t) == 0) ns += static_cast<double>(t.tv_sec) * 1e9 + t.tv_nsec;
    }
    return ns / 1e6;
  }

 private:
  std::vector<clockid_t> clocks_;
};

long peak_rss_kib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;  // KiB on Linux
}

// A fresh database and data directory under the system temp dir, removed at exit.
struct Server {
  fs::path dir;
  std::unique_ptr<lrs::Database> db;
  std::unique_ptr<lrs::Authenticator> auth;
  std::unique_ptr<player::PlayerHandler> handler;

  Server() {
    dir = fs::temp_directory_path() / ("scorm-bench-" + std::to_string(std::random_device{}()));
    fs::create_directories(dir);
    lrs::SqliteOptions options;
    options.path = (dir / "lrs.db").string();
    auto opened = lrs::open_sqlite_database(options);
    if (!opened) die("database: " + opened.error().message);
    db = std::move(*opened);
    auto admin = lrs::make_credential("bench", "bench-secret", {"all"}, "bench");
    if (!admin || !db->credentials().add(*admin)) die("cannot add the bench credential");
    auth = std::make_unique<lrs::Authenticator>(db->credentials(), std::chrono::hours(1));
    player::PlayerOptions player_options;
    player_options.data_dir = dir / "packages";
    handler = std::make_unique<player::PlayerHandler>(db->player(), *auth, player_options);
  }
  ~Server() {
    handler.reset();
    auth.reset();
    db.reset();
    std::error_code ec;
    fs::remove_all(dir, ec);
  }

  lrs::HttpResponse call(const std::string& method, const std::string& target, std::string body,
                         bool admin) {
    lrs::HttpRequest r;
    r.method = method;
    auto q = target.find('?');
    r.path = target.substr(0, q);
    if (q != std::string::npos) r.query = target.substr(q + 1);
    r.body = std::move(body);
    if (admin) r.headers.push_back({"authorization", kAdmin});
    return handler->handle(r);
  }
};

// ---------------------------------------------------------------------------------------

constexpr const char* kManifest = R"(<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="bench.large" version="1" xmlns="http://www.imsglobal.org/xsd/imscp_v1p1"
  xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3">
  <metadata><schema>ADL SCORM</schema><schemaversion>2004 4th Edition</schemaversion></metadata>
  <organizations default="o"><organization identifier="o"><title>Large course</title>
    <item identifier="sco" identifierref="r"><title>Lesson</title></item>
  </organization></organizations>
  <resources><resource identifier="r" type="webcontent" adlcp:scormType="sco" href="index.html">
    <file href="index.html"/></resource></resources>
</manifest>
)";

void make_package(const fs::path& out, int megabytes) {
  int error = 0;
  zip_t* zip = zip_open(out.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &error);
  if (zip == nullptr) die("cannot create " + out.string());
  std::vector<std::unique_ptr<std::string>> keep;  // libzip reads sources at close
  auto add = [&](const std::string& name, std::string data, bool store) {
    keep.push_back(std::make_unique<std::string>(std::move(data)));
    zip_source_t* src = zip_source_buffer(zip, keep.back()->data(), keep.back()->size(), 0);
    zip_int64_t index = zip_file_add(zip, name.c_str(), src, ZIP_FL_ENC_UTF_8);
    if (index < 0) die("zip_file_add " + name);
    zip_set_file_compression(zip, static_cast<zip_uint64_t>(index),
                             store ? ZIP_CM_STORE : ZIP_CM_DEFLATE, 0);
  };
  add("imsmanifest.xml", kManifest, false);
  add("index.html", "<!DOCTYPE html><title>Lesson</title><p>Large course</p>", false);
  std::mt19937_64 rng(42);
  // ~5% text (deflated), the rest 4 MiB "videos" (random bytes, stored as media is).
  const std::uint64_t total = static_cast<std::uint64_t>(megabytes) << 20;
  const std::uint64_t text_bytes = total / 20;
  std::string text;
  for (std::uint64_t i = 0; text.size() < text_bytes; ++i) {
    text += "function step" + std::to_string(i) + "(api) { api.SetValue('cmi.location', '" +
            std::to_string(i) + "'); }\n";
  }
  for (std::size_t part = 0; part * (1 << 20) < text.size(); ++part) {
    add("js/part" + std::to_string(part) + ".js", text.substr(part << 20, 1 << 20), false);
  }
  std::uint64_t media = total - text_bytes;
  for (int n = 0; media > 0; ++n) {
    std::uint64_t size = std::min<std::uint64_t>(media, 4 << 20);
    std::string data(size, '\0');
    for (std::uint64_t i = 0; i + 8 <= size; i += 8) {
      const std::uint64_t r = rng();
      std::memcpy(data.data() + i, &r, 8);
    }
    add("media/video" + std::to_string(n) + ".mp4", std::move(data), true);
    media -= size;
  }
  if (zip_close(zip) != 0) die("zip_close: " + std::string(zip_strerror(zip)));
}

void import(const fs::path& package) {
  Server server;
  std::string zip = read_file(package);
  const std::size_t bytes = zip.size();
  const auto start = Clock::now();
  auto r = server.call("POST", "/api/packages", std::move(zip), true);
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (r.status != 201) die("import answered " + std::to_string(r.status) + ": " + r.body);
  std::printf("import zip_mb=%.1f seconds=%.3f peak_rss_mb=%.1f\n", bytes / 1048576.0, seconds,
              peak_rss_kib() / 1024.0);
}

// ---------------------------------------------------------------------------------------

// Commit k of a session: 20 elements whose values all differ from the previous commit's: a
// new interaction (10 elements) and a new learner comment (3), plus location, suspend data,
// progress, score raw and scaled, and two preferences.
json commit_body(int k) {
  const std::string n = std::to_string(k - 1);
  const std::string i = "cmi.interactions." + n + ".";
  const std::string c = "cmi.comments_from_learner." + n + ".";
  const double progress = std::min(1.0, k / 200.0);
  return {{"cmi.location", "page-" + std::to_string(k)},
          {"cmi.suspend_data", std::string(200, static_cast<char>('a' + k % 26)) + n},
          {"cmi.progress_measure", std::to_string(progress)},
          {"cmi.score.raw", std::to_string(k % 100)},
          {"cmi.score.scaled", std::to_string((k % 100) / 100.0)},
          {"cmi.learner_preference.audio_level", std::to_string(1 + k % 5)},
          {"cmi.learner_preference.delivery_speed", std::to_string(1 + k % 3)},
          {i + "id", "q" + n},
          {i + "type", "choice"},
          {i + "description", "Question " + n},
          {i + "timestamp", "2026-11-26T10:00:00Z"},
          {i + "weighting", "1"},
          {i + "objectives.0.id", "obj-" + n},
          {i + "correct_responses.0.pattern", "a[,]b"},
          {i + "learner_response", k % 2 ? "a[,]b" : "c"},
          {i + "result", k % 2 ? "correct" : "incorrect"},
          {i + "latency", "PT" + std::to_string(k % 60 + 1) + "S"},
          {c + "comment", "note " + n},
          {c + "location", "page-" + n},
          {c + "timestamp", "2026-11-26T10:00:00Z"},
          {"commitSequence", k}};
}

void commits(int registrations, int per_registration, int warmup, double slow_ms) {
  Server server;
  auto r = server.call("POST", "/api/packages",
                       read_file(fs::path(LRS_EXAMPLES_DIR) / "scorm2004-two-scos.zip"), true);
  if (r.status != 201) die("import: " + r.body);
  const std::string package = json::parse(r.body)["id"];
  // Wall time per commit, and CPU time of the process (both threads: the request's and
  // the database writer's) over the same interval: on a machine shared with other work the
  // wall time also measures the waiting for a core.
  std::vector<double> ms;
  std::vector<double> cpu_ms;
  std::vector<double> first_cpu_ms;  // the first commit of each session (model from the store)
  std::vector<double> path_cpu_ms;   // request thread + writer, without background threads
  const RequestPathCpu path_cpu;
  ms.reserve(static_cast<std::size_t>(registrations) * per_registration);
  auto start = Clock::now();
  for (int reg = -warmup; reg < registrations; ++reg) {
    if (reg == 0) {
      ms.clear();
      cpu_ms.clear();
      first_cpu_ms.clear();
      path_cpu_ms.clear();
      start = Clock::now();
    }
    json body = {
        {"package", package},
        {"learner",
         {{"account", {{"homePage", "http://lms.bench"}, {"name", "u" + std::to_string(reg)}}},
          {"name", "Learner"}}}};
    auto created = server.call("POST", "/api/registrations", body.dump(), true);
    if (created.status != 201) die("registration: " + created.body);
    std::string launch = json::parse(created.body)["launch_url"];
    launch = launch.substr(launch.find("/player/"));
    auto page = server.call("GET", launch, "", false);
    if (page.status != 200) die("launch: " + page.body);
    const std::string marker = "\"commitUrl\":\"";
    auto at = page.body.find(marker) + marker.size();
    const std::string commit_url = page.body.substr(at, page.body.find('"', at) - at);
    for (int k = 1; k <= per_registration; ++k) {
      std::string text = commit_body(k).dump();
      const double path0 = path_cpu.ms();
      const double cpu0 = process_cpu_ms();
      const auto t0 = Clock::now();
      auto answer = server.call("POST", commit_url, std::move(text), false);
      ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
      cpu_ms.push_back(process_cpu_ms() - cpu0);
      path_cpu_ms.push_back(path_cpu.ms() - path0);
      if (k == 1) first_cpu_ms.push_back(cpu_ms.back());
      if (slow_ms > 0 && reg >= 0 && path_cpu_ms.back() > slow_ms) {
        std::fprintf(
            stderr, "slow commit: session %d commit %d wall_ms=%.3f path_cpu_ms=%.3f cpu_ms=%.3f\n",
            reg, k, ms.back(), path_cpu_ms.back(), cpu_ms.back());
      }
      if (answer.status != 200 || answer.body.find("\"result\":true") == std::string::npos) {
        die("commit " + std::to_string(k) + ": " + answer.body);
      }
    }
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::sort(ms.begin(), ms.end());
  std::sort(cpu_ms.begin(), cpu_ms.end());
  std::sort(first_cpu_ms.begin(), first_cpu_ms.end());
  std::sort(path_cpu_ms.begin(), path_cpu_ms.end());
  auto pct = [](const std::vector<double>& v, double p) {
    return v[std::min(v.size() - 1, static_cast<std::size_t>(p * v.size()))];
  };
  std::printf(
      "commit commits=%zu elements=20 p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f "
      "cpu_p50_ms=%.3f cpu_p99_ms=%.3f path_cpu_p50_ms=%.3f path_cpu_p99_ms=%.3f "
      "first_cpu_p50_ms=%.3f commits_per_s=%.0f\n",
      ms.size(), pct(ms, 0.50), pct(ms, 0.90), pct(ms, 0.99), ms.back(), pct(cpu_ms, 0.50),
      pct(cpu_ms, 0.99), pct(path_cpu_ms, 0.50), pct(path_cpu_ms, 0.99), pct(first_cpu_ms, 0.50),
      ms.size() / seconds);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() == 3 && args[0] == "make-package") {
    make_package(args[1], std::stoi(args[2]));
    return 0;
  }
  if (args.size() == 2 && args[0] == "import") {
    import(args[1]);
    return 0;
  }
  if (!args.empty() && args[0] == "commit") {
    int registrations = 20;
    int per_registration = 100;
    int warmup = 0;
    double slow_ms = 0;
    for (std::size_t i = 1; i + 1 < args.size(); i += 2) {
      if (args[i] == "--registrations")
        registrations = std::stoi(args[i + 1]);
      else if (args[i] == "--commits")
        per_registration = std::stoi(args[i + 1]);
      else if (args[i] == "--warmup")
        warmup = std::stoi(args[i + 1]);
      else if (args[i] == "--slow")
        slow_ms = std::stod(args[i + 1]);
      else
        die("unknown option " + args[i]);
    }
    commits(registrations, per_registration, warmup, slow_ms);
    return 0;
  }
  std::fprintf(stderr,
               "usage: scorm-bench make-package OUT.zip MB | import PACKAGE.zip |\n"
               "       commit [--registrations R] [--commits C] [--warmup W]\n");
  return 2;
}

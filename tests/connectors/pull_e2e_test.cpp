// End-to-end: `lrsbridge watch --pull` fetches a Moodle export over real HTTPS from
// `openssl s_server -WWW` (a self-signed certificate made with the openssl CLI), imports it
// once, skips it while unchanged, and refuses a server its CA file does not vouch for; and
// against a scripted TLS server: redirects, conditional requests, errors and stalls.
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <thread>

#include <catch2/catch.hpp>
#include <openssl/ssl.h>

#include "e2e/http_client.h"
#include "support/cli_run.h"
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace {

const std::string kCompletion = "completion-chem101-20240316_0930-comma_separated.csv";
// This suite's ports: 18500-18599.
constexpr int kFirstPort = 18500;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// A process started by the test, with its output in a file; stopped when the test ends.
class Child {
 public:
  Child(const std::vector<std::string>& argv, const std::string& cwd, const std::string& log)
      : log_(log) {
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (fd < 0 || ::chdir(cwd.c_str()) != 0) ::_exit(127);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      std::vector<char*> args;
      for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      ::execvp(args[0], args.data());
      ::_exit(127);
    }
  }
  ~Child() { stop(); }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  bool running() {
    if (pid_ <= 0) return false;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return false;
    }
    return true;
  }
  // SIGTERM and wait; the exit status, or -1 when it did not exit normally.
  int stop() {
    if (pid_ <= 0) return -1;
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  std::string output() const { return read_file(log_); }

 private:
  pid_t pid_ = -1;
  std::string log_;
};

bool accepts(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

// Waits until `done` holds, up to `seconds`.
template <class F>
bool wait_for(F done, double seconds) {
  auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return done();
}

void make_certificate(const std::string& dir) {
  std::string command =
      "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 "
      "-addext subjectAltName=IP:127.0.0.1 -keyout '" +
      dir + "/key.pem' -out '" + dir + "/cert.pem' >/dev/null 2>&1";
  REQUIRE(std::system(command.c_str()) == 0);
}

lrs::test::CliRun run(const std::vector<std::string>& args) {
  return lrs::test::run_cli(LRSBRIDGE_BINARY, args);
}

struct Dir {
  std::string path = e2e::temp_dir();
  ~Dir() { fs::remove_all(path); }
};

}  // namespace

TEST_CASE("watch --pull imports an HTTPS export once and refuses an untrusted server",
          "[e2e][import][pull]") {
  Dir dir;
  const std::string served = dir.path + "/served";
  const std::string drop = dir.path + "/drop";
  const std::string stranger = dir.path + "/stranger";  // another self-signed CA
  for (const auto& d : {served, drop, stranger}) fs::create_directories(d);
  make_certificate(dir.path);
  make_certificate(stranger);
  fs::copy_file(std::string(LRS_LMS_EXPORTS_DIR) + "/" + kCompletion, served + "/" + kCompletion);

  // A free port from this suite's range (another run may hold one).
  std::unique_ptr<Child> server;
  int port = 0;
  for (int candidate = kFirstPort; candidate < kFirstPort + 20 && port == 0; ++candidate) {
    if (accepts(candidate)) continue;
    server = std::make_unique<Child>(
        std::vector<std::string>{"openssl", "s_server", "-WWW", "-quiet", "-accept",
                                 "127.0.0.1:" + std::to_string(candidate), "-cert",
                                 dir.path + "/cert.pem", "-key", dir.path + "/key.pem"},
        served, dir.path + "/s_server.log");
    if (wait_for([&] { return accepts(candidate) || !server->running(); }, 5) &&
        server->running()) {
      port = candidate;
    }
  }
  INFO(read_file(dir.path + "/s_server.log"));
  REQUIRE(port != 0);
  const std::string url = "https://127.0.0.1:" + std::to_string(port) + "/" + kCompletion;
  const std::string db = "sqlite:" + dir.path + "/lrs.db";

  {
    Child watch({LRSBRIDGE_BINARY, "watch", drop, "--db", db, "--lms-url",
                 "https://moodle.example.org", "--tz", "Europe/Madrid", "--pull", url, "--every",
                 "1s", "--ca-file", dir.path + "/cert.pem", "--settle", "0.2", "--interval", "0.1"},
                dir.path, dir.path + "/watch.log");
    // Imported, then at least two more periods that find the same export.
    bool settled = wait_for(
        [&] {
          std::string out = watch.output();
          auto imported = out.find("statements stored:");
          return imported != std::string::npos &&
                 count(out.substr(imported), "same content as the last fetch") >= 2;
        },
        30);
    CHECK(watch.stop() == 0);
    std::string out = watch.output();
    INFO(out);
    REQUIRE(settled);
    CHECK(count(out, "pulled " + url + " -> ") == 1);
    CHECK(count(out, "statements stored:     4") == 1);
    CHECK(out.find("failed") == std::string::npos);
  }
  std::vector<fs::path> processed;
  for (const auto& e : fs::directory_iterator(drop + "/processed")) processed.push_back(e.path());
  REQUIRE(processed.size() == 1);
  CHECK(processed[0].filename().string().rfind(
            "completion-chem101-20240316_0930-comma_separated.pulled-", 0) == 0);
  CHECK(read_file(processed[0]) == read_file(served + "/" + kCompletion));
  // No download left behind; the kept state names the export's hash.
  for (const auto& e : fs::directory_iterator(drop)) {
    CHECK((e.is_directory() || e.path().filename() == ".lrsbridge-pull.json"));
  }
  CHECK(read_file(drop + "/.lrsbridge-pull.json").find("content_sha256") != std::string::npos);

  // The same statements as importing the file itself: the pulled copy's stamp does not
  // change the course or the ids.
  auto direct = run({"import", served + "/" + kCompletion, "--db", db, "--lms-url",
                     "https://moodle.example.org", "--tz", "Europe/Madrid"});
  INFO(direct.output);
  CHECK(direct.output.find("statements stored:     0") != std::string::npos);
  CHECK(direct.output.find("already present:       4") != std::string::npos);

  // A restart remembers the export: nothing new is placed.
  auto again = run({"watch", drop, "--db", db, "--lms-url", "https://moodle.example.org", "--tz",
                    "Europe/Madrid", "--pull", url, "--every", "1h", "--ca-file",
                    dir.path + "/cert.pem", "--once"});
  INFO(again.output);
  CHECK(again.status == 0);
  CHECK(again.output.find("same content as the last fetch, nothing to import") !=
        std::string::npos);

  // A CA that did not issue the server's certificate: refused, said why, nothing imported.
  const std::string other = dir.path + "/other";
  fs::create_directories(other);
  auto refused = run({"watch", other, "--db", db, "--lms-url", "https://moodle.example.org", "--tz",
                      "Europe/Madrid", "--pull", url, "--every", "1s", "--ca-file",
                      stranger + "/cert.pem", "--once"});
  INFO(refused.output);
  CHECK(refused.status == 1);
  CHECK(refused.output.find(
            "pull " + url + " failed: TLS handshake with 127.0.0.1:" + std::to_string(port) +
            " refused: the server's certificate failed verification") != std::string::npos);
  CHECK(refused.output.find("give that CA with --ca-file") != std::string::npos);
  CHECK(fs::is_empty(other));

  // Plain http is refused before anything starts, with the reason.
  auto plain = run({"watch", other, "--db", db, "--lms-url", "https://moodle.example.org", "--pull",
                    "http://127.0.0.1:" + std::to_string(port) + "/x.csv", "--every", "1m"});
  CHECK(plain.status == 2);
  CHECK(plain.output.find("plain http:// is refused because") != std::string::npos);
  auto twice = run({"watch", other, "--db", db, "--lms-url", "https://moodle.example.org", "--pull",
                    url, "--pull", url, "--every", "1m"});
  CHECK(twice.status == 2);
  CHECK(twice.output.find("is given twice") != std::string::npos);
  auto no_every =
      run({"watch", other, "--db", db, "--lms-url", "https://moodle.example.org", "--pull", url});
  CHECK(no_every.status == 2);
  CHECK(no_every.output.find("--pull needs --every PERIOD") != std::string::npos);

  server->stop();
}

namespace {

// An HTTPS server on loopback whose answers the test scripts, one connection at a time;
// it records every request head it receives.
class ScriptedTlsServer {
 public:
  // Returns the whole response, or "" to hold the connection open without answering.
  using Script = std::function<std::string(const std::string& request_head)>;

  ScriptedTlsServer(const std::string& cert, const std::string& key, Script script)
      : script_(std::move(script)) {
    ctx_ = SSL_CTX_new(TLS_server_method());
    REQUIRE(SSL_CTX_use_certificate_chain_file(ctx_, cert.c_str()) == 1);
    REQUIRE(SSL_CTX_use_PrivateKey_file(ctx_, key.c_str(), SSL_FILETYPE_PEM) == 1);
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int yes = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    for (int candidate = kFirstPort + 50; candidate < kFirstPort + 100; ++candidate) {
      sockaddr_in addr{};
      addr.sin_family = AF_INET;
      addr.sin_port = htons(static_cast<std::uint16_t>(candidate));
      ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
      if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
        port_ = candidate;
        break;
      }
    }
    REQUIRE(port_ != 0);
    REQUIRE(::listen(listen_fd_, 8) == 0);
    thread_ = std::thread([this] { serve(); });
  }
  ~ScriptedTlsServer() {
    stop_ = true;
    thread_.join();
    for (int fd : held_) ::close(fd);
    ::close(listen_fd_);
    SSL_CTX_free(ctx_);
  }
  ScriptedTlsServer(const ScriptedTlsServer&) = delete;
  ScriptedTlsServer& operator=(const ScriptedTlsServer&) = delete;

  int port() const { return port_; }
  std::vector<std::string> requests() {
    std::lock_guard<std::mutex> lock(mutex_);
    return requests_;
  }

 private:
  void serve() {
    while (!stop_) {
      pollfd p{listen_fd_, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      int fd = ::accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) continue;
      timeval limit{2, 0};
      ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
      SSL* ssl = SSL_new(ctx_);
      SSL_set_fd(ssl, fd);
      std::string head;
      if (SSL_accept(ssl) == 1) {
        char buf[4096];
        while (head.find("\r\n\r\n") == std::string::npos) {
          int n = SSL_read(ssl, buf, sizeof buf);
          if (n <= 0) break;
          head.append(buf, static_cast<std::size_t>(n));
        }
      }
      std::string response;
      if (!head.empty()) {
        {
          std::lock_guard<std::mutex> lock(mutex_);
          requests_.push_back(head);
        }
        response = script_(head);
      }
      if (!head.empty() && response.empty()) {
        held_.push_back(fd);  // a stalled server: never answers
        SSL_free(ssl);        // the socket stays open
        continue;
      }
      if (!response.empty()) {
        SSL_write(ssl, response.data(), static_cast<int>(response.size()));
        SSL_shutdown(ssl);
      }
      SSL_free(ssl);
      ::close(fd);
    }
  }

  Script script_;
  SSL_CTX* ctx_ = nullptr;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mutex_;
  std::vector<std::string> requests_;
  std::vector<int> held_;
};

std::string header_of(const std::string& head, const std::string& name) {
  std::string lower_head = head;
  for (auto& c : lower_head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto at = lower_head.find("\r\n" + name + ":");
  if (at == std::string::npos) return "";
  auto start = head.find_first_not_of(' ', at + name.size() + 3);
  return head.substr(start, head.find("\r\n", start) - start);
}

}  // namespace

TEST_CASE("watch --pull follows redirects, sends conditional requests, survives failures",
          "[e2e][import][pull]") {
  Dir dir;
  const std::string drop = dir.path + "/drop";
  fs::create_directories(drop);
  make_certificate(dir.path);
  const std::string body = read_file(std::string(LRS_LMS_EXPORTS_DIR) + "/" + kCompletion);
  ScriptedTlsServer server(
      dir.path + "/cert.pem", dir.path + "/key.pem", [&](const std::string& head) -> std::string {
        std::string line = head.substr(0, head.find("\r\n"));
        if (line == "GET /report/export.php?id=7 HTTP/1.1") {
          return "HTTP/1.1 302 Found\r\nLocation: download.php\r\n"
                 "Content-Length: 0\r\n\r\n";
        }
        if (line == "GET /report/download.php HTTP/1.1") {
          if (header_of(head, "if-none-match") == "\"v1\"") {
            return "HTTP/1.1 304 Not Modified\r\nETag: \"v1\"\r\n\r\n";
          }
          // The export's own name, as LMS download scripts send it.
          return "HTTP/1.1 200 OK\r\nETag: \"v1\"\r\n"
                 "Content-Disposition: attachment; filename=\"" +
                 kCompletion + "\"\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
                 body;
        }
        if (line == "GET /loop HTTP/1.1") {
          return "HTTP/1.1 301 Moved\r\nLocation: /loop\r\n\r\n";
        }
        if (line == "GET /stall HTTP/1.1") return "";
        return "HTTP/1.1 500 Internal Server Error\r\nContent-Length: "
               "0\r\n\r\n";
      });
  const std::string base = "https://127.0.0.1:" + std::to_string(server.port());
  const std::string db = "sqlite:" + dir.path + "/lrs.db";
  Child watch({LRSBRIDGE_BINARY,
               "watch",
               drop,
               "--db",
               db,
               "--lms-url",
               "https://moodle.example.org",
               "--tz",
               "Europe/Madrid",
               "--pull",
               base + "/report/export.php?id=7",
               "--pull",
               base + "/broken",
               "--pull",
               base + "/loop",
               "--pull",
               base + "/stall",
               "--every",
               "1s",
               "--pull-timeout",
               "1",
               "--pull-header",
               "Authorization: Bearer t0ken",
               "--ca-file",
               dir.path + "/cert.pem",
               "--settle",
               "0.2",
               "--interval",
               "0.1"},
              dir.path, dir.path + "/watch.log");
  bool settled = wait_for(
      [&] {
        std::string out = watch.output();
        auto imported = out.find("statements stored:");
        return imported != std::string::npos &&
               count(out.substr(imported), "not modified since last fetch") >= 2 &&
               count(out, "(timed out)") >= 2;
      },
      40);
  CHECK(watch.running());  // failures never stop the watcher
  CHECK(watch.stop() == 0);
  std::string out = watch.output();
  INFO(out);
  REQUIRE(settled);
  CHECK(count(out, "pulled " + base + "/report/export.php?id=7 -> " + drop +
                       "/completion-chem101-20240316_0930-comma_separated.pulled-") == 1);
  CHECK(out.find("course \"chem101\" taken from the file name") != std::string::npos);
  CHECK(count(out, "statements stored:     4") == 1);
  CHECK(count(out, "pull " + base + "/broken failed: the server answered 500 Internal Server " +
                       "Error; next try in 1s") >= 2);
  CHECK(out.find("pull " + base + "/loop failed: " + base + "/loop: more than 5 redirects") !=
        std::string::npos);
  CHECK(out.find("pull " + base +
                 "/stall failed: reading the answer of 127.0.0.1:" + std::to_string(server.port()) +
                 ": no progress for 1 s (timed out)") != std::string::npos);

  auto requests = server.requests();
  std::vector<std::string> export_requests;
  for (const auto& r : requests) {
    if (r.rfind("GET /report/download.php ", 0) == 0) export_requests.push_back(r);
  }
  REQUIRE(export_requests.size() >= 3);
  CHECK(header_of(export_requests[0], "if-none-match").empty());
  CHECK(header_of(export_requests[1], "if-none-match") == "\"v1\"");
  CHECK(header_of(export_requests[0], "authorization") == "Bearer t0ken");
  CHECK(header_of(export_requests[0], "host") == "127.0.0.1:" + std::to_string(server.port()));
  for (const auto& e : fs::directory_iterator(drop)) {
    CHECK((e.is_directory() || e.path().filename() == ".lrsbridge-pull.json"));
  }
}

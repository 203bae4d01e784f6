// A small blocking HTTP/1.1 client over POSIX sockets for end-to-end tests, plus a
// handle on a running lrsbridge process.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <sys/types.h>

namespace e2e {

struct Reply {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::string header(const std::string& lower_name) const;
};

class HttpClient {
 public:
  explicit HttpClient(int port);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends one request on a kept-alive connection (reconnecting when needed).
  Reply request(const std::string& method, const std::string& target,
                const std::vector<std::pair<std::string, std::string>>& headers = {},
                const std::string& body = "");
  // Sends raw bytes on a fresh connection and returns what came back before close
  // (or before `timeout_ms`).
  std::string raw(const std::string& bytes, int timeout_ms = 2000, bool half_close = true);

 private:
  void connect_socket();
  int port_;
  int fd_ = -1;
};

// The --db URL for a server keeping its data at `db_path`: a SQLite file there, or with
// LRS_E2E_DATABASE=postgresql a schema of the test PostgreSQL named after the path (so a
// restart on the same path finds the same data; the throwaway server drops it all).
std::string database_url(const std::string& db_path);

// Starts `lrsbridge serve` on 127.0.0.1 with port 0 and reads the chosen port, on the
// database database_url(db_path).
class Server {
 public:
  Server(const std::string& db_path, const std::vector<std::string>& extra_args = {},
         const std::string& admin = "admin:admin-secret-1");
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  int port() const { return port_; }
  bool alive() const;
  // SIGTERM, then waits; returns the exit status (or -1 when it had to be killed).
  int stop();

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  int stdout_fd_ = -1;
};

std::string basic_auth(const std::string& key_secret);
std::string temp_dir();

// A server on a database in a fresh temporary folder, and a client for it; the server is
// stopped and the folder removed with it. Tests add their own request helpers.
struct TestLrs {
  std::string dir = temp_dir();
  Server server;
  HttpClient client;
  explicit TestLrs(const std::vector<std::string>& extra_args = {})
      : server(dir + "/lrs.db", extra_args), client(server.port()) {}
  ~TestLrs() {
    server.stop();
    std::filesystem::remove_all(dir);
  }
  TestLrs(const TestLrs&) = delete;
  TestLrs& operator=(const TestLrs&) = delete;
};

}  // namespace e2e

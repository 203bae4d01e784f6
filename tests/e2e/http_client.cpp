#include "http_client.h"

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <thread>

#include "support/basic_auth.h"
#include "support/postgres_test_server.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef LRSBRIDGE_BINARY
#error "LRSBRIDGE_BINARY must name the lrsbridge executable"
#endif

namespace e2e {
namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

void send_all(int fd, const std::string& data) {
  std::size_t sent = 0;
  while (sent < data.size()) {
    ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) throw std::runtime_error("send failed: " + std::string(std::strerror(errno)));
    sent += static_cast<std::size_t>(n);
  }
}

}  // namespace

std::string Reply::header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? "" : it->second;
}

HttpClient::HttpClient(int port) : port_(port) {}
HttpClient::~HttpClient() {
  if (fd_ >= 0) ::close(fd_);
}

void HttpClient::connect_socket() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port_));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    throw std::runtime_error("connect failed: " + std::string(std::strerror(errno)));
  }
}

Reply HttpClient::request(const std::string& method, const std::string& target,
                          const std::vector<std::pair<std::string, std::string>>& headers,
                          const std::string& body) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (fd_ < 0) connect_socket();
    std::string req = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    for (const auto& [n, v] : headers) req += n + ": " + v + "\r\n";
    if (!body.empty() || method == "POST" || method == "PUT") {
      req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    }
    req += "\r\n" + body;
    try {
      send_all(fd_, req);
    } catch (const std::exception&) {
      ::close(fd_);
      fd_ = -1;
      continue;
    }
    std::string buf;
    char chunk[65536];
    std::size_t header_end = std::string::npos;
    while ((header_end = buf.find("\r\n\r\n")) == std::string::npos) {
      ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n <= 0) break;
      buf.append(chunk, static_cast<std::size_t>(n));
    }
    if (header_end == std::string::npos) {
      ::close(fd_);
      fd_ = -1;
      if (buf.empty() && attempt == 0) continue;  // stale keep-alive connection
      throw std::runtime_error("connection closed before a response");
    }
    Reply reply;
    std::string head = buf.substr(0, header_end);
    reply.status = std::atoi(head.substr(9, 3).c_str());
    std::size_t pos = head.find("\r\n");
    while (pos != std::string::npos && pos < head.size()) {
      std::size_t next = head.find("\r\n", pos + 2);
      std::string line =
          head.substr(pos + 2, next == std::string::npos ? std::string::npos : next - pos - 2);
      auto colon = line.find(':');
      if (colon != std::string::npos) {
        std::string value = line.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') value.erase(0, 1);
        reply.headers[lower(line.substr(0, colon))] = value;
      }
      pos = next;
    }
    std::size_t length =
        static_cast<std::size_t>(std::atoll(reply.header("content-length").c_str()));
    if (method == "HEAD") length = 0;
    std::string rest = buf.substr(header_end + 4);
    while (rest.size() < length) {
      ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n <= 0) throw std::runtime_error("connection closed in the body");
      rest.append(chunk, static_cast<std::size_t>(n));
    }
    reply.body = rest.substr(0, length);
    if (lower(reply.header("connection")) == "close") {
      ::close(fd_);
      fd_ = -1;
    }
    return reply;
  }
  throw std::runtime_error("request failed twice");
}

std::string HttpClient::raw(const std::string& bytes, int timeout_ms, bool half_close) {
  HttpClient fresh(port_);
  fresh.connect_socket();
  send_all(fresh.fd_, bytes);
  if (half_close) ::shutdown(fresh.fd_, SHUT_WR);
  std::string out;
  char chunk[4096];
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fresh.fd_, POLLIN, 0};
    int left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                    deadline - std::chrono::steady_clock::now())
                                    .count());
    if (::poll(&p, 1, std::max(left, 1)) <= 0) break;
    ssize_t n = ::recv(fresh.fd_, chunk, sizeof chunk, 0);
    if (n <= 0) break;
    out.append(chunk, static_cast<std::size_t>(n));
  }
  return out;
}

std::string database_url(const std::string& db_path) {
  const char* backend = std::getenv("LRS_E2E_DATABASE");
  if (backend == nullptr || std::string(backend) == "sqlite") return "sqlite:" + db_path;
  if (std::string(backend) != "postgresql") {
    throw std::runtime_error("LRS_E2E_DATABASE must be sqlite or postgresql");
  }
  std::string url = test_support::postgres_test_url();
  std::string schema = "e2e_" + std::to_string(std::hash<std::string>{}(db_path));
  test_support::postgres_admin(url, "CREATE SCHEMA IF NOT EXISTS " + schema);
  return test_support::postgres_url_in_schema(url, schema);
}

Server::Server(const std::string& db_path, const std::vector<std::string>& extra_args,
               const std::string& admin) {
  std::string db_url = database_url(db_path);
  int out[2];
  if (::pipe(out) != 0) throw std::runtime_error("pipe failed");
  pid_ = ::fork();
  if (pid_ == 0) {
    ::dup2(out[1], STDOUT_FILENO);
    ::close(out[0]);
    ::close(out[1]);
    ::setenv("LRSBRIDGE_ADMIN", admin.c_str(), 1);
    std::vector<std::string> args = {LRSBRIDGE_BINARY, "serve",       "--db",           db_url,
                                     "--listen",       "127.0.0.1:0", "--no-access-log"};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    std::_Exit(127);
  }
  ::close(out[1]);
  stdout_fd_ = out[0];
  std::string seen;
  char c;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{stdout_fd_, POLLIN, 0};
    if (::poll(&p, 1, 200) <= 0) continue;
    if (::read(stdout_fd_, &c, 1) != 1) break;
    seen.push_back(c);
    if (c == '\n') {
      auto at = seen.find("listening on 127.0.0.1:");
      if (at != std::string::npos) {
        port_ = std::atoi(seen.c_str() + at + 23);
        return;
      }
      seen.clear();
    }
  }
  stop();
  throw std::runtime_error("lrsbridge did not start (no 'listening on' line)");
}

Server::~Server() {
  if (pid_ > 0) stop();
  if (stdout_fd_ >= 0) ::close(stdout_fd_);
}

bool Server::alive() const {
  return pid_ > 0 && ::kill(pid_, 0) == 0 && ::waitpid(pid_, nullptr, WNOHANG) == 0;
}

int Server::stop() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  int status = 0;
  for (int i = 0; i < 300; ++i) {
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  return -1;
}

std::string basic_auth(const std::string& key_secret) {
  return test_support::basic_auth(key_secret);
}

std::string temp_dir() {
  char tmpl[] = "/tmp/lrsbridge-e2e-XXXXXX";
  char* dir = ::mkdtemp(tmpl);
  if (dir == nullptr) throw std::runtime_error("mkdtemp failed");
  return dir;
}

}  // namespace e2e

// The HTTP/1.1 server: Beast sessions on an io_context, handlers on a worker pool.
//
// Handlers are plain functions of lrs::HttpRequest; they may block (database calls), so
// they run on `worker_threads` threads and never on the threads that accept and read.
// Keep-alive, a body size limit (413), header and idle timeouts, and a graceful stop:
// stop() closes the listener, lets requests already read finish and be answered, then
// returns from run(). Only this file and http_server.cpp see Beast.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "lrs/http_message.h"

namespace app {

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;  // 0 picks a free port; see HttpServer::port()
  std::size_t body_limit = 16 * 1024 * 1024;
  std::size_t header_limit = 16 * 1024;
  int io_threads = 1;
  int worker_threads = 8;
  std::chrono::seconds idle_timeout{30};  // reading a request, writing a response
  bool access_log = true;
};

using RequestHandler = std::function<lrs::HttpResponse(const lrs::HttpRequest&)>;

class HttpServer {
 public:
  // Binds and listens; throws std::runtime_error naming the address when it can't.
  HttpServer(HttpServerOptions options, RequestHandler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  std::uint16_t port() const;
  // Serves until stop() or SIGINT/SIGTERM; returns once in-flight requests are answered.
  void run();
  // Thread-safe; may be called from a handler or a signal.
  void stop();

  struct Impl;  // public only so the .cpp's session class can name it

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace app

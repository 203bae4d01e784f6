#include "http_server.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <ctime>
#include <stdexcept>
#include <thread>
#include <vector>

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "lrs/clock.h"
#include "lrs/text.h"
#include "lrs/url.h"

namespace app {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

}  // namespace

struct HttpServer::Impl {
  HttpServerOptions options;
  RequestHandler handler;
  net::io_context ioc;
  net::thread_pool workers;
  tcp::acceptor acceptor;
  net::signal_set signals;
  std::atomic<int> in_flight{0};
  std::atomic<bool> stopping{false};

  Impl(HttpServerOptions o, RequestHandler h)
      : options(std::move(o)),
        handler(std::move(h)),
        ioc(options.io_threads),
        workers(static_cast<std::size_t>(std::max(1, options.worker_threads))),
        acceptor(ioc),
        signals(ioc, SIGINT, SIGTERM) {}

  void log(const lrs::HttpRequest& req, const std::string& target, int status, std::size_t bytes,
           std::chrono::steady_clock::duration took) {
    if (!options.access_log) return;
    std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    char when[32];
    std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    double ms = std::chrono::duration<double, std::milli>(took).count();
    // One fprintf per line: POSIX stdio locks the stream, so lines never interleave.
    std::fprintf(stderr, "%s %s \"%s %s\" %d %zu %.2fms\n", when, req.remote.c_str(),
                 req.method.c_str(), target.c_str(), status, bytes, ms);
  }

  void begin_stop() {
    if (stopping.exchange(true)) return;
    net::post(ioc, [this] {
      beast::error_code ec;
      acceptor.close(ec);
      signals.cancel(ec);
      wait_for_drain();
    });
  }

  void wait_for_drain() {
    if (in_flight.load() == 0) {
      ioc.stop();
      return;
    }
    auto timer = std::make_shared<net::steady_timer>(ioc, std::chrono::milliseconds(10));
    timer->async_wait([this, timer](beast::error_code) { wait_for_drain(); });
  }

  void do_accept();
};

namespace {

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, HttpServer::Impl& server)
      : stream_(std::move(socket)), server_(server) {
    beast::error_code ec;
    auto endpoint = stream_.socket().remote_endpoint(ec);
    if (!ec) remote_ = endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
  }

  void start() {
    net::dispatch(stream_.get_executor(),
                  beast::bind_front_handler(&Session::do_read, shared_from_this()));
  }

 private:
  void do_read() {
    parser_.emplace();
    parser_->body_limit(server_.options.body_limit);
    parser_->header_limit(static_cast<std::uint32_t>(server_.options.header_limit));
    stream_.expires_after(server_.options.idle_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&Session::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
        ec == net::error::connection_reset || ec == net::error::operation_aborted ||
        ec == net::error::eof) {
      return close();
    }
    if (ec == http::error::body_limit) {
      return send_error(413, "request body exceeds the limit of " +
                                 std::to_string(server_.options.body_limit) + " bytes");
    }
    if (ec == http::error::header_limit) {
      return send_error(431, "request headers exceed the limit of " +
                                 std::to_string(server_.options.header_limit) + " bytes");
    }
    if (ec) return send_error(400, "malformed HTTP request: " + ec.message());

    auto req = parser_->release();
    auto request = std::make_shared<lrs::HttpRequest>();
    request->method = std::string(req.method_string());
    std::string_view target(req.target().data(), req.target().size());
    target_ = std::string(target);
    auto qmark = target.find('?');
    auto path = lrs::url_decode(target.substr(0, qmark), false);
    if (!path)
      return send_error(400, "malformed request path (bad percent-encoding or invalid UTF-8)");
    request->path = std::move(*path);
    if (qmark != std::string_view::npos) request->query = std::string(target.substr(qmark + 1));
    for (const auto& field : req) {
      auto name = field.name_string();
      request->headers.emplace_back(lrs::to_lower(std::string_view(name.data(), name.size())),
                                    std::string(field.value()));
    }
    request->body = std::move(req.body());
    request->remote = remote_;
    keep_alive_ = req.keep_alive();
    version_ = req.version();
    head_ = req.method() == http::verb::head;
    started_ = std::chrono::steady_clock::now();

    ++server_.in_flight;
    auto self = shared_from_this();
    net::post(server_.workers, [self, request] {
      lrs::HttpResponse response;
      try {
        response = self->server_.handler(*request);
      } catch (const std::exception& e) {
        response = lrs::error_response(
            {lrs::ErrorCode::kInternal, std::string("internal error: ") + e.what()});
      }
      self->server_.log(*request, self->target_, response.status, response.body.size(),
                        std::chrono::steady_clock::now() - self->started_);
      net::post(self->stream_.get_executor(),
                [self, r = std::move(response)]() mutable { self->write(std::move(r)); });
    });
  }

  void write(lrs::HttpResponse response) {
    auto res = std::make_shared<http::response<http::string_body>>();
    res->version(version_);
    res->result(static_cast<unsigned>(response.status));
    res->set(http::field::server, "lrsbridge");
    // Clients (the ADL suite among them) compare Date with Consistent-Through.
    res->set(http::field::date, lrs::http_date(lrs::current_time_us()));
    for (auto& [name, value] : response.headers) res->set(name, value);
    bool keep = keep_alive_ && !server_.stopping.load();
    res->keep_alive(keep);
    if (head_) {
      res->set(http::field::content_length, std::to_string(response.body.size()));
    } else {
      res->body() = std::move(response.body);
      res->prepare_payload();
    }
    stream_.expires_after(server_.options.idle_timeout);
    http::async_write(stream_, *res,
                      [self = shared_from_this(), res, keep](beast::error_code ec, std::size_t) {
                        --self->server_.in_flight;
                        if (ec || !keep) return self->close();
                        self->do_read();
                      });
  }

  // Protocol-level errors found before a handler runs: answer and close, because the
  // rest of the stream can't be trusted to be at a message boundary.
  void send_error(int status, const std::string& message) {
    ++server_.in_flight;
    keep_alive_ = false;
    head_ = false;
    if (version_ == 0) version_ = 11;
    auto response = lrs::error_response({lrs::ErrorCode::kInvalid, message});
    response.status = status;
    write(std::move(response));
  }

  void close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  beast::tcp_stream stream_;
  HttpServer::Impl& server_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::string remote_;
  std::string target_;
  bool keep_alive_ = false;
  bool head_ = false;
  unsigned version_ = 11;
  std::chrono::steady_clock::time_point started_;
};

}  // namespace

void HttpServer::Impl::do_accept() {
  acceptor.async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
    if (ec) {
      if (!acceptor.is_open()) return;  // stopping
    } else if (stopping.load()) {
      return;
    } else {
      std::make_shared<Session>(std::move(socket), *this)->start();
    }
    do_accept();
  });
}

HttpServer::HttpServer(HttpServerOptions options, RequestHandler handler)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler))) {
  beast::error_code ec;
  auto address = net::ip::make_address(impl_->options.host, ec);
  if (ec) throw std::runtime_error("invalid listen address \"" + impl_->options.host + "\"");
  tcp::endpoint endpoint(address, impl_->options.port);
  std::string where = impl_->options.host + ":" + std::to_string(impl_->options.port);
  impl_->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl_->acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) impl_->acceptor.bind(endpoint, ec);
  if (!ec) impl_->acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) throw std::runtime_error("cannot listen on " + where + ": " + ec.message());
}

HttpServer::~HttpServer() { impl_->workers.join(); }

std::uint16_t HttpServer::port() const { return impl_->acceptor.local_endpoint().port(); }

void HttpServer::run() {
  impl_->signals.async_wait([this](beast::error_code ec, int) {
    if (!ec) impl_->begin_stop();
  });
  impl_->do_accept();
  std::vector<std::thread> extra;
  for (int i = 1; i < impl_->options.io_threads; ++i)
    extra.emplace_back([this] { impl_->ioc.run(); });
  impl_->ioc.run();
  for (auto& t : extra) t.join();
  impl_->workers.join();
}

void HttpServer::stop() { impl_->begin_stop(); }

}  // namespace app

#include "url_fetch.h"

#include <array>
#include <cstdio>
#include <fstream>
#include <limits>
#include <optional>
#include <stdexcept>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

namespace app {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using asio::awaitable;
using asio::ip::tcp;
using Headers = std::vector<std::pair<std::string, std::string>>;

// A step that failed, with the reason for the log.
struct StepFailed : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// What one request/response exchange answered.
struct Hop {
  int status = 0;
  std::string reason;
  std::string location;
  std::string etag;
  std::string last_modified;
  std::string content_disposition;
};

std::string why(const beast::error_code& ec, std::chrono::seconds timeout) {
  if (ec == beast::error::timeout) {
    return "no progress for " + std::to_string(timeout.count()) + " s (timed out)";
  }
  return ec.message();
}

bool is_ip_literal(const std::string& host) {
  beast::error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

template <class Stream>
awaitable<Hop> exchange(Stream& stream, beast::tcp_stream& tcp, const connectors::PullUrl& url,
                        const Headers& headers, const std::filesystem::path& body_path,
                        std::chrono::seconds timeout) {
  http::request<http::empty_body> request{http::verb::get, url.target, 11};
  request.set(http::field::host, url.host_header());
  request.set(http::field::user_agent, "lrsbridge/0.1");
  request.set(http::field::connection, "close");
  for (const auto& [name, value] : headers) request.set(name, value);
  beast::error_code ec;
  tcp.expires_after(timeout);
  co_await http::async_write(stream, request, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) throw StepFailed("sending the request to " + url.host_header() + ": " + why(ec, timeout));

  beast::flat_buffer buffer;
  http::response_parser<http::file_body> parser;
  // Streamed to disk, so no limit (exports of a million rows are large). Not boost::none:
  // Boost 1.74 compares a Content-Length against an empty limit as exceeding it.
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  tcp.expires_after(timeout);
  co_await http::async_read_header(stream, buffer, parser,
                                   asio::redirect_error(asio::use_awaitable, ec));
  if (ec) throw StepFailed("reading the answer of " + url.host_header() + ": " + why(ec, timeout));
  const auto& head = parser.get();
  Hop hop;
  hop.status = static_cast<int>(head.result_int());
  hop.reason = std::string(head.reason());
  hop.location = std::string(head[http::field::location]);
  hop.etag = std::string(head[http::field::etag]);
  hop.last_modified = std::string(head[http::field::last_modified]);
  hop.content_disposition = std::string(head[http::field::content_disposition]);
  if (hop.status != 200) co_return hop;

  parser.get().body().open(body_path.c_str(), beast::file_mode::write, ec);
  if (ec) throw StepFailed("cannot write " + body_path.string() + ": " + ec.message());
  while (!parser.is_done()) {
    tcp.expires_after(timeout);
    co_await http::async_read_some(stream, buffer, parser,
                                   asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      throw StepFailed("reading the body from " + url.host_header() + ": " + why(ec, timeout) +
                       " (the partial download was discarded)");
    }
  }
  parser.get().body().close();
  co_return hop;
}

// Trust and name checks on one TLS connection: the chain must lead to a trusted CA and the
// certificate must name the host (DNS name, or IP address for an IP literal).
void verify_peer_as(ssl::stream<beast::tcp_stream>& stream, const std::string& host) {
  SSL* native = stream.native_handle();
  X509_VERIFY_PARAM* param = SSL_get0_param(native);
  X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  bool ok = is_ip_literal(host) ? X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str()) == 1
                                : X509_VERIFY_PARAM_set1_host(param, host.c_str(), 0) == 1 &&
                                      SSL_set_tlsext_host_name(native, host.c_str()) == 1;
  if (!ok) throw StepFailed("cannot set up the certificate check for " + host);
  stream.set_verify_mode(ssl::verify_peer);
}

awaitable<Hop> one_hop(ssl::context& tls, connectors::PullUrl url, Headers headers,
                       std::filesystem::path body_path, std::chrono::seconds timeout) {
  auto executor = co_await asio::this_coro::executor;
  beast::error_code ec;
  tcp::resolver resolver(executor);
  auto endpoints = co_await resolver.async_resolve(url.host, std::to_string(url.port),
                                                   asio::redirect_error(asio::use_awaitable, ec));
  if (ec) throw StepFailed("cannot resolve " + url.host + ": " + ec.message());
  std::string where = url.host_header();
  if (url.scheme == "http") {
    beast::tcp_stream tcp(executor);
    tcp.expires_after(timeout);
    co_await tcp.async_connect(endpoints, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) throw StepFailed("cannot connect to " + where + ": " + why(ec, timeout));
    co_return co_await exchange(tcp, tcp, url, headers, body_path, timeout);
  }
  ssl::stream<beast::tcp_stream> stream(executor, tls);
  verify_peer_as(stream, url.host);
  stream.next_layer().expires_after(timeout);
  co_await stream.next_layer().async_connect(endpoints,
                                             asio::redirect_error(asio::use_awaitable, ec));
  if (ec) throw StepFailed("cannot connect to " + where + ": " + why(ec, timeout));
  stream.next_layer().expires_after(timeout);
  co_await stream.async_handshake(ssl::stream_base::client,
                                  asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    long verify = SSL_get_verify_result(stream.native_handle());
    if (verify != X509_V_OK) {
      bool wrong_name =
          verify == X509_V_ERR_HOSTNAME_MISMATCH || verify == X509_V_ERR_IP_ADDRESS_MISMATCH;
      throw StepFailed("TLS handshake with " + where +
                       " refused: the server's certificate failed verification (" +
                       X509_verify_cert_error_string(verify) + ")" +
                       (wrong_name ? "; it is not issued for " + url.host
                                   : "; if a private CA issued it, give that CA with --ca-file"));
    }
    throw StepFailed("TLS handshake with " + where + " failed: " + why(ec, timeout));
  }
  // Connection: close and a fresh connection per fetch: no TLS shutdown to wait for.
  co_return co_await exchange(stream, stream.next_layer(), url, headers, body_path, timeout);
}

std::optional<std::string> sha256_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  std::array<char, 65536> buffer;
  while (in.read(buffer.data(), buffer.size()) || in.gcount() > 0) {
    EVP_DigestUpdate(ctx, buffer.data(), static_cast<std::size_t>(in.gcount()));
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(ctx, digest, &length);
  EVP_MD_CTX_free(ctx);
  std::string hex;
  char pair[3];
  for (unsigned int i = 0; i < length; ++i) {
    std::snprintf(pair, sizeof pair, "%02x", digest[i]);
    hex += pair;
  }
  return hex;
}

bool same_origin(const connectors::PullUrl& a, const connectors::PullUrl& b) {
  return a.scheme == b.scheme && a.host == b.host && a.port == b.port;
}

}  // namespace

lrs::Result<FetchResult> fetch_export(const FetchRequest& request) {
  using lrs::ErrorCode;
  ssl::context tls(ssl::context::tls_client);
  tls.set_options(ssl::context::no_sslv2 | ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                  ssl::context::no_tlsv1_1);
  beast::error_code ec;
  if (request.ca_file.empty()) {
    tls.set_default_verify_paths(ec);
    if (ec)
      return lrs::fail(ErrorCode::kInternal, "cannot load the system's CA store: " + ec.message());
  } else {
    tls.load_verify_file(request.ca_file, ec);
    if (ec) {
      return lrs::fail(ErrorCode::kInvalid, "--ca-file " + request.ca_file +
                                                ": cannot load it as PEM certificates (" +
                                                ec.message() + ")");
    }
  }
  connectors::PullUrl url = request.url;
  for (int redirects = 0;; ++redirects) {
    Headers headers = request.conditional;
    if (same_origin(url, request.url)) {
      headers.insert(headers.end(), request.headers.begin(), request.headers.end());
    }
    asio::io_context io;
    std::optional<Hop> hop;
    std::string failure;
    asio::co_spawn(io, one_hop(tls, url, headers, request.body_path, request.timeout),
                   [&](std::exception_ptr error, Hop answer) {
                     if (!error) {
                       hop = std::move(answer);
                       return;
                     }
                     try {
                       std::rethrow_exception(error);
                     } catch (const std::exception& e) {
                       failure = e.what();
                     }
                   });
    io.run();
    if (!hop) {
      std::error_code ignored;
      std::filesystem::remove(request.body_path, ignored);
      return lrs::fail(ErrorCode::kUnavailable,
                       url.text() == request.url.text()
                           ? failure
                           : "after redirects to " + url.text() + ": " + failure);
    }
    bool redirect = hop->status == 301 || hop->status == 302 || hop->status == 303 ||
                    hop->status == 307 || hop->status == 308;
    if (redirect) {
      if (redirects == request.max_redirects) {
        return lrs::fail(ErrorCode::kUnavailable, request.url.text() + ": more than " +
                                                      std::to_string(request.max_redirects) +
                                                      " redirects (last to " + url.text() + ")");
      }
      auto next = connectors::resolve_redirect(url, hop->location, request.allow_http);
      if (!next) return tl::unexpected(next.error());
      url = *next;
      continue;
    }
    FetchResult result;
    result.final_url = url;
    result.response.status = hop->status;
    result.status_text = std::to_string(hop->status) + " " + hop->reason;
    result.suggested_name = connectors::disposition_file_name(hop->content_disposition);
    result.response.etag = hop->etag;
    result.response.last_modified = hop->last_modified;
    if (hop->status == 200) {
      auto digest = sha256_file(request.body_path);
      if (!digest) {
        return lrs::fail(ErrorCode::kInternal, "cannot read back " + request.body_path.string());
      }
      result.response.content_sha256 = *digest;
    }
    return result;
  }
}

}  // namespace app

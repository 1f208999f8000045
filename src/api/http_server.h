// HttpServer: the API's HTTP/1.1 listener (Boost.Beast over asio), built to hold under hostile
// use on a citizen-facing network:
//   - one I/O thread multiplexes every connection, so idle or slow connections cost a socket
//     and a buffer, never a thread; handlers run on a bounded worker pool (worker_pool.h) and
//     a full queue is answered 503 at once;
//   - a connection waits at most idle_timeout for a request's first byte; from that byte the
//     request has an absolute deadline (request_timeout) for its header, its body and the
//     answer, whatever the pace of the bytes (a read timeout that restarts on every byte would
//     let a trickle hold a connection for ever);
//   - the header is capped in bytes and in fields (431), the body in bytes whatever its
//     framing, Content-Length or chunked, before any of it is buffered and before a handler,
//     and so authentication, runs (413); a compressed body (Content-Encoding) is refused (415)
//     rather than inflated;
//   - at most max_connections are open; beyond that a new connection is closed as it arrives;
//   - a path that exists for another method gets 405 with Allow.
// Limits and timeouts are answered with the API's JSON error, and then the connection closes
// whenever part of the request was left unread. Boost stays inside http_server.cc.
//
// Ownership: borrows the Router, which must outlive the server. Thread safety: Start and Stop
// from the owning thread; stats() from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "api/router.h"
#include "common/status.h"

namespace inzage::api {

struct HttpServerOptions {
  std::string listen = "127.0.0.1:8080";  // host:port; port 0 picks a free one (tests)
  int worker_threads = 8;
  size_t max_queued_requests = 256;                  // waiting for a worker; beyond: 503
  size_t max_connections = 2048;                     // open at once; beyond: closed as they arrive
  std::chrono::milliseconds idle_timeout{15000};     // waiting for a request's first byte
  std::chrono::milliseconds request_timeout{10000};  // first byte to the last of the answer
  size_t max_header_bytes = 16 * 1024;               // request line and fields together
  size_t max_header_fields = 64;
  size_t max_body_bytes = 64 * 1024;
  std::string tls_certificate_file;  // both set: HTTPS (OpenSSL)
  std::string tls_key_file;
  // Called (on the I/O thread) with the status of each answer the server gives itself (a
  // limit, a malformed request, no route, the worker queue full): metrics.
  std::function<void(int status)> on_refused;
};

struct HttpServerStats {
  std::atomic<std::uint64_t> connections_open{0};
  std::atomic<std::uint64_t> connections_accepted{0};
  std::atomic<std::uint64_t> connections_refused{0};  // over max_connections
  std::atomic<std::uint64_t> timeouts{0};             // idle or request deadline passed
  std::atomic<std::uint64_t> rejected{0};             // 4xx/5xx answered by the server itself
  std::atomic<std::uint64_t> overloaded{0};           // 503: the worker queue was full
};

class HttpServer {
 public:
  HttpServer(HttpServerOptions options, const Router* router);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds (errors name the address and the reason), then serves on threads of its own.
  [[nodiscard]] Status Start();
  // Stops accepting, lets requests in progress finish (at most request_timeout), closes the
  // rest. Idempotent.
  void Stop();

  [[nodiscard]] int port() const;
  [[nodiscard]] std::string base_url() const;  // http(s)://host:port
  [[nodiscard]] const HttpServerStats& stats() const;

  class Impl;  // opaque; public only so that http_server.cc's sessions can name it

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace inzage::api

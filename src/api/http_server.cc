// The only file (with http_client.cc) that includes Boost: asio and Beast are heavy to compile
// (about 30 s for this file on two cores), so nothing else sees them.
#include "api/http_server.h"

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cctype>
#include <optional>
#include <thread>
#include <unordered_set>
#include <utility>  // Boost 1.74's asio/awaitable.hpp uses std::exchange without including it

#include "api/worker_pool.h"
#include "common/log.h"
#include "common/mutex.h"
#include "common/thread_name.h"

namespace inzage::api {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

// A handler that ran past the request's deadline still gets this long to write its answer.
constexpr auto kWriteGrace = std::chrono::seconds(2);
constexpr size_t kFirstRead = 4096;

HttpMethod MethodOf(http::verb v) {
  switch (v) {
    case http::verb::get:
      return HttpMethod::kGet;
    case http::verb::head:
      return HttpMethod::kHead;
    case http::verb::post:
      return HttpMethod::kPost;
    case http::verb::put:
      return HttpMethod::kPut;
    case http::verb::patch:
      return HttpMethod::kPatch;
    case http::verb::delete_:
      return HttpMethod::kDelete;
    case http::verb::options:
      return HttpMethod::kOptions;
    default:
      return HttpMethod::kOther;
  }
}

std::string_view View(beast::string_view v) { return {v.data(), v.size()}; }

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

bool SplitHostPort(const std::string& listen, std::string* host, std::string* port) {
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos) return false;
  *host = listen.substr(0, colon);
  *port = listen.substr(colon + 1);
  if (host->size() > 2 && host->front() == '[' && host->back() == ']') {
    *host = host->substr(1, host->size() - 2);
  }
  return !host->empty() && !port->empty();
}

}  // namespace

class HttpServer::Impl {
 public:
  class SessionBase {
   public:
    virtual ~SessionBase() = default;
    // On the I/O thread: close now if no request is in progress (server stopping).
    virtual void CloseIfIdle() = 0;
  };

  Impl(HttpServerOptions options, const Router* router)
      : options_(std::move(options)),
        router_(router),
        workers_(options_.worker_threads, options_.max_queued_requests, "inzage-http") {}

  ~Impl() { Stop(); }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
  Impl(Impl&&) = delete;
  Impl& operator=(Impl&&) = delete;

  Status Start();
  void Stop();

  HttpServerOptions options_;
  const Router* router_;
  HttpServerStats stats_;
  net::io_context ioc_{1};
  std::optional<net::ssl::context> ssl_;
  tcp::acceptor acceptor_{ioc_};
  net::steady_timer accept_backoff_{ioc_};
  std::thread io_thread_;
  WorkerPool workers_;
  int port_ = 0;
  std::string host_;
  std::atomic<bool> stopping_{false};
  bool stopped_ = false;

  Mutex sessions_mu_;
  std::unordered_set<SessionBase*> sessions_ GUARDED_BY(sessions_mu_);

  void Accept();
  void OnAccept(beast::error_code ec, tcp::socket socket);
  void Register(SessionBase* s) {
    MutexLock lock(&sessions_mu_);
    sessions_.insert(s);
  }
  void Unregister(SessionBase* s) {
    MutexLock lock(&sessions_mu_);
    sessions_.erase(s);
  }
};

namespace {

template <bool kTls>
class Session : public HttpServer::Impl::SessionBase,
                public std::enable_shared_from_this<Session<kTls>> {
 public:
  using Stream = std::conditional_t<kTls, beast::ssl_stream<beast::tcp_stream>, beast::tcp_stream>;

  Session(HttpServer::Impl* server, tcp::socket socket, std::string remote)
      : server_(server),
        stream_(MakeStream(server, std::move(socket))),
        remote_(std::move(remote)),
        buffer_(server->options_.max_header_bytes + server->options_.max_body_bytes + 16384) {
    server_->stats_.connections_open.fetch_add(1);
    server_->Register(this);
  }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  Session(Session&&) = delete;
  Session& operator=(Session&&) = delete;
  ~Session() override {
    server_->Unregister(this);
    server_->stats_.connections_open.fetch_sub(1);
  }

  void Run() {
    if constexpr (kTls) {
      Lowest().expires_after(server_->options_.request_timeout);
      stream_.async_handshake(net::ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                if (ec) return self->Fail(ec);
                                self->WaitForRequest();
                              });
    } else {
      WaitForRequest();
    }
  }

  void CloseIfIdle() override {
    if (!busy_) {
      beast::error_code ignored;
      Lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
      Lowest().close();
    }
  }

 private:
  static Stream MakeStream(HttpServer::Impl* server, tcp::socket socket) {
    if constexpr (kTls) {
      return Stream(std::move(socket), *server->ssl_);
    } else {
      return Stream(std::move(socket));
    }
  }

  beast::tcp_stream& Lowest() { return beast::get_lowest_layer(stream_); }
  const HttpServerOptions& options() const { return server_->options_; }

  void Fail(beast::error_code ec) {
    if (ec == beast::error::timeout) server_->stats_.timeouts.fetch_add(1);
    Close();
  }

  void Close() {
    beast::error_code ignored;
    Lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
    Lowest().close();
  }

  // Keep-alive: the next request's first byte within idle_timeout; its deadline starts there.
  void WaitForRequest() {
    busy_ = false;
    if (server_->stopping_.load()) return Close();
    if (buffer_.size() > 0) return BeginRequest();  // pipelined bytes already here
    Lowest().expires_after(options().idle_timeout);
    stream_.async_read_some(buffer_.prepare(kFirstRead),
                            [self = this->shared_from_this()](beast::error_code ec, size_t n) {
                              if (ec) return self->Fail(ec);
                              self->buffer_.commit(n);
                              self->BeginRequest();
                            });
  }

  void BeginRequest() {
    busy_ = true;
    request_.method = HttpMethod::kGet;  // until this request's header says otherwise
    deadline_ = Clock::now() + options().request_timeout;
    Lowest().expires_at(deadline_);
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(options().max_header_bytes));
    parser_->body_limit(static_cast<std::uint64_t>(options().max_body_bytes));
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](beast::error_code ec, size_t) { self->OnHeader(ec); });
  }

  // Answers an error the server decides itself. The connection closes after it when the
  // request was not read to its end.
  void Refuse(int status, std::string_view code, std::string_view message, std::string allow = {}) {
    server_->stats_.rejected.fetch_add(1);
    if (options().on_refused) options().on_refused(status);
    HttpResponse r = JsonError(status, code, message);
    if (!allow.empty()) r.SetHeader("Allow", std::move(allow));
    const bool can_continue = parser_ && parser_->is_done() && parser_->get().keep_alive();
    Write(std::move(r), can_continue);
  }

  void OnHeader(beast::error_code ec) {
    if (ec == http::error::header_limit || ec == http::error::buffer_overflow) {
      return Refuse(431, "request_header_fields_too_large",
                    "the request's header is larger than " +
                        std::to_string(options().max_header_bytes) + " bytes");
    }
    if (ec == http::error::body_limit) return RefuseBody();
    if (ec == beast::error::timeout || ec == http::error::end_of_stream || ec == net::error::eof ||
        ec == net::error::connection_reset || ec == net::error::operation_aborted) {
      return Fail(ec);
    }
    if (ec) return Refuse(400, "bad_request", "malformed HTTP request: " + ec.message());
    const auto& header = parser_->get();
    if (static_cast<size_t>(std::distance(header.begin(), header.end())) >
        options().max_header_fields) {
      return Refuse(431, "request_header_fields_too_large",
                    "the request has more than " + std::to_string(options().max_header_fields) +
                        " header fields");
    }
    const auto encoding = header.find(http::field::content_encoding);
    if (encoding != header.end() && !IEquals(View(encoding->value()), "identity")) {
      return Refuse(415, "unsupported_media_type",
                    "compressed request bodies (Content-Encoding) are not accepted");
    }
    if (header.find(http::field::transfer_encoding) != header.end() && !parser_->chunked()) {
      return Refuse(400, "bad_request", "only the chunked transfer coding is accepted");
    }
    request_ = HttpRequest{};
    request_.method = MethodOf(header.method());
    request_.target = std::string(header.target());
    request_.remote_address = remote_;
    if (!ParseTarget(request_.target, &request_.segments, &request_.query)) {
      return Refuse(400, "bad_request", "the request target is not a valid path");
    }
    match_ = server_->router_->Find(&request_);
    if (match_.route == nullptr) {
      if (match_.status == 405) {
        return Refuse(405, "method_not_allowed",
                      std::string(HttpMethodName(request_.method)) + " is not allowed here",
                      match_.allow);
      }
      return Refuse(404, "not_found", "no such resource");
    }
    if (parser_->is_done()) return Dispatch();
    const auto expect = header.find(http::field::expect);
    if (expect != header.end() && IEquals(View(expect->value()), "100-continue")) {
      auto interim = std::make_shared<http::response<http::empty_body>>(http::status::continue_,
                                                                        header.version());
      http::async_write(stream_, *interim,
                        [self = this->shared_from_this(), interim](beast::error_code e, size_t) {
                          if (e) return self->Fail(e);
                          self->ReadBody();
                        });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    http::async_read(stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](beast::error_code ec, size_t) {
                       if (ec == http::error::body_limit) return self->RefuseBody();
                       if (ec == beast::error::timeout || ec == http::error::end_of_stream ||
                           ec == net::error::eof || ec == net::error::connection_reset) {
                         return self->Fail(ec);
                       }
                       if (ec) {
                         return self->Refuse(400, "bad_request",
                                             "malformed request body: " + ec.message());
                       }
                       self->Dispatch();
                     });
  }

  void RefuseBody() {
    Refuse(
        413, "payload_too_large",
        "the request body is larger than " + std::to_string(options().max_body_bytes) + " bytes");
  }

  void Dispatch() {
    auto& message = parser_->get();
    request_.headers.reserve(static_cast<size_t>(std::distance(message.begin(), message.end())));
    for (const auto& field : message) {
      std::string name(field.name_string());
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      request_.headers.emplace_back(std::move(name), std::string(field.value()));
    }
    request_.body = std::move(message.body());
    keep_alive_ = message.keep_alive();
    const Router::Route* route = match_.route;
    if (route->inline_on_io_thread) return Write(route->handler(request_), keep_alive_);
    auto self = this->shared_from_this();
    const bool queued = server_->workers_.TrySubmit([self, route]() mutable {
      HttpResponse response = route->handler(self->request_);
      auto* ioc = &self->server_->ioc_;
      net::post(*ioc, [self = std::move(self), response = std::move(response)]() mutable {
        self->Write(std::move(response), self->keep_alive_);
      });
    });
    if (!queued) {
      server_->stats_.overloaded.fetch_add(1);
      if (options().on_refused) options().on_refused(503);
      HttpResponse busy =
          JsonError(503, "unavailable", "the server is busy; try again in a moment");
      busy.SetHeader("Retry-After", "1");
      Write(std::move(busy), keep_alive_);
    }
  }

  void Write(HttpResponse r, bool keep_alive) {
    keep_alive = keep_alive && !server_->stopping_.load();
    auto res = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(r.status), 11);
    res->set(http::field::content_type, r.content_type);
    bool has_cache_control = false;
    for (auto& [name, value] : r.headers) {
      has_cache_control = has_cache_control || IEquals(name, "cache-control");
      res->insert(name, value);
    }
    res->set("X-Content-Type-Options", "nosniff");
    if (!has_cache_control) res->set(http::field::cache_control, "no-store");
    res->keep_alive(keep_alive);
    if (request_.method == HttpMethod::kHead) {
      res->content_length(r.body.size());  // what a GET would have sent, without sending it
    } else {
      res->body() = std::move(r.body);
      res->prepare_payload();
    }
    Lowest().expires_at(std::max(deadline_, Clock::now() + kWriteGrace));
    http::async_write(stream_, *res,
                      [self = this->shared_from_this(), res](beast::error_code ec, size_t) {
                        if (ec) return self->Fail(ec);
                        if (!res->keep_alive()) return self->Close();
                        self->parser_.reset();
                        self->WaitForRequest();
                      });
  }

  HttpServer::Impl* server_;
  Stream stream_;
  std::string remote_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  HttpRequest request_;
  Router::Match match_;
  Clock::time_point deadline_;
  bool keep_alive_ = false;
  bool busy_ = false;  // I/O thread only: a request is being read, handled or answered
};

}  // namespace

Status HttpServer::Impl::Start() {
  std::string port;
  if (!SplitHostPort(options_.listen, &host_, &port)) {
    return Status::InvalidArgument("api.listen: \"" + options_.listen + "\" is not host:port");
  }
  if (!options_.tls_certificate_file.empty() || !options_.tls_key_file.empty()) {
    if (options_.tls_certificate_file.empty() || options_.tls_key_file.empty()) {
      return Status::InvalidArgument(
          "api.tls_certificate_file and api.tls_key_file must be set together");
    }
    ssl_.emplace(net::ssl::context::tls_server);
    ssl_->set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                      net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 |
                      net::ssl::context::no_tlsv1_1);
    beast::error_code ec;
    ssl_->use_certificate_chain_file(options_.tls_certificate_file, ec);
    if (ec) {
      return Status::InvalidArgument("api.tls_certificate_file " + options_.tls_certificate_file +
                                     ": " + ec.message());
    }
    ssl_->use_private_key_file(options_.tls_key_file, net::ssl::context::pem, ec);
    if (ec) {
      return Status::InvalidArgument("api.tls_key_file " + options_.tls_key_file + ": " +
                                     ec.message());
    }
  }
  beast::error_code ec;
  tcp::resolver resolver(ioc_);
  auto endpoints = resolver.resolve(host_, port, tcp::resolver::passive, ec);
  if (ec || endpoints.empty()) {
    return Status::InvalidArgument("api.listen " + options_.listen + ": " + ec.message());
  }
  const tcp::endpoint endpoint = endpoints.begin()->endpoint();
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return Status::IoError("cannot listen on " + options_.listen + ": " + ec.message());
  port_ = acceptor_.local_endpoint().port();
  Accept();
  io_thread_ = std::thread([this] {
    NameThisThread("inzage-listen");
    ioc_.run();
  });
  return Status::Ok();
}

void HttpServer::Impl::Accept() {
  // One I/O thread runs every connection, so no strands are needed.
  acceptor_.async_accept(
      [this](beast::error_code ec, tcp::socket socket) { OnAccept(ec, std::move(socket)); });
}

void HttpServer::Impl::OnAccept(beast::error_code ec, tcp::socket socket) {
  if (stopping_.load() || !acceptor_.is_open()) return;
  if (ec) {
    // Out of file descriptors (or another transient failure): wait a little rather than spin.
    Log(LogLevel::kWarn, "api", "accept failed", {{"error", ec.message()}});
    accept_backoff_.expires_after(std::chrono::milliseconds(100));
    accept_backoff_.async_wait([this](beast::error_code) { Accept(); });
    return;
  }
  stats_.connections_accepted.fetch_add(1);
  if (stats_.connections_open.load() >= options_.max_connections) {
    stats_.connections_refused.fetch_add(1);
    beast::error_code ignored;
    socket.close(ignored);
    return Accept();
  }
  beast::error_code remote_ec;
  const auto remote = socket.remote_endpoint(remote_ec);
  std::string address = remote_ec ? std::string() : remote.address().to_string();
  if (ssl_) {
    std::make_shared<Session<true>>(this, std::move(socket), std::move(address))->Run();
  } else {
    std::make_shared<Session<false>>(this, std::move(socket), std::move(address))->Run();
  }
  Accept();
}

void HttpServer::Impl::Stop() {
  if (stopped_ || !io_thread_.joinable()) return;
  stopped_ = true;
  stopping_.store(true);
  net::post(ioc_, [this] {
    beast::error_code ignored;
    acceptor_.close(ignored);
    accept_backoff_.cancel();
    MutexLock lock(&sessions_mu_);
    for (SessionBase* s : sessions_) s->CloseIfIdle();
  });
  // Requests in progress finish (their answers close the connections); then the rest goes.
  const auto deadline = Clock::now() + options_.request_timeout + kWriteGrace;
  while (stats_.connections_open.load() > 0 && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ioc_.stop();
  io_thread_.join();
  workers_.Stop();
}

HttpServer::HttpServer(HttpServerOptions options, const Router* router)
    : impl_(std::make_unique<Impl>(std::move(options), router)) {}
HttpServer::~HttpServer() = default;
Status HttpServer::Start() { return impl_->Start(); }
void HttpServer::Stop() { impl_->Stop(); }
int HttpServer::port() const { return impl_->port_; }
std::string HttpServer::base_url() const {
  const std::string host =
      impl_->host_.find(':') != std::string::npos ? "[" + impl_->host_ + "]" : impl_->host_;
  return std::string(impl_->ssl_ ? "https://" : "http://") + host + ":" +
         std::to_string(impl_->port_);
}
const HttpServerStats& HttpServer::stats() const { return impl_->stats_; }

}  // namespace inzage::api

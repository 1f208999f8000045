#include "api/http_client.h"

#include <openssl/ssl.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cctype>
#include <utility>  // Boost 1.74's asio/awaitable.hpp uses std::exchange without including it

namespace inzage::api {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

http::verb VerbOf(HttpMethod m) {
  switch (m) {
    case HttpMethod::kGet:
      return http::verb::get;
    case HttpMethod::kHead:
      return http::verb::head;
    case HttpMethod::kPost:
      return http::verb::post;
    case HttpMethod::kPut:
      return http::verb::put;
    case HttpMethod::kPatch:
      return http::verb::patch;
    case HttpMethod::kDelete:
      return http::verb::delete_;
    case HttpMethod::kOptions:
      return http::verb::options;
    case HttpMethod::kOther:
      break;
  }
  return http::verb::unknown;
}

// Sends `req` and reads the answer on `stream`, which is connected (and TLS-established).
// Asynchronous operations with the stream's deadline, run to completion on `ioc`: Beast's
// timeouts apply to asynchronous operations only, a blocking read would wait for ever.
template <typename Stream>
Result<HttpClientResponse> Exchange(net::io_context& ioc, Stream& stream,
                                    const http::request<http::string_body>& req, size_t max_bytes) {
  beast::error_code write_ec, read_ec;
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(max_bytes);
  http::async_write(stream, req, [&](beast::error_code ec, size_t) {
    write_ec = ec;
    if (ec) return;
    http::async_read(stream, buffer, parser, [&](beast::error_code e, size_t) { read_ec = e; });
  });
  ioc.restart();
  ioc.run();
  if (write_ec) return Status::IoError("sending the request: " + write_ec.message());
  if (read_ec) return Status::IoError("reading the answer: " + read_ec.message());
  HttpClientResponse out;
  const auto& res = parser.get();
  out.status = static_cast<int>(res.result_int());
  for (const auto& f : res) {
    std::string name(f.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.headers.emplace_back(std::move(name), std::string(f.value()));
  }
  out.body = std::move(parser.release().body());
  return out;
}

}  // namespace

const std::string* HttpClientResponse::Header(std::string_view lower_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_name) return &value;
  }
  return nullptr;
}

HttpClient::HttpClient(std::string base_url, HttpClientOptions options)
    : base_url_(std::move(base_url)), options_(std::move(options)) {
  std::string_view rest = base_url_;
  if (rest.rfind("https://", 0) == 0) {
    tls_ = true;
    rest.remove_prefix(8);
  } else if (rest.rfind("http://", 0) == 0) {
    rest.remove_prefix(7);
  } else {
    return;
  }
  while (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  const size_t colon = rest.rfind(':');
  if (colon == std::string_view::npos) {
    host_ = std::string(rest);
    port_ = tls_ ? "443" : "80";
  } else {
    host_ = std::string(rest.substr(0, colon));
    port_ = std::string(rest.substr(colon + 1));
  }
  if (host_.size() > 2 && host_.front() == '[' && host_.back() == ']') {
    host_ = host_.substr(1, host_.size() - 2);
  }
  valid_ = !host_.empty() && !port_.empty();
}

Result<HttpClientResponse> HttpClient::Send(
    HttpMethod method, const std::string& target, const std::string& body,
    const std::vector<std::pair<std::string, std::string>>& headers,
    const std::string& content_type) const {
  if (!valid_) return Status::InvalidArgument("not an http(s) URL: " + base_url_);
  net::io_context ioc;
  beast::error_code ec;
  tcp::resolver resolver(ioc);
  const auto endpoints = resolver.resolve(host_, port_, ec);
  if (ec) return Status::IoError(base_url_ + ": " + ec.message());

  http::request<http::string_body> req{VerbOf(method), target, 11};
  req.set(http::field::host, host_ + ":" + port_);
  req.set(http::field::user_agent, "inzage");
  for (const auto& [name, value] : headers) req.set(name, value);
  if (!body.empty() || method == HttpMethod::kPost || method == HttpMethod::kPut) {
    req.set(http::field::content_type, content_type);
    req.body() = body;
  }
  req.prepare_payload();
  req.keep_alive(false);

  const auto deadline = std::chrono::steady_clock::now() + options_.timeout;
  auto connect = [&](beast::tcp_stream& tcp) {
    tcp.expires_at(deadline);
    beast::error_code result;
    tcp.async_connect(endpoints, [&](beast::error_code e, const tcp::endpoint&) { result = e; });
    ioc.restart();
    ioc.run();
    return result;
  };
  if (!tls_) {
    beast::tcp_stream stream(ioc);
    if (auto e = connect(stream)) return Status::IoError(base_url_ + ": " + e.message());
    auto r = Exchange(ioc, stream, req, options_.max_response_bytes);
    stream.socket().shutdown(tcp::socket::shutdown_both, ec);
    return r;
  }
  net::ssl::context ctx(net::ssl::context::tls_client);
  if (options_.ca_file.empty()) {
    ctx.set_default_verify_paths(ec);
  } else {
    ctx.load_verify_file(options_.ca_file, ec);
  }
  if (ec) return Status::IoError("CA certificates: " + ec.message());
  ctx.set_verify_mode(net::ssl::verify_peer);
  beast::ssl_stream<beast::tcp_stream> stream(ioc, ctx);
  // The name to check the certificate against, and SNI (SSL_set_tlsext_host_name is a macro
  // with a C cast: its expansion, spelled out).
  SSL_ctrl(stream.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
           const_cast<char*>(host_.c_str()));
  stream.set_verify_callback(net::ssl::host_name_verification(host_));
  if (auto e = connect(beast::get_lowest_layer(stream))) {
    return Status::IoError(base_url_ + ": " + e.message());
  }
  beast::error_code handshake;
  stream.async_handshake(net::ssl::stream_base::client,
                         [&](beast::error_code e) { handshake = e; });
  ioc.restart();
  ioc.run();
  if (handshake) return Status::IoError(base_url_ + ": TLS: " + handshake.message());
  return Exchange(ioc, stream, req, options_.max_response_bytes);
}

}  // namespace inzage::api

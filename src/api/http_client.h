// HttpClient: a small HTTP/1.1 client for the API's own calls to other instances (the peer
// route of scatter-gather queries) and for tests. One request per call, on a connection of its
// own, with a deadline for connecting, sending and reading together; over TLS when the base URL
// says https, verifying the server's certificate against the system's or a given CA file.
//
// Ownership: a value. Thread safety: Send may be called from several threads at once.
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "api/http_message.h"
#include "common/status.h"

namespace inzage::api {

struct HttpClientOptions {
  std::chrono::milliseconds timeout{2000};
  std::string ca_file;  // https: trust this CA (PEM) instead of the system's
  size_t max_response_bytes = 64 << 20;
};

struct HttpClientResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower case
  std::string body;
  [[nodiscard]] const std::string* Header(std::string_view lower_name) const;
  // The header's value, or "" when it is absent.
  [[nodiscard]] std::string HeaderValue(std::string_view lower_name) const {
    const std::string* v = Header(lower_name);
    return v != nullptr ? *v : std::string();
  }
};

class HttpClient {
 public:
  // base_url: "http://host:port" or "https://host:port".
  explicit HttpClient(std::string base_url, HttpClientOptions options = {});

  // target: path and query ("/v1/alerts?limit=5"). Headers as written ("Authorization", ...).
  [[nodiscard]] Result<HttpClientResponse> Send(
      HttpMethod method, const std::string& target, const std::string& body = {},
      const std::vector<std::pair<std::string, std::string>>& headers = {},
      const std::string& content_type = "application/json") const;
  [[nodiscard]] Result<HttpClientResponse> Get(
      const std::string& target,
      const std::vector<std::pair<std::string, std::string>>& headers = {}) const {
    return Send(HttpMethod::kGet, target, {}, headers);
  }
  [[nodiscard]] Result<HttpClientResponse> Post(
      const std::string& target, const std::string& body,
      const std::vector<std::pair<std::string, std::string>>& headers = {}) const {
    return Send(HttpMethod::kPost, target, body, headers);
  }

  [[nodiscard]] const std::string& base_url() const { return base_url_; }

 private:
  std::string base_url_;
  HttpClientOptions options_;
  bool tls_ = false;
  std::string host_;
  std::string port_;
  bool valid_ = false;
};

}  // namespace inzage::api

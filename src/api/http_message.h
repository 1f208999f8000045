// HttpRequest and HttpResponse: what the API's handlers see of HTTP, without the transport.
// The server (http_server.h) fills a request once its header and body passed every limit;
// a handler answers with a response. Header names are lower case; the path arrives as decoded
// segments, so that an actor id holding "%2F" is one segment "a/b".
//
// Ownership: values. Thread safety: a request belongs to the worker thread that handles it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace inzage::api {

enum class HttpMethod { kGet, kHead, kPost, kPut, kPatch, kDelete, kOptions, kOther };
std::string_view HttpMethodName(HttpMethod m);

struct HttpRequest {
  HttpMethod method = HttpMethod::kGet;
  std::string target;                 // as sent: path and query, still percent-encoded
  std::vector<std::string> segments;  // the path's segments, each percent-decoded
  std::vector<std::pair<std::string, std::string>> query;    // decoded, in order
  std::vector<std::pair<std::string, std::string>> headers;  // names lower case
  std::string body;
  std::string remote_address;
  std::vector<std::string> params;  // the route's {placeholders}, in order (router.h)

  // The first header of that name (lower case), or null.
  [[nodiscard]] const std::string* Header(std::string_view lower_name) const;
  // The first query parameter of that name, or nullopt; `count` tells how often it occurs.
  [[nodiscard]] std::optional<std::string_view> Query(std::string_view name) const;
  [[nodiscard]] size_t QueryCount(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // beyond Content-Type/Length

  HttpResponse& SetHeader(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
    return *this;
  }
  [[nodiscard]] const std::string* Header(std::string_view name) const;
};

// The API's error answer: {"error": {"code": "...", "message": "..."}} (schemas/openapi.yaml).
HttpResponse JsonError(int status, std::string_view code, std::string_view message);

// Percent-decoding of one path segment or query component. nullopt for a malformed escape or a
// NUL byte; with plus_is_space, '+' decodes to a space (query strings).
std::optional<std::string> PercentDecode(std::string_view text, bool plus_is_space);

// Splits a request target into decoded path segments and query pairs. False when the target
// is not an absolute path or holds a malformed escape.
bool ParseTarget(std::string_view target, std::vector<std::string>* segments,
                 std::vector<std::pair<std::string, std::string>>* query);

}  // namespace inzage::api

#include "api/router.h"

#include <algorithm>

namespace inzage::api {
namespace {

bool IsPlaceholder(std::string_view segment) {
  return segment.size() >= 2 && segment.front() == '{' && segment.back() == '}';
}

bool IsRest(std::string_view segment) {
  return IsPlaceholder(segment) && segment.size() > 5 &&
         segment.substr(segment.size() - 4) == "...}";
}

}  // namespace

void Router::Add(HttpMethod method, std::string_view pattern, HttpHandler handler,
                 bool inline_on_io_thread) {
  Route route;
  route.method = method;
  route.name = std::string(pattern);
  std::vector<std::string> segments;
  std::vector<std::pair<std::string, std::string>> unused;
  // Patterns are literal ASCII: parsing them as targets splits them the same way as requests.
  ParseTarget(pattern, &segments, &unused);
  route.pattern = std::move(segments);
  route.handler = std::move(handler);
  route.inline_on_io_thread = inline_on_io_thread;
  routes_.push_back(std::move(route));
}

bool Router::PathMatches(const Route& route, const std::vector<std::string>& segments) {
  const bool rest = !route.pattern.empty() && IsRest(route.pattern.back());
  if (rest ? segments.size() + 1 < route.pattern.size() : route.pattern.size() != segments.size()) {
    return false;
  }
  for (size_t i = 0; i < route.pattern.size(); ++i) {
    if (rest && i + 1 == route.pattern.size()) break;
    if (IsPlaceholder(route.pattern[i])) {
      if (segments[i].empty()) return false;
    } else if (route.pattern[i] != segments[i]) {
      return false;
    }
  }
  return true;
}

Router::Match Router::Find(HttpRequest* request) const {
  Match match;
  std::vector<std::string_view> allowed;
  for (const Route& route : routes_) {
    if (!PathMatches(route, request->segments)) continue;
    // HEAD is GET without the body (the server leaves it out).
    const HttpMethod wanted =
        request->method == HttpMethod::kHead ? HttpMethod::kGet : request->method;
    if (route.method == wanted) {
      request->params.clear();
      for (size_t i = 0; i < route.pattern.size(); ++i) {
        if (IsRest(route.pattern[i])) {
          std::string joined;
          for (size_t j = i; j < request->segments.size(); ++j) {
            if (j > i) joined.push_back('/');
            joined += request->segments[j];
          }
          request->params.push_back(std::move(joined));
        } else if (IsPlaceholder(route.pattern[i])) {
          request->params.push_back(request->segments[i]);
        }
      }
      match.route = &route;
      return match;
    }
    const std::string_view name = HttpMethodName(route.method);
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      allowed.push_back(name);
    }
  }
  if (!allowed.empty()) {
    match.status = 405;
    for (std::string_view m : allowed) {
      if (!match.allow.empty()) match.allow += ", ";
      match.allow += m;
    }
  }
  return match;
}

}  // namespace inzage::api

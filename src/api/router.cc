#include "api/router.h"

#include <algorithm>

namespace inzage::api {
namespace {

bool IsPlaceholder(std::string_view segment) {
  return segment.size() >= 2 && segment.front() == '{' && segment.back() == '}';
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
  if (route.pattern.size() != segments.size()) return false;
  for (size_t i = 0; i < segments.size(); ++i) {
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
    if (route.method == request->method) {
      request->params.clear();
      for (size_t i = 0; i < route.pattern.size(); ++i) {
        if (IsPlaceholder(route.pattern[i])) request->params.push_back(request->segments[i]);
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

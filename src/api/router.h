// Router: the API's route table. A route is a method and a path pattern of literal segments
// and {placeholders} ("/v1/alerts/{id}/status"); a placeholder matches one decoded segment, so
// "/v1/actors/a%2Fb/accesses" reaches {id} = "a/b". A last placeholder written {name...} takes
// the rest of the path, its segments joined by '/' (static files); it may be empty. Routes are
// tried in the order they were added. A path that matches a route of another
// method is answered 405 with the Allow header, one that matches nothing 404.
//
// A route marked `inline` is answered on the server's I/O thread (health checks: cheap, and
// they must answer while every worker is busy); every other route runs on a worker.
//
// Ownership: holds its handlers. Thread safety: built before the server starts, then read-only;
// Match may be called from any thread.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "api/http_message.h"

namespace inzage::api {

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

class Router {
 public:
  struct Route {
    HttpMethod method;
    std::vector<std::string> pattern;  // segments; "{…}" is a placeholder
    std::string name;                  // the pattern as written (metrics label)
    HttpHandler handler;
    bool inline_on_io_thread = false;
  };

  void Add(HttpMethod method, std::string_view pattern, HttpHandler handler,
           bool inline_on_io_thread = false);

  struct Match {
    const Route* route = nullptr;  // null: see status
    int status = 404;              // 404 (no path matches) or 405 (another method does)
    std::string allow;             // for 405: "GET, POST"
  };
  // Fills request->params with the placeholders' values when a route matches.
  [[nodiscard]] Match Find(HttpRequest* request) const;
  [[nodiscard]] const std::vector<Route>& routes() const { return routes_; }

 private:
  static bool PathMatches(const Route& route, const std::vector<std::string>& segments);
  std::vector<Route> routes_;
};

}  // namespace inzage::api

// StaticFiles: the web pages' files (api.ui_dir), served under /ui/ with the headers a page
// that shows personal data needs: a strict Content-Security-Policy (scripts, styles and
// connections only from this origin, and the OIDC issuer's for the console's sign-in; no
// inline script; no framing), no referrer, no sniffing, revalidation on every load.
// Only regular files below the root are served; hidden files, node_modules and the npm
// manifests are not, and a path that leaves the root is 404.
//
// Thread safety: Serve from any thread (files are read on each request; they are small).
#pragma once

#include <string>
#include <string_view>

#include "api/http_message.h"

namespace inzage::api {

class StaticFiles {
 public:
  // oidc_origin: "https://idp.example" or empty; it joins connect-src.
  StaticFiles(const std::string& root, std::string_view oidc_origin);

  // `path`: below the root, segments joined by '/', each already percent-decoded;
  // `target`: the request's target, to redirect a directory to its trailing-slash form.
  [[nodiscard]] HttpResponse Serve(std::string_view path, std::string_view target) const;
  // The security headers of every /ui/ answer.
  void AddSecurityHeaders(HttpResponse* response) const;
  [[nodiscard]] const std::string& root() const { return root_; }

 private:
  std::string root_;
  std::string content_security_policy_;
};

// The origin (scheme://host[:port]) of a URL; empty when it has none.
std::string OriginOf(std::string_view url);

}  // namespace inzage::api

#include "api/static_files.h"

#include <filesystem>
#include <fstream>
#include <iterator>

namespace inzage::api {
namespace {

constexpr std::uintmax_t kMaxFileBytes = 16 << 20;

std::string_view ContentTypeOf(std::string_view name) {
  const size_t dot = name.rfind('.');
  const std::string_view ext = dot == std::string_view::npos ? "" : name.substr(dot + 1);
  if (ext == "html") return "text/html; charset=utf-8";
  if (ext == "js" || ext == "mjs") return "text/javascript; charset=utf-8";
  if (ext == "css") return "text/css; charset=utf-8";
  if (ext == "json") return "application/json";
  if (ext == "svg") return "image/svg+xml";
  if (ext == "png") return "image/png";
  if (ext == "ico") return "image/x-icon";
  if (ext == "woff2") return "font/woff2";
  if (ext == "woff") return "font/woff";
  if (ext == "txt") return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

bool Servable(std::string_view segment) {
  return !segment.empty() && segment.front() != '.' && segment != "node_modules" &&
         segment != "package.json" && segment != "package-lock.json" &&
         segment.find('\0') == std::string_view::npos;
}

}  // namespace

std::string OriginOf(std::string_view url) {
  const size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return {};
  const size_t path = url.find('/', scheme + 3);
  return std::string(url.substr(0, path));
}

StaticFiles::StaticFiles(const std::string& root, std::string_view oidc_origin) {
  std::error_code ec;
  if (!root.empty()) {
    const auto canonical = std::filesystem::weakly_canonical(root, ec);
    root_ = ec ? root : canonical.string();
  }
  const std::string issuer = oidc_origin.empty() ? std::string() : " " + std::string(oidc_origin);
  content_security_policy_ =
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
      "font-src 'self'; connect-src 'self'" +
      issuer + "; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'" +
      issuer;
}

void StaticFiles::AddSecurityHeaders(HttpResponse* r) const {
  r->SetHeader("Content-Security-Policy", content_security_policy_);
  r->SetHeader("Referrer-Policy", "no-referrer");
  r->SetHeader("X-Frame-Options", "DENY");
  r->SetHeader("Cross-Origin-Opener-Policy", "same-origin");
  r->SetHeader("Cache-Control", "no-cache");
}

HttpResponse StaticFiles::Serve(std::string_view path, std::string_view target) const {
  auto not_found = [this] {
    HttpResponse r = JsonError(404, "not_found", "no such page");
    AddSecurityHeaders(&r);
    return r;
  };
  // Without api.ui_dir there are no pages (an empty root would resolve against the working
  // directory).
  if (root_.empty()) return not_found();
  std::filesystem::path file(root_);
  std::string_view rest = path;
  while (!rest.empty()) {
    const size_t slash = rest.find('/');
    const std::string_view segment = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
    if (segment.empty() && rest.empty()) break;  // a trailing slash
    if (!Servable(segment)) return not_found();
    file /= std::string(segment);
  }
  std::error_code ec;
  if (std::filesystem::is_directory(file, ec)) {
    const std::string_view bare = target.substr(0, target.find('?'));
    if (bare.empty() || bare.back() != '/') {
      HttpResponse r;
      r.status = 301;
      r.content_type = "text/plain; charset=utf-8";
      r.SetHeader("Location", std::string(bare) + "/");
      AddSecurityHeaders(&r);
      return r;
    }
    file /= "index.html";
  }
  // No symbolic link or ".." may lead outside the root.
  const auto canonical = std::filesystem::weakly_canonical(file, ec);
  if (ec || canonical.string().rfind(root_ + "/", 0) != 0 ||
      !std::filesystem::is_regular_file(canonical, ec) ||
      std::filesystem::file_size(canonical, ec) > kMaxFileBytes) {
    return not_found();
  }
  std::ifstream in(canonical, std::ios::binary);
  if (!in) return not_found();
  HttpResponse r;
  r.body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  r.content_type = std::string(ContentTypeOf(canonical.filename().string()));
  AddSecurityHeaders(&r);
  return r;
}

}  // namespace inzage::api

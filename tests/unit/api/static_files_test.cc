// StaticFiles: serves the pages' files with their security headers and nothing else: no path
// out of the root (by "..", an encoded "..", or a symbolic link), no hidden files, no npm
// files, and no pages at all without a root.
#include "api/static_files.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "support/temp_dir.h"

namespace inzage::api {
namespace {

using inzage::testing::TempDir;

void Write(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path) << text;
}

class StaticFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Write(dir_.sub("ui/citizen/index.html"), "<h1>inzage</h1>");
    Write(dir_.sub("ui/common/app.js"), "export {};");
    Write(dir_.sub("ui/.env"), "secret");
    Write(dir_.sub("ui/node_modules/x/index.js"), "x");
    Write(dir_.sub("ui/package.json"), "{}");
    Write(dir_.sub("outside.txt"), "outside");
    std::filesystem::create_symlink(dir_.sub("outside.txt"), dir_.sub("ui/link.txt"));
  }
  TempDir dir_;
};

TEST_F(StaticFilesTest, ServesFilesWithTypeAndSecurityHeaders) {
  StaticFiles files(dir_.sub("ui"), "https://idp.example");
  HttpResponse r = files.Serve("common/app.js", "/ui/common/app.js");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "export {};");
  EXPECT_EQ(r.content_type, "text/javascript; charset=utf-8");
  const std::string* csp = r.Header("content-security-policy");
  ASSERT_NE(csp, nullptr);
  EXPECT_NE(csp->find("script-src 'self';"), std::string::npos) << *csp;
  EXPECT_NE(csp->find("connect-src 'self' https://idp.example;"), std::string::npos) << *csp;
  EXPECT_NE(csp->find("frame-ancestors 'none'"), std::string::npos);
  EXPECT_EQ(*r.Header("referrer-policy"), "no-referrer");
  EXPECT_EQ(*r.Header("x-frame-options"), "DENY");
}

TEST_F(StaticFilesTest, ADirectoryServesItsIndexAfterATrailingSlash) {
  StaticFiles files(dir_.sub("ui"), "");
  HttpResponse redirect = files.Serve("citizen", "/ui/citizen?x=1");
  EXPECT_EQ(redirect.status, 301);
  EXPECT_EQ(*redirect.Header("location"), "/ui/citizen/");
  HttpResponse index = files.Serve("citizen/", "/ui/citizen/");
  EXPECT_EQ(index.status, 200);
  EXPECT_EQ(index.content_type, "text/html; charset=utf-8");
}

TEST_F(StaticFilesTest, NothingOutsideTheRootAndNothingHidden) {
  StaticFiles files(dir_.sub("ui"), "");
  for (const char* path : {"../outside.txt", "citizen/../../outside.txt", "link.txt", ".env",
                           "node_modules/x/index.js", "package.json", "nope.html", "citizen//x"}) {
    HttpResponse r = files.Serve(path, std::string("/ui/") + path);
    EXPECT_EQ(r.status, 404) << path;
    EXPECT_EQ(r.body.find("outside"), std::string::npos) << path;
    EXPECT_NE(r.Header("content-security-policy"), nullptr) << path;
  }
}

TEST_F(StaticFilesTest, WithoutARootThereAreNoPages) {
  const auto cwd = std::filesystem::current_path();
  std::filesystem::current_path(dir_.sub("ui"));  // where a relative lookup would find files
  StaticFiles files("", "");
  const int app = files.Serve("common/app.js", "/ui/common/app.js").status;
  const int index = files.Serve("citizen/index.html", "/ui/citizen/index.html").status;
  std::filesystem::current_path(cwd);
  EXPECT_EQ(app, 404);
  EXPECT_EQ(index, 404);
}

TEST(OriginOfTest, KeepsSchemeHostAndPort) {
  EXPECT_EQ(OriginOf("https://idp.example:8443/realms/x"), "https://idp.example:8443");
  EXPECT_EQ(OriginOf("http://127.0.0.1:9000"), "http://127.0.0.1:9000");
  EXPECT_EQ(OriginOf("not a url"), "");
}

}  // namespace
}  // namespace inzage::api

// The HTTP transport under hostile input, on loopback: limits answered before a body is
// buffered, an absolute request deadline, 405 with Allow, %2F in a path segment, idle
// connections that cost no worker, and a full worker queue answered 503.
#include "api/http_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "api/http_client.h"
#include "support/status_matchers.h"

namespace inzage::api {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// A raw TCP connection to the server, for bytes no well-behaved client would send.
class RawConnection {
 public:
  explicit RawConnection(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  }
  ~RawConnection() {
    if (fd_ >= 0) ::close(fd_);
  }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  [[nodiscard]] bool connected() const { return connected_; }
  // False once the server has closed the connection (or it broke).
  bool Send(std::string_view bytes) {
    return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
           static_cast<ssize_t>(bytes.size());
  }
  // Reads until the server closes or `deadline` passes; returns what arrived.
  std::string ReadUntilClosed(Clock::time_point deadline, bool* closed) {
    std::string out;
    *closed = false;
    while (Clock::now() < deadline) {
      pollfd p{fd_, POLLIN, 0};
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (::poll(&p, 1, static_cast<int>(std::max<long>(left, 1))) <= 0) continue;
      char buf[4096];
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) {
        *closed = true;
        break;
      }
      out.append(buf, static_cast<size_t>(n));
    }
    return out;
  }
  // Reads one answer's status line (enough to see a status) within `deadline`.
  std::string ReadSome(Clock::time_point deadline) {
    std::string out;
    while (Clock::now() < deadline && out.find("\r\n\r\n") == std::string::npos) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      char buf[4096];
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) break;
      out.append(buf, static_cast<size_t>(n));
    }
    return out;
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

int StatusOfAnswer(const std::string& answer) {
  if (answer.rfind("HTTP/1.1 ", 0) != 0 || answer.size() < 12) return 0;
  return std::stoi(answer.substr(9, 3));
}

class HttpServerTest : public ::testing::Test {
 protected:
  void Start(HttpServerOptions options = {}) {
    options.listen = "127.0.0.1:0";
    router_.Add(
        HttpMethod::kGet, "/readyz",
        [](const HttpRequest&) {
          HttpResponse r;
          r.body = R"({"ready":true})";
          return r;
        },
        /*inline_on_io_thread=*/true);
    router_.Add(HttpMethod::kGet, "/v1/actors/{id}/accesses", [](const HttpRequest& req) {
      HttpResponse r;
      r.body = "{\"id\":\"" + req.params.at(0) + "\",\"limit\":\"" +
               std::string(req.Query("limit").value_or("")) + "\"}";
      return r;
    });
    router_.Add(HttpMethod::kPost, "/v1/echo", [](const HttpRequest& req) {
      HttpResponse r;
      r.body = std::to_string(req.body.size());
      return r;
    });
    router_.Add(HttpMethod::kGet, "/v1/echo", [](const HttpRequest&) { return HttpResponse{}; });
    router_.Add(HttpMethod::kGet, "/v1/slow", [this](const HttpRequest&) {
      std::unique_lock lock(slow_mu_);
      ++slow_waiting_;
      slow_cv_.notify_all();
      slow_cv_.wait(lock, [this] { return slow_released_; });
      return HttpResponse{};
    });
    server_ = std::make_unique<HttpServer>(options, &router_);
    ASSERT_OK(server_->Start());
  }
  void TearDown() override {
    {
      std::lock_guard lock(slow_mu_);
      slow_released_ = true;
    }
    slow_cv_.notify_all();
    if (server_) server_->Stop();
  }
  HttpClient Client() const {
    HttpClientOptions o;
    o.timeout = std::chrono::seconds(10);
    return HttpClient(server_->base_url(), o);
  }

  Router router_;
  std::unique_ptr<HttpServer> server_;
  std::mutex slow_mu_;
  std::condition_variable slow_cv_;
  int slow_waiting_ = 0;
  bool slow_released_ = false;
};

TEST_F(HttpServerTest, RoutesDecodeSegmentsAndAnswerWrongMethodsWith405) {
  Start();
  auto ok = Client().Get("/v1/actors/svc%2Fbatch/accesses?limit=5");
  ASSERT_OK(ok);
  EXPECT_EQ(ok->status, 200);
  EXPECT_EQ(ok->body, R"({"id":"svc/batch","limit":"5"})");
  EXPECT_EQ(*ok->Header("cache-control"), "no-store");
  EXPECT_EQ(*ok->Header("x-content-type-options"), "nosniff");

  auto wrong = Client().Send(HttpMethod::kDelete, "/v1/echo");
  ASSERT_OK(wrong);
  EXPECT_EQ(wrong->status, 405);
  ASSERT_NE(wrong->Header("allow"), nullptr);
  EXPECT_EQ(*wrong->Header("allow"), "POST, GET");
  EXPECT_NE(wrong->body.find("\"method_not_allowed\""), std::string::npos) << wrong->body;

  auto missing = Client().Get("/v1/nothing");
  ASSERT_OK(missing);
  EXPECT_EQ(missing->status, 404);
  auto bad_escape = Client().Get("/v1/actors/a%zz/accesses");
  ASSERT_OK(bad_escape);
  EXPECT_EQ(bad_escape->status, 400);
  auto nul = Client().Get("/v1/actors/a%00b/accesses");
  ASSERT_OK(nul);
  EXPECT_EQ(nul->status, 400);
}

TEST_F(HttpServerTest, HeaderCountAndSizeAreCapped) {
  HttpServerOptions o;
  o.max_header_fields = 20;
  o.max_header_bytes = 4096;
  Start(o);
  std::vector<std::pair<std::string, std::string>> many;
  for (int i = 0; i < 30; ++i) many.emplace_back("X-Filler-" + std::to_string(i), "1");
  auto r = Client().Get("/readyz", many);
  ASSERT_OK(r);
  EXPECT_EQ(r->status, 431);
  auto big = Client().Get("/readyz", {{"X-Big", std::string(5000, 'a')}});
  if (big.ok()) {
    EXPECT_EQ(big->status, 431);
  }  // the server may close before the client has sent it all: also refused
  auto fine = Client().Get("/readyz", {{"X-Small", "1"}});
  ASSERT_OK(fine);
  EXPECT_EQ(fine->status, 200);
}

TEST_F(HttpServerTest, BodiesAreCappedWhateverTheirFramingAndCompressionIsRefused) {
  HttpServerOptions o;
  o.max_body_bytes = 1024;
  Start(o);
  // A declared length over the cap: refused before a byte of the body is read.
  {
    RawConnection c(server_->port());
    ASSERT_TRUE(c.connected());
    ASSERT_TRUE(
        c.Send("POST /v1/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1073741824\r\n"
               "Content-Type: application/json\r\n\r\n"));
    bool closed = false;
    const std::string answer = c.ReadUntilClosed(Clock::now() + 10s, &closed);
    EXPECT_EQ(StatusOfAnswer(answer), 413) << answer;
    EXPECT_TRUE(closed);
  }
  // Chunked, with no length up front: refused as soon as the chunks pass the cap.
  {
    RawConnection c(server_->port());
    ASSERT_TRUE(c.connected());
    ASSERT_TRUE(c.Send("POST /v1/echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"));
    std::string answer;
    bool closed = false;
    const std::string chunk = "200\r\n" + std::string(512, 'x') + "\r\n";
    for (int i = 0; i < 64 && c.Send(chunk); ++i) {
    }
    answer = c.ReadUntilClosed(Clock::now() + 10s, &closed);
    EXPECT_EQ(StatusOfAnswer(answer), 413) << answer;
  }
  // Within the cap, chunked works.
  {
    RawConnection c(server_->port());
    ASSERT_TRUE(
        c.Send("POST /v1/echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
               "Connection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n"));
    bool closed = false;
    const std::string answer = c.ReadUntilClosed(Clock::now() + 10s, &closed);
    EXPECT_EQ(StatusOfAnswer(answer), 200) << answer;
    EXPECT_NE(answer.find("\r\n\r\n5"), std::string::npos) << answer;
  }
  auto gz = Client().Send(HttpMethod::kPost, "/v1/echo", std::string(100, '\x1f'),
                          {{"Content-Encoding", "gzip"}});
  ASSERT_OK(gz);
  EXPECT_EQ(gz->status, 415);
}

// A request's deadline runs from its first byte and does not restart with every byte: a client
// that sends a header line every 200 ms is cut off once the deadline (1 s) has passed, well
// before its 50 lines (10 s) are through.
TEST_F(HttpServerTest, ARequestHasAnAbsoluteDeadline) {
  HttpServerOptions o;
  o.request_timeout = 1s;
  Start(o);
  RawConnection c(server_->port());
  ASSERT_TRUE(c.connected());
  const auto started = Clock::now();
  ASSERT_TRUE(c.Send("GET /readyz HTTP/1.1\r\n"));
  bool cut_off = false;
  for (int i = 0; i < 50; ++i) {
    std::this_thread::sleep_for(200ms);  // the trickle's own pace, not a wait for a state
    if (!c.Send("X-Trickle-" + std::to_string(i) + ": 1\r\n")) {
      cut_off = true;
      break;
    }
  }
  bool closed = cut_off;
  if (!closed) (void)c.ReadUntilClosed(started + 11s, &closed);
  EXPECT_TRUE(closed) << "a trickling request was still open after its 10 s trickle";
  EXPECT_GE(server_->stats().timeouts.load(), 1u);
}

// Idle connections hold no worker: with 500 of them open and every worker busy, a health check
// answers (it runs on the I/O thread), and requests beyond the queue get 503 at once.
TEST_F(HttpServerTest, IdleConnectionsAndBusyWorkersDoNotStopTheServer) {
  HttpServerOptions o;
  o.worker_threads = 2;
  o.max_queued_requests = 2;
  Start(o);
  std::vector<std::unique_ptr<RawConnection>> idle;
  for (int i = 0; i < 500; ++i) {
    idle.push_back(std::make_unique<RawConnection>(server_->port()));
    ASSERT_TRUE(idle.back()->connected());
  }
  // Two workers busy, two requests queued.
  std::vector<std::thread> slow;
  for (int i = 0; i < 4; ++i) {
    slow.emplace_back([this] { (void)Client().Get("/v1/slow"); });
  }
  {
    std::unique_lock lock(slow_mu_);
    ASSERT_TRUE(slow_cv_.wait_for(lock, 30s, [this] { return slow_waiting_ >= 2; }));
  }
  const auto queue_full_by = Clock::now() + 30s;
  Result<HttpClientResponse> overflow = Status::IoError("not sent");
  HttpClientOptions quick;
  quick.timeout = 1s;  // a probe that was queued instead of refused waits for nothing
  const HttpClient probe(server_->base_url(), quick);
  while (Clock::now() < queue_full_by) {  // until both queued requests have arrived
    overflow = probe.Get("/v1/actors/x/accesses");
    if (overflow.ok() && overflow->status == 503) break;
  }
  ASSERT_OK(overflow);
  EXPECT_EQ(overflow->status, 503);
  ASSERT_NE(overflow->Header("retry-after"), nullptr);
  auto ready = Client().Get("/readyz");
  ASSERT_OK(ready);
  EXPECT_EQ(ready->status, 200);
  EXPECT_GE(server_->stats().connections_open.load(), 500u);
  {
    std::lock_guard lock(slow_mu_);
    slow_released_ = true;
  }
  slow_cv_.notify_all();
  for (auto& t : slow) t.join();
}

TEST_F(HttpServerTest, ConnectionsBeyondTheLimitAreClosedAtOnce) {
  HttpServerOptions o;
  o.max_connections = 10;
  Start(o);
  std::vector<std::unique_ptr<RawConnection>> held;
  for (int i = 0; i < 10; ++i) held.push_back(std::make_unique<RawConnection>(server_->port()));
  const auto deadline = Clock::now() + 30s;
  while (server_->stats().connections_open.load() < 10 && Clock::now() < deadline) {
    std::this_thread::sleep_for(1ms);
  }
  RawConnection extra(server_->port());
  ASSERT_TRUE(extra.connected());  // the kernel accepts; the server closes it
  bool closed = false;
  (void)extra.ReadUntilClosed(Clock::now() + 10s, &closed);
  EXPECT_TRUE(closed);
  EXPECT_GE(server_->stats().connections_refused.load(), 1u);
}

}  // namespace
}  // namespace inzage::api

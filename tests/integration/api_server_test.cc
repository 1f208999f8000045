// The HTTP API over real loopback sockets, a real RocksDB store and the default policy: every
// endpoint, every rejection the API promises, that each read is recorded (and refused when it
// cannot be), the citizen's privacy rules (own subject only, no employee ids, confidential
// activities hidden, no BSN anywhere), paging, alert status changes, citizens' reports and
// scatter-gather over peers with a partial answer when one is down.
#include "api/api_server.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <prometheus/registry.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>

#include "api/history_views.h"
#include "api/http_client.h"
#include "common/base64.h"
#include "common/hex.h"
#include "common/secret_file.h"
#include "detect/alert.h"
#include "detect/citizen_report.h"
#include "detect/hourly_stats.h"
#include "ingest/alert_emitter.h"
#include "policy/policy_loader.h"
#include "store/cursor.h"
#include "store_test_util.h"
#include "support/status_matchers.h"

namespace inzage::api {
namespace {

using inzage::testing::TempDir;
using json = nlohmann::json;

constexpr char kCitizenBsn[] = "999993653";
constexpr char kOtherBsn[] = "999990482";
const std::string kSecret(40, 's');
constexpr TimeMicros kDay = kMicrosPerDay;

TimeMicros Now() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Records what the API asks of the daemon; can be told to fail.
class FakeBackend final : public ApiBackend {
 public:
  FakeBackend(std::shared_ptr<const Policy> policy, Store* store)
      : policy_(std::move(policy)), store_(store) {}

  Status RecordAccess(OwnedAccessEvent event) override {
    std::lock_guard lock(mu_);
    if (fail_) return Status::IoError("pipeline stopped");
    recorded_.push_back(std::move(event));
    return Status::Ok();
  }
  Result<Alert> TransitionAlert(std::string alert_id, AlertStatus to, std::string by,
                                std::string why) override {
    std::lock_guard lock(mu_);
    auto it = alerts_.find(alert_id);
    if (it == alerts_.end()) return Status::NotFound("no alert");
    if (Status st = inzage::TransitionAlert(&it->second, to, by, Now(), why); !st.ok()) return st;
    CommitBatch batch;
    batch.alerts.push_back(AlertRowOf(it->second));
    if (auto r = store_->Commit(batch); !r.ok()) return r.status();
    return it->second;
  }
  // Stores the report's alert as the pipeline would (alert row and index) before answering.
  Result<Alert> ReportAccess(CitizenReport report) override {
    std::lock_guard lock(mu_);
    if (fail_) return Status::IoError("pipeline stopped");
    Alert a = CitizenReportAlert(report, policy_->revision());
    alerts_[a.alert_id] = a;
    reports_.push_back(std::move(report));
    CommitBatch batch;
    batch.alerts.push_back(AlertRowOf(a));
    if (auto r = store_->Commit(batch); !r.ok()) return r.status();
    return a;
  }
  bool Ready(std::string* reason) const override {
    *reason = "test";
    return ready_;
  }
  std::shared_ptr<const Policy> policy() const override { return policy_; }

  void AddAlert(const Alert& a) {
    alerts_[a.alert_id] = a;
    CommitBatch batch;
    batch.alerts.push_back(AlertRowOf(a));
    ASSERT_OK(store_->Commit(batch));
  }
  std::vector<OwnedAccessEvent> recorded() {
    std::lock_guard lock(mu_);
    return recorded_;
  }
  std::vector<CitizenReport> reports() {
    std::lock_guard lock(mu_);
    return reports_;
  }
  void set_fail(bool f) {
    std::lock_guard lock(mu_);
    fail_ = f;
  }
  bool ready_ = true;

 private:
  std::shared_ptr<const Policy> policy_;
  Store* store_;
  std::mutex mu_;
  bool fail_ = false;
  std::vector<OwnedAccessEvent> recorded_;
  std::vector<CitizenReport> reports_;
  std::map<std::string, Alert> alerts_;
};

// One daemon's worth of API: a store, a backend and a server on a free loopback port.
struct Shard {
  TempDir dir;
  std::unique_ptr<Store> store;
  std::unique_ptr<FakeBackend> backend;
  std::unique_ptr<ApiServer> server;
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
};

class ApiServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto policy = LoadPolicy(std::string(INZAGE_SOURCE_DIR) + "/config/policy");
    ASSERT_TRUE(policy.ok()) << policy.status().message();
    policy_ = *policy;
    key_file_ = dir_.sub("token.key");
    std::string hex;
    for (unsigned char c : kSecret) hex += fmt::format("{:02x}", c);
    {
      std::FILE* f = std::fopen(key_file_.c_str(), "w");
      std::fputs(hex.c_str(), f);
      std::fclose(f);
      ::chmod(key_file_.c_str(), 0600);
    }
    signer_.emplace(TokenSigner::FromKey(TokenAlgorithm::kHs256, kSecret).value());
    peer_key_file_ = dir_.sub("peer.key");
    ASSERT_OK(WriteRandomHexSecretFile(peer_key_file_, 32));
    citizen_ = pseudonymizer_.Pseudonymise(kCitizenBsn);
    other_ = pseudonymizer_.Pseudonymise(kOtherBsn);
  }

  std::unique_ptr<Shard> StartShard(ApiConfig config = {}) {
    auto shard = std::make_unique<Shard>();
    StoreOptions so;
    so.key_id = pseudonymizer_.key_id();
    so.retention = RetentionTable::FromPolicy(*policy_);
    shard->store = Store::Open(shard->dir.sub("store"), so).value();
    shard->backend = std::make_unique<FakeBackend>(policy_, shard->store.get());
    config.listen = "127.0.0.1:0";
    config.token_key_file = key_file_;
    config.peer_key_file = peer_key_file_;
    auto verifier = TokenVerifier::FromKey(TokenAlgorithm::kHs256, kSecret, "inzage").value();
    shard->server = std::make_unique<ApiServer>(
        config, shard->store.get(), &pseudonymizer_, std::move(verifier), shard->backend.get(),
        shard->registry, [] { return std::string("inzage_test_metric 1\n"); });
    EXPECT_OK(shard->server->Start());
    return shard;
  }

  // Commits one access to subjects by actor at time t for activity.
  static void Access(Store* store, const std::string& id, TimeMicros t, const std::string& actor,
                     std::vector<Pseudonym> subjects, const std::string& activity,
                     Verdict verdict = Verdict::kAllow) {
    StoredEvent e;
    e.record.time = t;
    e.record.event_id = id;
    e.record.actor = actor;
    e.record.role = "wmo-consulent";
    e.record.department = "sociaal-domein";
    e.record.municipality = "dinkelland";
    e.record.domain = "wmo";
    e.record.activity = activity;
    e.record.case_id = "zaak-1";
    e.record.verdict = verdict;
    if (verdict != Verdict::kAllow) e.record.rules = {RuleId::kAuthRoleNotPermitted};
    e.subjects = std::move(subjects);
    CommitBatch batch;
    batch.events.push_back(std::move(e));
    ASSERT_OK(store->Commit(batch));
  }

  std::string Token(const std::string& sub, TokenRole role) {
    return signer_->Sign(sub, role, "inzage", Now(), 600 * kMicrosPerSecond).value();
  }

  using Reply = Result<HttpClientResponse>;
  static HttpClient ClientOf(const Shard& s) {
    HttpClientOptions o;
    o.timeout = std::chrono::seconds(30);
    return HttpClient(s.server->base_url(), o);
  }
  static Reply Get(const Shard& s, const std::string& path, const std::string& token) {
    std::vector<std::pair<std::string, std::string>> h;
    if (!token.empty()) h.emplace_back("Authorization", "Bearer " + token);
    return ClientOf(s).Get(path, h);
  }
  static Reply Post(const Shard& s, const std::string& path, const std::string& token,
                    const std::string& body) {
    std::vector<std::pair<std::string, std::string>> h;
    if (!token.empty()) h.emplace_back("Authorization", "Bearer " + token);
    return ClientOf(s).Post(path, body, h);
  }

  std::string Period(TimeMicros from, TimeMicros to) const {
    return "from=" + FormatRfc3339(from) + "&to=" + FormatRfc3339(to);
  }
  // The `span` up to now, reading the clock once: `Period(Now() - span, Now())` evaluates its
  // two clock reads in an unspecified order, and clang reads `from` first, so the span can
  // exceed a limit by the microseconds between the two.
  std::string Recent(TimeMicros span) const {
    const TimeMicros now = Now();
    return Period(now - span, now);
  }
  // The same as a JSON body's "from"/"to" members.
  std::string RecentJson(TimeMicros span) const {
    const TimeMicros now = Now();
    return R"("from":")" + FormatRfc3339(now - span) + R"(","to":")" + FormatRfc3339(now) + "\"";
  }

  static void ExpectError(const Reply& r, int status, const std::string& code) {
    ASSERT_OK(r);
    EXPECT_EQ(r->status, status) << r->body;
    const json body = json::parse(r->body, nullptr, false);
    ASSERT_TRUE(body.is_object()) << r->body;
    EXPECT_EQ(body["error"]["code"], code) << r->body;
    EXPECT_TRUE(body["error"]["message"].is_string());
  }

  TempDir dir_;
  std::string key_file_;
  std::string peer_key_file_;
  Pseudonymizer pseudonymizer_{std::string(32, 'p')};
  std::shared_ptr<const Policy> policy_;
  std::optional<TokenSigner> signer_;
  Pseudonym citizen_;
  Pseudonym other_;
};

TEST_F(ApiServerTest, HealthReadinessAndMetricsNeedNoToken) {
  auto s = StartShard();
  auto health = Get(*s, "/healthz", "");
  ASSERT_OK(health);
  EXPECT_EQ(health->status, 200);
  EXPECT_EQ(json::parse(health->body)["status"], "ok");
  EXPECT_EQ(Get(*s, "/readyz", "")->status, 200);
  s->backend->ready_ = false;
  auto not_ready = Get(*s, "/readyz", "");
  EXPECT_EQ(not_ready->status, 503);
  EXPECT_EQ(json::parse(not_ready->body)["status"], "not_ready");
  // While starting up, reads are refused at once instead of waiting for a pipeline.
  ExpectError(Get(*s, "/v1/me/accesses?" + Recent(kDay), Token(kCitizenBsn, TokenRole::kCitizen)),
              503, "unavailable");
  EXPECT_TRUE(s->backend->recorded().empty());
  s->backend->ready_ = true;
  auto metrics = Get(*s, "/metrics", "");
  EXPECT_EQ(metrics->status, 200);
  EXPECT_NE(metrics->body.find("inzage_test_metric 1"), std::string::npos);
  EXPECT_NE(metrics->HeaderValue("content-type").find("text/plain"), std::string::npos);
}

TEST_F(ApiServerTest, RejectsMissingAndInvalidTokensWith401) {
  auto s = StartShard();
  const std::string path = "/v1/me/accesses?" + Recent(kDay);
  ExpectError(Get(*s, path, ""), 401, "unauthorized");
  EXPECT_EQ(Get(*s, path, "")->HeaderValue("www-authenticate"), "Bearer");
  ExpectError(Get(*s, path, "not-a-token"), 401, "unauthorized");
  const std::string expired = signer_
                                  ->Sign(kCitizenBsn, TokenRole::kCitizen, "inzage",
                                         Now() - 7200 * kMicrosPerSecond, 60 * kMicrosPerSecond)
                                  .value();
  ExpectError(Get(*s, path, expired), 401, "unauthorized");
  const std::string wrong_audience =
      signer_->Sign(kCitizenBsn, TokenRole::kCitizen, "other", Now(), 60 * kMicrosPerSecond)
          .value();
  ExpectError(Get(*s, path, wrong_audience), 401, "unauthorized");
  const std::string none =
      Base64UrlEncode(R"({"alg":"none"})") + "." +
      Base64UrlEncode(R"({"sub":"999993653","role":"citizen","aud":"inzage","exp":9999999999})") +
      ".";
  ExpectError(Get(*s, path, none), 401, "unauthorized");
  auto other_key = TokenSigner::FromKey(TokenAlgorithm::kHs256, std::string(40, 'x')).value();
  ExpectError(
      Get(*s, path,
          other_key.Sign(kCitizenBsn, TokenRole::kCitizen, "inzage", Now(), 60 * kMicrosPerSecond)
              .value()),
      401, "unauthorized");
  // A citizen token whose subject is no BSN.
  ExpectError(Get(*s, path, Token("emp-1", TokenRole::kCitizen)), 401, "unauthorized");
  // Correctly signed, but with two role claims: which one a reader takes is up to the reader.
  const std::int64_t exp = (Now() + 60 * kMicrosPerSecond) / kMicrosPerSecond;
  const std::string two_roles =
      signer_
          ->SignRaw(R"({"alg":"HS256","typ":"JWT"})",
                    std::string(R"({"sub":")") + kCitizenBsn +
                        R"(","role":"citizen","role":"ciso","aud":"inzage","exp":)" +
                        std::to_string(exp) + "}")
          .value();
  ExpectError(Get(*s, path, two_roles), 401, "unauthorized");
  ExpectError(Get(*s, "/v1/alerts", two_roles), 401, "unauthorized");
  EXPECT_TRUE(s->backend->recorded().empty()) << "nothing is recorded for a rejected request";
}

TEST_F(ApiServerTest, RolesDecideTheRoutesWith403) {
  auto s = StartShard();
  const std::string period = Recent(kDay);
  ExpectError(Get(*s, "/v1/me/accesses?" + period, Token("emp-1", TokenRole::kCiso)), 403,
              "forbidden");
  ExpectError(Get(*s, "/v1/alerts", Token(kCitizenBsn, TokenRole::kCitizen)), 403, "forbidden");
  ExpectError(
      Get(*s, "/v1/actors/emp-1/accesses?" + period, Token(kCitizenBsn, TokenRole::kCitizen)), 403,
      "forbidden");
  ExpectError(Post(*s, "/v1/subjects/accesses", Token(kCitizenBsn, TokenRole::kCitizen), "{}"), 403,
              "forbidden");
  ExpectError(
      Post(*s, "/v1/alerts/00000000-00000000-00000000-00000000/status",
           Token("emp-2", TokenRole::kPrivacyOfficer), R"({"status":"acknowledged","reason":"x"})"),
      403, "forbidden");
  // The peer route takes only tokens of the peers' own key: not staff's, not even role peer.
  ExpectError(Post(*s, "/v1/internal/subject-accesses", Token("emp-1", TokenRole::kCiso), "{}"),
              401, "unauthorized");
  ExpectError(Post(*s, "/v1/internal/subject-accesses", Token("inzaged", TokenRole::kPeer), "{}"),
              401, "unauthorized");
  // And a peer token reaches no other route.
  auto peer_signer = TokenSigner::FromKeyFile(TokenAlgorithm::kHs256, peer_key_file_).value();
  const std::string peer_token =
      peer_signer.Sign("inzaged", TokenRole::kPeer, "inzage-peer", Now(), 60 * kMicrosPerSecond)
          .value();
  ExpectError(Get(*s, "/v1/alerts", peer_token), 401, "unauthorized");
}

TEST_F(ApiServerTest, CitizenSeesOnlyOwnVisibleAccessesAndTheReadIsRecorded) {
  auto s = StartShard();
  const TimeMicros t = Now() - 10 * kDay;
  Access(s->store.get(), "ev-a1", t, "emp-1", {citizen_}, "wmo-maatwerkvoorziening");
  Access(s->store.get(), "ev-a2", t + 1000, "emp-2", {citizen_, other_}, "wmo-toegang");
  Access(s->store.get(), "ev-a3", t + 2000, "emp-3", {citizen_},
         "fraude-onderzoek");  // confidential
  Access(s->store.get(), "ev-b1", t + 3000, "emp-1", {other_}, "wmo-maatwerkvoorziening");
  Access(s->store.get(), "ev-old", Now() - 400 * kDay, "emp-1", {citizen_}, "wmo-toegang");

  auto r = Get(*s, "/v1/me/accesses?" + Recent(30 * kDay), Token(kCitizenBsn, TokenRole::kCitizen));
  ASSERT_OK(r);
  ASSERT_EQ(r->status, 200) << r->body;
  const json body = json::parse(r->body);
  ASSERT_EQ(body["entries"].size(), 2u) << r->body;
  EXPECT_EQ(body["entries"][0]["activity"]["id"], "wmo-toegang");  // newest first
  EXPECT_EQ(body["entries"][0]["activity"]["name"], "Toegang Wmo: melding en onderzoek");
  EXPECT_EQ(body["entries"][1]["activity"]["id"], "wmo-maatwerkvoorziening");
  EXPECT_EQ(body["entries"][0]["department"], "sociaal-domein");
  EXPECT_FALSE(body["entries"][0].contains("actor")) << "employee ids are hidden by default";
  EXPECT_FALSE(body["entries"][0].contains("event_id"));
  EXPECT_EQ(body["next_cursor"], nullptr);
  EXPECT_EQ(body["partial"], false);
  EXPECT_EQ(r->body.find(kCitizenBsn), std::string::npos);
  EXPECT_EQ(r->body.find("emp-"), std::string::npos);

  const auto recorded = s->backend->recorded();
  ASSERT_EQ(recorded.size(), 1u);
  EXPECT_EQ(recorded[0].actor_kind, ActorKind::kCitizen);
  EXPECT_EQ(recorded[0].purpose, "inzage-verzoek");
  EXPECT_EQ(recorded[0].domain, "audit");
  ASSERT_EQ(recorded[0].subjects.size(), 1u);
  EXPECT_EQ(recorded[0].subjects[0], citizen_);
  EXPECT_EQ(recorded[0].actor_id.find(kCitizenBsn), std::string::npos);
}

TEST_F(ApiServerTest, EmployeeIdsShownWhenConfigured) {
  ApiConfig config;
  config.show_employee_ids = true;
  auto s = StartShard(config);
  Access(s->store.get(), "ev-1", Now() - kDay, "emp-1", {citizen_}, "wmo-toegang");
  auto r = Get(*s, "/v1/me/accesses?" + Recent(2 * kDay), Token(kCitizenBsn, TokenRole::kCitizen));
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(json::parse(r->body)["entries"][0]["actor"], "emp-1");
}

TEST_F(ApiServerTest, CitizenReadIsRefusedWhenItCannotBeRecorded) {
  auto s = StartShard();
  Access(s->store.get(), "ev-1", Now() - kDay, "emp-1", {citizen_}, "wmo-toegang");
  s->backend->set_fail(true);
  auto r = Get(*s, "/v1/me/accesses?" + Recent(2 * kDay), Token(kCitizenBsn, TokenRole::kCitizen));
  ExpectError(r, 503, "unavailable");
  EXPECT_EQ(r->body.find("wmo-toegang"), std::string::npos);
}

TEST_F(ApiServerTest, CitizenQueryValidatesThePeriodAndPage) {
  auto s = StartShard();
  const std::string token = Token(kCitizenBsn, TokenRole::kCitizen);
  const std::string now = FormatRfc3339(Now());
  for (const std::string& query :
       {std::string("to=") + now, std::string("from=") + now, "from=yesterday&to=" + now,
        "from=" + FormatRfc3339(Now() + kDay) + "&to=" + now, Recent(367 * kDay),
        Recent(kDay) + "&limit=0", Recent(kDay) + "&limit=1001", Recent(kDay) + "&limit=x",
        Recent(kDay) + "&cursor=zz", Recent(kDay) + "&cursor=00"}) {
    ExpectError(Get(*s, "/v1/me/accesses?" + query, token), 400, "bad_request");
  }
  EXPECT_EQ(Get(*s, "/v1/me/accesses?" + Recent(366 * kDay), token)->status, 200);
}

TEST_F(ApiServerTest, PagesWithACursorVisitEveryEntryOnce) {
  auto s = StartShard();
  const TimeMicros t = Now() - 5 * kDay;
  for (int i = 0; i < 25; ++i) {
    Access(s->store.get(), "ev-" + std::to_string(i), t + (i / 2) * kMicrosPerSecond, "emp-1",
           {citizen_}, "wmo-toegang");
  }
  const std::string token = Token(kCitizenBsn, TokenRole::kCitizen);
  std::string cursor;
  std::vector<std::string> times;
  const std::string period = Recent(6 * kDay);  // the same on every page, as a client pages
  for (int page = 0; page < 10; ++page) {
    std::string path = "/v1/me/accesses?" + period + "&limit=7";
    if (!cursor.empty()) path += "&cursor=" + cursor;
    auto r = Get(*s, path, token);
    ASSERT_EQ(r->status, 200) << r->body;
    const json body = json::parse(r->body);
    for (const auto& e : body["entries"]) times.push_back(e["time"]);
    if (body["next_cursor"].is_null()) break;
    cursor = body["next_cursor"];
  }
  EXPECT_EQ(times.size(), 25u);
  EXPECT_TRUE(std::is_sorted(times.rbegin(), times.rend()));
}

TEST_F(ApiServerTest, CitizenCsvExport) {
  auto s = StartShard();
  Access(s->store.get(), "ev-1", Now() - kDay, "emp-1", {citizen_}, "wmo-toegang");
  auto r =
      Get(*s, "/v1/me/accesses.csv?" + Recent(2 * kDay), Token(kCitizenBsn, TokenRole::kCitizen));
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_NE(r->HeaderValue("content-type").find("text/csv"), std::string::npos);
  EXPECT_EQ(r->body.rfind("time,local_time,municipality,department,role,action,activity_id,"
                          "activity_name,domain,info,categories,recipient_id,recipient_kind\r\n",
                          0),
            0u);
  EXPECT_NE(r->body.find(",sociaal-domein,wmo-consulent,view,wmo-toegang,"), std::string::npos)
      << r->body;
  EXPECT_EQ(r->body.find("emp-1"), std::string::npos);
}

TEST_F(ApiServerTest, OfficerInvestigatesASubjectByBsnInTheBody) {
  auto s = StartShard();
  const TimeMicros t = Now() - 3 * kDay;
  Access(s->store.get(), "ev-1", t, "emp-1", {citizen_}, "wmo-toegang");
  Access(s->store.get(), "ev-2", t + 1, "emp-3", {citizen_}, "fraude-onderzoek",
         Verdict::kViolation);
  const std::string body =
      R"({"bsn":")" + std::string(kCitizenBsn) + "\"," + RecentJson(4 * kDay) + "}";
  auto r = Post(*s, "/v1/subjects/accesses", Token("emp-9", TokenRole::kPrivacyOfficer), body);
  ASSERT_EQ(r->status, 200) << r->body;
  const json j = json::parse(r->body);
  ASSERT_EQ(j["entries"].size(), 2u) << "officers see confidential activities too";
  EXPECT_EQ(j["entries"][0]["event_id"], "ev-2");
  EXPECT_EQ(j["entries"][0]["actor"], "emp-3");
  EXPECT_EQ(j["entries"][0]["verdict"], "violation");
  EXPECT_EQ(j["entries"][0]["rules"][0], "auth.role_not_permitted");
  EXPECT_EQ(j["entries"][0]["subject_count"], 1);
  EXPECT_EQ(r->body.find(kCitizenBsn), std::string::npos);
  const auto recorded = s->backend->recorded();
  ASSERT_EQ(recorded.size(), 1u);
  EXPECT_EQ(recorded[0].purpose, "privacy-onderzoek");
  EXPECT_EQ(recorded[0].actor_id, "emp-9");
  EXPECT_EQ(recorded[0].subjects, std::vector<Pseudonym>{citizen_});

  const std::string officer = Token("emp-9", TokenRole::kCiso);
  ExpectError(Post(*s, "/v1/subjects/accesses", officer, R"({"bsn":"123456789","from":"x"})"), 400,
              "bad_request");
  ExpectError(Post(*s, "/v1/subjects/accesses", officer, "not json"), 400, "bad_request");
  ExpectError(
      Post(
          *s, "/v1/subjects/accesses", officer,
          R"({"bsn":"999993653","from":"2026-01-01T00:00:00Z","to":"2026-01-02T00:00:00Z","x":1})"),
      400, "bad_request");
  ExpectError(
      Post(*s, "/v1/subjects/accesses", officer,
           R"({"bsn":999993653,"from":"2026-01-01T00:00:00Z","to":"2026-01-02T00:00:00Z"})"),
      400, "bad_request");
  ExpectError(Post(*s, "/v1/subjects/accesses", officer, std::string(70 * 1024, ' ')), 413,
              "payload_too_large");
}

TEST_F(ApiServerTest, OfficerInvestigatesAnActorAndTheReadNamesTheSubjectsSeen) {
  auto s = StartShard();
  Access(s->store.get(), "ev-1", Now() - kDay, "emp-1", {citizen_, other_}, "wmo-toegang");
  Access(s->store.get(), "ev-2", Now() - kDay + 5, "emp-2", {other_}, "wmo-toegang");
  auto r =
      Get(*s, "/v1/actors/emp-1/accesses?" + Recent(2 * kDay), Token("emp-9", TokenRole::kCiso));
  ASSERT_EQ(r->status, 200) << r->body;
  const json j = json::parse(r->body);
  EXPECT_EQ(j["actor"], "emp-1");
  ASSERT_EQ(j["entries"].size(), 1u);
  EXPECT_EQ(j["entries"][0]["subject_count"], 2);
  EXPECT_EQ(j["entries"][0]["subjects"][0].get<std::string>().size(), 32u);
  const auto recorded = s->backend->recorded();
  ASSERT_EQ(recorded.size(), 1u);
  EXPECT_EQ(std::set<Pseudonym>(recorded[0].subjects.begin(), recorded[0].subjects.end()),
            (std::set<Pseudonym>{citizen_, other_}));
  auto unknown =
      Get(*s, "/v1/actors/nobody/accesses?" + Recent(2 * kDay), Token("emp-9", TokenRole::kCiso));
  ASSERT_EQ(unknown->status, 200);
  EXPECT_TRUE(json::parse(unknown->body)["entries"].empty());
}

TEST_F(ApiServerTest, AlertQueueListFilterGetAndStatusChanges) {
  auto s = StartShard();
  for (int i = 0; i < 5; ++i) {
    Alert a;
    a.rule = i % 2 == 0 ? RuleId::kAuthRoleNotPermitted : RuleId::kAuthUnknownActor;
    a.severity = i % 2 == 0 ? Severity::kHigh : Severity::kMedium;
    a.actor = "emp-" + std::to_string(i);
    a.window_start = a.first_seen = a.last_seen = Now() - kDay;
    a.alert_id = AlertId(a.actor, a.rule, a.window_start);
    a.count = 1;
    a.version = 1;
    a.evidence = {"ev-" + std::to_string(i)};
    a.explanation = "test";
    s->backend->AddAlert(a);
  }
  const std::string ciso = Token("emp-ciso", TokenRole::kCiso);
  auto all = Get(*s, "/v1/alerts", ciso);
  ASSERT_EQ(all->status, 200) << all->body;
  EXPECT_EQ(json::parse(all->body)["alerts"].size(), 5u);
  auto high = Get(*s, "/v1/alerts?severity=high", Token("emp-po", TokenRole::kPrivacyOfficer));
  EXPECT_EQ(json::parse(high->body)["alerts"].size(), 3u);
  // Paging through the queue two at a time.
  std::set<std::string> ids;
  std::string cursor;
  for (int i = 0; i < 5; ++i) {
    auto page = Get(*s, "/v1/alerts?limit=2" + (cursor.empty() ? "" : "&cursor=" + cursor), ciso);
    const json j = json::parse(page->body);
    for (const auto& a : j["alerts"]) ids.insert(a["alert_id"]);
    if (j["next_cursor"].is_null()) break;
    cursor = j["next_cursor"];
  }
  EXPECT_EQ(ids.size(), 5u);
  ExpectError(Get(*s, "/v1/alerts?status=finished", ciso), 400, "bad_request");
  ExpectError(Get(*s, "/v1/alerts?severity=urgent", ciso), 400, "bad_request");

  const std::string id = *ids.begin();
  auto one = Get(*s, "/v1/alerts/" + id, ciso);
  ASSERT_EQ(one->status, 200);
  EXPECT_EQ(json::parse(one->body)["alert_id"], id);
  ExpectError(Get(*s, "/v1/alerts/00000000-00000000-00000000-00000000", ciso), 404, "not_found");
  ExpectError(Get(*s, "/v1/alerts/not-an-id", ciso), 400, "bad_request");

  auto ack = Post(*s, "/v1/alerts/" + id + "/status", ciso,
                  R"({"status":"acknowledged","reason":"looking into it"})");
  ASSERT_EQ(ack->status, 200) << ack->body;
  const json acked = json::parse(ack->body);
  EXPECT_EQ(acked["status"], "acknowledged");
  EXPECT_EQ(acked["version"], 2);
  EXPECT_EQ(acked["status_history"][0]["by"], "emp-ciso");
  EXPECT_EQ(json::parse(Get(*s, "/v1/alerts/" + id, ciso)->body)["status"], "acknowledged");
  ExpectError(
      Post(*s, "/v1/alerts/" + id + "/status", ciso, R"({"status":"reported","reason":"x"})"), 409,
      "conflict");
  ExpectError(Post(*s, "/v1/alerts/" + id + "/status", ciso, R"({"status":"dismissed"})"), 400,
              "bad_request");
  ExpectError(Post(*s, "/v1/alerts/" + id + "/status", ciso, R"({"status":"open","reason":"x"})"),
              400, "bad_request");
  ExpectError(Post(*s, "/v1/alerts/00000000-00000000-00000000-00000000/status", ciso,
                   R"({"status":"dismissed","reason":"x"})"),
              404, "not_found");
}

// The console's queue: breach deadline first (the oldest incident is the most urgent), then
// critical before high, then id; filters on every field the index holds; a total from the
// counts only when status and severity are the only filters.
TEST_F(ApiServerTest, AlertListIsOrderedByDeadlineAndSeverityAndFiltersByIndexedFields) {
  auto s = StartShard();
  const TimeMicros base = Now() - 3 * kDay;
  struct Spec {
    const char* actor;
    int hours;  // first_seen after base
    Severity severity;
    RuleId rule;
    const char* municipality;
    const char* department;
  };
  const std::vector<Spec> specs = {
      {"emp-a", 5, Severity::kMedium, RuleId::kAuthRoleNotPermitted, "dinkelland", "sociaal"},
      {"emp-b", 1, Severity::kLow, RuleId::kAuthUnknownActor, "tubbergen", ""},
      {"emp-c", 1, Severity::kCritical, RuleId::kAuthRoleNotPermitted, "dinkelland", "sociaal"},
      {"emp-d", 1, Severity::kHigh, RuleId::kAuthRoleNotPermitted, "tubbergen", "burgerzaken"},
      {"emp-e", 9, Severity::kHigh, RuleId::kAuthUnknownActor, "dinkelland", "burgerzaken"},
      {"emp-f", 0, Severity::kMedium, RuleId::kAuthRoleNotPermitted, "dinkelland", "sociaal"},
  };
  std::map<std::string, std::string> id_of;
  for (const Spec& spec : specs) {
    Alert a;
    a.rule = spec.rule;
    a.severity = spec.severity;
    a.actor = spec.actor;
    a.municipality = spec.municipality;
    a.department = spec.department;
    a.window_start = a.first_seen = a.last_seen = base + spec.hours * 3600 * kMicrosPerSecond;
    a.alert_id = AlertId(a.actor, a.rule, a.window_start);
    a.count = 1;
    a.version = 1;
    a.explanation = "test";
    s->backend->AddAlert(a);
    id_of[spec.actor] = a.alert_id;
  }
  const std::string ciso = Token("emp-ciso", TokenRole::kCiso);
  auto actors_of = [&](const std::string& query) {
    auto r = Get(*s, "/v1/alerts" + query, ciso);
    EXPECT_EQ(r->status, 200) << r->body;
    std::vector<std::string> out;
    const json j = json::parse(r->body);
    for (const auto& a : j["alerts"]) out.push_back(a["actor"]);
    return out;
  };
  EXPECT_EQ(actors_of(""),
            (std::vector<std::string>{"emp-f", "emp-c", "emp-d", "emp-b", "emp-a", "emp-e"}));
  EXPECT_EQ(actors_of("?department=sociaal"),
            (std::vector<std::string>{"emp-f", "emp-c", "emp-a"}));
  EXPECT_EQ(actors_of("?municipality=tubbergen"), (std::vector<std::string>{"emp-d", "emp-b"}));
  EXPECT_EQ(actors_of("?rule=auth.unknown_actor"), (std::vector<std::string>{"emp-b", "emp-e"}));
  EXPECT_EQ(actors_of("?severity=high&department=burgerzaken"),
            (std::vector<std::string>{"emp-d", "emp-e"}));
  const json first = json::parse(Get(*s, "/v1/alerts?limit=1", ciso)->body);
  EXPECT_EQ(first["total"], 6);
  EXPECT_EQ(first["alerts"][0]["department"], "sociaal");
  EXPECT_FALSE(first["next_cursor"].is_null());
  EXPECT_EQ(json::parse(Get(*s, "/v1/alerts?severity=high", ciso)->body)["total"], 2);
  EXPECT_TRUE(json::parse(Get(*s, "/v1/alerts?department=sociaal", ciso)->body)["total"].is_null());
  // An alert without a department shows null.
  const json b = json::parse(Get(*s, "/v1/alerts/" + id_of["emp-b"], ciso)->body);
  EXPECT_TRUE(b["department"].is_null());

  // A status change moves the alert in the index and the counts.
  ASSERT_EQ(Post(*s, "/v1/alerts/" + id_of["emp-c"] + "/status", ciso,
                 R"({"status":"acknowledged","reason":"mine"})")
                ->status,
            200);
  EXPECT_EQ(actors_of("?status=acknowledged"), (std::vector<std::string>{"emp-c"}));
  EXPECT_EQ(json::parse(Get(*s, "/v1/alerts?status=open", ciso)->body)["total"], 5);
  EXPECT_EQ(
      json::parse(Get(*s, "/v1/alerts?status=acknowledged&severity=critical", ciso)->body)["total"],
      1);

  // Paging one at a time visits the same order.
  std::vector<std::string> paged;
  std::string cursor;
  for (int i = 0; i < 10; ++i) {
    auto page = Get(*s, "/v1/alerts?limit=1" + (cursor.empty() ? "" : "&cursor=" + cursor), ciso);
    ASSERT_EQ(page->status, 200) << page->body;
    const json j = json::parse(page->body);
    for (const auto& a : j["alerts"]) paged.push_back(a["actor"]);
    if (j["next_cursor"].is_null()) break;
    cursor = j["next_cursor"];
  }
  EXPECT_EQ(paged, actors_of(""));
  // A cursor continues only the list it was issued for.
  const json high = json::parse(Get(*s, "/v1/alerts?severity=high&limit=1", ciso)->body);
  const std::string high_cursor = high["next_cursor"];
  EXPECT_EQ(Get(*s, "/v1/alerts?severity=high&limit=1&cursor=" + high_cursor, ciso)->status, 200);
  ExpectError(Get(*s, "/v1/alerts?severity=medium&cursor=" + high_cursor, ciso), 400,
              "bad_request");
  ExpectError(Get(*s, "/v1/alerts?cursor=" + high_cursor, ciso), 400, "bad_request");
  // A filter given empty is a mistake, not "any".
  for (const char* q : {"status=", "severity=", "rule=", "municipality=", "department="}) {
    ExpectError(Get(*s, std::string("/v1/alerts?") + q, ciso), 400, "bad_request");
  }
  ExpectError(Get(*s, "/v1/alerts?rule=no.such_rule", ciso), 400, "bad_request");
}

TEST_F(ApiServerTest, AlertsCloseAfterReportingOrAcknowledgingAndNotFromOpen) {
  auto s = StartShard();
  Alert a;
  a.rule = RuleId::kAuthRoleNotPermitted;
  a.severity = Severity::kHigh;
  a.actor = "emp-1";
  a.window_start = a.first_seen = a.last_seen = Now() - kDay;
  a.alert_id = AlertId(a.actor, a.rule, a.window_start);
  a.count = 1;
  a.version = 1;
  a.explanation = "test";
  s->backend->AddAlert(a);
  const std::string ciso = Token("emp-ciso", TokenRole::kCiso);
  const std::string path = "/v1/alerts/" + a.alert_id + "/status";
  ExpectError(Post(*s, path, ciso, R"({"status":"closed","reason":"x"})"), 409, "conflict");
  ASSERT_EQ(Post(*s, path, ciso, R"({"status":"acknowledged","reason":"x"})")->status, 200);
  auto closed = Post(*s, path, ciso, R"({"status":"closed","reason":"handled"})");
  ASSERT_EQ(closed->status, 200) << closed->body;
  EXPECT_EQ(json::parse(closed->body)["status"], "closed");
  const json list = json::parse(Get(*s, "/v1/alerts?status=closed", ciso)->body);
  ASSERT_EQ(list["alerts"].size(), 1u);
  EXPECT_EQ(list["total"], 1);
  ExpectError(Post(*s, path, ciso, R"({"status":"dismissed","reason":"x"})"), 409, "conflict");
}

TEST_F(ApiServerTest, AlertEvidenceShowsTheEvidenceEventsAndTheReadNamesTheirSubjects) {
  auto s = StartShard();
  const TimeMicros t = Now() - kDay;
  Access(s->store.get(), "ev-1", t, "emp-1", {citizen_}, "wmo-toegang", Verdict::kViolation);
  Access(s->store.get(), "ev-ok", t + 10, "emp-1", {other_}, "wmo-toegang");  // not evidence
  Access(s->store.get(), "ev-2", t + 20, "emp-1", {other_}, "wmo-toegang", Verdict::kViolation);
  Access(s->store.get(), "ev-other", t + 15, "emp-2", {other_}, "wmo-toegang");
  Alert a;
  a.rule = RuleId::kAuthRoleNotPermitted;
  a.severity = Severity::kHigh;
  a.actor = "emp-1";
  a.window_start = a.first_seen = t;
  a.last_seen = t + 20;
  a.alert_id = AlertId(a.actor, a.rule, a.window_start);
  a.count = 2;
  a.version = 2;
  a.evidence = {"ev-1", "ev-2"};
  a.explanation = "test";
  s->backend->AddAlert(a);
  auto r = Get(*s, "/v1/alerts/" + a.alert_id + "/evidence", Token("emp-9", TokenRole::kCiso));
  ASSERT_EQ(r->status, 200) << r->body;
  const json j = json::parse(r->body);
  std::set<std::string> ids;
  for (const auto& e : j["entries"]) ids.insert(e["event_id"]);
  EXPECT_EQ(ids, (std::set<std::string>{"ev-1", "ev-2"}));
  const auto recorded = s->backend->recorded();
  ASSERT_EQ(recorded.size(), 1u);
  EXPECT_EQ(std::set<Pseudonym>(recorded[0].subjects.begin(), recorded[0].subjects.end()),
            (std::set<Pseudonym>{citizen_, other_}));
  ExpectError(Get(*s, "/v1/alerts/00000000-00000000-00000000-00000000/evidence",
                  Token("emp-9", TokenRole::kCiso)),
              404, "not_found");
  ExpectError(
      Get(*s, "/v1/alerts/" + a.alert_id + "/evidence", Token(kCitizenBsn, TokenRole::kCitizen)),
      403, "forbidden");
}

TEST_F(ApiServerTest, UnknownRoutesAndHugeRequestsGetJsonErrors) {
  auto s = StartShard();
  ExpectError(Get(*s, "/v1/nothing", ""), 404, "not_found");
  ExpectError(Get(*s, "/v1/me/accesses?x=" + std::string(20000, 'a'), ""), 431,
              "request_header_fields_too_large");
  auto r = ClientOf(*s).Get("/healthz", {{"X-Big", std::string(20000, 'h')}});
  if (r.ok()) {  // or the connection was closed before it was all sent
    EXPECT_EQ(r->status, 431);
  }
  // The server still answers after all of that.
  EXPECT_EQ(Get(*s, "/healthz", "")->status, 200);
}

TEST_F(ApiServerTest, ScatterGatherMergesPeersAndMarksAPartialAnswer) {
  auto peer = StartShard();
  const TimeMicros t = Now() - 2 * kDay;
  Access(peer->store.get(), "ev-p1", t + 10, "emp-5", {citizen_}, "wmo-toegang");
  Access(peer->store.get(), "ev-both", t + 5, "emp-1", {citizen_}, "wmo-toegang");
  ApiConfig config;
  config.peers = {"http://127.0.0.1:" + std::to_string(peer->server->port()),
                  "http://127.0.0.1:1"};  // nobody listens on port 1
  config.peer_timeout_ms = 500;
  auto s = StartShard(config);
  Access(s->store.get(), "ev-l1", t + 20, "emp-1", {citizen_}, "wmo-maatwerkvoorziening");
  Access(s->store.get(), "ev-both", t + 5, "emp-1", {citizen_}, "wmo-toegang");

  const std::string token = Token(kCitizenBsn, TokenRole::kCitizen);
  // A client pages with the same parameters: cursors are bound to the period they came with.
  const std::string period = Recent(3 * kDay);
  auto r = Get(*s, "/v1/me/accesses?" + period + "&limit=2", token);
  ASSERT_EQ(r->status, 200) << r->body;
  json j = json::parse(r->body);
  ASSERT_EQ(j["entries"].size(), 2u);
  EXPECT_EQ(j["entries"][0]["activity"]["id"], "wmo-maatwerkvoorziening");  // local, newest
  EXPECT_EQ(j["entries"][1]["time"], FormatRfc3339(t + 10));                // from the peer
  EXPECT_EQ(j["partial"], true);
  EXPECT_EQ(j["unavailable_peers"], json::array({"peer-2"})) << "no internal address to citizens";
  ASSERT_TRUE(j["next_cursor"].is_string());
  auto next = Get(
      *s, "/v1/me/accesses?" + period + "&limit=2&cursor=" + j["next_cursor"].get<std::string>(),
      token);
  j = json::parse(next->body);
  ASSERT_EQ(j["entries"].size(), 1u) << "the event both shards stored is shown once";
  EXPECT_EQ(j["entries"][0]["time"], FormatRfc3339(t + 5));
  EXPECT_TRUE(j["next_cursor"].is_null());
  // The read is recorded once, where it was asked; the peer records nothing.
  EXPECT_EQ(s->backend->recorded().size(), 2u);
  EXPECT_TRUE(peer->backend->recorded().empty());
}

TEST_F(ApiServerTest, RequestsAreCountedByRouteNeverByConcretePath) {
  auto s = StartShard();
  (void)Get(*s, "/v1/actors/emp-1/accesses?" + Recent(kDay), Token("emp-9", TokenRole::kCiso));
  (void)Get(*s, "/healthz", "");
  std::string text;
  for (const auto& family : s->registry->Collect()) {
    for (const auto& metric : family.metric) {
      for (const auto& label : metric.label) text += label.name + "=" + label.value + ";";
    }
  }
  EXPECT_NE(text.find("route=/v1/actors/{id}/accesses;"), std::string::npos) << text;
  EXPECT_EQ(text.find("emp-1"), std::string::npos) << text;
}

namespace inzage::api {
namespace {

// HTTPS with a certificate and key from files: the same API over TLS, and plain HTTP refused.
TEST_F(ApiServerTest, ServesOverTlsWithCertificateAndKeyFromFiles) {
  const std::string cert = dir_.sub("cert.pem");
  const std::string key = dir_.sub("key.pem");
  const std::string cmd =
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
      "-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -days 1 -keyout " +
      key + " -out " + cert + " 2>/dev/null";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << "openssl could not make a test certificate";
  ApiConfig config;
  config.tls_certificate_file = cert;
  config.tls_key_file = key;
  auto s = StartShard(config);
  EXPECT_EQ(s->server->base_url().rfind("https://", 0), 0u);
  Access(s->store.get(), "ev-1", Now() - kDay, "emp-1", {citizen_}, "wmo-toegang");
  HttpClientOptions verified;
  verified.ca_file = cert;
  verified.timeout = std::chrono::seconds(30);
  const HttpClient tls(s->server->base_url(), verified);
  auto r = tls.Get("/v1/me/accesses?" + Recent(2 * kDay),
                   {{"Authorization", "Bearer " + Token(kCitizenBsn, TokenRole::kCitizen)}});
  ASSERT_OK(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(json::parse(r->body)["entries"].size(), 1u);
  // Without the CA the certificate is not trusted.
  EXPECT_FALSE(HttpClient(s->server->base_url(), {}).Get("/healthz").ok());
  HttpClientOptions quick;
  quick.timeout = std::chrono::seconds(2);
  auto refused =
      HttpClient("http://127.0.0.1:" + std::to_string(s->server->port()), quick).Get("/healthz");
  EXPECT_TRUE(!refused.ok() || refused->status != 200)
      << "plain HTTP must not be served on a TLS port";
}

TEST_F(ApiServerTest, RefusesToStartWithHalfATlsConfigurationOrABadCertificate) {
  ApiConfig half;
  half.tls_certificate_file = dir_.sub("cert.pem");
  StoreOptions so;
  so.key_id = pseudonymizer_.key_id();
  auto store = Store::Open(dir_.sub("store-tls"), so).value();
  FakeBackend backend(policy_, store.get());
  ApiServer server(half, store.get(), &pseudonymizer_,
                   TokenVerifier::FromKey(TokenAlgorithm::kHs256, kSecret, "inzage").value(),
                   &backend, nullptr, nullptr);
  EXPECT_FALSE(server.Start().ok());
  ApiConfig missing;
  missing.listen = "127.0.0.1:0";
  missing.tls_certificate_file = dir_.sub("nope.pem");
  missing.tls_key_file = dir_.sub("nope.key");
  ApiServer server2(missing, store.get(), &pseudonymizer_,
                    TokenVerifier::FromKey(TokenAlgorithm::kHs256, kSecret, "inzage").value(),
                    &backend, nullptr, nullptr);
  const Status st = server2.Start();
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("nope.pem"), std::string::npos) << st.message();
}

}  // namespace
}  // namespace inzage::api

namespace inzage::api {
namespace {

// A confidential access must not show through the page size or the cursor: the filter runs
// before the page is cut, here and at the peers.
TEST_F(ApiServerTest, HiddenAccessesDoNotShowThroughPagingOrCursors) {
  auto peer = StartShard();
  const TimeMicros t = Now() - 2 * kDay;
  Access(peer->store.get(), "ev-p-secret", t + 50, "emp-3", {citizen_}, "fraude-onderzoek");
  ApiConfig config;
  config.peers = {"http://127.0.0.1:" + std::to_string(peer->server->port())};
  auto s = StartShard(config);
  Access(s->store.get(), "ev-visible", t, "emp-1", {citizen_}, "wmo-toegang");
  Access(s->store.get(), "ev-secret", t + 100, "emp-3", {citizen_}, "fraude-onderzoek");
  const std::string token = Token(kCitizenBsn, TokenRole::kCitizen);
  auto r = Get(*s, "/v1/me/accesses?" + Recent(3 * kDay) + "&limit=1", token);
  ASSERT_EQ(r->status, 200) << r->body;
  const json j = json::parse(r->body);
  ASSERT_EQ(j["entries"].size(), 1u);
  EXPECT_EQ(j["entries"][0]["activity"]["id"], "wmo-toegang");
  EXPECT_TRUE(j["next_cursor"].is_null()) << "a cursor would say that more (hidden) entries exist";
  // Officers see all three, from both shards.
  auto o = Post(*s, "/v1/subjects/accesses", Token("emp-9", TokenRole::kCiso),
                R"({"bsn":")" + std::string(kCitizenBsn) + "\"," + RecentJson(3 * kDay) + "}");
  ASSERT_EQ(o->status, 200) << o->body;
  EXPECT_EQ(json::parse(o->body)["entries"].size(), 3u);
}

TEST_F(ApiServerTest, PeersNeedTheirOwnKey) {
  ApiConfig config;
  config.peers = {"http://127.0.0.1:1"};
  auto shard = std::make_unique<Shard>();
  StoreOptions so;
  so.key_id = pseudonymizer_.key_id();
  shard->store = Store::Open(shard->dir.sub("store"), so).value();
  FakeBackend backend(policy_, shard->store.get());
  config.listen = "127.0.0.1:0";
  ApiServer server(config, shard->store.get(), &pseudonymizer_,
                   TokenVerifier::FromKey(TokenAlgorithm::kHs256, kSecret, "inzage").value(),
                   &backend, nullptr, nullptr);
  const Status st = server.Start();
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("peer_key_file"), std::string::npos) << st.message();
}

}  // namespace
}  // namespace inzage::api

namespace inzage::api {
namespace {

// Every citizen read is stored: one token may not flood the store. Other citizens go on.
TEST_F(ApiServerTest, CitizenReadsAreLimitedPerCitizen) {
  ApiConfig config;
  config.citizen_reads_per_minute = 3;
  auto s = StartShard(config);
  const std::string path = "/v1/me/accesses?" + Recent(kDay);
  const std::string token = Token(kCitizenBsn, TokenRole::kCitizen);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(Get(*s, path, token)->status, 200) << i;
  auto limited = Get(*s, path, token);
  ExpectError(limited, 429, "too_many_requests");
  EXPECT_EQ(limited->HeaderValue("retry-after"), "60");
  EXPECT_EQ(s->backend->recorded().size(), 3u) << "a refused read is not recorded";
  EXPECT_EQ(Get(*s, path, Token(kOtherBsn, TokenRole::kCitizen))->status, 200);
}

}  // namespace
}  // namespace inzage::api

namespace inzage::api {
namespace {

// Cursors are sealed and bound to their query: a cursor in the store's plain layout, one from
// another period or another citizen, and one that was tampered with are all 400; none shows an
// event id.
TEST_F(ApiServerTest, CursorsAreOpaqueAndBoundToTheirQuery) {
  auto s = StartShard();
  const TimeMicros t = Now() - 2 * kDay;
  for (int i = 0; i < 3; ++i) {
    Access(s->store.get(), "ev-secret-" + std::to_string(i), t + i, "emp-1", {citizen_},
           "wmo-toegang");
  }
  const std::string token = Token(kCitizenBsn, TokenRole::kCitizen);
  const std::string period = Recent(3 * kDay);
  auto first = Get(*s, "/v1/me/accesses?" + period + "&limit=1", token);
  ASSERT_OK(first);
  ASSERT_EQ(first->status, 200) << first->body;
  EXPECT_EQ(first->body.find("ev-secret"), std::string::npos) << "an event id reached a citizen";
  const std::string cursor = json::parse(first->body)["next_cursor"];
  auto next = Get(*s, "/v1/me/accesses?" + period + "&limit=1&cursor=" + cursor, token);
  ASSERT_OK(next);
  EXPECT_EQ(next->status, 200) << next->body;
  // A plain store position, forged.
  ExpectError(
      Get(*s, "/v1/me/accesses?" + period + "&cursor=" + CursorOf(t + 1, "ev-secret-1"), token),
      400, "bad_request");
  // The same cursor for another period, or another citizen.
  ExpectError(Get(*s, "/v1/me/accesses?" + Recent(4 * kDay) + "&cursor=" + cursor, token), 400,
              "bad_request");
  ExpectError(Get(*s, "/v1/me/accesses?" + period + "&cursor=" + cursor,
                  Token(kOtherBsn, TokenRole::kCitizen)),
              400, "bad_request");
  // Tampered.
  std::string tampered = cursor;
  tampered[tampered.size() / 2] = tampered[tampered.size() / 2] == 'A' ? 'B' : 'A';
  ExpectError(Get(*s, "/v1/me/accesses?" + period + "&cursor=" + tampered, token), 400,
              "bad_request");
  // An empty cursor is refused, in a query string and in a body.
  ExpectError(Get(*s, "/v1/me/accesses?" + period + "&cursor=", token), 400, "bad_request");
  ExpectError(Post(*s, "/v1/subjects/accesses", Token("emp-9", TokenRole::kCiso),
                   R"({"bsn":")" + std::string(kCitizenBsn) + "\"," + RecentJson(kDay) +
                       R"(,"cursor":""})"),
              400, "bad_request");
}

TEST_F(ApiServerTest, WrongMethodsGet405WithAllowAndActorIdsMayHoldASlash) {
  auto s = StartShard();
  auto r = ClientOf(*s).Send(HttpMethod::kDelete, "/v1/alerts");
  ASSERT_OK(r);
  EXPECT_EQ(r->status, 405);
  EXPECT_EQ(r->HeaderValue("allow"), "GET");
  ExpectError(r, 405, "method_not_allowed");
  auto post = Post(*s, "/v1/me/accesses", Token(kCitizenBsn, TokenRole::kCitizen), "{}");
  ASSERT_OK(post);
  EXPECT_EQ(post->status, 405);
  // The spec advises %2F for a '/' in an actor id: it reaches the route as one segment.
  Access(s->store.get(), "ev-svc", Now() - kDay, "svc/batch", {citizen_}, "wmo-toegang");
  auto actor = Get(*s, "/v1/actors/svc%2Fbatch/accesses?" + Recent(2 * kDay),
                   Token("emp-9", TokenRole::kCiso));
  ASSERT_OK(actor);
  ASSERT_EQ(actor->status, 200) << actor->body;
  const json body = json::parse(actor->body);
  EXPECT_EQ(body["actor"], "svc/batch");
  ASSERT_EQ(body["entries"].size(), 1u);
  EXPECT_EQ(body["entries"][0]["actor"], "svc/batch");
}

// The LDV read API (ldv_routes.cc). Accesses with a W3C trace context, as the interop decoders
// store them.
constexpr char kLdvPath[] = "/lezenapi/v1/processing-activities";
constexpr char kTraceHex[] = "4bf92f3577b34da6a3ce929d0e0e4736";
constexpr char kTraceUuid[] = "4bf92f35-77b3-4da6-a3ce-929d0e0e4736";
constexpr char kWmoToegangUri[] =
    "https://register.noaberkracht.nl/verwerkingsactiviteiten/wmo-toegang";

void TracedAccess(Store* store, const std::string& id, TimeMicros t,
                  std::vector<Pseudonym> subjects, const std::string& activity,
                  std::string_view trace_hex) {
  StoredEvent e;
  e.record.time = t;
  e.record.event_id = id;
  e.record.actor = "emp-1";
  e.record.role = "wmo-consulent";
  e.record.department = "sociaal-domein";
  e.record.municipality = "dinkelland";
  e.record.domain = "wmo";
  e.record.activity = activity;
  e.record.verdict = Verdict::kAllow;
  if (!trace_hex.empty()) {
    const std::string bytes = BytesOfHex(trace_hex).value();
    std::memcpy(e.record.trace_id.data(), bytes.data(), 16);
    e.record.has_trace_id = true;
    for (size_t i = 0; i < 8; ++i) e.record.span_id[i] = static_cast<std::uint8_t>(id.size() + i);
    e.record.has_span_id = true;
  }
  e.subjects = std::move(subjects);
  CommitBatch batch;
  batch.events.push_back(std::move(e));
  ASSERT_OK(store->Commit(batch));
}

// The records of an answer as "event id/subject id", after checking the answer's shape.
std::vector<std::string> LdvRecords(const Result<HttpClientResponse>& r) {
  EXPECT_OK(r);
  if (!r.ok()) return {};
  EXPECT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(r->HeaderValue("api-version"), "1.1.0");
  const json body = json::parse(r->body, nullptr, false);
  std::vector<std::string> out;
  if (!body.is_object() || !body["processingActivities"].is_array()) {
    ADD_FAILURE() << r->body;
    return out;
  }
  for (const auto& a : body["processingActivities"]) {
    EXPECT_EQ(a["status"], "Unset");
    EXPECT_TRUE(a["startTime"].is_number_integer());
    EXPECT_EQ(a["spanId"].get<std::string>().size(), 16u);
    out.push_back(a["attributes"]["inzage.event_id"].get<std::string>() + "/" +
                  a["attributes"]["dpl.core.data_subject_id"].get<std::string>());
  }
  return out;
}

void ExpectProblem(const Result<HttpClientResponse>& r, const std::string& location,
                   const std::string& detail_part) {
  ASSERT_OK(r);
  EXPECT_EQ(r->status, 400) << r->body;
  EXPECT_EQ(r->HeaderValue("content-type").rfind("application/problem+json", 0), 0u);
  const json body = json::parse(r->body, nullptr, false);
  ASSERT_TRUE(body.is_object()) << r->body;
  EXPECT_EQ(body["status"], 400);
  EXPECT_EQ(body["errors"][0]["location"], location) << r->body;
  EXPECT_NE(body["errors"][0]["detail"].get<std::string>().find(detail_part), std::string::npos)
      << r->body;
}

TEST_F(ApiServerTest, LdvReadApiAnswersBySubjectActivityAndTrace) {
  auto s = StartShard();
  const TimeMicros t = Now() - kDay;
  TracedAccess(s->store.get(), "ev-1", t, {citizen_}, "wmo-toegang", kTraceHex);
  TracedAccess(s->store.get(), "ev-2", t + 1000, {citizen_, other_}, "wmo-maatwerkvoorziening",
               kTraceHex);
  TracedAccess(s->store.get(), "ev-3", t + 2000, {other_}, "wmo-toegang", "");
  TracedAccess(s->store.get(), "ev-4", t + 3000, {other_}, "jeugd-toegang",
               "00000000000000000000000000000001");
  const std::string officer = Token("emp-9", TokenRole::kPrivacyOfficer);
  using Set = std::set<std::string>;
  auto ask = [&](const std::string& body) {
    auto records = LdvRecords(Post(*s, kLdvPath, officer, body));
    return Set(records.begin(), records.end());
  };
  const std::string c = citizen_.Hex();
  const std::string o = other_.Hex();
  // By subject, under either name: the BSN asked for comes back, nothing of other subjects.
  EXPECT_EQ(
      ask(R"({"dpl.core.data_subject_id":"999993653","dpl.core.data_subject_id_type":"BSN"})"),
      (Set{"ev-1/999993653", "ev-2/999993653"}));
  EXPECT_EQ(ask(R"({"dataSubjectId":"999990482"})"),
            (Set{"ev-2/999990482", "ev-3/999990482", "ev-4/999990482"}));
  // By trace, in either form: every subject of the trace, by pseudonym.
  EXPECT_EQ(ask(R"({"traceId":")" + std::string(kTraceHex) + "\"}"),
            (Set{"ev-1/" + c, "ev-2/" + c, "ev-2/" + o}));
  EXPECT_EQ(ask(R"({"traceId":")" + std::string(kTraceUuid) + "\"}"),
            (Set{"ev-1/" + c, "ev-2/" + c, "ev-2/" + o}));
  // By the activity's URI in the register, under either name.
  EXPECT_EQ(ask(R"({"dpl.core.processing_activity_id":")" + std::string(kWmoToegangUri) + "\"}"),
            (Set{"ev-1/" + c, "ev-3/" + o}));
  EXPECT_EQ(ask(R"({"processingActivityId":")" + std::string(kWmoToegangUri) + "\"}"),
            (Set{"ev-1/" + c, "ev-3/" + o}));
  // Keys together narrow the answer; an activity no register names matches nothing.
  EXPECT_EQ(ask(R"({"dataSubjectId":"999990482","traceId":")" + std::string(kTraceHex) + "\"}"),
            (Set{"ev-2/999990482"}));
  EXPECT_EQ(ask(R"({"processingActivityId":"https://elders.example/x"})"), Set{});

  // The shape of one record: the source's trace in the draft's UUID form, the activity's URI.
  auto r = Post(*s, kLdvPath, officer, R"({"dataSubjectId":"999993653","limit":1000})");
  ASSERT_OK(r);
  const json j = json::parse(r->body);
  EXPECT_TRUE(j["nextCursor"].is_null());
  for (const auto& a : j["processingActivities"]) {
    if (a["attributes"]["inzage.event_id"] != "ev-1") continue;
    EXPECT_EQ(a["traceId"], kTraceUuid);
    EXPECT_EQ(a["startTime"], t / 1000);
    EXPECT_EQ(a["attributes"]["dpl.core.processing_activity_id"], kWmoToegangUri);
    EXPECT_EQ(a["attributes"]["dpl.core.data_subject_id_type"], "BSN");
    EXPECT_EQ(a["attributes"]["inzage.actor"], "emp-1");
    EXPECT_EQ(a["attributes"]["inzage.verdict"], "allow");
    EXPECT_FALSE(a["attributes"].contains("inzage.trace_derived"));
  }
  // A record without a trace context gets ids derived from its event id, and says so.
  r = Post(*s, kLdvPath, officer, R"({"dataSubjectId":"999990482"})");
  ASSERT_OK(r);
  // Parsed into a variable: a range-for over a member of a temporary would read freed memory.
  const json untraced = json::parse(r->body);
  for (const auto& a : untraced["processingActivities"]) {
    EXPECT_EQ(a["attributes"].contains("inzage.trace_derived"),
              a["attributes"]["inzage.event_id"] == "ev-3");
  }
  // Each read is recorded, on the subjects it showed.
  const auto recorded = s->backend->recorded();
  ASSERT_FALSE(recorded.empty());
  EXPECT_EQ(recorded.back().actor_id, "emp-9");
  EXPECT_EQ(recorded.back().subjects, std::vector<Pseudonym>{other_});
}

TEST_F(ApiServerTest, LdvReadApiRefusesARequestWithoutAKeyOrWithBadMembers) {
  auto s = StartShard();
  const std::string officer = Token("emp-9", TokenRole::kPrivacyOfficer);
  auto post = [&](const std::string& body) { return Post(*s, kLdvPath, officer, body); };
  // At least one of subject, activity and trace.
  ExpectProblem(post("{}"), "#/", "at least one of");
  ExpectProblem(post(R"({"startTime":0,"endTime":1})"), "#/", "at least one of");
  ExpectProblem(post(R"({"dpl.core.foreign_operation.processor":"x"})"), "#/", "at least one of");
  ExpectProblem(post(R"({"dpl.core.data_subject_id_type":"BSN"})"), "#/", "at least one of");
  // Each member checked, the place of the fault named.
  ExpectProblem(post(R"({"dataSubjectId":"123456789"})"), "#/dpl.core.data_subject_id",
                "not a BSN");
  ExpectProblem(post(R"({"dataSubjectId":"999993653","dpl.core.data_subject_id":"999993653"})"),
                "#/dataSubjectId", "not both");
  ExpectProblem(post(R"({"dataSubjectId":"999993653","dpl.core.data_subject_id_type":"RSIN"})"),
                "#/dpl.core.data_subject_id_type", "BSN only");
  ExpectProblem(post(R"({"traceId":"4bf92f3577b34da6a3ce929d0e0e473"})"), "#/traceId", "32 hex");
  ExpectProblem(post(R"({"traceId":"4bf92f35-77b34da6a3ce-929d0e0e4736-"})"), "#/traceId", "UUID");
  ExpectProblem(post(R"({"traceId":"zbf92f3577b34da6a3ce929d0e0e4736"})"), "#/traceId", "32 hex");
  ExpectProblem(post(R"({"processingActivityId":""})"), "#/dpl.core.processing_activity_id",
                "1-512");
  ExpectProblem(post(R"({"processingActivityId":")" + std::string(513, 'a') + "\"}"),
                "#/dpl.core.processing_activity_id", "1-512");
  ExpectProblem(post(R"({"dataSubjectId":"999993653","limit":0})"), "#/limit", "1 to 1000");
  ExpectProblem(post(R"({"dataSubjectId":"999993653","limit":1001})"), "#/limit", "1 to 1000");
  ExpectProblem(post(R"({"dataSubjectId":"999993653","cursor":""})"), "#/cursor", "1-512");
  ExpectProblem(post(R"({"dataSubjectId":"999993653","cursor":"abc"})"), "#/cursor", "not issued");
  ExpectProblem(post(R"({"dataSubjectId":999993653})"), "#/", "wrong type");
  ExpectProblem(post(R"({"dataSubjectId":"999993653","startTime":"2026-01-01"})"), "#/",
                "wrong type");
  ExpectProblem(post(R"({"dataSubjectId":"999993653","bsn":"999993653"})"), "#/", "bsn");
  ExpectProblem(post("[]"), "#/", "");
  // A request is a few short members: a large body is refused before it is parsed.
  auto big = post(R"({"dataSubjectId":"999993653","dpl.core.foreign_operation.processor":")" +
                  std::string(5000, 'a') + "\"}");
  ExpectError(big, 413, "payload_too_large");
  EXPECT_TRUE(s->backend->recorded().empty()) << "a refused request reads nothing";
}

TEST_F(ApiServerTest, LdvReadApiSelectsByTimeRangeInMilliseconds) {
  auto s = StartShard();
  const TimeMicros t = (Now() - kDay) / 1000 * 1000;  // on a millisecond
  for (int i = 0; i < 3; ++i) {
    TracedAccess(s->store.get(), "ev-" + std::to_string(i), t + i * kMicrosPerSecond, {citizen_},
                 "wmo-toegang", kTraceHex);
  }
  const std::string officer = Token("emp-9", TokenRole::kPrivacyOfficer);
  const std::int64_t ms = t / 1000;
  auto ask = [&](const std::string& range) {
    auto subject =
        LdvRecords(Post(*s, kLdvPath, officer, R"({"dataSubjectId":"999993653")" + range + "}"));
    auto trace = LdvRecords(Post(*s, kLdvPath, officer,
                                 R"({"traceId":")" + std::string(kTraceHex) + "\"" + range + "}"));
    EXPECT_EQ(subject.size(), trace.size()) << range;
    return subject.size();
  };
  EXPECT_EQ(ask(""), 3u);
  // Both ends are inclusive, to the millisecond.
  EXPECT_EQ(ask(fmt::format(R"(,"startTime":{},"endTime":{})", ms + 1000, ms + 1000)), 1u);
  EXPECT_EQ(ask(fmt::format(R"(,"startTime":{})", ms + 1000)), 2u);
  EXPECT_EQ(ask(fmt::format(R"(,"endTime":{})", ms + 999)), 1u);
  EXPECT_EQ(ask(fmt::format(R"(,"startTime":{},"endTime":{})", ms + 1, ms + 999)), 0u);
  EXPECT_EQ(ask(fmt::format(R"(,"startTime":0,"endTime":{})", ms + 2000)), 3u);
  const std::string officer_post = R"({"dataSubjectId":"999993653",)";
  ExpectProblem(Post(*s, kLdvPath, officer,
                     officer_post + fmt::format(R"("startTime":{},"endTime":{}}})", ms + 1, ms)),
                "#/endTime", "before startTime");
  ExpectProblem(Post(*s, kLdvPath, officer, officer_post + R"("startTime":-1})"), "#/startTime",
                "milliseconds");
  ExpectProblem(Post(*s, kLdvPath, officer, officer_post + R"("endTime":253402300800000})"),
                "#/endTime", "milliseconds");
  ExpectProblem(Post(*s, kLdvPath, officer, officer_post + R"("startTime":1.5})"), "#/",
                "wrong type");
}

TEST_F(ApiServerTest, LdvReadApiIsForPrivacyOfficersAndLogbooksOnly) {
  auto s = StartShard();
  const TimeMicros t = Now() - kDay;
  TracedAccess(s->store.get(), "ev-open", t, {citizen_}, "wmo-toegang", kTraceHex);
  TracedAccess(s->store.get(), "ev-secret", t + 1, {citizen_}, "fraude-onderzoek", kTraceHex);
  const std::string body = R"({"traceId":")" + std::string(kTraceHex) + "\"}";
  ExpectError(Post(*s, kLdvPath, "", body), 401, "unauthorized");
  ExpectError(Post(*s, kLdvPath, Token(kCitizenBsn, TokenRole::kCitizen), body), 403, "forbidden");
  ExpectError(Post(*s, kLdvPath, Token("emp-1", TokenRole::kCiso), body), 403, "forbidden");
  ExpectError(Post(*s, kLdvPath, Token("inzaged", TokenRole::kPeer), body), 403, "forbidden");
  auto peer_signer = TokenSigner::FromKeyFile(TokenAlgorithm::kHs256, peer_key_file_).value();
  ExpectError(
      Post(
          *s, kLdvPath,
          peer_signer.Sign("inzaged", TokenRole::kPeer, "inzage-peer", Now(), 60 * kMicrosPerSecond)
              .value(),
          body),
      401, "unauthorized");
  // The officer sees everything; another organisation's logbook what a citizen would see.
  EXPECT_EQ(LdvRecords(Post(*s, kLdvPath, Token("emp-9", TokenRole::kPrivacyOfficer), body)).size(),
            2u);
  const std::string logbook = Token("logboek.gemeente-elders.nl", TokenRole::kLogbook);
  const auto seen = LdvRecords(Post(*s, kLdvPath, logbook, body));
  EXPECT_EQ(seen, std::vector<std::string>{"ev-open/" + citizen_.Hex()});
  // Nor the employee, nor inzage's verdict on the access.
  const json shown =
      json::parse(Post(*s, kLdvPath, logbook, body)->body)["processingActivities"][0]["attributes"];
  EXPECT_FALSE(shown.contains("inzage.actor")) << shown;
  EXPECT_FALSE(shown.contains("inzage.verdict")) << shown;
  EXPECT_FALSE(shown.contains("inzage.rules")) << shown;
  EXPECT_EQ(shown["inzage.role"], "wmo-consulent");
  EXPECT_EQ(s->backend->recorded().back().actor_id, "logboek.gemeente-elders.nl");
  // A logbook's token opens this route only.
  ExpectError(Get(*s, "/v1/alerts", logbook), 403, "forbidden");
  ExpectError(Get(*s, "/v1/me/accesses?" + Recent(kDay), logbook), 403, "forbidden");
  ExpectError(
      Post(*s, "/v1/subjects/accesses", logbook, R"({"bsn":"999993653",)" + RecentJson(kDay) + "}"),
      403, "forbidden");
  // The citizen's own view is as it was: the open access only.
  auto mine =
      Get(*s, "/v1/me/accesses?" + Recent(2 * kDay), Token(kCitizenBsn, TokenRole::kCitizen));
  ASSERT_OK(mine);
  ASSERT_EQ(mine->status, 200) << mine->body;
  EXPECT_EQ(json::parse(mine->body)["entries"].size(), 1u);
}

TEST_F(ApiServerTest, LdvReadApiPagesABoundedWalkWithoutDuplicatesOrGaps) {
  ApiConfig config;
  config.ldv_scan_entries = 7;  // keys one request reads: the walk takes many requests
  auto s = StartShard(config);
  const TimeMicros t = Now() - kDay;
  std::vector<Pseudonym> subjects = {citizen_};
  for (int i = 1; i < 6; ++i)
    subjects.push_back(pseudonymizer_.Pseudonymise(fmt::format("s{}", i)));
  for (int i = 0; i < 6; ++i)
    subjects.push_back(pseudonymizer_.Pseudonymise(fmt::format("s{}", i)));
  std::set<std::string> expected;
  int n = 0;
  for (int i = 0; i < 30; ++i) {
    // Every third access is of another trace: pages the walk reads but does not answer.
    const bool in_trace = i % 3 != 0;
    const std::string id = fmt::format("ev-{:02}", i);
    std::vector<Pseudonym> of = {subjects[i % 6], subjects[(i + 1) % 6]};
    TracedAccess(s->store.get(), id, t + i * kMicrosPerSecond, of, "wmo-toegang",
                 in_trace ? kTraceHex : "00000000000000000000000000000002");
    if (in_trace) {
      for (const Pseudonym& p : of) expected.insert(id + "/" + p.Hex());
      n += 2;
    }
  }
  ASSERT_EQ(expected.size(), static_cast<size_t>(n));
  const std::string officer = Token("emp-9", TokenRole::kPrivacyOfficer);
  const std::string query = R"({"traceId":")" + std::string(kTraceHex) + R"(","limit":5)";
  std::vector<std::string> got;
  std::string cursor;
  int pages = 0;
  bool short_page = false;
  for (; pages < 100; ++pages) {
    const std::string body =
        query + (cursor.empty() ? std::string() : R"(,"cursor":")" + cursor + "\"") + "}";
    auto r = Post(*s, kLdvPath, officer, body);
    const auto records = LdvRecords(r);
    EXPECT_LE(records.size(), 5u);
    got.insert(got.end(), records.begin(), records.end());
    const json j = json::parse(r->body);
    if (j["nextCursor"].is_null()) break;
    if (records.size() < 5) short_page = true;
    cursor = j["nextCursor"];
    // A cursor continues only its own query.
    if (pages == 1) {
      ExpectProblem(
          Post(*s, kLdvPath, officer,
               R"({"traceId":"00000000000000000000000000000002","cursor":")" + cursor + "\"}"),
          "#/cursor", "not issued");
      ExpectProblem(Post(*s, kLdvPath, Token("x", TokenRole::kLogbook),
                         query + R"(,"cursor":")" + cursor + "\"}"),
                    "#/cursor", "not issued");
    }
  }
  EXPECT_EQ(got.size(), expected.size()) << "a duplicate or a gap";
  EXPECT_EQ(std::set<std::string>(got.begin(), got.end()), expected);
  // 60 keys, 7 a request: at least 9 requests, some of them with short pages.
  EXPECT_GE(pages + 1, 9);
  EXPECT_TRUE(short_page);

  // A subject's walk pages the same way, over that subject's keys only.
  std::set<std::string> mine;
  for (int i = 0; i < 30; ++i) {
    if (i % 6 == 0 || (i + 1) % 6 == 0) mine.insert(fmt::format("ev-{:02}/999993653", i));
  }
  got.clear();
  cursor.clear();
  for (int page = 0; page < 100; ++page) {
    auto r = Post(*s, kLdvPath, officer,
                  R"({"dataSubjectId":"999993653","limit":2)" +
                      (cursor.empty() ? std::string() : R"(,"cursor":")" + cursor + "\"") + "}");
    const auto records = LdvRecords(r);
    got.insert(got.end(), records.begin(), records.end());
    const json j = json::parse(r->body);
    if (j["nextCursor"].is_null()) break;
    cursor = j["nextCursor"];
  }
  EXPECT_EQ(got.size(), mine.size()) << "a duplicate or a gap";
  EXPECT_EQ(std::set<std::string>(got.begin(), got.end()), mine);
}

}  // namespace
}  // namespace inzage::api

// The pages' sign-in: a token becomes an HttpOnly session cookie once; the cookie then serves
// reads, a change made with it needs the X-Inzage-Request header, and signing out ends it.
TEST_F(ApiServerTest, SessionsStandInForTokensAndResistCrossSiteRequests) {
  auto shard = StartShard();
  const HttpClient client = ClientOf(*shard);
  const std::string body = R"({"token":")" + Token(kCitizenBsn, TokenRole::kCitizen) + "\"}";
  ExpectError(client.Post("/v1/session", body), 403, "forbidden");
  auto signed_in = client.Post("/v1/session", body, {{"X-Inzage-Request", "1"}});
  ASSERT_OK(signed_in);
  ASSERT_EQ(signed_in->status, 200) << signed_in->body;
  EXPECT_EQ(signed_in->body.find(kCitizenBsn), std::string::npos);
  EXPECT_EQ(json::parse(signed_in->body)["role"], "citizen");
  const std::string set_cookie = signed_in->HeaderValue("set-cookie");
  EXPECT_NE(set_cookie.find("HttpOnly; SameSite=Strict"), std::string::npos) << set_cookie;
  const std::string cookie = set_cookie.substr(0, set_cookie.find(';'));
  ASSERT_EQ(cookie.rfind("inzage_session=", 0), 0u);

  auto me = client.Get("/v1/me/accesses?" + Recent(kDay), {{"Cookie", cookie}});
  ASSERT_OK(me);
  EXPECT_EQ(me->status, 200) << me->body;
  auto context = client.Get("/v1/me/context", {{"Cookie", cookie}});
  ASSERT_OK(context);
  EXPECT_EQ(context->status, 200) << context->body;
  EXPECT_TRUE(json::parse(context->body)["privacy_contact"].is_object());
  ExpectError(client.Get("/v1/alerts", {{"Cookie", cookie}}), 403, "forbidden");

  // A change with the cookie alone (what a cross-site form could send) is refused.
  ExpectError(client.Send(HttpMethod::kDelete, "/v1/session", {}, {{"Cookie", cookie}}), 403,
              "forbidden");
  auto out = client.Send(HttpMethod::kDelete, "/v1/session", {},
                         {{"Cookie", cookie}, {"X-Inzage-Request", "1"}});
  ASSERT_OK(out);
  EXPECT_EQ(out->status, 204);
  EXPECT_NE(out->HeaderValue("set-cookie").find("Max-Age=0"), std::string::npos);
  ExpectError(client.Get("/v1/me/accesses?" + Recent(kDay), {{"Cookie", cookie}}), 401,
              "unauthorized");
  ExpectError(client.Get("/v1/session", {{"Cookie", "inzage_session=guessed"}}), 401,
              "unauthorized");
}

TEST_F(ApiServerTest, OfficerSessionChangesAlertsOnlyWithTheRequestHeader) {
  auto shard = StartShard();
  Alert a;
  a.rule = RuleId::kAuthRoleNotPermitted;
  a.severity = Severity::kHigh;
  a.actor = "m-1";
  a.window_start = a.first_seen = a.last_seen = Now();
  a.alert_id = AlertId(a.actor, a.rule, a.window_start);
  a.count = 1;
  a.version = 1;
  shard->backend->AddAlert(a);
  const HttpClient client = ClientOf(*shard);
  auto signed_in =
      client.Post("/v1/session", R"({"token":")" + Token("ciso-1", TokenRole::kCiso) + "\"}",
                  {{"X-Inzage-Request", "1"}});
  ASSERT_OK(signed_in);
  ASSERT_EQ(signed_in->status, 200);
  EXPECT_EQ(json::parse(signed_in->body)["label"], "ciso-1");
  const std::string set_cookie = signed_in->HeaderValue("set-cookie");
  const std::string cookie = set_cookie.substr(0, set_cookie.find(';'));
  const std::string change = R"({"status":"acknowledged","reason":"seen"})";
  ExpectError(client.Post("/v1/alerts/" + a.alert_id + "/status", change, {{"Cookie", cookie}}),
              403, "forbidden");
  auto changed = client.Post("/v1/alerts/" + a.alert_id + "/status", change,
                             {{"Cookie", cookie}, {"X-Inzage-Request", "1"}});
  ASSERT_OK(changed);
  EXPECT_EQ(changed->status, 200) << changed->body;
}

// A second issuer (the organisation's identity provider) may sign staff, never citizens.
TEST_F(ApiServerTest, StaffTokensSignStaffRolesOnly) {
  const std::string staff_secret(40, 'k');
  const std::string staff_key = dir_.sub("staff.key");
  std::string hex;
  for (unsigned char c : staff_secret) hex += fmt::format("{:02x}", c);
  {
    std::ofstream(staff_key) << hex;
    ::chmod(staff_key.c_str(), 0600);
  }
  ApiConfig config;
  config.staff_tokens.algorithm = "HS256";
  config.staff_tokens.key_file = staff_key;
  config.staff_tokens.audience = "inzage-staff";
  auto shard = StartShard(config);
  auto staff = TokenSigner::FromKey(TokenAlgorithm::kHs256, staff_secret).value();
  auto sign = [&](const std::string& sub, TokenRole role, const std::string& audience) {
    return staff.Sign(sub, role, audience, Now(), 600 * kMicrosPerSecond).value();
  };
  auto ciso = Get(*shard, "/v1/alerts", sign("ciso-2", TokenRole::kCiso, "inzage-staff"));
  ASSERT_OK(ciso);
  EXPECT_EQ(ciso->status, 200) << ciso->body;
  ExpectError(Get(*shard, "/v1/me/accesses?" + Recent(kDay),
                  sign(kCitizenBsn, TokenRole::kCitizen, "inzage-staff")),
              401, "unauthorized");
  ExpectError(Get(*shard, "/v1/alerts", sign("ciso-2", TokenRole::kCiso, "inzage")), 401,
              "unauthorized");
  auto primary = Get(*shard, "/v1/alerts", Token("ciso-3", TokenRole::kCiso));
  ASSERT_OK(primary);
  EXPECT_EQ(primary->status, 200) << "the primary issuer still signs staff";
}

TEST_F(ApiServerTest, OverviewCountsHoursWithoutNamingAnyone) {
  auto shard = StartShard();
  HourlyStats stats;
  Decision violation;
  violation.verdict = Verdict::kViolation;
  violation.hits[violation.hit_count++].rule = RuleId::kAuthRoleNotPermitted;
  stats.Observe(Now(), violation, "sociaal-domein");
  std::vector<std::pair<std::string, std::string>> rows;
  stats.TakeChanged(&rows);
  CommitBatch batch;
  for (auto& [k, v] : rows) batch.state.emplace_back(k, v);
  ASSERT_OK(shard->store->Commit(batch));
  auto r = Get(*shard, "/v1/overview?hours=24", Token("ciso-1", TokenRole::kCiso));
  ASSERT_OK(r);
  ASSERT_EQ(r->status, 200) << r->body;
  const json o = json::parse(r->body);
  ASSERT_EQ(o["hours"].size(), 24u);
  EXPECT_EQ(o["hours"][23]["violation"], 1);
  EXPECT_EQ(o["top_rules"][0]["rule"], "auth.role_not_permitted");
  EXPECT_EQ(o["violations_by_department"][0]["department"], "sociaal-domein");
  EXPECT_EQ(o["invalid"]["window"], "PT24H");
  ExpectError(Get(*shard, "/v1/overview?hours=0", Token("ciso-1", TokenRole::kCiso)), 400,
              "bad_request");
  ExpectError(Get(*shard, "/v1/overview?hours=99999999999", Token("ciso-1", TokenRole::kCiso)), 400,
              "bad_request");
  ExpectError(Get(*shard, "/v1/overview", Token(kCitizenBsn, TokenRole::kCitizen)), 403,
              "forbidden");
}

TEST_F(ApiServerTest, PagesAndDemoSignInLinks) {
  const std::string ui = dir_.sub("ui");
  std::filesystem::create_directories(ui + "/citizen");
  std::ofstream(ui + "/citizen/index.html") << "<h1>Wie heeft mijn gegevens bekeken?</h1>";
  ApiConfig config;
  config.ui_dir = ui;
  config.demo_login = true;
  auto shard = StartShard(config);
  auto page = Get(*shard, "/ui/citizen/", "");
  ASSERT_OK(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_NE(page->HeaderValue("content-security-policy").find("default-src 'self'"),
            std::string::npos);
  auto settings = Get(*shard, "/ui/console/config.json", "");
  ASSERT_OK(settings);
  EXPECT_EQ(json::parse(settings->body)["demo"], true);
  EXPECT_EQ(Get(*shard, "/ui/%2e%2e/%2e%2e/etc/passwd", "")->status, 404);

  const std::string code = shard->server->CreateDemoLogin(Token(kCitizenBsn, TokenRole::kCitizen));
  auto first = Get(*shard, "/ui/demo-login?code=" + code + "&to=citizen", "");
  ASSERT_OK(first);
  EXPECT_EQ(first->status, 303);
  EXPECT_EQ(first->HeaderValue("location"), "/ui/citizen/");
  EXPECT_NE(first->HeaderValue("set-cookie").find("inzage_session="), std::string::npos);
  EXPECT_EQ(Get(*shard, "/ui/demo-login?code=" + code + "&to=citizen", "")->status, 400)
      << "a link signs in once";
}

}  // namespace
}  // namespace inzage::api

namespace inzage::api {
namespace {

// The `entry` of the first entry of a citizen's page under `activity`; empty when none.
std::string EntryOf(const Result<HttpClientResponse>& page, std::string_view activity) {
  if (!page.ok() || page->status != 200) return {};
  const json body = json::parse(page->body);
  for (const auto& e : body["entries"]) {
    if (e["activity"]["id"] == std::string(activity)) return e["entry"];
  }
  return {};
}

// "I don't recognise this access": the report becomes a citizen.reported alert in the CISO's
// queue, linked to the access, with the configured severity and the citizen's text redacted;
// the citizen's reference is its id and tells nothing about them.
TEST_F(ApiServerTest, CitizenReportBecomesAnAlertInTheCisoQueue) {
  ApiConfig config;
  config.citizen_report_severity = Severity::kHigh;
  auto s = StartShard(config);
  const TimeMicros t = Now() - 3 * kDay;
  Access(s->store.get(), "ev-r1", t, "emp-7", {citizen_}, "wmo-maatwerkvoorziening");
  const std::string citizen = Token(kCitizenBsn, TokenRole::kCitizen);
  auto page = Get(*s, "/v1/me/accesses?" + Recent(30 * kDay), citizen);
  ASSERT_OK(page);
  ASSERT_EQ(page->status, 200) << page->body;
  const std::string entry = EntryOf(page, "wmo-maatwerkvoorziening");
  ASSERT_FALSE(entry.empty()) << page->body;

  const std::string text =
      "Ik ken deze afdeling niet. BSN 999993653, bel 0612345678; op 12-05-2024 niets "
      "aangevraagd. \u00e9\u00e9n keer";
  auto r =
      Post(*s, "/v1/me/reports", citizen, R"({"entry":")" + entry + R"(","text":")" + text + "\"}");
  ASSERT_OK(r);
  ASSERT_EQ(r->status, 202) << r->body;
  const json receipt = json::parse(r->body);
  EXPECT_EQ(receipt["received"], true);
  const std::string reference = receipt["reference"];
  EXPECT_EQ(reference.size(), 35u) << "the alert id";
  for (const std::string& secret : {std::string(kCitizenBsn), citizen_.Hex()}) {
    EXPECT_EQ(r->body.find(secret), std::string::npos);
    EXPECT_EQ(reference.find(secret), std::string::npos);
  }

  const std::string ciso = Token("emp-ciso", TokenRole::kCiso);
  auto list = Get(*s, "/v1/alerts?rule=citizen.reported", ciso);
  ASSERT_OK(list);
  ASSERT_EQ(list->status, 200) << list->body;
  const json alerts = json::parse(list->body)["alerts"];
  ASSERT_EQ(alerts.size(), 1u) << list->body;
  const json& alert = alerts[0];
  EXPECT_EQ(alert["alert_id"], reference);
  EXPECT_EQ(alert["rule"], "citizen.reported");
  EXPECT_EQ(alert["severity"], "high");
  EXPECT_EQ(alert["verdict"], "review");
  EXPECT_EQ(alert["status"], "open");
  EXPECT_EQ(alert["actor"], "emp-7");
  EXPECT_EQ(alert["municipality"], "dinkelland");
  EXPECT_EQ(alert["evidence"]["event_ids"], json::array({"ev-r1"}));
  EXPECT_EQ(alert["subjects"], 1);
  const std::string explanation = alert["explanation"];
  EXPECT_NE(
      explanation.find("Ik ken deze afdeling niet. BSN [\u2026], bel [\u2026]; op 12-05-2024"),
      std::string::npos)
      << explanation;
  EXPECT_NE(explanation.find("\u00e9\u00e9n keer"), std::string::npos) << explanation;
  EXPECT_EQ(list->body.find(kCitizenBsn), std::string::npos);
  EXPECT_EQ(list->body.find("0612345678"), std::string::npos);
  EXPECT_EQ(list->body.find(citizen_.Hex()), std::string::npos);
  auto one = Get(*s, "/v1/alerts/" + reference, ciso);
  ASSERT_EQ(one->status, 200) << one->body;
  EXPECT_FALSE(json::parse(one->body)["guidance"].get<std::string>().empty());

  // What reached the pipeline: the pseudonym, never the BSN; the lookup was recorded as the
  // citizen's read (after the page's read).
  ASSERT_EQ(s->backend->reports().size(), 1u);
  EXPECT_EQ(s->backend->reports()[0].subject, citizen_);
  EXPECT_EQ(s->backend->reports()[0].text.find("999993653"), std::string::npos);
  size_t citizen_reads = 0;
  for (const OwnedAccessEvent& e : s->backend->recorded()) {
    citizen_reads += e.actor_kind == ActorKind::kCitizen ? 1 : 0;
  }
  EXPECT_EQ(citizen_reads, 2u);

  // The evidence is the access reported, found in the employee's history at its time; the
  // deadline counts from the report, not from the (older) access.
  auto evidence = Get(*s, "/v1/alerts/" + reference + "/evidence", ciso);
  ASSERT_EQ(evidence->status, 200) << evidence->body;
  const json entries = json::parse(evidence->body)["entries"];
  ASSERT_EQ(entries.size(), 1u) << evidence->body;
  EXPECT_EQ(entries[0]["event_id"], "ev-r1");
  EXPECT_EQ(alert["first_seen"], FormatRfc3339(t));
  EXPECT_GT(*ParseRfc3339(alert["breach_deadline"].get<std::string>()),
            Now() + 71 * 3600 * kMicrosPerSecond);
}

TEST_F(ApiServerTest, CitizenReportsAreRefusedForOthersEntriesAndBadInput) {
  ApiConfig config;
  config.citizen_reports_per_day = 4;
  auto s = StartShard(config);
  const TimeMicros t = Now() - 2 * kDay;
  Access(s->store.get(), "ev-mine", t, "emp-1", {citizen_}, "wmo-toegang");
  Access(s->store.get(), "ev-theirs", t + 10, "emp-2", {other_}, "wmo-toegang");
  // The citizen's own earlier read of the page (the fake backend stores none itself).
  Access(s->store.get(), "ev-own", t + 20, "citizen-" + citizen_.Hex(), {citizen_},
         std::string(kCitizenActivity));
  const std::string citizen = Token(kCitizenBsn, TokenRole::kCitizen);
  const std::string other = Token(kOtherBsn, TokenRole::kCitizen);
  const std::string theirs =
      EntryOf(Get(*s, "/v1/me/accesses?" + Recent(30 * kDay), other), "wmo-toegang");
  const auto my_page = Get(*s, "/v1/me/accesses?" + Recent(30 * kDay), citizen);
  const std::string mine = EntryOf(my_page, "wmo-toegang");
  const std::string own_read = EntryOf(my_page, kCitizenActivity);
  ASSERT_FALSE(theirs.empty() || mine.empty() || own_read.empty());
  const auto report = [&](const std::string& body, const std::string& token) {
    return Post(*s, "/v1/me/reports", token, body);
  };

  // No token; a staff token.
  ExpectError(report(R"({"entry":")" + mine + "\"}", ""), 401, "unauthorized");
  ExpectError(report(R"({"entry":")" + mine + "\"}", Token("emp-ciso", TokenRole::kCiso)), 403,
              "forbidden");
  // Missing or malformed entry, unknown members, text that is no string or too long (1000
  // characters is the limit, counted in characters: 1000 two-byte "é" are fine).
  ExpectError(report("{}", citizen), 400, "bad_request");
  ExpectError(report(R"({"text":"x"})", citizen), 400, "bad_request");
  ExpectError(report(R"({"entry":42})", citizen), 400, "bad_request");
  ExpectError(report("not json", citizen), 400, "bad_request");
  ExpectError(report(R"({"entry":")" + mine + R"(","bsn":"999993653"})", citizen), 400,
              "bad_request");
  ExpectError(report(R"({"entry":")" + mine + R"(","text":7})", citizen), 400, "bad_request");
  ExpectError(
      report(R"({"entry":")" + mine + R"(","text":")" + std::string(1001, 'x') + "\"}", citizen),
      400, "bad_request");
  EXPECT_TRUE(s->backend->reports().empty());

  // Another citizen's entry and one that never existed: the same 404.
  auto not_mine = report(R"({"entry":")" + theirs + "\"}", citizen);
  auto made_up = report(R"({"entry":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"})", citizen);
  ExpectError(not_mine, 404, "not_found");
  ExpectError(made_up, 404, "not_found");
  EXPECT_EQ(not_mine->body, made_up->body);
  EXPECT_TRUE(s->backend->reports().empty());

  std::string e_acute;
  for (int i = 0; i < 1000; ++i) e_acute += "\xC3\xA9";
  auto accepted = report(R"({"entry":")" + mine + R"(","text":")" + e_acute + "\"}", citizen);
  ASSERT_OK(accepted);
  EXPECT_EQ(accepted->status, 202) << accepted->body;
  // The citizen's own reads of the page are not reported.
  ExpectError(report(R"({"entry":")" + own_read + "\"}", citizen), 400, "bad_request");
  // Four well-formed reports a day (the two 404s, the one accepted and the own read), then 429.
  auto limited = report(R"({"entry":")" + mine + "\"}", citizen);
  ExpectError(limited, 429, "too_many_requests");
  EXPECT_EQ(limited->HeaderValue("retry-after"), std::to_string(24 * 3600 / 4));
  EXPECT_EQ(s->backend->reports().size(), 1u);
  // When the pipeline cannot store it, the citizen hears so and nothing is claimed received.
  s->backend->set_fail(true);
  ExpectError(report(R"({"entry":")" + theirs + "\"}", other), 503, "unavailable");
  EXPECT_EQ(s->backend->reports().size(), 1u);
}

}  // namespace
}  // namespace inzage::api

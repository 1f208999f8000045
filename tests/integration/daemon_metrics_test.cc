// /metrics' alert gauges come from the store's alert counts and index (store/alert_index.h),
// never from a scan: by status and severity, and the unresolved alerts whose breach deadline
// is within 24 h or passed.
#include "app/daemon_metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>

#include "detect/alert.h"
#include "ingest/alert_emitter.h"
#include "store_test_util.h"
#include "support/status_matchers.h"

namespace inzage {
namespace {

using ::testing::HasSubstr;
using testing::TempDir;

TimeMicros Now() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

TEST(DaemonMetricsTest, AlertGaugesFollowTheStoresCounts) {
  TempDir dir;
  StoreOptions o;
  o.key_id = "k";
  auto store = Store::Open(dir.sub("store"), o);
  ASSERT_TRUE(store.ok()) << store.status().message();
  const TimeMicros hour = TimeMicros{3600} * kMicrosPerSecond;
  CommitBatch batch;
  // first_seen -> deadline (first_seen + 72 h): 80 h ago passed; 50 h ago in 22 h; 10 h ago in
  // 62 h. One of the passed ones is reported: resolved, not counted.
  int n = 0;
  for (const auto& [ago, status, severity] :
       {std::tuple{80, AlertStatus::kOpen, Severity::kHigh},
        std::tuple{50, AlertStatus::kOpen, Severity::kHigh},
        std::tuple{50, AlertStatus::kAcknowledged, Severity::kCritical},
        std::tuple{10, AlertStatus::kOpen, Severity::kLow},
        std::tuple{80, AlertStatus::kReported, Severity::kHigh}}) {
    Alert a;
    a.actor = "emp-" + std::to_string(++n);
    a.rule = RuleId::kAuthRoleNotPermitted;
    a.severity = severity;
    a.status = status;
    a.window_start = a.first_seen = a.last_seen = Now() - ago * hour;
    a.alert_id = AlertId(a.actor, a.rule, a.window_start);
    a.version = 1;
    batch.alerts.push_back(AlertRowOf(a));
  }
  ASSERT_OK((*store)->Commit(batch));
  app::DaemonMetrics metrics(std::make_shared<prometheus::Registry>());
  metrics.Attach(nullptr, store->get(), nullptr);
  const std::string text = metrics.Render();
  EXPECT_THAT(text, HasSubstr(R"(inzage_alerts{severity="high",status="open"} 2)"));
  EXPECT_THAT(text, HasSubstr(R"(inzage_alerts{severity="critical",status="acknowledged"} 1)"));
  EXPECT_THAT(text, HasSubstr(R"(inzage_alerts{severity="low",status="open"} 1)"));
  EXPECT_THAT(text, HasSubstr(R"(inzage_alerts{severity="high",status="reported"} 1)"));
  EXPECT_THAT(text, HasSubstr(R"(inzage_alerts{severity="high",status="closed"} 0)"));
  EXPECT_THAT(text, HasSubstr("inzage_alerts_breach_deadline_within_24h 3"));
  EXPECT_THAT(text, HasSubstr("inzage_incidents_in_memory 0"));
  EXPECT_THAT(text, HasSubstr("inzage_incidents_closed_early_total 0"));
}

}  // namespace
}  // namespace inzage

// The issue's memory test: one actor's state stays bounded under a stream of 1,000,000 distinct
// subjects (views spread over 20 hours, and the same million in 100 exports within an hour).
// Memory is measured by the detector's own accounting (heap capacities of its containers) and by
// the size of the serialized state, never by timing.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "detect/behavior_detector.h"
#include "detect_test_util.h"
#include "policy/policy_loader.h"
#include "support/status_matchers.h"

namespace inzage {
namespace {

using testing_util::SyntheticSubject;
using testing_util::T;

TEST(DetectorMemoryTest, OneActorAMillionDistinctSubjectsStaysBounded) {
  auto policy = LoadPolicy(testing_util::kPolicyDir);
  ASSERT_OK(policy);
  Pseudonymizer key("memory-test-key-memory-test-key-0123456789");
  ReferenceData reference(&key);
  for (const char* id : {"sys-viewer", "sys-exporter"}) {
    ASSERT_OK(reference.Apply(
        std::string(R"({"type":"system","id":")") + id +
        R"(","roles":["burgerzaken-medewerker"],"municipalities":["dinkelland"]})"));
  }
  reference.Resolve(**policy);
  BehaviorDetector detector(policy->get(), &reference);

  // 1,000,000 views spread over 20 hours (50,000 distinct subjects an hour, every one new), and
  // the same million exported in 100 exports of 10,000 within one hour by another actor.
  const TimeMicros start = T("2026-11-23T00:00:00Z");
  Decision d;
  size_t peak_view = 0, peak_export = 0;
  std::string state;
  size_t peak_state = 0;
  std::vector<Pseudonym> batch(10000);
  for (std::uint64_t n = 0; n < 1000000; ++n) {
    const Pseudonym p = SyntheticSubject(n);
    AccessEvent e;
    e.event_id = "v";
    e.actor_id = "sys-viewer";
    e.actor_kind = ActorKind::kSystem;
    e.time = start + static_cast<TimeMicros>(n) * 72 * 1000;  // 72 ms apart
    e.subjects = std::span<const Pseudonym>(&p, 1);
    d.Reset(e.event_id);
    detector.Observe(e, &d);
    if (n % 1000 == 999) {
      peak_view = std::max(peak_view, detector.Stats("sys-viewer")->memory_bytes);
    }
    if (n % 50000 == 49999) {
      ASSERT_TRUE(detector.SerializeActorState("sys-viewer", &state));
      peak_state = std::max(peak_state, state.size());
    }
    batch[n % 10000] = p;
    if (n % 10000 == 9999) {
      AccessEvent x;
      x.event_id = "x";
      x.actor_id = "sys-exporter";
      x.actor_kind = ActorKind::kSystem;
      x.action = Action::kExport;
      x.time = start + static_cast<TimeMicros>(n / 10000) * 30 * kMicrosPerSecond;
      x.subjects = batch;
      x.record_count = 10000;
      d.Reset(x.event_id);
      detector.Observe(x, &d);
      EXPECT_TRUE(d.Fired(RuleId::kBehaviorBulkExport));
      peak_export = std::max(peak_export, detector.Stats("sys-exporter")->memory_bytes);
    }
  }
  const auto viewer = *detector.Stats("sys-viewer");
  EXPECT_FALSE(viewer.volume_exact);
  EXPECT_EQ(viewer.hours_seen, 19u);
  ASSERT_TRUE(viewer.baseline.has_value());
  EXPECT_NEAR(*viewer.baseline, 50000, 50000 * 0.25);  // an estimate beyond the exact capacity
  // Bounds: the exact set is capped at kMaxExactCapacity entries (32 bytes each, a table of
  // 4-byte slots at most half full, vectors at most double their size), plus a sketch (1.8 KB)
  // per window.
  constexpr size_t kBound = 2 * BehaviorDetector::kMaxExactCapacity * (32 + 2 * 4 * 2) + 16384;
  std::printf(
      "memory per actor: viewer peak %zu bytes, exporter peak %zu bytes (bound %zu); "
      "serialized viewer state peak %zu bytes\n",
      peak_view, peak_export, kBound, peak_state);
  EXPECT_LT(peak_view, kBound);
  EXPECT_LT(peak_export, kBound);
  EXPECT_LT(peak_state, 128u * 1024);
}

}  // namespace
}  // namespace inzage

// DaemonMetrics: inzaged's Prometheus metrics (prometheus-cpp), rendered at /metrics.
//
// The hot path never touches a prometheus-cpp metric (a counter increment is a CAS loop on a
// double, a histogram observation takes a mutex): the pipeline counts in plain or relaxed
// atomic integers and publishes per batch; Render() copies those totals into the registry at
// scrape time, and ObserveCommit() feeds the histograms once per store commit.
// No label ever holds an actor, subject, case or event id: labels are verdicts, rule ids,
// reasons, partitions, severities, statuses, routes and the policy revision.
//
// Thread safety: Render, ObserveCommit and the policy setters may run on different threads;
// Render is serialised by a mutex.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "alert/outbox_relay.h"
#include "common/mutex.h"
#include "ingest/event_pipeline.h"
#include "ingest/membership.h"
#include "store/store.h"

namespace inzage::app {

class DaemonMetrics {
 public:
  explicit DaemonMetrics(std::shared_ptr<prometheus::Registry> registry);

  // The sources Render reads; set once they exist (any may stay null: its metrics stay 0).
  void Attach(const EventPipeline* pipeline, const Store* store, const OutboxRelay* relay) {
    MutexLock lock(&mu_);
    pipeline_ = pipeline;
    store_ = store;
    relay_ = relay;
  }
  void AttachMembership(const Membership* membership) {
    MutexLock lock(&mu_);
    membership_ = membership;
  }
  void SetReady(bool ready) { ready_->Set(ready ? 1 : 0); }
  void SetPolicyRevision(const std::string& revision);
  void CountPolicyReload(bool success) { (success ? reload_ok_ : reload_failed_)->Increment(); }
  // One store commit (the writer thread, once per batch).
  void ObserveCommit(double seconds, size_t events);

  // Refreshes the copied totals and gauges, then serialises the registry (text format 0.0.4).
  std::string Render();

  [[nodiscard]] const std::shared_ptr<prometheus::Registry>& registry() const { return registry_; }

 private:
  // Adds the growth of a monotonic total since the last scrape.
  static void Follow(prometheus::Counter* c, std::uint64_t total, std::uint64_t* last) {
    if (total > *last) c->Increment(static_cast<double>(total - *last));
    *last = total;
  }
  // The alert gauges, from the store's alert counts and index (store/alert_index.h).
  void RefreshAlerts() REQUIRES(mu_);

  std::shared_ptr<prometheus::Registry> registry_;
  Mutex mu_;  // a scrape against Attach and SetPolicyRevision, and two scrapes
  const EventPipeline* pipeline_ GUARDED_BY(mu_) = nullptr;
  const Store* store_ GUARDED_BY(mu_) = nullptr;
  const OutboxRelay* relay_ GUARDED_BY(mu_) = nullptr;
  const Membership* membership_ GUARDED_BY(mu_) = nullptr;

  prometheus::Gauge* ready_;
  prometheus::Counter* consumed_;
  prometheus::Family<prometheus::Counter>* decisions_family_;
  std::array<prometheus::Counter*, 3> decisions_{};
  prometheus::Family<prometheus::Counter>* rule_fires_family_;
  std::array<prometheus::Counter*, kRuleCount> rule_fires_{};
  std::array<prometheus::Counter*, kInvalidReasonNames.size()> invalid_{};
  prometheus::Counter* dead_letters_;
  prometheus::Counter* dead_letter_errors_;
  prometheus::Counter* store_errors_;
  prometheus::Counter* store_inline_strings_;
  prometheus::Counter* store_full_scans_;
  prometheus::Counter* consumption_pauses_;
  prometheus::Gauge* allocator_allocated_ = nullptr;  // null: jemalloc is not the allocator
  prometheus::Gauge* allocator_active_ = nullptr;
  prometheus::Gauge* allocator_resident_ = nullptr;
  prometheus::Gauge* allocator_retained_ = nullptr;
  prometheus::Counter* partitions_assigned_;
  prometheus::Counter* partitions_revoked_;
  prometheus::Histogram* commit_seconds_;
  prometheus::Histogram* batch_events_;
  prometheus::Family<prometheus::Gauge>* lag_family_;
  std::map<std::int32_t, prometheus::Gauge*> lag_;
  prometheus::Gauge* outbox_rows_;
  prometheus::Gauge* store_memtables_;
  prometheus::Gauge* store_block_cache_;
  prometheus::Gauge* store_table_readers_;
  prometheus::Gauge* store_dictionary_entries_;
  prometheus::Counter* relay_errors_;
  prometheus::Counter* delivered_;
  prometheus::Family<prometheus::Gauge>* alerts_family_;
  std::map<std::pair<int, int>, prometheus::Gauge*> alerts_;  // (severity, status)
  prometheus::Gauge* breach_soon_;
  prometheus::Gauge* incidents_in_memory_;
  prometheus::Counter* incidents_closed_early_;
  prometheus::Gauge* last_event_;
  prometheus::Family<prometheus::Gauge>* policy_family_;
  prometheus::Gauge* policy_info_ GUARDED_BY(mu_) = nullptr;
  std::array<prometheus::Gauge*, 3> members_{};  // by MemberState
  prometheus::Counter* membership_rejected_;
  prometheus::Counter* reload_ok_;
  prometheus::Counter* reload_failed_;

  // Totals already added to the counters.
  std::uint64_t last_consumed_ GUARDED_BY(mu_) = 0;
  std::array<std::uint64_t, 3> last_decisions_ GUARDED_BY(mu_){};
  std::array<std::uint64_t, kRuleCount> last_rule_fires_ GUARDED_BY(mu_){};
  std::array<std::uint64_t, kInvalidReasonNames.size()> last_invalid_ GUARDED_BY(mu_){};
  std::uint64_t last_dead_letters_ GUARDED_BY(mu_) = 0;
  std::uint64_t last_dead_letter_errors_ GUARDED_BY(mu_) = 0;
  std::uint64_t last_store_errors_ GUARDED_BY(mu_) = 0;
  std::uint64_t last_consumption_pauses_ GUARDED_BY(mu_) = 0;
  std::uint64_t last_partitions_assigned_ GUARDED_BY(mu_) = 0;
  std::uint64_t last_partitions_revoked_ GUARDED_BY(mu_) = 0;
  std::uint64_t last_membership_rejected_ GUARDED_BY(mu_) = 0;
  std::uint64_t last_store_inline_strings_ GUARDED_BY(mu_) = 0;
  std::uint64_t last_store_full_scans_ GUARDED_BY(mu_) = 0;
  std::uint64_t last_relay_errors_ GUARDED_BY(mu_) = 0;
  std::uint64_t last_delivered_ GUARDED_BY(mu_) = 0;
  std::uint64_t last_incidents_closed_early_ GUARDED_BY(mu_) = 0;
};

}  // namespace inzage::app

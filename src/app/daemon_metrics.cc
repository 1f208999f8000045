#include "app/daemon_metrics.h"

#include <prometheus/text_serializer.h>

#include <chrono>
#include <sstream>
#include <vector>

#include "app/allocator_stats.h"
#include "detect/alert.h"

namespace inzage::app {
namespace {

prometheus::Counter* NewCounter(prometheus::Registry& r, const std::string& name,
                                const std::string& help) {
  return &prometheus::BuildCounter().Name(name).Help(help).Register(r).Add({});
}

prometheus::Gauge* NewGauge(prometheus::Registry& r, const std::string& name,
                            const std::string& help) {
  return &prometheus::BuildGauge().Name(name).Help(help).Register(r).Add({});
}

}  // namespace

DaemonMetrics::DaemonMetrics(std::shared_ptr<prometheus::Registry> registry)
    : registry_(std::move(registry)) {
  prometheus::Registry& r = *registry_;
  prometheus::BuildGauge()
      .Name("inzage_build_info")
      .Help("Version of the running inzaged")
      .Register(r)
      .Add({{"version", INZAGE_VERSION}})
      .Set(1);
  ready_ = NewGauge(r, "inzage_ready",
                    "1 when the store is open, reference data caught up and the listener bound");
  consumed_ =
      NewCounter(r, "inzage_events_consumed_total", "Messages consumed from the events topic");
  decisions_family_ = &prometheus::BuildCounter()
                           .Name("inzage_decisions_total")
                           .Help("Decided access events by verdict")
                           .Register(r);
  for (size_t i = 0; i < decisions_.size(); ++i) {
    decisions_[i] = &decisions_family_->Add({{"verdict", std::string(kVerdictNames[i])}});
  }
  rule_fires_family_ = &prometheus::BuildCounter()
                            .Name("inzage_rule_fires_total")
                            .Help("Policy rules fired, by rule id")
                            .Register(r);
  for (size_t i = 0; i < kRuleCount; ++i) {
    rule_fires_[i] = &rule_fires_family_->Add({{"rule", std::string(kRuleCatalogue[i].id)}});
  }
  auto& invalid = prometheus::BuildCounter()
                      .Name("inzage_invalid_messages_total")
                      .Help("Invalid messages (sent to the dead-letter topic), by reason")
                      .Register(r);
  for (size_t i = 0; i < invalid_.size(); ++i) {
    invalid_[i] = &invalid.Add({{"reason", std::string(kInvalidReasonNames[i])}});
  }
  dead_letters_ =
      NewCounter(r, "inzage_dead_letters_total", "Messages written to the dead-letter topic");
  dead_letter_errors_ = NewCounter(r, "inzage_dead_letter_errors_total",
                                   "Dead letters Kafka did not accept (consumption stops)");
  store_errors_ = NewCounter(r, "inzage_store_errors_total", "Failed store commits");
  consumption_pauses_ =
      NewCounter(r, "inzage_consumption_pauses_total",
                 "Times consumption paused because the alert relay fell behind (the outbox "
                 "passed pipeline.outbox_max_rows)");
  partitions_assigned_ = NewCounter(r, "inzage_partitions_assigned_total",
                                    "Input partitions this instance was given by rebalances");
  partitions_revoked_ = NewCounter(
      r, "inzage_partitions_revoked_total",
      "Input partitions taken from this instance by rebalances (cooperative: only those that "
      "moved)");
  commit_seconds_ =
      &prometheus::BuildHistogram()
           .Name("inzage_store_commit_seconds")
           .Help("Latency of one store commit (one batch)")
           .Register(r)
           .Add({}, prometheus::Histogram::BucketBoundaries{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                            0.1, 0.25, 0.5, 1, 2.5});
  batch_events_ =
      &prometheus::BuildHistogram()
           .Name("inzage_store_batch_events")
           .Help("Events per store commit")
           .Register(r)
           .Add({}, prometheus::Histogram::BucketBoundaries{1, 10, 100, 500, 1000, 2500, 5000,
                                                            10000, 20000, 50000, 100000});
  lag_family_ = &prometheus::BuildGauge()
                     .Name("inzage_consumer_lag_messages")
                     .Help("Messages behind the end of each assigned events partition")
                     .Register(r);
  outbox_rows_ = NewGauge(r, "inzage_outbox_rows", "Alert versions waiting for the Kafka relay");
  store_dictionary_entries_ =
      NewGauge(r, "inzage_store_dictionary_entries",
               "Strings history entries refer to by number (at 65,536 new ones stay inline)");
  store_full_scans_ =
      NewCounter(r, "inzage_store_full_scans_total",
                 "Reads of a whole column family: at start only (restoring state); a request "
                 "that causes one is a defect");
  store_inline_strings_ = NewCounter(
      r, "inzage_store_inline_strings_total",
      "Strings written into history entries instead of the dictionary (it is full, or the "
      "string has 8+ digits in a row or over 255 bytes)");
  auto& store_memory = prometheus::BuildGauge()
                           .Name("inzage_store_memory_bytes")
                           .Help(
                               "Memory RocksDB holds, by kind: memtables (at most "
                               "max_write_buffer_number x write_buffer_size per column "
                               "family), block_cache (bounded by its capacity; holds the index "
                               "and filter blocks too), table_readers (the open table files' "
                               "own structures)")
                           .Register(r);
  store_memtables_ = &store_memory.Add({{"kind", "memtables"}});
  store_block_cache_ = &store_memory.Add({{"kind", "block_cache"}});
  store_table_readers_ = &store_memory.Add({{"kind", "table_readers"}});
  if (AllocatorStats::Read().available) {
    auto& allocator = prometheus::BuildGauge()
                          .Name("inzage_allocator_bytes")
                          .Help(
                              "What jemalloc holds, by kind: allocated (live allocations), "
                              "active (their pages), resident (its pages in RAM, freed ones "
                              "included: RSS stays near its peak), retained (kept, not in RAM)")
                          .Register(r);
    allocator_allocated_ = &allocator.Add({{"kind", "allocated"}});
    allocator_active_ = &allocator.Add({{"kind", "active"}});
    allocator_resident_ = &allocator.Add({{"kind", "resident"}});
    allocator_retained_ = &allocator.Add({{"kind", "retained"}});
  }
  auto& members = prometheus::BuildGauge()
                      .Name("inzage_members")
                      .Help("Instances on the membership topic, by state (kafka.topics.membership)")
                      .Register(r);
  for (MemberState state : {MemberState::kRunning, MemberState::kStopped, MemberState::kRetired}) {
    members_[static_cast<size_t>(state)] =
        &members.Add({{"state", std::string(MemberStateName(state))}});
  }
  membership_rejected_ = NewCounter(
      r, "inzage_membership_rejected_records_total",
      "Membership records ignored: no valid signature, malformed, or older than the newest");
  relay_errors_ = NewCounter(r, "inzage_alert_relay_errors_total",
                             "Alert deliveries to the CISO topic that failed (retried)");
  delivered_ =
      NewCounter(r, "inzage_alerts_delivered_total", "Alert versions delivered to the CISO topic");
  alerts_family_ = &prometheus::BuildGauge()
                        .Name("inzage_alerts")
                        .Help("Alerts in the store by severity and status")
                        .Register(r);
  for (size_t sev = 1; sev < kSeverityNames.size(); ++sev) {
    for (size_t st = 0; st < kAlertStatusNames.size(); ++st) {
      alerts_[{static_cast<int>(sev), static_cast<int>(st)}] =
          &alerts_family_->Add({{"severity", std::string(kSeverityNames[sev])},
                                {"status", std::string(kAlertStatusNames[st])}});
    }
  }
  incidents_in_memory_ =
      NewGauge(r, "inzage_incidents_in_memory",
               "Incidents still aggregating that the pipeline keeps in memory (at most "
               "pipeline.max_open_incidents; one whose window is over lives in the store only)");
  incidents_closed_early_ = NewCounter(
      r, "inzage_incidents_closed_early_total",
      "Incidents ended before their window was over because pipeline.max_open_incidents was "
      "reached (their next hit opens a new incident)");
  breach_soon_ = NewGauge(
      r, "inzage_alerts_breach_deadline_within_24h",
      "Unresolved alerts whose 72 h breach-notification deadline is within 24 h or has passed");
  last_event_ = NewGauge(r, "inzage_last_event_timestamp_seconds",
                         "Unix time of the latest batch of consumed events (start time before)");
  // Until the first event, the start: "no events for 30 minutes" then counts from start-up.
  last_event_->SetToCurrentTime();
  policy_family_ = &prometheus::BuildGauge()
                        .Name("inzage_policy_info")
                        .Help("The policy revision in force")
                        .Register(r);
  auto& reloads = prometheus::BuildCounter()
                      .Name("inzage_policy_reloads_total")
                      .Help("Policy reloads (SIGHUP) by result")
                      .Register(r);
  reload_ok_ = &reloads.Add({{"result", "success"}});
  reload_failed_ = &reloads.Add({{"result", "failure"}});
}

void DaemonMetrics::SetPolicyRevision(const std::string& revision) {
  MutexLock lock(&mu_);
  if (policy_info_ != nullptr) policy_family_->Remove(policy_info_);
  policy_info_ = &policy_family_->Add({{"revision", revision}});
  policy_info_->Set(1);
}

void DaemonMetrics::ObserveCommit(double seconds, size_t events) {
  commit_seconds_->Observe(seconds);
  batch_events_->Observe(static_cast<double>(events));
}

// From the counts the store keeps with every commit and, for the deadline, the index entries
// of one hour (store/alert_index.h): never a scan of the alerts, however many there are.
void DaemonMetrics::RefreshAlerts() {
  if (store_ == nullptr) return;
  const auto counts = store_->AlertCounts();
  for (auto& [key, gauge] : alerts_) {
    const auto it =
        counts.find({static_cast<std::uint8_t>(key.second), static_cast<std::uint8_t>(key.first)});
    gauge->Set(it == counts.end() ? 0 : static_cast<double>(it->second));
  }
  const TimeMicros now = WallNow();
  std::vector<std::uint8_t> unresolved;
  for (size_t st = 0; st < kAlertStatusCount; ++st) {
    if (Unresolved(static_cast<AlertStatus>(st))) {
      unresolved.push_back(static_cast<std::uint8_t>(st));
    }
  }
  // Deadline within 24 h or passed: deadline <= now + 24 h.
  auto soon = store_->CountAlertsDeadlineBefore(unresolved,
                                                now + TimeMicros{24} * 3600 * kMicrosPerSecond + 1);
  if (soon.ok()) breach_soon_->Set(static_cast<double>(*soon));
}

std::string DaemonMetrics::Render() {
  {
    MutexLock lock(&mu_);
    if (pipeline_ != nullptr) {
      const PipelineStats& s = pipeline_->stats();
      Follow(consumed_, s.consumed.load(), &last_consumed_);
      Follow(decisions_[0], s.allowed.load(), &last_decisions_[0]);
      Follow(decisions_[1], s.reviews.load(), &last_decisions_[1]);
      Follow(decisions_[2], s.violations.load(), &last_decisions_[2]);
      for (size_t i = 0; i < kRuleCount; ++i) {
        Follow(rule_fires_[i], s.rule_fires[i].load(), &last_rule_fires_[i]);
      }
      for (size_t i = 0; i < invalid_.size(); ++i) {
        Follow(invalid_[i], s.invalid_by_reason[i].load(), &last_invalid_[i]);
      }
      Follow(dead_letters_, s.dead_letters.load(), &last_dead_letters_);
      Follow(dead_letter_errors_, pipeline_->dead_letter_failures(), &last_dead_letter_errors_);
      Follow(store_errors_, s.store_errors.load(), &last_store_errors_);
      Follow(consumption_pauses_, s.consumption_pauses.load(), &last_consumption_pauses_);
      Follow(partitions_assigned_, s.partitions_assigned.load(), &last_partitions_assigned_);
      Follow(partitions_revoked_, s.partitions_revoked.load(), &last_partitions_revoked_);
      incidents_in_memory_->Set(static_cast<double>(s.incidents_in_memory.load()));
      Follow(incidents_closed_early_, s.incidents_closed_early.load(),
             &last_incidents_closed_early_);
      if (const std::int64_t t = s.last_event_wall_micros.load(); t > 0) {
        last_event_->Set(static_cast<double>(t) / 1e6);
      }
      const auto lag = pipeline_->consumer_lag();
      for (auto& [partition, gauge] : lag_) {
        if (lag.find(partition) == lag.end()) gauge->Set(0);
      }
      for (const auto& [partition, messages] : lag) {
        auto& gauge = lag_[partition];
        if (gauge == nullptr) {
          gauge = &lag_family_->Add({{"partition", std::to_string(partition)}});
        }
        gauge->Set(static_cast<double>(messages));
      }
    }
    if (membership_ != nullptr) {
      std::array<int, 3> by_state{};
      for (const Member& m : membership_->Members()) ++by_state[static_cast<size_t>(m.state)];
      for (size_t i = 0; i < by_state.size(); ++i) members_[i]->Set(by_state[i]);
      Follow(membership_rejected_, membership_->rejected_records(), &last_membership_rejected_);
    }
    if (relay_ != nullptr) {
      Follow(relay_errors_, relay_->errors(), &last_relay_errors_);
      Follow(delivered_, relay_->delivered(), &last_delivered_);
    }
    if (store_ != nullptr) {
      outbox_rows_->Set(static_cast<double>(store_->outbox_rows()));
      const Store::MemoryUsage memory = store_->memory_usage();
      store_memtables_->Set(static_cast<double>(memory.memtables));
      store_block_cache_->Set(static_cast<double>(memory.block_cache));
      store_table_readers_->Set(static_cast<double>(memory.table_readers));
      store_dictionary_entries_->Set(static_cast<double>(store_->dictionary_size()));
      Follow(store_inline_strings_, store_->inline_strings(), &last_store_inline_strings_);
      Follow(store_full_scans_, store_->full_scans(), &last_store_full_scans_);
    }
    if (allocator_allocated_ != nullptr) {
      const AllocatorStats heap = AllocatorStats::Read();
      allocator_allocated_->Set(static_cast<double>(heap.allocated));
      allocator_active_->Set(static_cast<double>(heap.active));
      allocator_resident_->Set(static_cast<double>(heap.resident));
      allocator_retained_->Set(static_cast<double>(heap.retained));
    }
    RefreshAlerts();
  }
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, registry_->Collect());
  return out.str();
}

}  // namespace inzage::app

// EventPipeline: the consume -> parse -> decide -> commit loop of inzaged (brief: pipeline and
// exactly-once sections).
//
// One thread polls the events topic (consumer group), decides each message and collects the
// results into one CommitBatch, bounded by batch_max_events and batch_max_latency_ms. A writer
// thread commits each batch to the store together with the consumed positions while the next
// one is being decided (at most one batch waits); then the same offsets go to Kafka
// (asynchronously; synchronously when partitions are revoked, after the writer is idle). On every
// assignment each partition starts at the later of the store's position and Kafka's committed
// offset:
//   - after a local crash the store is ahead (it committed, Kafka did not yet): resuming at
//     Kafka's offset would count events twice;
//   - after another instance owned the partition, Kafka is ahead (that instance committed what
//     it stored in its own store): resuming at our old store position would re-read events
//     that now belong to the other shard's history.
// Invalid messages go to the dead-letter topic with their original bytes and headers naming the
// reason, source topic, partition and offset; they are flushed before the batch's offsets are
// committed, and if the dead-letter topic cannot be written the pipeline stops (nothing is
// dropped silently). Reference records are read from their compacted topic between batches.
//
// After Decide, the behaviour detector adds the windowed rules and the incident tracker turns
// violations and reviews into alerts; both changes (per-actor state blobs, alert records and
// outbox rows) go into the same store commit as the events. On start they are restored from
// the store. Per-actor state of a partition that moves to this instance from another one is
// not in this store: its windows start empty here (documented limitation of state per shard).
// The input.invalid_rate window is committed and restored the same way.
//
// Memory is bounded: librdkafka's prefetch queue (queued.max.messages.kbytes, set here), the
// batch being built, the one waiting, the one being written and the events of one committed
// batch kept for reuse, the alert outbox, above whose limit consumption pauses, and the incidents
// still aggregating (settled alerts are dropped from memory once stored; kMaxAlertsInMemory).
//
// Requests from inside the daemon (the HTTP API): an access event built in-process (a read of
// the audit store) and an alert status change. Both are queued for the consume thread, which
// owns the decider and the incident tracker, go into the batch being built, and complete when
// that batch is committed: a caller is answered only once its access is recorded.
//
// Thread safety: all methods from the owning thread, except RequestStop (any thread, signal-safe
// through an atomic), SubmitAccess and SubmitAlertTransition (any thread) and stats() (atomics).
// Run() starts and joins the writer thread itself; set_on_commit's function runs on the writer
// thread.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "common/pseudonym.h"
#include "detect/behavior_detector.h"
#include "detect/incidents.h"
#include "detect/invalid_rate.h"
#include "event/event_parser.h"
#include "event/owned_event.h"
#include "ingest/pipeline_options.h"
#include "kafka/kafka.h"
#include "policy/decider.h"
#include "policy/reference_data.h"
#include "store/store.h"

namespace inzage {

// Lets the caller of a local request give up while the consume thread has not taken it yet:
// Cancel() succeeds only then. Once taken, the request is decided and committed (or fails
// with the pipeline), and the caller must wait for that answer: a timed-out caller never
// reports "not done" for something that is done later.
class LocalTicket {
 public:
  bool Cancel() {
    int queued = kQueued;
    return state_.compare_exchange_strong(queued, kCancelled);
  }
  bool Take() {
    int queued = kQueued;
    return state_.compare_exchange_strong(queued, kTaken);
  }

 private:
  static constexpr int kQueued = 0, kTaken = 1, kCancelled = 2;
  std::atomic<int> state_{kQueued};
};

// Waits for the answer to a local request. After `timeout` the caller gives up only if the
// pipeline has not taken the request yet (nullopt); a taken request is being committed, and its
// real outcome is the answer.
template <typename T>
std::optional<T> AwaitLocal(std::future<T>& done, LocalTicket& ticket,
                            std::chrono::milliseconds timeout) {
  if (done.wait_for(timeout) != std::future_status::ready && ticket.Cancel()) return std::nullopt;
  return done.get();
}

struct PipelineStats {
  std::atomic<std::uint64_t> consumed{0};
  std::atomic<std::uint64_t> allowed{0};
  std::atomic<std::uint64_t> reviews{0};
  std::atomic<std::uint64_t> violations{0};
  std::atomic<std::uint64_t> invalid{0};
  std::array<std::atomic<std::uint64_t>, kInvalidReasonNames.size()> invalid_by_reason{};
  std::atomic<std::uint64_t> dead_letters{0};
  std::atomic<std::uint64_t> duplicates{0};
  std::atomic<std::uint64_t> batches{0};
  std::atomic<std::uint64_t> reference_records{0};
  std::atomic<std::uint64_t> stored{0};
  std::atomic<std::uint64_t> alerts_changed{0};  // alert versions stored (the outbox gets
                                                 // the ones due for the CISO topic)
  std::atomic<std::uint64_t> late_events{0};
  std::atomic<std::uint64_t> local_events{0};  // accesses recorded for the HTTP API
  std::atomic<std::uint64_t> store_errors{0};
  // Times consumption paused because the alert relay fell behind (pipeline.outbox_max_rows).
  std::atomic<std::uint64_t> consumption_pauses{0};
  // Per rule id: how often it fired (published once per batch by the consume thread).
  std::array<std::atomic<std::uint64_t>, kRuleCount> rule_fires{};
  // Wall-clock microseconds when the latest batch holding consumed messages was cut ("no
  // events" alerting; within batch_max_latency_ms of the latest message).
  std::atomic<std::int64_t> last_event_wall_micros{0};
  // Steady-clock nanoseconds of the consume loop's latest turn (the watchdog's liveness check).
  std::atomic<std::int64_t> last_loop_ns{0};
  // Steady-clock nanoseconds of the first and the latest consumed message (throughput).
  std::atomic<std::int64_t> first_message_ns{0};
  std::atomic<std::int64_t> last_message_ns{0};
};

class EventPipeline {
 public:
  EventPipeline(const PipelineOptions& config, const Pseudonymizer* pseudonymizer,
                std::shared_ptr<const Policy> policy, Store* store);
  ~EventPipeline();
  EventPipeline(const EventPipeline&) = delete;
  EventPipeline& operator=(const EventPipeline&) = delete;

  // Restores detector state and open incidents from the store, creates the clients, reads the
  // reference topic up to its end as of now (readiness), and subscribes to the events topic.
  [[nodiscard]] Status Start();
  // Consumes and commits until RequestStop; returns the first fatal error, or OK after a clean
  // drain (batch in flight committed, group left).
  [[nodiscard]] Status Run();
  void RequestStop() { stop_.store(true); }

  [[nodiscard]] const PipelineStats& stats() const { return stats_; }
  [[nodiscard]] bool ready() const { return ready_.load(); }
  [[nodiscard]] std::uint64_t dead_letter_failures() const { return dead_letter_failures_.load(); }

  // Decides and records an access built in the daemon; the future is set once the batch that
  // holds it is committed (or with the reason it could not be).
  [[nodiscard]] std::future<Status> SubmitAccess(OwnedAccessEvent event,
                                                 std::shared_ptr<LocalTicket> ticket = nullptr);
  // Changes an alert's status through the incident tracker (alert.h has the lifecycle); the
  // future holds the new version once it is committed (and queued for the CISO topic).
  [[nodiscard]] std::future<Result<Alert>> SubmitAlertTransition(
      std::string alert_id, AlertStatus to, std::string by, std::string why,
      std::shared_ptr<LocalTicket> ticket = nullptr);
  // Messages behind the partition's end, per assigned partition, as of the latest batch (from
  // librdkafka's cached watermarks: no broker round trip).
  [[nodiscard]] std::map<std::int32_t, std::int64_t> consumer_lag() const {
    std::lock_guard lock(lag_mu_);
    return lag_;
  }
  // Swaps in a policy that the caller has loaded and tested (SIGHUP): on the consume thread,
  // after the batch being built is committed under the old one, so every decision carries the
  // revision it was made with. Reference data is re-resolved, the store's retention follows the
  // new register; behaviour windows and incidents are kept. Set once the swap is done.
  [[nodiscard]] std::future<Status> SubmitPolicy(std::shared_ptr<const Policy> policy,
                                                 std::shared_ptr<LocalTicket> ticket = nullptr);
  // The policy in force (any thread).
  [[nodiscard]] std::shared_ptr<const Policy> policy() const {
    std::lock_guard lock(policy_mu_);
    return policy_;
  }
  // Called after each store commit with its latency and number of events (metrics).
  void set_on_commit_metrics(std::function<void(double seconds, size_t events)> f) {
    on_commit_metrics_ = std::move(f);
  }
  // Called after each store commit (the outbox relay wakes up).
  void set_on_commit(std::function<void()> f) { on_commit_ = std::move(f); }

 private:
  static void OnRebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                          rd_kafka_topic_partition_list_t* partitions, void* opaque);
  static void OnDeadLetterDelivered(rd_kafka_t* rk, const rd_kafka_message_t* m, void* opaque);
  // Writer thread: returns once every dead letter of batches up to `batch_number` is
  // acknowledged; an error when one failed or they take longer than the shutdown timeout.
  [[nodiscard]] Status AwaitDeadLetters(std::uint64_t batch_number);
  Status Process(const rd_kafka_message_t* m, std::chrono::steady_clock::time_point now);
  void DecideIntoBatch(const AccessEvent& event);
  void DrainLocalRequests();
  Status SwapPolicy(std::shared_ptr<const Policy> policy);
  void FailLocalRequests(const Status& why);
  [[nodiscard]] bool BatchHasWork() const { return !positions_.empty() || !batch_waiters_.empty(); }
  // Cuts the batch being built and hands it to the writer thread.
  Status CommitBatch();
  Status RunLoop();
  void WriterLoop();
  Status WaitForWriter();  // until no batch is waiting or being written
  Status WriterError();
  void StopWriter();
  Status RestoreState();
  void AddStateAndAlerts();
  Status PollReference(int timeout_ms);
  Status ReadReferenceToEnd();
  void CommitOffsetsToKafka(
      const std::map<std::pair<std::string, std::int32_t>, std::int64_t>& positions, bool sync);

  const PipelineOptions config_;
  // Written on the consume thread only (policy swaps), under policy_mu_ so that policy() may
  // read it from other threads; the consume thread reads it without the lock.
  mutable std::mutex policy_mu_;
  std::shared_ptr<const Policy> policy_;
  std::shared_ptr<const Policy> retired_policy_;  // kept alive until the next batch is cut
  Store* store_;
  ReferenceData reference_;
  EventParser parser_;
  std::unique_ptr<Decider> decider_;
  // Stateful rules and incidents: their changes are committed in the same batch as the events
  // that caused them (state and alerts column families, alert outbox).
  std::unique_ptr<BehaviorDetector> detector_;
  std::unique_ptr<IncidentTracker> incidents_;
  std::unique_ptr<InvalidRate> invalid_rate_;
  TimeMicros stream_time_ = 0;       // latest event time seen: the clock of input.invalid_rate
  bool invalid_rate_dirty_ = false;  // the window changed since the last batch was cut
  // The state key of the invalid-rate window (with stream_time_), beside the actors' "actor/…".
  static constexpr std::string_view kInvalidRateKey = "stream/invalid_rate";
  // Alert versions for the CISO topic (consume thread only). An open incident's updates are
  // sent at most every pipeline.alert_update_interval_ms; the ids whose newest version waits
  // are a state row committed with the batches, so a restart sends them (at least once).
  struct Emitted {
    std::chrono::steady_clock::time_point at;
    AlertStatus status;
    Severity severity;
  };
  std::unordered_map<std::string, Emitted> emitted_;
  std::set<std::string> pending_emission_;
  bool pending_emission_changed_ = false;
  bool emit_all_pending_ = false;  // the last batch before stopping
  static constexpr std::string_view kPendingAlertsKey = "alerts/pending";
  static constexpr size_t kMaxEmittedTracked = 100'000;
  // True when the alert was not sent yet or its last version went an interval ago.
  [[nodiscard]] bool UpdateIntervalOver(const std::string& alert_id,
                                        std::chrono::steady_clock::time_point now) const;
  // Writes the alert's current version as an outbox row.
  void EmitAlert(const Alert& alert, std::chrono::steady_clock::time_point now);
  // Outbox rows for the waiting versions whose interval is over (all when emit_all_pending_).
  void EmitDueAlerts(std::chrono::steady_clock::time_point now);
  [[nodiscard]] bool AlertEmissionsDue(std::chrono::steady_clock::time_point now) const;
  std::uint64_t outbox_seq_ = 0;

  kafka::Handle consumer_;
  bool consumer_closed_ = false;  // consume thread, then the destructor
  // The consumer's queue, to wake a waiting poll when a local request arrives (guarded by
  // local_mu_ for that use; released before consumer_ in the destructor).
  kafka::Queue consumer_queue_;
  kafka::Handle reference_consumer_;
  kafka::Handle dead_letters_;
  inzage::CommitBatch batch_;
  // Next offset per partition of the events topic (the only topic consumed) in batch_.
  std::map<std::int32_t, std::int64_t> positions_;
  // The writer thread: commits one batch to the store (then its offsets to Kafka) while the
  // consumer thread builds the next. At most one batch waits.
  std::thread writer_;
  std::mutex writer_mu_;
  std::condition_variable writer_cv_;
  std::optional<inzage::CommitBatch> pending_;  // guarded by writer_mu_
  // The events of the last committed batch, handed back by the writer so that the consume
  // thread refills them (FillStoredEvent) instead of allocating each event's strings anew and
  // the writer freeing them. At most one batch's worth is kept.
  std::vector<StoredEvent> returned_events_;  // guarded by writer_mu_
  std::vector<StoredEvent> spare_events_;     // consume thread
  // Completion callbacks of local requests in batch_ and in pending_ (answered after commit).
  using Waiter = std::function<void(const Status&)>;
  std::vector<Waiter> batch_waiters_;
  // When the oldest local request in batch_ arrived: a batch holding one is cut as soon as the
  // input is idle or after kLocalRequestLatency, so API answers wait for no full batch.
  std::chrono::steady_clock::time_point waiters_since_;
  static constexpr auto kLocalRequestLatency = std::chrono::milliseconds(2);
  static constexpr size_t kMaxReservedEvents = 20'000;  // batch_ capacity reserved per handoff
  std::vector<Waiter> pending_waiters_;                 // guarded by writer_mu_
  bool writing_ = false;                                // guarded by writer_mu_
  bool writer_stop_ = false;                            // guarded by writer_mu_
  Status writer_error_;                                 // guarded by writer_mu_
  std::atomic<bool> writer_failed_{false};  // set with writer_error_: checked without the lock
  std::mutex committed_mu_;
  std::map<std::pair<std::string, std::int32_t>, std::int64_t> committed_;  // by committed_mu_
  std::chrono::steady_clock::time_point batch_started_;
  // Dead letters produced but not yet reported on, counted per batch number. A batch's
  // offsets reach the store only once its dead letters are acknowledged: the writer waits for
  // its batch number to leave this map (AwaitDeadLetters), so the consume thread never blocks
  // on the dead-letter producer. Delivery reports may be served by either thread.
  std::mutex dead_letter_mu_;
  std::map<std::uint64_t, std::uint64_t> dead_letters_unacked_;  // guarded by dead_letter_mu_
  std::string dead_letter_error_;                                // guarded by dead_letter_mu_
  std::atomic<std::uint64_t> dead_letter_failures_{0};
  std::uint64_t batch_number_ = 1;          // consume thread: the number of batch_
  std::uint64_t pending_batch_number_ = 0;  // guarded by writer_mu_
  Status fatal_;
  bool paused_ = false;
  std::atomic<bool> stop_{false};
  std::atomic<bool> ready_{false};
  std::function<void()> on_commit_;
  std::function<void(double, size_t)> on_commit_metrics_;
  // Local requests waiting for the consume thread (bounded: the API gets Unavailable beyond).
  struct LocalRequest {
    std::optional<OwnedAccessEvent> access;
    std::string alert_id;
    AlertStatus to = AlertStatus::kOpen;
    std::string by;
    std::string why;
    std::shared_ptr<const Policy> policy;  // a policy swap
    std::shared_ptr<LocalTicket> ticket;   // may be null: the caller waits for the answer
    std::promise<Status> access_done;      // also the answer to a policy swap
    std::promise<Result<Alert>> alert_done;
    // Answers the request with an error, whichever kind it is.
    void Fail(const Status& error) {
      if (access || policy) {
        access_done.set_value(error);
      } else {
        alert_done.set_value(error);
      }
    }
  };
  // Queues a request for the consume thread and wakes it; answers it at once when the
  // pipeline is stopping or (bounded) too many wait.
  void Enqueue(LocalRequest request, bool bounded);
  Status ChangeAlertStatus(const LocalRequest& r);
  static constexpr size_t kMaxLocalRequests = 4096;
  // Above this many alerts in memory, the settled ones are dropped after a batch is cut.
  static constexpr size_t kMaxAlertsInMemory = 20000;
  std::mutex local_mu_;
  std::deque<LocalRequest> local_;  // guarded by local_mu_
  // Whether local_ may hold something: the consume loop reads it every turn without the lock.
  std::atomic<bool> local_pending_{false};
  bool local_closed_ = false;                                 // guarded by local_mu_
  std::array<std::uint64_t, kRuleCount> rule_fires_batch_{};  // consume thread only
  mutable std::mutex lag_mu_;
  std::map<std::int32_t, std::int64_t> lag_;  // guarded by lag_mu_
  PipelineStats stats_;
};

}  // namespace inzage

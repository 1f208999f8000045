// EventPipeline: the consume -> parse -> decide -> commit loop of inzaged, and the wiring of its
// parts (docs/architecture.md, the pipeline and exactly-once state).
//
// One thread polls the input topics (consumer group; kafka.inputs, each with its format), decodes
// each message into the access events it holds (interop/message_decoder.h: an inzage event, a
// VNG Verwerkingsactie, or an OTLP request of many LDV spans), decides each and collects the
// results into one CommitBatch, bounded by batch_max_events and batch_max_latency_ms (a batch
// may exceed it by one message's records). Offsets advance per message, and every record's event
// id is deterministic, so a redelivered message stores nothing twice. The parts,
// each in a file of its own:
//   batch_writer.h        the writer thread: commits a batch to the store, with the consumed
//                         positions, while the next one is being decided
//   offsets.h             Kafka's copy of the stored offsets, the start of an assigned
//                         partition, the lag
//   dead_letters.h        invalid messages to the dead-letter topic, acknowledged before their
//                         batch's offsets are stored
//   reference_reader.h    the reference topic, read to its end before the first decision and
//                         between batches afterwards
//   local_requests.h      what the daemon's HTTP API and SIGHUP ask of the pipeline; the
//                         consume thread's side of them in local_request_handling.cc
//   rebalance.cc          the consumer group's callbacks: partitions assigned and revoked
//   pipeline_state.h      the state committed with each batch and restored on start
//   alert_emitter.h       which alert versions go to the CISO topic (outbox rows), and when
//   invalid_rate_state.h  the input.invalid_rate window and the stream clock it runs on
//   backpressure.h        consumption pauses while the alert relay is behind
//   partition_takeover.cc the state changelog's side (state_changelog.h, changelog_relay.h,
//                         standby_state.h): a partition's state taken over on assignment
// After Decide, the behaviour detector adds the windowed rules and the incident tracker turns
// violations and reviews into alerts; their changes go into the same store commit as the events.
//
// Memory is bounded: librdkafka's prefetch queue (queued.max.messages.kbytes, set in Start), the
// batch being built, the one waiting, the one being written and the events of one committed
// batch kept for reuse, the alert outbox, above whose limit consumption pauses, and the incidents
// still aggregating, at most pipeline.max_open_incidents (an incident whose window is over in
// event time is stored and dropped from memory: detect/incidents.h).
//
// Ownership: the pipeline owns its parts, the decider, detector and incident tracker, and the
// Kafka consumer; the store and the pseudonymizer are the caller's and outlive it.
// Thread safety: all methods from the owning thread, except RequestStop (any thread, signal-safe
// through an atomic), Submit* and policy() (any thread), and stats(), ready(),
// dead_letter_failures() and consumer_lag() (any thread). Run() starts and joins the writer
// thread itself; the set_on_commit* functions run on the writer thread.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/mutex.h"
#include "common/pseudonym.h"
#include "detect/behavior_detector.h"
#include "detect/hourly_stats.h"
#include "detect/incidents.h"
#include "event/event_parser.h"
#include "event/owned_event.h"
#include "ingest/alert_emitter.h"
#include "ingest/backpressure.h"
#include "ingest/batch_writer.h"
#include "ingest/changelog_relay.h"
#include "ingest/dead_letters.h"
#include "ingest/invalid_rate_state.h"
#include "ingest/local_requests.h"
#include "ingest/offsets.h"
#include "ingest/pipeline_options.h"
#include "ingest/pipeline_stats.h"
#include "ingest/reference_reader.h"
#include "ingest/standby_state.h"
#include "ingest/state_changelog.h"
#include "interop/message_decoder.h"
#include "kafka/kafka.h"
#include "policy/decider.h"
#include "policy/reference_data.h"
#include "store/access_journal.h"
#include "store/store.h"

namespace inzage {

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
  [[nodiscard]] std::uint64_t dead_letter_failures() const { return dead_letters_.failures(); }

  // Decides and records an access built in the daemon; the future is set once the batch that
  // holds it is committed (or with the reason it could not be).
  [[nodiscard]] std::future<Status> SubmitAccess(OwnedAccessEvent event,
                                                 std::shared_ptr<LocalTicket> ticket = nullptr) {
    return local_.SubmitAccess(std::move(event), std::move(ticket));
  }
  // Changes an alert's status through the incident tracker (alert.h has the lifecycle); the
  // future holds the new version once it is committed (and queued for the CISO topic).
  [[nodiscard]] std::future<Result<Alert>> SubmitAlertTransition(
      std::string alert_id, AlertStatus to, std::string by, std::string why,
      std::shared_ptr<LocalTicket> ticket = nullptr) {
    return local_.SubmitAlertTransition(std::move(alert_id), to, std::move(by), std::move(why),
                                        std::move(ticket));
  }
  // Files a citizen's report as an alert of its own (detect/citizen_report.h); the future holds
  // it once it is committed (and queued for the CISO topic).
  [[nodiscard]] std::future<Result<Alert>> SubmitCitizenReport(
      CitizenReport report, std::shared_ptr<LocalTicket> ticket = nullptr) {
    return local_.SubmitCitizenReport(std::move(report), std::move(ticket));
  }
  // Messages behind the partition's end, per assigned partition, as of the latest batch (from
  // librdkafka's cached watermarks: no broker round trip).
  [[nodiscard]] std::map<std::int32_t, std::int64_t> consumer_lag() const { return offsets_.lag(); }
  // Swaps in a policy that the caller has loaded and tested (SIGHUP): on the consume thread,
  // after the batch being built is committed under the old one, so every decision carries the
  // revision it was made with. Reference data is re-resolved, the store's retention follows the
  // new register; behaviour windows and incidents are kept. Set once the swap is done.
  [[nodiscard]] std::future<Status> SubmitPolicy(std::shared_ptr<const Policy> policy,
                                                 std::shared_ptr<LocalTicket> ticket = nullptr) {
    return local_.SubmitPolicy(std::move(policy), std::move(ticket));
  }
  // The policy in force (any thread).
  [[nodiscard]] std::shared_ptr<const Policy> policy() const EXCLUDES(policy_mu_) {
    MutexLock lock(&policy_mu_);
    return published_policy_;
  }
  // Called after each store commit with its latency and number of events (metrics).
  void set_on_commit_metrics(std::function<void(double seconds, size_t events)> f) {
    writer_.set_on_commit_metrics(std::move(f));
  }
  // Called after each store commit (the outbox relay wakes up).
  void set_on_commit(std::function<void()> f) { on_commit_ = std::move(f); }
  // The API's own accesses go through this journal (store/access_journal.h): answered once
  // the journal has them, stored with the next batch. Without one (the benchmarks and most
  // tests) they are answered after the commit of the batch they go into. Set before Start,
  // which also puts any rows a crash left into the first batch.
  void set_access_journal(AccessJournal* journal) { journal_ = journal; }

 private:
  using Clock = std::chrono::steady_clock;
  // A batch holding a local request is cut as soon as the input is idle or after this long, so
  // API answers wait for no full batch.
  static constexpr auto kLocalRequestLatency = std::chrono::milliseconds(2);
  static constexpr size_t kMaxReservedEvents = 20'000;  // batch_ capacity reserved per handoff

  // librdkafka's rebalance callback, inside the consumer's poll (consume thread).
  static void OnRebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                          rd_kafka_topic_partition_list_t* partitions, void* opaque);
  void OnAssign(rd_kafka_t* rk, rd_kafka_topic_partition_list_t* partitions);
  void OnRevoke(rd_kafka_t* rk, rd_kafka_topic_partition_list_t* partitions);
  // With the state changelog: reads what it holds for the assigned partitions (from the
  // standby's copy when there is one) and adopts each (partition_takeover.cc).
  Status AdoptPartitions(const rd_kafka_topic_partition_list_t* partitions,
                         Offsets::Positions* start);
  // With the state changelog: takes over partition `p`'s state as the newest copy has it (this
  // store, or the changelog) and sets where its input topics resume in `start`.
  // `changelog_state` is what the changelog holds for it, read in `read_ms` (with the other
  // partitions assigned at the same time).
  Status AdoptPartition(std::int32_t p, const PartitionState& changelog_state, std::int64_t read_ms,
                        const rd_kafka_topic_partition_list_t* partitions,
                        Offsets::Positions* start);
  // Replaces what this instance holds for partition `p` by the changelog's records.
  Status RestorePartition(std::int32_t p, const PartitionState& state);
  // Starts the state changelog's writer, relay and reader (kafka.topics.state).
  Status StartChangelog();
  // Creates the events consumer and subscribes it.
  Status StartConsumer();
  Status RunLoop();
  // After the loop: the last batch, then the group is left.
  Status Drain();
  Status Process(const rd_kafka_message_t* m, Clock::time_point now);
  // A message whose records were not all accesses: one dead letter naming each that was not.
  Status SendInvalidRecords(const rd_kafka_message_t& m, std::string_view format);
  void DecideIntoBatch(const AccessEvent& event);
  // With `defer_policy_swaps` (while a batch is being handed to the writer) a policy swap,
  // which commits the batch itself, waits for the next call.
  void DrainLocalRequests(bool defer_policy_swaps = false);
  // Decides an access, applies an alert change or files a report into the batch, its answer
  // waiting for the commit.
  void AddLocalRequest(LocalRequest& request);
  Status SwapPolicy(std::shared_ptr<const Policy> policy);
  void FailLocalRequests(const Status& why);
  [[nodiscard]] bool BatchHasWork() const {
    return !positions_.empty() || !batch_waiters_.empty() || !journal_keys_.empty() ||
           !batch_.state.empty() || !batch_.alerts.empty();  // a partition's restored state
  }
  // Cuts the batch being built and hands it to the writer thread.
  Status CommitBatch();
  void AddStateAndAlerts();
  // Per-batch counters and gauges, published when a batch is cut.
  void PublishBatchStats();

  const PipelineOptions config_;
  // The policy in force. The consume thread reads policy_ without a lock (it is the only
  // writer); other threads read the copy published under policy_mu_.
  std::shared_ptr<const Policy> policy_;
  mutable Mutex policy_mu_;
  std::shared_ptr<const Policy> published_policy_ GUARDED_BY(policy_mu_);
  // The policy before the latest swap, alive until the next one: the batch decided under it
  // may still be with the writer.
  std::shared_ptr<const Policy> retired_policy_;
  Store* const store_;
  PipelineStats stats_;
  ReferenceData reference_;
  // One decoder per input topic, each for its format (kafka.inputs).
  struct Input {
    std::string topic;
    std::unique_ptr<MessageDecoder> decoder;
  };
  std::vector<Input> inputs_;
  // The records of the message being decoded that did not become accesses (consume thread).
  struct Rejected {
    std::string where;
    std::string event_id;
    std::string reason;
  };
  std::vector<Rejected> rejected_;
  size_t rejected_total_ = 0;
  std::unique_ptr<Decider> decider_;
  // Stateful rules and incidents: their changes are committed in the same batch as the events
  // that caused them (pipeline_state.h).
  std::unique_ptr<BehaviorDetector> detector_;
  std::unique_ptr<IncidentTracker> incidents_;
  InvalidRateState invalid_rate_;
  HourlyStats hourly_;  // the console's overview, per hour of event time
  TimeMicros latest_event_time_ = 0;
  AlertEmitter alerts_;
  Backpressure backpressure_;

  DeadLetters dead_letters_;
  ReferenceReader reference_reader_;
  Offsets offsets_;
  BatchWriter writer_;
  LocalRequests local_;
  kafka::Handle consumer_;
  bool consumer_closed_ = false;     // consume thread, then the destructor
  std::function<void()> on_commit_;  // the daemon's (its alert relay), after each store commit
  // The state changelog (kafka.topics.state; all three null without one): the rows each batch
  // adds, the relay that sends them, and the reader of an assigned partition's records.
  std::unique_ptr<StateChangelog> changelog_;
  std::unique_ptr<ChangelogRelay> changelog_relay_;
  kafka::Handle changelog_reader_;
  std::unique_ptr<StandbyState> standby_;  // kafka.standby: the changelog kept warm

  // The batch being built (consume thread).
  inzage::CommitBatch batch_;
  std::uint64_t batch_number_ = 1;
  // Next offset per (input topic, partition) in batch_.
  Offsets::Positions positions_;
  // The previous message's slot in positions_ (consecutive messages mostly share a partition):
  // finding it by key built a std::string of the topic for every message. Node pointers stay
  // valid until positions_ is cleared with the batch.
  std::int64_t* last_position_ = nullptr;
  const void* last_position_input_ = nullptr;
  std::int32_t last_position_partition_ = -1;
  // Per partition (of any input topic: partitions with the same number share a slot): its
  // latest event time and when its latest message came. The incidents'
  // watermark is the lowest latest time of the partitions that delivered within
  // kIdlePartition: consumed in fetches of thousands of messages per partition, partitions run
  // hours of event time apart, and the highest time would end incidents that a partition
  // behind it still adds to. An idle partition holds nothing back.
  struct PartitionTime {
    TimeMicros latest = INT64_MIN;
    Clock::time_point seen;
  };
  static constexpr auto kIdlePartition = std::chrono::seconds(30);
  [[nodiscard]] TimeMicros IncidentWatermark(Clock::time_point now) const;
  std::map<std::int32_t, PartitionTime> partition_times_;
  // Completion callbacks of the local requests in batch_ (answered after its commit).
  std::vector<CommitWaiter> batch_waiters_;
  AccessJournal* journal_ = nullptr;
  // Journal rows of the accesses in batch_, deleted once it is committed.
  std::vector<std::string> journal_keys_;
  std::deque<LocalRequest> deferred_policy_swaps_;
  // When the oldest local request in batch_ arrived (kLocalRequestLatency).
  Clock::time_point waiters_since_;
  Clock::time_point batch_started_;
  std::array<std::uint64_t, kRuleCount> rule_fires_batch_{};  // published per batch
  // Events of a committed batch, refilled (FillStoredEvent) instead of allocated anew.
  std::vector<StoredEvent> spare_events_;

  Status fatal_;  // an error met inside a rebalance callback, returned by the loop
  std::atomic<bool> stop_{false};
  std::atomic<bool> ready_{false};
};

}  // namespace inzage

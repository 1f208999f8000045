#include "ingest/event_pipeline.h"

#include <algorithm>
#include <deque>
#include <set>
#include <string>

#include "common/json_writer.h"
#include "common/log.h"
#include "ingest/pipeline_state.h"
#include "ingest/stored_event.h"
#include "kafka/clients.h"

namespace inzage {

EventPipeline::EventPipeline(const PipelineOptions& config, const Pseudonymizer* pseudonymizer,
                             std::shared_ptr<const Policy> policy, Store* store)
    : config_(config),
      policy_(std::move(policy)),
      published_policy_(policy_),
      store_(store),
      reference_(pseudonymizer),

      decider_(std::make_unique<Decider>(policy_.get(), &reference_)),
      detector_(std::make_unique<BehaviorDetector>(policy_.get(), &reference_)),
      incidents_(std::make_unique<IncidentTracker>(policy_.get(), &reference_)),
      invalid_rate_(policy_->thresholds()),
      alerts_(std::chrono::milliseconds(config_.pipeline.alert_update_interval_ms),
              incidents_.get(), store_),
      backpressure_(config_.pipeline.outbox_max_rows, store_, &stats_.consumption_pauses),
      dead_letters_(config_.kafka, config_.shutdown_timeout_ms),
      reference_reader_(config_.kafka, &reference_, &stats_.reference_records),

      writer_(store_, &dead_letters_, &offsets_, &stats_) {
  reference_.ResolveOnApply(policy_.get());
  alerts_.set_policy(policy_.get());
  hourly_.set_loader([store](const std::string& key) -> std::optional<std::string> {
    auto row = store->Get("state", key);
    return row.ok() ? *row : std::nullopt;
  });
  incidents_->set_max_aggregating(
      static_cast<size_t>(std::max(0, config_.pipeline.max_open_incidents)));
  writer_.set_on_commit([this] {
    if (changelog_relay_) changelog_relay_->Wake();
    if (on_commit_) on_commit_();
  });
  for (const kafka::Input& in : config_.kafka.EffectiveInputs()) {
    // The daemon's configuration checked the names; an unknown one reads as inzage's own.
    const InputFormat format = InputFormatFromName(in.format).value_or(InputFormat::kInzage);
    inputs_.push_back({in.topic, std::make_unique<MessageDecoder>(format, pseudonymizer)});
  }
}

EventPipeline::~EventPipeline() {
  local_.set_wake_queue(nullptr);  // before the consumer it belongs to
  // A run that ended in an error (or never ran) leaves the consumer open. Close it here, while
  // every member is alive: closing calls OnRebalance (revoke), which uses them. Leaving it to
  // the member destructors ran the callback on already destroyed maps (a double free).
  if (consumer_ && !consumer_closed_) rd_kafka_consumer_close(consumer_.get());
  consumer_.reset();
}

Status EventPipeline::Start() {
  if (Status st = RestoreState(
          *store_, {detector_.get(), incidents_.get(), &invalid_rate_, &alerts_, &hourly_});
      !st.ok()) {
    return st;
  }
  if (journal_ != nullptr) {
    // Accesses answered before a crash and not yet stored: into the first batch.
    Status st = journal_->ForEach([this](const std::string& key, StoredEvent event) {
      batch_.events.push_back(std::move(event));
      journal_keys_.push_back(key);
    });
    if (!st.ok()) return st;
    if (!journal_keys_.empty()) {
      Log(LogLevel::kInfo, "pipeline", "API accesses from the journal go into the first batch",
          {{"accesses", journal_keys_.size()}});
    }
  }
  if (Status st = StartChangelog(); !st.ok()) return st;
  if (Status st = dead_letters_.Start(); !st.ok()) return st;
  if (Status st = reference_reader_.Start(); !st.ok()) return st;
  if (Status st = reference_reader_.ReadToEnd(config_.reference_timeout_ms, stop_); !st.ok()) {
    return st;
  }
  if (Status st = StartConsumer(); !st.ok()) return st;
  ready_ = true;
  return Status::Ok();
}

Status EventPipeline::StartConsumer() {
  kafka::Settings settings{{"auto.offset.reset", "earliest"},
                           {"queued.max.messages.kbytes", kafka::kPrefetchMaxKbytes},  // memory
                           {"queued.min.messages", kafka::kPrefetchMinMessages},
                           {"session.timeout.ms", kafka::kSessionTimeoutMs},
                           {"heartbeat.interval.ms", kafka::kHeartbeatIntervalMs},
                           {"partition.assignment.strategy", kafka::kAssignmentStrategy}};
  if (const std::string id = config_.kafka.GroupInstanceId(); !id.empty()) {
    settings["group.instance.id"] = id;
  }
  auto consumer =
      kafka::MakeConsumer(config_.kafka, kafka::ConsumerKind::kEvents, "inzaged",
                          config_.kafka.group_id, settings, &EventPipeline::OnRebalance, this);
  if (!consumer.ok()) return consumer.status();
  consumer_ = std::move(consumer).value();
  rd_kafka_poll_set_consumer(consumer_.get());
  local_.set_wake_queue(kafka::Queue(rd_kafka_queue_get_consumer(consumer_.get())));
  offsets_.set_consumer(consumer_.get());
  kafka::PartitionList topics(rd_kafka_topic_partition_list_new(static_cast<int>(inputs_.size())));
  std::string names;
  for (const Input& in : inputs_) {
    rd_kafka_topic_partition_list_add(topics.get(), in.topic.c_str(), RD_KAFKA_PARTITION_UA);
    names += (names.empty() ? "" : ", ") + in.topic;
  }
  if (auto err = rd_kafka_subscribe(consumer_.get(), topics.get()); err) {
    return Status::IoError("subscribe to " + names + ": " + kafka::ErrorText(err));
  }
  return Status::Ok();
}

Status EventPipeline::Run() {
  writer_.Start();
  Status result = RunLoop();
  // Requests that arrived too late for the last batch: answered, never left hanging.
  FailLocalRequests(result.ok() ? Status::IoError("the pipeline is stopping") : result);
  // Whatever happened, the writer finishes the batch it holds before the pipeline returns.
  if (Status st = writer_.WaitIdle(); !st.ok() && result.ok()) result = st;
  writer_.Stop();
  if (changelog_relay_) {
    if (Status st = changelog_relay_->Stop(); !st.ok()) {
      Log(LogLevel::kWarn, "pipeline", st.message());
    }
  }
  return result;
}

Status EventPipeline::RunLoop() {
  batch_started_ = Clock::now();
  const auto max_latency = std::chrono::milliseconds(config_.pipeline.batch_max_latency_ms);
  const auto max_events = static_cast<size_t>(config_.pipeline.batch_max_events);
  while (!stop_.load() && fatal_.ok()) {
    if (Status st = writer_.error(); !st.ok()) return st;
    backpressure_.Update(consumer_.get());
    kafka::Message m(rd_kafka_consumer_poll(consumer_.get(), 50));
    // One clock read per turn of the loop (it was a few per message).
    const auto now = Clock::now();
    stats_.last_loop_ns = now.time_since_epoch().count();
    if (m) {
      if (m->err) {
        if (m->err == RD_KAFKA_RESP_ERR__FATAL) {
          char reason[512];
          rd_kafka_fatal_error(consumer_.get(), reason, sizeof reason);
          return Status::IoError(std::string("fatal Kafka error: ") + reason);
        }
        if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
          Log(LogLevel::kWarn, "pipeline", kafka::ErrorText(m->err));
        }
      } else if (m->rkt != nullptr) {
        if (Status st = Process(m.get(), now); !st.ok()) return st;
      }
    }
    DrainLocalRequests();
    const bool local_waiting =
        !batch_waiters_.empty() && (!m || now - waiters_since_ >= kLocalRequestLatency);
    // Held-back alert versions whose interval is over make a batch too (an idle stream).
    const bool has_work = BatchHasWork() || alerts_.Due(now);
    if (batch_.events.size() >= max_events || local_waiting ||
        (has_work && now - batch_started_ >= max_latency)) {
      if (Status st = CommitBatch(); !st.ok()) return st;
      if (Status st = reference_reader_.Poll(0); !st.ok()) return st;
      batch_started_ = Clock::now();
    } else if (!has_work) {
      batch_started_ = now;
      if (!m) {
        if (Status st = reference_reader_.Poll(0); !st.ok()) return st;
      }
    }
  }
  if (!fatal_.ok()) return fatal_;
  return Drain();
}

Status EventPipeline::Drain() {
  // No more local requests, and no more yields on the consumer queue (LocalRequests::Close).
  // Requests that came in before go into the last batch.
  local_.Close();
  DrainLocalRequests();
  // Commit the batch in flight with every held-back alert version, then leave the group (the
  // revoke callback commits the offsets to Kafka synchronously).
  alerts_.EmitAllPending();
  if (Status st = CommitBatch(); !st.ok()) return st;
  if (Status st = writer_.WaitIdle(); !st.ok()) return st;
  rd_kafka_consumer_close(consumer_.get());
  consumer_closed_ = true;
  if (!fatal_.ok()) return fatal_;
  dead_letters_.Flush();
  return Status::Ok();
}

namespace {

// Hands a message's records to the pipeline: accesses are decided at once (the event views the
// decoder's buffers, valid during the call), the others are kept for the message's dead letter.
class PipelineSink : public RecordSink {
 public:
  PipelineSink(std::function<void(const AccessEvent&)> decide,
               std::function<void(const InvalidRecord&)> reject)
      : decide_(std::move(decide)), reject_(std::move(reject)) {}
  void Access(const AccessEvent& event) override { decide_(event); }
  void Invalid(const InvalidRecord& record) override { reject_(record); }

 private:
  std::function<void(const AccessEvent&)> decide_;
  std::function<void(const InvalidRecord&)> reject_;
};

// How many invalid records one dead letter names in its header; the count names them all.
constexpr size_t kMaxNamedRejects = 100;

}  // namespace

Status EventPipeline::Process(const rd_kafka_message_t* m, Clock::time_point now) {
  const std::string_view payload(static_cast<const char*>(m->payload), m->len);
  ++stats_.consumed;
  const std::int64_t now_ns = now.time_since_epoch().count();
  if (stats_.first_message_ns.load() == 0) stats_.first_message_ns = now_ns;
  stats_.last_message_ns = now_ns;
  const char* topic_name = rd_kafka_topic_name(m->rkt);
  Input* input = inputs_.data();  // a topic we did not subscribe to cannot arrive
  for (Input& in : inputs_) {
    if (in.topic == topic_name) input = &in;
  }
  MessageDecoder& decoder = *input->decoder;
  PartitionTime& partition_time = partition_times_[m->partition];
  partition_time.seen = now;
  invalid_rate_.SelectSource(topic_name, m->partition);
  detector_->set_partition(m->partition);
  incidents_->set_partition(m->partition);
  rejected_.clear();
  rejected_total_ = 0;
  PipelineSink sink(
      [this, &partition_time](const AccessEvent& e) {
        partition_time.latest = std::max(partition_time.latest, e.time);
        DecideIntoBatch(e);
      },
      [this](const InvalidRecord& r) {
        ++rejected_total_;
        ++stats_.invalid;
        ++stats_.invalid_by_reason[static_cast<size_t>(ClassifyParseError(r.reason))];
        invalid_rate_.ObserveInvalid(r.event_id, policy_->thresholds(), incidents_.get());
        hourly_.ObserveInvalid(latest_event_time_);
        if (rejected_.size() < kMaxNamedRejects) {
          rejected_.push_back(
              {std::string(r.where), std::string(r.event_id), std::string(r.reason)});
        }
      });
  Status decoded = decoder.Decode(payload, *policy_, &sink);
  if (!decoded.ok()) {
    // The message as a whole is unreadable: nothing of it was decided.
    ++stats_.invalid;
    ++stats_.invalid_by_reason[static_cast<size_t>(ClassifyParseError(decoded.message()))];
    invalid_rate_.ObserveInvalid(decoder.last_event_id(), policy_->thresholds(), incidents_.get());
    hourly_.ObserveInvalid(latest_event_time_);
    if (Status st =
            dead_letters_.Send(*m, decoded.message(), batch_number_, NameOf(decoder.format()));
        !st.ok()) {
      return st;
    }
    ++stats_.dead_letters;
  } else if (rejected_total_ > 0) {
    if (Status st = SendInvalidRecords(*m, NameOf(decoder.format())); !st.ok()) return st;
  }
  if (last_position_ == nullptr || last_position_input_ != input ||
      last_position_partition_ != m->partition) {
    last_position_ = &positions_[{input->topic, m->partition}];
    last_position_input_ = input;
    last_position_partition_ = m->partition;
  }
  *last_position_ = m->offset + 1;
  return Status::Ok();
}

Status EventPipeline::SendInvalidRecords(const rd_kafka_message_t& m, std::string_view format) {
  // One dead letter per message, however many of its records were invalid: it carries the
  // original bytes once (an OTLP message of 10,000 bad spans is not copied 10,000 times), the
  // first record's reason in inzage.reason and every named record in inzage.invalid_records.
  std::string reason;
  if (rejected_total_ == 1) {
    reason = rejected_[0].where + ": " + rejected_[0].reason;
  } else {
    reason = std::to_string(rejected_total_) + " records invalid; the first, " +
             rejected_[0].where + ": " + rejected_[0].reason;
  }
  std::string list;
  JsonWriter w(&list);
  w.BeginObject().Member("count", static_cast<std::int64_t>(rejected_total_)).Key("records");
  w.BeginArray();
  for (const Rejected& r : rejected_) {
    w.BeginObject()
        .Member("where", r.where)
        .Member("event_id", r.event_id)
        .Member("reason", r.reason)
        .EndObject();
  }
  w.EndArray().EndObject();
  if (Status st = dead_letters_.Send(m, reason, batch_number_, format, list); !st.ok()) return st;
  ++stats_.dead_letters;
  return Status::Ok();
}

void EventPipeline::DecideIntoBatch(const AccessEvent& event) {
  Decision decision;
  decider_->Decide(event, &decision);
  const std::uint64_t late_before = detector_->late_events();
  detector_->Observe(event, &decision);
  stats_.late_events += detector_->late_events() - late_before;
  incidents_->Observe(event, decision);
  invalid_rate_.ObserveValid(event.time, policy_->thresholds(), incidents_.get());
  switch (decision.verdict) {
    case Verdict::kAllow:
      ++stats_.allowed;
      break;
    case Verdict::kReview:
      ++stats_.reviews;
      break;
    default:
      ++stats_.violations;
      break;
  }
  // Counted here without atomics; published once per batch (PublishBatchStats).
  for (size_t i = 0; i < decision.hit_count; ++i) {
    ++rule_fires_batch_[static_cast<size_t>(decision.hits[i].rule)];
  }
  if (spare_events_.empty()) {
    batch_.events.emplace_back();
  } else {
    batch_.events.push_back(std::move(spare_events_.back()));
    spare_events_.pop_back();
    TrimForReuse(&batch_.events.back());
  }
  FillStoredEvent(event, decision, *policy_, reference_, &batch_.events.back());
  hourly_.Observe(event.time, decision, batch_.events.back().record.department);
  latest_event_time_ = std::max(latest_event_time_, event.time);
}

void EventPipeline::AddStateAndAlerts() {
  invalid_rate_.AddToBatch(&batch_);
  hourly_.TakeChanged(&batch_.state);
  // Incidents whose window is over (or past the cap) end here, so that this batch stores them.
  incidents_->Settle(IncidentWatermark(Clock::now()));
  // Before AddActorState, which clears the dirty actors.
  if (changelog_) {
    changelog_->AddChanges(
        *detector_, incidents_->dirty_alerts(), positions_,
        [this](std::int32_t p) {
          auto it = partition_times_.find(p);
          return it == partition_times_.end() ? INT64_MIN : it->second.latest;
        },
        &batch_);
  }
  AddActorState(detector_.get(), &batch_);
  stats_.alerts_changed += alerts_.AddToBatch(incidents_->dirty_alerts(), Clock::now(), &batch_);
  incidents_->ClearDirty();
  // Their rows are in this batch: settled alerts leave memory (memory follows the incidents
  // still aggregating, not everything since start).
  incidents_->EvictSettled();
  stats_.incidents_in_memory = incidents_->aggregating();
  stats_.incidents_closed_early = incidents_->closed_early();
}

TimeMicros EventPipeline::IncidentWatermark(Clock::time_point now) const {
  TimeMicros lowest = INT64_MAX;
  TimeMicros highest = INT64_MIN;
  for (const auto& [partition, t] : partition_times_) {
    if (t.latest == INT64_MIN) continue;
    highest = std::max(highest, t.latest);
    if (now - t.seen <= kIdlePartition) lowest = std::min(lowest, t.latest);
  }
  return lowest == INT64_MAX ? highest : lowest;
}

void EventPipeline::PublishBatchStats() {
  if (!positions_.empty()) {  // once per batch, not per message
    stats_.last_event_wall_micros = WallNow();
  }
  for (size_t i = 0; i < kRuleCount; ++i) {
    if (rule_fires_batch_[i] != 0) stats_.rule_fires[i] += rule_fires_batch_[i];
  }
  rule_fires_batch_.fill(0);
  offsets_.UpdateLag(positions_);
}

Status EventPipeline::CommitBatch() {
  if (Status st = writer_.error(); !st.ok()) return st;
  if (!BatchHasWork() && !alerts_.Due(Clock::now())) return Status::Ok();
  dead_letters_.Poll();  // delivery reports; the writer also serves them
  if (dead_letters_.failures() > 0) return dead_letters_.Await(batch_number_);  // the error
  AddStateAndAlerts();
  PublishBatchStats();
  for (const auto& [tp, offset] : positions_) {
    batch_.positions.push_back({tp.first, tp.second, offset});
  }
  // While the writer still holds the batch before this one, the API's accesses keep being
  // answered (into this batch, through the journal) instead of waiting for the writer.
  if (journal_ != nullptr) {
    while (!writer_.WaitForRoom(std::chrono::milliseconds(1))) {
      if (Status st = writer_.error(); !st.ok()) return st;
      DrainLocalRequests(/*defer_policy_swaps=*/true);
    }
  }
  if (!journal_keys_.empty()) {
    // The journal rows of this batch's accesses go once it is committed (after a failed commit
    // they stay, and the next start puts them into its first batch).
    batch_waiters_.emplace_back(
        [journal = journal_, keys = std::move(journal_keys_)](const Status& committed) {
          if (!committed.ok()) return;
          if (Status st = journal->Delete(keys); !st.ok()) {
            Log(LogLevel::kWarn, "pipeline", "access journal rows not deleted (stored once anyway)",
                {{"error", st.message()}});
          }
        });
    journal_keys_.clear();
  }
  // Hand the batch to the writer thread; wait while it still holds the previous one waiting.
  if (Status st = writer_.Hand(&batch_, batch_number_, &batch_waiters_, &spare_events_); !st.ok()) {
    return st;
  }
  ++batch_number_;
  // Room for a full batch up front: no regrowth (and moving of every event) while filling it.
  batch_.events.reserve(
      std::min<size_t>(static_cast<size_t>(config_.pipeline.batch_max_events), kMaxReservedEvents));
  positions_.clear();
  last_position_ = nullptr;
  return Status::Ok();
}

}  // namespace inzage

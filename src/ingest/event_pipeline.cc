#include "ingest/event_pipeline.h"

#include <cstdio>
#include <thread>

#include "common/log.h"
#include "common/thread_name.h"
#include "detect/alert.h"
#include "detect/state_codec.h"
#include "ingest/stored_event.h"
#include "store/keys.h"

namespace inzage {
namespace {

using Clock = std::chrono::steady_clock;

}  // namespace

EventPipeline::EventPipeline(const PipelineOptions& config, const Pseudonymizer* pseudonymizer,
                             std::shared_ptr<const Policy> policy, Store* store)
    : config_(config),
      policy_(std::move(policy)),
      store_(store),
      reference_(pseudonymizer),
      parser_(pseudonymizer) {
  reference_.ResolveOnApply(policy_.get());
  decider_ = std::make_unique<Decider>(policy_.get(), &reference_);
  detector_ = std::make_unique<BehaviorDetector>(policy_.get(), &reference_);
  incidents_ = std::make_unique<IncidentTracker>(policy_.get(), &reference_);
  invalid_rate_ = std::make_unique<InvalidRate>(policy_->thresholds());
}

Status EventPipeline::RestoreState() {
  if (!detector_->status().ok()) return detector_->status();
  auto state = store_->ScanColumnFamily("state");
  if (!state.ok()) return state.status();
  for (const auto& [key, value] : *state) {
    if (key == kInvalidRateKey) {
      // The input.invalid_rate window and the stream clock it runs on.
      StateReader r(value);
      const std::int64_t stream_time = r.Svarint();
      if (!r.ok()) return Status::Corruption("state " + key + ": malformed");
      const std::string_view rest = std::string_view(value).substr(r.position());
      if (Status st = invalid_rate_->Restore(rest); !st.ok()) return st;
      stream_time_ = stream_time;
      continue;
    }
    if (key == kPendingAlertsKey) {
      // Versions that had not gone to the CISO topic yet: sent with the first batch.
      size_t from = 0;
      while (from < value.size()) {
        const size_t nl = std::min(value.find('\n', from), value.size());
        if (nl > from) pending_emission_.insert(value.substr(from, nl - from));
        from = nl + 1;
      }
      continue;
    }
    if (key.rfind("actor/", 0) != 0) continue;
    Status st = detector_->RestoreActorState(std::string_view(key).substr(6), value);
    if (!st.ok()) return Status::Corruption("detector state of " + key + ": " + st.message());
  }
  auto alerts = store_->ScanColumnFamily("alerts");
  if (!alerts.ok()) return alerts.status();
  for (const auto& [key, value] : *alerts) {
    auto alert = ParseAlert(value);
    if (!alert.ok()) return Status::Corruption("alert " + key + ": " + alert.status().message());
    if (Status st = incidents_->Restore(std::move(alert).value()); !st.ok()) return st;
  }
  detector_->ClearDirty();
  incidents_->ClearDirty();
  // Settled alerts stay in the store only; memory holds the incidents still aggregating.
  incidents_->EvictSettled();
  auto outbox = store_->ListOutbox(SIZE_MAX);
  if (outbox.ok() && !outbox->empty()) {
    const std::string& last = outbox->back().first;
    for (char c : last) outbox_seq_ = (outbox_seq_ << 8) | static_cast<unsigned char>(c);
  }
  outbox_seq_ = std::max<std::uint64_t>(outbox_seq_, store_->last_batch_seq() << 20);
  Log(LogLevel::kInfo, "pipeline", "state restored",
      {{"actors", state->size()}, {"alerts", alerts->size()}});
  return Status::Ok();
}

void EventPipeline::EmitAlert(const Alert& alert, Clock::time_point now) {
  // Outbox keys are increasing big-endian numbers, so the relay sends versions in order.
  std::string key;
  keys::PutBigEndian64(&key, ++outbox_seq_);
  batch_.outbox.emplace_back(std::move(key), alert.alert_id + "\n" + AlertToJson(alert));
  if (alert.aggregating) {
    emitted_[alert.alert_id] = Emitted{now, alert.status, alert.severity};
  } else {
    emitted_.erase(alert.alert_id);  // closed: no more count updates to hold back
  }
  if (pending_emission_.erase(alert.alert_id) != 0) pending_emission_changed_ = true;
}

bool EventPipeline::UpdateIntervalOver(const std::string& alert_id, Clock::time_point now) const {
  const auto it = emitted_.find(alert_id);
  return it == emitted_.end() ||
         now - it->second.at >=
             std::chrono::milliseconds(config_.pipeline.alert_update_interval_ms);
}

bool EventPipeline::AlertEmissionsDue(Clock::time_point now) const {
  if (pending_emission_.empty()) return false;
  return emit_all_pending_ ||
         std::any_of(pending_emission_.begin(), pending_emission_.end(),
                     [&](const std::string& id) { return UpdateIntervalOver(id, now); });
}

void EventPipeline::EmitDueAlerts(Clock::time_point now) {
  std::vector<std::string> due;
  for (const std::string& id : pending_emission_) {
    if (emit_all_pending_ || UpdateIntervalOver(id, now)) due.push_back(id);
  }
  for (const std::string& id : due) {
    if (const Alert* alert = incidents_->Find(id)) {
      EmitAlert(*alert, now);
      continue;
    }
    // No longer in memory (settled, or restored as settled): its stored newest version.
    auto row = store_->Get("alerts", id);
    Result<Alert> alert = !row.ok()           ? Result<Alert>(row.status())
                          : !row->has_value() ? Result<Alert>(Status::NotFound("not stored"))
                                              : ParseAlert(**row);
    if (alert.ok()) {
      EmitAlert(*alert, now);
    } else {
      Log(LogLevel::kWarn, "pipeline", "alert waiting for the CISO topic cannot be read",
          {{"alert", id}, {"error", alert.status().message()}});
      if (pending_emission_.erase(id) != 0) pending_emission_changed_ = true;
    }
  }
}

void EventPipeline::AddStateAndAlerts() {
  for (std::string_view actor : detector_->dirty_actors()) {
    std::string blob;
    if (detector_->SerializeActorState(actor, &blob)) {
      batch_.state.emplace_back("actor/" + std::string(actor), std::move(blob));
    }
  }
  detector_->ClearDirty();
  if (invalid_rate_dirty_) {
    std::string blob;
    StateWriter(&blob).Svarint(stream_time_);
    invalid_rate_->SerializeTo(&blob);
    batch_.state.emplace_back(std::string(kInvalidRateKey), std::move(blob));
    invalid_rate_dirty_ = false;
  }
  const auto now = Clock::now();
  for (const Alert* alert : incidents_->dirty_alerts()) {
    batch_.alerts.emplace_back(alert->alert_id, SerializeAlert(*alert));
    ++stats_.alerts_changed;
    // Every version is stored; the CISO topic gets a new alert, a status or severity change and
    // a closed incident at once, an open incident's growing count at most every interval.
    const auto it = emitted_.find(alert->alert_id);
    const bool changed = it != emitted_.end() && (it->second.status != alert->status ||
                                                  it->second.severity != alert->severity);
    if (changed || !alert->aggregating || UpdateIntervalOver(alert->alert_id, now)) {
      EmitAlert(*alert, now);
    } else if (pending_emission_.insert(alert->alert_id).second) {
      pending_emission_changed_ = true;
    }
  }
  incidents_->ClearDirty();
  EmitDueAlerts(now);
  if (pending_emission_changed_) {
    std::string ids;
    for (const std::string& id : pending_emission_) ids.append(id).push_back('\n');
    batch_.state.emplace_back(std::string(kPendingAlertsKey), std::move(ids));
    pending_emission_changed_ = false;
  }
  if (emitted_.size() > kMaxEmittedTracked) emitted_.clear();  // costs only an early update
  // Their rows are in this batch: settled alerts can leave memory (memory follows the open
  // incidents, not everything since start).
  if (incidents_->alerts().size() > kMaxAlertsInMemory) incidents_->EvictSettled();
}

EventPipeline::~EventPipeline() {
  {
    std::lock_guard lock(local_mu_);
    consumer_queue_.reset();  // before the consumer it belongs to
  }
  // A run that ended in an error (or never ran) leaves the consumer open. Close it here, while
  // every member is alive: closing calls OnRebalance (revoke), which uses them. Leaving it to
  // the member destructors ran the callback on already destroyed maps (a double free).
  if (consumer_ && !consumer_closed_) rd_kafka_consumer_close(consumer_.get());
  consumer_.reset();
}

Status EventPipeline::Start() {
  if (Status st = RestoreState(); !st.ok()) return st;
  // Dead-letter producer: idempotent, acks from all replicas, so a dead letter is not lost.
  {
    kafka::Config c;
    for (const auto& [k, v] :
         std::map<std::string, std::string>{{"bootstrap.servers", config_.kafka.brokers},
                                            {"enable.idempotence", "true"},
                                            {"linger.ms", "5"},
                                            {"client.id", "inzaged-dead-letters"}}) {
      if (Status st = c.Set(k, v); !st.ok()) return st;
    }
    if (Status st = c.SetAll(config_.kafka.properties); !st.ok()) return st;
    rd_kafka_conf_set_dr_msg_cb(c.raw(), &EventPipeline::OnDeadLetterDelivered);
    rd_kafka_conf_set_opaque(c.raw(), this);
    auto h = c.Create(RD_KAFKA_PRODUCER);
    if (!h.ok()) return h.status();
    dead_letters_ = std::move(h).value();
  }
  // Reference consumer: no group; every instance reads every partition from the start.
  {
    kafka::Config c;
    for (const auto& [k, v] : std::map<std::string, std::string>{
             {"bootstrap.servers", config_.kafka.brokers},
             {"group.id", config_.kafka.group_id + ".reference-unused"},
             {"enable.auto.commit", "false"},
             {"enable.auto.offset.store", "false"},
             {"client.id", "inzaged-reference"}}) {
      if (Status st = c.Set(k, v); !st.ok()) return st;
    }
    if (Status st = c.SetAll(config_.kafka.properties); !st.ok()) return st;
    auto h = c.Create(RD_KAFKA_CONSUMER);
    if (!h.ok()) return h.status();
    reference_consumer_ = std::move(h).value();
  }
  if (Status st = ReadReferenceToEnd(); !st.ok()) return st;
  // The events consumer group.
  {
    kafka::Config c;
    for (const auto& [k, v] : std::map<std::string, std::string>{
             {"bootstrap.servers", config_.kafka.brokers},
             {"group.id", config_.kafka.group_id},
             {"enable.auto.commit", "false"},
             {"enable.auto.offset.store", "false"},
             {"auto.offset.reset", "earliest"},
             {"queued.max.messages.kbytes", kafka::kPrefetchMaxKbytes},  // bounds memory
             {"queued.min.messages", kafka::kPrefetchMinMessages},
             {"client.id", "inzaged"}}) {
      if (Status st = c.Set(k, v); !st.ok()) return st;
    }
    if (Status st = c.SetAll(config_.kafka.properties); !st.ok()) return st;
    rd_kafka_conf_set_rebalance_cb(c.raw(), &EventPipeline::OnRebalance);
    rd_kafka_conf_set_opaque(c.raw(), this);
    auto h = c.Create(RD_KAFKA_CONSUMER);
    if (!h.ok()) return h.status();
    consumer_ = std::move(h).value();
  }
  rd_kafka_poll_set_consumer(consumer_.get());
  {
    std::lock_guard lock(local_mu_);
    consumer_queue_.reset(rd_kafka_queue_get_consumer(consumer_.get()));
  }
  kafka::PartitionList topics(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(topics.get(), config_.kafka.events_topic.c_str(),
                                    RD_KAFKA_PARTITION_UA);
  if (auto err = rd_kafka_subscribe(consumer_.get(), topics.get()); err) {
    return Status::IoError("subscribe to " + config_.kafka.events_topic + ": " +
                           kafka::ErrorText(err));
  }
  ready_ = true;
  return Status::Ok();
}

Status EventPipeline::ReadReferenceToEnd() {
  auto partitions =
      kafka::TopicPartitions(reference_consumer_.get(), config_.kafka.reference_topic, 10000);
  if (!partitions.ok()) {
    return Status::FailedPrecondition("reference topic: " + partitions.status().message());
  }
  kafka::PartitionList list(
      rd_kafka_topic_partition_list_new(static_cast<int>(partitions->size())));
  std::map<std::int32_t, std::int64_t> end;
  for (std::int32_t p : *partitions) {
    std::int64_t low = 0, high = 0;
    auto err = rd_kafka_query_watermark_offsets(
        reference_consumer_.get(), config_.kafka.reference_topic.c_str(), p, &low, &high, 10000);
    if (err) {
      return Status::IoError("reference topic end offsets: " + kafka::ErrorText(err));
    }
    if (high > low) end[p] = high;
    rd_kafka_topic_partition_list_add(list.get(), config_.kafka.reference_topic.c_str(), p)
        ->offset = RD_KAFKA_OFFSET_BEGINNING;
  }
  if (auto err = rd_kafka_assign(reference_consumer_.get(), list.get()); err) {
    return Status::IoError("assign reference topic: " + kafka::ErrorText(err));
  }
  // Readiness: no event is decided before the reference data is complete as of start-up.
  const auto deadline = Clock::now() + std::chrono::milliseconds(config_.reference_timeout_ms);
  while (!end.empty()) {
    if (stop_.load()) return Status::FailedPrecondition("stopped while reading reference data");
    if (Clock::now() > deadline) {
      return Status::FailedPrecondition("the reference topic " + config_.kafka.reference_topic +
                                        " did not catch up within " +
                                        std::to_string(config_.reference_timeout_ms) + " ms");
    }
    kafka::Message m(rd_kafka_consumer_poll(reference_consumer_.get(), 200));
    if (!m) continue;
    if (m->err) {
      if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) continue;
      Log(LogLevel::kWarn, "reference", kafka::ErrorText(m->err));
      continue;
    }
    if (m->len > 0) {
      Status st = reference_.Apply(std::string_view(static_cast<const char*>(m->payload), m->len));
      if (!st.ok()) {
        Log(LogLevel::kWarn, "reference", "record ignored",
            {{"partition", m->partition}, {"offset", m->offset}, {"error", st.message()}});
      } else {
        ++stats_.reference_records;
      }
    }
    auto it = end.find(m->partition);
    if (it != end.end() && m->offset + 1 >= it->second) end.erase(it);
  }
  return Status::Ok();
}

Status EventPipeline::PollReference(int timeout_ms) {
  for (int i = 0; i < 10000; ++i) {
    kafka::Message m(rd_kafka_consumer_poll(reference_consumer_.get(), i == 0 ? timeout_ms : 0));
    if (!m) return Status::Ok();
    if (m->err || m->len == 0) continue;
    Status st = reference_.Apply(std::string_view(static_cast<const char*>(m->payload), m->len));
    if (st.ok()) {
      ++stats_.reference_records;
    } else {
      Log(LogLevel::kWarn, "reference", "record ignored", {{"error", st.message()}});
    }
  }
  return Status::Ok();
}

void EventPipeline::OnDeadLetterDelivered(rd_kafka_t* /*rk*/, const rd_kafka_message_t* m,
                                          void* opaque) {
  auto* self = static_cast<EventPipeline*>(opaque);
  const auto batch_number = reinterpret_cast<std::uintptr_t>(m->_private);
  std::lock_guard lock(self->dead_letter_mu_);
  if (m->err) {
    self->dead_letter_failures_.fetch_add(1);
    self->dead_letter_error_ = kafka::ErrorText(m->err);
  }
  auto it = self->dead_letters_unacked_.find(batch_number);
  if (it != self->dead_letters_unacked_.end() && --it->second == 0) {
    self->dead_letters_unacked_.erase(it);
  }
}

Status EventPipeline::AwaitDeadLetters(std::uint64_t batch_number) {
  const auto deadline = Clock::now() + std::chrono::milliseconds(config_.shutdown_timeout_ms);
  for (;;) {
    {
      std::lock_guard lock(dead_letter_mu_);
      if (dead_letter_failures_.load() > 0) {
        return Status::IoError("the dead-letter topic " + config_.kafka.dead_letter_topic +
                               " cannot be written (" + dead_letter_error_ +
                               "); stopping rather than lose an invalid message");
      }
      if (dead_letters_unacked_.empty() || dead_letters_unacked_.begin()->first > batch_number) {
        return Status::Ok();
      }
    }
    if (Clock::now() >= deadline) {
      return Status::IoError("the dead-letter topic " + config_.kafka.dead_letter_topic +
                             " did not acknowledge within " +
                             std::to_string(config_.shutdown_timeout_ms) +
                             " ms; stopping rather than lose an invalid message");
    }
    rd_kafka_poll(dead_letters_.get(), 10);  // serves the delivery reports
  }
}

Status EventPipeline::Process(const rd_kafka_message_t* m, Clock::time_point now) {
  const std::string& topic = config_.kafka.events_topic;  // the only topic subscribed
  const std::string_view payload(static_cast<const char*>(m->payload), m->len);
  ++stats_.consumed;
  const std::int64_t now_ns = now.time_since_epoch().count();
  if (stats_.first_message_ns.load() == 0) stats_.first_message_ns = now_ns;
  stats_.last_message_ns = now_ns;
  AccessEvent event;
  Status parsed = parser_.Parse(payload, &event);
  if (parsed.ok()) {
    DecideIntoBatch(event);
  } else {
    ++stats_.invalid;
    ++stats_.invalid_by_reason[static_cast<size_t>(ClassifyParseError(parsed.message()))];
    invalid_rate_dirty_ = true;
    if (invalid_rate_->Observe(stream_time_, true)) {
      incidents_->ObserveStreamHit(RuleId::kInputInvalidRate, stream_time_, parser_.last_event_id(),
                                   ExplainInvalidRate(*invalid_rate_, policy_->thresholds()));
    }
    // The original bytes, with the reason and the origin in headers (never a BSN: the
    // parser's messages redact digit runs).
    const std::string partition = std::to_string(m->partition);
    const std::string offset = std::to_string(m->offset);
    {
      // Counted before producing: the report can arrive on the writer thread at once.
      std::lock_guard lock(dead_letter_mu_);
      ++dead_letters_unacked_[batch_number_];
    }
    for (;;) {
      const rd_kafka_resp_err_t err =
          kafka::Produce(dead_letters_.get(), config_.kafka.dead_letter_topic,
                         std::string_view(static_cast<const char*>(m->key), m->key_len), payload,
                         {{"inzage.reason", parsed.message()},
                          {"inzage.source.topic", topic},
                          {"inzage.source.partition", partition},
                          {"inzage.source.offset", offset}},
                         // The opaque carries the batch number; it is never dereferenced.
                         // NOLINTNEXTLINE(performance-no-int-to-ptr)
                         reinterpret_cast<void*>(static_cast<std::uintptr_t>(batch_number_)));
      if (err == RD_KAFKA_RESP_ERR_NO_ERROR) break;
      if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        rd_kafka_poll(dead_letters_.get(), 100);
        continue;
      }
      return Status::IoError("dead-letter topic: " + kafka::ErrorText(err) +
                             "; stopping rather than lose an invalid message");
    }
    ++stats_.dead_letters;
  }
  positions_[m->partition] = m->offset + 1;
  return Status::Ok();
}

void EventPipeline::DecideIntoBatch(const AccessEvent& event) {
  Decision decision;
  decider_->Decide(event, &decision);
  const std::uint64_t late_before = detector_->late_events();
  detector_->Observe(event, &decision);
  stats_.late_events += detector_->late_events() - late_before;
  incidents_->Observe(event, decision);
  stream_time_ = std::max(stream_time_, event.time);
  invalid_rate_dirty_ = true;
  if (invalid_rate_->Observe(stream_time_, false)) {
    incidents_->ObserveStreamHit(RuleId::kInputInvalidRate, stream_time_, "",
                                 ExplainInvalidRate(*invalid_rate_, policy_->thresholds()));
  }
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
  // Counted here without atomics; published once per batch (CommitBatch).
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
}

void EventPipeline::Enqueue(LocalRequest request, bool bounded) {
  std::lock_guard lock(local_mu_);
  if (local_closed_) return request.Fail(Status::IoError("the pipeline is stopping"));
  if (bounded && local_.size() >= kMaxLocalRequests) {
    return request.Fail(Status::IoError("too many requests waiting for the pipeline"));
  }
  local_.push_back(std::move(request));
  local_pending_.store(true, std::memory_order_release);
  // Wake the consume loop out of its poll: the request is answered after a commit.
  if (consumer_queue_) rd_kafka_queue_yield(consumer_queue_.get());
}

std::future<Status> EventPipeline::SubmitAccess(OwnedAccessEvent event,
                                                std::shared_ptr<LocalTicket> ticket) {
  LocalRequest request;
  request.ticket = std::move(ticket);
  request.access.emplace(std::move(event));
  std::future<Status> done = request.access_done.get_future();
  Enqueue(std::move(request), /*bounded=*/true);
  return done;
}

std::future<Result<Alert>> EventPipeline::SubmitAlertTransition(
    std::string alert_id, AlertStatus to, std::string by, std::string why,
    std::shared_ptr<LocalTicket> ticket) {
  LocalRequest request;
  request.ticket = std::move(ticket);
  request.alert_id = std::move(alert_id);
  request.to = to;
  request.by = std::move(by);
  request.why = std::move(why);
  std::future<Result<Alert>> done = request.alert_done.get_future();
  Enqueue(std::move(request), /*bounded=*/true);
  return done;
}

std::future<Status> EventPipeline::SubmitPolicy(std::shared_ptr<const Policy> policy,
                                                std::shared_ptr<LocalTicket> ticket) {
  LocalRequest request;
  request.ticket = std::move(ticket);
  request.policy = std::move(policy);
  std::future<Status> done = request.access_done.get_future();
  Enqueue(std::move(request), /*bounded=*/false);  // an operator's reload is never refused
  return done;
}

Status EventPipeline::SwapPolicy(std::shared_ptr<const Policy> policy) {
  // Decisions made so far go to the store under the revision they were made with.
  if (Status st = CommitBatch(); !st.ok()) return st;
  retired_policy_ = policy_;
  {
    std::lock_guard lock(policy_mu_);
    policy_ = std::move(policy);
  }
  reference_.Resolve(*policy_);
  reference_.ResolveOnApply(policy_.get());
  decider_ = std::make_unique<Decider>(policy_.get(), &reference_);
  detector_->SetPolicy(policy_.get());
  incidents_->SetPolicy(policy_.get());
  store_->SetRetention(RetentionTable::FromPolicy(*policy_));
  Log(LogLevel::kInfo, "pipeline", "policy swapped", {{"policy_revision", policy_->revision()}});
  return Status::Ok();
}

Status EventPipeline::ChangeAlertStatus(const LocalRequest& r) {
  const TimeMicros now = std::chrono::duration_cast<std::chrono::microseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  Status st = incidents_->Transition(r.alert_id, r.to, r.by, now, r.why);
  if (st.code() != Status::Code::kNotFound) return st;
  // A settled alert lives in the store only: bring it back, then change it.
  auto row = store_->Get("alerts", r.alert_id);
  if (!row.ok() || !row->has_value()) return st;
  auto alert = ParseAlert(**row);
  if (!alert.ok() || !incidents_->Restore(std::move(alert).value()).ok()) return st;
  return incidents_->Transition(r.alert_id, r.to, r.by, now, r.why);
}

void EventPipeline::DrainLocalRequests() {
  // Every turn of the consume loop comes here: no lock unless something was queued.
  if (!local_pending_.load(std::memory_order_acquire)) return;
  std::deque<LocalRequest> requests;
  {
    std::lock_guard lock(local_mu_);
    requests.swap(local_);
    local_pending_.store(false, std::memory_order_relaxed);
  }
  if (requests.empty()) return;
  if (batch_waiters_.empty()) waiters_since_ = Clock::now();
  for (LocalRequest& r : requests) {
    if (r.ticket && !r.ticket->Take()) {  // the caller gave up: not applied, nobody waits
      r.Fail(Status::IoError("cancelled by the caller"));
      continue;
    }
    if (r.policy) {
      r.access_done.set_value(SwapPolicy(std::move(r.policy)));
      continue;
    }
    if (r.access) {
      DecideIntoBatch(r.access->view());
      ++stats_.local_events;
      // The event's strings are copied into the stored record; the promise waits for commit.
      auto done = std::make_shared<std::promise<Status>>(std::move(r.access_done));
      batch_waiters_.emplace_back([done](const Status& st) { done->set_value(st); });
      continue;
    }
    Status st = ChangeAlertStatus(r);
    if (!st.ok()) {
      r.alert_done.set_value(std::move(st));
      continue;
    }
    auto done = std::make_shared<std::promise<Result<Alert>>>(std::move(r.alert_done));
    batch_waiters_.emplace_back(
        [done, alert = *incidents_->Find(r.alert_id)](const Status& commit) {
          if (commit.ok()) {
            done->set_value(alert);
          } else {
            done->set_value(commit);
          }
        });
  }
}

void EventPipeline::FailLocalRequests(const Status& why) {
  std::deque<LocalRequest> requests;
  {
    std::lock_guard lock(local_mu_);
    local_closed_ = true;
    requests.swap(local_);
  }
  for (LocalRequest& r : requests) r.Fail(why);
  for (Waiter& w : batch_waiters_) w(why);
  batch_waiters_.clear();
}

Status EventPipeline::CommitBatch() {
  if (Status st = WriterError(); !st.ok()) return st;
  if (!BatchHasWork() && !AlertEmissionsDue(Clock::now())) return Status::Ok();
  rd_kafka_poll(dead_letters_.get(), 0);  // delivery reports; the writer also serves them
  if (dead_letter_failures_.load() > 0) return AwaitDeadLetters(batch_number_);  // the error
  AddStateAndAlerts();
  if (!positions_.empty()) {  // once per batch, not per message
    stats_.last_event_wall_micros = std::chrono::duration_cast<std::chrono::microseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count();
  }
  for (size_t i = 0; i < kRuleCount; ++i) {
    if (rule_fires_batch_[i] != 0) stats_.rule_fires[i] += rule_fires_batch_[i];
  }
  rule_fires_batch_.fill(0);
  {
    std::lock_guard lock(lag_mu_);
    for (const auto& [partition, offset] : positions_) {
      std::int64_t low = 0, high = 0;
      if (rd_kafka_get_watermark_offsets(consumer_.get(), config_.kafka.events_topic.c_str(),
                                         partition, &low, &high) == RD_KAFKA_RESP_ERR_NO_ERROR &&
          high >= 0) {
        lag_[partition] = std::max<std::int64_t>(0, high - offset);
      }
    }
  }
  for (const auto& [partition, offset] : positions_) {
    batch_.positions.push_back({config_.kafka.events_topic, partition, offset});
  }
  // Hand the batch to the writer thread; wait while it still holds the previous one waiting.
  std::unique_lock lock(writer_mu_);
  writer_cv_.wait(lock, [this] { return !pending_.has_value() || !writer_error_.ok(); });
  if (!writer_error_.ok()) return writer_error_;
  pending_.emplace(std::move(batch_));
  pending_batch_number_ = batch_number_++;
  pending_waiters_ = std::move(batch_waiters_);
  if (spare_events_.empty()) spare_events_.swap(returned_events_);
  writer_cv_.notify_all();
  lock.unlock();
  batch_ = inzage::CommitBatch{};
  // Room for a full batch up front: no regrowth (and moving of every event) while filling it.
  batch_.events.reserve(
      std::min<size_t>(static_cast<size_t>(config_.pipeline.batch_max_events), kMaxReservedEvents));
  batch_waiters_.clear();
  positions_.clear();
  return Status::Ok();
}

Status EventPipeline::WriterError() {
  if (!writer_failed_.load(std::memory_order_acquire)) return Status::Ok();  // no lock per message
  std::lock_guard lock(writer_mu_);
  return writer_error_;
}

Status EventPipeline::WaitForWriter() {
  std::unique_lock lock(writer_mu_);
  writer_cv_.wait(lock,
                  [this] { return (!pending_.has_value() && !writing_) || !writer_error_.ok(); });
  return writer_error_;
}

void EventPipeline::WriterLoop() {
  for (;;) {
    inzage::CommitBatch batch;
    std::vector<Waiter> waiters;
    std::uint64_t batch_number = 0;
    {
      std::unique_lock lock(writer_mu_);
      writer_cv_.wait(lock, [this] { return pending_.has_value() || writer_stop_; });
      if (!pending_.has_value()) return;
      batch = std::move(*pending_);
      batch_number = pending_batch_number_;
      pending_.reset();
      waiters = std::move(pending_waiters_);
      pending_waiters_.clear();
      writing_ = true;
      writer_cv_.notify_all();
    }
    const auto started = Clock::now();
    const size_t events = batch.events.size();
    // Dead letters first: the offsets of a batch are committed only once its invalid messages
    // are safely in the dead-letter topic.
    const Status dead_letters = AwaitDeadLetters(batch_number);
    Result<CommitResult> r =
        dead_letters.ok() ? store_->Commit(batch) : Result<CommitResult>(dead_letters);
    for (Waiter& w : waiters) w(r.ok() ? Status::Ok() : r.status());
    if (!r.ok()) ++stats_.store_errors;
    if (r.ok() && on_commit_metrics_) {
      on_commit_metrics_(std::chrono::duration<double>(Clock::now() - started).count(), events);
    }
    if (r.ok()) {
      stats_.stored += r->stored_events;
      stats_.duplicates += r->duplicate_events;
      ++stats_.batches;
      std::map<std::pair<std::string, std::int32_t>, std::int64_t> positions;
      for (const auto& p : batch.positions) positions[{p.source, p.partition}] = p.next_offset;
      CommitOffsetsToKafka(positions, false);
      if (on_commit_) on_commit_();
    }
    std::lock_guard lock(writer_mu_);
    writing_ = false;
    if (returned_events_.empty()) returned_events_.swap(batch.events);
    if (!r.ok() && writer_error_.ok()) {
      writer_error_ = r.status();
      writer_failed_.store(true, std::memory_order_release);
    }
    writer_cv_.notify_all();
  }
}

void EventPipeline::StopWriter() {
  {
    std::lock_guard lock(writer_mu_);
    writer_stop_ = true;
  }
  writer_cv_.notify_all();
  if (writer_.joinable()) writer_.join();
}

void EventPipeline::CommitOffsetsToKafka(
    const std::map<std::pair<std::string, std::int32_t>, std::int64_t>& positions, bool sync) {
  if (positions.empty()) return;
  {
    std::lock_guard lock(committed_mu_);
    for (const auto& [tp, offset] : positions) committed_[tp] = offset;
  }
  kafka::PartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(positions.size())));
  for (const auto& [tp, offset] : positions) {
    rd_kafka_topic_partition_list_add(list.get(), tp.first.c_str(), tp.second)->offset = offset;
  }
  // Kafka's copy of the offsets serves the next owner of a partition; our own store already
  // holds them, so a failed commit here loses nothing (the store position wins on restart).
  rd_kafka_resp_err_t err = rd_kafka_commit(consumer_.get(), list.get(), sync ? 0 : 1);
  if (err && sync) {
    Log(LogLevel::kWarn, "pipeline", "offset commit to Kafka failed",
        {{"error", kafka::ErrorText(err)}});
  }
}

void EventPipeline::OnRebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                                rd_kafka_topic_partition_list_t* partitions, void* opaque) {
  auto* self = static_cast<EventPipeline*>(opaque);
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    // Start each partition at the later of our store's position and Kafka's committed offset
    // (see the header for why each one wins when it does).
    rd_kafka_committed(rk, partitions, 10000);
    if (Status st = self->WaitForWriter(); !st.ok() && self->fatal_.ok()) self->fatal_ = st;
    const auto stored = self->store_->Offsets();
    for (int i = 0; i < partitions->cnt; ++i) {
      rd_kafka_topic_partition_t& p = partitions->elems[i];
      const auto it = stored.find({p.topic, p.partition});
      const std::int64_t from_store = it == stored.end() ? -1 : it->second;
      const std::int64_t from_kafka = p.offset >= 0 ? p.offset : -1;
      const std::int64_t start = std::max(from_store, from_kafka);
      p.offset = start >= 0 ? start : RD_KAFKA_OFFSET_INVALID;  // invalid: auto.offset.reset
      Log(LogLevel::kInfo, "pipeline", "assigned",
          {{"topic", p.topic},
           {"partition", p.partition},
           {"store_offset", from_store},
           {"kafka_offset", from_kafka},
           {"start", start}});
    }
    rd_kafka_assign(rk, partitions);
    return;
  }
  if (err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
    // Finish the batch in flight, wait until the writer stored it, then tell Kafka
    // synchronously, before letting go.
    Status st = self->CommitBatch();
    if (st.ok()) st = self->WaitForWriter();
    if (!st.ok() && self->fatal_.ok()) self->fatal_ = st;
    std::map<std::pair<std::string, std::int32_t>, std::int64_t> committed;
    {
      std::lock_guard lock(self->committed_mu_);
      committed = self->committed_;
    }
    self->CommitOffsetsToKafka(committed, true);
    {
      std::lock_guard lock(self->lag_mu_);
      self->lag_.clear();  // no longer ours to report
    }
    rd_kafka_assign(rk, nullptr);
    return;
  }
  Log(LogLevel::kError, "pipeline", "rebalance error", {{"error", kafka::ErrorText(err)}});
  rd_kafka_assign(rk, nullptr);
}

Status EventPipeline::Run() {
  writer_ = std::thread([this] {
    NameThisThread("inzage-writer");
    WriterLoop();
  });
  Status result = RunLoop();
  // Requests that arrived too late for the last batch: answered, never left hanging.
  FailLocalRequests(result.ok() ? Status::IoError("the pipeline is stopping") : result);
  // Whatever happened, the writer finishes the batch it holds before the pipeline returns.
  if (Status st = WaitForWriter(); !st.ok() && result.ok()) result = st;
  StopWriter();
  return result;
}

Status EventPipeline::RunLoop() {
  batch_started_ = Clock::now();
  const auto max_latency = std::chrono::milliseconds(config_.pipeline.batch_max_latency_ms);
  const auto max_events = static_cast<size_t>(config_.pipeline.batch_max_events);
  while (!stop_.load() && fatal_.ok()) {
    if (Status st = WriterError(); !st.ok()) return st;
    // Backpressure: the alert relay is behind; stop fetching until it catches up. Resuming
    // only below 90 % of the limit keeps an outbox that hovers at the limit from flapping.
    const auto limit = static_cast<std::uint64_t>(config_.pipeline.outbox_max_rows);
    const bool outbox_full = store_->outbox_rows() > (paused_ ? limit / 10 * 9 : limit);
    if (outbox_full != paused_) {
      kafka::PartitionList assigned;
      rd_kafka_topic_partition_list_t* raw = nullptr;
      if (rd_kafka_assignment(consumer_.get(), &raw) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        assigned.reset(raw);
        if (outbox_full) {
          rd_kafka_pause_partitions(consumer_.get(), assigned.get());
        } else {
          rd_kafka_resume_partitions(consumer_.get(), assigned.get());
        }
        paused_ = outbox_full;
        if (outbox_full) ++stats_.consumption_pauses;
        // Rare and worth knowing: a pause also drops librdkafka's prefetched messages.
        Log(LogLevel::kInfo, "pipeline",
            outbox_full ? "consumption paused: the alert relay is behind"
                        : "consumption resumed: the alert relay caught up",
            {{"outbox_rows", store_->outbox_rows()}, {"limit", config_.pipeline.outbox_max_rows}});
      }
    }
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
    const bool has_work = BatchHasWork() || AlertEmissionsDue(now);
    if (batch_.events.size() >= max_events || local_waiting ||
        (has_work && now - batch_started_ >= max_latency)) {
      if (Status st = CommitBatch(); !st.ok()) return st;
      if (Status st = PollReference(0); !st.ok()) return st;
      batch_started_ = Clock::now();
    } else if (!has_work) {
      batch_started_ = now;
      if (!m) {
        if (Status st = PollReference(0); !st.ok()) return st;
      }
    }
  }
  if (!fatal_.ok()) return fatal_;
  // No more local requests, and no more yields on the consumer queue: during
  // rd_kafka_consumer_close a yield would cut short its wait for the revoke (and so the
  // synchronous offset commit). Requests that came in before go into the last batch.
  {
    std::lock_guard lock(local_mu_);
    local_closed_ = true;
    consumer_queue_.reset();
  }
  DrainLocalRequests();
  // Drain: commit the batch in flight with every held-back alert version, then leave the group
  // (the revoke callback commits the offsets to Kafka synchronously).
  emit_all_pending_ = true;
  if (Status st = CommitBatch(); !st.ok()) return st;
  if (Status st = WaitForWriter(); !st.ok()) return st;
  rd_kafka_consumer_close(consumer_.get());
  consumer_closed_ = true;
  if (!fatal_.ok()) return fatal_;
  rd_kafka_flush(dead_letters_.get(), config_.shutdown_timeout_ms);
  return Status::Ok();
}

}  // namespace inzage

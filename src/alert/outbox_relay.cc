#include "alert/outbox_relay.h"

#include <chrono>
#include <cstdio>
#include <memory>

#include "common/log.h"
#include "common/thread_name.h"
#include "kafka/clients.h"

namespace inzage {

OutboxRelay::OutboxRelay(const RelayOptions& config, Store* store)
    : config_(config), store_(store) {}

OutboxRelay::~OutboxRelay() {
  if (thread_.joinable()) (void)Stop();
}

Status OutboxRelay::Start() {
  auto producer = kafka::MakeProducer(config_.kafka, "inzaged-alerts",
                                      {{"enable.idempotence", "true"},
                                       {"linger.ms", "10"},
                                       // Alert JSON repeats its field names and policy texts:
                                       // LZ4 batches cost the broker less to take in (its CPU
                                       // over 4 M events: 4.9-5.4 -> 4.5 s).
                                       {"compression.type", "lz4"}},
                                      &OutboxRelay::OnDelivered, this);
  if (!producer.ok()) return producer.status();
  producer_ = std::move(producer).value();
  thread_ = std::thread([this] {
    NameThisThread("inzage-relay");
    Loop();
  });
  return Status::Ok();
}

void OutboxRelay::Wake() {
  {
    MutexLock lock(&mu_);
    wake_ = true;
  }
  cv_.Signal();
}

Status OutboxRelay::Stop() {
  if (!producer_) return Status::Ok();
  {
    MutexLock lock(&mu_);
    stop_ = true;
  }
  cv_.Signal();
  if (thread_.joinable()) thread_.join();
  // Drain: pass over the outbox until it is empty, Kafka stops acknowledging, or time is up.
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(config_.shutdown_timeout_ms);
  while (store_->outbox_rows() > 0 && std::chrono::steady_clock::now() < deadline) {
    const std::uint64_t before = delivered_.load();
    RelayOnce();
    rd_kafka_flush(producer_.get(), 5000);
    DeleteAcknowledged();
    if (delivered_.load() == before) break;
  }
  const bool pending = rd_kafka_outq_len(producer_.get()) > 0;
  producer_.reset();
  if (pending) {
    return Status::IoError(
        "alerts not acknowledged by Kafka at shutdown; they stay in the "
        "outbox and are sent after the restart");
  }
  return Status::Ok();
}

void OutboxRelay::OnDelivered(rd_kafka_t* /*rk*/, const rd_kafka_message_t* m, void* opaque) {
  auto* self = static_cast<OutboxRelay*>(opaque);
  auto* outbox_key = static_cast<std::string*>(m->_private);
  if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    MutexLock lock(&self->acked_mu_);
    self->acked_.push_back(std::move(*outbox_key));
    self->delivered_.fetch_add(1);
  } else {
    self->errors_.fetch_add(1);
    self->problems_.Log(LogLevel::kWarn, "alert-relay",
                        "alert not delivered, it stays in the outbox and is sent again",
                        {{"error", rd_kafka_err2str(m->err)}});
    // The row stays in the outbox; it is produced again (same id) on a later pass.
    MutexLock lock(&self->acked_mu_);
    self->acked_.push_back("\x01retry:" + *outbox_key);
  }
  delete outbox_key;
}

void OutboxRelay::DeleteAcknowledged() {
  std::vector<std::string> acked;
  {
    MutexLock lock(&acked_mu_);
    acked.swap(acked_);
  }
  std::vector<std::string> done;
  for (auto& key : acked) {
    if (key.rfind("\x01retry:", 0) == 0) {
      in_flight_.erase(key.substr(7));
      produced_up_to_.clear();
      page_.clear();  // the failed row comes before the page: read again from the start
      continue;
    }
    in_flight_.erase(key);
    done.push_back(std::move(key));
  }
  if (!done.empty()) {
    Status st = store_->DeleteOutbox(done);
    if (!st.ok()) {
      errors_.fetch_add(1);
      problems_.Log(LogLevel::kError, "alert-relay", "delivered rows not deleted from the outbox",
                    {{"error", st.message()}});
    }
  }
}

bool OutboxRelay::RelayOnce() {
  constexpr size_t kPage = 1000;
  if (page_.empty()) {
    passes_.fetch_add(1, std::memory_order_relaxed);
    auto rows = store_->ListOutbox(kPage, produced_up_to_);
    if (!rows.ok()) {
      errors_.fetch_add(1);
      problems_.Log(LogLevel::kError, "alert-relay", "cannot read the outbox",
                    {{"error", rows.status().message()}});
      return false;
    }
    page_full_ = rows->size() == kPage;
    for (auto& row : *rows) page_.push_back(std::move(row));
  }
  // The cursor moves past every row this pass has dealt with, in flight ones included (a
  // failed delivery resets it to the start), so a page of rows still in flight is not read
  // again and again; the loop goes on at once only while this pass handed something out.
  bool produced = false;
  for (; !page_.empty(); page_.pop_front()) {
    const auto& [key, value] = page_.front();
    if (in_flight_.count(key) != 0) {
      produced_up_to_ = key;
      continue;
    }
    const size_t nl = value.find('\n');
    if (nl == std::string::npos) {
      errors_.fetch_add(1);
      problems_.Log(LogLevel::kError, "alert-relay",
                    "outbox row without an alert id: not a row this relay wrote, left in the "
                    "outbox for inspection");
      produced_up_to_ = key;
      continue;
    }
    auto opaque = std::make_unique<std::string>(key);
    const rd_kafka_resp_err_t err = kafka::Produce(
        producer_.get(), config_.kafka.alerts_topic, std::string_view(value).substr(0, nl),
        std::string_view(value).substr(nl + 1), {}, opaque.get());
    if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      // Wait for some acknowledgements (served here), then go on from this row, which stays
      // at the front of the page: the outbox is not read again while Kafka's queue is full.
      rd_kafka_poll(producer_.get(), 50);
      return true;
    }
    if (err == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE) {
      errors_.fetch_add(1);
      Log(LogLevel::kError, "alert-relay",
          "alert larger than the producer's message.max.bytes: passed over, it stays in the "
          "outbox and is tried again after a restart",
          {{"alert_id", std::string_view(value).substr(0, nl)}, {"bytes", value.size() - nl - 1}});
      produced_up_to_ = key;
      continue;
    }
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      // Alerts go out in order: this one and every later one wait for the next wake-up.
      errors_.fetch_add(1);
      problems_.Log(
          LogLevel::kWarn, "alert-relay",
          "alert not handed to Kafka, tried again at the next wake-up",
          {{"error", rd_kafka_err2str(err)}, {"alert_id", std::string_view(value).substr(0, nl)}});
      rd_kafka_poll(producer_.get(), 0);
      return false;  // try again after the next wake-up, not at once
    }
    (void)opaque.release();  // OnDelivered deletes it
    in_flight_.insert(key);
    produced_up_to_ = key;
    produced = true;
  }
  rd_kafka_poll(producer_.get(), 0);
  return produced && page_full_;
}

void OutboxRelay::Loop() {
  // A backlog is drained page after page, not one page per wake-up: at one page per commit
  // (plus one per 200 ms) the relay fell behind a full-rate stream, the outbox reached its
  // limit and consumption paused (bench/README.md, fifth session).
  bool more = false;
  for (;;) {
    {
      MutexLock lock(&mu_);
      if (!more) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(200);
        while (!wake_ && !stop_) {
          if (!cv_.WaitUntil(&mu_, deadline)) break;  // a pass every 200 ms without a wake-up
        }
      }
      if (stop_) return;
      wake_ = false;
    }
    rd_kafka_poll(producer_.get(), 0);
    DeleteAcknowledged();
    more = store_->outbox_rows() > 0 && RelayOnce();
  }
}

}  // namespace inzage

#include "ingest/changelog_relay.h"

#include <charconv>
#include <memory>

#include "common/thread_name.h"
#include "ingest/state_changelog.h"
#include "kafka/clients.h"

namespace inzage {

ChangelogRelay::ChangelogRelay(const kafka::Options& kafka, std::string topic, Store* store,
                               int shutdown_timeout_ms)
    : kafka_(kafka),
      topic_(std::move(topic)),
      store_(store),
      shutdown_timeout_ms_(shutdown_timeout_ms) {}

ChangelogRelay::~ChangelogRelay() {
  if (thread_.joinable()) (void)Stop();
}

Status ChangelogRelay::Start() {
  auto producer = kafka::MakeProducer(
      kafka_, "inzaged-state",
      {{"enable.idempotence", "true"}, {"linger.ms", "10"}, {"compression.type", "lz4"}},
      &ChangelogRelay::OnDelivered, this);
  if (!producer.ok()) return producer.status();
  producer_ = std::move(producer).value();
  thread_ = std::thread([this] {
    NameThisThread("inzage-state");
    Loop();
  });
  return Status::Ok();
}

void ChangelogRelay::Wake() {
  {
    MutexLock lock(&mu_);
    wake_ = true;
  }
  cv_.Signal();
}

void ChangelogRelay::Own(std::int32_t partition) {
  MutexLock lock(&mu_);
  owned_.insert(partition);
}

void ChangelogRelay::Disown(std::int32_t partition) {
  MutexLock lock(&mu_);
  owned_.erase(partition);
}

bool ChangelogRelay::Owns(std::int32_t partition) {
  MutexLock lock(&mu_);
  return owned_.count(partition) != 0;
}

bool ChangelogRelay::RowsLeftUpTo(std::uint64_t row) const {
  // Asked of the store itself: a row committed after the relay's last pass is not in any
  // number the relay could have kept.
  auto first = store_->ListRows("state", StateChangelog::kRowPrefix, {}, 1);
  return !first.ok() ||
         (!first->empty() && StateChangelog::RowSequence(first->front().first) <= row);
}

bool ChangelogRelay::WaitDelivered(std::uint64_t row, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  Wake();
  MutexLock lock(&mu_);
  while (RowsLeftUpTo(row)) {
    if (!done_cv_.WaitUntil(&mu_, deadline)) return !RowsLeftUpTo(row);
  }
  return true;
}

Status ChangelogRelay::Stop() {
  if (!producer_) return Status::Ok();
  {
    MutexLock lock(&mu_);
    stop_ = true;
  }
  cv_.Signal();
  if (thread_.joinable()) thread_.join();
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(shutdown_timeout_ms_);
  bool more = true;
  while (more && std::chrono::steady_clock::now() < deadline) {
    more = RelayOnce();
    rd_kafka_flush(producer_.get(), 5000);
    DeleteDone({});
    more = more || !in_flight_.empty();
  }
  const bool pending = rd_kafka_outq_len(producer_.get()) > 0;
  producer_.reset();
  if (pending) {
    return Status::IoError(
        "state changelog records not acknowledged by Kafka at shutdown; they stay in the store");
  }
  return Status::Ok();
}

void ChangelogRelay::OnDelivered(rd_kafka_t* /*rk*/, const rd_kafka_message_t* m, void* opaque) {
  auto* self = static_cast<ChangelogRelay*>(opaque);
  std::unique_ptr<std::string> row_key(static_cast<std::string*>(m->_private));
  MutexLock lock(&self->acked_mu_);
  if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    self->acked_.push_back(std::move(*row_key));
    self->delivered_.fetch_add(1);
    if (self->on_position_delivered_ && m->payload != nullptr) {
      // "<p>/o/<topic>" -> "<next offset>\n...": a position marker.
      const std::string_view key(static_cast<const char*>(m->key), m->key_len);
      const std::string_view value(static_cast<const char*>(m->payload), m->len);
      const size_t kind = key.find("/o/");
      if (kind != std::string_view::npos) {
        const std::string_view number = value.substr(0, value.find('\n'));
        std::int64_t next = 0;
        if (std::from_chars(number.data(), number.data() + number.size(), next).ec == std::errc()) {
          self->on_position_delivered_(std::string(key.substr(kind + 3)), m->partition, next);
        }
      }
    }
  } else {
    self->errors_.fetch_add(1);
    self->problems_.Log(LogLevel::kWarn, "state-changelog",
                        "state record not delivered; it stays in the store and is sent again",
                        {{"error", rd_kafka_err2str(m->err)}});
    self->acked_.push_back("\x01retry:" + *row_key);
  }
}

void ChangelogRelay::DeleteDone(std::vector<std::string> done) {
  std::vector<std::string> acked;
  {
    MutexLock lock(&acked_mu_);
    acked.swap(acked_);
  }
  for (auto& key : acked) {
    if (key.rfind("\x01retry:", 0) == 0) {
      in_flight_.erase(key.substr(7));
      produced_up_to_.clear();  // read again from the first row left
      continue;
    }
    in_flight_.erase(key);
    done.push_back(std::move(key));
  }
  if (done.empty()) return;
  if (Status st = store_->DeleteRows("state", done); !st.ok()) {
    errors_.fetch_add(1);
    problems_.Log(LogLevel::kError, "state-changelog", "delivered rows not deleted",
                  {{"error", st.message()}});
    return;
  }
  {
    MutexLock lock(&mu_);  // a waiter between its check and its wait sees this signal
  }
  done_cv_.SignalAll();
}

bool ChangelogRelay::RelayOnce() {
  constexpr size_t kPage = 1000;
  auto rows = store_->ListRows("state", StateChangelog::kRowPrefix, produced_up_to_, kPage);
  if (!rows.ok()) {
    errors_.fetch_add(1);
    problems_.Log(LogLevel::kError, "state-changelog", "cannot read the changelog rows",
                  {{"error", rows.status().message()}});
    return false;
  }
  std::vector<std::string> dropped;
  bool produced = false;
  for (auto& [key, value] : *rows) {
    if (in_flight_.count(key) != 0) {
      produced_up_to_ = key;
      continue;
    }
    ChangelogRow row;
    if (!StateChangelog::DecodeRow(value, &row) || !Owns(row.partition)) {
      dropped.push_back(key);  // not ours (any more), or not a row of this version
      produced_up_to_ = key;
      continue;
    }
    auto opaque = std::make_unique<std::string>(key);
    const rd_kafka_resp_err_t err = kafka::ProduceToPartition(
        producer_.get(), topic_, row.partition, row.key,
        row.tombstone ? std::nullopt : std::optional<std::string_view>(row.value), opaque.get());
    if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      rd_kafka_poll(producer_.get(), 50);
      break;  // from this row on at the next pass
    }
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      errors_.fetch_add(1);
      problems_.Log(LogLevel::kWarn, "state-changelog",
                    "state record not handed to Kafka, tried again at the next wake-up",
                    {{"error", rd_kafka_err2str(err)}});
      break;
    }
    (void)opaque.release();  // OnDelivered deletes it
    in_flight_.insert(key);
    produced_up_to_ = key;
    produced = true;
  }
  dropped_.fetch_add(dropped.size());
  rd_kafka_poll(producer_.get(), 0);
  DeleteDone(std::move(dropped));
  return produced && rows->size() == kPage;
}

void ChangelogRelay::Loop() {
  bool more = false;
  for (;;) {
    {
      MutexLock lock(&mu_);
      if (!more) {
        // Rows in flight: back soon for their acknowledgements (a revoke may be waiting).
        const auto deadline = std::chrono::steady_clock::now() +
                              std::chrono::milliseconds(in_flight_.empty() ? 200 : 10);
        while (!wake_ && !stop_) {
          if (!cv_.WaitUntil(&mu_, deadline)) break;
        }
      }
      if (stop_) return;
      wake_ = false;
    }
    rd_kafka_poll(producer_.get(), 0);
    more = RelayOnce();
  }
}

}  // namespace inzage

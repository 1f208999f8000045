#include "ingest/standby_state.h"

#include "common/log.h"
#include "common/thread_name.h"
#include "kafka/clients.h"

namespace inzage {

StandbyState::StandbyState(const kafka::Options& kafka, std::string topic)
    : kafka_(kafka), topic_(std::move(topic)) {}

StandbyState::~StandbyState() { Stop(); }

Status StandbyState::Start() {
  auto consumer =
      kafka::MakeConsumer(kafka_, kafka::ConsumerKind::kReference, "inzaged-standby",
                          kafka_.group_id + ".standby-unused", {{"fetch.wait.max.ms", "20"}});
  if (!consumer.ok()) return consumer.status();
  consumer_ = std::move(consumer).value();
  auto partitions = kafka::TopicPartitions(consumer_.get(), topic_, 10000);
  if (!partitions.ok()) return partitions.status();
  kafka::PartitionList list(
      rd_kafka_topic_partition_list_new(static_cast<int>(partitions->size())));
  for (std::int32_t p : *partitions) {
    rd_kafka_topic_partition_list_add(list.get(), topic_.c_str(), p)->offset =
        RD_KAFKA_OFFSET_BEGINNING;
  }
  {
    MutexLock lock(&mu_);
    for (std::int32_t p : *partitions) copies_[p];
  }
  if (auto err = rd_kafka_assign(consumer_.get(), list.get()); err) {
    return Status::IoError("assign the state topic for the standby: " + kafka::ErrorText(err));
  }
  thread_ = std::thread([this] {
    NameThisThread("inzage-standby");
    Loop();
  });
  return Status::Ok();
}

void StandbyState::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  consumer_.reset();
}

void StandbyState::Loop() {
  while (!stop_.load()) {
    kafka::Message m(rd_kafka_consumer_poll(consumer_.get(), 100));
    if (!m) continue;
    if (m->err) {
      if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        Log(LogLevel::kWarn, "standby", kafka::ErrorText(m->err));
      }
      continue;
    }
    std::string key(static_cast<const char*>(m->key), m->key_len);
    {
      MutexLock lock(&mu_);
      Copy& copy = copies_[m->partition];
      if (m->payload == nullptr) {
        copy.latest.erase(key);
      } else {
        copy.latest[std::move(key)].assign(static_cast<const char*>(m->payload), m->len);
      }
      copy.next = m->offset + 1;
      ++copy.records;
    }
    records_.fetch_add(1, std::memory_order_relaxed);
    progress_.SignalAll();
  }
}

Result<PartitionState> StandbyState::Take(std::int32_t p, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::int64_t low = 0;
  std::int64_t high = 0;
  if (auto err = rd_kafka_query_watermark_offsets(consumer_.get(), topic_.c_str(), p, &low, &high,
                                                  static_cast<int>(timeout.count()));
      err) {
    return Status::IoError("state topic end offsets: " + kafka::ErrorText(err));
  }
  MutexLock lock(&mu_);
  // Records that compaction removed leave gaps: the copy has caught up once it read past the
  // last offset there is.
  while (high > low && copies_[p].next < high) {
    if (!progress_.WaitUntil(&mu_, deadline) && copies_[p].next < high) {
      return Status::IoError("the standby copy of state partition " + std::to_string(p) +
                             " did not catch up within " + std::to_string(timeout.count()) + " ms");
    }
  }
  const Copy& copy = copies_[p];
  PartitionState state = StateChangelog::DecodePartition(p, copy.latest);
  state.records = copy.records;
  return state;
}

}  // namespace inzage

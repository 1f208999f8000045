#include "ingest/reference_reader.h"

#include <chrono>
#include <map>
#include <string>
#include <string_view>

#include "common/log.h"
#include "kafka/clients.h"

namespace inzage {

ReferenceReader::ReferenceReader(const kafka::Options& kafka, ReferenceData* reference,
                                 std::atomic<std::uint64_t>* applied)
    : kafka_(kafka), reference_(reference), applied_(applied) {}

Status ReferenceReader::Start() {
  // No group membership: the group id is required by librdkafka but never joined.
  auto consumer = kafka::MakeConsumer(kafka_, kafka::ConsumerKind::kReference, "inzaged-reference",
                                      kafka_.group_id + ".reference-unused");
  if (!consumer.ok()) return consumer.status();
  consumer_ = std::move(consumer).value();
  return Status::Ok();
}

Status ReferenceReader::Apply(const rd_kafka_message_t& m) {
  Status st = reference_->Apply(std::string_view(static_cast<const char*>(m.payload), m.len));
  if (st.ok()) ++*applied_;
  return st;
}

Status ReferenceReader::ReadToEnd(int timeout_ms, const std::atomic<bool>& stop) {
  const std::string& topic = kafka_.reference_topic;
  auto partitions = kafka::TopicPartitions(consumer_.get(), topic, 10000);
  if (!partitions.ok()) {
    return Status::FailedPrecondition("reference topic: " + partitions.status().message());
  }
  kafka::PartitionList list(
      rd_kafka_topic_partition_list_new(static_cast<int>(partitions->size())));
  std::map<std::int32_t, std::int64_t> end;
  for (std::int32_t p : *partitions) {
    std::int64_t low = 0, high = 0;
    auto err =
        rd_kafka_query_watermark_offsets(consumer_.get(), topic.c_str(), p, &low, &high, 10000);
    if (err) return Status::IoError("reference topic end offsets: " + kafka::ErrorText(err));
    if (high > low) end[p] = high;
    rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), p)->offset =
        RD_KAFKA_OFFSET_BEGINNING;
  }
  if (auto err = rd_kafka_assign(consumer_.get(), list.get()); err) {
    return Status::IoError("assign reference topic: " + kafka::ErrorText(err));
  }
  // Readiness: no event is decided before the reference data is complete as of start-up.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (!end.empty()) {
    if (stop.load()) return Status::FailedPrecondition("stopped while reading reference data");
    if (std::chrono::steady_clock::now() > deadline) {
      return Status::FailedPrecondition("the reference topic " + topic +
                                        " did not catch up within " + std::to_string(timeout_ms) +
                                        " ms");
    }
    kafka::Message m(rd_kafka_consumer_poll(consumer_.get(), 200));
    if (!m) continue;
    if (m->err) {
      if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) continue;
      Log(LogLevel::kWarn, "reference", kafka::ErrorText(m->err));
      continue;
    }
    if (m->len > 0) {
      if (Status st = Apply(*m); !st.ok()) {
        Log(LogLevel::kWarn, "reference", "record ignored",
            {{"partition", m->partition}, {"offset", m->offset}, {"error", st.message()}});
      }
    }
    auto it = end.find(m->partition);
    if (it != end.end() && m->offset + 1 >= it->second) end.erase(it);
  }
  return Status::Ok();
}

Status ReferenceReader::Poll(int timeout_ms) {
  // Bounded, so that a burst of updates holds up the events for one turn at most.
  for (int i = 0; i < 10000; ++i) {
    kafka::Message m(rd_kafka_consumer_poll(consumer_.get(), i == 0 ? timeout_ms : 0));
    if (!m) return Status::Ok();
    if (m->err || m->len == 0) continue;
    if (Status st = Apply(*m); !st.ok()) {
      Log(LogLevel::kWarn, "reference", "record ignored", {{"error", st.message()}});
    }
  }
  return Status::Ok();
}

}  // namespace inzage

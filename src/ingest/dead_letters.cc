#include "ingest/dead_letters.h"

#include <chrono>
#include <cstdint>
#include <vector>

#include "kafka/clients.h"

namespace inzage {

DeadLetters::DeadLetters(const kafka::Options& kafka, int shutdown_timeout_ms)
    : kafka_(kafka), shutdown_timeout_ms_(shutdown_timeout_ms) {}

Status DeadLetters::Start() {
  // A dead letter carries its original message: an OTLP request may be up to 16 MiB
  // (interop/message_decoder.h), more than librdkafka's 1 MB default. The dead-letter topic's
  // max.message.bytes must allow what the input topics allow (docs/interop.md).
  auto producer = kafka::MakeProducer(
      kafka_, "inzaged-dead-letters",
      {{"enable.idempotence", "true"}, {"linger.ms", "5"}, {"message.max.bytes", "18874368"}},
      &DeadLetters::OnDelivered, this);
  if (!producer.ok()) return producer.status();
  producer_ = std::move(producer).value();
  return Status::Ok();
}

Status DeadLetters::Send(const rd_kafka_message_t& m, std::string_view reason,
                         std::uint64_t batch_number, std::string_view format,
                         std::string_view invalid_records) {
  const std::string partition = std::to_string(m.partition);
  const std::string offset = std::to_string(m.offset);
  {
    // Counted before producing: the report can arrive on the writer thread at once.
    MutexLock lock(&mu_);
    ++unacked_[batch_number];
  }
  const char* topic = m.rkt != nullptr ? rd_kafka_topic_name(m.rkt) : nullptr;
  // Both arms string_views: with `topic` and the std::string, the conditional's type would be a
  // temporary std::string, destroyed at the end of this line, and the header would be read from
  // freed memory.
  const std::string_view source_topic =
      topic != nullptr ? std::string_view(topic) : std::string_view(kafka_.events_topic);
  std::vector<kafka::Header> headers = {{"inzage.reason", reason},
                                        {"inzage.source.topic", source_topic},
                                        {"inzage.source.partition", partition},
                                        {"inzage.source.offset", offset},
                                        {"inzage.source.format", format}};
  if (!invalid_records.empty()) headers.push_back({"inzage.invalid_records", invalid_records});
  for (;;) {
    const rd_kafka_resp_err_t err =
        kafka::Produce(producer_.get(), kafka_.dead_letter_topic,
                       std::string_view(static_cast<const char*>(m.key), m.key_len),
                       std::string_view(static_cast<const char*>(m.payload), m.len), headers,
                       // The opaque carries the batch number; it is never dereferenced.
                       // NOLINTNEXTLINE(performance-no-int-to-ptr): see the line above
                       reinterpret_cast<void*>(static_cast<std::uintptr_t>(batch_number)));
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return Status::Ok();
    if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      return Status::IoError("dead-letter topic: " + kafka::ErrorText(err) +
                             "; stopping rather than lose an invalid message");
    }
    rd_kafka_poll(producer_.get(), 100);
  }
}

void DeadLetters::OnDelivered(rd_kafka_t* /*rk*/, const rd_kafka_message_t* m, void* opaque) {
  auto* self = static_cast<DeadLetters*>(opaque);
  const auto batch_number = reinterpret_cast<std::uintptr_t>(m->_private);
  MutexLock lock(&self->mu_);
  if (m->err) {
    self->failures_.fetch_add(1);
    self->error_ = kafka::ErrorText(m->err);
  }
  auto it = self->unacked_.find(batch_number);
  if (it != self->unacked_.end() && --it->second == 0) self->unacked_.erase(it);
}

Status DeadLetters::Await(std::uint64_t batch_number) {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(shutdown_timeout_ms_);
  for (;;) {
    {
      MutexLock lock(&mu_);
      if (failures_.load() > 0) {
        return Status::IoError("the dead-letter topic " + kafka_.dead_letter_topic +
                               " cannot be written (" + error_ +
                               "); stopping rather than lose an invalid message");
      }
      if (unacked_.empty() || unacked_.begin()->first > batch_number) return Status::Ok();
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return Status::IoError("the dead-letter topic " + kafka_.dead_letter_topic +
                             " did not acknowledge within " + std::to_string(shutdown_timeout_ms_) +
                             " ms; stopping rather than lose an invalid message");
    }
    rd_kafka_poll(producer_.get(), 10);  // serves the delivery reports
  }
}

}  // namespace inzage

// DeadLetters: the way of invalid messages to the dead-letter topic. Each goes with its
// original key and bytes, and headers naming the reason and where it came from (source topic,
// partition, offset); the reason never holds a BSN (the parser's messages redact digit runs).
//
// Nothing is dropped silently: a batch's offsets reach the store only once its dead letters are
// acknowledged. Send counts each message under its batch number; the writer thread waits for
// that number to be acknowledged (Await) before it commits the batch, so the consume thread
// never blocks on this producer. If the topic cannot be written, Await fails and the pipeline
// stops.
//
// Ownership: owns the producer (idempotent, acks from all replicas: a dead letter is not lost).
// Thread safety: Start, Send and Flush from the consume thread; Await from the writer thread;
// Poll and failures() from any thread. Delivery reports run on whichever thread polls.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "common/mutex.h"
#include "common/status.h"
#include "kafka/kafka.h"
#include "kafka/options.h"

namespace inzage {

class DeadLetters {
 public:
  // shutdown_timeout_ms: how long Await and Flush wait for acknowledgements.
  DeadLetters(const kafka::Options& kafka, int shutdown_timeout_ms);
  DeadLetters(const DeadLetters&) = delete;
  DeadLetters& operator=(const DeadLetters&) = delete;

  // Creates the producer.
  [[nodiscard]] Status Start();
  // Produces message `m` of an input topic to the dead-letter topic with `reason`, counted
  // under `batch_number`; waits while librdkafka's queue is full. An error when it cannot be
  // handed to the producer at all. `invalid_records`, when given, is the header
  // inzage.invalid_records: the records of a message of many (OTLP spans) that could not become
  // accesses, each with its reason (docs/interop.md).
  [[nodiscard]] Status Send(const rd_kafka_message_t& m, std::string_view reason,
                            std::uint64_t batch_number, std::string_view format = "inzage",
                            std::string_view invalid_records = {}) EXCLUDES(mu_);
  // Returns once every dead letter of batches up to `batch_number` is acknowledged; an error
  // when one failed or they take longer than the shutdown timeout.
  [[nodiscard]] Status Await(std::uint64_t batch_number) EXCLUDES(mu_);
  // Serves delivery reports without waiting.
  void Poll() { rd_kafka_poll(producer_.get(), 0); }
  // Waits up to the shutdown timeout for what is still in flight.
  void Flush() { rd_kafka_flush(producer_.get(), shutdown_timeout_ms_); }
  // Dead letters Kafka refused (the metric; any one stops the pipeline).
  [[nodiscard]] std::uint64_t failures() const { return failures_.load(); }

 private:
  static void OnDelivered(rd_kafka_t* rk, const rd_kafka_message_t* m, void* opaque);

  const kafka::Options kafka_;
  const int shutdown_timeout_ms_;
  kafka::Handle producer_;
  Mutex mu_;
  // Dead letters produced but not yet reported on, counted per batch number.
  std::map<std::uint64_t, std::uint64_t> unacked_ GUARDED_BY(mu_);
  std::string error_ GUARDED_BY(mu_);  // the latest failed delivery's
  std::atomic<std::uint64_t> failures_{0};
};

}  // namespace inzage

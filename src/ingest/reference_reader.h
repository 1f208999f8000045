// ReferenceReader: feeds the reference topic into the pipeline's ReferenceData. The topic is
// compacted and read by every instance completely, from the start, outside any consumer group
// (a global table: docs/architecture.md, scale beyond one machine). Start-up reads it up to its
// end as of then before any event is decided (readiness); afterwards the consume loop reads what
// is new between batches, so updates apply between two batches, never inside one.
//
// A record that does not apply (bad JSON, an unknown type, a bad field) is logged with its
// reason and passed over; the table keeps what it had.
//
// Ownership: owns its consumer; the ReferenceData and the counter are the pipeline's.
// Thread safety: consume thread only (the ReferenceData is not synchronised).
#pragma once

#include <atomic>
#include <cstdint>

#include "common/status.h"
#include "kafka/kafka.h"
#include "kafka/options.h"
#include "policy/reference_data.h"

namespace inzage {

class ReferenceReader {
 public:
  // applied: counts the records applied.
  ReferenceReader(const kafka::Options& kafka, ReferenceData* reference,
                  std::atomic<std::uint64_t>* applied);
  ReferenceReader(const ReferenceReader&) = delete;
  ReferenceReader& operator=(const ReferenceReader&) = delete;

  // Creates the consumer.
  [[nodiscard]] Status Start();
  // Reads every partition from the beginning up to its end as of now; an error when that
  // takes longer than timeout_ms or `stop` is set meanwhile.
  [[nodiscard]] Status ReadToEnd(int timeout_ms, const std::atomic<bool>& stop);
  // Applies what has arrived since (waiting up to timeout_ms for the first record).
  [[nodiscard]] Status Poll(int timeout_ms);

 private:
  // Applies one record's payload and counts it when it applied; the caller logs a refusal.
  [[nodiscard]] Status Apply(const rd_kafka_message_t& m);

  const kafka::Options kafka_;
  ReferenceData* const reference_;
  std::atomic<std::uint64_t>* const applied_;
  kafka::Handle consumer_;
};

}  // namespace inzage

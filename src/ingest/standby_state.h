// StandbyState: a warm copy of every partition's records on the state changelog topic
// (kafka.standby), so that a partition this instance takes over is restored from memory and
// the records that came in since, not read from the changelog's start (Kafka Streams' standby
// replicas). A thread of its own tails all changelog partitions and keeps the newest record per
// key; Take hands a partition's state over once the copy has caught up with the partition's end
// as of the call.
//
// Memory: the state of every partition (the active ones too: a partition that leaves this
// instance and comes back later needs no restore either), as the changelog records hold it.
// Ownership: owns its consumer and thread. Thread safety: Start/Stop from the owning thread;
// Take from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <thread>

#include "common/mutex.h"
#include "common/status.h"
#include "ingest/state_changelog.h"
#include "kafka/kafka.h"
#include "kafka/options.h"

namespace inzage {

class StandbyState {
 public:
  StandbyState(const kafka::Options& kafka, std::string topic);
  ~StandbyState();
  StandbyState(const StandbyState&) = delete;
  StandbyState& operator=(const StandbyState&) = delete;

  // Assigns every partition of the topic from its start and starts tailing it.
  [[nodiscard]] Status Start();
  void Stop() EXCLUDES(mu_);

  // Partition `p`'s state once the copy holds every record up to the partition's end as of
  // now; IoError when it does not within `timeout`.
  [[nodiscard]] Result<PartitionState> Take(std::int32_t p, std::chrono::milliseconds timeout)
      EXCLUDES(mu_);

  [[nodiscard]] std::uint64_t records() const { return records_.load(); }

 private:
  struct Copy {
    std::map<std::string, std::string, std::less<>> latest;  // key -> newest value
    std::int64_t next = 0;                                   // next offset to read
    size_t records = 0;
  };
  void Loop() EXCLUDES(mu_);

  const kafka::Options kafka_;
  const std::string topic_;
  kafka::Handle consumer_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  Mutex mu_;
  CondVar progress_;  // the copy read more records
  std::map<std::int32_t, Copy> copies_ GUARDED_BY(mu_);
  std::atomic<std::uint64_t> records_{0};
};

}  // namespace inzage

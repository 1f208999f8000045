#include "ingest/offsets.h"

#include <algorithm>

#include "common/log.h"

namespace inzage {

void Offsets::CommitStored(const std::vector<SourcePosition>& positions) {
  if (gated_) return;  // CommitDelivered sends them
  Positions by_partition;
  for (const auto& p : positions) by_partition[{p.source, p.partition}] = p.next_offset;
  Commit(by_partition, /*sync=*/false);
}

void Offsets::CommitDelivered(const std::string& topic, std::int32_t partition,
                              std::int64_t next_offset) {
  {
    MutexLock lock(&mu_);
    if (held_.count({topic, partition}) == 0) return;  // revoked meanwhile: its owner commits
  }
  Commit({{{topic, partition}, next_offset}}, /*sync=*/false);
}

void Offsets::Hold(const std::string& topic, std::int32_t partition) {
  MutexLock lock(&mu_);
  held_.insert({topic, partition});
}

void Offsets::CommitAllStoredSync() {
  Positions committed;
  {
    MutexLock lock(&mu_);
    committed = committed_;
  }
  Commit(committed, /*sync=*/true);
}

void Offsets::Commit(const Positions& positions, bool sync) {
  if (positions.empty()) return;
  {
    MutexLock lock(&mu_);
    for (const auto& [tp, offset] : positions) committed_[tp] = offset;
  }
  kafka::PartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(positions.size())));
  for (const auto& [tp, offset] : positions) {
    rd_kafka_topic_partition_list_add(list.get(), tp.first.c_str(), tp.second)->offset = offset;
  }
  // Kafka's copy of the offsets serves the next owner of a partition; our own store already
  // holds them, so a failed commit here loses nothing (the store position wins on restart).
  rd_kafka_resp_err_t err = rd_kafka_commit(consumer_, list.get(), sync ? 0 : 1);
  if (err && sync) {
    Log(LogLevel::kWarn, "pipeline", "offset commit to Kafka failed",
        {{"error", kafka::ErrorText(err)}});
  }
}

void Offsets::StartAtLaterOf(const Positions& stored, rd_kafka_topic_partition_list_t* partitions) {
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
}

void Offsets::UpdateLag(const Positions& next_offsets) {
  MutexLock lock(&lag_mu_);
  for (const auto& [tp, offset] : next_offsets) {
    std::int64_t low = 0, high = 0;
    if (rd_kafka_get_watermark_offsets(consumer_, tp.first.c_str(), tp.second, &low, &high) ==
            RD_KAFKA_RESP_ERR_NO_ERROR &&
        high >= 0) {
      lag_[tp] = std::max<std::int64_t>(0, high - offset);
    }
  }
}

void Offsets::UpdateLagOnAssign(const rd_kafka_topic_partition_list_t* partitions) {
  for (int i = 0; i < partitions->cnt; ++i) {
    const rd_kafka_topic_partition_t& tp = partitions->elems[i];
    std::int64_t low = 0, high = 0;
    if (rd_kafka_query_watermark_offsets(consumer_, tp.topic, tp.partition, &low, &high,
                                         kLagQueryTimeoutMs) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      continue;  // the first batch of the partition sets it
    }
    const std::int64_t start = tp.offset >= 0 ? tp.offset : low;
    MutexLock lock(&lag_mu_);
    lag_[{tp.topic, tp.partition}] = std::max<std::int64_t>(0, high - start);
  }
}

void Offsets::Forget(const std::string& topic, std::int32_t partition) {
  {
    MutexLock lock(&mu_);
    committed_.erase({topic, partition});
    held_.erase({topic, partition});
  }
  MutexLock lock(&lag_mu_);
  lag_.erase({topic, partition});
}

void Offsets::ForgetAll() {
  {
    MutexLock lock(&mu_);
    committed_.clear();
    held_.clear();
  }
  MutexLock lock(&lag_mu_);
  lag_.clear();
}

std::map<std::int32_t, std::int64_t> Offsets::lag() const {
  MutexLock lock(&lag_mu_);
  std::map<std::int32_t, std::int64_t> by_partition;
  for (const auto& [tp, lag] : lag_) by_partition[tp.second] += lag;
  return by_partition;
}

}  // namespace inzage

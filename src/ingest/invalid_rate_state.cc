#include "ingest/invalid_rate_state.h"

#include <string>

#include "common/log.h"
#include "detect/state_codec.h"

namespace inzage {

InvalidRateState::Window& InvalidRateState::WindowOf(std::string_view source) {
  auto it = windows_.find(source);
  if (it == windows_.end()) {
    it = windows_.emplace(std::string(source), Window(thresholds_)).first;
    it->second.source = std::string(source);
  }
  return it->second;
}

void InvalidRateState::SelectSource(const char* topic, std::int32_t partition) {
  if (topic == current_topic_ && partition == current_partition_ && current_ != nullptr) return;
  current_ = &WindowOf(std::string(topic) + "/" + std::to_string(partition));
  current_topic_ = topic;
  current_partition_ = partition;
}

void InvalidRateState::Observe(bool invalid, std::string_view evidence_id,
                               const Thresholds& thresholds, IncidentTracker* incidents) {
  if (current_ == nullptr) return;  // not a Kafka message (an API read): no partition
  current_->dirty = true;
  if (current_->rate.Observe(current_->stream_time, invalid)) {
    incidents->ObserveStreamHit(RuleId::kInputInvalidRate, "stream:" + current_->source,
                                current_->stream_time, evidence_id,
                                ExplainInvalidRate(current_->rate, thresholds));
  }
}

bool InvalidRateState::Restore(std::string_view key, std::string_view row, Status* status) {
  if (key == "stream/invalid_rate") {
    Log(LogLevel::kInfo, "pipeline",
        "dropped the input.invalid_rate window of an older version (one for all partitions); "
        "each partition's window starts empty");
    *status = Status::Ok();
    return true;
  }
  if (key.rfind(kStatePrefix, 0) != 0) return false;
  Window& w = WindowOf(key.substr(kStatePrefix.size()));
  StateReader r(row);
  const std::int64_t stream_time = r.Svarint();
  if (!r.ok()) {
    *status = Status::Corruption("state " + std::string(key) + ": malformed");
    return true;
  }
  *status = w.rate.Restore(row.substr(r.position()));
  if (status->ok()) w.stream_time = stream_time;
  return true;
}

namespace {

std::string WindowRow(const InvalidRate& rate, TimeMicros stream_time) {
  std::string blob;
  StateWriter(&blob).Svarint(stream_time);
  rate.SerializeTo(&blob);
  return blob;
}

}  // namespace

void InvalidRateState::AddToBatch(CommitBatch* batch) {
  for (auto& [source, w] : windows_) {
    if (!w.dirty) continue;
    batch->state.emplace_back(std::string(kStatePrefix) + source, WindowRow(w.rate, w.stream_time));
    w.dirty = false;
  }
}

std::vector<std::pair<std::string, std::string>> InvalidRateState::RowsOf(
    std::int32_t partition) const {
  std::vector<std::pair<std::string, std::string>> rows;
  for (const auto& [source, w] : windows_) {
    std::string key = std::string(kStatePrefix) + source;
    if (PartitionOfRow(key) != partition) continue;
    rows.emplace_back(std::move(key), WindowRow(w.rate, w.stream_time));
  }
  return rows;
}

std::int32_t InvalidRateState::PartitionOfRow(std::string_view key) {
  if (key.rfind(kStatePrefix, 0) != 0) return -1;
  const size_t slash = key.rfind('/');
  if (slash == std::string_view::npos || slash + 1 >= key.size()) return -1;
  std::int64_t p = 0;
  for (char c : key.substr(slash + 1)) {
    if (c < '0' || c > '9' || p > INT32_MAX / 10) return -1;
    p = p * 10 + (c - '0');
  }
  return static_cast<std::int32_t>(p);
}

}  // namespace inzage

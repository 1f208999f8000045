#include "ingest/state_changelog.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdlib>

#include "ingest/invalid_rate_state.h"
#include "kafka/clients.h"
#include "store/keys.h"

namespace inzage {
namespace {

constexpr std::string_view kActorKind = "a";
constexpr std::string_view kIncidentKind = "i";
constexpr std::string_view kWindowKind = "r";
constexpr std::string_view kPositionKind = "o";

// Parses a decimal integer; false when `s` is not one.
bool ParseInt(std::string_view s, std::int64_t* out) {
  const auto [end, err] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return err == std::errc() && end == s.data() + s.size();
}

}  // namespace

std::int64_t PartitionState::position() const {
  std::int64_t highest = -1;
  for (const auto& [topic, offset] : positions) highest = std::max(highest, offset);
  return highest;
}

Status StateChangelog::Open(const Store& store) {
  // The rows left are few (those not yet acknowledged): the last one's key is the sequence.
  std::string after;
  for (;;) {
    auto rows = store.ListRows("state", kRowPrefix, after, 1000);
    if (!rows.ok()) return rows.status();
    if (rows->empty()) break;
    after = rows->back().first;
    seq_ = std::max(seq_, RowSequence(after));
    if (rows->size() < 1000) break;
  }
  return Status::Ok();
}

std::uint64_t StateChangelog::RowSequence(std::string_view key) {
  if (key.size() != kRowPrefix.size() + 8) return 0;
  return keys::GetBigEndian64(key.substr(kRowPrefix.size()));
}

void StateChangelog::AddRow(std::int32_t p, std::string_view kind, std::string_view name,
                            std::int64_t offset, const std::string* payload, CommitBatch* batch) {
  std::string key(kRowPrefix);
  keys::PutBigEndian64(&key, ++seq_);
  std::string row = std::to_string(p);
  row.push_back('\n');
  row.append(std::to_string(p)).append("/").append(kind).append("/").append(name);
  row.push_back('\n');
  if (payload == nullptr) {
    row.push_back('T');
  } else {
    row.push_back('V');
    row.append(std::to_string(offset));
    row.push_back('\n');
    row.append(*payload);
  }
  batch->state.emplace_back(std::move(key), std::move(row));
}

bool StateChangelog::DecodeRow(std::string_view value, ChangelogRow* row) {
  const size_t nl1 = value.find('\n');
  if (nl1 == std::string_view::npos) return false;
  const size_t nl2 = value.find('\n', nl1 + 1);
  if (nl2 == std::string_view::npos || nl2 + 1 >= value.size()) return false;
  std::int64_t p = 0;
  if (!ParseInt(value.substr(0, nl1), &p) || p < 0 || p > INT32_MAX) return false;
  row->partition = static_cast<std::int32_t>(p);
  row->key = value.substr(nl1 + 1, nl2 - nl1 - 1);
  row->tombstone = value[nl2 + 1] == 'T';
  row->value = value.substr(nl2 + 2);
  return row->tombstone || value[nl2 + 1] == 'V';
}

void StateChangelog::AddChanges(
    const BehaviorDetector& detector, std::span<const Alert* const> dirty_alerts,
    const std::map<std::pair<std::string, std::int32_t>, std::int64_t>& positions,
    const std::function<TimeMicros(std::int32_t)>& latest_time_of, CommitBatch* batch) {
  // The positions first: records of this batch carry them.
  for (const auto& [tp, offset] : positions) {
    auto it = held_.find(tp.second);
    if (it != held_.end()) it->second = std::max(it->second, offset);
  }
  auto offset_of = [this](std::int32_t p) -> const std::int64_t* {
    auto it = held_.find(p);
    return it == held_.end() ? nullptr : &it->second;
  };
  const size_t state_rows = batch->state.size();
  for (std::string_view actor : detector.dirty_actors()) {
    bool moved = false;
    const std::int32_t p = detector.PartitionOf(actor, &moved);
    if (p < 0) continue;  // only the daemon's own accesses: no partition
    if (moved) {
      batch->state.emplace_back(std::string(kActorPartitionPrefix).append(actor),
                                std::to_string(p));
    }
    const std::int64_t* offset = offset_of(p);
    if (offset == nullptr) continue;
    std::string blob;
    if (detector.SerializeActorState(actor, &blob)) {
      AddRow(p, kActorKind, actor, *offset, &blob, batch);
    }
  }
  for (const Alert* a : dirty_alerts) {
    const std::int64_t* offset = offset_of(a->partition);
    if (offset == nullptr) continue;
    if (a->aggregating) {
      const std::string record = SerializeAlert(*a);
      AddRow(a->partition, kIncidentKind, a->alert_id, *offset, &record, batch);
    } else {
      AddRow(a->partition, kIncidentKind, a->alert_id, *offset, nullptr, batch);
    }
  }
  // The invalid-rate rows this batch stores (InvalidRateState::AddToBatch ran before).
  for (size_t i = 0; i < state_rows; ++i) {
    const auto& [key, value] = batch->state[i];
    const std::int32_t p = InvalidRateState::PartitionOfRow(key);
    const std::int64_t* offset = p < 0 ? nullptr : offset_of(p);
    if (offset == nullptr) continue;
    AddRow(p, kWindowKind, key, *offset, &value, batch);
  }
  for (const auto& [tp, offset] : positions) {
    if (held_.count(tp.second) == 0) continue;
    const std::string latest = std::to_string(latest_time_of(tp.second)) + "\n" + group_;
    AddRow(tp.second, kPositionKind, tp.first, offset, &latest, batch);
  }
}

void StateChangelog::AddSnapshot(std::int32_t p, const BehaviorDetector& detector,
                                 const IncidentTracker& incidents,
                                 const std::vector<std::pair<std::string, std::string>>& windows,
                                 const std::map<std::string, std::int64_t>& positions,
                                 TimeMicros latest_time, CommitBatch* batch) {
  std::int64_t offset = 0;
  for (const auto& [topic, next] : positions) offset = std::max(offset, next);
  for (std::string_view actor : detector.ActorsOf(p)) {
    std::string blob;
    if (detector.SerializeActorState(actor, &blob)) {
      AddRow(p, kActorKind, actor, offset, &blob, batch);
    }
  }
  for (const Alert* a : incidents.AggregatingOf(p)) {
    const std::string record = SerializeAlert(*a);
    AddRow(p, kIncidentKind, a->alert_id, offset, &record, batch);
  }
  for (const auto& [key, value] : windows) AddRow(p, kWindowKind, key, offset, &value, batch);
  const std::string latest = std::to_string(latest_time) + "\n" + group_;
  for (const auto& [topic, next] : positions) {
    AddRow(p, kPositionKind, topic, next, &latest, batch);
  }
}

PartitionState StateChangelog::DecodePartition(
    std::int32_t p, const std::map<std::string, std::string, std::less<>>& latest) {
  PartitionState state;
  const std::string prefix = std::to_string(p) + "/";
  for (const auto& [key, value] : latest) {
    if (key.rfind(prefix, 0) != 0 || key.size() < prefix.size() + 2) continue;
    const std::string_view kind = std::string_view(key).substr(prefix.size(), 1);
    const std::string_view name = std::string_view(key).substr(prefix.size() + 2);
    const size_t nl = value.find('\n');
    std::int64_t offset = 0;
    if (!ParseInt(std::string_view(value).substr(0, nl), &offset)) continue;
    const std::string_view payload =
        nl == std::string::npos ? std::string_view() : std::string_view(value).substr(nl + 1);
    if (kind == kPositionKind) {
      state.positions[std::string(name)] = offset;
      std::int64_t time = INT64_MIN;
      const size_t group_at = payload.find('\n');
      if (ParseInt(payload.substr(0, group_at), &time)) {
        state.latest_time = std::max(state.latest_time, time);
      }
      if (group_at != std::string_view::npos) state.group = payload.substr(group_at + 1);
    } else if (kind == kActorKind) {
      state.actors.emplace_back(std::string(name), std::string(payload));
    } else if (kind == kIncidentKind) {
      state.incidents.emplace_back(payload);
    } else if (kind == kWindowKind) {
      state.windows.emplace_back(std::string(name), std::string(payload));
    }
  }
  return state;
}

Result<PartitionState> StateChangelog::ReadPartition(rd_kafka_t* consumer, const std::string& topic,
                                                     std::int32_t p, int timeout_ms) {
  auto all = ReadPartitions(consumer, topic, {p}, timeout_ms);
  if (!all.ok()) return all.status();
  return std::move((*all)[p]);
}

Result<std::map<std::int32_t, PartitionState>> StateChangelog::ReadPartitions(
    rd_kafka_t* consumer, const std::string& topic, const std::vector<std::int32_t>& partitions,
    int timeout_ms) {
  // One assignment for all of them: assigning partitions one after another cost about 500 ms
  // each after the first (librdkafka's fetcher restarting).
  std::map<std::int32_t, std::int64_t> end;  // partitions not read to their end yet
  kafka::PartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size())));
  for (std::int32_t p : partitions) {
    std::int64_t low = 0;
    std::int64_t high = 0;
    if (auto err =
            rd_kafka_query_watermark_offsets(consumer, topic.c_str(), p, &low, &high, timeout_ms);
        err) {
      if (err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) {
        return Status::NotFound("state topic " + topic + " has no partition " + std::to_string(p));
      }
      return Status::IoError("state topic " + topic + " end offsets: " + kafka::ErrorText(err));
    }
    if (high <= low) continue;
    end[p] = high;
    rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), p)->offset = low;
  }
  std::map<std::int32_t, std::map<std::string, std::string, std::less<>>> latest;
  std::map<std::int32_t, size_t> records;
  Status result = Status::Ok();
  if (!end.empty()) {
    if (auto err = rd_kafka_assign(consumer, list.get()); err) {
      return Status::IoError("assign state topic: " + kafka::ErrorText(err));
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (!end.empty()) {
      if (std::chrono::steady_clock::now() > deadline) {
        result = Status::IoError("state topic " + topic + " not read to its end within " +
                                 std::to_string(timeout_ms) + " ms");
        break;
      }
      kafka::Message m(rd_kafka_consumer_poll(consumer, 200));
      if (!m) continue;
      if (m->err) {
        if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
          result = Status::IoError("read state topic: " + kafka::ErrorText(m->err));
          break;
        }
        continue;
      }
      ++records[m->partition];
      // Newest record per key (compaction may not have run yet); a tombstone removes it.
      auto& keys = latest[m->partition];
      std::string key(static_cast<const char*>(m->key), m->key_len);
      if (m->payload == nullptr) {
        keys.erase(key);
      } else {
        keys[std::move(key)].assign(static_cast<const char*>(m->payload), m->len);
      }
      auto it = end.find(m->partition);
      if (it != end.end() && m->offset + 1 >= it->second) end.erase(it);
    }
    rd_kafka_assign(consumer, nullptr);
  }
  if (!result.ok()) return result;
  std::map<std::int32_t, PartitionState> states;
  for (std::int32_t p : partitions) {
    PartitionState& state = states[p];
    state = DecodePartition(p, latest[p]);
    state.records = records[p];
  }
  return states;
}

}  // namespace inzage

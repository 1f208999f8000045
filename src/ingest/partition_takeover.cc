// The state changelog's side of the pipeline (state_changelog.h): starting its writer, relay,
// reader and standby, and taking over the state of assigned partitions. Split from
// event_pipeline.cc, which keeps the consume loop; these run on the consume thread, at start
// and inside the rebalance callback.
#include <chrono>
#include <set>
#include <string>
#include <vector>

#include "common/log.h"
#include "ingest/event_pipeline.h"
#include "ingest/pipeline_state.h"
#include "kafka/clients.h"

namespace inzage {

Status EventPipeline::StartChangelog() {
  const std::string& topic = config_.kafka.state_topic;
  if (topic.empty()) return Status::Ok();
  changelog_ = std::make_unique<StateChangelog>(topic, config_.kafka.group_id);
  if (Status st = changelog_->Open(*store_); !st.ok()) return st;
  // No group: the reader is assigned the partitions it reads (ReadPartitions). It reads them to
  // their end and no further: the broker need not hold a fetch back for more data
  // (fetch.wait.max.ms, 500 ms by default).
  auto reader =
      kafka::MakeConsumer(config_.kafka, kafka::ConsumerKind::kReference, "inzaged-state-reader",
                          config_.kafka.group_id + ".state-unused",
                          {{"fetch.wait.max.ms", "10"}, {"fetch.error.backoff.ms", "10"}});
  if (!reader.ok()) return reader.status();
  changelog_reader_ = std::move(reader).value();
  auto partitions = kafka::TopicPartitions(changelog_reader_.get(), topic, 10000);
  if (!partitions.ok()) {
    return Status::FailedPrecondition("state topic (kafka.topics.state): " +
                                      partitions.status().message());
  }
  for (const Input& in : inputs_) {
    auto input_partitions = kafka::TopicPartitions(changelog_reader_.get(), in.topic, 10000);
    if (input_partitions.ok() && input_partitions->size() > partitions->size()) {
      return Status::FailedPrecondition(
          "state topic " + topic + " has " + std::to_string(partitions->size()) +
          " partitions, fewer than input topic " + in.topic + " (" +
          std::to_string(input_partitions->size()) + "): give it at least as many");
    }
  }
  changelog_relay_ =
      std::make_unique<ChangelogRelay>(config_.kafka, topic, store_, config_.shutdown_timeout_ms);
  // Kafka's offsets follow the changelog, not the store: a new owner resuming at Kafka's offset
  // finds the state that far in the changelog (docs/scale-out.md).
  offsets_.set_gated_by_changelog(true);
  changelog_relay_->set_on_position_delivered(
      [this](const std::string& input, std::int32_t p, std::int64_t next) {
        offsets_.CommitDelivered(input, p, next);
      });
  if (config_.kafka.standby) {
    standby_ = std::make_unique<StandbyState>(config_.kafka, topic);
    if (Status st = standby_->Start(); !st.ok()) return st;
  }
  return changelog_relay_->Start();
}

Status EventPipeline::AdoptPartitions(const rd_kafka_topic_partition_list_t* partitions,
                                      Offsets::Positions* start) {
  std::set<std::int32_t> numbers;
  for (int i = 0; i < partitions->cnt; ++i) numbers.insert(partitions->elems[i].partition);
  const auto began = Clock::now();
  Result<std::map<std::int32_t, PartitionState>> states = std::map<std::int32_t, PartitionState>();
  if (standby_) {  // warm: only the records since the copy's last poll are waited for
    for (std::int32_t p : numbers) {
      auto state = standby_->Take(p, std::chrono::milliseconds(config_.reference_timeout_ms));
      if (!state.ok()) {
        states = state.status();
        break;
      }
      (*states)[p] = std::move(state).value();
    }
  } else {
    states = StateChangelog::ReadPartitions(
        changelog_reader_.get(), changelog_->topic(),
        std::vector<std::int32_t>(numbers.begin(), numbers.end()), config_.reference_timeout_ms);
  }
  const auto read_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - began).count();
  if (!states.ok()) return states.status();
  Status first = Status::Ok();  // every partition is adopted; the first error is returned
  for (std::int32_t p : numbers) {
    if (Status st = AdoptPartition(p, (*states)[p], read_ms, partitions, start);
        !st.ok() && first.ok()) {
      first = st;
    }
  }
  return first;
}

Status EventPipeline::AdoptPartition(std::int32_t p, const PartitionState& changelog_state,
                                     std::int64_t read_ms,
                                     const rd_kafka_topic_partition_list_t* partitions,
                                     Offsets::Positions* start) {
  const auto began = Clock::now();
  const PartitionState* state = &changelog_state;
  if (!state->group.empty() && state->group != config_.kafka.group_id) {
    return Status::FailedPrecondition(
        "state topic " + changelog_->topic() + " holds the state of consumer group " +
        state->group + ", not of " + config_.kafka.group_id +
        ": each group needs a state topic of its own (kafka.topics.state)");
  }
  std::int64_t stored = -1;     // this store's position of the partition
  std::int64_t committed = -1;  // Kafka's
  std::map<std::string, std::int64_t> stored_positions;
  for (const Input& in : inputs_) {
    auto it = start->find({in.topic, p});
    if (it == start->end()) continue;
    stored = std::max(stored, it->second);
    stored_positions[in.topic] = it->second;
  }
  for (int i = 0; i < partitions->cnt; ++i) {
    if (partitions->elems[i].partition == p) {
      committed = std::max(committed, partitions->elems[i].offset);
    }
  }
  const std::int64_t changelog = state->position();
  std::int64_t resume = stored;
  // The partition holds the incidents' watermark back from where its stream was (the
  // changelog's time is never ahead of it), as if it had been consumed here: else the other
  // partitions, further on in event time, would end its incidents before its next events
  // could join them. Until its first message it has no time of its own.
  if (state->latest_time != INT64_MIN) {
    PartitionTime& t = partition_times_[p];
    if (t.latest == INT64_MIN) t.latest = state->latest_time;
    t.seen = Clock::now();
  }
  if (std::max(changelog, committed) > stored) {
    // Another instance held the partition since this store last did: its state is newer.
    if (Status st = RestorePartition(p, *state); !st.ok()) return st;
    for (const auto& [topic, offset] : state->positions) {
      std::int64_t& at = (*start)[{topic, p}];
      at = std::max(at, offset);
    }
    resume = std::max(changelog, committed);
    Log(LogLevel::kInfo, "pipeline", "partition state restored from the changelog",
        {{"partition", p},
         {"actors", state->actors.size()},
         {"incidents", state->incidents.size()},
         {"records", state->records},
         {"resume_offset", resume},
         {"from", standby_ ? "standby" : "topic"},
         {"read_ms", read_ms},
         {"ms",
          std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - began).count()}});
  } else if (changelog < stored) {
    // This store is the newest copy (a local restart), and the changelog lags it: its rows
    // were not all sent before the restart. A snapshot brings it up to date.
    auto time = partition_times_.find(p);
    changelog_->AddSnapshot(p, *detector_, *incidents_, invalid_rate_.RowsOf(p), stored_positions,
                            time == partition_times_.end() ? INT64_MIN : time->second.latest,
                            &batch_);
    Log(LogLevel::kInfo, "pipeline", "partition state kept from the store; changelog refreshed",
        {{"partition", p}, {"changelog_offset", changelog}, {"stored_offset", stored}});
  }
  changelog_->Hold(p, resume);
  changelog_relay_->Own(p);
  return Status::Ok();
}

Status EventPipeline::RestorePartition(std::int32_t p, const PartitionState& state) {
  detector_->DropPartition(p);
  for (const auto& [actor, blob] : state.actors) {
    if (Status st = detector_->RestoreActorState(actor, blob); !st.ok()) {
      Log(LogLevel::kWarn, "pipeline", "changelog actor state not restored",
          {{"partition", p}, {"error", st.message()}});
      continue;
    }
    detector_->RestorePartition(actor, p);
    // This store's copy, for the fast path after a local restart.
    batch_.state.emplace_back(std::string(kActorStatePrefix).append(actor), blob);
    batch_.state.emplace_back(std::string(StateChangelog::kActorPartitionPrefix).append(actor),
                              std::to_string(p));
  }
  for (const std::string& record : state.incidents) {
    auto alert = ParseAlert(record);
    if (!alert.ok()) {
      Log(LogLevel::kWarn, "pipeline", "changelog incident not restored",
          {{"partition", p}, {"error", alert.status().message()}});
      continue;
    }
    batch_.alerts.push_back({alert->alert_id, record, AlertIndexFieldsOf(*alert)});
    if (Status st = incidents_->Restore(std::move(alert).value()); !st.ok()) return st;
  }
  for (const auto& [key, value] : state.windows) {
    Status st;
    if (invalid_rate_.Restore(key, value, &st) && st.ok()) batch_.state.emplace_back(key, value);
  }
  return Status::Ok();
}

}  // namespace inzage

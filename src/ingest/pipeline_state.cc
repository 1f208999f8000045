#include "ingest/pipeline_state.h"

#include <cstdlib>
#include <string>
#include <string_view>

#include "common/log.h"
#include "detect/alert.h"
#include "ingest/state_changelog.h"

namespace inzage {
namespace {

Status RestoreStateRows(const std::vector<std::pair<std::string, std::string>>& rows,
                        const StatefulParts& parts) {
  for (const auto& [key, value] : rows) {
    if (Status st; parts.invalid_rate->Restore(key, value, &st)) {
      if (!st.ok()) return st;
      continue;
    }
    if (key == AlertEmitter::kPendingStateKey) {
      // Versions that had not gone to the CISO topic yet: sent with the first batch.
      parts.alerts->RestorePending(value);
      continue;
    }
    if (parts.hourly->Restore(key, value)) continue;
    if (key.rfind(StateChangelog::kActorPartitionPrefix, 0) == 0) {
      // After the actor's own row ("actor/" sorts before "partition/").
      parts.detector->RestorePartition(
          std::string_view(key).substr(StateChangelog::kActorPartitionPrefix.size()),
          static_cast<std::int32_t>(std::strtol(value.c_str(), nullptr, 10)));
      continue;
    }
    if (key.rfind(kActorStatePrefix, 0) != 0) continue;
    Status st = parts.detector->RestoreActorState(
        std::string_view(key).substr(kActorStatePrefix.size()), value);
    if (!st.ok()) return Status::Corruption("detector state of " + key + ": " + st.message());
  }
  return Status::Ok();
}

// The alerts whose incident still aggregates: the others live in the store only.
Status RestoreAlerts(const Store& store, IncidentTracker* incidents, size_t* restored) {
  auto ids = store.AggregatingAlertIds();
  if (!ids.ok()) return ids.status();
  for (const std::string& id : *ids) {
    auto row = store.Get("alerts", id);
    if (!row.ok()) return row.status();
    if (!row->has_value()) return Status::Corruption("alert index names alert " + id + ", absent");
    auto alert = ParseAlert(**row);
    if (!alert.ok()) return Status::Corruption("alert " + id + ": " + alert.status().message());
    if (Status st = incidents->Restore(std::move(alert).value()); !st.ok()) return st;
  }
  *restored = ids->size();
  return Status::Ok();
}

// A store whose alerts predate the alert index: build it once, from every alert row.
Status CompleteAlertIndex(Store& store) {
  if (store.alert_index_complete()) return Status::Ok();
  Log(LogLevel::kInfo, "pipeline", "building the alert index from the stored alerts");
  size_t malformed = 0;
  Status st = store.RebuildAlertIndex(
      [&malformed](std::string_view, std::string_view value) -> std::optional<AlertIndexFields> {
        auto alert = ParseAlert(value);
        if (!alert.ok()) {
          ++malformed;
          return std::nullopt;
        }
        return AlertIndexFieldsOf(*alert);
      });
  if (malformed > 0) {
    Log(LogLevel::kWarn, "pipeline", "alert rows left out of the index: malformed",
        {{"rows", malformed}});
  }
  return st;
}

}  // namespace

Status RestoreState(Store& store, const StatefulParts& parts) {
  if (!parts.detector->status().ok()) return parts.detector->status();
  auto state = store.ScanColumnFamily("state");
  if (!state.ok()) return state.status();
  if (Status st = RestoreStateRows(*state, parts); !st.ok()) return st;
  if (Status st = CompleteAlertIndex(store); !st.ok()) return st;
  size_t alerts = 0;
  if (Status st = RestoreAlerts(store, parts.incidents, &alerts); !st.ok()) return st;
  parts.detector->ClearDirty();
  parts.incidents->ClearDirty();
  parts.incidents->EvictSettled();
  parts.alerts->RestoreSequence();
  Log(LogLevel::kInfo, "pipeline", "state restored",
      {{"actors", state->size()}, {"aggregating_alerts", alerts}});
  return Status::Ok();
}

void AddActorState(BehaviorDetector* detector, CommitBatch* batch) {
  for (std::string_view actor : detector->dirty_actors()) {
    std::string blob;
    if (detector->SerializeActorState(actor, &blob)) {
      batch->state.emplace_back(std::string(kActorStatePrefix).append(actor), std::move(blob));
    }
  }
  detector->ClearDirty();
}

}  // namespace inzage

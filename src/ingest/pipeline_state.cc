#include "ingest/pipeline_state.h"

#include <string>
#include <string_view>

#include "common/log.h"
#include "detect/alert.h"

namespace inzage {
namespace {

constexpr std::string_view kActorPrefix = "actor/";

Status RestoreStateRows(const std::vector<std::pair<std::string, std::string>>& rows,
                        const StatefulParts& parts) {
  for (const auto& [key, value] : rows) {
    if (key == InvalidRateState::kStateKey) {
      if (Status st = parts.invalid_rate->Restore(value); !st.ok()) return st;
      continue;
    }
    if (key == AlertEmitter::kPendingStateKey) {
      // Versions that had not gone to the CISO topic yet: sent with the first batch.
      parts.alerts->RestorePending(value);
      continue;
    }
    if (parts.hourly->Restore(key, value)) continue;
    if (key.rfind(kActorPrefix, 0) != 0) continue;
    Status st =
        parts.detector->RestoreActorState(std::string_view(key).substr(kActorPrefix.size()), value);
    if (!st.ok()) return Status::Corruption("detector state of " + key + ": " + st.message());
  }
  return Status::Ok();
}

Status RestoreAlerts(const std::vector<std::pair<std::string, std::string>>& rows,
                     IncidentTracker* incidents) {
  for (const auto& [key, value] : rows) {
    auto alert = ParseAlert(value);
    if (!alert.ok()) return Status::Corruption("alert " + key + ": " + alert.status().message());
    if (Status st = incidents->Restore(std::move(alert).value()); !st.ok()) return st;
  }
  return Status::Ok();
}

}  // namespace

Status RestoreState(const Store& store, const StatefulParts& parts) {
  if (!parts.detector->status().ok()) return parts.detector->status();
  auto state = store.ScanColumnFamily("state");
  if (!state.ok()) return state.status();
  if (Status st = RestoreStateRows(*state, parts); !st.ok()) return st;
  auto alerts = store.ScanColumnFamily("alerts");
  if (!alerts.ok()) return alerts.status();
  if (Status st = RestoreAlerts(*alerts, parts.incidents); !st.ok()) return st;
  parts.detector->ClearDirty();
  parts.incidents->ClearDirty();
  parts.incidents->EvictSettled();
  parts.alerts->RestoreSequence();
  Log(LogLevel::kInfo, "pipeline", "state restored",
      {{"actors", state->size()}, {"alerts", alerts->size()}});
  return Status::Ok();
}

void AddActorState(BehaviorDetector* detector, CommitBatch* batch) {
  for (std::string_view actor : detector->dirty_actors()) {
    std::string blob;
    if (detector->SerializeActorState(actor, &blob)) {
      batch->state.emplace_back(std::string(kActorPrefix).append(actor), std::move(blob));
    }
  }
  detector->ClearDirty();
}

}  // namespace inzage

#include "ingest/alert_emitter.h"

#include <algorithm>
#include <vector>

#include "common/log.h"
#include "store/keys.h"

namespace inzage {

AlertIndexFields AlertIndexFieldsOf(const Alert& alert) {
  AlertIndexFields f;
  f.status = static_cast<std::uint8_t>(alert.status);
  f.severity = static_cast<std::uint8_t>(alert.severity);
  f.rule = static_cast<std::uint8_t>(alert.rule);
  f.deadline = alert.breach_deadline();
  f.aggregating = alert.aggregating;
  f.municipality = alert.municipality;
  f.department = alert.department;
  return f;
}

AlertRow AlertRowOf(const Alert& alert) {
  return AlertRow{alert.alert_id, SerializeAlert(alert), AlertIndexFieldsOf(alert)};
}

AlertEmitter::AlertEmitter(std::chrono::milliseconds update_interval,
                           const IncidentTracker* incidents, const Store* store)
    : update_interval_(update_interval), incidents_(incidents), store_(store) {}

void AlertEmitter::RestorePending(std::string_view row) {
  size_t from = 0;
  while (from < row.size()) {
    const size_t nl = std::min(row.find('\n', from), row.size());
    if (nl > from) pending_.emplace(row.substr(from, nl - from));
    from = nl + 1;
  }
}

void AlertEmitter::RestoreSequence() {
  auto outbox = store_->ListOutbox(SIZE_MAX);
  if (outbox.ok() && !outbox->empty()) {
    const std::string& last = outbox->back().first;
    for (char c : last) outbox_seq_ = (outbox_seq_ << 8) | static_cast<unsigned char>(c);
  }
  outbox_seq_ = std::max<std::uint64_t>(outbox_seq_, store_->last_batch_seq() << 20);
}

void AlertEmitter::Emit(const Alert& alert, Clock::time_point now, CommitBatch* batch) {
  std::string key;
  keys::PutBigEndian64(&key, ++outbox_seq_);
  const std::string_view guidance =
      policy_ != nullptr ? std::string_view(policy_->guidance(alert.rule)) : std::string_view();
  batch->outbox.emplace_back(std::move(key), alert.alert_id + "\n" + AlertToJson(alert, guidance));
  if (alert.aggregating) {
    emitted_[alert.alert_id] = Emitted{now, alert.status, alert.severity};
  } else {
    emitted_.erase(alert.alert_id);  // closed: no more count updates to hold back
  }
  if (pending_.erase(alert.alert_id) != 0) pending_changed_ = true;
}

bool AlertEmitter::UpdateIntervalOver(const std::string& alert_id, Clock::time_point now) const {
  const auto it = emitted_.find(alert_id);
  return it == emitted_.end() || now - it->second.at >= update_interval_;
}

bool AlertEmitter::Due(Clock::time_point now) const {
  if (pending_.empty()) return false;
  return emit_all_pending_ ||
         std::any_of(pending_.begin(), pending_.end(),
                     [&](const std::string& id) { return UpdateIntervalOver(id, now); });
}

void AlertEmitter::EmitDue(Clock::time_point now, CommitBatch* batch) {
  std::vector<std::string> due;
  for (const std::string& id : pending_) {
    if (emit_all_pending_ || UpdateIntervalOver(id, now)) due.push_back(id);
  }
  for (const std::string& id : due) {
    if (const Alert* alert = incidents_->Find(id)) {
      Emit(*alert, now, batch);
      continue;
    }
    // No longer in memory (settled, or restored as settled): its stored newest version.
    auto row = store_->Get("alerts", id);
    Result<Alert> alert = !row.ok()           ? Result<Alert>(row.status())
                          : !row->has_value() ? Result<Alert>(Status::NotFound("not stored"))
                                              : ParseAlert(**row);
    if (alert.ok()) {
      Emit(*alert, now, batch);
    } else {
      Log(LogLevel::kWarn, "pipeline", "alert waiting for the CISO topic cannot be read",
          {{"alert", id}, {"error", alert.status().message()}});
      if (pending_.erase(id) != 0) pending_changed_ = true;
    }
  }
}

size_t AlertEmitter::AddToBatch(std::span<const Alert* const> changed, Clock::time_point now,
                                CommitBatch* batch) {
  for (const Alert* alert : changed) {
    batch->alerts.push_back(AlertRowOf(*alert));
    if (!incidents_->HasNewVersion(alert->alert_id)) {
      // Only its window ended: the version the topic has, or the one waiting, is the newest.
      // Sending it again would repeat an (alert id, version) the consumer already has.
      if (pending_.count(alert->alert_id) != 0) {
        Emit(*alert, now, batch);
      } else if (!alert->aggregating) {
        emitted_.erase(alert->alert_id);  // no more count updates to hold back
      }
      continue;
    }
    const auto it = emitted_.find(alert->alert_id);
    const bool status_changed = it != emitted_.end() && (it->second.status != alert->status ||
                                                         it->second.severity != alert->severity);
    if (status_changed || !alert->aggregating || UpdateIntervalOver(alert->alert_id, now)) {
      Emit(*alert, now, batch);
    } else if (pending_.insert(alert->alert_id).second) {
      pending_changed_ = true;
    }
  }
  EmitDue(now, batch);
  if (pending_changed_) {
    std::string ids;
    for (const std::string& id : pending_) ids.append(id).push_back('\n');
    batch->state.emplace_back(std::string(kPendingStateKey), std::move(ids));
    pending_changed_ = false;
  }
  if (emitted_.size() > kMaxEmittedTracked) emitted_.clear();
  return changed.size();
}

}  // namespace inzage

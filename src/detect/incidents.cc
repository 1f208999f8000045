#include "detect/incidents.h"

#include <algorithm>

namespace inzage {

IncidentTracker::Current& IncidentTracker::CurrentOf(std::string_view actor) {
  auto it = current_.find(actor);
  if (it == current_.end()) {
    Current none;
    none.fill(-1);
    it = current_.emplace(std::string(actor), none).first;
  }
  return it->second;
}

void IncidentTracker::MarkDirty(size_t index, std::uint64_t version_before) {
  if (dirty_flag_[index]) return;
  dirty_flag_[index] = true;
  clean_version_[index] = version_before;
  dirty_.push_back(&alerts_[index]);  // a deque element: stable, also when Restore replaces it
}

void IncidentTracker::ClearDirty() {
  std::fill(dirty_flag_.begin(), dirty_flag_.end(), false);
  dirty_.clear();
}

template <typename Explain>
Alert* IncidentTracker::Record(std::string_view actor, RuleId rule, Severity severity, TimeMicros t,
                               std::string_view event_id, std::string_view municipality,
                               std::span<const Pseudonym> subjects, std::string_view revision,
                               Explain&& explain) {
  latest_time_ = std::max(latest_time_, t);
  std::int64_t& current = CurrentOf(actor)[static_cast<size_t>(rule)];
  Alert* alert = current >= 0 ? &alerts_[static_cast<size_t>(current)] : nullptr;
  if (alert != nullptr && t > alert->window_start + policy_->thresholds().incident_window) {
    alert->aggregating = false;  // the incident is over; the next hit opens a new one
    MarkDirty(static_cast<size_t>(current), alert->version);
    alert = nullptr;
  }
  if (alert == nullptr) {
    Alert fresh;
    fresh.alert_id = AlertId(actor, rule, t);
    fresh.rule = rule;
    fresh.severity = severity;
    fresh.verdict = InfoOf(rule).verdict;
    fresh.actor = std::string(actor);
    fresh.municipality = std::string(municipality);
    if (const Actor* a = actor.empty() ? nullptr : reference_->FindActor(actor)) {
      fresh.department = a->department;
    }
    fresh.window_start = fresh.first_seen = fresh.last_seen = t;
    fresh.explanation = explain();
    fresh.policy_revision = std::string(revision);
    if (auto existing = by_id_.find(fresh.alert_id); existing != by_id_.end()) {
      // The same actor, rule and start again: only after a restore that overlaps what was
      // already seen. Continue that alert rather than minting a duplicate id.
      current = static_cast<std::int64_t>(existing->second);
    } else {
      current = static_cast<std::int64_t>(alerts_.size());
      by_id_.emplace(fresh.alert_id, alerts_.size());
      alerts_.push_back(std::move(fresh));
      dirty_flag_.push_back(false);
      clean_version_.push_back(0);
    }
    alert = &alerts_[static_cast<size_t>(current)];
  }
  const std::uint64_t version_before = alert->version;
  if (partition_ >= 0) alert->partition = partition_;
  ++alert->count;
  ++alert->version;
  alert->first_seen = std::min(alert->first_seen, t);
  alert->last_seen = std::max(alert->last_seen, t);
  alert->severity = std::max(alert->severity, severity);
  if (alert->evidence.size() < Alert::kMaxEvidence && !event_id.empty()) {
    alert->evidence.emplace_back(event_id);
  }
  for (const Pseudonym& p : subjects) alert->subjects.Add(p);
  MarkDirty(static_cast<size_t>(current), version_before);
  return alert;
}

void IncidentTracker::Observe(const AccessEvent& event, const Decision& decision) {
  if (decision.verdict == Verdict::kAllow || decision.verdict == Verdict::kInvalid) return;
  for (size_t i = 0; i < decision.hit_count; ++i) {
    const RuleHit& hit = decision.hits[i];
    const Verdict v = InfoOf(hit.rule).verdict;
    if (v != Verdict::kViolation && v != Verdict::kReview) continue;
    Record(event.actor_id, hit.rule, hit.severity, event.time, event.event_id, event.municipality,
           event.subjects, decision.policy_revision,
           [&] { return ExplainHit(hit, event, *policy_, *reference_); });
  }
}

void IncidentTracker::ObserveStreamHit(RuleId rule, std::string_view source, TimeMicros t,
                                       std::string_view evidence_id, std::string_view explanation) {
  const RuleSetting& setting = policy_->rule(rule);
  if (!setting.enabled) return;
  Record(source, rule, setting.severity, t, evidence_id, "", {}, policy_->revision(),
         [&] { return std::string(explanation); });
}

const Alert& IncidentTracker::AddCitizenReport(const CitizenReport& report) {
  Alert alert = CitizenReportAlert(report, policy_->revision());
  if (auto it = by_id_.find(alert.alert_id); it != by_id_.end()) return alerts_[it->second];
  const size_t index = alerts_.size();
  by_id_.emplace(alert.alert_id, index);
  alerts_.push_back(std::move(alert));
  dirty_flag_.push_back(false);
  clean_version_.push_back(0);
  MarkDirty(index, 0);
  return alerts_[index];
}

Status IncidentTracker::Transition(std::string_view alert_id, AlertStatus to, std::string_view by,
                                   TimeMicros at, std::string_view why) {
  auto it = by_id_.find(alert_id);
  if (it == by_id_.end()) {
    return Status::NotFound("no alert with id " + std::string(alert_id));
  }
  const std::uint64_t version_before = alerts_[it->second].version;
  Status st = TransitionAlert(&alerts_[it->second], to, by, at, why);
  if (st.ok()) MarkDirty(it->second, version_before);
  return st;
}

const Alert* IncidentTracker::Find(std::string_view alert_id) const {
  auto it = by_id_.find(alert_id);
  return it == by_id_.end() ? nullptr : &alerts_[it->second];
}

Status IncidentTracker::Restore(Alert alert) {
  if (alert.alert_id.empty() || alert.rule == RuleId::kCount) {
    return Status::InvalidArgument("restored alert has no id or rule");
  }
  size_t index;
  if (auto it = by_id_.find(alert.alert_id); it != by_id_.end()) {
    index = it->second;
    alerts_[index] = std::move(alert);
  } else {
    index = alerts_.size();
    by_id_.emplace(alert.alert_id, index);
    alerts_.push_back(std::move(alert));
    dirty_flag_.push_back(false);
    clean_version_.push_back(0);
  }
  const Alert& a = alerts_[index];
  if (a.aggregating) {
    std::int64_t& current = CurrentOf(a.actor)[static_cast<size_t>(a.rule)];
    // Of two aggregating incidents of one (actor, rule) the later one is current.
    if (current < 0 || alerts_[static_cast<size_t>(current)].window_start <= a.window_start) {
      current = static_cast<std::int64_t>(index);
    }
  }
  return Status::Ok();
}

size_t IncidentTracker::EvictSettled() {
  if (!dirty_.empty()) return 0;  // dirty_ points into alerts_: not now
  if (std::all_of(alerts_.begin(), alerts_.end(), [](const Alert& a) { return a.aggregating; })) {
    aggregating_ = alerts_.size();
    return 0;  // nothing to drop: no rebuild (this runs after every batch)
  }
  std::vector<std::int64_t> moved_to(alerts_.size(), -1);
  std::deque<Alert> kept;
  StringMap<size_t> by_id;
  for (size_t i = 0; i < alerts_.size(); ++i) {
    if (!alerts_[i].aggregating) continue;
    moved_to[i] = static_cast<std::int64_t>(kept.size());
    by_id.emplace(alerts_[i].alert_id, kept.size());
    kept.push_back(std::move(alerts_[i]));
  }
  const size_t dropped = alerts_.size() - kept.size();
  for (auto it = current_.begin(); it != current_.end();) {
    bool any = false;
    for (std::int64_t& c : it->second) {
      if (c >= 0) c = moved_to[static_cast<size_t>(c)];
      any = any || c >= 0;
    }
    it = any ? std::next(it) : current_.erase(it);
  }
  alerts_ = std::move(kept);
  by_id_ = std::move(by_id);
  dirty_flag_.assign(alerts_.size(), false);
  clean_version_.assign(alerts_.size(), 0);
  aggregating_ = alerts_.size();
  return dropped;
}

std::vector<const Alert*> IncidentTracker::AggregatingOf(std::int32_t partition) const {
  std::vector<const Alert*> out;
  for (const Alert& a : alerts_) {
    if (a.aggregating && a.partition == partition) out.push_back(&a);
  }
  return out;
}

bool IncidentTracker::HasNewVersion(std::string_view alert_id) const {
  const auto it = by_id_.find(alert_id);
  if (it == by_id_.end() || !dirty_flag_[it->second]) return true;
  return alerts_[it->second].version != clean_version_[it->second];
}

void IncidentTracker::EndIncident(size_t index) {
  Alert& a = alerts_[index];
  a.aggregating = false;
  MarkDirty(index, a.version);
  if (auto it = current_.find(a.actor); it != current_.end()) {
    std::int64_t& slot = it->second[static_cast<size_t>(a.rule)];
    if (slot == static_cast<std::int64_t>(index)) slot = -1;
  }
}

size_t IncidentTracker::Settle(std::optional<TimeMicros> watermark) {
  const TimeMicros now = watermark.value_or(latest_time_);
  const Thresholds& th = policy_->thresholds();
  // A hit up to the allowed lateness behind the watermark may still join its incident.
  const TimeMicros ended_before =
      now == INT64_MIN ? INT64_MIN : now - th.allowed_lateness - th.incident_window;
  size_t ended = 0;
  std::vector<size_t> open;
  for (size_t i = 0; i < alerts_.size(); ++i) {
    if (!alerts_[i].aggregating) continue;
    if (alerts_[i].window_start < ended_before) {
      EndIncident(i);
      ++ended;
    } else {
      open.push_back(i);
    }
  }
  if (max_aggregating_ > 0 && open.size() > max_aggregating_) {
    // Past the cap: the incidents that started first end first (their next hit opens a new
    // incident). Down to 90 % of the cap, so that the cost of this is not paid at every batch.
    const size_t keep = max_aggregating_ - max_aggregating_ / 10;
    const size_t end = open.size() - keep;
    std::nth_element(
        open.begin(), open.begin() + static_cast<std::ptrdiff_t>(end), open.end(),
        [this](size_t a, size_t b) { return alerts_[a].window_start < alerts_[b].window_start; });
    for (size_t k = 0; k < end; ++k) EndIncident(open[k]);
    ended += end;
    closed_early_ += end;
    open.resize(0);
    aggregating_ = keep;
  } else {
    aggregating_ = open.size();
  }
  // Actors left with no current incident leave memory too.
  for (auto it = current_.begin(); it != current_.end();) {
    const bool any =
        std::any_of(it->second.begin(), it->second.end(), [](std::int64_t c) { return c >= 0; });
    it = any ? std::next(it) : current_.erase(it);
  }
  return ended;
}

}  // namespace inzage

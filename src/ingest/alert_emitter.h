// AlertEmitter: which versions of an alert go to the CISO topic, and when. Every version is
// stored (the alerts column family); the outbox, and through the relay the topic, gets a new
// alert, a status or severity change and a closed incident at once, but an open incident's
// growing count (last seen, evidence) at most every pipeline.alert_update_interval_ms
// (docs/contracts.md, alert). An incident that only stopped aggregating (its window ended,
// no new version) is stored, and goes to the topic only when its newest version was still
// waiting: otherwise the topic already has that version, and a crash-free run carries each
// (alert id, version) once. The ids whose newest version waits are a state row committed with
// the batches, so a restart sends them (at least once); the last batch before stopping sends
// every waiting version.
//
// Rows: outbox key = big-endian sequence number (increasing, so the relay sends versions in
// order), value "<alert id>\n<alert JSON>"; state row "alerts/pending" = the waiting ids, one
// per line.
//
// Ownership: owned by the pipeline; reads the pipeline's incident tracker (the newest version
// of an alert in memory) and the store (of one no longer in memory).
// Thread safety: consume thread only.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>

#include "detect/alert.h"
#include "detect/incidents.h"
#include "store/store.h"

namespace inzage {

// The alert's row for a commit: its record and what the store's alert index needs of it
// (store/alert_index.h).
AlertRow AlertRowOf(const Alert& alert);
AlertIndexFields AlertIndexFieldsOf(const Alert& alert);

class AlertEmitter {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::string_view kPendingStateKey = "alerts/pending";

  AlertEmitter(std::chrono::milliseconds update_interval, const IncidentTracker* incidents,
               const Store* store);
  AlertEmitter(const AlertEmitter&) = delete;
  AlertEmitter& operator=(const AlertEmitter&) = delete;

  // Start-up: the waiting ids as stored, and the outbox's sequence number, which goes on after
  // the last row left in the outbox and after every batch already committed.
  void RestorePending(std::string_view row);
  void RestoreSequence();

  // Stores every changed version (the incident tracker's dirty alerts) in the batch and writes
  // the outbox rows that are due now, with the pending row when it changed. Returns the number
  // of versions stored.
  size_t AddToBatch(std::span<const Alert* const> changed, Clock::time_point now,
                    CommitBatch* batch);
  // True when a waiting version is due: then an idle stream cuts a batch for it too.
  [[nodiscard]] bool Due(Clock::time_point now) const;
  // From now on every waiting version is due (the last batch before stopping).
  void EmitAllPending() { emit_all_pending_ = true; }
  // The policy whose guidance the CISO topic's alerts carry (set again on a swap).
  void set_policy(const Policy* policy) { policy_ = policy; }

 private:
  const Policy* policy_ = nullptr;
  struct Emitted {
    Clock::time_point at;
    AlertStatus status;
    Severity severity;
  };
  // Bounds the memory of what was sent when; forgetting costs only an early update.
  static constexpr size_t kMaxEmittedTracked = 100'000;

  // True when the alert was not sent yet or its last version went an interval ago.
  [[nodiscard]] bool UpdateIntervalOver(const std::string& alert_id, Clock::time_point now) const;
  // Writes the alert's current version as an outbox row.
  void Emit(const Alert& alert, Clock::time_point now, CommitBatch* batch);
  // Outbox rows for the waiting versions whose interval is over (all when emit_all_pending_).
  void EmitDue(Clock::time_point now, CommitBatch* batch);

  const std::chrono::milliseconds update_interval_;
  const IncidentTracker* const incidents_;
  const Store* const store_;
  std::unordered_map<std::string, Emitted> emitted_;
  std::set<std::string> pending_;
  bool pending_changed_ = false;  // since the pending row was last written
  bool emit_all_pending_ = false;
  std::uint64_t outbox_seq_ = 0;
};

}  // namespace inzage

// Local requests: what the daemon itself asks of the pipeline, besides the Kafka input. The
// HTTP API records each read of the audit store as an access event, changes alert statuses and
// files citizens' reports (detect/citizen_report.h); SIGHUP swaps the policy. Each request queues
// here for the consume thread, which owns the decider and the incident tracker; it goes into the
// batch being built and is answered once that batch is committed: a caller hears back only when its
// access is recorded (docs/architecture.md, HTTP API).
//
// Ownership: LocalRequests owns the queued requests until the consume thread takes them; the
// caller owns the future of its answer and may share a LocalTicket to give up early.
// Thread safety: Submit* from any thread. MayHaveRequests, TakeAll, Close and set_wake_queue
// from the consume thread (set_wake_queue also before it runs).
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <deque>
#include <future>
#include <memory>
#include <optional>
#include <string>

#include "common/mutex.h"
#include "common/status.h"
#include "detect/alert.h"
#include "detect/citizen_report.h"
#include "detect/incidents.h"
#include "event/owned_event.h"
#include "kafka/kafka.h"
#include "policy/policy.h"
#include "store/store.h"

namespace inzage {

// Lets the caller of a local request give up while the consume thread has not taken it yet:
// Cancel() succeeds only then. Once taken, the request is decided and committed (or fails
// with the pipeline), and the caller must wait for that answer: a timed-out caller never
// reports "not done" for something that is done later.
class LocalTicket {
 public:
  bool Cancel() {
    int queued = kQueued;
    return state_.compare_exchange_strong(queued, kCancelled);
  }
  bool Take() {
    int queued = kQueued;
    return state_.compare_exchange_strong(queued, kTaken);
  }

 private:
  static constexpr int kQueued = 0, kTaken = 1, kCancelled = 2;
  std::atomic<int> state_{kQueued};
};

// Waits for the answer to a local request. After `timeout` the caller gives up only if the
// pipeline has not taken the request yet (nullopt); a taken request is being committed, and its
// real outcome is the answer.
template <typename T>
std::optional<T> AwaitLocal(std::future<T>& done, LocalTicket& ticket,
                            std::chrono::milliseconds timeout) {
  if (done.wait_for(timeout) != std::future_status::ready && ticket.Cancel()) return std::nullopt;
  return done.get();
}

// One request: an access to record, an alert status change, a citizen's report, or a policy
// swap.
struct LocalRequest {
  std::optional<OwnedAccessEvent> access;
  std::optional<CitizenReport> report;  // answered through alert_done with the new alert
  std::string alert_id;
  AlertStatus to = AlertStatus::kOpen;
  std::string by;
  std::string why;
  std::shared_ptr<const Policy> policy;  // a policy swap
  std::shared_ptr<LocalTicket> ticket;   // may be null: the caller waits for the answer
  std::promise<Status> access_done;      // also the answer to a policy swap
  std::promise<Result<Alert>> alert_done;
  // Answers the request with an error, whichever kind it is.
  void Fail(const Status& error) {
    if (access || policy) {
      access_done.set_value(error);
    } else {
      alert_done.set_value(error);
    }
  }
};

class LocalRequests {
 public:
  // Beyond this many waiting, accesses, alert changes and reports are refused (the API answers
  // Unavailable); a policy swap is never refused.
  static constexpr size_t kMaxQueued = 4096;

  LocalRequests() = default;
  LocalRequests(const LocalRequests&) = delete;
  LocalRequests& operator=(const LocalRequests&) = delete;

  // The answer is set once the batch that holds the access is committed (or with the reason it
  // could not be).
  [[nodiscard]] std::future<Status> SubmitAccess(OwnedAccessEvent event,
                                                 std::shared_ptr<LocalTicket> ticket) EXCLUDES(mu_);
  [[nodiscard]] std::future<Result<Alert>> SubmitAlertTransition(
      std::string alert_id, AlertStatus to, std::string by, std::string why,
      std::shared_ptr<LocalTicket> ticket) EXCLUDES(mu_);
  // The answer is the report's alert once the batch that stores it is committed.
  [[nodiscard]] std::future<Result<Alert>> SubmitCitizenReport(CitizenReport report,
                                                               std::shared_ptr<LocalTicket> ticket)
      EXCLUDES(mu_);
  [[nodiscard]] std::future<Status> SubmitPolicy(std::shared_ptr<const Policy> policy,
                                                 std::shared_ptr<LocalTicket> ticket) EXCLUDES(mu_);

  // Whether something may have been queued since the last TakeAll. The consume loop asks on
  // every turn: no lock.
  [[nodiscard]] bool MayHaveRequests() const { return pending_.load(std::memory_order_acquire); }
  // Moves every queued request to *out (empty before), in arrival order.
  void TakeAll(std::deque<LocalRequest>* out) EXCLUDES(mu_);
  // From now on requests are answered at once with "the pipeline is stopping", and the
  // consumer's queue is no longer woken. Those queued before stay for TakeAll.
  void Close() EXCLUDES(mu_);
  // The consumer's queue: a new request yields it so that a waiting poll returns at once. Reset
  // (nullptr) before the consumer it belongs to is closed.
  void set_wake_queue(kafka::Queue queue) EXCLUDES(mu_);

 private:
  // Queues a request and wakes the consume thread; answers it at once when closed or (bounded)
  // too many wait.
  void Enqueue(LocalRequest request, bool bounded) EXCLUDES(mu_);

  Mutex mu_;
  std::deque<LocalRequest> queue_ GUARDED_BY(mu_);
  bool closed_ GUARDED_BY(mu_) = false;
  kafka::Queue wake_queue_ GUARDED_BY(mu_);
  std::atomic<bool> pending_{false};  // set with each request, cleared by TakeAll
};

// Applies an alert status change through the incident tracker; a settled alert, kept in the
// store only, is brought back first. Consume thread.
[[nodiscard]] Status ChangeAlertStatus(const LocalRequest& request, IncidentTracker* incidents,
                                       const Store& store);

}  // namespace inzage

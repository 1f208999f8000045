#include "ingest/local_requests.h"

#include <utility>

namespace inzage {

void LocalRequests::Enqueue(LocalRequest request, bool bounded) {
  MutexLock lock(&mu_);
  if (closed_) return request.Fail(Status::IoError("the pipeline is stopping"));
  if (bounded && queue_.size() >= kMaxQueued) {
    return request.Fail(Status::IoError("too many requests waiting for the pipeline"));
  }
  queue_.push_back(std::move(request));
  pending_.store(true, std::memory_order_release);
  // Wake the consume loop out of its poll: the request is answered after a commit.
  if (wake_queue_) rd_kafka_queue_yield(wake_queue_.get());
}

std::future<Status> LocalRequests::SubmitAccess(OwnedAccessEvent event,
                                                std::shared_ptr<LocalTicket> ticket) {
  LocalRequest request;
  request.ticket = std::move(ticket);
  request.access.emplace(std::move(event));
  std::future<Status> done = request.access_done.get_future();
  Enqueue(std::move(request), /*bounded=*/true);
  return done;
}

std::future<Result<Alert>> LocalRequests::SubmitAlertTransition(
    std::string alert_id, AlertStatus to, std::string by, std::string why,
    std::shared_ptr<LocalTicket> ticket) {
  LocalRequest request;
  request.ticket = std::move(ticket);
  request.alert_id = std::move(alert_id);
  request.to = to;
  request.by = std::move(by);
  request.why = std::move(why);
  std::future<Result<Alert>> done = request.alert_done.get_future();
  Enqueue(std::move(request), /*bounded=*/true);
  return done;
}

std::future<Result<Alert>> LocalRequests::SubmitCitizenReport(CitizenReport report,
                                                              std::shared_ptr<LocalTicket> ticket) {
  LocalRequest request;
  request.ticket = std::move(ticket);
  request.report.emplace(std::move(report));
  std::future<Result<Alert>> done = request.alert_done.get_future();
  Enqueue(std::move(request), /*bounded=*/true);
  return done;
}

std::future<Status> LocalRequests::SubmitPolicy(std::shared_ptr<const Policy> policy,
                                                std::shared_ptr<LocalTicket> ticket) {
  LocalRequest request;
  request.ticket = std::move(ticket);
  request.policy = std::move(policy);
  std::future<Status> done = request.access_done.get_future();
  Enqueue(std::move(request), /*bounded=*/false);  // an operator's reload is never refused
  return done;
}

void LocalRequests::TakeAll(std::deque<LocalRequest>* out) {
  MutexLock lock(&mu_);
  out->swap(queue_);
  pending_.store(false, std::memory_order_relaxed);
}

void LocalRequests::Close() {
  MutexLock lock(&mu_);
  closed_ = true;
  // During rd_kafka_consumer_close a yield would cut short its wait for the revoke (and so the
  // synchronous offset commit).
  wake_queue_.reset();
}

void LocalRequests::set_wake_queue(kafka::Queue queue) {
  MutexLock lock(&mu_);
  wake_queue_ = std::move(queue);
}

Status ChangeAlertStatus(const LocalRequest& request, IncidentTracker* incidents,
                         const Store& store) {
  const TimeMicros now = WallNow();
  const auto transition = [&] {
    return incidents->Transition(request.alert_id, request.to, request.by, now, request.why);
  };
  Status st = transition();
  if (st.code() != Status::Code::kNotFound) return st;
  // A settled alert lives in the store only: bring it back, then change it.
  auto row = store.Get("alerts", request.alert_id);
  if (!row.ok() || !row->has_value()) return st;
  auto alert = ParseAlert(**row);
  if (!alert.ok() || !incidents->Restore(std::move(alert).value()).ok()) return st;
  return transition();
}

}  // namespace inzage

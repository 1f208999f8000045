// The consume thread's side of local requests (local_requests.h holds their queue): API reads
// decided into the batch and answered from the access journal, alert status changes and citizens'
// reports answered once their batch is committed, and policy swaps between batches. Split from
// event_pipeline.cc, which keeps the consume loop that calls DrainLocalRequests every turn.
#include <deque>
#include <memory>

#include "common/log.h"
#include "ingest/event_pipeline.h"

namespace inzage {

void EventPipeline::DrainLocalRequests(bool defer_policy_swaps) {
  // Every turn of the consume loop comes here: no lock and no allocation unless something was
  // queued (or a policy swap was put off while a batch was handed to the writer).
  const bool deferred = !defer_policy_swaps && !deferred_policy_swaps_.empty();
  if (!deferred && !local_.MayHaveRequests()) return;
  std::deque<LocalRequest> requests;
  local_.TakeAll(&requests);  // swaps: `requests` must be empty
  if (deferred) {             // they came first
    for (LocalRequest& r : requests) deferred_policy_swaps_.push_back(std::move(r));
    requests.swap(deferred_policy_swaps_);
    deferred_policy_swaps_.clear();
  }
  if (requests.empty()) return;
  if (batch_waiters_.empty()) waiters_since_ = Clock::now();
  for (LocalRequest& r : requests) {
    if (r.policy && defer_policy_swaps) {  // not taken yet: its caller may still give up
      deferred_policy_swaps_.push_back(std::move(r));
      continue;
    }
    if (r.ticket && !r.ticket->Take()) {  // the caller gave up: not applied, nobody waits
      r.Fail(Status::IoError("cancelled by the caller"));
      continue;
    }
    if (r.policy) {
      r.access_done.set_value(SwapPolicy(std::move(r.policy)));
      continue;
    }
    AddLocalRequest(r);
  }
}

void EventPipeline::AddLocalRequest(LocalRequest& r) {
  if (r.access) {
    invalid_rate_.SelectNoSource();  // an API read is no message of any partition
    detector_->set_partition(-1);
    incidents_->set_partition(-1);
    DecideIntoBatch(r.access->view());
    ++stats_.local_events;
    if (journal_ != nullptr) {
      // Durable in the journal: answered now, not after the batch (up to 20,000 events under
      // load) and the one ahead of it are written. The record is the batch's, as decided.
      Result<std::string> key = journal_->Put(batch_.events.back());
      if (key.ok()) {
        journal_keys_.push_back(std::move(key).value());
        r.access_done.set_value(Status::Ok());
        return;
      }
      Log(LogLevel::kWarn, "pipeline", "access journal write failed: answered after the commit",
          {{"error", key.status().message()}});
    }
    // The event's strings are copied into the stored record; the promise waits for commit.
    auto done = std::make_shared<std::promise<Status>>(std::move(r.access_done));
    batch_waiters_.emplace_back([done](const Status& st) { done->set_value(st); });
    return;
  }
  if (r.report) {
    // Stored and relayed with this batch's alerts (AddStateAndAlerts), like a fired rule's.
    const Alert& filed = incidents_->AddCitizenReport(*r.report);
    ++rule_fires_batch_[static_cast<size_t>(RuleId::kCitizenReported)];
    auto done = std::make_shared<std::promise<Result<Alert>>>(std::move(r.alert_done));
    batch_waiters_.emplace_back([done, alert = filed](const Status& commit) {
      if (commit.ok()) {
        done->set_value(alert);
      } else {
        done->set_value(commit);
      }
    });
    return;
  }
  Status st = ChangeAlertStatus(r, incidents_.get(), *store_);
  if (!st.ok()) return r.alert_done.set_value(std::move(st));
  auto done = std::make_shared<std::promise<Result<Alert>>>(std::move(r.alert_done));
  batch_waiters_.emplace_back([done, alert = *incidents_->Find(r.alert_id)](const Status& commit) {
    if (commit.ok()) {
      done->set_value(alert);
    } else {
      done->set_value(commit);
    }
  });
}

Status EventPipeline::SwapPolicy(std::shared_ptr<const Policy> policy) {
  // Decisions made so far go to the store under the revision they were made with.
  if (Status st = CommitBatch(); !st.ok()) return st;
  retired_policy_ = std::move(policy_);
  policy_ = std::move(policy);
  {
    MutexLock lock(&policy_mu_);
    published_policy_ = policy_;
  }
  reference_.Resolve(*policy_);
  reference_.ResolveOnApply(policy_.get());
  decider_ = std::make_unique<Decider>(policy_.get(), &reference_);
  detector_->SetPolicy(policy_.get());
  incidents_->SetPolicy(policy_.get());
  alerts_.set_policy(policy_.get());
  store_->SetRetention(RetentionTable::FromPolicy(*policy_));
  Log(LogLevel::kInfo, "pipeline", "policy swapped", {{"policy_revision", policy_->revision()}});
  return Status::Ok();
}

void EventPipeline::FailLocalRequests(const Status& why) {
  local_.Close();
  std::deque<LocalRequest> requests;
  local_.TakeAll(&requests);
  for (LocalRequest& r : requests) r.Fail(why);
  for (CommitWaiter& w : batch_waiters_) w(why);
  batch_waiters_.clear();
}

}  // namespace inzage

// PipelineBackend: the HTTP API's view of the running daemon. Reads of the audit store (each
// recorded as an access event), alert status changes and citizens' reports go through the
// pipeline, which owns the decider and the incidents, and are answered once committed; a caller
// that waited kTimeout gives up only if the pipeline has not taken its request yet
// (local_requests.h).
//
// Ownership: borrows the pipeline, which must outlive it.
// Thread safety: any thread (the API's worker threads).
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "api/api_server.h"
#include "ingest/event_pipeline.h"

namespace inzage::app {

class PipelineBackend final : public api::ApiBackend {
 public:
  static constexpr auto kTimeout = std::chrono::seconds(10);

  explicit PipelineBackend(EventPipeline* pipeline) : pipeline_(pipeline) {}

  Status RecordAccess(OwnedAccessEvent event) override;
  Result<Alert> TransitionAlert(std::string alert_id, AlertStatus to, std::string by,
                                std::string why) override;
  Result<Alert> ReportAccess(CitizenReport report) override;
  bool Ready(std::string* reason) const override;
  std::shared_ptr<const Policy> policy() const override { return pipeline_->policy(); }
  std::map<std::int32_t, std::int64_t> ConsumerLag() const override {
    return pipeline_->consumer_lag();
  }

 private:
  EventPipeline* const pipeline_;
};

}  // namespace inzage::app

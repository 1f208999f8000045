#include "app/pipeline_backend.h"

#include <utility>

namespace inzage::app {

Status PipelineBackend::RecordAccess(OwnedAccessEvent event) {
  auto ticket = std::make_shared<LocalTicket>();
  auto done = pipeline_->SubmitAccess(std::move(event), ticket);
  auto answer = AwaitLocal(done, *ticket, kTimeout);
  return answer ? *answer : Status::IoError("the pipeline did not take the access in time");
}

Result<Alert> PipelineBackend::TransitionAlert(std::string alert_id, AlertStatus to, std::string by,
                                               std::string why) {
  auto ticket = std::make_shared<LocalTicket>();
  auto done = pipeline_->SubmitAlertTransition(std::move(alert_id), to, std::move(by),
                                               std::move(why), ticket);
  auto answer = AwaitLocal(done, *ticket, kTimeout);
  if (!answer) return Status::IoError("the pipeline did not take the change in time");
  return std::move(*answer);
}

Result<Alert> PipelineBackend::ReportAccess(CitizenReport report) {
  auto ticket = std::make_shared<LocalTicket>();
  auto done = pipeline_->SubmitCitizenReport(std::move(report), ticket);
  auto answer = AwaitLocal(done, *ticket, kTimeout);
  if (!answer) return Status::IoError("the pipeline did not take the report in time");
  return std::move(*answer);
}

bool PipelineBackend::Ready(std::string* reason) const {
  if (pipeline_->ready()) return true;
  *reason = "reading the reference topic";
  return false;
}

}  // namespace inzage::app

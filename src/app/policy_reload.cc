#include "app/policy_reload.h"

#include <chrono>
#include <filesystem>
#include <utility>

#include "app/signals.h"
#include "common/log.h"
#include "policy/policy_loader.h"
#include "policy/policy_tests.h"

namespace inzage::app {

void ReloadPolicy(const std::string& policy_dir, EventPipeline& pipeline, DaemonMetrics& metrics) {
  const std::string old_revision = pipeline.policy()->revision();
  auto fail = [&](const std::string& why) {
    metrics.CountPolicyReload(false);
    Log(LogLevel::kError, "reload", "policy not reloaded, the running policy stays",
        {{"error", why}, {"policy_revision", old_revision}});
  };
  auto policy = LoadPolicy(policy_dir);
  if (!policy.ok()) return fail(policy.status().message());
  const std::string tests = policy_dir + "/tests";
  if (std::filesystem::is_directory(tests)) {
    auto report = RunPolicyTests(**policy, tests);
    if (!report.ok()) return fail("policy tests: " + report.status().message());
    if (report->failed > 0) {
      return fail(std::to_string(report->failed) +
                  " policy test(s) failed, first: " + report->failures.front());
    }
    Log(LogLevel::kInfo, "reload", "policy tests passed", {{"passed", report->passed}});
  }
  const std::string revision = (*policy)->revision();
  auto ticket = std::make_shared<LocalTicket>();
  auto swapped = pipeline.SubmitPolicy(*policy, ticket);
  auto answer = AwaitLocal(swapped, *ticket, std::chrono::seconds(60));
  if (!answer) return fail("the pipeline did not take the new policy within 60 s");
  if (!answer->ok()) return fail(answer->message());
  metrics.SetPolicyRevision(revision);
  metrics.CountPolicyReload(true);
  Log(LogLevel::kInfo, "reload", "policy reloaded",
      {{"old_revision", old_revision}, {"policy_revision", revision}});
}

std::unique_ptr<PeriodicThread> StartPolicyReloader(std::string policy_dir,
                                                    const ServiceNotifier* notifier,
                                                    EventPipeline* pipeline,
                                                    DaemonMetrics* metrics) {
  auto check = [=, dir = std::move(policy_dir)] {
    if (!TakeReloadRequest()) return;
    notifier->Reloading();
    ReloadPolicy(dir, *pipeline, *metrics);
    notifier->Ready("deciding; policy revision " + pipeline->policy()->revision());
  };
  return std::make_unique<PeriodicThread>("inzage-reload", std::chrono::milliseconds(200),
                                          std::move(check));
}

}  // namespace inzage::app

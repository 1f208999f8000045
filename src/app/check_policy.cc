#include <cstdio>

#include "app/commands.h"
#include "policy/policy_loader.h"
#include "policy/policy_tests.h"

namespace inzage::app {

int CheckPolicy(const CheckPolicyOptions& o) {
  auto policy = LoadPolicy(o.policy_dir);
  if (!policy.ok()) {
    std::fprintf(stderr, "inzage check-policy: %s\n", policy.status().message().c_str());
    return 1;
  }
  const Policy& p = **policy;
  std::printf(
      "policy %s: valid (revision %s): %zu municipalities, %zu domains, %zu roles, "
      "%zu processing activities\n",
      o.policy_dir.c_str(), p.revision().c_str(), p.municipalities().size(), p.domains().size(),
      p.roles().size(), p.activities().size());
  if (o.tests_dir.empty()) return 0;
  auto report = RunPolicyTests(p, o.tests_dir);
  if (!report.ok()) {
    std::fprintf(stderr, "inzage check-policy: %s\n", report.status().message().c_str());
    return 1;
  }
  if (o.verbose) {
    for (const auto& pass : report->passes) std::printf("PASS %s\n", pass.c_str());
  }
  for (const auto& failure : report->failures) std::printf("FAIL %s\n", failure.c_str());
  std::printf("policy tests: %d passed, %d failed\n", report->passed, report->failed);
  return report->failed == 0 ? 0 : 1;
}

}  // namespace inzage::app

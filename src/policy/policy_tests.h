// Policy test cases (config/policy/tests/*.yaml), run by `inzage check-policy --tests` and on
// every reload: each case is reference records, an event (merged over the file's defaults) and
// the expected verdict and exact set of fired rule ids, like `opa test`.
//
// File format: see config/policy/tests/README.md.
// Thread safety: stateless functions.
#pragma once

#include <string>
#include <vector>

#include "common/pseudonym.h"
#include "common/status.h"
#include "policy/policy.h"

namespace inzage {

struct PolicyTestReport {
  int passed = 0;
  int failed = 0;
  std::vector<std::string> failures;  // "file: case name: expected ..., got ..."
  std::vector<std::string> passes;    // "file: case name"
};

Result<PolicyTestReport> RunPolicyTests(const Policy& policy, const std::string& tests_dir);

}  // namespace inzage

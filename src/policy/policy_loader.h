// Loads config/policy/*.yaml into a compiled Policy.
//
// Every *.yaml file directly in the directory is read (tests/ is not); each top-level key
// (organisation, municipalities, thresholds, rules, domains, roles, activities) may appear in
// one file only. The loader checks the shape that schemas/policy.schema.json describes (unknown
// keys are errors) and cross-checks ids: a role naming an unknown domain, an activity naming an
// unknown role, an override of an unknown rule are errors. It reports every error it finds, each
// as "file:line: path: what is wrong", not just the first.
//
// policy_revision: the first 16 hex digits of SHA-256 over the files' names and bytes, so two
// deployments with identical files decide identically and say so.
//
// Thread safety: stateless functions.
#pragma once

#include <memory>
#include <string>

#include "common/status.h"
#include "policy/policy.h"

namespace inzage {

Result<std::shared_ptr<const Policy>> LoadPolicy(const std::string& directory);

}  // namespace inzage

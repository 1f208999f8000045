#include "policy/rule_catalogue.h"

namespace inzage {

std::optional<RuleId> RuleIdFromName(std::string_view name) {
  for (size_t i = 0; i < kRuleCount; ++i) {
    if (kRuleCatalogue[i].id == name) return static_cast<RuleId>(i);
  }
  return std::nullopt;
}

std::optional<Severity> SeverityFromName(std::string_view name) {
  for (size_t i = 1; i < kSeverityNames.size(); ++i) {
    if (kSeverityNames[i] == name) return static_cast<Severity>(i);
  }
  return std::nullopt;
}

}  // namespace inzage

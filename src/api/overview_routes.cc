// The console's overview (GET /v1/overview?hours=48): decisions per hour by verdict, the rules
// that fired most, violations by department, the invalid-input share, consumer lag and the
// policy in force. Read from the hourly rows the pipeline keeps (detect/hourly_stats.h), by
// key: a page load never scans the store. Aggregates name no person, so reading them is not
// recorded as an access.
#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "api/api_context.h"
#include "common/json_writer.h"
#include "detect/hourly_stats.h"

namespace inzage::api {
namespace {

constexpr size_t kTopRules = 10;

HttpResponse Overview(ApiContext* c, const HttpRequest& req) {
  ApiError error{};
  if (!c->auth.Identify(req, {TokenRole::kPrivacyOfficer, TokenRole::kCiso}, &error)) {
    return ErrorResponse(error);
  }
  int hours = 48;
  if (auto h = req.Query("hours")) {
    hours = 0;
    for (char ch : *h) {
      if (ch < '0' || ch > '9' || hours > 1000) {
        return ErrorResponse(ErrorCode::kBadRequest, "hours must be an integer from 1 to 168");
      }
      hours = hours * 10 + (ch - '0');
    }
    if (hours < 1 || hours > 168) {
      return ErrorResponse(ErrorCode::kBadRequest, "hours must be an integer from 1 to 168");
    }
  }
  const std::int64_t last = HourlyStats::HourOf(WallNow());
  std::array<std::uint64_t, kRuleCount> rules{};
  std::map<std::string, std::uint64_t> departments;
  std::uint64_t messages = 0, invalid = 0;
  HttpResponse res;
  JsonWriter w(&res.body);
  w.BeginObject().Key("hours").BeginArray();
  for (std::int64_t hour = last - hours + 1; hour <= last; ++hour) {
    HourCounts counts;
    auto row = c->store->Get("state", HourlyStats::KeyOf(hour));
    if (!row.ok()) return ErrorResponse(StoreReadError(row.status()));
    if (*row) (void)HourCounts::Decode(**row, &counts);
    w.BeginObject()
        .Member("hour", FormatRfc3339(hour * 3600 * kMicrosPerSecond))
        .Member("allow", counts.allow)
        .Member("review", counts.review)
        .Member("violation", counts.violation)
        .Member("invalid", counts.invalid)
        .EndObject();
    for (size_t i = 0; i < kRuleCount; ++i) rules[i] += counts.rules[i];
    for (const auto& [department, n] : counts.violations_by_department) {
      departments[department] += n;
    }
    messages += counts.allow + counts.review + counts.violation + counts.invalid;
    invalid += counts.invalid;
  }
  w.EndArray().Key("top_rules").BeginArray();
  std::vector<std::pair<std::uint64_t, size_t>> ranked;
  for (size_t i = 0; i < kRuleCount; ++i) {
    if (rules[i] != 0) ranked.emplace_back(rules[i], i);
  }
  std::sort(ranked.begin(), ranked.end(), std::greater<>());
  for (size_t i = 0; i < ranked.size() && i < kTopRules; ++i) {
    w.BeginObject()
        .Member("rule", InfoOf(static_cast<RuleId>(ranked[i].second)).id)
        .Member("count", ranked[i].first)
        .EndObject();
  }
  w.EndArray().Key("violations_by_department").BeginArray();
  std::vector<std::pair<std::uint64_t, std::string>> by_department;
  by_department.reserve(departments.size());
  for (auto& [d, n] : departments) by_department.emplace_back(n, d.empty() ? "(onbekend)" : d);
  std::sort(by_department.begin(), by_department.end(), std::greater<>());
  for (const auto& [n, d] : by_department) {
    w.BeginObject().Member("department", d).Member("count", n).EndObject();
  }
  const auto policy = c->backend->policy();
  w.EndArray()
      .Key("invalid")
      .BeginObject()
      .Member("messages", messages)
      .Member("invalid", invalid)
      .Member("window", "PT" + std::to_string(hours) + "H")
      .EndObject();
  w.Key("consumer_lag").BeginArray();
  for (const auto& [partition, lag] : c->backend->ConsumerLag()) {
    w.BeginObject()
        .Member("partition", static_cast<std::int64_t>(partition))
        .Member("lag", static_cast<std::int64_t>(lag))
        .EndObject();
  }
  w.EndArray().Member("policy_revision", policy->revision()).EndObject();
  return res;
}

}  // namespace

void AddOverviewRoutes(Router* router, ApiContext* c) {
  router->Add(HttpMethod::kGet, "/v1/overview",
              [c](const HttpRequest& req) { return Overview(c, req); });
}

}  // namespace inzage::api

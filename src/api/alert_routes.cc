// The CISO's queue: the alerts (GET /v1/alerts), one alert (GET /v1/alerts/{id}) and a decision
// on it (POST /v1/alerts/{id}/status, CISO only, with a reason). Alerts carry the policy's
// guidance for their rule. Reading the queue is recorded like any read of the audit store.
#include <optional>
#include <string>

#include "api/api_context.h"
#include "api/auth.h"
#include "api/request_parsing.h"
#include "common/json_writer.h"
#include "common/log.h"

namespace inzage::api {
namespace {

// Alert ids are 32 lower-case hex digits in four groups of eight (detect/alert.h).
bool ValidAlertId(std::string_view id) {
  if (id.size() != 35) return false;
  for (size_t i = 0; i < id.size(); ++i) {
    const char c = id[i];
    if (i % 9 == 8) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return true;
}

std::string AlertJson(const Alert& alert, const Policy& policy) {
  return AlertToJson(alert, policy.guidance(alert.rule));
}

std::optional<Alert> FindAlert(const ApiContext& c, const std::string& id) {
  auto row = c.store->Get("alerts", id);  // alerts are keyed by their id
  if (!row.ok() || !row->has_value()) return std::nullopt;
  auto alert = ParseAlert(**row);
  if (!alert.ok()) return std::nullopt;
  return std::move(alert).value();
}

HttpResponse ListAlerts(ApiContext* c, const HttpRequest& req) {
  ApiError error{};
  auto caller = c->auth.Identify(req, {TokenRole::kPrivacyOfficer, TokenRole::kCiso}, &error);
  if (!caller) return ErrorResponse(error);
  std::optional<AlertStatus> status;
  std::optional<Severity> severity;
  if (auto s = req.Query("status")) {
    status = AlertStatusFromName(*s);
    if (!status) return ErrorResponse(ErrorCode::kBadRequest, "status is not an alert status");
  }
  if (auto s = req.Query("severity")) {
    severity = EnumFromName<Severity>(kSeverityNames, *s);
    if (!severity) {
      return ErrorResponse(ErrorCode::kBadRequest, "severity is not low, medium, high or critical");
    }
  }
  size_t limit = 100;
  if (auto err = ParseLimit(req.Query("limit"), 100, &limit)) return ErrorResponse(*err);
  const std::string query = PageCursors::Query("alerts",
                                               std::string(req.Query("status").value_or("")) + "/" +
                                                   std::string(req.Query("severity").value_or("")),
                                               0, 0);
  std::string after;
  if (auto cursor = req.Query("cursor")) {
    auto opened = cursor->empty() ? std::nullopt : c->cursors.Open(*cursor, query);
    auto position = opened ? ParseCursor(*opened) : std::nullopt;
    if (!position) {
      return ErrorResponse(ErrorCode::kBadRequest, "cursor was not issued for this query");
    }
    after = position->event_id;  // the last alert id shown
  }
  const std::shared_ptr<const Policy> policy = c->backend->policy();
  if (auto err = c->Record(c->OfficerRead(*caller, *policy, Action::kView, {}))) {
    return ErrorResponse(*err);
  }
  auto rows = c->store->ScanColumnFamily("alerts");
  if (!rows.ok()) return ErrorResponse(ErrorCode::kInternal, "the store could not be read");
  HttpResponse res;
  JsonWriter w(&res.body);
  w.BeginObject().Key("alerts").BeginArray();
  size_t n = 0;
  std::string next;
  std::string last_key;
  for (const auto& [key, value] : *rows) {
    if (!after.empty() && key <= after) continue;
    auto alert = ParseAlert(value);
    if (!alert.ok()) continue;
    if (status && alert->status != *status) continue;
    if (severity && alert->severity != *severity) continue;
    if (n == limit) {
      next = c->cursors.Seal(PagePosition{0, last_key}, query);
      break;
    }
    w.Raw(AlertJson(*alert, *policy));
    last_key = key;
    ++n;
  }
  w.EndArray().Key("next_cursor").StringOrNull(next).EndObject();
  return res;
}

HttpResponse GetAlert(ApiContext* c, const HttpRequest& req) {
  ApiError error{};
  auto caller = c->auth.Identify(req, {TokenRole::kPrivacyOfficer, TokenRole::kCiso}, &error);
  if (!caller) return ErrorResponse(error);
  const std::string& id = req.params.at(0);
  if (!ValidAlertId(id)) return ErrorResponse(ErrorCode::kBadRequest, "not an alert id");
  const std::shared_ptr<const Policy> policy = c->backend->policy();
  if (auto err = c->Record(c->OfficerRead(*caller, *policy, Action::kView, {}))) {
    return ErrorResponse(*err);
  }
  auto alert = FindAlert(*c, id);
  if (!alert) return ErrorResponse(ErrorCode::kNotFound, "no alert with this id");
  HttpResponse res;
  res.body = AlertJson(*alert, *policy);
  return res;
}

HttpResponse ChangeAlertStatus(ApiContext* c, const HttpRequest& req) {
  ApiError error{};
  auto caller = c->auth.Identify(req, {TokenRole::kCiso}, &error);
  if (!caller) return ErrorResponse(error);
  const std::string& id = req.params.at(0);
  if (!ValidAlertId(id)) return ErrorResponse(ErrorCode::kBadRequest, "not an alert id");
  JsonBody body;
  if (auto err = JsonBody::Parse(req.body, {"status", "reason"}, &body)) return ErrorResponse(*err);
  bool bad = false;
  const auto status_name = body.String("status", &bad);
  const auto reason = body.String("reason", &bad);
  if (bad || !status_name || status_name->empty()) {
    return ErrorResponse(ErrorCode::kBadRequest, "status (a string) is required");
  }
  const auto to = AlertStatusFromName(*status_name);
  if (!to || *to == AlertStatus::kOpen) {
    return ErrorResponse(ErrorCode::kBadRequest,
                         "status must be acknowledged, dismissed, confirmed_breach or reported");
  }
  if (!reason || reason->empty() || reason->size() > 1000) {
    return ErrorResponse(ErrorCode::kBadRequest, "reason is required (1-1000 characters)");
  }
  auto changed = c->backend->TransitionAlert(id, *to, caller->actor, std::string(*reason));
  if (!changed.ok()) {
    switch (changed.status().code()) {
      case Status::Code::kNotFound:
        return ErrorResponse(ErrorCode::kNotFound, "no alert with this id");
      case Status::Code::kFailedPrecondition:  // the lifecycle does not allow it
        return ErrorResponse(ErrorCode::kConflict, changed.status().message());
      default:
        return ErrorResponse(ErrorCode::kUnavailable, "the change cannot be recorded right now");
    }
  }
  Log(LogLevel::kInfo, "api", "alert status changed",
      {{"alert", id}, {"status", kAlertStatusNames[static_cast<size_t>(*to)]}});
  HttpResponse res;
  res.body = AlertJson(*changed, *c->backend->policy());
  return res;
}

}  // namespace

void AddAlertRoutes(Router* router, ApiContext* c) {
  router->Add(HttpMethod::kGet, "/v1/alerts",
              [c](const HttpRequest& req) { return ListAlerts(c, req); });
  router->Add(HttpMethod::kGet, "/v1/alerts/{id}",
              [c](const HttpRequest& req) { return GetAlert(c, req); });
  router->Add(HttpMethod::kPost, "/v1/alerts/{id}/status",
              [c](const HttpRequest& req) { return ChangeAlertStatus(c, req); });
}

}  // namespace inzage::api

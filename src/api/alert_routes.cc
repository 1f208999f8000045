// The CISO's queue: the alerts (GET /v1/alerts, from the store's alert index: never a scan of
// the alerts), one alert (GET /v1/alerts/{id}), its evidence as history entries
// (GET /v1/alerts/{id}/evidence) and a decision on it (POST /v1/alerts/{id}/status, CISO only,
// with a reason). Alerts carry the policy's guidance for their rule. Reading the queue is
// recorded like any read of the audit store; the evidence read names the subjects it showed.
#include <algorithm>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "api/api_context.h"
#include "api/auth.h"
#include "api/history_views.h"
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

// How many index entries one page of the list may look at while filters on rule,
// municipality or department skip entries. A page that runs out of it before it is full ends
// early with a next_cursor that continues after the last entry looked at (schemas/openapi.yaml):
// a rare filter costs the client more pages, never the server a scan.
constexpr size_t kListBudget = 20'000;
// What the evidence route reads of the actor's history between first and last seen.
constexpr size_t kEvidenceBudget = 20'000;
constexpr size_t kEvidencePage = 1'000;

// A filter of the list: absent is any; present must be a non-empty value.
std::optional<ApiError> FilterParam(const HttpRequest& req, std::string_view name,
                                    std::optional<std::string>* out) {
  const auto v = req.Query(name);
  if (!v) return std::nullopt;
  if (v->empty() || v->size() > 128) {
    return ApiError{ErrorCode::kBadRequest, std::string(name) + " must be 1-128 characters"};
  }
  *out = std::string(*v);
  return std::nullopt;
}

// The list's position inside its sealed cursor: PagePosition's time is the deadline, its id
// the severity's digit, ':' and the alert id.
std::string SealListCursor(const ApiContext& c, const AlertListPosition& p,
                           const std::string& query) {
  return c.cursors.Seal(
      PagePosition{p.deadline, std::to_string(static_cast<int>(p.severity)) + ":" + p.id}, query);
}

std::optional<AlertListPosition> OpenListCursor(const ApiContext& c, std::string_view sealed,
                                                const std::string& query) {
  if (sealed.empty()) return std::nullopt;
  const auto opened = c.cursors.Open(sealed, query);
  const auto position = opened ? ParseCursor(*opened) : std::nullopt;
  if (!position) return std::nullopt;
  const std::string& text = position->event_id;
  const size_t colon = text.find(':');
  if (colon == std::string::npos || colon == 0 || colon > 3) return std::nullopt;
  int severity = 0;
  for (size_t i = 0; i < colon; ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    severity = severity * 10 + (text[i] - '0');
  }
  if (severity > 255) return std::nullopt;
  return AlertListPosition{position->time, static_cast<std::uint8_t>(severity),
                           text.substr(colon + 1)};
}

HttpResponse ListAlerts(ApiContext* c, const HttpRequest& req) {
  ApiError error{};
  auto caller = c->auth.Identify(req, {TokenRole::kPrivacyOfficer, TokenRole::kCiso}, &error);
  if (!caller) return ErrorResponse(error);
  std::optional<std::string> status_text, severity_text, rule_text, municipality, department;
  for (const auto& [name, out] :
       {std::pair{"status", &status_text}, std::pair{"severity", &severity_text},
        std::pair{"rule", &rule_text}, std::pair{"municipality", &municipality},
        std::pair{"department", &department}}) {
    if (auto err = FilterParam(req, name, out)) return ErrorResponse(*err);
  }
  AlertListFilter filter;
  if (status_text) {
    const auto status = AlertStatusFromName(*status_text);
    if (!status) return ErrorResponse(ErrorCode::kBadRequest, "status is not an alert status");
    filter.status = static_cast<std::uint8_t>(*status);
  }
  if (severity_text) {
    const auto severity = EnumFromName<Severity>(kSeverityNames, *severity_text);
    if (!severity || *severity == Severity::kNone) {
      return ErrorResponse(ErrorCode::kBadRequest, "severity is not low, medium, high or critical");
    }
    filter.severity = static_cast<std::uint8_t>(*severity);
  }
  if (rule_text) {
    const auto rule = RuleIdFromName(*rule_text);
    if (!rule) return ErrorResponse(ErrorCode::kBadRequest, "rule is not a rule id");
    filter.rule = static_cast<std::uint8_t>(*rule);
  }
  filter.municipality = municipality;
  filter.department = department;
  size_t limit = 100;
  if (auto err = ParseLimit(req.Query("limit"), 100, &limit)) return ErrorResponse(*err);
  // Bound to every filter: a cursor continues only the list it was issued for.
  std::string about;
  for (const auto& f : {status_text, severity_text, rule_text, municipality, department}) {
    about += f ? "=" + *f : std::string("*");
    about.push_back('\x1f');
  }
  const std::string query = PageCursors::Query("alerts", about, 0, 0);
  std::optional<AlertListPosition> after;
  if (auto cursor = req.Query("cursor")) {
    after = OpenListCursor(*c, *cursor, query);
    if (!after) {
      return ErrorResponse(ErrorCode::kBadRequest, "cursor was not issued for this query");
    }
  }
  const std::shared_ptr<const Policy> policy = c->backend->policy();
  if (auto err = c->Record(c->OfficerRead(*caller, *policy, Action::kView, {}))) {
    return ErrorResponse(*err);
  }
  auto page = c->store->ListAlerts(filter, limit, after, kListBudget);
  if (!page.ok()) return ErrorResponse(ErrorCode::kInternal, "the store could not be read");
  HttpResponse res;
  JsonWriter w(&res.body);
  w.BeginObject().Key("alerts").BeginArray();
  for (const std::string& id : page->ids) {
    // Listed by the index, read from the row: an alert that changed in between is shown as it
    // is now (its next version has its own place in the index).
    if (auto alert = FindAlert(*c, id)) w.Raw(AlertJson(*alert, *policy));
  }
  w.EndArray().Key("next_cursor");
  if (page->next) {
    w.String(SealListCursor(*c, *page->next, query));
  } else {
    w.Null();
  }
  w.Key("total");
  if (filter.rule || filter.municipality || filter.department) {
    w.Null();  // the counts are by status and severity only
  } else {
    std::uint64_t total = 0;
    for (const auto& [key, n] : c->store->AlertCounts()) {
      if (filter.status && key.first != *filter.status) continue;
      if (filter.severity && key.second != *filter.severity) continue;
      total += n;
    }
    w.Uint(total);
  }
  w.EndObject();
  return res;
}

// The alert's evidence as history entries: the actor's events between first and last seen
// (every evidence event lies there) whose ids the alert holds. The officer saw the subjects of
// those entries: the read is recorded on each of them.
HttpResponse AlertEvidence(ApiContext* c, const HttpRequest& req) {
  ApiError error{};
  auto caller = c->auth.Identify(req, {TokenRole::kPrivacyOfficer, TokenRole::kCiso}, &error);
  if (!caller) return ErrorResponse(error);
  const std::string& id = req.params.at(0);
  if (!ValidAlertId(id)) return ErrorResponse(ErrorCode::kBadRequest, "not an alert id");
  auto alert = FindAlert(*c, id);
  if (!alert) return ErrorResponse(ErrorCode::kNotFound, "no alert with this id");
  std::vector<HistoryRecord> found;
  if (!alert->actor.empty() && !alert->evidence.empty()) {
    std::set<std::string_view> wanted(alert->evidence.begin(), alert->evidence.end());
    std::string cursor;
    size_t read = 0;
    while (!wanted.empty() && read < kEvidenceBudget) {
      auto page = c->store->QueryActor(alert->actor, alert->first_seen, alert->last_seen,
                                       kEvidencePage, cursor);
      if (!page.ok()) return ErrorResponse(StoreReadError(page.status()));
      read += page->entries.size();
      for (QueryEntry& e : page->entries) {
        if (wanted.erase(e.record.event_id) != 0) found.push_back(std::move(e.record));
      }
      if (page->next_cursor.empty()) break;
      cursor = std::move(page->next_cursor);
    }
  }
  const std::shared_ptr<const Policy> policy = c->backend->policy();
  std::vector<Pseudonym> subjects;
  for (const HistoryRecord& r : found) {
    for (const Pseudonym& p : r.subjects) {
      if (subjects.size() >= HistoryRecord::kMaxActorSubjects) break;
      if (std::find(subjects.begin(), subjects.end(), p) == subjects.end()) subjects.push_back(p);
    }
  }
  if (auto err = c->Record(c->OfficerRead(*caller, *policy, Action::kView, std::move(subjects)))) {
    return ErrorResponse(*err);
  }
  HttpResponse res;
  JsonWriter w(&res.body);
  w.BeginObject().Key("entries").BeginArray();
  for (const HistoryRecord& r : found) WriteInvestigationEntry(w, r, policy.get());
  w.EndArray().EndObject();
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
                         "status must be acknowledged, dismissed, confirmed_breach, reported or "
                         "closed");
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
  router->Add(HttpMethod::kGet, "/v1/alerts/{id}/evidence",
              [c](const HttpRequest& req) { return AlertEvidence(c, req); });
  router->Add(HttpMethod::kPost, "/v1/alerts/{id}/status",
              [c](const HttpRequest& req) { return ChangeAlertStatus(c, req); });
}

}  // namespace inzage::api

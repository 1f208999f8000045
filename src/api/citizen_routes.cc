// The citizen's routes: "who viewed my data?" (GET /v1/me/accesses, as JSON or CSV) and "I
// don't recognise this access" (POST /v1/me/reports). The subject is always the token's own: its
// BSN is pseudonymised at once and only the pseudonym is queried and recorded. Each read is
// recorded as an access of the citizen before the answer is sent.
#include <algorithm>
#include <optional>
#include <string>

#include "api/api_context.h"
#include "api/auth.h"
#include "api/history_views.h"
#include "api/report_text.h"
#include "api/request_parsing.h"
#include "common/json_writer.h"
#include "common/log.h"

namespace inzage::api {
namespace {

OwnedAccessEvent CitizenRead(const Pseudonym& self, const ApiContext& c, const Policy& policy) {
  OwnedAccessEvent read;
  read.event_id = NewApiEventId();
  read.time = WallNow();
  read.municipality = c.Municipality(policy);
  // Per citizen, so the behaviour rules see one citizen as one actor; no BSN in it.
  read.actor_id = "citizen-" + self.Hex();
  read.actor_kind = ActorKind::kCitizen;
  read.action = Action::kView;
  read.subjects = {self};
  read.domain = std::string(kAuditDomain);
  read.purpose = std::string(kCitizenActivity);
  return read;
}

HttpResponse CitizenAccesses(ApiContext* c, const HttpRequest& req, bool csv) {
  ApiError error{};
  auto caller = c->auth.Identify(req, {TokenRole::kCitizen}, &error);
  if (!caller) return ErrorResponse(error);
  const Pseudonym* self = &caller->citizen;
  PageRequest page;
  if (auto err = ParsePageQuery(req, kMaxPageSize, &page)) return ErrorResponse(*err);
  const std::string subject_hex = self->Hex();
  const std::string query = PageCursors::Query("me", subject_hex, page.from, page.to);
  std::string store_cursor;
  if (!page.cursor.empty()) {
    auto opened = c->cursors.Open(page.cursor, query);
    if (!opened) {
      return ErrorResponse(ErrorCode::kBadRequest, "cursor was not issued for this query");
    }
    store_cursor = std::move(*opened);
  }
  if (!c->citizen_reads.Allow(*self)) {
    return ErrorResponse(ErrorCode::kTooManyRequests,
                         "too many reads of this history in the last minute; try again later");
  }
  const std::shared_ptr<const Policy> policy = c->backend->policy();
  if (auto err = c->Record(CitizenRead(*self, *c, *policy))) return ErrorResponse(*err);

  SubjectHistory::Page merged;
  const Store::Visible visible = c->CitizenVisible();
  if (auto err = c->subjects->Query(*self, page.from, page.to, page.limit, store_cursor,
                                    /*citizen_view=*/true, visible, &merged)) {
    return ErrorResponse(*err);
  }
  // Peers filter with their own policy; this one filters what they sent once more.
  std::erase_if(merged.entries, [&visible](const HistoryRecord& r) { return !visible(r); });
  const std::string next = c->cursors.SealStoreCursor(merged.next_cursor, query);
  HttpResponse res;
  if (csv) {
    res.content_type = "text/csv; charset=utf-8";
    res.body = CitizenCsv(merged.entries, *policy, c->config.show_employee_ids);
    if (!next.empty()) res.SetHeader("X-Next-Cursor", next);
    if (!merged.unavailable_peers.empty()) res.SetHeader("X-Partial", "true");
    res.SetHeader("Content-Disposition", "attachment; filename=\"inzage.csv\"");
    return res;
  }
  res.body.reserve(512 + merged.entries.size() * 512);
  JsonWriter w(&res.body);
  w.BeginObject()
      .Member("from", FormatRfc3339(page.from))
      .Member("to", FormatRfc3339(page.to))
      .Key("entries")
      .BeginArray();
  CitizenEntryOptions options;
  options.show_employee_ids = c->config.show_employee_ids;
  for (const HistoryRecord& r : merged.entries) {
    options.entry = c->cursors.SealEntry(PagePosition{r.time, r.event_id}, subject_hex);
    WriteCitizenEntry(w, r, *policy, options);
  }
  w.EndArray().Key("next_cursor").StringOrNull(next);
  w.Member("partial", !merged.unavailable_peers.empty()).Key("unavailable_peers").BeginArray();
  for (const std::string& p : merged.unavailable_peers) w.String(p);
  w.EndArray().EndObject();
  return res;
}

// Entries of one microsecond asked for at a time, and how many such pages at most: a citizen's
// history holds a handful of entries at one time, not thousands.
constexpr size_t kLookupPage = 100;
constexpr int kLookupPages = 10;

// The entry at `position` of the citizen's own history, as the citizen may see it (from this
// store or a peer); nullopt in *found when it is not there. An error when the history cannot be
// read, or when a peer that may hold the entry did not answer.
std::optional<ApiError> FindOwnEntry(const ApiContext& c, const Pseudonym& self,
                                     const PagePosition& position,
                                     std::optional<HistoryRecord>* found) {
  const Store::Visible visible = c.CitizenVisible();
  std::string cursor;
  bool partial = false;
  for (int n = 0; n < kLookupPages; ++n) {
    SubjectHistory::Page page;
    if (auto err = c.subjects->Query(self, position.time, position.time, kLookupPage, cursor,
                                     /*citizen_view=*/true, visible, &page)) {
      return err;
    }
    partial = partial || !page.unavailable_peers.empty();
    for (HistoryRecord& r : page.entries) {
      if (r.event_id == position.event_id && visible(r)) {
        found->emplace(std::move(r));
        return std::nullopt;
      }
    }
    if (page.next_cursor.empty()) break;
    cursor = std::move(page.next_cursor);
  }
  if (partial) {
    return ApiError{ErrorCode::kUnavailable,
                    "part of your history cannot be reached right now; try again later"};
  }
  return std::nullopt;
}

// POST /v1/me/reports: the citizen does not recognise an entry of their history. It becomes an
// alert of rule citizen.reported in the CISO's queue (detect/citizen_report.h), committed before
// the 202; the reference the citizen gets is its id. Neither the text nor the BSN is logged.
HttpResponse CitizenReportRoute(ApiContext* c, const HttpRequest& req) {
  ApiError error{};
  auto caller = c->auth.Identify(req, {TokenRole::kCitizen}, &error);
  if (!caller) return ErrorResponse(error);
  const Pseudonym& self = caller->citizen;
  JsonBody body;
  if (auto err = JsonBody::Parse(req.body, {"entry", "text"}, &body)) return ErrorResponse(*err);
  bool bad = false;
  const auto entry = body.String("entry", &bad);
  if (bad || !entry || entry->empty() || entry->size() > kMaxCursorBytes) {
    return ErrorResponse(ErrorCode::kBadRequest,
                         "entry (the id of an entry of your history, a string) is required");
  }
  const std::string_view text = body.String("text", &bad).value_or(std::string_view());
  if (bad) return ErrorResponse(ErrorCode::kBadRequest, "text must be a string");
  if (Utf8Chars(text) > kMaxReportChars) {
    return ErrorResponse(ErrorCode::kBadRequest, "text is longer than 1000 characters");
  }
  if (!c->citizen_reports.Allow(self)) {
    HttpResponse res =
        ErrorResponse(ErrorCode::kTooManyRequests,
                      "too many reports from you today; contact the privacy officer instead");
    // The bucket refills one report per day / limit, not per minute.
    const int per_day = std::max(1, c->config.citizen_reports_per_day);
    for (auto& [name, value] : res.headers) {
      if (name == "Retry-After") value = std::to_string(24 * 3600 / per_day);
    }
    return res;
  }
  // An entry id opens only with its own citizen's pseudonym: another citizen's entry and one
  // that never existed are the same 404.
  const std::string subject_hex = self.Hex();
  const auto position = c->cursors.OpenEntry(*entry, subject_hex);
  const auto not_found = [] {
    return ErrorResponse(ErrorCode::kNotFound, "no such entry in your history");
  };
  if (!position) return not_found();
  const std::shared_ptr<const Policy> policy = c->backend->policy();
  if (auto err = c->Record(CitizenRead(self, *c, *policy))) return ErrorResponse(*err);
  std::optional<HistoryRecord> record;
  if (auto err = FindOwnEntry(*c, self, *position, &record)) return ErrorResponse(*err);
  if (!record) return not_found();
  if (record->activity == kCitizenActivity) {
    return ErrorResponse(ErrorCode::kBadRequest,
                         "this entry is your own reading of this page; there is nothing to report");
  }
  CitizenReport report;
  report.event_id = record->event_id;
  report.event_time = record->time;
  report.actor = record->actor;
  report.municipality = record->municipality;
  report.department = record->department;
  report.subject = self;
  report.text = RedactReportText(text);
  report.severity = c->config.citizen_report_severity;
  report.reported_at = WallNow();
  auto filed = c->backend->ReportAccess(std::move(report));
  if (!filed.ok()) {
    Log(LogLevel::kWarn, "api", "citizen report not recorded",
        {{"error", filed.status().message()}});
    return ErrorResponse(ErrorCode::kUnavailable,
                         "your report cannot be recorded right now; try again later");
  }
  Log(LogLevel::kInfo, "api", "citizen report filed", {{"alert", filed->alert_id}});
  HttpResponse res;
  res.status = 202;
  JsonWriter w(&res.body);
  w.BeginObject().Member("received", true).Member("reference", filed->alert_id).EndObject();
  return res;
}

}  // namespace

void AddCitizenRoutes(Router* router, ApiContext* c) {
  router->Add(HttpMethod::kPost, "/v1/me/reports",
              [c](const HttpRequest& req) { return CitizenReportRoute(c, req); });
  router->Add(HttpMethod::kGet, "/v1/me/accesses",
              [c](const HttpRequest& req) { return CitizenAccesses(c, req, false); });
  router->Add(HttpMethod::kGet, "/v1/me/accesses.csv",
              [c](const HttpRequest& req) { return CitizenAccesses(c, req, true); });
}

}  // namespace inzage::api

// The citizen's routes: "who viewed my data?" (GET /v1/me/accesses, as JSON or CSV). The subject
// is always the token's own: its BSN is pseudonymised at once and only the pseudonym is queried
// and recorded. The read is recorded as an access of the citizen before the answer is sent.
#include <optional>
#include <string>

#include "api/api_context.h"
#include "api/auth.h"
#include "api/history_views.h"
#include "api/request_parsing.h"
#include "common/json_writer.h"

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

}  // namespace

void AddCitizenRoutes(Router* router, ApiContext* c) {
  router->Add(HttpMethod::kGet, "/v1/me/accesses",
              [c](const HttpRequest& req) { return CitizenAccesses(c, req, false); });
  router->Add(HttpMethod::kGet, "/v1/me/accesses.csv",
              [c](const HttpRequest& req) { return CitizenAccesses(c, req, true); });
}

}  // namespace inzage::api

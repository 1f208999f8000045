// The investigators' routes (privacy officer, CISO): an employee's accesses
// (GET /v1/actors/{id}/accesses) and a citizen's (POST /v1/subjects/accesses, the BSN in the
// body, never in a URL), and the peer route by which instances answer each other's citizen
// queries (POST /v1/internal/subject-accesses, peer key only). An officer's read is recorded as
// an access of every subject it showed.
#include <algorithm>
#include <optional>
#include <string>

#include "api/api_context.h"
#include "api/auth.h"
#include "api/history_views.h"
#include "api/peer_wire.h"
#include "api/request_parsing.h"
#include "common/json_writer.h"
#include "event/bsn.h"

namespace inzage::api {
namespace {

constexpr size_t kMaxInvestigationSubjects = HistoryRecord::kMaxActorSubjects;

bool ValidActorId(std::string_view actor) {
  return !actor.empty() && actor.size() <= 128 &&
         std::none_of(actor.begin(), actor.end(), [](char c) { return c < 0x21 || c > 0x7e; });
}

HttpResponse ActorAccesses(ApiContext* c, const HttpRequest& req) {
  ApiError error{};
  auto caller = c->auth.Identify(req, {TokenRole::kPrivacyOfficer, TokenRole::kCiso}, &error);
  if (!caller) return ErrorResponse(error);
  const std::string& actor = req.params.at(0);
  if (!ValidActorId(actor)) {
    return ErrorResponse(ErrorCode::kBadRequest, "actor id must be 1-128 printable characters");
  }
  PageRequest page;
  if (auto err = ParsePageQuery(req, kMaxPageSize, &page)) return ErrorResponse(*err);
  const std::string query = PageCursors::Query("actor", actor, page.from, page.to);
  std::string store_cursor;
  if (!page.cursor.empty()) {
    auto opened = c->cursors.Open(page.cursor, query);
    if (!opened) {
      return ErrorResponse(ErrorCode::kBadRequest, "cursor was not issued for this query");
    }
    store_cursor = std::move(*opened);
  }
  auto result = c->store->QueryActor(actor, page.from, page.to, page.limit, store_cursor);
  if (!result.ok()) return ErrorResponse(StoreReadError(result.status()));
  const std::shared_ptr<const Policy> policy = c->backend->policy();
  // The officer saw these subjects' accesses: the read is recorded on each of them.
  std::vector<Pseudonym> subjects;
  for (const QueryEntry& e : result->entries) {
    for (const Pseudonym& p : e.record.subjects) {
      if (subjects.size() >= kMaxInvestigationSubjects) break;
      if (std::find(subjects.begin(), subjects.end(), p) == subjects.end()) subjects.push_back(p);
    }
  }
  if (auto err = c->Record(c->OfficerRead(*caller, *policy, Action::kView, std::move(subjects)))) {
    return ErrorResponse(*err);
  }
  HttpResponse res;
  JsonWriter w(&res.body);
  w.BeginObject()
      .Member("actor", actor)
      .Member("from", FormatRfc3339(page.from))
      .Member("to", FormatRfc3339(page.to))
      .Key("entries")
      .BeginArray();
  for (const QueryEntry& e : result->entries) WriteInvestigationEntry(w, e.record, policy.get());
  w.EndArray()
      .Key("next_cursor")
      .StringOrNull(c->cursors.SealStoreCursor(result->next_cursor, query))
      .EndObject();
  return res;
}

HttpResponse SubjectAccesses(ApiContext* c, const HttpRequest& req) {
  ApiError error{};
  auto caller = c->auth.Identify(req, {TokenRole::kPrivacyOfficer, TokenRole::kCiso}, &error);
  if (!caller) return ErrorResponse(error);
  JsonBody body;
  if (auto err = JsonBody::Parse(req.body, {"bsn", "from", "to", "cursor", "limit"}, &body)) {
    return ErrorResponse(*err);
  }
  bool bad = false;
  const auto bsn_text = body.String("bsn", &bad);
  const auto from = body.String("from", &bad);
  const auto to = body.String("to", &bad);
  const auto cursor = body.String("cursor", &bad);
  const auto limit = body.Int("limit", &bad);
  if (bad) return ErrorResponse(ErrorCode::kBadRequest, "body fields have the wrong type");
  NormalisedBsn bsn;
  if (const char* why = CheckBsn(bsn_text.value_or(""), &bsn)) {
    return ErrorResponse(ErrorCode::kBadRequest, std::string("bsn: ") + why);
  }
  const Pseudonym subject =
      c->pseudonymizer->Pseudonymise(std::string_view(bsn.data(), bsn.size()));
  PageRequest page;
  const std::string limit_text = limit ? std::to_string(*limit) : std::string();
  if (auto err = ParsePage(from, to, cursor,
                           limit ? std::optional<std::string_view>(limit_text) : std::nullopt,
                           kMaxPageSize, &page)) {
    return ErrorResponse(*err);
  }
  const std::string query = PageCursors::Query("subject", subject.Hex(), page.from, page.to);
  std::string store_cursor;
  if (!page.cursor.empty()) {
    auto opened = c->cursors.Open(page.cursor, query);
    if (!opened) {
      return ErrorResponse(ErrorCode::kBadRequest, "cursor was not issued for this query");
    }
    store_cursor = std::move(*opened);
  }
  const std::shared_ptr<const Policy> policy = c->backend->policy();
  if (auto err = c->Record(c->OfficerRead(*caller, *policy, Action::kSearch, {subject}))) {
    return ErrorResponse(*err);
  }
  SubjectHistory::Page merged;
  if (auto err = c->subjects->Query(subject, page.from, page.to, page.limit, store_cursor,
                                    /*citizen_view=*/false, Store::Visible(), &merged)) {
    return ErrorResponse(*err);
  }
  HttpResponse res;
  JsonWriter w(&res.body);
  w.BeginObject()
      .Member("from", FormatRfc3339(page.from))
      .Member("to", FormatRfc3339(page.to))
      .Key("entries")
      .BeginArray();
  for (const HistoryRecord& r : merged.entries) WriteInvestigationEntry(w, r, policy.get());
  w.EndArray()
      .Key("next_cursor")
      .StringOrNull(c->cursors.SealStoreCursor(merged.next_cursor, query))
      .Member("partial", !merged.unavailable_peers.empty())
      .Key("unavailable_peers")
      .BeginArray();
  for (const std::string& p : merged.unavailable_peers) w.String(p);
  w.EndArray().EndObject();
  return res;
}

// A peer's part of a citizen query: the citizen's read is recorded where it was asked.
HttpResponse PeerSubjectAccesses(ApiContext* c, const HttpRequest& req) {
  if (!c->peer_verifier) {
    return ErrorResponse(ErrorCode::kForbidden, "this daemon has no peer key (api.peer_key_file)");
  }
  ApiError error{};
  if (!Authenticate(req, *c->peer_verifier, {TokenRole::kPeer}, &error)) {
    return ErrorResponse(error);
  }
  PeerQuery q;
  if (auto err = ParsePeerQuery(req.body, &q)) return ErrorResponse(*err);
  auto local = c->store->QuerySubject(q.subject, q.from, q.to, q.limit, q.cursor,
                                      q.citizen_view ? c->CitizenVisible() : Store::Visible());
  if (!local.ok()) return ErrorResponse(StoreReadError(local.status()));
  std::vector<const HistoryRecord*> entries;
  entries.reserve(local->entries.size());
  for (const QueryEntry& e : local->entries) entries.push_back(&e.record);
  HttpResponse res;
  res.body = WritePeerPage(entries, local->next_cursor, *c->backend->policy());
  return res;
}

}  // namespace

void AddInvestigationRoutes(Router* router, ApiContext* c) {
  router->Add(HttpMethod::kGet, "/v1/actors/{id}/accesses",
              [c](const HttpRequest& req) { return ActorAccesses(c, req); });
  router->Add(HttpMethod::kPost, "/v1/subjects/accesses",
              [c](const HttpRequest& req) { return SubjectAccesses(c, req); });
  router->Add(HttpMethod::kPost, "/v1/internal/subject-accesses",
              [c](const HttpRequest& req) { return PeerSubjectAccesses(c, req); });
}

}  // namespace inzage::api

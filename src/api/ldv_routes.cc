// The LDV read API: Logboek Dataverwerkingen's read extension ("extensie lezen", draft 0.9 of
// 2025-11-26; its OpenAPI 1.1.0, as published with a missing comma repaired), served at
// POST /lezenapi/v1/processing-activities. schemas/openapi.yaml describes what is implemented;
// docs/interop.md how it is meant to be used.
//
// Who may ask: a privacy officer, and another organisation's logbook (token role `logbook`)
// following a trace across organisations. A CISO investigates employees, not data subjects, and
// has the investigation routes; citizens keep their own view (/v1/me/accesses), which this
// route does not change; peers have the internal route. A logbook is shown what a citizen would
// be shown of the records (no confidential activity or record, no employee id unless
// api.show_employee_ids, not inzage's verdict): it answers for a chain that ends at a
// citizen's question. Every answer is an access to the audit store, recorded like an
// officer's search before it is sent, on the subjects it showed.
//
// What is asked: at least one of the data subject (dpl.core.data_subject_id with
// dpl.core.data_subject_id_type BSN, or `dataSubjectId` as the draft's prose names it), the
// processing activity (dpl.core.processing_activity_id, the register's ldv_id, or
// `processingActivityId`) or the trace (traceId: 32 hex digits, or the draft's UUID form), and
// optionally startTime and endTime (milliseconds since the epoch; a record matches when its
// time is within them).
//
// Cost and paging: the draft has no paging yet and advises servers to bound what one query
// returns. No index answers a trace or an activity, so a request walks history_subject
// (Store::ScanSubjects) and reads at most api.ldv_scan_entries keys (a subject query only that
// subject's keys). A page ends when it holds `limit` records (1-1000, default 100) or the keys
// are used up; then `nextCursor` continues the walk. A page may so hold fewer records than
// `limit`, even none, and still have a next one: the client asks until nextCursor is null.
// Records come in the store's order (by subject pseudonym, then oldest first).
//
// What is answered: one ProcessingActivity per access and subject, LDV-shaped: the trace and
// span id the source gave (a record without them gets ids derived from its event id, and the
// attribute inzage.trace_derived), status Unset (inzage keeps no span status), the activity's
// ldv_id, and the subject as the BSN asked for or, in answers to trace and activity queries, as
// its pseudonym (type inzage-pseudonym): the store holds no BSN. inzage.* attributes add the
// event id, actor, role, verdict and rules (to officers; see above for logbooks).
//
// Thread safety: handlers run on the API's worker threads; they share only the context.
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>

#include "api/api_context.h"
#include "api/auth.h"
#include "api/request_parsing.h"
#include "common/hex.h"
#include "common/json_writer.h"
#include "common/sha256.h"
#include "event/bsn.h"

namespace inzage::api {
namespace {

constexpr size_t kDefaultLimit = 100;
constexpr size_t kMaxRecordedSubjects = HistoryRecord::kMaxActorSubjects;
// A request is a handful of short members; anything larger is not one.
constexpr size_t kMaxBodyBytes = 4096;
constexpr size_t kMaxUriBytes = 512;
// 9999-12-31T23:59:59.999Z: the times the API writes (RFC 3339) can hold.
constexpr std::int64_t kMaxMillis = 253402300799999;

// The standard's error answer: application/problem+json with the field that is wrong.
HttpResponse Problem(int status, std::string_view title, std::string_view location = {},
                     std::string_view detail = {}) {
  HttpResponse res;
  res.status = status;
  res.content_type = "application/problem+json";
  JsonWriter w(&res.body);
  w.BeginObject().Member("status", status).Member("title", title);
  if (!location.empty()) {
    w.Key("errors")
        .BeginArray()
        .BeginObject()
        .Member("in", "body")
        .Member("location", location)
        .Member("code", "invalid")
        .Member("detail", detail)
        .EndObject()
        .EndArray();
  }
  w.EndObject();
  return res;
}

// 32 hex digits, or the UUID form of the draft's schema (8-4-4-4-12); the 16 bytes.
std::optional<std::array<std::uint8_t, 16>> TraceIdOf(std::string_view text) {
  std::string hex;
  if (text.size() == 36) {
    for (size_t i = 0; i < text.size(); ++i) {
      const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
      if (dash != (text[i] == '-')) return std::nullopt;
      if (!dash) hex.push_back(text[i]);
    }
  } else if (text.size() == 32) {
    hex.assign(text);
  } else {
    return std::nullopt;
  }
  const auto bytes = BytesOfHex(hex);
  if (!bytes || bytes->size() != 16) return std::nullopt;
  std::array<std::uint8_t, 16> out{};
  std::memcpy(out.data(), bytes->data(), 16);
  return out;
}

std::string UuidForm(const std::uint8_t* b) {
  const std::string h = HexOf(b, 16);
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
         "-" + h.substr(20);
}

// What a reader is shown of a record beyond LDV's own attributes.
struct View {
  bool actor = true;    // the employee id (a logbook: only with api.show_employee_ids)
  bool verdict = true;  // inzage's judgement of the access (officers only)
};

void WriteRecord(JsonWriter& w, const QueryEntry& f, const Policy& policy,
                 std::string_view asked_bsn, View view) {
  const HistoryRecord& r = f.record;
  std::array<std::uint8_t, 16> trace = r.trace_id;
  std::array<std::uint8_t, 8> span = r.span_id;
  const bool derived = !r.has_trace_id;
  if (!r.has_trace_id || !r.has_span_id) {
    // No trace context at the source: ids derived from the event id, stable across answers.
    const Sha256Digest d = Sha256("inzage-event:" + r.event_id);
    if (!r.has_trace_id) std::memcpy(trace.data(), d.data(), 16);
    if (!r.has_span_id) std::memcpy(span.data(), d.data() + 16, 8);
  }
  const Activity* a = policy.FindActivity(r.activity);
  const std::string activity_uri =
      a != nullptr && !a->ldv_id.empty() ? a->ldv_id : "urn:inzage:activity:" + r.activity;
  const std::string name =
      std::string(NameOf(kActionNames, r.action)) + ": " + (a != nullptr ? a->name : r.activity);
  const std::int64_t ms = r.time / 1000;
  w.BeginObject()
      .Member("traceId", UuidForm(trace.data()))
      .Member("spanId", HexOf(span.data(), span.size()))
      .Member("status", "Unset")
      .Member("name", name)
      .Member("startTime", ms)
      .Member("endTime", ms)
      .Key("resource")
      .BeginObject()
      .Key("attributes")
      .BeginObject()
      .Member("inzage.municipality", r.municipality)
      .EndObject()
      .EndObject()
      .Key("attributes")
      .BeginObject()
      .Member("dpl.core.processing_activity_id", activity_uri);
  if (!asked_bsn.empty()) {
    w.Member("dpl.core.data_subject_id", asked_bsn).Member("dpl.core.data_subject_id_type", "BSN");
  } else {
    w.Member("dpl.core.data_subject_id", f.subject.Hex())
        .Member("dpl.core.data_subject_id_type", "inzage-pseudonym");
  }
  w.Member("inzage.event_id", r.event_id);
  if (view.actor) w.Member("inzage.actor", r.actor);
  w.Member("inzage.role", r.role);
  if (view.verdict) {
    w.Member("inzage.verdict", NameOf(kVerdictNames, r.verdict)).Key("inzage.rules").BeginArray();
    for (RuleId rule : r.rules) w.String(kRuleCatalogue[static_cast<size_t>(rule)].id);
    w.EndArray();
  }
  if (derived) w.Member("inzage.trace_derived", true);
  w.EndObject().EndObject();
}

HttpResponse Invalid(std::string_view location, std::string_view detail) {
  return Problem(400, "Request validation failed", location, detail);
}

// One of two names of a member (the draft's schema name, or its prose name); *both is set when
// the request gives both.
std::optional<std::string_view> EitherString(JsonBody& body, const char* name, const char* alias,
                                             bool* bad, bool* both) {
  const auto a = body.String(name, bad);
  const auto b = body.String(alias, bad);
  *both = a && b;
  return a ? a : b;
}

HttpResponse ProcessingActivities(ApiContext* c, const HttpRequest& req) {
  ApiError error{};
  auto caller = c->auth.Identify(req, {TokenRole::kPrivacyOfficer, TokenRole::kLogbook}, &error);
  if (!caller) return ErrorResponse(error);
  if (req.body.size() > kMaxBodyBytes) {
    return ErrorResponse(ErrorCode::kPayloadTooLarge, "a request of this route is at most " +
                                                          std::to_string(kMaxBodyBytes) + " bytes");
  }
  JsonBody body;
  if (auto err = JsonBody::Parse(
          req.body,
          {"dpl.core.data_subject_id", "dpl.core.data_subject_id_type",
           "dpl.core.processing_activity_id", "dpl.core.foreign_operation.processor", "traceId",
           "startTime", "endTime", "dataSubjectId", "processingActivityId", "limit", "cursor"},
          &body)) {
    return Invalid("#/", err->message);
  }
  bool bad = false;
  bool two_subjects = false;
  bool two_activities = false;
  const auto subject_text =
      EitherString(body, "dpl.core.data_subject_id", "dataSubjectId", &bad, &two_subjects);
  const auto subject_type = body.String("dpl.core.data_subject_id_type", &bad);
  const auto activity_uri = EitherString(body, "dpl.core.processing_activity_id",
                                         "processingActivityId", &bad, &two_activities);
  const auto processor = body.String("dpl.core.foreign_operation.processor", &bad);
  const auto trace_text = body.String("traceId", &bad);
  const auto start = body.Int("startTime", &bad);
  const auto end = body.Int("endTime", &bad);
  const auto limit_in = body.Int("limit", &bad);
  const auto cursor = body.String("cursor", &bad);
  if (bad) {
    return Invalid("#/",
                   "a member has the wrong type (ids and cursor are strings; startTime, "
                   "endTime and limit integers)");
  }
  if (two_subjects) {
    return Invalid("#/dataSubjectId", "give dpl.core.data_subject_id or dataSubjectId, not both");
  }
  if (two_activities) {
    return Invalid("#/processingActivityId",
                   "give dpl.core.processing_activity_id or processingActivityId, not both");
  }
  if (!subject_text && !activity_uri && !trace_text) {
    return Invalid("#/",
                   "name at least one of traceId, dpl.core.processing_activity_id, "
                   "dpl.core.data_subject_id");
  }
  if (subject_type && *subject_type != "BSN") {
    return Invalid("#/dpl.core.data_subject_id_type", "inzage knows data subjects by BSN only");
  }
  if (subject_type && !subject_text) {
    return Invalid("#/dpl.core.data_subject_id_type", "is given without dpl.core.data_subject_id");
  }
  std::optional<Pseudonym> subject;
  NormalisedBsn bsn{};
  if (subject_text) {
    if (const char* why = CheckBsn(*subject_text, &bsn)) {
      return Invalid("#/dpl.core.data_subject_id", std::string("not a BSN: ") + why);
    }
    subject = c->pseudonymizer->Pseudonymise(std::string_view(bsn.data(), bsn.size()));
  }
  if (activity_uri && (activity_uri->empty() || activity_uri->size() > kMaxUriBytes)) {
    return Invalid("#/dpl.core.processing_activity_id", "must be 1-512 bytes");
  }
  if (processor && processor->size() > kMaxUriBytes) {
    return Invalid("#/dpl.core.foreign_operation.processor", "must be at most 512 bytes");
  }
  std::optional<std::array<std::uint8_t, 16>> trace;
  if (trace_text) {
    trace = TraceIdOf(*trace_text);
    if (!trace) {
      return Invalid("#/traceId", "must be 32 hex digits or a UUID (8-4-4-4-12 hex digits)");
    }
  }
  if (start && (*start < 0 || *start > kMaxMillis)) {
    return Invalid("#/startTime", "must be milliseconds since 1970 up to the year 9999");
  }
  if (end && (*end < 0 || *end > kMaxMillis)) {
    return Invalid("#/endTime", "must be milliseconds since 1970 up to the year 9999");
  }
  if (start && end && *start > *end) return Invalid("#/endTime", "is before startTime");
  size_t limit = kDefaultLimit;
  if (limit_in) {
    if (*limit_in < 1 || *limit_in > static_cast<std::int64_t>(kMaxPageSize)) {
      return Invalid("#/limit", "must be 1 to 1000");
    }
    limit = static_cast<size_t>(*limit_in);
  }
  if (cursor && (cursor->empty() || cursor->size() > kMaxCursorBytes)) {
    return Invalid("#/cursor", "must be 1-512 characters");
  }
  const TimeMicros from = start ? *start * 1000 : 0;
  const TimeMicros to = end ? *end * 1000 + 999 : kMaxMillis * 1000 + 999;

  const std::shared_ptr<const Policy> policy = c->backend->policy();
  std::string activity;  // the register's id; empty: any
  bool unknown_activity = false;
  if (activity_uri) {
    const auto& by_uri = policy->interop().activity_by_ldv_id;
    const auto it = by_uri.find(*activity_uri);
    if (it != by_uri.end()) {
      activity = it->second;
    } else {
      unknown_activity = true;  // no record can name it: an empty answer
    }
  }
  const bool logbook = caller->role == TokenRole::kLogbook;
  // A cursor continues only the query it was issued for, and only for the same kind of reader
  // (a logbook sees less).
  const std::string about = std::string(logbook ? "logbook" : "officer") + "|" +
                            (subject ? subject->Hex() : "") + "|" + activity + "|" +
                            (trace ? HexOf(trace->data(), 16) : "");
  const std::string query = PageCursors::Query("ldv", about, from, to);
  SubjectScan scan;
  scan.subject = subject;
  scan.from = from;
  scan.to = to;
  scan.limit = limit;
  scan.max_visited = static_cast<size_t>(c->config.ldv_scan_entries);
  if (cursor) {
    auto opened = c->cursors.OpenScanPosition(*cursor, query);
    if (!opened) return Invalid("#/cursor", "was not issued for this query");
    scan.after = std::move(*opened);
  }
  const Store::Visible hidden_from_citizens = logbook ? c->CitizenVisible() : Store::Visible();
  scan.match = [&](const HistoryRecord& r) {
    if (!activity.empty() && r.activity != activity) return false;
    if (trace && (!r.has_trace_id || r.trace_id != *trace)) return false;
    return !hidden_from_citizens || hidden_from_citizens(r);
  };
  SubjectScanPage page;
  if (!unknown_activity) {
    auto scanned = c->store->ScanSubjects(scan);
    if (!scanned.ok()) return ErrorResponse(StoreReadError(scanned.status()));
    page = std::move(*scanned);
  }

  // The read is an access of every subject it showed.
  std::vector<Pseudonym> seen;
  for (const QueryEntry& e : page.entries) {
    if (seen.size() >= kMaxRecordedSubjects) break;
    if (std::find(seen.begin(), seen.end(), e.subject) == seen.end()) seen.push_back(e.subject);
  }
  if (auto err = c->Record(c->OfficerRead(*caller, *policy, Action::kSearch, std::move(seen)))) {
    return ErrorResponse(*err);
  }
  const std::string_view asked(subject ? std::string_view(bsn.data(), bsn.size()) : "");
  HttpResponse res;
  res.SetHeader("API-Version", "1.1.0");
  JsonWriter w(&res.body);
  w.BeginObject().Key("processingActivities").BeginArray();
  const View view{!logbook || c->config.show_employee_ids, !logbook};
  for (const QueryEntry& e : page.entries) WriteRecord(w, e, *policy, asked, view);
  w.EndArray()
      .Key("nextCursor")
      .StringOrNull(c->cursors.SealScanPosition(page.next, query))
      .EndObject();
  bsn.fill('\0');
  return res;
}

}  // namespace

void AddLdvRoutes(Router* router, ApiContext* c) {
  router->Add(HttpMethod::kPost, "/lezenapi/v1/processing-activities",
              [c](const HttpRequest& req) { return ProcessingActivities(c, req); });
}

}  // namespace inzage::api

#include "api/peer_wire.h"

#include <simdjson.h>

#include <algorithm>
#include <cstdint>

#include "api/history_views.h"
#include "api/request_parsing.h"
#include "common/hex.h"
#include "common/json_writer.h"
#include "store/cursor.h"

namespace inzage::api {

std::string WritePeerQuery(const PeerQuery& q) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject()
      .Member("subject", q.subject.Hex())
      .Member("from", FormatRfc3339(q.from))
      .Member("to", FormatRfc3339(q.to));
  if (!q.cursor.empty()) w.Member("cursor", q.cursor);
  w.Member("limit", static_cast<std::uint64_t>(q.limit));
  if (q.citizen_view) w.Member("citizen_view", true);
  w.EndObject();
  return out;
}

std::optional<ApiError> ParsePeerQuery(std::string_view body, PeerQuery* out) {
  JsonBody json;
  if (auto err = JsonBody::Parse(body, {"subject", "from", "to", "cursor", "limit", "citizen_view"},
                                 &json)) {
    return err;
  }
  bool bad = false;
  const auto subject = json.String("subject", &bad);
  const auto from = json.String("from", &bad);
  const auto to = json.String("to", &bad);
  const auto cursor = json.String("cursor", &bad);
  const auto limit = json.Int("limit", &bad);
  const auto citizen_view = json.Bool("citizen_view", &bad);
  if (bad) return ApiError{ErrorCode::kBadRequest, "body fields have the wrong type"};
  const auto bytes = subject ? BytesOfHex(*subject) : std::nullopt;
  if (!bytes || bytes->size() != out->subject.bytes.size() ||
      !std::all_of(subject->begin(), subject->end(), [](char c) { return c < 'A' || c > 'F'; })) {
    return ApiError{ErrorCode::kBadRequest, "subject must be 32 lower-case hex digits"};
  }
  std::copy(bytes->begin(), bytes->end(), out->subject.bytes.begin());
  if (cursor && (cursor->empty() || !InCursorAlphabet(*cursor))) {
    return ApiError{ErrorCode::kBadRequest, "cursor is not one a store handed out"};
  }
  PageRequest page;
  const std::string limit_text = limit ? std::to_string(*limit) : std::string();
  if (auto err = ParsePage(from, to, std::nullopt,
                           limit ? std::optional<std::string_view>(limit_text) : std::nullopt,
                           kMaxPageSize, &page)) {
    return err;
  }
  out->from = page.from;
  out->to = page.to;
  out->limit = page.limit;
  out->cursor = cursor ? std::string(*cursor) : std::string();
  out->citizen_view = citizen_view.value_or(false);
  return std::nullopt;
}

std::string WritePeerPage(const std::vector<const HistoryRecord*>& entries,
                          std::string_view next_cursor, const Policy& policy) {
  std::string out;
  out.reserve(256 + entries.size() * 384);
  JsonWriter w(&out);
  w.BeginObject().Key("entries").BeginArray();
  for (const HistoryRecord* r : entries) WriteInvestigationEntry(w, *r, &policy);
  w.EndArray().Key("next_cursor").StringOrNull(next_cursor).EndObject();
  return out;
}

// Reads back what WriteInvestigationEntry wrote (the fields a merged page needs).
bool ParsePeerPage(std::string_view body, PeerPage* out) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(body).get(doc) != simdjson::SUCCESS) return false;
  simdjson::dom::array entries;
  if (doc["entries"].get_array().get(entries) != simdjson::SUCCESS) return false;
  std::string_view next;
  if (doc["next_cursor"].get_string().get(next) == simdjson::SUCCESS) {
    out->next_cursor = std::string(next);
  }
  for (simdjson::dom::element e : entries) {
    HistoryRecord r;
    std::string_view s;
    auto str = [&e, &s](const char* name) {
      s = {};
      return e[name].get_string().get(s) == simdjson::SUCCESS;
    };
    if (!str("time")) return false;
    const auto t = ParseRfc3339(s);
    if (!t) return false;
    r.time = *t;
    if (!str("event_id")) return false;
    r.event_id = std::string(s);
    if (str("actor")) r.actor = std::string(s);
    if (str("role")) r.role = std::string(s);
    if (str("department")) r.department = std::string(s);
    if (str("municipality")) r.municipality = std::string(s);
    if (str("domain")) r.domain = std::string(s);
    if (str("case_id")) r.case_id = std::string(s);
    if (!str("action")) return false;
    const auto action = EnumFromName<Action>(kActionNames, s);
    if (!str("info")) return false;
    const auto info = EnumFromName<InfoLevel>(kInfoLevelNames, s);
    if (!str("verdict")) return false;
    const auto verdict = EnumFromName<Verdict>(kVerdictNames, s);
    if (!action || !info || !verdict) return false;
    r.action = *action;
    r.info = *info;
    r.verdict = *verdict;
    if (e["activity"]["id"].get_string().get(s) != simdjson::SUCCESS) return false;
    r.activity = std::string(s);
    simdjson::dom::array list;
    if (e["categories"].get_array().get(list) == simdjson::SUCCESS) {
      for (simdjson::dom::element c : list) {
        std::string_view name;
        if (c.get_string().get(name) != simdjson::SUCCESS) return false;
        const auto cat = EnumFromName<Category>(kCategoryNames, name);
        if (!cat) return false;
        r.categories |= CategoryBit(*cat);
      }
    }
    simdjson::dom::element recipient;
    if (e["recipient"].get(recipient) == simdjson::SUCCESS && recipient.is_object()) {
      std::string_view id, kind;
      if (recipient["id"].get_string().get(id) == simdjson::SUCCESS &&
          recipient["kind"].get_string().get(kind) == simdjson::SUCCESS) {
        if (const auto k = EnumFromName<RecipientKind>(kRecipientKindNames, kind)) {
          r.recipient = std::string(id);
          r.recipient_kind = static_cast<std::uint8_t>(*k);
        }
      }
    }
    if (e["rules"].get_array().get(list) == simdjson::SUCCESS) {
      for (simdjson::dom::element rule : list) {
        std::string_view id;
        if (rule.get_string().get(id) != simdjson::SUCCESS) return false;
        if (auto rid = RuleIdFromName(id)) r.rules.push_back(*rid);
      }
    }
    std::uint64_t count = 0;
    if (e["subject_count"].get_uint64().get(count) == simdjson::SUCCESS) {
      r.subject_count = static_cast<std::uint32_t>(std::min<std::uint64_t>(count, UINT32_MAX));
    }
    out->entries.push_back(std::move(r));
  }
  return true;
}

}  // namespace inzage::api

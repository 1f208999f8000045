#include "ingest/stored_event.h"

#include <bit>

namespace inzage {
namespace {

// Hex digits into bytes without allocating (hot path); false on a non-hex digit.
bool BytesOfHexInto(std::string_view hex, std::uint8_t* out) {
  const auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    const int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i / 2] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  return true;
}

}  // namespace
}  // namespace inzage

namespace inzage {

StoredEvent MakeStoredEvent(const AccessEvent& e, const Decision& d, const Policy& policy,
                            const ReferenceData& reference) {
  StoredEvent out;
  FillStoredEvent(e, d, policy, reference, &out);
  return out;
}

void FillStoredEvent(const AccessEvent& e, const Decision& d, const Policy& policy,
                     const ReferenceData& reference, StoredEvent* out) {
  HistoryRecord& r = out->record;
  r.batch_seq = 0;
  r.subject_count = 0;
  r.subjects.clear();
  r.time = e.time;
  r.action = e.action;
  r.info = e.info;
  r.verdict = d.verdict;
  r.categories = e.categories;
  r.event_id.assign(e.event_id);
  r.actor.assign(e.actor_id);
  const Actor* actor = reference.FindActor(e.actor_id);
  r.role.clear();
  if (d.role >= 0) {
    r.role = policy.roles()[static_cast<size_t>(d.role)].id;
  } else if (actor != nullptr && actor->roles != 0) {
    r.role = policy.roles()[static_cast<size_t>(std::countr_zero(actor->roles))].id;
  } else if (e.actor_kind != ActorKind::kEmployee) {
    r.role.assign(NameOf(kActorKindNames, e.actor_kind));
  }
  r.department.clear();
  if (actor != nullptr) r.department = actor->department;
  r.municipality.assign(e.municipality);
  r.domain.assign(e.domain);
  r.activity.assign(e.purpose);
  r.case_id.assign(e.case_id);
  r.recipient.clear();
  r.recipient_kind = 0xff;
  if (e.recipient) {
    r.recipient.assign(e.recipient->id);
    r.recipient_kind = static_cast<std::uint8_t>(e.recipient->kind);
  }
  // The trace context as 16 and 8 bytes (the parsers checked the hex), and confidentiality.
  r.has_trace_id = e.trace_id.size() == 32 && BytesOfHexInto(e.trace_id, r.trace_id.data());
  r.has_span_id = e.span_id.size() == 16 && BytesOfHexInto(e.span_id, r.span_id.data());
  r.confidential = e.confidential;
  r.rules.clear();
  for (size_t i = 0; i < d.hit_count; ++i) r.rules.push_back(d.hits[i].rule);
  out->subjects.assign(e.subjects.begin(), e.subjects.end());
}

void TrimForReuse(StoredEvent* event) {
  // Not `= {}`: that assigns an empty initializer list and keeps the capacity.
  if (event->subjects.capacity() > kMaxKeptSubjects) std::vector<Pseudonym>().swap(event->subjects);
  if (event->record.subjects.capacity() > kMaxKeptSubjects) {
    std::vector<Pseudonym>().swap(event->record.subjects);
  }
}

}  // namespace inzage

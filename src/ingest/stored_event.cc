#include "ingest/stored_event.h"

#include <bit>

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

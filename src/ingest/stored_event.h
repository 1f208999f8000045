// Turns a decided access event into what the store keeps (StoredEvent): the compact history
// record and the subject pseudonyms. Shared by `inzage ingest` and the daemon so that both
// store exactly the same bytes for the same event.
// Thread safety: pure function over immutable inputs.
#pragma once

#include "event/access_event.h"
#include "policy/decision.h"
#include "policy/policy.h"
#include "policy/reference_data.h"
#include "store/store.h"

namespace inzage {

StoredEvent MakeStoredEvent(const AccessEvent& event, const Decision& decision,
                            const Policy& policy, const ReferenceData& reference);

// The same into an existing StoredEvent, every field overwritten: its strings and vectors keep
// their heap buffers, so a recycled one is filled without allocating (the daemon reuses the
// events of each committed batch).
void FillStoredEvent(const AccessEvent& event, const Decision& decision, const Policy& policy,
                     const ReferenceData& reference, StoredEvent* out);

// Lets go of a kept StoredEvent's subject buffers when they hold room for more than
// kMaxKeptSubjects: an event may list up to 10,000 subjects, and kept events would otherwise
// grow towards holding the largest event in every slot.
inline constexpr size_t kMaxKeptSubjects = 16;
void TrimForReuse(StoredEvent* event);

}  // namespace inzage

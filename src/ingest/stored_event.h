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

}  // namespace inzage

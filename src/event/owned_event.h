// OwnedAccessEvent: an access event built inside the daemon rather than parsed from Kafka (the
// HTTP API's reads of the audit store, which are accesses too). It owns its strings and
// subjects; view() gives the AccessEvent the decider and the store take, valid while the owner
// lives and is not modified.
// Thread safety: a value; not shared.
#pragma once

#include <string>
#include <vector>

#include "event/access_event.h"

namespace inzage {

struct OwnedAccessEvent {
  std::string event_id;
  TimeMicros time = 0;
  std::string municipality;
  std::string actor_id;
  ActorKind actor_kind = ActorKind::kEmployee;
  Action action = Action::kView;
  std::vector<Pseudonym> subjects;  // may be empty (e.g. reading the alert queue)
  std::string system = "inzaged";
  std::string domain;
  InfoLevel info = InfoLevel::kWat;
  std::string purpose;

  [[nodiscard]] AccessEvent view() const {
    AccessEvent e;
    e.event_id = event_id;
    e.time = time;
    e.municipality = municipality;
    e.actor_id = actor_id;
    e.actor_kind = actor_kind;
    e.action = action;
    e.subjects = subjects;
    e.system = system;
    e.domain = domain;
    e.info = info;
    e.record_count = static_cast<std::uint32_t>(subjects.size());
    e.purpose = purpose;
    return e;
  }
};

}  // namespace inzage

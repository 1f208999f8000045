// SourceRecord: what one record of a logging standard (an LDV span, a VNG Verwerkingsactie)
// says about an access, in the standard's own words, before the policy translates it
// (MapToAccess). The decoders fill it; the mapping is the same for every format, so an LDV span
// and a Verwerkingsactie that say the same thing become the same access event.
//
// Ownership: views into the decoder's buffers for the message being decoded.
// Thread safety: a value; not shared.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "common/pseudonym.h"
#include "common/status.h"
#include "common/time.h"
#include "event/access_event.h"
#include "policy/policy.h"

namespace inzage {

struct SourceRecord {
  enum class ActivityRef : std::uint8_t { kLdvId, kVngId };

  std::string_view event_id;  // deterministic: a redelivered record gets the same id
  TimeMicros time = 0;
  ActivityRef activity_kind = ActivityRef::kLdvId;
  std::string_view activity;          // the URI or id as the record names it
  std::string_view activity_field;    // where the record names it, for reasons
  std::string_view controller;        // municipality id or OIN; empty when not named
  std::string_view controller_field;  // where, for reasons
  std::string_view actor_id;
  std::span<const std::string_view> roles;
  std::string_view action_name;
  std::string_view action_field;
  std::span<const std::string_view> categories;  // as named; empty: the activity's default
  std::string_view categories_field;
  std::string_view system;
  std::span<const Pseudonym> subjects;
  std::string_view trace_id;  // 32 lower-case hex digits, or empty
  std::string_view span_id;   // 16 lower-case hex digits, or empty
  bool confidential = false;
};

// Translates a record into an access event by the policy's interop table (policy/
// interop_policy.h): the activity by its LDV or VNG id, the controller, the action and the data
// categories (domain, information level, special categories). The event views the record's
// strings and the policy's. InvalidArgument names the value that is not mapped and where it
// came from ("dpl.core.processing_activity_id \"https://...\" is not in the register").
[[nodiscard]] Status MapToAccess(const Policy& policy, const SourceRecord& record,
                                 AccessEvent* event);

}  // namespace inzage

#include "interop/source_record.h"

#include <algorithm>
#include <cctype>

#include "event/event_parser.h"

namespace inzage {
namespace {

// URIs and names are longer than the parser's 40 characters; digit runs are still redacted.
std::string Quote(std::string_view s) { return SafeQuote(s, 160); }

Status Unmapped(std::string_view field, std::string_view value, std::string_view why) {
  std::string msg(field);
  msg += ' ';
  msg += Quote(value);
  msg += ' ';
  msg += why;
  return Status::InvalidArgument(std::move(msg));
}

// Info levels from the least to the most detailed: the most detailed one named wins.
int Detail(InfoLevel l) {
  switch (l) {
    case InfoLevel::kCumulative:
      return 0;
    case InfoLevel::kDat:
      return 1;
    case InfoLevel::kWat:
      return 2;
  }
  return 2;
}

}  // namespace

Status MapToAccess(const Policy& policy, const SourceRecord& r, AccessEvent* e) {
  const InteropPolicy& ip = policy.interop();
  *e = AccessEvent{};
  e->event_id = r.event_id;
  e->time = r.time;
  e->actor_id = r.actor_id;
  e->actor_kind = ActorKind::kEmployee;
  e->claimed_roles = r.roles;
  e->subjects = r.subjects;
  e->record_count = static_cast<std::uint32_t>(r.subjects.size());
  e->system = r.system;
  e->trace_id = r.trace_id;
  e->span_id = r.span_id;

  // The activity: the register names it by the standard's id.
  const Activity* activity = nullptr;
  if (r.activity.empty()) {
    return Status::InvalidArgument(std::string(r.activity_field) + " is missing");
  }
  if (r.activity_kind == SourceRecord::ActivityRef::kLdvId) {
    const auto it = ip.activity_by_ldv_id.find(r.activity);
    if (it == ip.activity_by_ldv_id.end()) {
      return Unmapped(r.activity_field, r.activity,
                      "is not the ldv_id of an activity in the register");
    }
    activity = policy.FindActivity(it->second);
  } else {
    std::string lower(r.activity);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    const auto it = ip.activity_by_vng_id.find(lower);
    if (it == ip.activity_by_vng_id.end()) {
      return Unmapped(r.activity_field, r.activity,
                      "is not the vng_id of an activity in the register");
    }
    activity = policy.FindActivity(it->second);
  }
  if (activity == nullptr) return Status::Internal("interop table names a missing activity");
  e->purpose = activity->id;
  e->confidential = r.confidential;

  // The controller.
  if (r.controller.empty()) {
    if (ip.default_municipality.empty()) {
      return Status::InvalidArgument(std::string(r.controller_field) +
                                     " is missing: the record names no controller (municipality)");
    }
    e->municipality = ip.default_municipality;
  } else {
    const auto it = ip.municipality_by_name.find(r.controller);
    if (it == ip.municipality_by_name.end()) {
      return Unmapped(r.controller_field, r.controller,
                      "is not a municipality of the policy (interop.controllers.names)");
    }
    e->municipality = it->second;
  }

  // The action.
  if (const auto it = ip.actions.find(r.action_name); it != ip.actions.end()) {
    e->action = it->second;
  } else if (ip.default_action) {
    e->action = *ip.default_action;
  } else {
    return Unmapped(r.action_field, r.action_name,
                    "is not an action of the policy (interop.actions.names)");
  }

  // The data categories: domain, information level and special categories.
  std::string_view domain;
  InfoLevel info = InfoLevel::kCumulative;
  std::string_view domain_from;
  const auto apply = [&](std::string_view name, std::string_view field) -> Status {
    const auto it = ip.data_categories.find(name);
    if (it == ip.data_categories.end()) {
      return Unmapped(field, name,
                      "is not a data category of the policy (interop.data_categories)");
    }
    const DataCategory& c = it->second;
    e->categories |= c.special_categories;
    if (c.domain.empty()) return Status::Ok();
    if (!domain.empty() && domain != c.domain) {
      return Status::InvalidArgument(
          std::string(field) + " names data of two domains: " + Quote(domain_from) + " (" +
          std::string(domain) + ") and " + Quote(name) + " (" + c.domain + ")");
    }
    if (domain.empty() || Detail(c.info) > Detail(info)) info = c.info;
    domain = c.domain;
    domain_from = name;
    return Status::Ok();
  };
  for (std::string_view name : r.categories) {
    if (Status st = apply(name, r.categories_field); !st.ok()) return st;
  }
  if (domain.empty()) {
    // None named a domain: the activity's default category says what the record touches.
    if (activity->data_category.empty()) {
      return Status::InvalidArgument(std::string(r.categories_field) +
                                     " names no data category with a domain, and activity " +
                                     activity->id + " has no data_category in the register");
    }
    if (Status st = apply(activity->data_category, "the register's data_category"); !st.ok()) {
      return st;
    }
  }
  e->domain = domain;
  e->info = info;
  return Status::Ok();
}

}  // namespace inzage

// InteropPolicy: how records written to the Dutch government's logging standards become access
// events, as the policy says (config/policy/interop.yaml and the ldv_id, vng_id and
// data_category of each register activity; docs/interop.md walks through every step).
//
// A source system that logs to Logboek Dataverwerkingen (an OpenTelemetry span with dpl.*
// attributes) or to the VNG verwerkingenlogging API (a Verwerkingsactie) names its processing
// activity, controller, action and data categories in its own words. This table translates
// each into the policy's ids; a value it does not know is a dead letter with the exact reason,
// never a guess. The decision core then sees an ordinary AccessEvent.
//
// Ownership: part of the immutable Policy. Thread safety: immutable after loading.
#pragma once

#include <optional>
#include <string>

#include "common/string_map.h"
#include "event/access_event.h"

namespace inzage {

// What a data category a source names means to the policy.
// A category with a domain names the domain and the information level; one without only adds
// special categories (a source's "gezondheid" says nothing about the domain).
struct DataCategory {
  std::string domain;  // a domain id of the policy; empty: special categories only
  InfoLevel info = InfoLevel::kWat;
  CategorySet special_categories = 0;
};

struct InteropPolicy {
  // Register activity id by its LDV processing-activity URI (dpl.core.processing_activity_id)
  // and by its VNG verwerkingsactiviteitId (a UUID, lower-case).
  StringMap<std::string> activity_by_ldv_id;
  StringMap<std::string> activity_by_vng_id;
  StringMap<DataCategory> data_categories;
  // Action by the name a record gives it (LDV span name, NEN 7513 EventActionCode, VNG
  // actieNaam); default_action for names not in the table; none: such a record is a dead letter.
  StringMap<Action> actions;
  std::optional<Action> default_action;
  // Municipality id by a controller's OIN (VNG uitvoerder) or by the value of the LDV resource
  // attribute ldv_controller_attribute (a municipality id or an OIN); default_municipality when
  // a record names none (empty: such a record is a dead letter).
  StringMap<std::string> municipality_by_name;
  std::string ldv_controller_attribute = "service.namespace";
  std::string default_municipality;
  // LDV allows a span with no data subject (the parent of per-subject child spans); true: such a
  // span is passed over and counted, false: it is a dead letter.
  bool skip_spans_without_subject = false;
};

}  // namespace inzage

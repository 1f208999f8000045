// Test helpers: an inzage access event (its JSON, docs/contracts.md §1) rendered as the logging
// standards would record the same access: an LDV span in an OTLP ExportTraceServiceRequest
// (protobuf or OTLP/JSON) and a VNG Verwerkingsactie, by the default policy's interop table. The
// differential test decides all three; the decoder tests and fuzz seeds start from them.
#pragma once

#include <opentelemetry/proto/collector/trace/v1/trace_service.pb.h>

#include <cstring>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "common/sha256.h"
#include "common/time.h"
#include "policy/policy.h"

namespace inzage::testing {

namespace otlp = opentelemetry::proto;

inline void AddString(google::protobuf::RepeatedPtrField<otlp::common::v1::KeyValue>* attrs,
                      const std::string& key, const std::string& value) {
  auto* kv = attrs->Add();
  kv->set_key(key);
  kv->mutable_value()->set_string_value(value);
}

inline void AddStrings(google::protobuf::RepeatedPtrField<otlp::common::v1::KeyValue>* attrs,
                       const std::string& key, const std::vector<std::string>& values) {
  auto* kv = attrs->Add();
  kv->set_key(key);
  auto* arr = kv->mutable_value()->mutable_array_value();
  for (const auto& v : values) arr->add_values()->set_string_value(v);
}

// The data category names of interop.yaml that say (domain, info, special categories); nullopt
// when the table has no name for that domain and information level.
inline std::optional<std::vector<std::string>> CategoryNames(const Policy& policy,
                                                             const nlohmann::json& resource) {
  const std::string domain = resource["domain"];
  const std::string info = resource["info"];
  std::optional<std::string> domain_name;
  std::vector<std::string> names;
  for (const auto& [name, c] : policy.interop().data_categories) {
    if (c.domain == domain && NameOf(kInfoLevelNames, c.info) == info &&
        c.special_categories == 0 && (!domain_name || name < *domain_name)) {
      domain_name = name;
    }
  }
  if (!domain_name) return std::nullopt;
  names.push_back(*domain_name);
  if (resource.contains("categories")) {
    for (const auto& cat : resource["categories"]) {
      bool found = false;
      for (const auto& [name, c] : policy.interop().data_categories) {
        if (c.domain.empty() &&
            NameOf(kCategoryNames, static_cast<Category>(__builtin_ctz(c.special_categories))) ==
                cat.get<std::string>()) {
          names.push_back(name);
          found = true;
          break;
        }
      }
      if (!found) return std::nullopt;
    }
  }
  return names;
}

// An OIN that names the municipality in interop.controllers.names.
inline std::string OinOf(const Policy& policy, const std::string& municipality) {
  for (const auto& [name, m] : policy.interop().municipality_by_name) {
    if (m == municipality && name != m) return name;
  }
  return municipality;
}

// Fills one span (and its resource) with the access of `e`'s subject `subject`.
inline void RenderSpan(const Policy& policy, const nlohmann::json& e, size_t subject,
                       otlp::trace::v1::ResourceSpans* rs, otlp::trace::v1::Span* span) {
  AddString(rs->mutable_resource()->mutable_attributes(), "service.name",
            e["resource"]["system"].get<std::string>());
  AddString(rs->mutable_resource()->mutable_attributes(), "service.namespace",
            e["municipality"].get<std::string>());
  const std::string id = e["event_id"].get<std::string>() + "/" + std::to_string(subject);
  const Sha256Digest d = Sha256(id);
  span->set_trace_id(std::string(reinterpret_cast<const char*>(d.data()), 16));
  span->set_span_id(std::string(reinterpret_cast<const char*>(d.data()) + 16, 8));
  span->set_name(e["action"].get<std::string>());
  const auto t = ParseRfc3339(e["time"].get<std::string>());
  span->set_start_time_unix_nano(static_cast<std::uint64_t>(*t) * 1000);
  span->set_end_time_unix_nano(static_cast<std::uint64_t>(*t) * 1000 + 1000);
  auto* attrs = span->mutable_attributes();
  const Activity* a = policy.FindActivity(e["purpose"].get<std::string>());
  AddString(attrs, "dpl.core.processing_activity_id", a->ldv_id);
  AddString(attrs, "dpl.core.data_subject_id", e["subjects"][subject]["bsn"].get<std::string>());
  AddString(attrs, "dpl.core.data_subject_id_type", "BSN");
  AddString(attrs, "enduser.id", e["actor"]["id"].get<std::string>());
  if (e["actor"].contains("roles")) {
    AddStrings(attrs, "user.roles", e["actor"]["roles"].get<std::vector<std::string>>());
  }
  AddStrings(attrs, "inzage.data_categories", *CategoryNames(policy, e["resource"]));
  span->mutable_status()->set_code(otlp::trace::v1::Status::STATUS_CODE_OK);
}

// The event as a VNG Verwerkingsactie (every subject a verwerkt object).
inline nlohmann::json RenderVng(const Policy& policy, const nlohmann::json& e) {
  const Activity* a = policy.FindActivity(e["purpose"].get<std::string>());
  nlohmann::json v = {{"actieId", e["event_id"]},
                      {"actieNaam", e["action"]},
                      {"verwerkingsactiviteitId", a->vng_id},
                      {"vertrouwelijkheid", "normaal"},
                      {"uitvoerder", OinOf(policy, e["municipality"].get<std::string>())},
                      {"systeem", e["resource"]["system"]},
                      {"gebruiker", e["actor"]["id"]},
                      {"tijdstip", e["time"]},
                      {"verwerkteObjecten", nlohmann::json::array()}};
  nlohmann::json soorten = nlohmann::json::array();
  const std::vector<std::string> names = CategoryNames(policy, e["resource"]).value();
  for (const auto& name : names) {
    soorten.push_back({{"soortGegeven", name}});
  }
  for (const auto& s : e["subjects"]) {
    v["verwerkteObjecten"].push_back({{"objecttype", "persoon"},
                                      {"soortObjectId", "BSN"},
                                      {"objectId", s["bsn"]},
                                      {"verwerkteSoortenGegevens", soorten}});
  }
  return v;
}

// Whether the standards can say what `e` says: an activity with LDV and VNG ids, data categories
// for its domain and information level, an employee. (Fields they cannot carry are dropped by
// Representable's caller: case_id, recipient, emergency, BRP fields and method, record_count.)
inline bool Representable(const Policy& policy, const nlohmann::json& e) {
  if (!e["purpose"].is_string()) return false;
  const Activity* a = policy.FindActivity(e["purpose"].get<std::string>());
  if (a == nullptr || a->ldv_id.empty() || a->vng_id.empty()) return false;
  if (e["actor"]["kind"] != "employee") return false;
  return CategoryNames(policy, e["resource"]).has_value();
}

// The event without what the standards cannot carry.
inline nlohmann::json Strip(nlohmann::json e) {
  e["case_id"] = nullptr;
  e["recipient"] = nullptr;
  e["emergency"] = nullptr;
  e.erase("trace_id");
  e.erase("span_id");
  e["resource"].erase("fields");
  e["resource"].erase("method");
  e["resource"].erase("record_count");
  return e;
}

}  // namespace inzage::testing

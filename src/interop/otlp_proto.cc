// OTLP protobuf (the Collector's Kafka exporter's default encoding, otlp_proto): one
// ExportTraceServiceRequest per message. TracesData, what the exporter actually marshals, has
// the same field 1 (resource_spans) and so the same bytes.
#include <opentelemetry/proto/collector/trace/v1/trace_service.pb.h>

#include "interop/decoder_impl.h"

namespace inzage {
namespace {

namespace otlp = opentelemetry::proto;

// Reads a span attribute into the span; records the first value of a type inzage cannot use.
void ReadAttribute(MessageDecoder::Impl& d, const otlp::common::v1::KeyValue& kv, LdvSpan* s) {
  using Attr = MessageDecoder::Impl::Attr;
  const std::string& key = kv.key();
  if (!d.controller_attribute().empty() && key == d.controller_attribute() &&
      kv.value().value_case() == otlp::common::v1::AnyValue::kStringValue) {
    s->controller = kv.value().string_value();
    return;
  }
  const Attr attr = d.Classify(key);
  if (attr == Attr::kOther) return;
  const otlp::common::v1::AnyValue& v = kv.value();
  switch (v.value_case()) {
    case otlp::common::v1::AnyValue::kStringValue:
      MessageDecoder::Impl::SetString(s, attr, v.string_value());
      return;
    case otlp::common::v1::AnyValue::kArrayValue:
      if (attr == Attr::kUserRoles || attr == Attr::kCategories) {
        for (const auto& item : v.array_value().values()) {
          if (item.value_case() == otlp::common::v1::AnyValue::kStringValue) {
            MessageDecoder::Impl::SetString(s, attr, item.string_value());
          }
        }
        return;
      }
      if (attr == Attr::kNenUsers) {
        // A list of maps: the user who asked (userIsRequestor), else the first.
        bool chosen_requestor = false;
        for (const auto& user : v.array_value().values()) {
          if (user.value_case() != otlp::common::v1::AnyValue::kKvlistValue) continue;
          std::string_view id, role;
          bool requestor = false;
          for (const auto& f : user.kvlist_value().values()) {
            if (f.key() == "userID" && f.value().has_string_value()) id = f.value().string_value();
            if (f.key() == "roleIDCode" && f.value().has_string_value()) {
              role = f.value().string_value();
            }
            if (f.key() == "userIsRequestor" && f.value().has_bool_value()) {
              requestor = f.value().bool_value();
            }
          }
          if (id.empty()) continue;
          if (s->nen_user.empty() || (requestor && !chosen_requestor)) {
            s->nen_user = id;
            s->nen_role = role;
            chosen_requestor = requestor;
          }
        }
        return;
      }
      break;
    default:
      break;
  }
  if (attr == Attr::kDplOther) {
    s->any_dpl = true;
    return;
  }
  if (attr == Attr::kActivity || attr == Attr::kSubjectId || attr == Attr::kSubjectIdType) {
    s->any_dpl = true;
  }
  if (s->problem.empty()) s->problem = key + " must be a string";
}

}  // namespace

Status MessageDecoder::Impl::DecodeOtlpProto(std::string_view message, RecordSink* sink,
                                             DecodeCounts* counts) {
  if (message.size() > kMaxOtlpMessageBytes) {
    return Status::InvalidArgument("message exceeds 16 MiB");
  }
  // Memory follows the message: the request lives in the arena until the next one.
  arena_.Reset();
  auto* request =
      google::protobuf::Arena::CreateMessage<otlp::collector::trace::v1::ExportTraceServiceRequest>(
          &arena_);
  if (!request->ParseFromArray(message.data(), static_cast<int>(message.size()))) {
    return Status::InvalidArgument(
        "malformed OTLP protobuf: not an ExportTraceServiceRequest (truncated or another "
        "message)");
  }
  size_t spans = 0;
  for (const auto& rs : request->resource_spans()) {
    for (const auto& ss : rs.scope_spans()) spans += static_cast<size_t>(ss.spans_size());
  }
  if (spans > kMaxRecords) {
    return Status::InvalidArgument("the request holds " + std::to_string(spans) +
                                   " spans; at most 100000 are read from one message");
  }
  for (const auto& rs : request->resource_spans()) {
    LdvResource resource;
    for (const auto& kv : rs.resource().attributes()) {
      if (kv.value().value_case() != otlp::common::v1::AnyValue::kStringValue) continue;
      if (kv.key() == "service.name") resource.service_name = kv.value().string_value();
      if (kv.key() == controller_attribute()) resource.controller = kv.value().string_value();
    }
    for (const auto& ss : rs.scope_spans()) {
      for (const auto& sp : ss.spans()) {
        span_.Clear();
        span_.trace_id = sp.trace_id();
        span_.span_id = sp.span_id();
        span_.name = sp.name();
        span_.start_ns = sp.start_time_unix_nano();
        for (const auto& kv : sp.attributes()) ReadAttribute(*this, kv, &span_);
        EmitSpan(span_, resource, sink, counts);
      }
    }
  }
  return Status::Ok();
}

}  // namespace inzage

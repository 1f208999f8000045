// OTLP protobuf (the Collector's Kafka exporter's default encoding, otlp_proto): one
// ExportTraceServiceRequest per message. TracesData, what the exporter actually marshals, has
// the same field 1 (resource_spans) and so the same bytes.
//
// Why a walk over the wire format and not the generated messages' ParseFromArray: a full parse
// builds every KeyValue and AnyValue of every span and copies every string, 1.8 us per span of a
// typical LDV request here (bench/README.md, the LDV session), 3.5 times the native parse of the
// same access. This reads the fields inzage needs as views into the message, with libprotobuf's
// own wire-format reader (CodedInputStream, WireFormatLite) and the field numbers of the
// generated classes, and skips the rest. It is as strict as the full parse about structure: a
// message that ParseFromArray refuses (a truncated length, a malformed tag or varint) is
// refused here too, before any span is handed out.
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>
#include <opentelemetry/proto/collector/trace/v1/trace_service.pb.h>

#include "interop/decoder_impl.h"

namespace inzage {
namespace {

namespace otlp = opentelemetry::proto;
using google::protobuf::io::CodedInputStream;
using WFL = google::protobuf::internal::WireFormatLite;

using AnyValue = otlp::common::v1::AnyValue;
using KeyValue = otlp::common::v1::KeyValue;
using Span = otlp::trace::v1::Span;

// The fields of one protobuf message, one after the other, as views into its bytes.
class Fields {
 public:
  explicit Fields(std::string_view bytes)
      : bytes_(bytes),
        in_(reinterpret_cast<const std::uint8_t*>(bytes.data()), static_cast<int>(bytes.size())) {}

  // The next field; false at the end of the message, and then ok() says whether it ended well.
  bool Next() {
    tag_ = in_.ReadTag();
    if (tag_ == 0) {
      ok_ = ok_ && in_.CurrentPosition() == static_cast<int>(bytes_.size());
      return false;
    }
    return true;
  }
  [[nodiscard]] int number() const { return WFL::GetTagFieldNumber(tag_); }
  [[nodiscard]] bool ok() const { return ok_; }

  // A length-delimited field's bytes; any other wire type is skipped (as the full parse keeps a
  // field of an unexpected wire type as an unknown field) and yields false.
  bool Bytes(std::string_view* out) {
    if (WFL::GetTagWireType(tag_) != WFL::WIRETYPE_LENGTH_DELIMITED) return Skip() && false;
    std::uint32_t len = 0;
    if (!in_.ReadVarint32(&len)) return Fail();
    const int at = in_.CurrentPosition();
    if (len > bytes_.size() - static_cast<size_t>(at)) return Fail();
    *out = bytes_.substr(static_cast<size_t>(at), len);
    return in_.Skip(static_cast<int>(len)) || Fail();
  }
  bool Fixed64(std::uint64_t* out) {
    if (WFL::GetTagWireType(tag_) != WFL::WIRETYPE_FIXED64) return Skip() && false;
    return in_.ReadLittleEndian64(out) || Fail();
  }
  bool Varint(std::uint64_t* out) {
    if (WFL::GetTagWireType(tag_) != WFL::WIRETYPE_VARINT) return Skip() && false;
    return in_.ReadVarint64(out) || Fail();
  }
  bool Skip() { return WFL::SkipField(&in_, tag_) || Fail(); }

 private:
  bool Fail() {
    ok_ = false;
    return false;
  }
  std::string_view bytes_;
  CodedInputStream in_;
  std::uint32_t tag_ = 0;
  bool ok_ = true;
};

// An AnyValue: its string, or its array's strings, or (dpl.nen7513.users) its list of maps.
// Returns false when the bytes are malformed.
struct Value {
  int kind = 0;  // the AnyValue field number that was set last; 0: none
  std::string_view bytes;
};

bool ReadValue(std::string_view bytes, Value* v) {
  Fields f(bytes);
  while (f.Next()) {
    const int n = f.number();
    if (n == AnyValue::kStringValueFieldNumber || n == AnyValue::kArrayValueFieldNumber ||
        n == AnyValue::kKvlistValueFieldNumber || n == AnyValue::kBytesValueFieldNumber) {
      if (f.Bytes(&v->bytes)) {
        v->kind = n;
      } else if (!f.ok()) {
        return false;
      }
    } else {
      if (!f.Skip()) return false;
      v->kind = n;  // a scalar: bool, int or double
    }
  }
  return f.ok();
}

// The string items of an ArrayValue; false when malformed.
template <typename Each>
bool ForEachArrayItem(std::string_view array, Each&& each) {
  Fields f(array);
  while (f.Next()) {
    std::string_view item;
    if (f.number() == otlp::common::v1::ArrayValue::kValuesFieldNumber && f.Bytes(&item)) {
      Value v;
      if (!ReadValue(item, &v)) return false;
      each(v);
    } else if (!f.ok() ||
               (f.number() != otlp::common::v1::ArrayValue::kValuesFieldNumber && !f.Skip())) {
      return false;
    }
  }
  return f.ok();
}

// A KeyValue's key and value bytes; false when malformed.
bool ReadKeyValue(std::string_view bytes, std::string_view* key, std::string_view* value) {
  Fields f(bytes);
  *key = {};
  *value = {};
  while (f.Next()) {
    if (f.number() == KeyValue::kKeyFieldNumber) {
      if (!f.Bytes(key) && !f.ok()) return false;
    } else if (f.number() == KeyValue::kValueFieldNumber) {
      if (!f.Bytes(value) && !f.ok()) return false;
    } else if (!f.Skip()) {
      return false;
    }
  }
  return f.ok();
}

// dpl.nen7513.users as a list of maps: the user who asked (userIsRequestor), else the first.
bool ReadNenUsers(std::string_view array, LdvSpan* s) {
  bool chosen_requestor = false;
  return ForEachArrayItem(array, [&](const Value& user) {
    if (user.kind != AnyValue::kKvlistValueFieldNumber) return;
    std::string_view id, role;
    bool requestor = false;
    Fields list(user.bytes);
    while (list.Next()) {
      std::string_view kv, key, value;
      if (list.number() != otlp::common::v1::KeyValueList::kValuesFieldNumber || !list.Bytes(&kv) ||
          !ReadKeyValue(kv, &key, &value)) {
        if (list.number() != otlp::common::v1::KeyValueList::kValuesFieldNumber) list.Skip();
        continue;
      }
      Value v;
      if (!ReadValue(value, &v)) continue;
      if (key == "userID" && v.kind == AnyValue::kStringValueFieldNumber) id = v.bytes;
      if (key == "roleIDCode" && v.kind == AnyValue::kStringValueFieldNumber) role = v.bytes;
      if (key == "userIsRequestor" && v.kind == AnyValue::kBoolValueFieldNumber) {
        // The bool's varint is the value's last byte.
        requestor = !value.empty() && value.back() != 0;
      }
    }
    if (id.empty()) return;
    if (s->nen_user.empty() || (requestor && !chosen_requestor)) {
      s->nen_user = id;
      s->nen_role = role;
      chosen_requestor = requestor;
    }
  });
}

// One span attribute into the span; records the first value of a type inzage cannot use.
bool ReadAttribute(MessageDecoder::Impl& d, std::string_view bytes, LdvSpan* s) {
  using Attr = MessageDecoder::Impl::Attr;
  std::string_view key, value_bytes;
  if (!ReadKeyValue(bytes, &key, &value_bytes)) return false;
  const bool is_controller = !d.controller_attribute().empty() && key == d.controller_attribute();
  const Attr attr = is_controller ? Attr::kOther : d.Classify(key);
  if (attr == Attr::kOther && !is_controller) return true;  // not read: not decoded
  Value v;
  if (!ReadValue(value_bytes, &v)) return false;
  if (is_controller) {
    if (v.kind == AnyValue::kStringValueFieldNumber) s->controller = v.bytes;
    return true;
  }
  if (v.kind == AnyValue::kStringValueFieldNumber) {
    MessageDecoder::Impl::SetString(s, attr, v.bytes);
    return true;
  }
  if (v.kind == AnyValue::kArrayValueFieldNumber) {
    if (attr == Attr::kUserRoles || attr == Attr::kCategories) {
      return ForEachArrayItem(v.bytes, [&](const Value& item) {
        if (item.kind == AnyValue::kStringValueFieldNumber) {
          MessageDecoder::Impl::SetString(s, attr, item.bytes);
        }
      });
    }
    if (attr == Attr::kNenUsers) return ReadNenUsers(v.bytes, s);
  }
  if (attr == Attr::kDplOther) {
    s->any_dpl = true;
    return true;
  }
  if (attr == Attr::kActivity || attr == Attr::kSubjectId || attr == Attr::kSubjectIdType) {
    s->any_dpl = true;
  }
  if (s->problem.empty()) s->problem = std::string(key) + " must be a string";
  return true;
}

bool ReadSpan(MessageDecoder::Impl& d, std::string_view bytes, LdvSpan* s) {
  Fields f(bytes);
  while (f.Next()) {
    std::string_view view;
    switch (f.number()) {
      case Span::kTraceIdFieldNumber:
        if (f.Bytes(&view)) s->trace_id = view;
        break;
      case Span::kSpanIdFieldNumber:
        if (f.Bytes(&view)) s->span_id = view;
        break;
      case Span::kNameFieldNumber:
        if (f.Bytes(&view)) s->name = view;
        break;
      case Span::kStartTimeUnixNanoFieldNumber:
        f.Fixed64(&s->start_ns);
        break;
      case Span::kAttributesFieldNumber:
        if (f.Bytes(&view) && !ReadAttribute(d, view, s)) return false;
        break;
      default:
        f.Skip();
        break;
    }
    if (!f.ok()) return false;
  }
  return f.ok();
}

bool ReadResource(const MessageDecoder::Impl& d, std::string_view bytes, LdvResource* r) {
  Fields f(bytes);
  while (f.Next()) {
    std::string_view kv, key, value;
    if (f.number() == otlp::resource::v1::Resource::kAttributesFieldNumber) {
      if (!f.Bytes(&kv)) {
        if (!f.ok()) return false;
        continue;
      }
      if (!ReadKeyValue(kv, &key, &value)) return false;
      const bool name = key == "service.name";
      const bool controller = key == d.controller_attribute();
      if (!name && !controller) continue;
      Value v;
      if (!ReadValue(value, &v)) return false;
      if (v.kind != AnyValue::kStringValueFieldNumber) continue;
      if (name) r->service_name = v.bytes;
      if (controller) r->controller = v.bytes;
    } else if (!f.Skip()) {
      return false;
    }
  }
  return f.ok();
}

}  // namespace

Status MessageDecoder::Impl::DecodeOtlpProto(std::string_view message, RecordSink* sink,
                                             DecodeCounts* counts) {
  if (message.size() > kMaxOtlpMessageBytes) {
    return Status::InvalidArgument("message exceeds 16 MiB");
  }
  // Made only when needed: the message is the failure path's, not every call's.
  const auto malformed = [] {
    return Status::InvalidArgument(
        "malformed OTLP protobuf: not an ExportTraceServiceRequest (truncated or another "
        "message)");
  };
  // First every span is read (and the whole message checked); only then is any handed out, so
  // that an unreadable message decides nothing.
  resources_.clear();
  size_t n = 0;
  Fields request(message);
  while (request.Next()) {
    std::string_view rs_bytes;
    if (request.number() !=
        otlp::collector::trace::v1::ExportTraceServiceRequest::kResourceSpansFieldNumber) {
      if (!request.Skip()) return malformed();
      continue;
    }
    if (!request.Bytes(&rs_bytes)) {
      if (!request.ok()) return malformed();
      continue;
    }
    const size_t resource_index = resources_.size();
    resources_.emplace_back();
    Fields rs(rs_bytes);
    while (rs.Next()) {
      std::string_view bytes;
      if (rs.number() == otlp::trace::v1::ResourceSpans::kResourceFieldNumber) {
        if (rs.Bytes(&bytes) && !ReadResource(*this, bytes, &resources_.back())) return malformed();
      } else if (rs.number() == otlp::trace::v1::ResourceSpans::kScopeSpansFieldNumber) {
        if (!rs.Bytes(&bytes)) {
          if (!rs.ok()) return malformed();
          continue;
        }
        Fields ss(bytes);
        while (ss.Next()) {
          std::string_view span_bytes;
          if (ss.number() != otlp::trace::v1::ScopeSpans::kSpansFieldNumber) {
            if (!ss.Skip()) return malformed();
            continue;
          }
          if (!ss.Bytes(&span_bytes)) {
            if (!ss.ok()) return malformed();
            continue;
          }
          if (n >= kMaxRecords) {
            return Status::InvalidArgument(
                "the request holds more than 100000 spans; at most 100000 are read from one "
                "message");
          }
          if (spans_.size() <= n) spans_.emplace_back();
          LdvSpan& s = spans_[n++];
          s.Clear();
          span_resource_.resize(n);
          span_resource_[n - 1] = resource_index;
          if (!ReadSpan(*this, span_bytes, &s)) return malformed();
        }
        if (!ss.ok()) return malformed();
      } else if (!rs.Skip()) {
        return malformed();
      }
    }
    if (!rs.ok()) return malformed();
  }
  if (!request.ok()) return malformed();
  for (size_t i = 0; i < n; ++i) EmitSpan(spans_[i], resources_[span_resource_[i]], sink, counts);
  // A message of many spans leaves many kept spans; memory follows the largest message, up to
  // kMaxRecords, unless trimmed here.
  if (spans_.size() > 4096 && n < 1024) spans_.resize(1024);
  return Status::Ok();
}

}  // namespace inzage

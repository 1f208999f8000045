// OTLP/JSON (the Collector's Kafka exporter's otlp_json encoding): one ExportTraceServiceRequest
// per message, keys in lowerCamelCase, ids in hex, 64-bit integers as strings or numbers
// (the OTLP specification's JSON mapping). Unknown keys are ignored, as OTLP receivers must.
#include <cstring>

#include "interop/decoder_impl.h"

namespace inzage {
namespace {

namespace dom = simdjson::dom;

bool HexToBytes(std::string_view hex, char* out, size_t n) {
  if (hex.size() != 2 * n) return false;
  const auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; i < n; ++i) {
    const int hi = nibble(hex[2 * i]), lo = nibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<char>(hi << 4 | lo);
  }
  return true;
}

// A fixed64 in OTLP/JSON: a decimal string, or a number.
bool Fixed64(dom::element v, std::uint64_t* out) {
  std::string_view s;
  if (v.get_string().get(s) == simdjson::SUCCESS) {
    if (s.empty() || s.size() > 20) return false;
    std::uint64_t n = 0;
    for (char c : s) {
      if (c < '0' || c > '9') return false;
      n = n * 10 + static_cast<std::uint64_t>(c - '0');
    }
    *out = n;
    return true;
  }
  return v.get_uint64().get(*out) == simdjson::SUCCESS;
}

class JsonSpanReader {
 public:
  explicit JsonSpanReader(MessageDecoder::Impl& d) : d_(d) {}

  void Attribute(dom::element kv, LdvSpan* s) {
    using Attr = MessageDecoder::Impl::Attr;
    std::string_view key;
    if (kv["key"].get_string().get(key) != simdjson::SUCCESS) return;
    dom::object value;
    if (kv["value"].get_object().get(value) != simdjson::SUCCESS) return;
    std::string_view str;
    const bool is_string = value["stringValue"].get_string().get(str) == simdjson::SUCCESS;
    if (!d_.controller_attribute().empty() && key == d_.controller_attribute() && is_string) {
      s->controller = str;
      return;
    }
    const Attr attr = d_.Classify(key);
    if (attr == Attr::kOther) return;
    if (is_string) {
      MessageDecoder::Impl::SetString(s, attr, str);
      return;
    }
    dom::array values;
    if (value["arrayValue"]["values"].get_array().get(values) == simdjson::SUCCESS) {
      if (attr == Attr::kUserRoles || attr == Attr::kCategories) {
        for (dom::element item : values) {
          if (item["stringValue"].get_string().get(str) == simdjson::SUCCESS) {
            MessageDecoder::Impl::SetString(s, attr, str);
          }
        }
        return;
      }
      if (attr == Attr::kNenUsers) {
        bool chosen_requestor = false;
        for (dom::element user : values) {
          dom::array fields;
          if (user["kvlistValue"]["values"].get_array().get(fields) != simdjson::SUCCESS) continue;
          std::string_view id, role;
          bool requestor = false;
          for (dom::element f : fields) {
            std::string_view k;
            if (f["key"].get_string().get(k) != simdjson::SUCCESS) continue;
            auto v = f["value"];
            if (k == "userID" && v["stringValue"].get_string().get(id) != simdjson::SUCCESS) {
              id = {};
            }
            if (k == "roleIDCode" && v["stringValue"].get_string().get(role) != simdjson::SUCCESS) {
              role = {};
            }
            if (k == "userIsRequestor" &&
                v["boolValue"].get_bool().get(requestor) != simdjson::SUCCESS) {
              requestor = false;
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
    }
    if (attr == Attr::kDplOther) {
      s->any_dpl = true;
      return;
    }
    if (attr == Attr::kActivity || attr == Attr::kSubjectId || attr == Attr::kSubjectIdType) {
      s->any_dpl = true;
    }
    if (s->problem.empty()) s->problem = std::string(key) + " must be a string";
  }

 private:
  MessageDecoder::Impl& d_;
};

}  // namespace

Status MessageDecoder::Impl::DecodeOtlpJson(std::string_view message, RecordSink* sink,
                                            DecodeCounts* counts) {
  if (message.size() > kMaxOtlpMessageBytes) {
    return Status::InvalidArgument("message exceeds 16 MiB");
  }
  const size_t needed = message.size() + simdjson::SIMDJSON_PADDING;
  if (padded_.size() < needed) padded_.resize(needed);
  std::memcpy(padded_.data(), message.data(), message.size());
  std::memset(padded_.data() + message.size(), 0, simdjson::SIMDJSON_PADDING);
  dom::element root;
  if (auto err = json_.parse(padded_.data(), message.size(), false).get(root);
      err != simdjson::SUCCESS) {
    return Status::InvalidArgument(std::string("malformed JSON: ") + simdjson::error_message(err));
  }
  dom::object request;
  if (root.get_object().get(request) != simdjson::SUCCESS) {
    return Status::InvalidArgument("message must be a JSON object (an ExportTraceServiceRequest)");
  }
  dom::array resource_spans;
  const auto rs_err = request["resourceSpans"].get_array().get(resource_spans);
  if (rs_err == simdjson::NO_SUCH_FIELD) return Status::Ok();  // an empty request
  if (rs_err != simdjson::SUCCESS) {
    return Status::InvalidArgument("resourceSpans must be an array");
  }
  size_t spans = 0;
  for (dom::element rs : resource_spans) {
    dom::array scope_spans;
    if (rs["scopeSpans"].get_array().get(scope_spans) != simdjson::SUCCESS) continue;
    for (dom::element ss : scope_spans) {
      dom::array list;
      if (ss["spans"].get_array().get(list) == simdjson::SUCCESS) spans += list.size();
    }
  }
  if (spans > kMaxRecords) {
    return Status::InvalidArgument("the request holds " + std::to_string(spans) +
                                   " spans; at most 100000 are read from one message");
  }
  JsonSpanReader reader(*this);
  std::array<char, 16> trace{};
  std::array<char, 8> span_id{};
  for (dom::element rs : resource_spans) {
    LdvResource resource;
    dom::array resource_attributes;
    if (rs["resource"]["attributes"].get_array().get(resource_attributes) == simdjson::SUCCESS) {
      for (dom::element kv : resource_attributes) {
        std::string_view key, value;
        if (kv["key"].get_string().get(key) != simdjson::SUCCESS ||
            kv["value"]["stringValue"].get_string().get(value) != simdjson::SUCCESS) {
          continue;
        }
        if (key == "service.name") resource.service_name = value;
        if (key == controller_attribute()) resource.controller = value;
      }
    }
    dom::array scope_spans;
    if (rs["scopeSpans"].get_array().get(scope_spans) != simdjson::SUCCESS) continue;
    for (dom::element ss : scope_spans) {
      dom::array list;
      if (ss["spans"].get_array().get(list) != simdjson::SUCCESS) continue;
      for (dom::element sp : list) {
        span_.Clear();
        dom::object obj;
        if (sp.get_object().get(obj) != simdjson::SUCCESS) {
          span_.any_dpl = true;
          span_.problem = "a span must be a JSON object";
          EmitSpan(span_, resource, sink, counts);
          continue;
        }
        for (dom::key_value_pair field : obj) {
          const std::string_view key = field.key;
          std::string_view text;
          if (key == "traceId") {
            if (field.value.get_string().get(text) == simdjson::SUCCESS &&
                HexToBytes(text, trace.data(), trace.size())) {
              span_.trace_id = std::string_view(trace.data(), trace.size());
            }
          } else if (key == "spanId") {
            if (field.value.get_string().get(text) == simdjson::SUCCESS &&
                HexToBytes(text, span_id.data(), span_id.size())) {
              span_.span_id = std::string_view(span_id.data(), span_id.size());
            }
          } else if (key == "name") {
            if (field.value.get_string().get(span_.name) != simdjson::SUCCESS) span_.name = {};
          } else if (key == "startTimeUnixNano") {
            if (!Fixed64(field.value, &span_.start_ns)) span_.start_ns = 0;
          } else if (key == "attributes") {
            dom::array attributes;
            if (field.value.get_array().get(attributes) == simdjson::SUCCESS) {
              for (dom::element kv : attributes) reader.Attribute(kv, &span_);
            }
          }
        }
        EmitSpan(span_, resource, sink, counts);
      }
    }
  }
  return Status::Ok();
}

}  // namespace inzage

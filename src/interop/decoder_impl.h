// The inside of MessageDecoder (message_decoder.h), shared by the files that decode each format:
// ldv_span.cc (an LDV span's fields into a SourceRecord: actor, subject, ids), otlp_proto.cc,
// otlp_json.cc and vng.cc. Not for use outside src/interop/.
// Thread safety: one instance per decoder, one thread.
#pragma once

#include <simdjson.h>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "interop/message_decoder.h"
#include "interop/source_record.h"

namespace inzage {

// What one OTLP span says, as far as inzage reads it; views into the decoded message.
struct LdvSpan {
  std::string_view trace_id;  // 16 bytes, binary
  std::string_view span_id;   // 8 bytes, binary
  std::string_view name;
  std::uint64_t start_ns = 0;
  bool any_dpl = false;  // a dpl.core.* attribute: this span is an LDV record
  std::string_view activity;
  std::string_view subject_id, subject_id_type;
  bool has_subject_id = false, has_subject_id_type = false;
  // Actor candidates, in the order they are tried (docs/interop.md, "Who acted").
  std::string_view nen_users_json;  // dpl.nen7513.users given as a JSON string
  std::string_view nen_user, nen_role;
  std::string_view enduser_id, user_id, enduser_pseudo_id, user_name;
  std::string_view enduser_role;
  std::vector<std::string_view> user_roles;
  std::vector<std::string_view> categories;
  std::string_view controller;  // the span's own controller attribute, if it has one
  std::string problem;          // the first attribute of a type inzage cannot read

  void Clear() {
    trace_id = span_id = name = {};
    start_ns = 0;
    any_dpl = false;
    activity = subject_id = subject_id_type = {};
    has_subject_id = has_subject_id_type = false;
    nen_users_json = nen_user = nen_role = {};
    enduser_id = user_id = enduser_pseudo_id = user_name = enduser_role = {};
    user_roles.clear();
    categories.clear();
    controller = {};
    problem.clear();
  }
};

// What a span's resource says: the system and the controller.
struct LdvResource {
  std::string_view service_name;
  std::string_view controller;
};

class MessageDecoder::Impl {
 public:
  Impl(const Pseudonymizer* pseudonymizer, const Policy** policy)
      : pseudonymizer_(pseudonymizer), policy_(policy) {}

  Status DecodeOtlpProto(std::string_view message, RecordSink* sink, DecodeCounts* counts);
  Status DecodeOtlpJson(std::string_view message, RecordSink* sink, DecodeCounts* counts);
  Status DecodeVng(std::string_view message, RecordSink* sink, DecodeCounts* counts);

  // One decoded span into the sink (ldv_span.cc).
  void EmitSpan(const LdvSpan& span, const LdvResource& resource, RecordSink* sink,
                DecodeCounts* counts);
  // Which attributes a span reader wants, and where a string attribute goes (ldv_span.cc).
  enum class Attr : std::uint8_t {
    kOther,
    kActivity,
    kSubjectId,
    kSubjectIdType,
    kDplOther,  // another dpl.core.* attribute: marks the span as an LDV record
    kNenUsers,
    kEnduserId,
    kUserId,
    kEnduserPseudoId,
    kUserName,
    kUserRoles,
    kEnduserRole,
    kCategories,
  };
  [[nodiscard]] Attr Classify(std::string_view key) const;
  // Stores a string attribute's value; arrays (user.roles, inzage.data_categories) per item.
  static void SetString(LdvSpan* span, Attr attr, std::string_view value);
  [[nodiscard]] const std::string& controller_attribute() const;

  const Pseudonymizer* pseudonymizer_;
  const Policy** policy_;  // the policy of the Decode in progress

  // OTLP protobuf: the spans of the message being decoded (read whole before any is handed out)
  // and the resources they belong to; reused.
  std::vector<LdvSpan> spans_;
  std::vector<size_t> span_resource_;
  std::vector<LdvResource> resources_;
  // OTLP/JSON and VNG: one DOM parser and padded buffer, reused.
  simdjson::dom::parser json_;
  std::string padded_;
  simdjson::dom::parser nen_json_;  // dpl.nen7513.users as a JSON string
  // Per record: the strings an event views.
  std::string event_id_;
  std::string trace_hex_, span_hex_;
  std::string where_;
  std::string reason_;
  std::vector<Pseudonym> subjects_;
  std::vector<std::string_view> roles_;
  std::vector<std::string_view> categories_;
  LdvSpan span_;
};

}  // namespace inzage

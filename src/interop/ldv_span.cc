// An LDV span's fields into a SourceRecord and then an access event: ids, time, subject, actor.
#include <algorithm>
#include <cctype>

#include "common/hex.h"
#include "event/bsn.h"
#include "interop/decoder_impl.h"

namespace inzage {
namespace {

constexpr std::string_view kActivityKey = "dpl.core.processing_activity_id";
constexpr std::string_view kSubjectKey = "dpl.core.data_subject_id";
constexpr std::string_view kSubjectTypeKey = "dpl.core.data_subject_id_type";

bool AllZero(std::string_view bytes) {
  return std::all_of(bytes.begin(), bytes.end(), [](char c) { return c == 0; });
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool ValidActorId(std::string_view s) {
  return !s.empty() && s.size() <= 128 &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c <= 0x7e; });
}

void AppendHex(std::string* out, std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  for (char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    out->push_back(kDigits[b >> 4]);
    out->push_back(kDigits[b & 15]);
  }
}

}  // namespace

const std::string& MessageDecoder::Impl::controller_attribute() const {
  return (*policy_)->interop().ldv_controller_attribute;
}

MessageDecoder::Impl::Attr MessageDecoder::Impl::Classify(std::string_view key) const {
  if (key.starts_with("dpl.")) {
    if (key == kActivityKey) return Attr::kActivity;
    if (key == kSubjectKey) return Attr::kSubjectId;
    if (key == kSubjectTypeKey) return Attr::kSubjectIdType;
    // An early Go library of the standard spelled it so; read it as the activity.
    if (key == "dpl.core.procsssing_activity_id") return Attr::kActivity;
    if (key == "dpl.nen7513.users") return Attr::kNenUsers;
    if (key.starts_with("dpl.core.")) return Attr::kDplOther;
    return Attr::kOther;
  }
  if (key == "enduser.id") return Attr::kEnduserId;
  if (key == "user.id") return Attr::kUserId;
  if (key == "enduser.pseudo.id") return Attr::kEnduserPseudoId;
  if (key == "user.name") return Attr::kUserName;
  if (key == "user.roles") return Attr::kUserRoles;
  if (key == "enduser.role") return Attr::kEnduserRole;
  if (key == "inzage.data_categories") return Attr::kCategories;
  return Attr::kOther;
}

void MessageDecoder::Impl::SetString(LdvSpan* s, Attr attr, std::string_view v) {
  switch (attr) {
    case Attr::kActivity:
      s->any_dpl = true;
      s->activity = v;
      break;
    case Attr::kSubjectId:
      s->any_dpl = true;
      s->subject_id = v;
      s->has_subject_id = true;
      break;
    case Attr::kSubjectIdType:
      s->any_dpl = true;
      s->subject_id_type = v;
      s->has_subject_id_type = true;
      break;
    case Attr::kDplOther:
      s->any_dpl = true;
      break;
    case Attr::kNenUsers:
      s->nen_users_json = v;
      break;
    case Attr::kEnduserId:
      s->enduser_id = v;
      break;
    case Attr::kUserId:
      s->user_id = v;
      break;
    case Attr::kEnduserPseudoId:
      s->enduser_pseudo_id = v;
      break;
    case Attr::kUserName:
      s->user_name = v;
      break;
    case Attr::kUserRoles:
      if (s->user_roles.size() < EventParser::kMaxRoles) s->user_roles.push_back(v);
      break;
    case Attr::kEnduserRole:
      s->enduser_role = v;
      break;
    case Attr::kCategories:
      if (s->categories.size() < 64) s->categories.push_back(v);
      break;
    case Attr::kOther:
      break;
  }
}

void MessageDecoder::Impl::EmitSpan(const LdvSpan& s, const LdvResource& resource, RecordSink* sink,
                                    DecodeCounts* counts) {
  if (!s.any_dpl) {
    ++counts->skipped;  // ordinary tracing, no LDV record
    return;
  }
  ++counts->records;
  trace_hex_.clear();
  span_hex_.clear();
  AppendHex(&trace_hex_, s.trace_id);
  AppendHex(&span_hex_, s.span_id);
  event_id_.assign(trace_hex_).append(span_hex_);
  where_.assign("span ").append(span_hex_.empty() ? "(none)" : span_hex_);
  where_.append(" of trace ").append(trace_hex_.empty() ? "(none)" : trace_hex_);
  const auto invalid = [&](std::string_view reason) {
    ++counts->invalid;
    sink->Invalid(InvalidRecord{where_, event_id_, reason});
  };
  if (!s.problem.empty()) return invalid(s.problem);
  if (s.trace_id.size() != 16 || AllZero(s.trace_id)) {
    return invalid("trace_id is missing or not 16 bytes");
  }
  if (s.span_id.size() != 8 || AllZero(s.span_id)) {
    return invalid("span_id is missing or not 8 bytes");
  }
  if (s.start_ns == 0) return invalid("start_time_unix_nano is missing");
  if (s.activity.empty()) return invalid("dpl.core.processing_activity_id is missing");

  // The subject: LDV names at most one per span.
  if (!s.has_subject_id && !s.has_subject_id_type) {
    if ((*policy_)->interop().skip_spans_without_subject) {
      --counts->records;
      ++counts->skipped;
      return;
    }
    return invalid(
        "names no data subject (dpl.core.data_subject_id): LDV allows that for a parent span, "
        "inzage has no access to record (interop.without_subject)");
  }
  if (!s.has_subject_id) return invalid("dpl.core.data_subject_id is missing");
  if (!s.has_subject_id_type) return invalid("dpl.core.data_subject_id_type is missing");
  if (!EqualsIgnoreCase(s.subject_id_type, "BSN")) {
    reason_.assign("dpl.core.data_subject_id_type ")
        .append(SafeQuote(s.subject_id_type, 80))
        .append(" is not a type inzage knows (BSN)");
    return invalid(reason_);
  }
  NormalisedBsn bsn{};
  if (const char* why = CheckBsn(s.subject_id, &bsn); why != nullptr) {
    reason_.assign("dpl.core.data_subject_id: ").append(why);
    return invalid(reason_);
  }
  subjects_.clear();
  subjects_.push_back(pseudonymizer_->Pseudonymise(std::string_view(bsn.data(), bsn.size())));
  bsn.fill('\0');

  // Who acted, in the documented order.
  std::string_view actor, role;
  std::string_view nen_user = s.nen_user, nen_role = s.nen_role;
  if (nen_user.empty() && !s.nen_users_json.empty()) {
    // dpl.nen7513.users as a JSON string (SDKs whose attributes cannot hold maps).
    simdjson::dom::element root;
    simdjson::dom::array users;
    if (nen_json_.parse(s.nen_users_json.data(), s.nen_users_json.size()).get(root) !=
            simdjson::SUCCESS ||
        root.get_array().get(users) != simdjson::SUCCESS) {
      return invalid("dpl.nen7513.users is neither a list of users nor a JSON array of them");
    }
    bool chosen_requestor = false;
    for (simdjson::dom::element u : users) {
      std::string_view id, r;
      bool requestor = false;
      if (u["userID"].get_string().get(id) != simdjson::SUCCESS) continue;
      if (u["roleIDCode"].get_string().get(r) != simdjson::SUCCESS) r = {};
      if (u["userIsRequestor"].get_bool().get(requestor) != simdjson::SUCCESS) requestor = {};
      if (nen_user.empty() || (requestor && !chosen_requestor)) {
        nen_user = id;  // views into the parser's string buffer, valid until its next parse
        nen_role = r;
        chosen_requestor = requestor;
      }
    }
  }
  roles_.clear();
  if (!nen_user.empty()) {
    actor = nen_user;
    role = nen_role;
    if (!role.empty()) roles_.push_back(role);
  } else {
    for (std::string_view candidate : {s.enduser_id, s.user_id, s.enduser_pseudo_id, s.user_name}) {
      if (!candidate.empty()) {
        actor = candidate;
        break;
      }
    }
    roles_.assign(s.user_roles.begin(), s.user_roles.end());
    if (roles_.empty() && !s.enduser_role.empty()) roles_.push_back(s.enduser_role);
  }
  if (actor.empty()) {
    return invalid(
        "no actor: the span has none of dpl.nen7513.users[].userID, enduser.id, user.id, "
        "enduser.pseudo.id, user.name (LDV leaves the user to a separate audit log; "
        "docs/interop.md)");
  }
  if (!ValidActorId(actor)) return invalid("the actor id must be 1-128 printable characters");
  roles_.erase(std::remove_if(roles_.begin(), roles_.end(),
                              [](std::string_view r) { return r.empty() || r.size() > 64; }),
               roles_.end());

  SourceRecord r;
  r.event_id = event_id_;
  r.time = static_cast<TimeMicros>(s.start_ns / 1000);
  r.activity_kind = SourceRecord::ActivityRef::kLdvId;
  r.activity = s.activity;
  r.activity_field = kActivityKey;
  r.controller = s.controller.empty() ? resource.controller : s.controller;
  r.controller_field = controller_attribute();
  r.actor_id = actor;
  r.roles = roles_;
  r.action_name = s.name;
  r.action_field = "the span's name";
  r.categories = s.categories;
  r.categories_field = "inzage.data_categories";
  r.system = resource.service_name.empty() ? std::string_view("unknown_service")
                                           : resource.service_name.substr(0, 128);
  r.subjects = subjects_;
  r.trace_id = trace_hex_;
  r.span_id = span_hex_;
  AccessEvent event;
  if (Status st = MapToAccess(**policy_, r, &event); !st.ok()) {
    reason_ = st.message();
    return invalid(reason_);
  }
  ++counts->accesses;
  sink->Access(event);
}

}  // namespace inzage

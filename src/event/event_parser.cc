#include "event/event_parser.h"

#include <cstring>

#include "event/bsn.h"

namespace inzage {
namespace {

namespace dom = simdjson::dom;

// Bits for required-field tracking and duplicate detection.
constexpr std::uint32_t kFSchema = 1u << 0;
constexpr std::uint32_t kFEventId = 1u << 1;
constexpr std::uint32_t kFTime = 1u << 2;
constexpr std::uint32_t kFMunicipality = 1u << 3;
constexpr std::uint32_t kFActor = 1u << 4;
constexpr std::uint32_t kFAction = 1u << 5;
constexpr std::uint32_t kFSubjects = 1u << 6;
constexpr std::uint32_t kFResource = 1u << 7;
constexpr std::uint32_t kFPurpose = 1u << 8;
constexpr std::uint32_t kFCaseId = 1u << 9;
constexpr std::uint32_t kFRecipient = 1u << 10;
constexpr std::uint32_t kFEmergency = 1u << 11;
constexpr std::uint32_t kFTraceId = 1u << 12;
constexpr std::uint32_t kFSpanId = 1u << 13;

// Maps a top-level key to its field bit with one comparison (0 = unknown key).
std::uint32_t TopKey(std::string_view key) {
  switch (key.size()) {
    case 4:
      return key == "time" ? kFTime : 0;
    case 5:
      return key == "actor" ? kFActor : 0;
    case 6:
      if (key == "schema") return kFSchema;
      return key == "action" ? kFAction : 0;
    case 7:
      if (key == "purpose") return kFPurpose;
      if (key == "case_id") return kFCaseId;
      return key == "span_id" ? kFSpanId : 0;
    case 8:
      if (key == "event_id") return kFEventId;
      if (key == "subjects") return kFSubjects;
      if (key == "resource") return kFResource;
      return key == "trace_id" ? kFTraceId : 0;
    case 9:
      if (key == "recipient") return kFRecipient;
      return key == "emergency" ? kFEmergency : 0;
    case 12:
      return key == "municipality" ? kFMunicipality : 0;
    default:
      return 0;
  }
}

constexpr std::uint32_t kRequiredTop =
    kFSchema | kFEventId | kFTime | kFMunicipality | kFActor | kFAction | kFSubjects | kFResource;

struct RequiredName {
  std::uint32_t bit;
  const char* name;
};
constexpr RequiredName kRequiredOrder[] = {
    {kFSchema, "schema"},     {kFEventId, "event_id"},
    {kFTime, "time"},         {kFMunicipality, "municipality"},
    {kFActor, "actor"},       {kFAction, "action"},
    {kFSubjects, "subjects"}, {kFResource, "resource"},
};

Status FieldError(std::string_view field, std::string_view reason) {
  std::string msg;
  msg.reserve(field.size() + reason.size() + 2);
  msg.append(field).append(": ").append(reason);
  return Status::InvalidArgument(std::move(msg));
}

const char* JsonTypeName(dom::element_type t) {
  switch (t) {
    case dom::element_type::ARRAY:
      return "an array";
    case dom::element_type::OBJECT:
      return "an object";
    case dom::element_type::INT64:
    case dom::element_type::UINT64:
    case dom::element_type::DOUBLE:
      return "a number";
    case dom::element_type::STRING:
      return "a string";
    case dom::element_type::BOOL:
      return "a boolean";
    case dom::element_type::NULL_VALUE:
      return "null";
  }
  return "a value";
}

// "must be a string, not a number".
Status TypeError(std::string_view field, dom::element v, const char* expected) {
  return FieldError(field, std::string("must be ") + expected + ", not " + JsonTypeName(v.type()));
}

bool IsPrintableAscii(std::string_view s) {
  for (char c : s) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

bool IsIdToken(std::string_view s) {  // ^[a-z0-9][a-z0-9_-]{0,63}$
  if (s.empty() || s.size() > 64) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (i > 0 && (c == '_' || c == '-'));
    if (!ok) return false;
  }
  return true;
}

bool IsFieldName(std::string_view s) {  // ^[a-z][a-z0-9_]{0,63}$
  if (s.empty() || s.size() > 64 || s[0] < 'a' || s[0] > 'z') return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

bool IsLowerHex(std::string_view s, size_t n) {
  if (s.size() != n) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

size_t Utf8CodePoints(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
  return n;
}

template <size_t N>
std::string EnumList(const std::array<std::string_view, N>& names) {
  std::string out;
  for (auto n : names) {
    if (n.empty()) continue;
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out;
}

template <size_t N>
Status EnumError(std::string_view field, std::string_view got,
                 const std::array<std::string_view, N>& names) {
  return FieldError(field, SafeQuote(got) + " is not one of " + EnumList(names));
}

}  // namespace

std::string SafeQuote(std::string_view value, size_t max_chars) {
  std::string out = "\"";
  size_t shown = 0;
  for (size_t i = 0; i < value.size() && shown < max_chars; ++shown) {
    const char c = value[i];
    if (c >= '0' && c <= '9') {
      size_t j = i;
      while (j < value.size() && value[j] >= '0' && value[j] <= '9') ++j;
      if (j - i >= 8) {
        out += "<digits>";
      } else {
        out.append(value.substr(i, j - i));
      }
      i = j;
      continue;
    }
    out.push_back(c >= 0x20 && c <= 0x7e && c != '"' && c != '\\' ? c : '?');
    ++i;
  }
  if (shown >= max_chars && value.size() > max_chars) out += "...";
  out += "\"";
  return out;
}

// Per-parse helper that owns no state beyond references into the EventParser.
class EventParser::Impl {
 public:
  Impl(const Pseudonymizer* p, std::vector<Pseudonym>& subjects,
       std::vector<std::string_view>& roles, std::vector<std::string_view>& fields)
      : pseudonymizer_(p), subjects_(subjects), roles_(roles), fields_(fields) {}

  Status Top(dom::object obj, AccessEvent* e, std::string_view* event_id_seen) {
    std::uint32_t seen = 0;
    for (dom::key_value_pair field : obj) {
      const std::string_view key = field.key;
      dom::element v = field.value;
      std::uint32_t bit = 0;
      Status st;
      switch (TopKey(key)) {
        case kFSchema: {
          bit = kFSchema;
          std::string_view s;
          if (v.get_string().get(s) != simdjson::SUCCESS) return TypeError("schema", v, "a string");
          if (s != "inzage.access/1") {
            st = FieldError("schema", SafeQuote(s) + " is not \"inzage.access/1\"");
          }
          break;
        }
        case kFEventId: {
          bit = kFEventId;
          st = PrintableString("event_id", v, 128, &e->event_id);
          if (st.ok()) *event_id_seen = e->event_id;
          break;
        }
        case kFTime: {
          bit = kFTime;
          std::string_view s;
          if (v.get_string().get(s) != simdjson::SUCCESS) return TypeError("time", v, "a string");
          auto t = ParseRfc3339(s);
          if (!t) {
            st = FieldError("time", SafeQuote(s) + " is not an RFC 3339 time with a zone");
          } else {
            e->time = *t;
          }
          break;
        }
        case kFMunicipality: {
          bit = kFMunicipality;
          st = IdToken("municipality", v, &e->municipality);
          break;
        }
        case kFActor: {
          bit = kFActor;
          st = Actor(v, e);
          break;
        }
        case kFAction: {
          bit = kFAction;
          st = EnumValue("action", v, kActionNames, &e->action);
          break;
        }
        case kFSubjects: {
          bit = kFSubjects;
          st = Subjects(v, e);
          break;
        }
        case kFResource: {
          bit = kFResource;
          st = Resource(v, e);
          break;
        }
        case kFPurpose: {
          bit = kFPurpose;
          st = NullablePrintable("purpose", v, 128, &e->purpose);
          break;
        }
        case kFCaseId: {
          bit = kFCaseId;
          st = NullablePrintable("case_id", v, 128, &e->case_id);
          break;
        }
        case kFRecipient: {
          bit = kFRecipient;
          st = RecipientValue(v, e);
          break;
        }
        case kFEmergency: {
          bit = kFEmergency;
          st = Emergency(v, e);
          break;
        }
        case kFTraceId: {
          bit = kFTraceId;
          st = NullableHex("trace_id", v, 32, &e->trace_id);
          break;
        }
        case kFSpanId: {
          bit = kFSpanId;
          st = NullableHex("span_id", v, 16, &e->span_id);
          break;
        }
        default:
          // Forward compatibility: unknown top-level fields are ignored (the DOM parse has
          // already checked that they are valid JSON).
          break;
      }
      if (!st.ok()) return st;
      if (bit != 0) {
        if ((seen & bit) != 0) return FieldError(key, "appears more than once");
        seen |= bit;
      }
    }
    if ((seen & kRequiredTop) != kRequiredTop) {
      for (const auto& r : kRequiredOrder) {
        if ((seen & r.bit) == 0) return FieldError(r.name, "required field is missing");
      }
    }
    if ((seen & kFResource) != 0 && !record_count_given_) {
      e->record_count = static_cast<std::uint32_t>(e->subjects.size());
    }
    return Status::Ok();
  }

 private:
  // The error text is built only on failure, so callers pass cheap names.
  static const char* PrintableProblem(std::string_view s, size_t max) {
    if (s.empty() || s.size() > max) {
      return max == 64 ? "must be 1 to 64 characters" : "must be 1 to 128 characters";
    }
    if (!IsPrintableAscii(s)) return "must be printable ASCII";
    return nullptr;
  }

  Status PrintableString(std::string_view name, dom::element v, size_t max, std::string_view* out) {
    std::string_view s;
    if (v.get_string().get(s) != simdjson::SUCCESS) return TypeError(name, v, "a string");
    if (const char* problem = PrintableProblem(s, max)) return FieldError(name, problem);
    *out = s;
    return Status::Ok();
  }

  Status NullablePrintable(std::string_view name, dom::element v, size_t max,
                           std::string_view* out) {
    if (v.is_null()) {
      *out = {};
      return Status::Ok();
    }
    return PrintableString(name, v, max, out);
  }

  Status NullableHex(std::string_view name, dom::element v, size_t n, std::string_view* out) {
    if (v.is_null()) {
      *out = {};
      return Status::Ok();
    }
    std::string_view s;
    if (v.get_string().get(s) != simdjson::SUCCESS) return TypeError(name, v, "a string or null");
    if (!IsLowerHex(s, n)) {
      return FieldError(name, "must be " + std::to_string(n) + " lower-case hex digits");
    }
    *out = s;
    return Status::Ok();
  }

  Status IdToken(std::string_view name, dom::element v, std::string_view* out) {
    std::string_view s;
    if (v.get_string().get(s) != simdjson::SUCCESS) return TypeError(name, v, "a string");
    if (!IsIdToken(s)) {
      return FieldError(name, SafeQuote(s) + " is not an id (a-z, 0-9, '-', '_'; at most 64)");
    }
    *out = s;
    return Status::Ok();
  }

  template <typename Enum, size_t N>
  Status EnumValue(std::string_view name, dom::element v,
                   const std::array<std::string_view, N>& names, Enum* out) {
    std::string_view s;
    if (v.get_string().get(s) != simdjson::SUCCESS) return TypeError(name, v, "a string");
    auto parsed = EnumFromName<Enum>(names, s);
    if (!parsed) return EnumError(name, s, names);
    *out = *parsed;
    return Status::Ok();
  }

  Status Actor(dom::element v, AccessEvent* e) {
    dom::object obj;
    if (v.get_object().get(obj) != simdjson::SUCCESS) return TypeError("actor", v, "an object");
    bool has_id = false, has_kind = false, has_roles = false;
    roles_.clear();
    for (dom::key_value_pair field : obj) {
      const std::string_view key = field.key;
      dom::element fv = field.value;
      if (key == "id") {
        if (has_id) return FieldError("actor.id", "appears more than once");
        has_id = true;
        if (auto st = PrintableString("actor.id", fv, 128, &e->actor_id); !st.ok()) return st;
      } else if (key == "kind") {
        if (has_kind) return FieldError("actor.kind", "appears more than once");
        has_kind = true;
        auto st = EnumValue("actor.kind", fv, kActorKindNames, &e->actor_kind);
        if (!st.ok()) return st;
      } else if (key == "roles") {
        if (has_roles) return FieldError("actor.roles", "appears more than once");
        has_roles = true;
        dom::array arr;
        if (fv.get_array().get(arr) != simdjson::SUCCESS) {
          return TypeError("actor.roles", fv, "an array");
        }
        for (dom::element item : arr) {
          if (roles_.size() >= EventParser::kMaxRoles) {
            return FieldError("actor.roles", "must have at most 32 items");
          }
          std::string_view role;
          if (item.get_string().get(role) != simdjson::SUCCESS) {
            return TypeError(IndexedName("actor.roles", roles_.size(), ""), item, "a string");
          }
          if (const char* problem = PrintableProblem(role, 64)) {
            return FieldError(IndexedName("actor.roles", roles_.size(), ""), problem);
          }
          roles_.push_back(role);
        }
      } else {
        return FieldError("actor." + std::string(SafeQuote(key)), "unknown field");
      }
    }
    if (!has_id) return FieldError("actor.id", "required field is missing");
    if (!has_kind) return FieldError("actor.kind", "required field is missing");
    e->claimed_roles = roles_;
    return Status::Ok();
  }

  static std::string IndexedName(std::string_view base, size_t i, std::string_view suffix) {
    std::string s(base);
    s += '[';
    s += std::to_string(i);
    s += ']';
    s += suffix;
    return s;
  }

  Status Subjects(dom::element v, AccessEvent* e) {
    dom::array arr;
    if (v.get_array().get(arr) != simdjson::SUCCESS) return TypeError("subjects", v, "an array");
    subjects_.clear();
    for (dom::element item : arr) {
      const size_t index = subjects_.size();
      if (index >= EventParser::kMaxSubjects) {
        return FieldError("subjects", "must have at most 10000 items");
      }
      dom::object obj;
      if (item.get_object().get(obj) != simdjson::SUCCESS) {
        return TypeError(IndexedName("subjects", index, ""), item, "an object");
      }
      bool has_bsn = false;
      NormalisedBsn bsn{};
      for (dom::key_value_pair field : obj) {
        const std::string_view key = field.key;
        dom::element fv = field.value;
        if (key != "bsn") {
          return FieldError(IndexedName("subjects", index, ".") + SafeQuote(key), "unknown field");
        }
        if (has_bsn) {
          return FieldError(IndexedName("subjects", index, ".bsn"), "appears more than once");
        }
        has_bsn = true;
        std::string_view text;
        if (fv.get_string().get(text) != simdjson::SUCCESS) {
          return TypeError(IndexedName("subjects", index, ".bsn"), fv, "a string");
        }
        if (const char* why = CheckBsn(text, &bsn); why != nullptr) {
          return FieldError(IndexedName("subjects", index, ".bsn"), why);
        }
      }
      if (!has_bsn) {
        return FieldError(IndexedName("subjects", index, ".bsn"), "required field is missing");
      }
      subjects_.push_back(pseudonymizer_->Pseudonymise(std::string_view(bsn.data(), bsn.size())));
      bsn.fill('\0');
    }
    if (subjects_.empty()) return FieldError("subjects", "must have at least 1 item");
    e->subjects = subjects_;
    return Status::Ok();
  }

  Status Resource(dom::element v, AccessEvent* e) {
    dom::object obj;
    if (v.get_object().get(obj) != simdjson::SUCCESS) return TypeError("resource", v, "an object");
    std::uint32_t seen = 0;
    fields_.clear();
    e->categories = 0;
    e->method = BrpMethod::kNone;
    record_count_given_ = false;
    for (dom::key_value_pair field : obj) {
      const std::string_view key = field.key;
      dom::element fv = field.value;
      std::uint32_t bit = 0;
      Status st;
      if (key == "system") {
        bit = 1;
        st = PrintableString("resource.system", fv, 128, &e->system);
      } else if (key == "domain") {
        bit = 2;
        st = IdToken("resource.domain", fv, &e->domain);
      } else if (key == "info") {
        bit = 4;
        st = EnumValue("resource.info", fv, kInfoLevelNames, &e->info);
      } else if (key == "categories") {
        bit = 8;
        st = Categories(fv, e);
      } else if (key == "fields") {
        bit = 16;
        st = Fields(fv);
      } else if (key == "method") {
        bit = 32;
        if (fv.is_null()) {
          e->method = BrpMethod::kNone;
        } else {
          st = EnumValue("resource.method", fv, kBrpMethodNames, &e->method);
        }
      } else if (key == "record_count") {
        bit = 64;
        std::int64_t n = 0;
        if (fv.get_int64().get(n) != simdjson::SUCCESS) {
          st = TypeError("resource.record_count", fv, "an integer");
        } else if (n < 0 || n > 1'000'000'000) {
          st = FieldError("resource.record_count", "must be between 0 and one billion");
        } else {
          e->record_count = static_cast<std::uint32_t>(n);
          record_count_given_ = true;
        }
      } else {
        return FieldError("resource." + SafeQuote(key), "unknown field");
      }
      if (!st.ok()) return st;
      if ((seen & bit) != 0) {
        return FieldError("resource." + std::string(key), "appears more than once");
      }
      seen |= bit;
    }
    if ((seen & 1) == 0) return FieldError("resource.system", "required field is missing");
    if ((seen & 2) == 0) return FieldError("resource.domain", "required field is missing");
    if ((seen & 4) == 0) return FieldError("resource.info", "required field is missing");
    e->fields = fields_;
    return Status::Ok();
  }

  Status Categories(dom::element v, AccessEvent* e) {
    dom::array arr;
    if (v.get_array().get(arr) != simdjson::SUCCESS) {
      return TypeError("resource.categories", v, "an array");
    }
    size_t index = 0;
    for (dom::element item : arr) {
      std::string_view name;
      if (item.get_string().get(name) != simdjson::SUCCESS) {
        return TypeError(IndexedName("resource.categories", index, ""), item, "a string");
      }
      const auto parsed = EnumFromName<Category>(kCategoryNames, name);
      if (!parsed) {
        return EnumError(IndexedName("resource.categories", index, ""), name, kCategoryNames);
      }
      const Category c = *parsed;
      if ((e->categories & CategoryBit(c)) != 0) {
        return FieldError(IndexedName("resource.categories", index, ""), "duplicate category");
      }
      e->categories |= CategoryBit(c);
      ++index;
    }
    return Status::Ok();
  }

  Status Fields(dom::element v) {
    dom::array arr;
    if (v.get_array().get(arr) != simdjson::SUCCESS) {
      return TypeError("resource.fields", v, "an array");
    }
    for (dom::element item : arr) {
      const size_t index = fields_.size();
      if (index >= EventParser::kMaxFields) {
        return FieldError("resource.fields", "must have at most 64 items");
      }
      std::string_view s;
      if (item.get_string().get(s) != simdjson::SUCCESS) {
        return TypeError(IndexedName("resource.fields", index, ""), item, "a string");
      }
      if (!IsFieldName(s)) {
        return FieldError(IndexedName("resource.fields", index, ""),
                          SafeQuote(s) + " is not a field name (a-z, 0-9, '_')");
      }
      fields_.push_back(s);
    }
    return Status::Ok();
  }

  Status RecipientValue(dom::element v, AccessEvent* e) {
    if (v.is_null()) {
      e->recipient.reset();
      return Status::Ok();
    }
    dom::object obj;
    if (v.get_object().get(obj) != simdjson::SUCCESS) {
      return TypeError("recipient", v, "an object or null");
    }
    Recipient r;
    bool has_id = false, has_kind = false, has_country = false;
    for (dom::key_value_pair field : obj) {
      const std::string_view key = field.key;
      dom::element fv = field.value;
      Status st;
      if (key == "id") {
        if (has_id) return FieldError("recipient.id", "appears more than once");
        has_id = true;
        st = PrintableString("recipient.id", fv, 128, &r.id);
      } else if (key == "kind") {
        if (has_kind) return FieldError("recipient.kind", "appears more than once");
        has_kind = true;
        st = EnumValue("recipient.kind", fv, kRecipientKindNames, &r.kind);
      } else if (key == "country") {
        if (has_country) return FieldError("recipient.country", "appears more than once");
        has_country = true;
        std::string_view s;
        if (fv.get_string().get(s) != simdjson::SUCCESS) {
          return TypeError("recipient.country", fv, "a string");
        }
        if (s.size() != 2 || s[0] < 'A' || s[0] > 'Z' || s[1] < 'A' || s[1] > 'Z') {
          return FieldError("recipient.country", "must be an ISO 3166 code of two capitals");
        }
        r.country = s;
      } else {
        return FieldError("recipient." + SafeQuote(key), "unknown field");
      }
      if (!st.ok()) return st;
    }
    if (!has_id) return FieldError("recipient.id", "required field is missing");
    if (!has_kind) return FieldError("recipient.kind", "required field is missing");
    e->recipient = r;
    return Status::Ok();
  }

  Status Emergency(dom::element v, AccessEvent* e) {
    if (v.is_null()) {
      e->emergency_reason.reset();
      return Status::Ok();
    }
    dom::object obj;
    if (v.get_object().get(obj) != simdjson::SUCCESS) {
      return TypeError("emergency", v, "an object or null");
    }
    bool has_reason = false;
    for (dom::key_value_pair field : obj) {
      const std::string_view key = field.key;
      dom::element fv = field.value;
      if (key != "reason") return FieldError("emergency." + SafeQuote(key), "unknown field");
      if (has_reason) return FieldError("emergency.reason", "appears more than once");
      has_reason = true;
      std::string_view s;
      if (fv.get_string().get(s) != simdjson::SUCCESS) {
        return TypeError("emergency.reason", fv, "a string");
      }
      if (Utf8CodePoints(s) > EventParser::kMaxEmergencyReasonChars) {
        return FieldError("emergency.reason", "must be at most 2000 characters");
      }
      e->emergency_reason = s;
    }
    if (!has_reason) return FieldError("emergency.reason", "required field is missing");
    return Status::Ok();
  }

  const Pseudonymizer* pseudonymizer_;
  std::vector<Pseudonym>& subjects_;
  std::vector<std::string_view>& roles_;
  std::vector<std::string_view>& fields_;
  bool record_count_given_ = false;
};

EventParser::EventParser(const Pseudonymizer* pseudonymizer) : pseudonymizer_(pseudonymizer) {
  padded_.resize(4096 + simdjson::SIMDJSON_PADDING);
  subjects_.reserve(64);
  roles_.reserve(EventParser::kMaxRoles);
  fields_.reserve(EventParser::kMaxFields);
}

Status EventParser::Parse(std::string_view message, AccessEvent* event) {
  last_event_id_ = {};
  if (message.size() > kMaxMessageBytes) {
    return Status::InvalidArgument("message exceeds 1 MiB");
  }
  const size_t needed = message.size() + simdjson::SIMDJSON_PADDING;
  if (padded_.size() < needed) padded_.resize(needed);
  std::memcpy(padded_.data(), message.data(), message.size());
  std::memset(padded_.data() + message.size(), 0, simdjson::SIMDJSON_PADDING);
  dom::element root;
  auto err = parser_.parse(padded_.data(), message.size(), false).get(root);
  if (err != simdjson::SUCCESS) {
    return Status::InvalidArgument(std::string("malformed JSON: ") + simdjson::error_message(err));
  }
  dom::object obj;
  if (root.get_object().get(obj) != simdjson::SUCCESS) {
    return Status::InvalidArgument(std::string("message must be a JSON object, not ") +
                                   JsonTypeName(root.type()));
  }
  *event = AccessEvent{};
  Impl impl(pseudonymizer_, subjects_, roles_, fields_);
  std::string_view event_id_seen;
  Status st = impl.Top(obj, event, &event_id_seen);
  last_event_id_ = event_id_seen;
  return st;
}

InvalidReason ClassifyParseError(std::string_view message) {
  if (message.starts_with("message exceeds")) return InvalidReason::kTooLarge;
  if (message.starts_with("malformed JSON")) return InvalidReason::kMalformedJson;
  if (message.starts_with("message must be a JSON object")) return InvalidReason::kNotObject;
  if (message.find(".bsn: ") != std::string_view::npos) return InvalidReason::kBsn;
  if (message.ends_with("required field is missing")) return InvalidReason::kMissingField;
  return InvalidReason::kInvalidField;
}

}  // namespace inzage

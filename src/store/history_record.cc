#include "store/history_record.h"

#include <cstring>

namespace inzage {
namespace {

void PutVarint(std::string* out, std::uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

bool GetVarint(std::string_view* in, std::uint64_t* v) {
  std::uint64_t result = 0;
  for (int shift = 0; shift <= 63 && !in->empty(); shift += 7) {
    const auto byte = static_cast<unsigned char>(in->front());
    in->remove_prefix(1);
    result |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) {
      *v = result;
      return true;
    }
  }
  return false;
}

void PutString(std::string* out, std::string_view s) {
  const size_t n = s.size() > 255 ? 255 : s.size();
  PutVarint(out, n);
  out->append(s.substr(0, n));
}

bool GetString(std::string_view* in, std::string_view* s) {
  std::uint64_t n = 0;
  if (!GetVarint(in, &n) || n > in->size()) return false;
  *s = in->substr(0, n);
  in->remove_prefix(n);
  return true;
}

bool GetByte(std::string_view* in, std::uint8_t* b) {
  if (in->empty()) return false;
  *b = static_cast<std::uint8_t>(in->front());
  in->remove_prefix(1);
  return true;
}

}  // namespace

void HistoryRecord::EncodeTo(std::string* out) const {
  out->push_back(static_cast<char>(kVersion));
  PutVarint(out, batch_seq);
  const auto zigzag =
      (static_cast<std::uint64_t>(time) << 1) ^ static_cast<std::uint64_t>(time >> 63);
  PutVarint(out, zigzag);
  out->push_back(static_cast<char>(action));
  out->push_back(static_cast<char>(info));
  out->push_back(static_cast<char>(verdict));
  out->push_back(static_cast<char>(recipient_kind));
  PutVarint(out, categories);
  for (const std::string* s : {&event_id, &actor, &role, &department, &municipality, &domain,
                               &activity, &case_id, &recipient}) {
    PutString(out, *s);
  }
  out->push_back(static_cast<char>(rules.size()));
  for (RuleId r : rules) out->push_back(static_cast<char>(r));
  PutVarint(out, subject_count);
  const size_t n = subjects.size() < kMaxActorSubjects ? subjects.size() : kMaxActorSubjects;
  PutVarint(out, n);
  for (size_t i = 0; i < n; ++i) {
    out->append(reinterpret_cast<const char*>(subjects[i].bytes.data()), subjects[i].bytes.size());
  }
}

Status HistoryRecord::Decode(std::string_view in, HistoryRecord* r) {
  auto bad = [] { return Status::Corruption("history record is malformed"); };
  std::uint8_t version = 0;
  if (!GetByte(&in, &version)) return bad();
  if (version != kVersion) {
    return Status::Corruption("history record version " + std::to_string(version) +
                              " is not supported by this inzage");
  }
  std::uint64_t v = 0;
  if (!GetVarint(&in, &r->batch_seq) || !GetVarint(&in, &v)) return bad();
  r->time = static_cast<TimeMicros>((v >> 1) ^ (~(v & 1) + 1));
  std::uint8_t b[4];
  for (auto& x : b) {
    if (!GetByte(&in, &x)) return bad();
  }
  if (b[0] >= kActionCount || b[1] >= kInfoLevelCount || b[2] > 3) return bad();
  r->action = static_cast<Action>(b[0]);
  r->info = static_cast<InfoLevel>(b[1]);
  r->verdict = static_cast<Verdict>(b[2]);
  r->recipient_kind = b[3];
  if (!GetVarint(&in, &v)) return bad();
  r->categories = static_cast<CategorySet>(v);
  for (std::string* s : {&r->event_id, &r->actor, &r->role, &r->department, &r->municipality,
                         &r->domain, &r->activity, &r->case_id, &r->recipient}) {
    std::string_view sv;
    if (!GetString(&in, &sv)) return bad();
    s->assign(sv);
  }
  std::uint8_t rule_count = 0;
  if (!GetByte(&in, &rule_count)) return bad();
  r->rules.clear();
  for (int i = 0; i < rule_count; ++i) {
    std::uint8_t id = 0;
    if (!GetByte(&in, &id) || id >= kRuleCount) return bad();
    r->rules.push_back(static_cast<RuleId>(id));
  }
  if (!GetVarint(&in, &v)) return bad();
  r->subject_count = static_cast<std::uint32_t>(v);
  if (!GetVarint(&in, &v) || v > kMaxActorSubjects || in.size() != v * 16) return bad();
  r->subjects.resize(v);
  for (auto& p : r->subjects) {
    std::memcpy(p.bytes.data(), in.data(), 16);
    in.remove_prefix(16);
  }
  return Status::Ok();
}

bool HistoryRecord::PeekRetention(std::string_view in, TimeMicros* time,
                                  std::string_view* activity) {
  std::uint8_t version = 0;
  std::uint64_t v = 0;
  if (!GetByte(&in, &version) || version != kVersion) return false;
  if (!GetVarint(&in, &v) || !GetVarint(&in, &v)) return false;
  *time = static_cast<TimeMicros>((v >> 1) ^ (~(v & 1) + 1));
  if (in.size() < 4) return false;
  in.remove_prefix(4);
  if (!GetVarint(&in, &v)) return false;
  std::string_view s;
  for (int i = 0; i < 6; ++i) {  // event_id, actor, role, department, municipality, domain
    if (!GetString(&in, &s)) return false;
  }
  return GetString(&in, activity);
}

}  // namespace inzage

// HistoryRecord: one access as the store keeps it — who (actor, role, department), on whose
// behalf (municipality), what (action, domain, information level, special categories, activity,
// case, recipient) and the verdict with the rule ids that fired. No BSN and no free text:
// subjects are pseudonyms (in the key of history_subject, in the value of history_actor), and
// explanations are rebuilt from rule ids when read.
//
// Binary format, version 1 (all integers little-endian varints unless noted):
//   u8  version (=1)
//   u64 batch sequence (varint)       -- ties the record to its commit for `inzage verify`
//   i64 time (zigzag varint, UTC microseconds)
//   u8  action | u8 info | u8 verdict | u8 recipient kind (0xff = none)
//   u16 categories bitset (varint)
//   str event_id, actor, role, department, municipality, domain, activity, case_id, recipient
//       (each: varint length + bytes, at most 255)
//   u8  rule count, then u8 rule id each
//   u32 subject count (varint), then for history_actor records up to 100 pseudonyms (16 bytes)
// A reader rejects unknown versions (Status::Corruption) instead of guessing.
//
// Thread safety: values; pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/pseudonym.h"
#include "common/status.h"
#include "common/time.h"
#include "event/access_event.h"
#include "policy/rule_catalogue.h"

namespace inzage {

struct HistoryRecord {
  static constexpr std::uint8_t kVersion = 1;
  static constexpr size_t kMaxActorSubjects = 100;

  std::uint64_t batch_seq = 0;
  TimeMicros time = 0;
  Action action = Action::kView;
  InfoLevel info = InfoLevel::kWat;
  Verdict verdict = Verdict::kAllow;
  std::uint8_t recipient_kind = 0xff;  // RecipientKind, or 0xff
  CategorySet categories = 0;
  std::string event_id;
  std::string actor;
  std::string role;
  std::string department;
  std::string municipality;
  std::string domain;
  std::string activity;
  std::string case_id;
  std::string recipient;
  std::vector<RuleId> rules;
  std::uint32_t subject_count = 0;
  std::vector<Pseudonym> subjects;  // history_actor only; at most kMaxActorSubjects

  void EncodeTo(std::string* out) const;
  static Status Decode(std::string_view in, HistoryRecord* out);
  // Only the fields retention needs (cheap: no string copies).
  static bool PeekRetention(std::string_view in, TimeMicros* time, std::string_view* activity);
};

}  // namespace inzage

// HistoryRecord: one access as the store keeps it — who (actor, role, department), on whose
// behalf (municipality), what (action, domain, information level, special categories, activity,
// case, recipient) and the verdict with the rule ids that fired. No BSN and no free text:
// subjects are pseudonyms (in the key of history_subject, in the value of history_actor), and
// explanations are rebuilt from rule ids when read.
//
// Two entry forms share one header, so retention and verification read any entry alike:
//   header:  u8 version (1 or 2) | u8 form (0 = subject entry, 1 = actor entry)
//            | varint batch sequence (ties the entry to its commit for `inzage verify`)
//            | str activity (retention)
//   subject entry (history_subject; the full record):
//            u8 action | u8 info | u8 verdict | u8 recipient kind (0xff = none)
//            | varint categories | str actor, role, department, municipality, domain, case_id,
//            recipient | u8 rule count, u8 rule id each | varint subject count (version 2:
//            how many subjects the event had, shown to investigators; version 1 ends before)
//   actor entry (history_actor; small: the rest is read from the first subject's entry):
//            u8 verdict | varint subject count | varint n | n pseudonyms of 16 bytes (n <= 100)
// Time and event id are not repeated in values: both keys end with them (store/keys.h).
// Strings are a varint length and at most 255 bytes. A reader rejects unknown versions and
// forms (Status::Corruption) instead of guessing.
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
  static constexpr std::uint8_t kVersion = 2;  // writes 2, reads 1 and 2
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

  enum class Form : std::uint8_t { kSubjectEntry = 0, kActorEntry = 1 };

  void EncodeTo(Form form, std::string* out) const;
  // Decodes a value; time and event_id are taken from the entry's key suffix (time 8 | id),
  // which the caller passes.
  static Status Decode(std::string_view key_suffix, std::string_view value, HistoryRecord* out,
                       Form* form = nullptr);
  // Only what retention and verification need (no copies).
  static bool PeekHeader(std::string_view value, std::uint64_t* batch_seq,
                         std::string_view* activity);
};

}  // namespace inzage

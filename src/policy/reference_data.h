// ReferenceData: the tables the policy is applied with (docs/contracts.md, reference data):
// employees, system accounts, processors, cases, consents, triage decisions, subject flags and
// households, BRP extensions.
//
// Records arrive as JSON objects (NDJSON files, and the compacted Kafka topic in the daemon; both
// feed Apply). A record with the same key replaces the earlier one; {"type", "id", "deleted":
// true} removes it. Every BSN is pseudonymised on arrival: no table holds a plain BSN. Each
// record type has its decoder (reference_decoders.cc); Apply picks it by the record's "type".
//
// Indexes: actors by id; cases by id and by subject; consents by subject; triage decisions by
// case; BRP extensions by actor; employees by their own BSN (for self/colleague/household rules).
// Pointers returned by the finders stay valid until the next Apply that touches that key.
//
// Thread safety: not synchronised. The daemon applies updates on one thread and publishes
// immutable snapshots; replay and tests use a single thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/pseudonym.h"
#include "common/status.h"
#include "common/time.h"
#include "event/access_event.h"
#include "policy/policy.h"

namespace inzage {

class RecordReader;

inline constexpr std::int64_t kOpenEnded = INT64_MAX;  // a null end date

// An employee or a system account (both act with roles).
struct Actor {
  enum class Type : std::uint8_t { kEmployee, kSystem };
  Type type = Type::kEmployee;
  std::string id;
  std::vector<std::string> role_ids;  // as given; resolved against a policy into `roles`
  Mask64 roles = 0;
  std::string team;
  std::string department;
  std::vector<std::string> municipality_ids;
  Mask64 municipalities = 0;
  std::optional<Pseudonym> bsn;
  std::string household;
  // Working hours in minutes after local midnight (Europe/Amsterdam); none = never off-hours.
  std::optional<std::pair<int, int>> working_minutes;
};

struct Agreement {
  std::string id;
  std::int64_t valid_from_day = 0;  // days since epoch, inclusive
  std::int64_t valid_until_day = kOpenEnded;
  std::vector<std::string> purposes;
};

struct Processor {
  std::string id;
  std::string name;
  std::string country;
  std::vector<Agreement> agreements;
  bool outside_eu_permission = false;
};

struct CaseAssignee {
  std::string actor;
  std::string role;
};

struct Case {
  std::string id;
  std::string municipality;
  std::string domain;
  bool open = true;
  std::optional<TimeMicros> closed_at;
  std::vector<Pseudonym> subjects;
  std::string team;
  std::vector<CaseAssignee> assignees;

  [[nodiscard]] bool HasSubject(const Pseudonym& p) const;
  [[nodiscard]] bool AssignsActor(std::string_view actor) const;
};

struct Consent {
  std::string id;
  Pseudonym subject;
  std::string purpose;
  CategorySet categories = 0;
  TimeMicros given_at = 0;
  std::optional<TimeMicros> withdrawn_at;
};

struct Triage {
  std::string id;
  std::string case_id;
  int moment = 0;
  std::string recipient;
  CategorySet categories = 0;
  std::string decided_by;
  TimeMicros decided_at = 0;
};

enum SubjectFlag : std::uint8_t { kFlagVip = 1, kFlagBrpSecret = 2, kFlagEmployee = 4 };

struct SubjectInfo {
  std::string household;
  std::uint8_t flags = 0;
};

struct BrpExtension {
  std::string id;
  std::string actor;
  std::vector<std::string> fields;
  std::string approved_by;
  std::int64_t valid_from_day = 0;
  std::int64_t valid_until_day = kOpenEnded;
};

class ReferenceData {
 public:
  explicit ReferenceData(const Pseudonymizer* pseudonymizer) : pseudonymizer_(pseudonymizer) {}

  // Applies one record (JSON object text). Errors name the record type, key and field.
  [[nodiscard]] Status Apply(std::string_view json_record);
  // Applies every non-empty line of an NDJSON file; errors carry "file:line".
  [[nodiscard]] Status LoadFile(const std::string& path);
  // Resolves role and municipality ids against a policy (call after loading and on reload).
  // Unknown role ids are ignored (docs/contracts.md, actor.roles: the reference data is
  // authoritative, but only roles the policy knows can grant anything); they are reported by
  // UnknownRoles().
  void Resolve(const Policy& policy);
  // From now on, actors applied later are resolved against this policy at once (the daemon's
  // reference topic keeps updating). nullptr turns it off.
  void ResolveOnApply(const Policy* policy) { resolve_with_ = policy; }
  [[nodiscard]] std::vector<std::string> UnknownRoles(const Policy& policy) const;

  [[nodiscard]] const Actor* FindActor(std::string_view id) const;
  [[nodiscard]] const Processor* FindProcessor(std::string_view id) const;
  [[nodiscard]] const Case* FindCase(std::string_view id) const;
  [[nodiscard]] const std::vector<const Case*>* CasesOfSubject(const Pseudonym& subject) const;
  [[nodiscard]] const std::vector<Consent>* ConsentsOfSubject(const Pseudonym& subject) const;
  [[nodiscard]] const std::vector<Triage>* TriagesOfCase(std::string_view case_id) const;
  [[nodiscard]] const SubjectInfo* FindSubject(const Pseudonym& subject) const;
  [[nodiscard]] const Actor* EmployeeWithBsn(const Pseudonym& subject) const;
  [[nodiscard]] const std::vector<BrpExtension>* ExtensionsOfActor(std::string_view actor) const;

  [[nodiscard]] size_t record_count() const { return record_count_; }
  [[nodiscard]] const Pseudonymizer& pseudonymizer() const { return *pseudonymizer_; }

 private:
  // Applies one record of a type (reference_decoders.cc). Each reads the fields with `r` and
  // changes its tables only when every field read well.
  using Decoder = Status (ReferenceData::*)(RecordReader& r, bool deleted);
  // The decoder of a record type; nullptr for an unknown type.
  static Decoder FindDecoder(std::string_view type);
  Status ApplyEmployee(RecordReader& r, bool deleted);
  Status ApplySystem(RecordReader& r, bool deleted);
  Status ApplyActor(RecordReader& r, Actor::Type type, bool deleted);
  Status ApplyProcessor(RecordReader& r, bool deleted);
  Status ApplyCase(RecordReader& r, bool deleted);
  Status ApplyConsent(RecordReader& r, bool deleted);
  Status ApplyTriage(RecordReader& r, bool deleted);
  Status ApplySubject(RecordReader& r, bool deleted);
  Status ApplyBrpExtension(RecordReader& r, bool deleted);

  void IndexCase(const Case* c);
  void UnindexCase(const Case* c);
  void RemoveActor(std::string_view id);

  static void ResolveActor(Actor& a, const Policy& policy);

  const Pseudonymizer* pseudonymizer_;
  const Policy* resolve_with_ = nullptr;
  StringMap<Actor> actors_;
  StringMap<Processor> processors_;
  StringMap<Case> cases_;
  std::unordered_map<Pseudonym, std::vector<const Case*>, PseudonymHash> cases_by_subject_;
  StringMap<Consent> consents_;  // by consent id
  std::unordered_map<Pseudonym, std::vector<Consent>, PseudonymHash> consents_by_subject_;
  StringMap<Triage> triages_;  // by triage id
  StringMap<std::vector<Triage>> triages_by_case_;
  std::unordered_map<Pseudonym, SubjectInfo, PseudonymHash> subjects_;
  std::unordered_map<Pseudonym, std::string, PseudonymHash> employee_by_bsn_;  // -> actor id
  StringMap<BrpExtension> extensions_;
  StringMap<std::vector<BrpExtension>> extensions_by_actor_;
  size_t record_count_ = 0;
};

// EU and EEA member states (ISO 3166-1 alpha-2; "EL" accepted for Greece).
bool IsEuOrEea(std::string_view country);

// Parses "HH:MM-HH:MM" into minutes after midnight.
std::optional<std::pair<int, int>> ParseWorkingHours(std::string_view text);

}  // namespace inzage

// AccessEvent: one access to personal data, as parsed from the input topic (docs/contracts.md §1).
//
// Ownership: every string_view points into the EventParser that produced the event (its padded
// buffer or simdjson's string buffer) and every span into the parser's reused vectors; the event
// is valid until that parser parses the next message. Copy what must outlive it (the store keeps
// its own compact record). Subjects are pseudonyms only: the plain BSN never leaves the parser.
//
// Thread safety: a value; not shared.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "common/pseudonym.h"
#include "common/time.h"

namespace inzage {

enum class ActorKind : std::uint8_t { kEmployee, kProcessor, kSystem, kCitizen };
enum class Action : std::uint8_t {
  kView,
  kSearch,
  kCreate,
  kUpdate,
  kDelete,
  kExport,
  kPrint,
  kProvide
};
enum class InfoLevel : std::uint8_t { kWat, kDat, kCumulative };
enum class Category : std::uint8_t {
  kHealth,
  kCriminal,
  kEthnicity,
  kReligion,
  kPolitical,
  kSexualLife,
  kBiometric,
  kGenetic,
  kTradeUnion
};
enum class BrpMethod : std::uint8_t { kNone, kPerson, kAddress, kMutation, kSelection, kLinkage };
enum class RecipientKind : std::uint8_t { kProcessor, kGovernment, kThirdParty, kInternal };

inline constexpr int kActionCount = 8;
inline constexpr int kInfoLevelCount = 3;
inline constexpr int kCategoryCount = 9;

// The names used on the wire, indexed by enum value.
inline constexpr std::array<std::string_view, 4> kActorKindNames = {"employee", "processor",
                                                                    "system", "citizen"};
inline constexpr std::array<std::string_view, kActionCount> kActionNames = {
    "view", "search", "create", "update", "delete", "export", "print", "provide"};
inline constexpr std::array<std::string_view, kInfoLevelCount> kInfoLevelNames = {"wat", "dat",
                                                                                  "cumulative"};
inline constexpr std::array<std::string_view, kCategoryCount> kCategoryNames = {
    "health",      "criminal",  "ethnicity", "religion",   "political",
    "sexual_life", "biometric", "genetic",   "trade_union"};
inline constexpr std::array<std::string_view, 6> kBrpMethodNames = {
    "", "person", "address", "mutation", "selection", "linkage"};
inline constexpr std::array<std::string_view, 4> kRecipientKindNames = {"processor", "government",
                                                                        "third_party", "internal"};

// Looks a wire name up in one of the tables above; nullopt when absent.
template <typename Enum, size_t N>
constexpr std::optional<Enum> EnumFromName(const std::array<std::string_view, N>& names,
                                           std::string_view name) {
  for (size_t i = 0; i < N; ++i) {
    if (!names[i].empty() && names[i] == name) return static_cast<Enum>(i);
  }
  return std::nullopt;
}

template <size_t N, typename Enum>
constexpr std::string_view NameOf(const std::array<std::string_view, N>& names, Enum value) {
  return names[static_cast<size_t>(value)];
}

// A set of special categories as a bitmask over Category.
using CategorySet = std::uint16_t;
constexpr CategorySet CategoryBit(Category c) {
  return static_cast<CategorySet>(1u << static_cast<unsigned>(c));
}

struct Recipient {
  std::string_view id;
  RecipientKind kind = RecipientKind::kInternal;
  std::string_view country;  // ISO 3166 alpha-2, empty when not given
};

struct AccessEvent {
  std::string_view event_id;
  TimeMicros time = 0;
  std::string_view municipality;
  std::string_view actor_id;
  ActorKind actor_kind = ActorKind::kEmployee;
  std::span<const std::string_view> claimed_roles;  // informational; reference data decides
  Action action = Action::kView;
  std::span<const Pseudonym> subjects;  // at least one
  std::string_view system;
  std::string_view domain;
  InfoLevel info = InfoLevel::kWat;
  CategorySet categories = 0;
  std::span<const std::string_view> fields;  // BRP field names
  BrpMethod method = BrpMethod::kNone;
  std::uint32_t record_count = 0;  // defaults to the number of subjects
  std::string_view purpose;        // empty when absent or null
  std::string_view case_id;        // empty when absent or null
  std::optional<Recipient> recipient;
  std::optional<std::string_view> emergency_reason;  // present when "emergency" is an object
  std::string_view trace_id;                         // 32 lower-case hex digits, or empty
  std::string_view span_id;                          // 16 lower-case hex digits, or empty
  // The record itself is confidential (VNG vertrouwelijkheid "vertrouwelijk"): hidden from the
  // citizen's view like an access of a confidential activity. The native format has no field
  // for it.
  bool confidential = false;
};

}  // namespace inzage

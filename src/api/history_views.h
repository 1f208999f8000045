// How a history entry is shown, written in one place: to a citizen (what, when, on whose behalf,
// by which part of the organisation; in plain words, no subject, no employee id unless
// configured), to an investigator (also the event, the employee, the case, the verdict, the
// rules and the subjects as pseudonyms; the same JSON the peers exchange and `inzage query
// --json` prints), and as the citizen's CSV.
// Thread safety: pure functions over their arguments.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/json_writer.h"
#include "policy/policy.h"
#include "store/history_record.h"

namespace inzage::api {

inline constexpr std::string_view kCitizenActivity = "inzage-verzoek";
inline constexpr std::string_view kOfficerActivity = "privacy-onderzoek";
inline constexpr std::string_view kAuditDomain = "audit";

// The information level in plain Dutch ("inhoudelijke gegevens ...").
std::string_view InfoLevelText(InfoLevel info);

struct CitizenEntryOptions {
  bool show_employee_ids = false;
  std::string entry;  // the entry's sealed reference (page_cursor.h), for a report about it
};

// One entry of the citizen's view (schemas/openapi.yaml, CitizenAccess).
void WriteCitizenEntry(JsonWriter& w, const HistoryRecord& r, const Policy& policy,
                       const CitizenEntryOptions& options);

// One entry of the investigators' view (schemas/openapi.yaml, InvestigationEntry). Without a
// policy (the command line tool) activity names are null.
void WriteInvestigationEntry(JsonWriter& w, const HistoryRecord& r, const Policy* policy);

// The citizen's history as CSV (RFC 4180, header row, cells defused against formula injection).
std::string CitizenCsv(const std::vector<HistoryRecord>& entries, const Policy& policy,
                       bool show_employee_ids);

}  // namespace inzage::api

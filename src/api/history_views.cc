#include "api/history_views.h"

#include "common/local_time.h"
#include "common/time.h"

namespace inzage::api {
namespace {

void WriteCategories(JsonWriter& w, CategorySet set) {
  w.BeginArray();
  for (size_t i = 0; i < kCategoryNames.size(); ++i) {
    if ((set & (1u << i)) != 0) w.String(kCategoryNames[i]);
  }
  w.EndArray();
}

bool HasRecipient(const HistoryRecord& r) {
  return !r.recipient.empty() && r.recipient_kind < kRecipientKindNames.size();
}

void WriteRecipient(JsonWriter& w, const HistoryRecord& r) {
  if (!HasRecipient(r)) {
    w.Null();
    return;
  }
  w.BeginObject()
      .Member("id", r.recipient)
      .Member("kind", kRecipientKindNames[r.recipient_kind])
      .EndObject();
}

const std::string* DomainName(const Policy& policy, std::string_view id) {
  const int d = policy.DomainIndex(id);
  return d < 0 ? nullptr : &policy.domains()[static_cast<size_t>(d)].name;
}

const std::string* MunicipalityName(const Policy& policy, std::string_view id) {
  const int m = policy.MunicipalityIndex(id);
  return m < 0 ? nullptr : &policy.municipalities()[static_cast<size_t>(m)].name;
}

const std::string* RoleName(const Policy& policy, std::string_view id) {
  const int r = policy.RoleIndex(id);
  return r < 0 ? nullptr : &policy.roles()[static_cast<size_t>(r)].name;
}

void WriteIdAndName(JsonWriter& w, std::string_view id, const std::string* name) {
  w.BeginObject().Member("id", id).Key("name");
  if (name != nullptr) {
    w.String(*name);
  } else {
    w.Null();
  }
  w.EndObject();
}

// One CSV cell (RFC 4180), defused against formula injection in spreadsheets.
void AppendCsvCell(std::string& out, std::string_view cell) {
  const bool formula = !cell.empty() && (cell[0] == '=' || cell[0] == '+' || cell[0] == '-' ||
                                         cell[0] == '@' || cell[0] == '\t' || cell[0] == '\r');
  const bool quote = formula || cell.find_first_of(",\"\r\n") != std::string_view::npos;
  if (!quote) {
    out.append(cell);
    return;
  }
  out.push_back('"');
  if (formula) out.push_back('\'');
  for (char c : cell) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

}  // namespace

std::string_view InfoLevelText(InfoLevel info) {
  switch (info) {
    case InfoLevel::kWat:
      return "inhoudelijke gegevens: wat er over u bekend is of met u is afgesproken";
    case InfoLevel::kDat:
      return "alleen het feit dat u bij dit onderdeel bekend bent";
    case InfoLevel::kCumulative:
      return "samengevoegde gegevens, niet over u persoonlijk";
  }
  return "";
}

void WriteCitizenEntry(JsonWriter& w, const HistoryRecord& r, const Policy& policy,
                       const CitizenEntryOptions& options) {
  w.BeginObject();
  if (!options.entry.empty()) w.Member("entry", options.entry);
  w.Member("time", FormatRfc3339(r.time)).Member("local_time", FormatLocalRfc3339(r.time));
  if (options.show_employee_ids) w.Member("actor", r.actor);
  w.Key("municipality");
  WriteIdAndName(w, r.municipality, MunicipalityName(policy, r.municipality));
  w.Key("department").StringOrNull(r.department);
  w.Key("role");
  if (r.role.empty()) {
    w.Null();
  } else {
    WriteIdAndName(w, r.role, RoleName(policy, r.role));
  }
  w.Member("action", NameOf(kActionNames, r.action));
  const Activity* a = policy.FindActivity(r.activity);
  w.Key("activity").BeginObject().Member("id", r.activity).Key("name");
  if (a != nullptr) {
    w.String(a->name).Key("description").StringOrNull(a->description);
  } else {
    w.Null().Key("description").Null();
  }
  w.EndObject();
  w.Key("domain");
  WriteIdAndName(w, r.domain, DomainName(policy, r.domain));
  w.Member("info", NameOf(kInfoLevelNames, r.info)).Member("info_text", InfoLevelText(r.info));
  w.Key("categories");
  WriteCategories(w, r.categories);
  w.Key("recipient");
  WriteRecipient(w, r);
  // The citizen's own reads of this history: true, and they crowd the page; a page groups them.
  w.Member("own_read", r.activity == kCitizenActivity);
  w.EndObject();
}

void WriteInvestigationEntry(JsonWriter& w, const HistoryRecord& r, const Policy* policy) {
  w.BeginObject()
      .Member("time", FormatRfc3339(r.time))
      .Member("event_id", r.event_id)
      .Member("actor", r.actor)
      .Member("municipality", r.municipality);
  w.Key("department").StringOrNull(r.department).Key("role").StringOrNull(r.role);
  w.Member("action", NameOf(kActionNames, r.action));
  const Activity* a = policy != nullptr ? policy->FindActivity(r.activity) : nullptr;
  w.Key("activity").BeginObject().Member("id", r.activity).Key("name");
  if (a != nullptr) {
    w.String(a->name);
  } else {
    w.Null();
  }
  w.EndObject();
  w.Member("domain", r.domain).Member("info", NameOf(kInfoLevelNames, r.info));
  w.Key("categories");
  WriteCategories(w, r.categories);
  w.Key("recipient");
  WriteRecipient(w, r);
  w.Key("case_id").StringOrNull(r.case_id);
  w.Member("verdict", NameOf(kVerdictNames, r.verdict)).Key("rules").BeginArray();
  for (RuleId rule : r.rules) w.String(InfoOf(rule).id);
  w.EndArray().Member("subject_count", static_cast<std::uint64_t>(r.subject_count));
  w.Key("subjects").BeginArray();
  for (size_t i = 0; i < r.subjects.size() && i < HistoryRecord::kMaxActorSubjects; ++i) {
    w.String(r.subjects[i].Hex());
  }
  w.EndArray().EndObject();
}

std::string CitizenCsv(const std::vector<HistoryRecord>& entries, const Policy& policy,
                       bool show_employee_ids) {
  std::string out = show_employee_ids ? "time,local_time,actor," : "time,local_time,";
  out +=
      "municipality,department,role,action,activity_id,activity_name,domain,info,categories,"
      "recipient_id,recipient_kind\r\n";
  for (const HistoryRecord& r : entries) {
    const Activity* a = policy.FindActivity(r.activity);
    std::string categories;
    for (size_t i = 0; i < kCategoryNames.size(); ++i) {
      if ((r.categories & (1u << i)) == 0) continue;
      if (!categories.empty()) categories.push_back(';');
      categories.append(kCategoryNames[i]);
    }
    const bool recipient = HasRecipient(r);
    const std::string time = FormatRfc3339(r.time);
    const std::string local = FormatLocalRfc3339(r.time);
    std::vector<std::string_view> cells = {time, local};
    if (show_employee_ids) cells.push_back(r.actor);
    const std::string_view rest[] = {
        r.municipality,
        r.department,
        r.role,
        NameOf(kActionNames, r.action),
        r.activity,
        a == nullptr ? std::string_view() : std::string_view(a->name),
        r.domain,
        NameOf(kInfoLevelNames, r.info),
        categories,
        recipient ? std::string_view(r.recipient) : std::string_view(),
        recipient ? kRecipientKindNames[r.recipient_kind] : std::string_view()};
    cells.insert(cells.end(), std::begin(rest), std::end(rest));
    for (size_t i = 0; i < cells.size(); ++i) {
      if (i > 0) out.push_back(',');
      AppendCsvCell(out, cells[i]);
    }
    out += "\r\n";
  }
  return out;
}

}  // namespace inzage::api

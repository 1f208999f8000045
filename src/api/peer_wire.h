// The peer route's wire format (POST /v1/internal/subject-accesses), its writer and its reader
// side by side: the query one instance asks another, and the page the other answers with. The
// answer's entries are the investigators' view (history_views.h); the cursor is the store's
// plain position (store/cursor.h), which means the same in every store.
// Thread safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/api_errors.h"
#include "common/pseudonym.h"
#include "policy/policy.h"
#include "store/history_record.h"

namespace inzage::api {

struct PeerQuery {
  Pseudonym subject;
  TimeMicros from = 0;
  TimeMicros to = 0;
  std::string cursor;  // the store's cursor text; empty for the first page
  size_t limit = 0;
  bool citizen_view = false;  // leave out confidential activities (the asking citizen's view)
};

std::string WritePeerQuery(const PeerQuery& query);
std::optional<ApiError> ParsePeerQuery(std::string_view body, PeerQuery* out);

struct PeerPage {
  std::vector<HistoryRecord> entries;
  std::string next_cursor;  // the store's cursor text; empty when there is nothing more
};

std::string WritePeerPage(const std::vector<const HistoryRecord*>& entries,
                          std::string_view next_cursor, const Policy& policy);
// False when the body is not a page this writer could have written.
bool ParsePeerPage(std::string_view body, PeerPage* out);

}  // namespace inzage::api

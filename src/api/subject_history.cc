#include "api/subject_history.h"

#include <algorithm>
#include <future>
#include <unordered_set>

#include "api/auth.h"
#include "api/http_client.h"
#include "api/peer_wire.h"
#include "common/log.h"
#include "store/cursor.h"

namespace inzage::api {

SubjectHistory::SubjectHistory(const ApiConfig& config, const Store* store,
                               std::optional<TokenSigner> peer_signer, PeerDirectory directory)
    : peers_(config.peers),
      directory_(std::move(directory)),
      peer_timeout_ms_(config.peer_timeout_ms),
      peer_audience_(config.audience + "-peer"),
      peer_ca_file_(config.peer_ca_file),
      store_(store),
      peer_signer_(std::move(peer_signer)) {}

SubjectHistory::PeerResult SubjectHistory::AskPeer(const std::string& peer,
                                                   const Pseudonym& subject, TimeMicros from,
                                                   TimeMicros to, size_t limit,
                                                   const std::string& cursor,
                                                   bool citizen_view) const {
  PeerResult result;
  if (!peer_signer_) return result;
  auto token = peer_signer_->Sign("inzaged", TokenRole::kPeer, peer_audience_, WallNow(),
                                  60 * kMicrosPerSecond);
  if (!token.ok()) return result;
  HttpClientOptions options;
  options.timeout = std::chrono::milliseconds(peer_timeout_ms_);
  options.ca_file = peer_ca_file_;
  const HttpClient client(peer, options);
  const std::string body =
      WritePeerQuery(PeerQuery{subject, from, to, cursor, limit, citizen_view});
  auto answer =
      client.Post("/v1/internal/subject-accesses", body, {{"Authorization", "Bearer " + *token}});
  if (!answer.ok() || answer->status != 200) {
    if (answer.ok()) {
      Log(LogLevel::kWarn, "api", "peer did not answer",
          {{"peer", peer}, {"status", answer->status}});
    } else {
      Log(LogLevel::kWarn, "api", "peer did not answer",
          {{"peer", peer}, {"error", answer.status().message()}});
    }
    return result;
  }
  PeerPage page;
  if (!ParsePeerPage(answer->body, &page)) {
    Log(LogLevel::kWarn, "api", "peer answer unreadable", {{"peer", peer}});
    return result;
  }
  result.answered = true;
  result.entries = std::move(page.entries);
  result.next_cursor = std::move(page.next_cursor);
  return result;
}

std::vector<std::string> SubjectHistory::Peers() const {
  if (!directory_) return peers_;
  std::vector<std::string> all = peers_;
  for (std::string& url : directory_()) {
    if (std::find(all.begin(), all.end(), url) == all.end()) all.push_back(std::move(url));
  }
  return all;
}

std::optional<ApiError> SubjectHistory::Query(const Pseudonym& subject, TimeMicros from,
                                              TimeMicros to, size_t limit,
                                              const std::string& cursor, bool citizen_view,
                                              const Store::Visible& visible, Page* out) const {
  const std::vector<std::string> peers = Peers();
  std::vector<std::future<PeerResult>> answers;
  answers.reserve(peers.size());
  for (const std::string& peer : peers) {
    answers.push_back(std::async(std::launch::async, [=, this] {
      return AskPeer(peer, subject, from, to, limit, cursor, citizen_view);
    }));
  }
  auto local = store_->QuerySubject(subject, from, to, limit, cursor, visible);
  if (answers.empty()) {
    // One instance: the store's page is the answer, no merge needed.
    if (!local.ok()) return StoreReadError(local.status());
    out->entries.reserve(local->entries.size());
    for (QueryEntry& e : local->entries) out->entries.push_back(std::move(e.record));
    out->next_cursor = std::move(local->next_cursor);
    return std::nullopt;
  }
  std::vector<HistoryRecord> all;
  bool more = false;
  std::optional<ApiError> error;
  if (!local.ok()) {
    error = StoreReadError(local.status());
  } else {
    for (QueryEntry& e : local->entries) all.push_back(std::move(e.record));
    more = !local->next_cursor.empty();
  }
  for (size_t i = 0; i < answers.size(); ++i) {
    PeerResult answer = answers[i].get();
    if (!answer.answered) {
      // Citizens learn that a part is missing, not the deployment's internal addresses.
      out->unavailable_peers.push_back(citizen_view ? "peer-" + std::to_string(i + 1) : peers[i]);
      continue;
    }
    for (HistoryRecord& r : answer.entries) all.push_back(std::move(r));
    more = more || !answer.next_cursor.empty();
  }
  if (error) return error;
  // Newest first; then by event id, so ties are ordered the same on every call.
  std::sort(all.begin(), all.end(), [](const HistoryRecord& a, const HistoryRecord& b) {
    return a.time != b.time ? a.time > b.time : a.event_id > b.event_id;
  });
  std::unordered_set<std::string> seen;
  for (HistoryRecord& r : all) {
    if (!seen.insert(r.event_id).second) continue;  // one event stored by two instances
    if (out->entries.size() == limit) {
      more = true;
      break;
    }
    out->entries.push_back(std::move(r));
  }
  if (more && !out->entries.empty()) {
    out->next_cursor = CursorOf(out->entries.back().time, out->entries.back().event_id);
  }
  return std::nullopt;
}

}  // namespace inzage::api

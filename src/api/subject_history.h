// SubjectHistory: one citizen's history, from this instance's store and from every peer
// (scatter-gather). A citizen's events are spread over the stores of the instances that
// processed them; the peers are asked in parallel, the pages merged newest first and
// de-duplicated by event id (a partition that changed owner after a crash can leave an event in
// two stores). A peer that does not answer within api.peer_timeout_ms is named, and the answer
// is marked partial. The peers are api.peers and, with a membership topic, the members that
// the directory names at the time of the query (ingest/membership.h).
//
// With the citizen's view, confidential activities are filtered out in every store before its
// page is cut, so neither a page's size nor its cursor says that a hidden entry exists.
//
// Ownership: borrows the store. Thread safety: Query from any thread.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "api/api_config.h"
#include "api/api_errors.h"
#include "api/token.h"
#include "store/store.h"

namespace inzage::api {

// The other instances' base URLs, asked on every query (any thread).
using PeerDirectory = std::function<std::vector<std::string>()>;

class SubjectHistory {
 public:
  struct Page {
    std::vector<HistoryRecord> entries;
    std::string next_cursor;  // the store's cursor text; empty when there is nothing more
    std::vector<std::string> unavailable_peers;
  };

  SubjectHistory(const ApiConfig& config, const Store* store,
                 std::optional<TokenSigner> peer_signer, PeerDirectory directory = nullptr);

  // `cursor` is the store's cursor text; `visible` filters in this store (the peers filter with
  // their own policy when citizen_view is set).
  [[nodiscard]] std::optional<ApiError> Query(const Pseudonym& subject, TimeMicros from,
                                              TimeMicros to, size_t limit,
                                              const std::string& cursor, bool citizen_view,
                                              const Store::Visible& visible, Page* out) const;

 private:
  struct PeerResult {
    bool answered = false;
    std::vector<HistoryRecord> entries;
    std::string next_cursor;
  };
  PeerResult AskPeer(const std::string& peer, const Pseudonym& subject, TimeMicros from,
                     TimeMicros to, size_t limit, const std::string& cursor,
                     bool citizen_view) const;

  [[nodiscard]] std::vector<std::string> Peers() const;

  const std::vector<std::string> peers_;
  const PeerDirectory directory_;
  const int peer_timeout_ms_;
  const std::string peer_audience_;
  const std::string peer_ca_file_;
  const Store* store_;
  std::optional<TokenSigner> peer_signer_;
};

}  // namespace inzage::api

// PageCursors: the cursors and entry references the API hands to clients, sealed
// (common/sealed_box.h) so that a client cannot read what is inside (an event id, a time),
// cannot make one up, and cannot use one outside the query it was issued for: the query (who
// is asked about, which period) is the sealing's purpose, and a cursor presented with another
// query does not open (400).
//
// The key is derived from the pseudonym key, which every instance of a deployment shares, so a
// cursor issued by one instance continues on another. Peers exchange the store's plain
// positions (store/cursor.h) among themselves, authenticated by the peer key.
//
// Ownership: holds the derived key. Thread safety: const methods, any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/pseudonym.h"
#include "common/sealed_box.h"
#include "common/time.h"
#include "store/cursor.h"

namespace inzage::api {

class PageCursors {
 public:
  explicit PageCursors(const Pseudonymizer& key) : box_(key.DeriveKey("api-page-cursor")) {}

  // What a cursor is bound to: the kind of query, who it is about and the period.
  static std::string Query(std::string_view kind, std::string_view about, TimeMicros from,
                           TimeMicros to);

  [[nodiscard]] std::string Seal(const PagePosition& position, std::string_view query) const;
  // The store's cursor text (store/cursor.h) of a sealed cursor; nullopt when it was not
  // issued for this query.
  [[nodiscard]] std::optional<std::string> Open(std::string_view sealed,
                                                std::string_view query) const;
  // Seals the store's cursor text of a page (empty stays empty).
  [[nodiscard]] std::string SealStoreCursor(std::string_view store_cursor,
                                            std::string_view query) const;

  // A position of a walk over history_subject (Store::ScanSubjects' `next`: a raw key, which
  // holds a pseudonym, so it is never handed out unsealed); empty stays empty.
  [[nodiscard]] std::string SealScanPosition(std::string_view key, std::string_view query) const;
  [[nodiscard]] std::optional<std::string> OpenScanPosition(std::string_view sealed,
                                                            std::string_view query) const;

  // An entry of a citizen's history, as the citizen can name it (a report) without seeing it.
  [[nodiscard]] std::string SealEntry(const PagePosition& position,
                                      std::string_view subject_hex) const;
  [[nodiscard]] std::optional<PagePosition> OpenEntry(std::string_view sealed,
                                                      std::string_view subject_hex) const;

 private:
  SealedBox box_;
};

}  // namespace inzage::api

// Cursors: the position of a page of history, as text a client hands back for the next page.
//
// A position is an entry's time and event id, the "time (8) | event id" suffix that keys of
// both history indexes end with (store/keys.h); a page continues strictly below it, newest
// first. Its text form is the lower-case hex of those bytes. The store's queries and the API
// (which merges the pages of several stores) both write and read cursors here, so a cursor from
// any store or peer continues at the same place in every other. Peers and clients keep the text
// form: it must not change.
//
// Thread safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/time.h"

namespace inzage {

struct PagePosition {
  TimeMicros time = 0;
  std::string event_id;

  // The position as history keys end with it (store/keys.h).
  [[nodiscard]] std::string KeySuffix() const;
  friend bool operator==(const PagePosition&, const PagePosition&) = default;
};

// The cursor of the page that continues below the entry (time, event_id).
[[nodiscard]] std::string CursorOf(TimeMicros time, std::string_view event_id);
[[nodiscard]] std::string CursorOf(const PagePosition& position);

// The position a cursor stands for; nullopt when it is not hex (either case is read) or is
// shorter than a time.
[[nodiscard]] std::optional<PagePosition> ParseCursor(std::string_view cursor);

// The position of a "time | event id" key suffix (PagePosition::KeySuffix); nullopt when it is
// shorter than a time.
[[nodiscard]] std::optional<PagePosition> PositionOfKeySuffix(std::string_view suffix);

// Whether every character of `text` is one that CursorOf writes (0-9, a-f); true when empty.
// The API refuses other text before it asks any store or peer.
[[nodiscard]] bool InCursorAlphabet(std::string_view text);

}  // namespace inzage

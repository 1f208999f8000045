#include "store/cursor.h"

#include <algorithm>

#include "common/hex.h"
#include "store/keys.h"

namespace inzage {

std::string PagePosition::KeySuffix() const {
  std::string out;
  keys::PutTime(&out, time);
  out.append(event_id);
  return out;
}

std::string CursorOf(TimeMicros time, std::string_view event_id) {
  std::string raw;
  keys::PutTime(&raw, time);
  raw.append(event_id);
  return HexOf(raw);
}

std::string CursorOf(const PagePosition& position) {
  return CursorOf(position.time, position.event_id);
}

std::optional<PagePosition> ParseCursor(std::string_view cursor) {
  std::optional<std::string> bytes = BytesOfHex(cursor);
  if (!bytes) return std::nullopt;
  return PositionOfKeySuffix(*bytes);
}

std::optional<PagePosition> PositionOfKeySuffix(std::string_view suffix) {
  if (suffix.size() < 8) return std::nullopt;
  return PagePosition{keys::GetTime(suffix), std::string(suffix.substr(8))};
}

bool InCursorAlphabet(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

}  // namespace inzage

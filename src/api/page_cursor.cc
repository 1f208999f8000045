#include "api/page_cursor.h"

namespace inzage::api {

std::string PageCursors::Query(std::string_view kind, std::string_view about, TimeMicros from,
                               TimeMicros to) {
  std::string q;
  q.reserve(kind.size() + about.size() + 48);
  q.append(kind).push_back('|');
  q.append(about).push_back('|');
  q += std::to_string(from);
  q.push_back('|');
  q += std::to_string(to);
  return q;
}

std::string PageCursors::Seal(const PagePosition& position, std::string_view query) const {
  return box_.Seal(position.KeySuffix(), query);
}

std::optional<std::string> PageCursors::Open(std::string_view sealed,
                                             std::string_view query) const {
  auto suffix = box_.Open(sealed, query);
  if (!suffix) return std::nullopt;
  auto position = PositionOfKeySuffix(*suffix);
  if (!position) return std::nullopt;
  return CursorOf(*position);
}

std::string PageCursors::SealStoreCursor(std::string_view store_cursor,
                                         std::string_view query) const {
  if (store_cursor.empty()) return {};
  auto position = ParseCursor(store_cursor);
  return position ? Seal(*position, query) : std::string();
}

std::string PageCursors::SealScanPosition(std::string_view key, std::string_view query) const {
  if (key.empty()) return {};
  return box_.Seal(key, "scan|" + std::string(query));
}

std::optional<std::string> PageCursors::OpenScanPosition(std::string_view sealed,
                                                         std::string_view query) const {
  return box_.Open(sealed, "scan|" + std::string(query));
}

std::string PageCursors::SealEntry(const PagePosition& position,
                                   std::string_view subject_hex) const {
  return box_.Seal(position.KeySuffix(), "entry|" + std::string(subject_hex));
}

std::optional<PagePosition> PageCursors::OpenEntry(std::string_view sealed,
                                                   std::string_view subject_hex) const {
  auto suffix = box_.Open(sealed, "entry|" + std::string(subject_hex));
  if (!suffix) return std::nullopt;
  return PositionOfKeySuffix(*suffix);
}

}  // namespace inzage::api

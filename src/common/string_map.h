// StringMap: a hash map keyed by std::string that looks up by std::string_view without building
// a string (heterogeneous lookup), for the per-event lookups of ids on the hot path.
// Thread safety: as std::unordered_map.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace inzage {

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};
template <typename V>
using StringMap = std::unordered_map<std::string, V, StringHash, std::equal_to<>>;

}  // namespace inzage

// Lower-case hexadecimal text of bytes, and back.
// Thread safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace inzage {

std::string HexOf(const void* bytes, size_t size);
inline std::string HexOf(std::string_view bytes) { return HexOf(bytes.data(), bytes.size()); }
// The bytes of `hex` (either case); nullopt for an odd length or a non-hex character.
std::optional<std::string> BytesOfHex(std::string_view hex);

}  // namespace inzage

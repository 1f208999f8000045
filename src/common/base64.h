// base64url without padding (RFC 4648 §5): JWTs, sealed cursors.
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>

namespace inzage {

std::string Base64UrlEncode(std::string_view bytes);
// Strict: the unpadded base64url alphabet only, canonical form; false on anything else.
bool Base64UrlDecode(std::string_view text, std::string* out);

}  // namespace inzage

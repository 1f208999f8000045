// Secret files: the pseudonym key and the API's HS256 token secret are hex text files with mode
// 0600 (systemd credentials in production, `inzage keygen` creates them); Kafka's SASL password
// and TLS key are text files under the same rule. One reader and one
// writer for both, so the permission check and the wiping of copies are done in one place.
// Thread safety: free functions without shared state.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace inzage {

// Reads hex text (whitespace ignored) into bytes; refuses files readable by group or others,
// non-hex content and fewer than min_bytes. `what` names the file in errors ("pseudonym key").
Result<std::string> ReadHexSecretFile(const std::string& path, std::string_view what,
                                      size_t min_bytes);
// Reads a secret as text (a Kafka SASL password, a PEM key), with the same permission check;
// trailing whitespace is dropped, an empty file is refused.
Result<std::string> ReadTextSecretFile(const std::string& path, std::string_view what);
// Writes `bytes` random bytes as hex to path with mode 0600; fails if path exists.
Status WriteRandomHexSecretFile(const std::string& path, size_t bytes);

}  // namespace inzage

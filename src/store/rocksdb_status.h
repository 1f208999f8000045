// FromRocks: a RocksDB status as inzage's Status, so that callers above the store see one error
// type. Corruption stays Corruption and I/O errors (a full disk among them) stay IoError, so
// that the daemon can tell a broken store from a failing disk; anything else is Internal.
// Thread safety: a pure function.
#pragma once

#include <rocksdb/status.h>

#include <string>

#include "common/status.h"

namespace inzage {

// `what` says what was being done ("commit batch"); RocksDB's own text follows it.
[[nodiscard]] Status FromRocks(const rocksdb::Status& s, const std::string& what);

}  // namespace inzage

#include "store/rocksdb_status.h"

namespace inzage {

Status FromRocks(const rocksdb::Status& s, const std::string& what) {
  if (s.ok()) return Status::Ok();
  if (s.IsCorruption()) return Status::Corruption(what + ": " + s.ToString());
  if (s.IsIOError() || s.IsNoSpace()) return Status::IoError(what + ": " + s.ToString());
  return Status::Internal(what + ": " + s.ToString());
}

}  // namespace inzage

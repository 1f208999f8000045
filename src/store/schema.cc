#include "store/schema.h"

#include <rocksdb/db.h>

#include "store/rocksdb_status.h"

namespace inzage {
namespace {

Status InitialiseSchema(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* meta,
                        const std::string& key_id) {
  rocksdb::WriteBatch init;
  init.Put(meta, "schema_version", std::string(kSchemaVersion));
  init.Put(meta, "key_id", key_id);
  rocksdb::WriteOptions wo;
  wo.sync = true;
  return FromRocks(db->Write(wo, &init), "initialise store");
}

}  // namespace

Status CheckSchema(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* meta, const std::string& path,
                   const std::string& key_id, bool read_only) {
  std::string value;
  rocksdb::Status s = db->Get(rocksdb::ReadOptions(), meta, "schema_version", &value);
  if (s.IsNotFound()) {
    if (read_only) return Status::FailedPrecondition(path + " is not a store");
    return InitialiseSchema(db, meta, key_id);
  }
  if (!s.ok()) return FromRocks(s, "read store meta");
  if (value != kSchemaVersion && value != kOldestSchemaVersion && value != "2" && value != "3") {
    return Status::FailedPrecondition(
        "store " + path + " has schema version " + value + "; this inzage reads versions " +
        std::string(kOldestSchemaVersion) + " to " + std::string(kSchemaVersion));
  }
  if (value != kSchemaVersion && !read_only) {
    rocksdb::WriteOptions wo;
    wo.sync = true;
    s = db->Put(wo, meta, "schema_version", std::string(kSchemaVersion));
    if (!s.ok()) return FromRocks(s, "upgrade store schema version");
  }
  std::string stored_key_id;
  s = db->Get(rocksdb::ReadOptions(), meta, "key_id", &stored_key_id);
  if (!s.ok()) return FromRocks(s, "read store key id");
  if (!key_id.empty() && stored_key_id != key_id) {
    return Status::FailedPrecondition("store " + path + " was created with pseudonym key id " +
                                      stored_key_id + " but the key file has id " + key_id +
                                      ": queries would find nothing; use the store's own key");
  }
  return Status::Ok();
}

}  // namespace inzage

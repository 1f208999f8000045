// The store's schema: its column families and the schema version kept in meta, checked (and on
// an older store upgraded) when the store is opened. docs/store.md describes what each column
// family holds; store/keys.h and store/history_record.h encode its keys and values.
//
// Versions:
//   1  history entries of versions 1 to 3 (history_record.h); no actor groups
//   2  history entries may be actor groups (entry version 4)
//   3  the alert_index column family (store/alert_index.h), which every writer keeps with the
//      alert rows; an older inzage would write alerts without it, so it refuses the store
//   4  alert records of format 3 (detect/alert.h: the input partition of the latest hit) and
//      state rows "partition/<actor>"; an older inzage cannot read those alerts, so it refuses
//      the store instead of failing at restore. Upgrading rewrites nothing but the version.
// An older inzage reads schema 1 only, so it refuses a store this one has opened for writing
// instead of misreading groups (its retention would keep entries it cannot read, its duplicate
// check would miss group members). A schema 1 store is upgraded when opened for writing; it has
// no groups yet, so the upgrade rewrites nothing but the version. A store of schema 1 or 2
// upgraded to 3 gets the alert_index column family empty; the pipeline rebuilds the index at
// its next start (Store::RebuildAlertIndex).
//
// Thread safety: pure functions over a database the caller holds open.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace rocksdb {
class DB;
class ColumnFamilyHandle;
}  // namespace rocksdb

namespace inzage {

inline constexpr const char* kColumnFamilies[] = {
    "default", "history_subject", "history_actor", "state",      "alerts",
    "outbox",  "reference",       "meta",          "alert_index"};

inline constexpr std::string_view kSchemaVersion = "4";
inline constexpr std::string_view kOldestSchemaVersion = "1";

// Makes the store at `path` (open as `db`, meta its meta column family) one of this schema:
// a new store gets the schema version and `key_id`; an existing one must have a version this
// inzage reads, is upgraded unless `read_only`, and must have been created with `key_id`
// (empty: any). FailedPrecondition names what does not fit.
[[nodiscard]] Status CheckSchema(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* meta,
                                 const std::string& path, const std::string& key_id,
                                 bool read_only);

}  // namespace inzage

// Backups of the store with RocksDB's BackupEngine (incremental: files shared between backups
// are copied once). Retention reaches backups by age: every backup deletes the backups older
// than a maximum age, so expired history outlives its retention in backups by at most that age
// (README: "Retention and backups"). Store::Backup and Store::Restore call these.
//
// Thread safety: no state of their own. A backup reads a database that may be in use (RocksDB's
// BackupEngine flushes it and copies a consistent set of files); restore into a store that is
// not open.
#pragma once

#include <functional>
#include <string>

#include "common/status.h"
#include "common/time.h"

namespace rocksdb {
class DB;
}  // namespace rocksdb

namespace inzage {

// Adds a backup of `db` to `backup_dir`, then deletes the backups in it taken more than
// `max_age_micros` before now (read from `now` once the new backup is complete).
[[nodiscard]] Status BackUpAndExpire(rocksdb::DB* db, const std::string& backup_dir,
                                     const std::function<TimeMicros()>& now,
                                     TimeMicros max_age_micros);

// Restores the newest backup in `backup_dir` to `store_path` (its WAL included).
[[nodiscard]] Status RestoreNewestBackup(const std::string& backup_dir,
                                         const std::string& store_path);

}  // namespace inzage

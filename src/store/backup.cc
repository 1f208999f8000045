#include "store/backup.h"

#include <rocksdb/utilities/backup_engine.h>

#include <memory>
#include <vector>

#include "store/rocksdb_status.h"
#include "store/store.h"

namespace inzage {

Status BackUpAndExpire(rocksdb::DB* db, const std::string& backup_dir,
                       const std::function<TimeMicros()>& now, TimeMicros max_age_micros) {
  rocksdb::BackupEngine* raw = nullptr;
  rocksdb::BackupEngineOptions bo(backup_dir);
  rocksdb::IOStatus s = rocksdb::BackupEngine::Open(rocksdb::Env::Default(), bo, &raw);
  if (!s.ok()) return FromRocks(s, "open backup directory " + backup_dir);
  std::unique_ptr<rocksdb::BackupEngine> engine(raw);
  s = engine->CreateNewBackup(db, /*flush_before_backup=*/true);
  if (!s.ok()) return FromRocks(s, "create backup");
  std::vector<rocksdb::BackupInfo> infos;
  engine->GetBackupInfo(&infos);
  const auto now_seconds = now() / kMicrosPerSecond;
  for (const auto& info : infos) {
    if ((now_seconds - info.timestamp) * kMicrosPerSecond > max_age_micros) {
      s = engine->DeleteBackup(info.backup_id);
      if (!s.ok()) return FromRocks(s, "delete expired backup");
    }
  }
  return FromRocks(engine->GarbageCollect(), "backup garbage collection");
}

Status RestoreNewestBackup(const std::string& backup_dir, const std::string& store_path) {
  rocksdb::BackupEngineReadOnly* raw = nullptr;
  rocksdb::BackupEngineOptions bo(backup_dir);
  rocksdb::IOStatus s = rocksdb::BackupEngineReadOnly::Open(rocksdb::Env::Default(), bo, &raw);
  if (!s.ok()) return FromRocks(s, "open backup directory " + backup_dir);
  std::unique_ptr<rocksdb::BackupEngineReadOnly> engine(raw);
  return FromRocks(engine->RestoreDBFromLatestBackup(store_path, store_path), "restore");
}

Status Store::Backup(const std::string& backup_dir, TimeMicros max_age_micros) {
  return BackUpAndExpire(
      db_.get(), backup_dir, [this] { return filter_factory_->Now(); }, max_age_micros);
}

Status Store::Restore(const std::string& backup_dir, const std::string& store_path) {
  return RestoreNewestBackup(backup_dir, store_path);
}

}  // namespace inzage

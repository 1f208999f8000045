#include "store/rocksdb_options.h"

#include <rocksdb/file_checksum.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/table.h>

#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <string_view>

#include "common/log.h"

namespace inzage {
namespace {

// The actor prefix of a history_actor key: the length byte and the actor id (store/keys.h).
class ActorPrefixTransform : public rocksdb::SliceTransform {
 public:
  const char* Name() const override { return "inzage.ActorPrefix"; }
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override {
    return {key.data(), size_t{1} + static_cast<unsigned char>(key[0])};
  }
  bool InDomain(const rocksdb::Slice& key) const override {
    return !key.empty() &&
           key.size() >= 1 + static_cast<size_t>(static_cast<unsigned char>(key[0]));
  }
};

// RocksDB's messages on stderr, keeping their level (see StoreDbOptions).
class StderrLogger : public rocksdb::Logger {
 public:
  StderrLogger() : rocksdb::Logger(rocksdb::InfoLogLevel::WARN_LEVEL) {}
  void Logv(const rocksdb::InfoLogLevel level, const char* format, va_list ap) override {
    if (level < GetInfoLogLevel() || level == rocksdb::InfoLogLevel::HEADER_LEVEL) return;
    Write(level >= rocksdb::InfoLogLevel::ERROR_LEVEL ? LogLevel::kError : LogLevel::kWarn, format,
          ap);
  }
  void Logv(const char* format, va_list ap) override { Write(LogLevel::kWarn, format, ap); }

 private:
  static void Write(LogLevel level, const char* format, va_list ap) {
    char buf[1024];
    // The format comes from RocksDB's own log statements (the Logger interface).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    std::vsnprintf(buf, sizeof buf, format, ap);
#pragma GCC diagnostic pop
    std::string_view text(buf);
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.remove_suffix(1);
    // A backup nests RocksDB's disabling of file deletions, which it reports at WARN ("File
    // Deletions Disabled, but already disabled"): bookkeeping, not a problem.
    if (text.find("File Deletions") != std::string_view::npos) level = LogLevel::kDebug;
    Log(level, "rocksdb", text);
  }
};

// Index and filter blocks in the block cache and partitioned, bloom filters on whole keys
// (history_subject changes that below).
rocksdb::BlockBasedTableOptions TableOptions(const std::shared_ptr<rocksdb::Cache>& cache) {
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = cache;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  table.whole_key_filtering = true;  // duplicate detection looks up whole history_actor keys
  // Index and filter blocks live in the (bounded) block cache, at high priority, partitioned
  // so that a lookup loads one small partition; the top levels stay pinned. Without this, a
  // store of 10 M events spent its commits re-reading filter blocks from disk for the duplicate
  // check (the cache held data blocks instead) and filled at under 3,000 events/s.
  table.cache_index_and_filter_blocks = true;
  table.cache_index_and_filter_blocks_with_high_priority = true;
  table.pin_top_level_index_and_filter = true;
  table.pin_l0_filter_and_index_blocks_in_cache = true;
  table.partition_filters = true;
  table.index_type = rocksdb::BlockBasedTableOptions::kTwoLevelIndexSearch;
  table.metadata_block_size = 4096;
  return table;
}

// What the two history column families share: written once in per-prefix time order, read in
// runs, and filtered by retention.
void TuneForHistory(std::string_view name, rocksdb::ColumnFamilyOptions* o,
                    rocksdb::BlockBasedTableOptions* table) {
  // History is written once and read in runs: large blocks compress far better, and a
  // citizen's page of entries spans few blocks anyway.
  table->block_size = std::size_t{32} * 1024;
  // Both indexes receive each prefix's (subject's, actor's) entries in time order, so each
  // new key lands right after the previous key of its prefix. With a per-prefix insert hint
  // the memtable's skip list starts from there instead of searching from the top, which was
  // the largest single cost of a commit (profile in bench/README.md).
  if (name == "history_subject") {
    o->memtable_insert_with_hint_prefix_extractor.reset(rocksdb::NewFixedPrefixTransform(16));
  } else {
    o->memtable_insert_with_hint_prefix_extractor = std::make_shared<ActorPrefixTransform>();
  }
  // Their keys spread over the whole key space (pseudonyms, actor ids), so every L0 file
  // overlaps all of the base level and each L0 compaction rewrites it. Merging more files at
  // a time means fewer rewrites: compaction CPU over 10 M events was 41.7 s with 4 files,
  // 14.9-16.3 s with 8 and 8.3 s with 16 (bench/README.md). Reads stay cheap: a citizen's
  // query skips the L0 files without its prefix by their filters, pinned in the cache.
  // Writes slow down only well past the trigger (RocksDB's defaults, 20 and 36, assume 4).
  o->level0_file_num_compaction_trigger = 16;
  o->level0_slowdown_writes_trigger = 36;
  o->level0_stop_writes_trigger = 52;
  // Sized as eight 64 MiB memtables for the trigger of 8. With 16, 1 GiB made no difference:
  // compaction CPU over 10 M events 7.5 / 7.7 s against 7.4 s (bench/README.md).
  o->max_bytes_for_level_base = std::uint64_t{512} << 20;
  // Make the retention filter visit cold files at least once a day.
  o->periodic_compaction_seconds = std::uint64_t{24} * 3600;
}

}  // namespace

std::shared_ptr<rocksdb::Cache> NewBlockCache(size_t bytes) {
  return rocksdb::NewLRUCache(bytes, -1, false, 0.5);
}

rocksdb::DBOptions StoreDbOptions(bool read_only) {
  rocksdb::DBOptions db_options;
  db_options.create_if_missing = !read_only;
  db_options.create_missing_column_families = !read_only;
  db_options.max_background_jobs = 2;
  db_options.bytes_per_sync = 1 << 20;
  db_options.max_total_wal_size = 256 << 20;
  db_options.info_log = std::make_shared<StderrLogger>();
  // A CRC32C of every whole SST file, recorded in the MANIFEST when the file is written, so
  // that `inzage verify` covers every byte: block checksums leave out the partitions of the
  // partitioned filters, where a flipped byte went unnoticed. Costs one CRC pass per file
  // written, at GB/s.
  db_options.file_checksum_gen_factory = rocksdb::GetFileChecksumGenCrc32cFactory();
  return db_options;
}

rocksdb::ColumnFamilyOptions StoreColumnFamilyOptions(
    std::string_view name, const std::shared_ptr<rocksdb::Cache>& cache,
    std::shared_ptr<rocksdb::CompactionFilterFactory> history_filter) {
  rocksdb::ColumnFamilyOptions o;
  // RocksDB 7.8 defaults this to false: with it, level sizes follow the data and space
  // amplification stays near 1.1 instead of growing with an unfilled last level.
  o.level_compaction_dynamic_level_bytes = true;
  // LZ4 on the upper (hot, often rewritten) levels, ZSTD on the bottommost level where most
  // history lives for years: small on disk, cheap to write.
  o.compression = rocksdb::kLZ4Compression;
  o.bottommost_compression = rocksdb::kZSTD;
  o.bottommost_compression_opts.enabled = true;
  // Level 1, not 6: while the store is small, nearly every compaction writes the bottommost
  // level, and level 6 made ZSTD over half of the compaction threads' CPU during ingest. With
  // the dictionary, level 1 stores 59.8 instead of 58.6 bytes per event (10 M events, 50,000
  // citizens) and a full compaction of 2 M events takes 7.5 instead of 13.7 s (bench/README.md,
  // fourth session).
  o.bottommost_compression_opts.level = 1;
  // A trained dictionary lets each block reuse the strings (activities, roles, case prefixes)
  // that every block repeats.
  o.bottommost_compression_opts.max_dict_bytes = 16 * 1024;
  o.bottommost_compression_opts.zstd_max_train_bytes = 100 * 16 * 1024;
  rocksdb::BlockBasedTableOptions table = TableOptions(cache);
  if (name == "history_subject") {
    // A citizen's query reads one pseudonym prefix: prefix bloom filters skip files without it.
    // Point reads (an actor entry's details) are filtered by the same prefix, so whole keys
    // stay out of this filter: 1.2 bytes per stored event.
    o.prefix_extractor.reset(rocksdb::NewFixedPrefixTransform(16));
    table.whole_key_filtering = false;
  }
  if (name == "history_subject" || name == "history_actor") {
    TuneForHistory(name, &o, &table);
    o.compaction_filter_factory = std::move(history_filter);
  }
  // No insert hints for "state" and "alerts", rewritten by key batch after batch: a newer
  // version of a key sorts before the older one in the memtable, so a hint at the older one
  // never brackets it (removing them measured no different, bench/README.md, fourth session).
  o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  return o;
}

}  // namespace inzage

// Every RocksDB tuning choice of the store in one place: the database options, the block cache
// and each column family's options (compression, filters, block sizes, compaction triggers,
// memtable insert hints), and the logger that sends RocksDB's messages to stderr. The numbers
// behind the choices are in bench/README.md; docs/store.md lists the column families.
//
// Thread safety: pure functions; the options they return are the caller's.
#pragma once

#include <rocksdb/cache.h>
#include <rocksdb/compaction_filter.h>
#include <rocksdb/options.h>

#include <memory>
#include <string_view>

namespace inzage {

// The LRU cache every column family's blocks go through, bounded to `bytes` (the store's read
// memory); half of it is reserved for index and filter blocks.
[[nodiscard]] std::shared_ptr<rocksdb::Cache> NewBlockCache(size_t bytes);

// The database's options. RocksDB's own LOG file is replaced by a logger to stderr (journald):
// when the store's disk is full, RocksDB 7.8 as Debian builds it (with assertions) aborts while
// logging the very error it should report. Warnings and worse only.
[[nodiscard]] rocksdb::DBOptions StoreDbOptions(bool read_only);

// The options of the column family `name` (schema.h lists them). The history column families
// get `history_filter` (retention.h) as their compaction filter factory.
[[nodiscard]] rocksdb::ColumnFamilyOptions StoreColumnFamilyOptions(
    std::string_view name, const std::shared_ptr<rocksdb::Cache>& cache,
    std::shared_ptr<rocksdb::CompactionFilterFactory> history_filter);

}  // namespace inzage

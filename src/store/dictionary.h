// The store's dictionary: the strings that history entries refer to by number (activity, actor,
// role, department, municipality, domain, recipient; history_record.h, version 3 on).
//
// Rows live in meta as "dict/<n>" -> batch sequence (8, big-endian) | string, numbered from 1
// without gaps. An entry is only ever added, in the commit whose history first uses it, and its
// row takes part in that batch's integrity chain segment (integrity_chain.h), so Verify also
// notices an altered dictionary. Entries are never deleted: retention removes history, not the
// names it used. So a string that could hold a BSN stays inline (HasDigitRun), as do all new
// strings once there are kMaxDictionaryEntries. docs/store.md has the whole picture.
//
// Ownership: the Store owns a SharedDictionary and shares it with the retention filter, which
// reads activities through it; the Store's writer alone keeps the index from string to number.
// Thread safety: SharedDictionary may be used from any thread; a published StringTable is never
// changed. A BatchInterner belongs to one commit.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/mutex.h"
#include "common/status.h"
#include "common/string_map.h"
#include "store/history_record.h"

namespace rocksdb {
class DB;
class ColumnFamilyHandle;
}  // namespace rocksdb

namespace inzage {

inline constexpr size_t kMaxDictionaryEntries = 65'536;

// The dictionary as readers see it. Readers take the table pointer (Get) and keep it as long as
// they read entries with it; a commit publishes a longer table before the write that first
// refers to its new entries. Take a table after creating an iterator (or RocksDB snapshot):
// every entry that iterator returns then refers only to entries the table holds.
class SharedDictionary {
 public:
  [[nodiscard]] std::shared_ptr<const StringTable> Get() const {
    MutexLock lock(&mu_);
    return table_;
  }
  void Publish(std::shared_ptr<const StringTable> table) {
    MutexLock lock(&mu_);
    table_ = std::move(table);
  }

 private:
  mutable Mutex mu_;
  std::shared_ptr<const StringTable> table_ GUARDED_BY(mu_) =  // never null
      std::make_shared<const StringTable>();
};

// Whether `s` holds a run of eight or more digits. Dictionary entries are never deleted, so a
// string that could hold a BSN (e.g. from a source that misfilled a field) stays inline in its
// entries, where retention removes it with them.
[[nodiscard]] bool HasDigitRun(std::string_view s);

// Hands out dictionary entry numbers for one commit: the store's entries, then new ones after
// them while there is room (strings longer than a record keeps stay inline).
class BatchInterner : public Interner {
 public:
  BatchInterner(const StringMap<std::uint32_t>& known, size_t known_count, size_t max_entries)
      : known_(known), known_count_(known_count), max_entries_(max_entries) {}
  std::uint32_t Intern(std::string_view s) override;
  // The strings this commit adds, in entry order (entry known_count + 1 first).
  [[nodiscard]] const std::vector<std::string>& added() const { return added_; }
  [[nodiscard]] StringMap<std::uint32_t>& added_ids() { return added_ids_; }
  // How many strings were left inline.
  [[nodiscard]] std::uint64_t inlined() const { return inlined_; }

 private:
  const StringMap<std::uint32_t>& known_;
  size_t known_count_;
  size_t max_entries_;
  std::vector<std::string> added_;
  StringMap<std::uint32_t> added_ids_;
  std::uint64_t inlined_ = 0;
};

// The value of a dictionary row: the batch that added the entry, then the entry. Replaces *out.
void EncodeDictionaryRow(std::uint64_t batch_seq, std::string_view entry, std::string* out);
// The batch a dictionary row names; 0 (never a batch of the chain) when the row is too short.
[[nodiscard]] std::uint64_t DictionaryRowBatch(std::string_view row);

// Reads every dictionary row of `meta` into `table` (entry n at n - 1) and `ids` (string ->
// n). Corruption, naming the store at `path`, when a row is missing, malformed or repeated.
[[nodiscard]] Status LoadDictionary(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* meta,
                                    const std::string& path, StringTable* table,
                                    StringMap<std::uint32_t>* ids);

}  // namespace inzage

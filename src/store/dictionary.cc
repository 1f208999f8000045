#include "store/dictionary.h"

#include <rocksdb/db.h>

#include "store/keys.h"
#include "store/rocksdb_status.h"

namespace inzage {

bool HasDigitRun(std::string_view s) {
  int run = 0;
  for (char c : s) {
    run = c >= '0' && c <= '9' ? run + 1 : 0;
    if (run >= 8) return true;
  }
  return false;
}

std::uint32_t BatchInterner::Intern(std::string_view s) {
  if (auto it = known_.find(s); it != known_.end()) return it->second;
  if (auto it = added_ids_.find(s); it != added_ids_.end()) return it->second;
  if (s.size() > 255 || known_count_ + added_.size() >= max_entries_ || HasDigitRun(s)) {
    ++inlined_;
    return 0;
  }
  added_.emplace_back(s);
  const auto entry = static_cast<std::uint32_t>(known_count_ + added_.size());
  added_ids_.emplace(std::string(s), entry);
  return entry;
}

void EncodeDictionaryRow(std::uint64_t batch_seq, std::string_view entry, std::string* out) {
  out->clear();
  keys::PutBigEndian64(out, batch_seq);
  out->append(entry);
}

std::uint64_t DictionaryRowBatch(std::string_view row) {
  // Open refuses rows shorter than the sequence; batch 0 is never in the chain.
  return row.size() >= 8 ? keys::GetBigEndian64(row) : 0;
}

Status LoadDictionary(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* meta, const std::string& path,
                      StringTable* table, StringMap<std::uint32_t>* ids) {
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), meta));
  for (it->Seek("dict/"); it->Valid() && it->key().starts_with("dict/"); it->Next()) {
    const std::string_view row(it->value().data(), it->value().size());
    if (it->key() !=
            rocksdb::Slice(keys::DictionaryKey(static_cast<std::uint32_t>(table->size() + 1))) ||
        row.size() < 8) {
      return Status::Corruption("store " + path + ": dictionary entry " +
                                std::to_string(table->size() + 1) + " is missing or malformed");
    }
    table->push_back(std::string(row.substr(8)));
    if (!ids->emplace(table->back(), static_cast<std::uint32_t>(table->size())).second) {
      return Status::Corruption("store " + path + ": dictionary entry " +
                                std::to_string(table->size()) + " repeats an earlier one");
    }
  }
  return FromRocks(it->status(), "read dictionary");
}

}  // namespace inzage

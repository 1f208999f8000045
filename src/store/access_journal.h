// AccessJournal: the API's own accesses (a citizen reading their history, the CISO reading the
// queue), made durable before they are answered, without waiting for the history batch they go
// into. Under full ingest load that batch holds up to 20,000 events and waits behind the one
// being written; the journal is a small RocksDB database of its own (`<store>-journal`, beside
// the store's directory),
// so its write never queues behind the store's. Each row is one decided access in its stored
// form; the pipeline deletes it once the batch holding the access is committed, and puts any
// row left by a crash into its first batch at start (the store's duplicate check makes that
// idempotent). docs/store.md, "The access journal".
//
// Ownership: owns its database. Thread safety: every method may be called from any thread.
#pragma once

#include <rocksdb/db.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "store/store.h"

namespace inzage {

class AccessJournal {
 public:
  // Opens (or creates) the journal in `dir`. With `sync`, each write is fsynced, as the store's
  // commits are under store.sync.
  static Result<std::unique_ptr<AccessJournal>> Open(const std::string& dir, bool sync);
  ~AccessJournal();
  AccessJournal(const AccessJournal&) = delete;
  AccessJournal& operator=(const AccessJournal&) = delete;

  // Writes one access; returns its row key once the write is durable.
  [[nodiscard]] Result<std::string> Put(const StoredEvent& event);
  // Deletes rows whose accesses the store has committed.
  [[nodiscard]] Status Delete(const std::vector<std::string>& keys);
  // Every row, oldest key first: (key, the access).
  [[nodiscard]] Status ForEach(
      const std::function<void(const std::string& key, StoredEvent event)>& fn) const;
  // Rows written and not yet deleted.
  [[nodiscard]] std::uint64_t rows() const;

  // The row format, exposed for the tests: the access's history record in its subject-entry
  // form with every string inline, and every subject.
  static std::string Encode(const StoredEvent& event);
  static Status Decode(std::string_view key, std::string_view value, StoredEvent* out);

 private:
  AccessJournal(std::unique_ptr<rocksdb::DB> db, bool sync, std::uint64_t rows);

  std::unique_ptr<rocksdb::DB> db_;
  rocksdb::WriteOptions write_options_;
  std::atomic<std::uint64_t> rows_;
};

}  // namespace inzage

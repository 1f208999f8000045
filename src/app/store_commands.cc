// inzage ingest | query | verify | backup | restore | compact | hand-over (docs/contracts.md
// §5).

#include <rocksdb/env.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <iterator>
#include <set>

#include "api/history_views.h"
#include "app/commands.h"
#include "app/message_reader.h"
#include "common/hex.h"
#include "common/json_writer.h"
#include "common/sha256.h"
#include "event/bsn.h"
#include "event/event_parser.h"
#include "ingest/stored_event.h"
#include "interop/message_decoder.h"
#include "policy/decider.h"
#include "policy/policy_loader.h"
#include "store/keys.h"
#include "store/store.h"

namespace inzage::app {
namespace {

std::string SourceIdOf(std::string_view first_line) {
  const Sha256Digest digest = Sha256(first_line);
  return "file:" + HexOf(digest.data(), 8);
}

int Fail(const char* command, const std::string& message) {
  std::fprintf(stderr, "inzage %s: %s\n", command, message.c_str());
  return 1;
}

std::string Names(const HistoryRecord& r) {
  std::string rules;
  for (RuleId id : r.rules) {
    if (!rules.empty()) rules += ",";
    rules += InfoOf(id).id;
  }
  return rules.empty() ? "-" : rules;
}

}  // namespace

int Ingest(const IngestOptions& o) {
  auto policy = LoadPolicy(o.policy_dir);
  if (!policy.ok()) return Fail("ingest", policy.status().message());
  auto key = Pseudonymizer::FromKeyFile(o.key_file);
  if (!key.ok()) return Fail("ingest", key.status().message());
  ReferenceData reference(&*key);
  if (Status st = reference.LoadFile(o.reference_file); !st.ok()) {
    return Fail("ingest", st.message());
  }
  reference.Resolve(**policy);
  StoreOptions so;
  so.sync = o.sync;
  so.key_id = key->key_id();
  so.retention = RetentionTable::FromPolicy(**policy);
  auto store = Store::Open(o.store_dir, so);
  if (!store.ok()) return Fail("ingest", store.status().message());

  std::ifstream file_in;
  std::istream* in = &std::cin;
  if (o.events != "-") {
    file_in.open(o.events, std::ios::binary);
    if (!file_in) return Fail("ingest", "cannot open events file " + o.events);
    in = &file_in;
  }
  const InputFormat format = InputFormatFromName(o.format).value_or(InputFormat::kInzage);
  MessageDecoder decoder(format, &*key);
  const Decider decider(policy->get(), &reference);
  std::string line;
  std::string source;
  std::int64_t position = 0;   // lines read
  std::int64_t resume_at = 0;  // lines already in the store
  CommitBatch batch;
  std::int64_t stored = 0, duplicates = 0, invalid = 0, skipped = 0;
  Decision decision;
  auto commit = [&]() -> bool {
    batch.positions = {{source, 0, position}};
    auto r = (*store)->Commit(batch);
    if (!r.ok()) {
      Fail("ingest", r.status().message());
      return false;
    }
    stored += static_cast<std::int64_t>(r->stored_events);
    duplicates += static_cast<std::int64_t>(r->duplicate_events);
    batch = CommitBatch{};
    return true;
  };
  // Invalid records are reported, not stored: the history holds accesses, and an invalid record
  // is not a known access. The count tells the operator to look.
  class Sink : public RecordSink {
   public:
    explicit Sink(std::function<void(const AccessEvent&)> decide) : decide_(std::move(decide)) {}
    void Access(const AccessEvent& event) override { decide_(event); }
    void Invalid(const InvalidRecord& record) override {
      ++invalid;
      std::fprintf(stderr, "inzage ingest: message %lld: %.*s: %.*s\n",
                   static_cast<long long>(position), static_cast<int>(record.where.size()),
                   record.where.data(), static_cast<int>(record.reason.size()),
                   record.reason.data());
    }
    std::int64_t invalid = 0;
    std::int64_t position = 0;

   private:
    std::function<void(const AccessEvent&)> decide_;
  } sink([&](const AccessEvent& event) {
    decider.Decide(event, &decision);
    batch.events.push_back(MakeStoredEvent(event, decision, **policy, reference));
  });
  MessageReader reader(in, format);
  while (reader.Next(&line)) {
    if (source.empty()) {
      source = SourceIdOf(line);
      const auto offsets = (*store)->Offsets();
      auto it = offsets.find({source, 0});
      if (it != offsets.end()) resume_at = it->second;
    }
    ++position;
    if (position <= resume_at) {
      ++skipped;
      continue;
    }
    if (format != InputFormat::kOtlpProto && line.find_first_not_of(" \t\r") == std::string::npos) {
      continue;
    }
    sink.position = position;
    if (Status st = decoder.Decode(line, **policy, &sink); !st.ok()) {
      ++invalid;
      std::fprintf(stderr, "inzage ingest: message %lld: %s\n", static_cast<long long>(position),
                   st.message().c_str());
      continue;
    }
    // A message is committed whole: the stored position never falls inside one.
    if (batch.events.size() >= o.batch_size && !commit()) return 1;
  }
  if (!reader.error().empty()) return Fail("ingest", o.events + ": " + reader.error());
  invalid += sink.invalid;
  if (!source.empty() && !commit()) return 1;
  std::printf(
      "ingest %s: %lld events stored, %lld duplicates, %lld invalid, %lld lines skipped "
      "(already ingested), source %s at line %lld\n",
      o.events.c_str(), static_cast<long long>(stored), static_cast<long long>(duplicates),
      static_cast<long long>(invalid), static_cast<long long>(skipped), source.c_str(),
      static_cast<long long>(position));
  return 0;
}

int Query(const QueryOptions& o) {
  auto from = ParseRfc3339(o.from);
  auto to = ParseRfc3339(o.to);
  if (!from || !to) return Fail("query", "--from and --to must be RFC 3339 times with a zone");
  if (*from > *to) return Fail("query", "--from is after --to");
  if (o.subject_bsn.empty() == o.actor.empty()) {
    return Fail("query", "give exactly one of --subject and --actor");
  }
  auto key = Pseudonymizer::FromKeyFile(o.key_file);
  if (!key.ok()) return Fail("query", key.status().message());
  StoreOptions so;
  so.key_id = key->key_id();
  so.read_only = true;
  auto store = Store::Open(o.store_dir, so);
  if (!store.ok()) return Fail("query", store.status().message());
  Pseudonym subject;
  if (!o.subject_bsn.empty()) {
    NormalisedBsn bsn;
    if (const char* why = CheckBsn(o.subject_bsn, &bsn)) {
      return Fail("query", std::string("--subject: ") + why);
    }
    subject = key->Pseudonymise(std::string_view(bsn.data(), bsn.size()));
  }
  std::shared_ptr<const Policy> policy;
  if (!o.policy_dir.empty()) {
    auto loaded = LoadPolicy(o.policy_dir);
    if (!loaded.ok()) return Fail("query", "--policy: " + loaded.status().message());
    policy = *loaded;
  }
  std::string cursor;
  long long count = 0;
  if (!o.json) {
    std::printf("%-27s %-10s %-22s %-8s %-12s %-4s %-26s %-9s %s\n", "TIME", "MUNICIPALITY",
                "ACTOR", "ACTION", "DOMAIN", "INFO", "ACTIVITY", "VERDICT", "RULES");
  }
  do {
    auto page = o.actor.empty() ? (*store)->QuerySubject(subject, *from, *to, 1000, cursor)
                                : (*store)->QueryActor(o.actor, *from, *to, 1000, cursor);
    if (!page.ok()) return Fail("query", page.status().message());
    for (const auto& e : page->entries) {
      const HistoryRecord& r = e.record;
      if (o.json) {
        // The investigators' view of the API (GET /v1/actors/{id}/accesses), one per line.
        std::string line;
        JsonWriter w(&line);
        api::WriteInvestigationEntry(w, r, policy.get());
        std::printf("%s\n", line.c_str());
      } else {
        std::printf("%-27s %-10s %-22s %-8s %-12s %-4s %-26s %-9s %s\n",
                    FormatRfc3339(r.time).c_str(), r.municipality.c_str(), r.actor.c_str(),
                    std::string(NameOf(kActionNames, r.action)).c_str(), r.domain.c_str(),
                    std::string(NameOf(kInfoLevelNames, r.info)).c_str(), r.activity.c_str(),
                    std::string(NameOf(kVerdictNames, r.verdict)).c_str(), Names(r).c_str());
      }
      ++count;
    }
    cursor = page->next_cursor;
  } while (!cursor.empty());
  std::fprintf(o.json ? stderr : stdout, "%lld entries\n", count);
  return 0;
}

int Verify(const std::string& store_dir) {
  StoreOptions so;
  so.read_only = true;
  // Corruption that stops the store from opening or reading is what verify exists to find: exit
  // 3 with RocksDB's report (it names the file), like a chain that does not match.
  const auto corrupt = [&store_dir](const Status& st) {
    std::printf("verify %s: FAILED: %s\n", store_dir.c_str(), st.message().c_str());
    return 3;
  };
  auto store = Store::Open(store_dir, so);
  if (!store.ok()) {
    if (store.status().code() == Status::Code::kCorruption) return corrupt(store.status());
    return Fail("verify", store.status().message());
  }
  auto report = (*store)->Verify();
  if (!report.ok()) {
    if (report.status().code() == Status::Code::kCorruption) return corrupt(report.status());
    return Fail("verify", report.status().message());
  }
  if (!report->ok) {
    std::printf("verify %s: FAILED: %s\n", store_dir.c_str(), report->first_problem.c_str());
    return 3;
  }
  std::printf(
      "verify %s: ok: %llu batches, %llu events in %llu entries, %llu expired segments "
      "skipped\n",
      store_dir.c_str(), static_cast<unsigned long long>(report->batches),
      static_cast<unsigned long long>(report->events),
      static_cast<unsigned long long>(report->entries),
      static_cast<unsigned long long>(report->expired_segments_skipped));
  return 0;
}

int Backup(const std::string& store_dir, const std::string& to, const std::string& max_age) {
  auto age = ParseIsoDuration(max_age);
  if (!age || age->years != 0 || age->months != 0) {
    return Fail("backup", "--max-age must be a fixed ISO 8601 duration such as P30D");
  }
  StoreOptions so;
  auto store = Store::Open(store_dir, so);
  if (!store.ok()) return Fail("backup", store.status().message());
  if (Status st = (*store)->Backup(to, age->fixed_micros); !st.ok()) {
    return Fail("backup", st.message());
  }
  std::printf("backup of %s written to %s (backups older than %s pruned)\n", store_dir.c_str(),
              to.c_str(), max_age.c_str());
  return 0;
}

int Restore(const std::string& from, const std::string& store_dir, bool force) {
  std::error_code ec;
  if (!force && std::filesystem::exists(store_dir, ec) &&
      !std::filesystem::is_empty(store_dir, ec)) {
    return Fail("restore", store_dir +
                               " exists and is not empty: restore into a new directory, or add "
                               "--force to replace that store with the backup");
  }
  if (Status st = Store::Restore(from, store_dir); !st.ok()) return Fail("restore", st.message());
  std::printf("restored the latest backup of %s into %s\n", from.c_str(), store_dir.c_str());
  return 0;
}

int HandOver(const HandOverOptions& o) {
  auto key = Pseudonymizer::FromKeyFile(o.key_file);
  if (!key.ok()) return Fail("hand-over", key.status().message());
  std::error_code ec;
  if (std::filesystem::equivalent(o.from, o.into, ec)) {
    return Fail("hand-over", "--from and --into are the same store");
  }
  // The retired daemon must be stopped: a read-only open takes no lock, and what it commits
  // after the copy would be lost once it is retired.
  rocksdb::FileLock* from_lock = nullptr;
  if (rocksdb::Status ls = rocksdb::Env::Default()->LockFile(o.from + "/LOCK", &from_lock);
      !ls.ok()) {
    return Fail("hand-over",
                "--from " + o.from +
                    " is in use (is its inzaged still running? stop it first): " + ls.ToString());
  }
  const std::unique_ptr<rocksdb::FileLock, std::function<void(rocksdb::FileLock*)>> unlock(
      from_lock, [](rocksdb::FileLock* l) { (void)rocksdb::Env::Default()->UnlockFile(l); });
  // Both under the same pseudonym key: a pseudonym means the same citizen in both stores.
  StoreOptions from_options;
  from_options.read_only = true;
  from_options.key_id = key->key_id();
  auto from = Store::Open(o.from, from_options);
  if (!from.ok()) return Fail("hand-over", "--from: " + from.status().message());
  StoreOptions into_options;
  into_options.sync = true;
  into_options.key_id = key->key_id();
  auto into = Store::Open(o.into, into_options);
  if (!into.ok()) return Fail("hand-over", "--into: " + into.status().message());
  size_t read = 0, stored = 0, present = 0;
  const auto commit = [&](std::vector<StoredEvent> events) -> Status {
    CommitBatch batch;
    batch.events = std::move(events);
    auto result = (*into)->Commit(batch);
    if (!result.ok()) return result.status();
    stored += result->stored_events;
    present += result->duplicate_events;
    return Status::Ok();
  };
  // Events with more subjects than the actor history lists wait for one pass over the subject
  // history at the end; they are rare (bulk provisions).
  std::vector<StoredEvent> incomplete;
  std::string after;
  do {
    auto page = (*from)->ReadEvents(after, 5000);
    if (!page.ok()) return Fail("hand-over", page.status().message());
    read += page->events.size();
    const auto lists_all = [](const StoredEvent& e) {
      return e.record.subject_count <= e.subjects.size();
    };
    const auto rest = std::stable_partition(page->events.begin(), page->events.end(), lists_all);
    std::move(rest, page->events.end(), std::back_inserter(incomplete));
    page->events.erase(rest, page->events.end());
    if (Status st = commit(std::move(page->events)); !st.ok()) {
      return Fail("hand-over", st.message());
    }
    after = std::move(page->next);
  } while (!after.empty());
  if (!incomplete.empty()) {
    std::set<std::string, std::less<>> events;
    for (const StoredEvent& e : incomplete) {
      events.insert(keys::ActorKey(e.record.actor, e.record.time, e.record.event_id));
    }
    auto subjects = (*from)->SubjectsOf(events);
    if (!subjects.ok()) return Fail("hand-over", subjects.status().message());
    // In commits of a bounded size: each of these events has over 100 subjects.
    constexpr size_t kPerCommit = 100;
    for (size_t first = 0; first < incomplete.size(); first += kPerCommit) {
      std::vector<StoredEvent> chunk;
      for (size_t i = first; i < std::min(incomplete.size(), first + kPerCommit); ++i) {
        StoredEvent& e = incomplete[i];
        auto found =
            subjects->find(keys::ActorKey(e.record.actor, e.record.time, e.record.event_id));
        if (found == subjects->end() || found->second.size() < e.subjects.size()) {
          return Fail("hand-over", "the subjects of event " + e.record.event_id +
                                       " are not all in the subject history of --from");
        }
        e.subjects = std::move(found->second);
        chunk.push_back(std::move(e));
      }
      if (Status st = commit(std::move(chunk)); !st.ok()) return Fail("hand-over", st.message());
    }
  }
  if (Status st = (*into)->Flush(); !st.ok()) return Fail("hand-over", st.message());
  std::printf("hand-over %s into %s: %zu events read, %zu stored, %zu already there\n",
              o.from.c_str(), o.into.c_str(), read, stored, present);
  return 0;
}

int Compact(const std::string& store_dir) {
  StoreOptions so;
  auto store = Store::Open(store_dir, so);
  if (!store.ok()) return Fail("compact", store.status().message());
  if (Status st = (*store)->CompactAll(); !st.ok()) return Fail("compact", st.message());
  std::printf("compacted %s (expired history removed)\n", store_dir.c_str());
  return 0;
}

}  // namespace inzage::app

// `inzage verify` names the real fault: one byte flipped in any SST file of any column family
// (the history, the chain in meta, the alerts and their index, the outbox, the state) gives exit
// 3 and RocksDB's own report, which names the file. Before this, a flipped byte in a meta data
// block read as "the chain head does not match the last batch 0".
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "store/store.h"
#include "store_test_util.h"
#include "support/status_matchers.h"

namespace inzage {
namespace {

using ::testing::HasSubstr;
using testing::SyntheticEvent;
using testing::TempDir;

const TimeMicros kT0 = TimeMicros{1'795'000'000} * 1'000'000;

struct VerifyRun {
  int exit_code = -1;
  std::string output;
};

VerifyRun Verify(const std::string& store_dir) {
  const std::string command = std::string(INZAGE_BINARY) + " verify --store " + store_dir + " 2>&1";
  VerifyRun run;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return run;
  char buffer[4096];
  size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) run.output.append(buffer, n);
  const int status = ::pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

// A store with rows in every column family the daemon writes, all flushed to SST files.
void FillEveryColumnFamily(const std::string& dir) {
  StoreOptions o;
  o.key_id = "key-a";
  auto store = Store::Open(dir, o);
  ASSERT_TRUE(store.ok()) << store.status().message();
  for (int b = 0; b < 4; ++b) {
    CommitBatch batch;
    for (int i = 0; i < 200; ++i) {
      const int n = b * 200 + i;
      batch.events.push_back(
          SyntheticEvent(static_cast<std::uint64_t>(n), kT0 + n * kMicrosPerSecond,
                         "emp-" + std::to_string(n % 7), "wmo-maatwerkvoorziening", 2));
    }
    for (int i = 0; i < 50; ++i) {
      const std::string id = "a-" + std::to_string(b) + "-" + std::to_string(i);
      AlertRow alert;
      alert.id = id;
      alert.value = std::string(200, static_cast<char>('a' + i % 26));
      alert.index.status = 1;
      alert.index.severity = 2;
      alert.index.rule = 1;
      alert.index.deadline = kT0 + i * kMicrosPerSecond;
      alert.index.municipality = "dinkelland";
      alert.index.department = "sociaal-domein";
      batch.alerts.push_back(alert);
      batch.outbox.emplace_back("outbox-" + id, std::string(200, 'o'));
      batch.state.emplace_back("actor/emp-" + id, std::string(200, 's'));
    }
    ASSERT_OK((*store)->Commit(batch));
  }
  ASSERT_OK((*store)->Flush());
}

// Each live SST file with its column family, read from RocksDB's own metadata.
std::map<std::string, std::string> SstFilesByColumnFamily(const std::string& dir) {
  std::vector<std::string> names;
  EXPECT_OK(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), dir, &names));
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const auto& name : names) descriptors.emplace_back(name, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  EXPECT_OK(rocksdb::DB::OpenForReadOnly(rocksdb::DBOptions(), dir, descriptors, &handles, &db));
  std::map<std::string, std::string> files;
  if (db == nullptr) return files;
  std::vector<rocksdb::LiveFileMetaData> live;
  db->GetLiveFilesMetaData(&live);
  for (const auto& f : live) files[f.name] = f.column_family_name;
  for (auto* h : handles) EXPECT_OK(db->DestroyColumnFamilyHandle(h));
  delete db;
  return files;
}

void FlipByte(const std::string& file, std::uintmax_t offset) {
  std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(static_cast<std::streamoff>(offset));
  char c = 0;
  f.get(c);
  f.seekp(static_cast<std::streamoff>(offset));
  f.put(static_cast<char>(c ^ 0x5a));
}

TEST(StoreVerifyCorruptionTest, AFlippedByteInAnyColumnFamilysFilesIsExit3NamingTheFile) {
  TempDir dir;
  const std::string pristine = dir.sub("pristine");
  FillEveryColumnFamily(pristine);
  ASSERT_FALSE(::testing::Test::HasFatalFailure());
  const VerifyRun clean = Verify(pristine);
  ASSERT_EQ(clean.exit_code, 0) << clean.output;

  const auto files = SstFilesByColumnFamily(pristine);
  std::map<std::string, int> per_family;
  for (const auto& [file, family] : files) ++per_family[family];
  for (const char* family :
       {"meta", "history_subject", "history_actor", "state", "alerts", "outbox", "alert_index"}) {
    EXPECT_GT(per_family[family], 0) << family << " has no SST file to corrupt";
  }

  int cases = 0;
  for (const auto& [file, family] : files) {
    const std::uintmax_t size = std::filesystem::file_size(pristine + file);
    // The first data block, the middle of the file, and the index and footer near its end.
    for (const std::uintmax_t offset : {std::uintmax_t{16}, size / 2, size - 40}) {
      SCOPED_TRACE(family + " " + file + " offset " + std::to_string(offset));
      const std::string copy = dir.sub("copy");
      std::filesystem::remove_all(copy);
      std::filesystem::copy(pristine, copy);
      FlipByte(copy + file, offset);
      const VerifyRun run = Verify(copy);
      EXPECT_EQ(run.exit_code, 3) << run.output;
      EXPECT_THAT(run.output, HasSubstr(std::filesystem::path(file).filename().string()));
      EXPECT_THAT(run.output, HasSubstr("orrupt"));
      ++cases;
    }
  }
  EXPECT_GE(cases, 7 * 3);
}

}  // namespace
}  // namespace inzage

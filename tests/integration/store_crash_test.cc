// Crash safety, proven: a child process commits batches in a loop and is killed with SIGKILL at
// random moments, 30 times per mode. After every reopen every event below the stored offset is
// present exactly once, none at or above it, and the integrity chain verifies. Once with the
// default (WAL on, no fsync) and once with fsync on every commit.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <random>
#include <set>

#include "store/store.h"
#include "store_test_util.h"

namespace inzage {
namespace {

void RunCrashLoop(const char* mode, unsigned seed) {
  testing::TempDir dir;
  const std::string path = dir.sub("store");
  std::mt19937 rng(seed);
  std::int64_t last_offset = 0;
  int progressed = 0;
  for (int round = 0; round < 30; ++round) {
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      execl(INZAGE_CRASH_CHILD, INZAGE_CRASH_CHILD, path.c_str(), mode, nullptr);
      _exit(127);
    }
    ::usleep(30'000 + rng() % 100'000);
    ::kill(child, SIGKILL);
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status))
        << "the child stopped by itself (exit " << WEXITSTATUS(status) << ") in round " << round;

    StoreOptions o;
    o.key_id = "crash-key";
    auto store = Store::Open(path, o);
    ASSERT_TRUE(store.ok()) << store.status().message();
    const auto offsets = (*store)->Offsets();
    const std::int64_t offset = offsets.count({"crash", 0}) != 0 ? offsets.at({"crash", 0}) : 0;
    ASSERT_GE(offset, last_offset) << "the stored offset went backwards";
    if (offset > last_offset) ++progressed;
    last_offset = offset;

    std::set<std::int64_t> ids;
    std::string cursor;
    size_t entries = 0;
    do {
      auto page = (*store)->QueryActor("emp-crash", INT64_MIN, INT64_MAX, 1000, cursor);
      ASSERT_TRUE(page.ok()) << page.status().message();
      for (const auto& e : page->entries) {
        ids.insert(std::stoll(e.record.event_id.substr(3)));
        ++entries;
      }
      cursor = page->next_cursor;
    } while (!cursor.empty());
    ASSERT_EQ(entries, ids.size()) << "an event is stored twice (round " << round << ")";
    ASSERT_EQ(static_cast<std::int64_t>(ids.size()), offset)
        << "events and offset disagree (round " << round << ")";
    if (!ids.empty()) {
      ASSERT_EQ(*ids.begin(), 0);
      ASSERT_EQ(*ids.rbegin(), offset - 1);
    }
    auto report = (*store)->Verify();
    ASSERT_TRUE(report.ok());
    ASSERT_TRUE(report->ok) << report->first_problem << " (round " << round << ")";
  }
  EXPECT_GE(progressed, 10) << "the child should make progress in most rounds";
  std::printf("%s: 30 kills, final offset %lld, %d rounds with progress\n", mode,
              static_cast<long long>(last_offset), progressed);
}

TEST(StoreCrashTest, KilledThirtyTimesWalWithoutFsync) { RunCrashLoop("nosync", 1); }
TEST(StoreCrashTest, KilledThirtyTimesWithFsync) { RunCrashLoop("sync", 2); }

}  // namespace
}  // namespace inzage

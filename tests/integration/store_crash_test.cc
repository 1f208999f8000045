// Crash safety, proven: a child process commits batches in a loop and is killed with SIGKILL,
// 30 times per mode. After every reopen every event below the stored offset is present exactly
// once, none at or above it, and the integrity chain verifies. Once with the default (WAL on, no
// fsync) and once with fsync on every commit.
//
// The kills land at points the child reports through a pipe (store_crash_child.cc): after a
// random number of completed commits, either just after one returned or just as the next one
// starts. So every round has at least one completed commit to keep, and a kill in the middle
// of a commit happens in about half of them, on a fast machine or a loaded one alike.
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <random>
#include <set>

#include "store/store.h"
#include "store_test_util.h"
#include "support/status_matchers.h"

namespace inzage {
namespace {

// Reads the child's reports until `point` has been seen `count` times. False when the child
// exits or says nothing for a minute (a hung child fails the test instead of hanging it).
bool AwaitReports(int fd, char point, int count, std::string* why) {
  while (count > 0) {
    pollfd p{fd, POLLIN, 0};
    const int ready = ::poll(&p, 1, 60'000);
    if (ready <= 0) {
      *why = "the child reported nothing for 60 s";
      return false;
    }
    char c = 0;
    if (::read(fd, &c, 1) != 1) {
      *why = "the child exited before it was killed";
      return false;
    }
    if (c == point) --count;
  }
  return true;
}

void RunCrashLoop(const char* mode, unsigned seed) {
  testing::TempDir dir;
  const std::string path = dir.sub("store");
  std::mt19937 rng(seed);
  std::int64_t last_offset = 0;
  int in_commit_kills = 0;
  for (int round = 0; round < 30; ++round) {
    int report[2];
    ASSERT_EQ(::pipe(report), 0);
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      ::close(report[0]);
      const std::string fd = std::to_string(report[1]);
      execl(INZAGE_CRASH_CHILD, INZAGE_CRASH_CHILD, path.c_str(), mode, fd.c_str(), nullptr);
      _exit(127);
    }
    ::close(report[1]);
    const int commits = 1 + static_cast<int>(rng() % 4);
    const bool in_commit = rng() % 2 == 0;
    std::string why;
    bool reached = AwaitReports(report[0], 'C', commits, &why);
    if (reached && in_commit) {
      reached = AwaitReports(report[0], 'B', 1, &why);
      ++in_commit_kills;
    }
    ::kill(child, SIGKILL);
    ::close(report[0]);
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    ASSERT_TRUE(reached) << why << " (round " << round << ", exit status " << status << ")";
    ASSERT_TRUE(WIFSIGNALED(status))
        << "the child stopped by itself (exit " << WEXITSTATUS(status) << ") in round " << round;

    StoreOptions o;
    o.key_id = "crash-key";
    auto store = Store::Open(path, o);
    ASSERT_TRUE(store.ok()) << store.status().message();
    const auto offsets = (*store)->Offsets();
    const std::int64_t offset = offsets.count({"crash", 0}) != 0 ? offsets.at({"crash", 0}) : 0;
    // A commit that returned is in the WAL (in the OS's cache without fsync, which a killed
    // process does not lose), so every round keeps at least `commits` batches of 50.
    ASSERT_GE(offset, last_offset + 50 * commits)
        << "a completed commit was lost (round " << round << ")";
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
    auto report_of_verify = (*store)->Verify();
    ASSERT_OK(report_of_verify);
    ASSERT_TRUE(report_of_verify->ok)
        << report_of_verify->first_problem << " (round " << round << ")";
  }
  std::printf("%s: 30 kills (%d as a commit started), final offset %lld\n", mode, in_commit_kills,
              static_cast<long long>(last_offset));
}

TEST(StoreCrashTest, KilledThirtyTimesWalWithoutFsync) { RunCrashLoop("nosync", 1); }
TEST(StoreCrashTest, KilledThirtyTimesWithFsync) { RunCrashLoop("sync", 2); }

}  // namespace
}  // namespace inzage

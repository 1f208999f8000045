// Child process of the crash test: commits batches of synthetic events with increasing offsets
// until it is killed. Event n has id "ev-<n>", time T0 + n seconds, offset n; a batch of 50
// records next_offset = last n + 1.
//
// Usage: store_crash_child STORE_DIR sync|nosync REPORT_FD
// The child writes one byte to REPORT_FD at each point where the parent may kill it: 'B' just
// before a commit starts and 'C' once it has returned. The parent kills at a point it chose, so
// the test asserts the same thing whatever the machine's speed or load.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "store_test_util.h"

namespace {

void Report(int fd, char point) {
  if (::write(fd, &point, 1) != 1) std::_Exit(5);  // the parent went away
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) return 2;
  const int report_fd = std::atoi(argv[3]);
  inzage::StoreOptions o;
  o.key_id = "crash-key";
  o.sync = std::strcmp(argv[2], "sync") == 0;
  o.retention = inzage::testing::TestRetention();
  auto store = inzage::Store::Open(argv[1], o);
  if (!store.ok()) {
    std::fprintf(stderr, "open: %s\n", store.status().message().c_str());
    return 3;
  }
  const auto offsets = (*store)->Offsets();
  auto it = offsets.find({"crash", 0});
  std::int64_t next = it == offsets.end() ? 0 : it->second;
  const inzage::TimeMicros t0 = *inzage::ParseRfc3339("2026-11-24T09:00:00Z");
  for (;;) {
    inzage::CommitBatch batch;
    for (int i = 0; i < 50; ++i, ++next) {
      batch.events.push_back(inzage::testing::SyntheticEvent(
          static_cast<std::uint64_t>(next), t0 + next * inzage::kMicrosPerSecond, "emp-crash",
          "wmo-maatwerkvoorziening", 1 + static_cast<int>(next % 3)));
    }
    batch.positions = {{"crash", 0, next}};
    Report(report_fd, 'B');
    auto r = (*store)->Commit(batch);
    if (!r.ok()) {
      std::fprintf(stderr, "commit: %s\n", r.status().message().c_str());
      return 4;
    }
    Report(report_fd, 'C');
  }
}

#include "common/thread_name.h"

#include <gtest/gtest.h>
#include <pthread.h>

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace inzage {
namespace {

std::string NameOf(std::thread& t) {
  char name[64] = {};
  EXPECT_EQ(pthread_getname_np(t.native_handle(), name, sizeof name), 0);
  return name;
}

// Operators tell the daemon's threads apart by these names (top -H, /proc/PID/task/*/comm);
// Linux keeps 15 characters, so longer names are cut, not refused.
TEST(ThreadNameTest, NamesTheCallingThreadAndCutsLongNames) {
  for (const std::string& wanted :
       {std::string("inzage-writer"), std::string("inzage-a-very-long-name")}) {
    bool named = false;
    bool release = false;
    std::mutex mu;
    std::condition_variable cv;
    std::thread t([&] {
      NameThisThread(wanted);
      std::unique_lock lock(mu);
      named = true;
      cv.notify_all();
      cv.wait(lock, [&] { return release; });
    });
    {
      std::unique_lock lock(mu);
      cv.wait(lock, [&] { return named; });
    }
    EXPECT_EQ(NameOf(t), wanted.substr(0, 15));
    {
      std::lock_guard lock(mu);
      release = true;
    }
    cv.notify_all();
    t.join();
  }
}

}  // namespace
}  // namespace inzage

// Eventually: waits for a condition with a wall-clock deadline, for the tests whose state changes
// on a thread that signals nothing (the relay's passes, the membership reader's members, the
// outbox draining). The condition is looked at again every 10 ms; that is a poll interval, not a
// wait for a state, so a loaded machine makes a test take more rounds, never fail early.
#pragma once

#include <chrono>
#include <thread>

namespace inzage::testing {

// True once `condition()` holds; false if it still does not after `limit`.
template <typename Condition>
bool Eventually(Condition&& condition, std::chrono::steady_clock::duration limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

}  // namespace inzage::testing

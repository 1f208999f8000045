#include "common/thread_name.h"

#include <pthread.h>

#include <string>

namespace inzage {

void NameThisThread(std::string_view name) {
  constexpr size_t kMaxNameBytes = 15;  // the kernel's TASK_COMM_LEN less the terminator
  const std::string truncated(name.substr(0, kMaxNameBytes));
  // Only fails for names that are too long, which the cut above rules out.
  (void)pthread_setname_np(pthread_self(), truncated.c_str());
}

}  // namespace inzage

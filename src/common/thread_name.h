// Names the calling thread for `top -H`, `ps -L`, perf and /proc/PID/task/*/comm, so operators
// and the end-to-end benchmark can tell the consume loop, the store writer and the alert relay
// apart (all were "inzaged"). Linux keeps at most 15 characters; longer names are cut.
// Thread safety: affects only the calling thread.
#pragma once

#include <string_view>

namespace inzage {

void NameThisThread(std::string_view name);

}  // namespace inzage

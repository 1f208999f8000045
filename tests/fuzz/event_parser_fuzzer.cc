// libFuzzer entry point for the access-event parser: any input must yield OK or a Status, never
// a crash, a sanitizer report or an error message containing a run of 8+ digits (a BSN leak).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "event/event_parser.h"

namespace {
const inzage::Pseudonymizer& FuzzPseudonymizer() {
  static const inzage::Pseudonymizer p("fuzz-key-fuzz-key-fuzz-key-fuzz-key!!");
  return p;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, size_t size) {
  static inzage::EventParser parser(&FuzzPseudonymizer());
  inzage::AccessEvent event;
  const std::string_view message(reinterpret_cast<const char*>(data), size);
  const inzage::Status st = parser.Parse(message, &event);
  if (!st.ok()) {
    int run = 0;
    for (char c : st.message()) {
      run = (c >= '0' && c <= '9') ? run + 1 : 0;
      if (run >= 8) {  // an error message must never echo a BSN
        std::fprintf(stderr, "digit run in error: %s\n", st.message().c_str());
        std::abort();
      }
    }
  } else if (event.subjects.empty() || event.event_id.empty()) {
    std::abort();  // a valid event always has these
  }
  return 0;
}

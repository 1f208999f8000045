// libFuzzer entry point for one input format of the logging standards (INZAGE_FUZZ_FORMAT:
// otlp-proto, otlp-json or vng-verwerkingsactie), decoded and mapped by the default policy. Any
// input must yield a Status or records, never a crash or a sanitizer report; every record is
// either an access (with an event id and a subject) or an invalid record with a reason, and no
// reason echoes a run of 8+ digits (a BSN).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string_view>

#include "interop/message_decoder.h"
#include "policy/policy_loader.h"

namespace {

const inzage::Pseudonymizer& FuzzPseudonymizer() {
  static const inzage::Pseudonymizer p("fuzz-key-fuzz-key-fuzz-key-fuzz-key!!");
  return p;
}

const inzage::Policy& FuzzPolicy() {
  static const std::shared_ptr<const inzage::Policy> policy = [] {
    auto p = inzage::LoadPolicy(std::string(INZAGE_SOURCE_DIR) + "/config/policy");
    if (!p.ok()) {
      std::fprintf(stderr, "%s\n", p.status().message().c_str());
      std::abort();
    }
    return *p;
  }();
  return *policy;
}

void CheckNoDigitRun(std::string_view text) {
  int run = 0;
  for (char c : text) {
    run = (c >= '0' && c <= '9') ? run + 1 : 0;
    if (run >= 8) {
      std::fprintf(stderr, "digit run in a reason: %.*s\n", static_cast<int>(text.size()),
                   text.data());
      std::abort();
    }
  }
}

struct CheckingSink : inzage::RecordSink {
  void Access(const inzage::AccessEvent& e) override {
    if (e.subjects.empty() || e.event_id.empty() || e.actor_id.empty() || e.purpose.empty() ||
        e.domain.empty() || e.municipality.empty()) {
      std::abort();  // a decided access always has these
    }
    ++accesses;
  }
  void Invalid(const inzage::InvalidRecord& r) override {
    if (r.reason.empty()) std::abort();
    CheckNoDigitRun(r.reason);
    ++invalid;
  }
  size_t accesses = 0, invalid = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, size_t size) {
  static inzage::MessageDecoder decoder(*inzage::InputFormatFromName(INZAGE_FUZZ_FORMAT),
                                        &FuzzPseudonymizer());
  CheckingSink sink;
  inzage::DecodeCounts counts;
  const std::string_view message(reinterpret_cast<const char*>(data), size);
  const inzage::Status st = decoder.Decode(message, FuzzPolicy(), &sink, &counts);
  if (!st.ok()) {
    CheckNoDigitRun(st.message());
    if (sink.accesses + sink.invalid != 0) std::abort();  // nothing of an unreadable message
  } else if (counts.accesses != sink.accesses || counts.invalid != sink.invalid ||
             counts.records != counts.accesses + counts.invalid) {
    std::abort();  // every record is decided or named, once
  }
  return 0;
}

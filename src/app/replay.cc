#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>

#include "app/commands.h"
#include "app/message_reader.h"
#include "common/pseudonym.h"
#include "detect/behavior_detector.h"
#include "detect/incidents.h"
#include "detect/invalid_rate.h"
#include "event/event_parser.h"
#include "interop/message_decoder.h"
#include "policy/decider.h"
#include "policy/policy_loader.h"
#include "policy/reference_data.h"

namespace inzage::app {
namespace {

// A random key for runs that store nothing: pseudonyms then only link records within this run.
Pseudonymizer EphemeralPseudonymizer() {
  std::string key(32, '\0');
  std::ifstream urandom("/dev/urandom", std::ios::binary);
  urandom.read(key.data(), static_cast<std::streamsize>(key.size()));
  return Pseudonymizer(key);
}

}  // namespace

int Replay(const ReplayOptions& o) {
  auto policy = LoadPolicy(o.policy_dir);
  if (!policy.ok()) {
    std::fprintf(stderr, "inzage replay: %s\n", policy.status().message().c_str());
    return 1;
  }
  std::unique_ptr<Pseudonymizer> pseudonymizer;
  if (!o.key_file.empty()) {
    auto loaded = Pseudonymizer::FromKeyFile(o.key_file);
    if (!loaded.ok()) {
      std::fprintf(stderr, "inzage replay: %s\n", loaded.status().message().c_str());
      return 1;
    }
    pseudonymizer = std::make_unique<Pseudonymizer>(std::move(loaded).value());
  } else {
    pseudonymizer = std::make_unique<Pseudonymizer>(EphemeralPseudonymizer());
  }
  ReferenceData reference(pseudonymizer.get());
  if (Status st = reference.LoadFile(o.reference_file); !st.ok()) {
    std::fprintf(stderr, "inzage replay: %s\n", st.message().c_str());
    return 1;
  }
  reference.Resolve(**policy);
  for (const auto& unknown : reference.UnknownRoles(**policy)) {
    std::fprintf(stderr, "inzage replay: warning: reference role not in the policy (ignored): %s\n",
                 unknown.c_str());
  }

  std::ifstream file_in;
  std::istream* in = &std::cin;
  if (o.events != "-") {
    file_in.open(o.events, std::ios::binary);
    if (!file_in) {
      std::fprintf(stderr, "inzage replay: cannot open events file %s\n", o.events.c_str());
      return 1;
    }
    in = &file_in;
  }
  // --summary alone gives the counts, not 100,000 decisions on the terminal.
  const bool write_decisions = !o.summary || o.out_given;
  FILE* out = write_decisions ? stdout : nullptr;
  if (write_decisions && o.out != "-") {
    out = std::fopen(o.out.c_str(), "wb");
    if (out == nullptr) {
      std::fprintf(stderr, "inzage replay: cannot write %s\n", o.out.c_str());
      return 1;
    }
  }
  std::vector<char> out_buffer(1 << 20);
  if (out != nullptr) std::setvbuf(out, out_buffer.data(), _IOFBF, out_buffer.size());

  const InputFormat format = InputFormatFromName(o.format).value_or(InputFormat::kInzage);
  MessageDecoder decoder(format, pseudonymizer.get());
  const Decider decider(policy->get(), &reference);
  // The same windowed rules and incident aggregation as the daemon, with in-memory state.
  BehaviorDetector detector(policy->get(), &reference);
  if (!detector.status().ok()) {
    std::fprintf(stderr, "inzage replay: %s\n", detector.status().message().c_str());
    return 1;
  }
  IncidentTracker incidents(policy->get(), &reference);
  InvalidRate invalid_rate((*policy)->thresholds());
  // input.invalid_rate runs per partition, as in the daemon (ingest/invalid_rate_state.h): the
  // input is one partition's messages, named by --source.
  const std::string source = "stream:" + o.source;
  // input.invalid_rate needs a time for every message; an invalid line may have none, so the
  // stream's clock is the latest valid event time.
  TimeMicros stream_time = 0;
  Decision decision;
  std::string line;
  std::array<long long, 4> verdicts{};
  const auto write = [&](const std::string& json) {
    ++verdicts[static_cast<size_t>(decision.verdict)];
    if (out == nullptr) return;
    std::fwrite(json.data(), 1, json.size(), out);
    std::fputc('\n', out);
  };
  const auto decide = [&](const AccessEvent& event) {
    decider.Decide(event, &decision);
    detector.Observe(event, &decision);
    incidents.Observe(event, decision);
    stream_time = std::max(stream_time, event.time);
    if (invalid_rate.Observe(stream_time, false)) {
      incidents.ObserveStreamHit(RuleId::kInputInvalidRate, source, stream_time, "",
                                 ExplainInvalidRate(invalid_rate, (*policy)->thresholds()));
    }
    write(DecisionToJson(decision, &event, **policy, reference));
  };
  const auto reject = [&](std::string_view event_id, const std::string& reason) {
    Decider::DecideInvalid(event_id, reason, &decision);
    if (invalid_rate.Observe(stream_time, true)) {
      incidents.ObserveStreamHit(RuleId::kInputInvalidRate, source, stream_time, event_id,
                                 ExplainInvalidRate(invalid_rate, (*policy)->thresholds()));
    }
    write(DecisionToJson(decision, nullptr, **policy, reference));
  };
  // One decision per record, in input order: a message of several records (OTLP) gives several.
  class Sink : public RecordSink {
   public:
    Sink(decltype(decide)& d, decltype(reject)& r) : decide_(d), reject_(r) {}
    void Access(const AccessEvent& event) override { decide_(event); }
    void Invalid(const InvalidRecord& record) override {
      reject_(record.event_id, std::string(record.where) + ": " + std::string(record.reason));
    }

   private:
    decltype(decide)& decide_;
    decltype(reject)& reject_;
  } sink(decide, reject);
  MessageReader reader(in, format);
  while (reader.Next(&line)) {
    if (format != InputFormat::kOtlpProto && line.find_first_not_of(" \t\r") == std::string::npos) {
      continue;
    }
    if (Status st = decoder.Decode(line, **policy, &sink); !st.ok()) {
      reject(decoder.last_event_id(), st.message());
    }
  }
  if (!reader.error().empty()) {
    std::fprintf(stderr, "inzage replay: %s: %s\n", o.events.c_str(), reader.error().c_str());
  }
  const bool write_ok = out == nullptr || (std::fflush(out) == 0 && !std::ferror(out));
  if (out != nullptr && out != stdout) std::fclose(out);
  if (!write_ok) {
    std::fprintf(stderr, "inzage replay: writing decisions failed\n");
    return 1;
  }
  if (!o.alerts_out.empty()) {
    FILE* alerts = std::fopen(o.alerts_out.c_str(), "wb");
    if (alerts == nullptr) {
      std::fprintf(stderr, "inzage replay: cannot write %s\n", o.alerts_out.c_str());
      return 1;
    }
    for (const Alert& alert : incidents.alerts()) {
      std::string json = AlertToJson(alert, (*policy)->guidance(alert.rule));
      json.push_back('\n');
      std::fwrite(json.data(), 1, json.size(), alerts);
    }
    const bool alerts_ok = std::fflush(alerts) == 0 && !std::ferror(alerts);
    std::fclose(alerts);
    if (!alerts_ok) {
      std::fprintf(stderr, "inzage replay: writing alerts failed\n");
      return 1;
    }
  }
  if (o.summary) {
    std::fprintf(stderr,
                 "inzage replay: %lld allow, %lld review, %lld violation, %lld invalid "
                 "(policy revision %s)\n",
                 verdicts[0], verdicts[1], verdicts[2], verdicts[3], (*policy)->revision().c_str());
    std::fprintf(stderr, "inzage replay: %zu alerts; %llu events too late for the windowed rules\n",
                 incidents.alerts().size(),
                 static_cast<unsigned long long>(detector.late_events()));
  }
  return 0;
}

}  // namespace inzage::app

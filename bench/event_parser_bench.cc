// Parse cost per event (issue: foundation). Target: <= 300 ns for the typical ~400-byte event
// on one core. Every parse includes the HMAC-SHA256 pseudonym of each subject (BM_Pseudonymise
// shows that part alone).
#include <benchmark/benchmark.h>

#include <string>

#include "event/event_parser.h"

namespace inzage {
namespace {

const Pseudonymizer& BenchPseudonymizer() {
  static const Pseudonymizer p("bench-key-bench-key-bench-key-bench-key");
  return p;
}

std::string TypicalEvent() {
  return R"({"schema":"inzage.access/1","event_id":"01JD2Q9V6N3K4M5P6Q7R8S9T0V",)"
         R"("time":"2026-11-28T10:15:03.123Z","municipality":"dinkelland",)"
         R"("actor":{"id":"emp-1042","kind":"employee","roles":["wmo-consulent"]},)"
         R"("action":"view","subjects":[{"bsn":"999993653"}],)"
         R"("resource":{"system":"suite4sd","domain":"wmo","info":"wat","categories":["health"],)"
         R"("fields":[],"method":null,"record_count":1},"purpose":"wmo-maatwerkvoorziening",)"
         R"("case_id":"zaak-2026-000123","recipient":null,"emergency":null,)"
         R"("trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","span_id":"00f067aa0ba902b7"})";
}

// The typical event of the issue: about 400 bytes (the contract example without trace context).
std::string FourHundredByteEvent() {
  return R"({"schema":"inzage.access/1","event_id":"01JD2Q9V6N3K4M5P6Q7R8S9T0V",)"
         R"("time":"2026-11-28T10:15:03.123Z","municipality":"dinkelland",)"
         R"("actor":{"id":"emp-1042","kind":"employee","roles":["wmo-consulent"]},)"
         R"("action":"view","subjects":[{"bsn":"999993653"}],)"
         R"("resource":{"system":"suite4sd","domain":"wmo","info":"wat","categories":["health"],)"
         R"("record_count":1},"purpose":"wmo-maatwerkvoorziening","case_id":"zaak-2026-000123"})";
}

std::string FiftySubjectEvent() {
  std::string subjects;
  for (int i = 0; i < 50; ++i) {
    if (i > 0) subjects += ",";
    subjects += i % 2 == 0 ? R"({"bsn":"999993653"})" : R"({"bsn":"999990482"})";
  }
  return R"({"schema":"inzage.access/1","event_id":"01JD2Q9V6N3K4M5P6Q7R8S9T0W",)"
         R"("time":"2026-11-28T10:15:03.123Z","municipality":"tubbergen",)"
         R"("actor":{"id":"emp-3001","kind":"employee","roles":["brp-selectie"]},)"
         R"("action":"export","subjects":[)" +
         subjects +
         R"(],"resource":{"system":"brp-gba","domain":"brp","info":"dat",)"
         R"("fields":["naam","adres","geboortedatum"],"method":"selection","record_count":50},)"
         R"("purpose":"brp-verstrekking"})";
}

void BM_ParseTypicalEvent(benchmark::State& state) {
  EventParser parser(&BenchPseudonymizer());
  const std::string msg = TypicalEvent();
  AccessEvent event;
  for (auto _ : state) {
    Status st = parser.Parse(msg, &event);
    benchmark::DoNotOptimize(st.ok());
    benchmark::DoNotOptimize(event.subjects.data());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(msg.size()));
  state.counters["bytes_per_event"] = static_cast<double>(msg.size());
}
BENCHMARK(BM_ParseTypicalEvent);

void BM_Parse400ByteEvent(benchmark::State& state) {
  EventParser parser(&BenchPseudonymizer());
  const std::string msg = FourHundredByteEvent();
  AccessEvent event;
  for (auto _ : state) {
    Status st = parser.Parse(msg, &event);
    benchmark::DoNotOptimize(st.ok());
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["bytes_per_event"] = static_cast<double>(msg.size());
}
BENCHMARK(BM_Parse400ByteEvent);

void BM_ParseFiftySubjectEvent(benchmark::State& state) {
  EventParser parser(&BenchPseudonymizer());
  const std::string msg = FiftySubjectEvent();
  AccessEvent event;
  for (auto _ : state) {
    Status st = parser.Parse(msg, &event);
    benchmark::DoNotOptimize(st.ok());
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["bytes_per_event"] = static_cast<double>(msg.size());
}
BENCHMARK(BM_ParseFiftySubjectEvent);

void BM_ParseInvalidEvent(benchmark::State& state) {
  EventParser parser(&BenchPseudonymizer());
  std::string msg = TypicalEvent();
  msg.replace(msg.find("999993653"), 9, "999993654");  // fails the elfproef
  AccessEvent event;
  for (auto _ : state) {
    Status st = parser.Parse(msg, &event);
    benchmark::DoNotOptimize(st.ok());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ParseInvalidEvent);

void BM_Pseudonymise(benchmark::State& state) {
  const Pseudonymizer& p = BenchPseudonymizer();
  for (auto _ : state) benchmark::DoNotOptimize(p.Pseudonymise("999993653"));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Pseudonymise);

}  // namespace
}  // namespace inzage

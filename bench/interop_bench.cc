// Decoding plus mapping per LDV span (OTLP protobuf and OTLP/JSON) and per VNG Verwerkingsactie,
// against the native parse of the same access (BM_Parse400ByteEvent's event, through the same
// MessageDecoder). Target: at most 2x the native parse per access. Each figure includes the
// HMAC-SHA256 pseudonym of the subject, as the native parse does. The spans look like what the
// OpenTelemetry SDK and Collector send: resource attributes of the SDK, kind, flags, status,
// parent and end time, which inzage reads past.
#include <benchmark/benchmark.h>
#include <opentelemetry/proto/collector/trace/v1/trace_service.pb.h>

#include <string>

#include "common/hex.h"
#include "interop/message_decoder.h"
#include "policy/policy_loader.h"

namespace inzage {
namespace {

namespace otlp = opentelemetry::proto;

const Pseudonymizer& BenchPseudonymizer() {
  static const Pseudonymizer p("bench-key-bench-key-bench-key-bench-key");
  return p;
}

const Policy& BenchPolicy() {
  static const std::shared_ptr<const Policy> policy =
      *LoadPolicy(std::string(INZAGE_SOURCE_DIR) + "/config/policy");
  return *policy;
}

constexpr const char* kActivity =
    "https://register.noaberkracht.nl/verwerkingsactiviteiten/wmo-maatwerkvoorziening";

struct Counting : RecordSink {
  void Access(const AccessEvent& e) override {
    ++accesses;
    benchmark::DoNotOptimize(e.subjects.data());
  }
  void Invalid(const InvalidRecord&) override { ++invalid; }
  size_t accesses = 0, invalid = 0;
};

void Add(google::protobuf::RepeatedPtrField<otlp::common::v1::KeyValue>* a, const char* k,
         const std::string& v) {
  auto* kv = a->Add();
  kv->set_key(k);
  kv->mutable_value()->set_string_value(v);
}

otlp::collector::trace::v1::ExportTraceServiceRequest Request(int spans) {
  otlp::collector::trace::v1::ExportTraceServiceRequest req;
  auto* rs = req.add_resource_spans();
  auto* ra = rs->mutable_resource()->mutable_attributes();
  Add(ra, "telemetry.sdk.language", "python");
  Add(ra, "telemetry.sdk.name", "opentelemetry");
  Add(ra, "telemetry.sdk.version", "1.45.2");
  Add(ra, "service.instance.id", "e4c2bf91-361e-4974-8b06-5f1dbab93a52");
  Add(ra, "service.name", "suite4sd");
  Add(ra, "service.namespace", "dinkelland");
  auto* ss = rs->add_scope_spans();
  ss->mutable_scope()->set_name("suite4sd.ldv");
  for (int i = 0; i < spans; ++i) {
    auto* s = ss->add_spans();
    std::string trace(16, '\0'), span(8, '\0'), parent(8, '\x11');
    for (int b = 0; b < 16; ++b) trace[b] = static_cast<char>(0x40 + b + i);
    for (int b = 0; b < 8; ++b) span[b] = static_cast<char>(0x21 + b + i);
    s->set_trace_id(trace);
    s->set_span_id(span);
    s->set_parent_span_id(parent);
    s->set_flags(256);
    s->set_name("view");
    s->set_kind(otlp::trace::v1::Span::SPAN_KIND_INTERNAL);
    s->set_start_time_unix_nano(1796529038766586661ULL + static_cast<std::uint64_t>(i));
    s->set_end_time_unix_nano(1796529038766633961ULL + static_cast<std::uint64_t>(i));
    auto* a = s->mutable_attributes();
    Add(a, "dpl.core.processing_activity_id", kActivity);
    Add(a, "dpl.core.data_subject_id", i % 2 == 0 ? "999993653" : "999990482");
    Add(a, "dpl.core.data_subject_id_type", "BSN");
    Add(a, "enduser.id", "emp-1042");
    auto* roles = a->Add();
    roles->set_key("user.roles");
    roles->mutable_value()->mutable_array_value()->add_values()->set_string_value("wmo-consulent");
    auto* cats = a->Add();
    cats->set_key("inzage.data_categories");
    cats->mutable_value()->mutable_array_value()->add_values()->set_string_value("wmo-wat");
    cats->mutable_value()->mutable_array_value()->add_values()->set_string_value("gezondheid");
    s->mutable_status()->set_code(otlp::trace::v1::Status::STATUS_CODE_OK);
  }
  return req;
}

// OTLP/JSON as the SDK's encoder and the Collector write it: hex ids, fixed64 as strings.
std::string JsonRequest(int spans) {
  const auto req = Request(spans);
  std::string out = R"({"resourceSpans":[{"resource":{"attributes":[)";
  const auto& rs = req.resource_spans(0);
  for (int i = 0; i < rs.resource().attributes_size(); ++i) {
    const auto& kv = rs.resource().attributes(i);
    out += (i ? "," : "") + std::string(R"({"key":")") + kv.key() +
           R"(","value":{"stringValue":")" + kv.value().string_value() + R"("}})";
  }
  out += R"(]},"scopeSpans":[{"scope":{"name":"suite4sd.ldv"},"spans":[)";
  for (int i = 0; i < spans; ++i) {
    const auto& s = rs.scope_spans(0).spans(i);
    out += i ? "," : "";
    out += R"({"traceId":")" + HexOf(s.trace_id()) + R"(","spanId":")" + HexOf(s.span_id()) +
           R"(","parentSpanId":")" + HexOf(s.parent_span_id()) +
           R"(","flags":256,"name":"view","kind":1,"startTimeUnixNano":")" +
           std::to_string(s.start_time_unix_nano()) + R"(","endTimeUnixNano":")" +
           std::to_string(s.end_time_unix_nano()) + R"(","attributes":[)";
    out += R"({"key":"dpl.core.processing_activity_id","value":{"stringValue":")" +
           std::string(kActivity) + R"("}},)";
    out += R"({"key":"dpl.core.data_subject_id","value":{"stringValue":")" +
           s.attributes(1).value().string_value() + R"("}},)";
    out += R"({"key":"dpl.core.data_subject_id_type","value":{"stringValue":"BSN"}},)";
    out += R"({"key":"enduser.id","value":{"stringValue":"emp-1042"}},)";
    out +=
        R"({"key":"user.roles","value":{"arrayValue":{"values":[{"stringValue":"wmo-consulent"}]}}},)";
    out += R"({"key":"inzage.data_categories","value":{"arrayValue":{"values":[)"
           R"({"stringValue":"wmo-wat"},{"stringValue":"gezondheid"}]}}}],"status":{"code":1}})";
  }
  out += "]}]}]}";
  return out;
}

std::string NativeEvent() {
  return R"({"schema":"inzage.access/1","event_id":"01JD2Q9V6N3K4M5P6Q7R8S9T0V",)"
         R"("time":"2026-11-28T10:15:03.123Z","municipality":"dinkelland",)"
         R"("actor":{"id":"emp-1042","kind":"employee","roles":["wmo-consulent"]},)"
         R"("action":"view","subjects":[{"bsn":"999993653"}],)"
         R"("resource":{"system":"suite4sd","domain":"wmo","info":"wat","categories":["health"],)"
         R"("record_count":1},"purpose":"wmo-maatwerkvoorziening","case_id":"zaak-2026-000123"})";
}

std::string VngRecord() {
  return std::string(R"({"actieId":"7a22eb38-8a1e-4c0e-9d2b-7d8c1a2f3e4b","actieNaam":"view",)") +
         R"("verwerkingsactiviteitId":")" +
         BenchPolicy().FindActivity("wmo-maatwerkvoorziening")->vng_id +
         R"(","vertrouwelijkheid":"normaal","uitvoerder":"00000001000000001000",)"
         R"("systeem":"suite4sd","gebruiker":"emp-1042","tijdstip":"2026-11-28T10:15:03.123Z",)"
         R"("verwerkteObjecten":[{"objecttype":"persoon","soortObjectId":"BSN",)"
         R"("objectId":"999993653","verwerkteSoortenGegevens":[{"soortGegeven":"wmo-wat"},)"
         R"({"soortGegeven":"gezondheid"}]}]})";
}

void Run(benchmark::State& state, InputFormat format, const std::string& msg, size_t per_msg) {
  MessageDecoder decoder(format, &BenchPseudonymizer());
  Counting sink;
  for (auto _ : state) {
    Status st = decoder.Decode(msg, BenchPolicy(), &sink);
    benchmark::DoNotOptimize(st.ok());
  }
  if (sink.invalid != 0 || sink.accesses != per_msg * state.iterations()) {
    state.SkipWithError("records were not all accesses");
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(per_msg));
  state.counters["bytes_per_access"] =
      static_cast<double>(msg.size()) / static_cast<double>(per_msg);
}

// The baseline: the same access as an inzage event, through the same decoder interface.
void BM_AccessNativeParse(benchmark::State& state) {
  Run(state, InputFormat::kInzage, NativeEvent(), 1);
}
BENCHMARK(BM_AccessNativeParse);

// Per span of a request of state.range(0) spans (the Collector batches many per message).
void BM_AccessOtlpProtoSpan(benchmark::State& state) {
  const auto n = static_cast<int>(state.range(0));
  Run(state, InputFormat::kOtlpProto, Request(n).SerializeAsString(), static_cast<size_t>(n));
}
BENCHMARK(BM_AccessOtlpProtoSpan)->Arg(1)->Arg(100)->Arg(1000);

void BM_AccessOtlpJsonSpan(benchmark::State& state) {
  const auto n = static_cast<int>(state.range(0));
  Run(state, InputFormat::kOtlpJson, JsonRequest(n), static_cast<size_t>(n));
}
BENCHMARK(BM_AccessOtlpJsonSpan)->Arg(1)->Arg(100)->Arg(1000);

void BM_AccessVngVerwerkingsactie(benchmark::State& state) {
  Run(state, InputFormat::kVng, VngRecord(), 1);
}
BENCHMARK(BM_AccessVngVerwerkingsactie);

}  // namespace
}  // namespace inzage

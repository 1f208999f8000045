// Differential property: an inzage access event and its renderings in the logging standards (an
// LDV span per subject in an OTLP request, protobuf and JSON; a VNG Verwerkingsactie) decide
// identically, over generated events. Generated events carry what the standards cannot (a case
// id, a recipient, an emergency reason, BRP fields); those are dropped from the native event
// first, so the property says: whatever the standards can say, inzage decides the same way
// whichever way it was said.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "app/world_generator.h"
#include "common/hex.h"
#include "interop/message_decoder.h"
#include "policy/decider.h"
#include "policy/policy_loader.h"
#include "policy/reference_data.h"
#include "support/ldv_render.h"
#include "support/status_matchers.h"

namespace inzage {
namespace {

using nlohmann::json;
namespace otlp = opentelemetry::proto;

// Decides each access a decoder hands out; the decision's JSON without the event id.
struct Deciding : RecordSink {
  Deciding(const Policy& p, const ReferenceData& r) : policy(p), reference(r), decider(&p, &r) {}
  void Access(const AccessEvent& e) override {
    Decision d;
    decider.Decide(e, &d);
    json j = json::parse(DecisionToJson(d, &e, policy, reference));
    j.erase("event_id");
    decisions.push_back(j.dump());
  }
  void Invalid(const InvalidRecord& r) override { invalid.push_back(std::string(r.reason)); }
  const Policy& policy;
  const ReferenceData& reference;
  Decider decider;
  std::vector<std::string> decisions;
  std::vector<std::string> invalid;
};

TEST(FormatDifferentialTest, NativeLdvAndVngRenderingsDecideIdentically) {
  auto loaded = LoadPolicy(std::string(INZAGE_SOURCE_DIR) + "/config/policy");
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  const Policy& policy = **loaded;
  Pseudonymizer pseudonymizer(std::string(32, 'd'));
  WorldGenerator::Options o;
  o.employees = 200;
  o.citizens = 2000;
  o.seed = 7;
  o.start_micros = *ParseRfc3339("2026-11-24T07:30:00Z");
  o.violations_per_mille = 200;  // plenty of rule hits to disagree on
  o.invalid_per_mille = 0;
  WorldGenerator world(o);
  ReferenceData reference(&pseudonymizer);
  for (const std::string& r : world.ReferenceRecords()) ASSERT_OK(reference.Apply(r));
  reference.Resolve(policy);

  MessageDecoder native(InputFormat::kInzage, &pseudonymizer);
  MessageDecoder proto(InputFormat::kOtlpProto, &pseudonymizer);
  MessageDecoder otlp_json(InputFormat::kOtlpJson, &pseudonymizer);
  MessageDecoder vng(InputFormat::kVng, &pseudonymizer);
  size_t compared = 0, skipped = 0;
  std::map<std::string, int> verdicts;
  for (int i = 0; i < 3000; ++i) {
    json e = json::parse(world.NextEvent());
    if (!testing::Representable(policy, e)) {
      ++skipped;
      continue;
    }
    e = testing::Strip(e);
    Deciding by_native(policy, reference), by_proto(policy, reference), by_json(policy, reference),
        by_vng(policy, reference);
    ASSERT_TRUE(native.Decode(e.dump(), policy, &by_native).ok()) << e.dump();
    ASSERT_EQ(by_native.decisions.size(), 1u);

    // LDV: one span per subject (a log line names at most one). Each subject's span decides as
    // the native event does for that subject alone.
    otlp::collector::trace::v1::ExportTraceServiceRequest req;
    std::vector<std::string> expected;
    for (size_t s = 0; s < e["subjects"].size(); ++s) {
      auto* rs = req.add_resource_spans();
      testing::RenderSpan(policy, e, s, rs, rs->add_scope_spans()->add_spans());
      json one = e;
      one["subjects"] = json::array({e["subjects"][s]});
      Deciding alone(policy, reference);
      ASSERT_OK(native.Decode(one.dump(), policy, &alone));
      expected.push_back(alone.decisions[0]);
    }
    ASSERT_OK(proto.Decode(req.SerializeAsString(), policy, &by_proto));
    EXPECT_TRUE(by_proto.invalid.empty()) << by_proto.invalid[0];
    EXPECT_EQ(by_proto.decisions, expected) << e.dump();

    // The same request in OTLP/JSON, built by hand the way the Collector writes it.
    json request = {{"resourceSpans", json::array()}};
    for (const auto& rs : req.resource_spans()) {
      json attrs = json::array();
      for (const auto& kv : rs.resource().attributes()) {
        attrs.push_back(
            {{"key", kv.key()}, {"value", {{"stringValue", kv.value().string_value()}}}});
      }
      const auto& sp = rs.scope_spans(0).spans(0);
      json span_attrs = json::array();
      for (const auto& kv : sp.attributes()) {
        json value;
        if (kv.value().has_array_value()) {
          json values = json::array();
          for (const auto& v : kv.value().array_value().values()) {
            values.push_back({{"stringValue", v.string_value()}});
          }
          value = {{"arrayValue", {{"values", values}}}};
        } else {
          value = {{"stringValue", kv.value().string_value()}};
        }
        span_attrs.push_back({{"key", kv.key()}, {"value", value}});
      }
      json span = {{"traceId", HexOf(sp.trace_id())},
                   {"spanId", HexOf(sp.span_id())},
                   {"name", sp.name()},
                   {"kind", 1},
                   {"startTimeUnixNano", std::to_string(sp.start_time_unix_nano())},
                   {"endTimeUnixNano", std::to_string(sp.end_time_unix_nano())},
                   {"attributes", span_attrs},
                   {"status", {{"code", 1}}}};
      request["resourceSpans"].push_back(
          {{"resource", {{"attributes", attrs}}},
           {"scopeSpans", json::array({{{"scope", {{"name", "x"}}}, {"spans", {span}}}})}});
    }
    ASSERT_OK(otlp_json.Decode(request.dump(), policy, &by_json));
    EXPECT_EQ(by_json.decisions, expected) << e.dump();

    // VNG: one Verwerkingsactie with every subject.
    ASSERT_OK(vng.Decode(testing::RenderVng(policy, e).dump(), policy, &by_vng));
    EXPECT_TRUE(by_vng.invalid.empty()) << by_vng.invalid[0];
    EXPECT_EQ(by_vng.decisions, by_native.decisions) << e.dump();
    verdicts[json::parse(by_native.decisions[0])["verdict"]]++;
    ++compared;
  }
  // The property is worth something only if it met every verdict many times.
  EXPECT_GT(compared, 1000u) << skipped << " skipped";
  EXPECT_GT(verdicts["allow"], 100);
  EXPECT_GT(verdicts["violation"], 50);
  RecordProperty("compared", static_cast<int>(compared));
}

}  // namespace
}  // namespace inzage

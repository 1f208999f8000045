// MessageDecoder: LDV spans (OTLP protobuf and JSON) and VNG Verwerkingsacties into access events
// by the default policy, and every way a record fails, each with its exact reason.
#include "interop/message_decoder.h"

#include <gmock/gmock.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include "policy/policy_loader.h"
#include "support/ldv_render.h"
#include "support/status_matchers.h"

namespace inzage {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;
namespace otlp = opentelemetry::proto;

// Collects what a decoder hands out, copying it (events view the decoder's buffers).
struct Collected : RecordSink {
  struct Access {
    std::string event_id, actor, municipality, domain, purpose, system, trace_id, span_id;
    std::vector<std::string> roles;
    InfoLevel info;
    Action action;
    CategorySet categories;
    size_t subjects;
    TimeMicros time;
    bool confidential;
  };
  std::vector<Access> accesses;
  std::vector<std::pair<std::string, std::string>> invalid;  // where, reason
  void Access(const AccessEvent& e) override {
    accesses.push_back({std::string(e.event_id), std::string(e.actor_id),
                        std::string(e.municipality), std::string(e.domain), std::string(e.purpose),
                        std::string(e.system), std::string(e.trace_id), std::string(e.span_id),
                        std::vector<std::string>(e.claimed_roles.begin(), e.claimed_roles.end()),
                        e.info, e.action, e.categories, e.subjects.size(), e.time, e.confidential});
  }
  void Invalid(const InvalidRecord& r) override {
    invalid.emplace_back(std::string(r.where), std::string(r.reason));
  }
};

class MessageDecoderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto p = LoadPolicy(std::string(INZAGE_SOURCE_DIR) + "/config/policy");
    ASSERT_TRUE(p.ok()) << p.status().message();
    policy_ = *p;
  }

  static json Event() {
    return json::parse(R"({"schema":"inzage.access/1","event_id":"e-1",
      "time":"2026-11-24T10:15:03.250Z","municipality":"dinkelland",
      "actor":{"id":"emp-1042","kind":"employee","roles":["wmo-consulent"]},"action":"view",
      "subjects":[{"bsn":"999993653"}],
      "resource":{"system":"suite4sd","domain":"wmo","info":"wat","categories":["health"]},
      "purpose":"wmo-maatwerkvoorziening","case_id":null})");
  }

  // A request with one span per event.
  otlp::collector::trace::v1::ExportTraceServiceRequest Request(const std::vector<json>& events) {
    otlp::collector::trace::v1::ExportTraceServiceRequest req;
    for (const json& e : events) {
      auto* rs = req.add_resource_spans();
      auto* span = rs->add_scope_spans()->add_spans();
      testing::RenderSpan(*policy_, e, 0, rs, span);
    }
    return req;
  }
  otlp::trace::v1::Span* FirstSpan(otlp::collector::trace::v1::ExportTraceServiceRequest* r) {
    return r->mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(0);
  }
  static void Remove(otlp::trace::v1::Span* span, const std::string& key) {
    auto* attrs = span->mutable_attributes();
    for (int i = 0; i < attrs->size(); ++i) {
      if (attrs->Get(i).key() == key) {
        attrs->DeleteSubrange(i, 1);
        return;
      }
    }
  }
  static void Set(otlp::trace::v1::Span* span, const std::string& key, const std::string& v) {
    Remove(span, key);
    testing::AddString(span->mutable_attributes(), key, v);
  }

  Status Decode(InputFormat format, const std::string& message, Collected* out,
                DecodeCounts* counts = nullptr) {
    MessageDecoder d(format, &pseudonymizer_);
    return d.Decode(message, *policy_, out, counts);
  }
  // The single reason of a one-span request.
  std::string ReasonOf(const otlp::collector::trace::v1::ExportTraceServiceRequest& req) {
    Collected c;
    EXPECT_OK(Decode(InputFormat::kOtlpProto, req.SerializeAsString(), &c));
    EXPECT_TRUE(c.accesses.empty());
    return c.invalid.size() == 1 ? c.invalid[0].second
                                 : "(" + std::to_string(c.invalid.size()) + " invalid)";
  }

  std::shared_ptr<const Policy> policy_;
  Pseudonymizer pseudonymizer_{std::string(32, 'k')};
};

TEST_F(MessageDecoderTest, LdvSpanBecomesTheAccessItDescribes) {
  auto req = Request({Event()});
  Collected c;
  DecodeCounts counts;
  ASSERT_OK(Decode(InputFormat::kOtlpProto, req.SerializeAsString(), &c, &counts));
  ASSERT_EQ(c.accesses.size(), 1u);
  const auto& a = c.accesses[0];
  EXPECT_EQ(a.actor, "emp-1042");
  EXPECT_EQ(a.roles, std::vector<std::string>{"wmo-consulent"});
  EXPECT_EQ(a.municipality, "dinkelland");
  EXPECT_EQ(a.purpose, "wmo-maatwerkvoorziening");
  EXPECT_EQ(a.domain, "wmo");
  EXPECT_EQ(a.info, InfoLevel::kWat);
  EXPECT_EQ(a.categories, CategoryBit(Category::kHealth));
  EXPECT_EQ(a.action, Action::kView);
  EXPECT_EQ(a.system, "suite4sd");
  EXPECT_EQ(a.subjects, 1u);
  EXPECT_EQ(a.time, *ParseRfc3339("2026-11-24T10:15:03.250Z"));
  EXPECT_EQ(a.trace_id.size(), 32u);
  EXPECT_EQ(a.span_id.size(), 16u);
  EXPECT_EQ(a.event_id, a.trace_id + a.span_id) << "deterministic per span";
  EXPECT_EQ(counts.records, 1u);
  EXPECT_EQ(counts.accesses, 1u);

  // The same request as OTLP/JSON (the SDK's and the Collector's hex ids, string fixed64s).
  std::string text;
  google::protobuf::util::JsonPrintOptions o;
  ASSERT_OK(google::protobuf::util::MessageToJsonString(req, &text, o));
  // protobuf's own JSON writes ids in base64; OTLP/JSON writes them in hex.
  json j = json::parse(text);
  auto& span = j["resourceSpans"][0]["scopeSpans"][0]["spans"][0];
  span["traceId"] = a.trace_id;
  span["spanId"] = a.span_id;
  Collected cj;
  ASSERT_OK(Decode(InputFormat::kOtlpJson, j.dump(), &cj));
  ASSERT_EQ(cj.accesses.size(), 1u) << (cj.invalid.empty() ? "" : cj.invalid[0].second);
  EXPECT_EQ(cj.accesses[0].event_id, a.event_id);
  EXPECT_EQ(cj.accesses[0].time, a.time);
  EXPECT_EQ(cj.accesses[0].categories, a.categories);
}

TEST_F(MessageDecoderTest, ManySpansOneMessageInOrderAndOrdinaryTracingPassedOver) {
  std::vector<json> events;
  for (int i = 0; i < 5; ++i) {
    json e = Event();
    e["event_id"] = "e-" + std::to_string(i);
    events.push_back(e);
  }
  auto req = Request(events);
  // A span without dpl.core.* attributes is tracing, not an LDV record.
  auto* plain = req.mutable_resource_spans(0)->mutable_scope_spans(0)->add_spans();
  plain->set_trace_id(std::string(16, 'x'));
  plain->set_span_id(std::string(8, 'y'));
  plain->set_name("GET /health");
  Collected c;
  DecodeCounts counts;
  ASSERT_OK(Decode(InputFormat::kOtlpProto, req.SerializeAsString(), &c, &counts));
  EXPECT_EQ(c.accesses.size(), 5u);
  EXPECT_EQ(counts.skipped, 1u);
  EXPECT_TRUE(c.invalid.empty());
}

TEST_F(MessageDecoderTest, EachBadSpanNamesItsReason) {
  {
    auto req = Request({Event()});
    Remove(FirstSpan(&req), "dpl.core.processing_activity_id");
    EXPECT_EQ(ReasonOf(req), "dpl.core.processing_activity_id is missing");
  }
  {
    auto req = Request({Event()});
    Remove(FirstSpan(&req), "dpl.core.data_subject_id");
    Remove(FirstSpan(&req), "dpl.core.data_subject_id_type");
    EXPECT_THAT(ReasonOf(req), HasSubstr("names no data subject"));
  }
  {
    auto req = Request({Event()});
    Remove(FirstSpan(&req), "enduser.id");
    EXPECT_THAT(ReasonOf(req), HasSubstr("no actor: the span has none of dpl.nen7513.users"));
  }
  {
    auto req = Request({Event()});
    Set(FirstSpan(&req), "dpl.core.data_subject_id_type", "personeelsnummer");
    EXPECT_EQ(
        ReasonOf(req),
        "dpl.core.data_subject_id_type \"personeelsnummer\" is not a type inzage knows (BSN)");
  }
  {
    auto req = Request({Event()});
    Set(FirstSpan(&req), "dpl.core.data_subject_id", "123456789");
    EXPECT_EQ(ReasonOf(req), "dpl.core.data_subject_id: fails the elfproef");
  }
  {
    auto req = Request({Event()});
    Set(FirstSpan(&req), "dpl.core.processing_activity_id", "https://elders.example/va/9");
    EXPECT_EQ(ReasonOf(req),
              "dpl.core.processing_activity_id \"https://elders.example/va/9\" is not the ldv_id "
              "of an activity in the register");
  }
  {
    auto req = Request({Event()});
    Remove(FirstSpan(&req), "inzage.data_categories");
    testing::AddStrings(FirstSpan(&req)->mutable_attributes(), "inzage.data_categories",
                        {"wmo-wat", "jeugd-dat"});
    EXPECT_EQ(ReasonOf(req),
              "inzage.data_categories names data of two domains: \"wmo-wat\" (wmo) and "
              "\"jeugd-dat\" (jeugd)");
  }
  {
    auto req = Request({Event()});
    Remove(FirstSpan(&req), "inzage.data_categories");
    testing::AddStrings(FirstSpan(&req)->mutable_attributes(), "inzage.data_categories", {"hobby"});
    EXPECT_EQ(ReasonOf(req),
              "inzage.data_categories \"hobby\" is not a data category of the policy "
              "(interop.data_categories)");
  }
  {
    auto req = Request({Event()});
    req.mutable_resource_spans(0)
        ->mutable_resource()
        ->mutable_attributes()
        ->Mutable(1)
        ->mutable_value()
        ->set_string_value("losser");
    EXPECT_EQ(ReasonOf(req),
              "service.namespace \"losser\" is not a municipality of the policy "
              "(interop.controllers.names)");
  }
  {
    auto req = Request({Event()});
    FirstSpan(&req)->set_trace_id(std::string(16, '\0'));
    EXPECT_EQ(ReasonOf(req), "trace_id is missing or not 16 bytes");
  }
  {
    auto req = Request({Event()});
    Remove(FirstSpan(&req), "dpl.core.data_subject_id");
    auto* kv = FirstSpan(&req)->mutable_attributes()->Add();
    kv->set_key("dpl.core.data_subject_id");
    kv->mutable_value()->set_int_value(999993653);
    EXPECT_EQ(ReasonOf(req), "dpl.core.data_subject_id must be a string");
  }
}

TEST_F(MessageDecoderTest, NoReasonHoldsTheBsn) {
  auto req = Request({Event()});
  Remove(FirstSpan(&req), "enduser.id");
  Set(FirstSpan(&req), "dpl.core.data_subject_id_type", "999993653");
  EXPECT_THAT(ReasonOf(req), Not(HasSubstr("99999")));
}

TEST_F(MessageDecoderTest, TheActorInTheDocumentedOrder) {
  auto actor_of = [&](const std::function<void(otlp::trace::v1::Span*)>& change) {
    auto req = Request({Event()});
    Remove(FirstSpan(&req), "enduser.id");
    Remove(FirstSpan(&req), "user.roles");
    change(FirstSpan(&req));
    Collected c;
    EXPECT_OK(Decode(InputFormat::kOtlpProto, req.SerializeAsString(), &c));
    return c.accesses.empty()
               ? std::string("-")
               : c.accesses[0].actor + "/" +
                     (c.accesses[0].roles.empty() ? std::string() : c.accesses[0].roles[0]);
  };
  // NEN 7513 users as OTLP maps: the requestor, else the first.
  EXPECT_EQ(
      actor_of([](otlp::trace::v1::Span* s) {
        auto* kv = s->mutable_attributes()->Add();
        kv->set_key("dpl.nen7513.users");
        auto* arr = kv->mutable_value()->mutable_array_value();
        for (const auto& [id, role, req] : std::vector<std::tuple<std::string, std::string, bool>>{
                 {"emp-9", "arts", false}, {"emp-1042", "wmo-consulent", true}}) {
          auto* m = arr->add_values()->mutable_kvlist_value();
          auto* a = m->add_values();
          a->set_key("userID");
          a->mutable_value()->set_string_value(id);
          auto* b = m->add_values();
          b->set_key("roleIDCode");
          b->mutable_value()->set_string_value(role);
          auto* c = m->add_values();
          c->set_key("userIsRequestor");
          c->mutable_value()->set_bool_value(req);
        }
        testing::AddString(s->mutable_attributes(), "enduser.id", "not-me");
      }),
      "emp-1042/wmo-consulent");
  // NEN 7513 users as a JSON string (SDKs whose attributes hold no maps).
  EXPECT_EQ(actor_of([](otlp::trace::v1::Span* s) {
              testing::AddString(s->mutable_attributes(), "dpl.nen7513.users",
                                 R"([{"userID":"emp-7","roleIDCode":"regisseur"}])");
            }),
            "emp-7/regisseur");
  EXPECT_EQ(actor_of([](otlp::trace::v1::Span* s) {
              testing::AddString(s->mutable_attributes(), "user.id", "u-2");
              testing::AddString(s->mutable_attributes(), "enduser.id", "u-1");
              testing::AddStrings(s->mutable_attributes(), "user.roles", {"wmo-consulent"});
            }),
            "u-1/wmo-consulent");
  EXPECT_EQ(actor_of([](otlp::trace::v1::Span* s) {
              testing::AddString(s->mutable_attributes(), "user.name", "jan");
              testing::AddString(s->mutable_attributes(), "enduser.pseudo.id", "QdH5");
              testing::AddString(s->mutable_attributes(), "enduser.role", "regisseur");
            }),
            "QdH5/regisseur");
}

TEST_F(MessageDecoderTest, TruncatedProtobufIsOneUnreadableMessage) {
  auto req = Request({Event(), Event()});
  const std::string bytes = req.SerializeAsString();
  size_t unreadable = 0;
  for (size_t cut = 1; cut < bytes.size(); ++cut) {
    Collected c;
    const Status st = Decode(InputFormat::kOtlpProto, bytes.substr(0, cut), &c);
    if (!st.ok()) {
      ++unreadable;
      EXPECT_THAT(st.message(), HasSubstr("malformed OTLP protobuf"));
      EXPECT_TRUE(c.accesses.empty() && c.invalid.empty()) << "nothing of it is decided";
    }
  }
  // A cut at a field boundary still parses (protobuf cannot tell); most cuts do not.
  EXPECT_GT(unreadable, bytes.size() / 2);
  Collected c;
  EXPECT_FALSE(Decode(InputFormat::kOtlpJson, "{\"resourceSpans\":[", &c).ok());
}

TEST_F(MessageDecoderTest, TenThousandSpansInOneMessage) {
  otlp::collector::trace::v1::ExportTraceServiceRequest req;
  auto* rs = req.add_resource_spans();
  auto* ss = rs->add_scope_spans();
  const json e = Event();
  for (int i = 0; i < 10000; ++i) {
    json ei = e;
    ei["event_id"] = "e-" + std::to_string(i);
    otlp::trace::v1::ResourceSpans scratch;
    testing::RenderSpan(*policy_, ei, 0, i == 0 ? rs : &scratch, ss->add_spans());
  }
  // Every 10th span has no actor.
  for (int i = 0; i < 10000; i += 10) {
    Remove(ss->mutable_spans(i), "enduser.id");
  }
  const std::string bytes = req.SerializeAsString();
  EXPECT_GT(bytes.size(), 1u << 20) << "larger than one inzage event may be";
  MessageDecoder d(InputFormat::kOtlpProto, &pseudonymizer_);
  for (int round = 0; round < 3; ++round) {  // the arena is reset, not grown, per message
    Collected c;
    DecodeCounts counts;
    ASSERT_OK(d.Decode(bytes, *policy_, &c, &counts));
    EXPECT_EQ(c.accesses.size(), 9000u);
    EXPECT_EQ(c.invalid.size(), 1000u);
    EXPECT_EQ(counts.records, 10000u);
    std::set<std::string> ids;
    for (const auto& a : c.accesses) ids.insert(a.event_id);
    EXPECT_EQ(ids.size(), 9000u) << "one event id per span";
  }
}

TEST_F(MessageDecoderTest, VngVerwerkingsactie) {
  json e = Event();
  e["subjects"].push_back({{"bsn", "999990482"}});
  json v = testing::RenderVng(*policy_, e);
  v["vertrouwelijkheid"] = "vertrouwelijk";
  Collected c;
  ASSERT_OK(Decode(InputFormat::kVng, v.dump(), &c));
  ASSERT_EQ(c.accesses.size(), 1u) << (c.invalid.empty() ? "" : c.invalid[0].second);
  const auto& a = c.accesses[0];
  EXPECT_EQ(a.event_id, "e-1");
  EXPECT_EQ(a.actor, "emp-1042");
  EXPECT_EQ(a.subjects, 2u);
  EXPECT_EQ(a.municipality, "dinkelland") << "by the uitvoerder's OIN";
  EXPECT_EQ(a.purpose, "wmo-maatwerkvoorziening");
  EXPECT_TRUE(a.confidential);
  EXPECT_TRUE(a.trace_id.empty());

  // Without actieId the id is the message's digest: the same message, the same id.
  v.erase("actieId");
  Collected c1, c2;
  ASSERT_OK(Decode(InputFormat::kVng, v.dump(), &c1));
  ASSERT_OK(Decode(InputFormat::kVng, v.dump(), &c2));
  ASSERT_EQ(c1.accesses.size(), 1u);
  EXPECT_THAT(c1.accesses[0].event_id, ::testing::StartsWith("vng-"));
  EXPECT_EQ(c1.accesses[0].event_id, c2.accesses[0].event_id);

  // The activity by its URL; unknown subject types and missing actors are named.
  json u = testing::RenderVng(*policy_, e);
  const std::string id = u["verwerkingsactiviteitId"];
  u.erase("verwerkingsactiviteitId");
  u["verwerkingsactiviteitUrl"] = "https://vng.example/api/v1/verwerkingsactiviteiten/" + id;
  Collected cu;
  ASSERT_OK(Decode(InputFormat::kVng, u.dump(), &cu));
  EXPECT_EQ(cu.accesses.size(), 1u);
  json bad = testing::RenderVng(*policy_, e);
  bad["verwerkteObjecten"][1]["soortObjectId"] = "A-nummer";
  Collected cb;
  ASSERT_OK(Decode(InputFormat::kVng, bad.dump(), &cb));
  ASSERT_EQ(cb.invalid.size(), 1u);
  EXPECT_EQ(cb.invalid[0].second,
            "verwerkteObjecten[1].soortObjectId \"A-nummer\" is not a type inzage knows (BSN)");
  bad = testing::RenderVng(*policy_, e);
  bad.erase("gebruiker");
  Collected cg;
  ASSERT_OK(Decode(InputFormat::kVng, bad.dump(), &cg));
  ASSERT_EQ(cg.invalid.size(), 1u);
  EXPECT_EQ(cg.invalid[0].second, "gebruiker is missing: no actor");
}

}  // namespace
}  // namespace inzage

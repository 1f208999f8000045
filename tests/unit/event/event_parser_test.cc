// Field rules of docs/contracts.md §1 and the error message for each.
#include "event/event_parser.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "support/status_matchers.h"

namespace inzage {
namespace {

using nlohmann::json;

const Pseudonymizer& TestPseudonymizer() {
  static const Pseudonymizer p("unit-test-key-unit-test-key-unit-test-key");
  return p;
}

json Typical() {
  return json::parse(R"({
    "schema": "inzage.access/1",
    "event_id": "01JD2Q9V6N3K4M5P6Q7R8S9T0V",
    "time": "2026-11-28T10:15:03.123Z",
    "municipality": "dinkelland",
    "actor": {"id": "emp-1042", "kind": "employee", "roles": ["wmo-consulent"]},
    "action": "view",
    "subjects": [{"bsn": "999993653"}],
    "resource": {"system": "suite4sd", "domain": "wmo", "info": "wat",
                 "categories": ["health"], "fields": [], "method": null, "record_count": 1},
    "purpose": "wmo-maatwerkvoorziening",
    "case_id": "zaak-2026-000123",
    "recipient": null,
    "emergency": null,
    "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736",
    "span_id": "00f067aa0ba902b7"
  })");
}

class EventParserTest : public ::testing::Test {
 protected:
  Status Parse(const std::string& text) { return parser_.Parse(text, &event_); }
  Status Parse(const json& j) { return Parse(j.dump()); }
  std::string Error(const json& j) {
    Status st = Parse(j);
    EXPECT_FALSE(st.ok()) << j.dump();
    return st.message();
  }
  EventParser parser_{&TestPseudonymizer()};
  AccessEvent event_;
};

TEST_F(EventParserTest, ParsesTheContractExample) {
  ASSERT_OK(Parse(Typical()));
  EXPECT_EQ(event_.event_id, "01JD2Q9V6N3K4M5P6Q7R8S9T0V");
  EXPECT_EQ(FormatRfc3339(event_.time), "2026-11-28T10:15:03.123Z");
  EXPECT_EQ(event_.municipality, "dinkelland");
  EXPECT_EQ(event_.actor_id, "emp-1042");
  EXPECT_EQ(event_.actor_kind, ActorKind::kEmployee);
  ASSERT_EQ(event_.claimed_roles.size(), 1u);
  EXPECT_EQ(event_.claimed_roles[0], "wmo-consulent");
  EXPECT_EQ(event_.action, Action::kView);
  ASSERT_EQ(event_.subjects.size(), 1u);
  EXPECT_EQ(event_.subjects[0], TestPseudonymizer().Pseudonymise("999993653"));
  EXPECT_EQ(event_.domain, "wmo");
  EXPECT_EQ(event_.info, InfoLevel::kWat);
  EXPECT_EQ(event_.categories, CategoryBit(Category::kHealth));
  EXPECT_EQ(event_.method, BrpMethod::kNone);
  EXPECT_EQ(event_.record_count, 1u);
  EXPECT_EQ(event_.purpose, "wmo-maatwerkvoorziening");
  EXPECT_EQ(event_.case_id, "zaak-2026-000123");
  EXPECT_FALSE(event_.recipient);
  EXPECT_FALSE(event_.emergency_reason);
  EXPECT_EQ(event_.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
}

TEST_F(EventParserTest, MinimalEventDefaultsRecordCountToSubjects) {
  json j = Typical();
  for (const char* k : {"purpose", "case_id", "recipient", "emergency", "trace_id", "span_id"}) {
    j.erase(k);
  }
  j["resource"] = {{"system", "s"}, {"domain", "brp"}, {"info", "dat"}};
  j["subjects"] = json::array({{{"bsn", "999993653"}}, {{"bsn", "999990482"}}});
  ASSERT_OK(Parse(j));
  EXPECT_EQ(event_.record_count, 2u);
  EXPECT_TRUE(event_.purpose.empty());
}

TEST_F(EventParserTest, ReportsEachMissingRequiredField) {
  for (const char* k :
       {"schema", "event_id", "time", "municipality", "actor", "action", "subjects", "resource"}) {
    json j = Typical();
    j.erase(k);
    EXPECT_EQ(Error(j), std::string(k) + ": required field is missing");
  }
  json j = Typical();
  j["actor"].erase("kind");
  EXPECT_EQ(Error(j), "actor.kind: required field is missing");
  j = Typical();
  j["resource"].erase("info");
  EXPECT_EQ(Error(j), "resource.info: required field is missing");
}

TEST_F(EventParserTest, EnumsNameTheAllowedValues) {
  json j = Typical();
  j["action"] = "peek";
  EXPECT_EQ(Error(j),
            "action: \"peek\" is not one of view, search, create, update, delete, export, "
            "print, provide");
  j = Typical();
  j["resource"]["info"] = "alles";
  EXPECT_EQ(Error(j), "resource.info: \"alles\" is not one of wat, dat, cumulative");
  j = Typical();
  j["actor"]["kind"] = "robot";
  EXPECT_EQ(Error(j), "actor.kind: \"robot\" is not one of employee, processor, system, citizen");
  j = Typical();
  j["resource"]["categories"] = {"health", "gossip"};
  EXPECT_THAT(Error(j), ::testing::StartsWith("resource.categories[1]: \"gossip\" is"));
  j = Typical();
  j["resource"]["method"] = "telepathy";
  EXPECT_THAT(Error(j), ::testing::StartsWith("resource.method: \"telepathy\""));
}

TEST_F(EventParserTest, WrongTypesNameExpectedAndActual) {
  json j = Typical();
  j["event_id"] = 42;
  EXPECT_EQ(Error(j), "event_id: must be a string, not a number");
  j = Typical();
  j["subjects"] = "999993653";
  EXPECT_EQ(Error(j), "subjects: must be an array, not a string");
  j = Typical();
  j["actor"] = json::array();
  EXPECT_EQ(Error(j), "actor: must be an object, not an array");
  j = Typical();
  j["resource"]["record_count"] = 2.5;
  EXPECT_EQ(Error(j), "resource.record_count: must be an integer, not a number");
  j = Typical();
  j["resource"]["record_count"] = -1;
  EXPECT_EQ(Error(j), "resource.record_count: must be between 0 and one billion");
}

TEST_F(EventParserTest, BsnErrorsNameTheSubjectAndNeverTheNumber) {
  json j = Typical();
  j["subjects"] = json::array();
  for (int i = 0; i < 3; ++i) j["subjects"].push_back({{"bsn", "999993653"}});
  j["subjects"].push_back({{"bsn", "999993654"}});
  EXPECT_EQ(Error(j), "subjects[3].bsn: fails the elfproef");
  j["subjects"][3]["bsn"] = "000000000";
  EXPECT_EQ(Error(j), "subjects[3].bsn: must not be all zeros");
  j["subjects"][3]["bsn"] = "99999365X";
  EXPECT_EQ(Error(j), "subjects[3].bsn: must be 8 or 9 digits");
  j["subjects"][3]["bsn"] = 999993653;
  EXPECT_EQ(Error(j), "subjects[3].bsn: must be a string, not a number");
  j["subjects"][3] = {{"bsn", "999993653"}, {"naam", "x"}};
  EXPECT_EQ(Error(j), "subjects[3].\"naam\": unknown field");
  j["subjects"] = json::array();
  EXPECT_EQ(Error(j), "subjects: must have at least 1 item");
}

TEST_F(EventParserTest, EightDigitBsnIsPaddedBeforePseudonymising) {
  json j = Typical();
  j["subjects"] = json::array({{{"bsn", "12345672"}}});
  ASSERT_OK(Parse(j));
  EXPECT_EQ(event_.subjects[0], TestPseudonymizer().Pseudonymise("012345672"));
}

TEST_F(EventParserTest, SubjectBounds) {
  json j = Typical();
  j["subjects"] = json::array();
  for (int i = 0; i < 10000; ++i) j["subjects"].push_back({{"bsn", "999993653"}});
  ASSERT_OK(Parse(j));
  EXPECT_EQ(event_.subjects.size(), 10000u);
  j["subjects"].push_back({{"bsn", "999993653"}});
  EXPECT_EQ(Error(j), "subjects: must have at most 10000 items");
}

TEST_F(EventParserTest, StringBoundsAndPatterns) {
  json j = Typical();
  j["event_id"] = std::string(128, 'a');
  EXPECT_OK(Parse(j));
  j["event_id"] = std::string(129, 'a');
  EXPECT_EQ(Error(j), "event_id: must be 1 to 128 characters");
  j["event_id"] = "";
  EXPECT_EQ(Error(j), "event_id: must be 1 to 128 characters");
  j["event_id"] = "tab\there";
  EXPECT_EQ(Error(j), "event_id: must be printable ASCII");
  j = Typical();
  j["municipality"] = "Dinkelland";
  EXPECT_THAT(Error(j), ::testing::StartsWith("municipality: \"Dinkelland\""));
  j = Typical();
  j["trace_id"] = "4BF92F3577B34DA6A3CE929D0E0E4736";
  EXPECT_EQ(Error(j), "trace_id: must be 32 lower-case hex digits");
  j = Typical();
  j["resource"]["fields"] = {"naam", "Adres"};
  EXPECT_THAT(Error(j), ::testing::StartsWith("resource.fields[1]: \"Adres\""));
  j = Typical();
  j["actor"]["roles"] = json::array();
  for (int i = 0; i < 33; ++i) j["actor"]["roles"].push_back("r");
  EXPECT_EQ(Error(j), "actor.roles: must have at most 32 items");
}

TEST_F(EventParserTest, TimeNeedsAZoneAndARealDate) {
  json j = Typical();
  j["time"] = "2026-11-28T10:15:03";
  EXPECT_EQ(Error(j), "time: \"2026-11-28T10:15:03\" is not an RFC 3339 time with a zone");
  j["time"] = "2026-02-30T10:15:03Z";
  EXPECT_FALSE(Parse(j).ok());
  j["time"] = "2026-11-28T11:15:03+01:00";
  ASSERT_OK(Parse(j));
  EXPECT_EQ(FormatRfc3339(event_.time), "2026-11-28T10:15:03Z");
}

TEST_F(EventParserTest, UnknownFieldsIgnoredAtTopLevelOnly) {
  json j = Typical();
  j["future_field"] = {{"nested", {1, 2, {{"deep", true}}}}};
  EXPECT_OK(Parse(j));
  j = Typical();
  j["resource"]["colour"] = "blue";
  EXPECT_EQ(Error(j), "resource.\"colour\": unknown field");
  j = Typical();
  j["actor"]["name"] = "x";
  EXPECT_EQ(Error(j), "actor.\"name\": unknown field");
}

TEST_F(EventParserTest, InvalidJsonInsideAnUnknownFieldIsStillInvalid) {
  std::string text = Typical().dump();
  text.insert(1, R"("future": [1, 2,], )");
  EXPECT_FALSE(Parse(text).ok());
  text = Typical().dump();
  text.insert(1, R"("future": tru, )");
  EXPECT_FALSE(Parse(text).ok());
}

TEST_F(EventParserTest, DuplicateKeysAreRejected) {
  std::string text = Typical().dump();
  text.insert(1, R"("action": "view", )");
  Status st = Parse(text);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.message(), "action: appears more than once");
}

TEST_F(EventParserTest, MalformedAndNonObjectMessages) {
  EXPECT_FALSE(Parse(std::string("")).ok());
  EXPECT_FALSE(Parse(std::string("{")).ok());
  EXPECT_EQ(Parse(std::string("[]")).message(), "message must be a JSON object, not an array");
  EXPECT_FALSE(Parse(Typical().dump() + " {}").ok());
  EXPECT_FALSE(Parse(std::string("{\"event_id\": \"a\nb\"}")).ok());
}

TEST_F(EventParserTest, OversizeMessagesAreRejectedBeforeParsing) {
  json j = Typical();
  j["padding"] = std::string(EventParser::kMaxMessageBytes, 'x');
  EXPECT_EQ(Error(j), "message exceeds 1 MiB");
}

TEST_F(EventParserTest, ProvideWithRecipientAndEmergency) {
  json j = Typical();
  j["action"] = "provide";
  j["recipient"] = {{"id", "zorg-oost"}, {"kind", "processor"}, {"country", "NL"}};
  j["emergency"] = {{"reason", "acuut gevaar voor de inwoner, crisisdienst"}};
  ASSERT_OK(Parse(j));
  ASSERT_TRUE(event_.recipient);
  EXPECT_EQ(event_.recipient->id, "zorg-oost");
  EXPECT_EQ(event_.recipient->kind, RecipientKind::kProcessor);
  EXPECT_EQ(event_.recipient->country, "NL");
  ASSERT_TRUE(event_.emergency_reason);
  j["recipient"]["country"] = "nl";
  EXPECT_EQ(Error(j), "recipient.country: must be an ISO 3166 code of two capitals");
  j["recipient"] = {{"kind", "processor"}};
  EXPECT_EQ(Error(j), "recipient.id: required field is missing");
  j["recipient"] = nullptr;
  j["emergency"] = json::object();
  EXPECT_EQ(Error(j), "emergency.reason: required field is missing");
}

TEST_F(EventParserTest, ErrorMessagesNeverEchoABsn) {
  json j = Typical();
  j["action"] = "999993653";
  const std::string msg = Error(j);
  EXPECT_EQ(msg.find("999993653"), std::string::npos) << msg;
  EXPECT_NE(msg.find("<digits>"), std::string::npos) << msg;
}

TEST_F(EventParserTest, ReusedParserKeepsNoStateBetweenEvents) {
  json j = Typical();
  j["resource"]["fields"] = {"naam", "adres"};
  ASSERT_OK(Parse(j));
  EXPECT_EQ(event_.fields.size(), 2u);
  ASSERT_OK(Parse(Typical()));
  EXPECT_EQ(event_.fields.size(), 0u);
  EXPECT_FALSE(event_.recipient);
}

TEST(SafeQuoteTest, RedactsDigitRunsAndTruncates) {
  EXPECT_EQ(SafeQuote("abc"), "\"abc\"");
  EXPECT_EQ(SafeQuote("id 999993653 x"), "\"id <digits> x\"");
  EXPECT_EQ(SafeQuote("1234567"), "\"1234567\"");
  EXPECT_EQ(SafeQuote(std::string(50, 'a')), "\"" + std::string(40, 'a') + "...\"");
  EXPECT_EQ(SafeQuote("a\"b\n"), "\"a?b?\"");
}

}  // namespace
}  // namespace inzage

// EventArena: a copied event stays valid after the parser has moved on to other messages.
#include "event/event_arena.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "event/event_parser.h"
#include "support/status_matchers.h"

namespace inzage {
namespace {

std::string Message(const std::string& id, const std::string& actor) {
  return R"({"schema":"inzage.access/1","event_id":")" + id +
         R"(","time":"2026-11-24T10:15:03Z","municipality":"dinkelland",)"
         R"("actor":{"id":")" +
         actor +
         R"(","kind":"employee","roles":["wmo-consulent","regisseur"]},"action":"provide",)"
         R"("subjects":[{"bsn":"999993653"},{"bsn":"999990482"}],)"
         R"("resource":{"system":"suite4sd","domain":"brp","info":"wat","fields":["naam","adres"]},)"
         R"("purpose":"wmo-toegang","case_id":"zaak-1",)"
         R"("recipient":{"id":"zorg-oost","kind":"processor","country":"NL"},)"
         R"("emergency":{"reason":"acute nood, Veilig Thuis gebeld"},)"
         R"("trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","span_id":"00f067aa0ba902b7"})";
}

TEST(EventArena, CopiesOutliveTheParsersNextMessage) {
  Pseudonymizer key("arena-test-key-arena-test-key-arena-00");
  EventParser parser(&key);
  EventArena arena(64);  // small: the copies must span several blocks
  AccessEvent parsed;
  ASSERT_OK(parser.Parse(Message("ev-1", "emp-1"), &parsed));
  const AccessEvent first = arena.Copy(parsed);
  ASSERT_OK(parser.Parse(Message("ev-2-with-a-longer-id", "emp-2222"), &parsed));
  const AccessEvent second = arena.Copy(parsed);
  ASSERT_OK(parser.Parse(Message("ev-3", "emp-3"), &parsed));  // overwrites the parser's buffers

  EXPECT_EQ(first.event_id, "ev-1");
  EXPECT_EQ(first.actor_id, "emp-1");
  EXPECT_EQ(second.event_id, "ev-2-with-a-longer-id");
  EXPECT_EQ(second.actor_id, "emp-2222");
  for (const AccessEvent* e : {&first, &second}) {
    EXPECT_EQ(e->municipality, "dinkelland");
    EXPECT_EQ(e->system, "suite4sd");
    EXPECT_EQ(e->domain, "brp");
    EXPECT_EQ(e->purpose, "wmo-toegang");
    EXPECT_EQ(e->case_id, "zaak-1");
    EXPECT_EQ(e->trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
    EXPECT_EQ(e->span_id, "00f067aa0ba902b7");
    ASSERT_EQ(e->claimed_roles.size(), 2u);
    EXPECT_EQ(e->claimed_roles[1], "regisseur");
    ASSERT_EQ(e->fields.size(), 2u);
    EXPECT_EQ(e->fields[0], "naam");
    ASSERT_EQ(e->subjects.size(), 2u);
    ASSERT_TRUE(e->recipient.has_value());
    EXPECT_EQ(e->recipient->id, "zorg-oost");
    EXPECT_EQ(e->recipient->country, "NL");
    ASSERT_TRUE(e->emergency_reason.has_value());
    EXPECT_EQ(*e->emergency_reason, "acute nood, Veilig Thuis gebeld");
  }
  EXPECT_EQ(first.subjects[0], key.Pseudonymise("999993653"));
  EXPECT_EQ(first.subjects[1], key.Pseudonymise("999990482"));
  // The copies point into the arena, not into the parser.
  EXPECT_NE(first.event_id.data(), parsed.event_id.data());
  arena.Reset();  // the copies are gone now; the arena is reusable
  const AccessEvent again = arena.Copy(parsed);
  EXPECT_EQ(again.event_id, "ev-3");
}

TEST(EventArena, AnEventWithoutItsOptionalPartsCopiesAsItWas) {
  Pseudonymizer key("arena-test-key-arena-test-key-arena-00");
  EventParser parser(&key);
  EventArena arena;
  AccessEvent parsed;
  ASSERT_OK(parser.Parse(
      R"({"schema":"inzage.access/1","event_id":"ev-min","time":"2026-11-24T10:15:03Z",)"
      R"("municipality":"tubbergen","actor":{"id":"emp-9","kind":"employee"},"action":"view",)"
      R"("subjects":[{"bsn":"999993653"}],"resource":{"system":"key2burgerzaken","domain":"brp",)"
      R"("info":"dat"},"purpose":"brp-bijhouding"})",
      &parsed));
  const AccessEvent copy = arena.Copy(parsed);
  EXPECT_EQ(copy.event_id, "ev-min");
  EXPECT_TRUE(copy.case_id.empty());
  EXPECT_TRUE(copy.trace_id.empty());
  EXPECT_TRUE(copy.claimed_roles.empty());
  EXPECT_TRUE(copy.fields.empty());
  EXPECT_FALSE(copy.recipient.has_value());
  EXPECT_FALSE(copy.emergency_reason.has_value());
  ASSERT_EQ(copy.subjects.size(), 1u);
  EXPECT_EQ(copy.subjects[0], key.Pseudonymise("999993653"));
}

TEST(EventArena, ManyBatchesReuseOneArenaAndLargeEventsSpanBlocks) {
  Pseudonymizer key("arena-test-key-arena-test-key-arena-00");
  EventParser parser(&key);
  EventArena arena(128);  // smaller than one event: the copies take block after block
  AccessEvent parsed;
  for (int batch = 0; batch < 20; ++batch) {
    std::vector<AccessEvent> copies;
    for (int i = 0; i < 50; ++i) {
      const std::string id = "ev-" + std::to_string(batch) + "-" + std::to_string(i) +
                             std::string(static_cast<size_t>(i) * 2, 'x');
      ASSERT_OK(parser.Parse(Message(id, "emp-" + std::to_string(i)), &parsed));
      copies.push_back(arena.Copy(parsed));
    }
    for (int i = 0; i < 50; ++i) {
      const AccessEvent& e = copies[static_cast<size_t>(i)];
      ASSERT_EQ(e.event_id.size(), std::to_string(batch).size() + std::to_string(i).size() + 4 +
                                       static_cast<size_t>(i) * 2);
      EXPECT_EQ(e.actor_id, "emp-" + std::to_string(i));
      ASSERT_EQ(e.subjects.size(), 2u);
      EXPECT_EQ(e.subjects[1], key.Pseudonymise("999990482"));
    }
    arena.Reset();  // the batch is done
  }
}

}  // namespace
}  // namespace inzage

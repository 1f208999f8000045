// The membership topic (ingest/membership.h) on librdkafka's mock cluster: two instances find
// each other and follow each other's partitions; a stopped member is still asked, a retired one
// not; records without the peer key's MAC, with another key's, or older than a member's newest
// are ignored; `inzage retire` retires a running member only when forced.
#include "ingest/membership.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "app/commands.h"
#include "common/time.h"
#include "kafka/clients.h"
#include "mock_kafka.h"
#include "support/eventually.h"
#include "support/status_matchers.h"
#include "support/temp_dir.h"

namespace inzage {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using testing::MockKafka;
using testing::ReadMessage;

const std::string kPeerKey(32, '\x5a');

// The members arrive on the membership's own thread, which signals nothing.
bool Eventually(const std::function<bool()>& condition) {
  return testing::Eventually(condition, std::chrono::seconds(30));
}

struct Instance {
  std::mutex mu;
  std::vector<std::int32_t> partitions;
  std::unique_ptr<Membership> membership;

  Instance(const kafka::Options& kafka, const std::string& name, const std::string& url,
           std::string key = kPeerKey) {
    MembershipOptions options;
    options.kafka = kafka;
    options.topic = "members";
    options.self.instance = name;
    options.self.api_url = url;
    options.peer_key = std::move(key);
    options.partitions = [this] {
      std::lock_guard<std::mutex> lock(mu);
      return partitions;
    };
    membership = std::make_unique<Membership>(std::move(options));
  }
  void Assign(std::vector<std::int32_t> p) {
    std::lock_guard<std::mutex> lock(mu);
    partitions = std::move(p);
  }
};

std::optional<Member> Find(const Membership& m, const std::string& name) {
  for (Member& member : m.Members()) {
    if (member.instance == name) return member;
  }
  return std::nullopt;
}

class MembershipTest : public ::testing::Test {
 protected:
  MembershipTest() {
    mock_.CreateTopic("members", 1);
    options_.brokers = mock_.bootstraps();
  }
  MockKafka mock_;
  kafka::Options options_;
};

TEST_F(MembershipTest, InstancesFindEachOtherAndFollowTheirPartitions) {
  Instance a(options_, "a", "http://10.0.0.1:8080");
  a.Assign({0, 1});
  ASSERT_OK(a.membership->Start());
  Instance b(options_, "b", "http://10.0.0.2:8080");
  ASSERT_OK(b.membership->Start());
  // b read a's record before it started; a reads b's as it comes.
  EXPECT_THAT(b.membership->PeerUrls(), ElementsAre("http://10.0.0.1:8080"));
  ASSERT_TRUE(Eventually([&] { return a.membership->PeerUrls().size() == 1; }));
  EXPECT_THAT(a.membership->PeerUrls(), ElementsAre("http://10.0.0.2:8080"));

  b.Assign({3, 2});
  ASSERT_TRUE(Eventually([&] {
    auto member = Find(*a.membership, "b");
    return member && member->partitions == std::vector<std::int32_t>{2, 3};
  }));

  // A stopped member keeps its history: still asked (the answer is then partial).
  b.membership->Stop();
  ASSERT_TRUE(Eventually([&] {
    auto member = Find(*a.membership, "b");
    return member && member->state == MemberState::kStopped;
  }));
  EXPECT_THAT(Find(*a.membership, "b")->partitions, IsEmpty());
  EXPECT_THAT(a.membership->PeerUrls(), ElementsAre("http://10.0.0.2:8080"));

  // Retired (its history handed over): no longer asked.
  Member retired{"b", "http://10.0.0.2:8080", {}, MemberState::kRetired, 0};
  retired.updated = Find(*a.membership, "b")->updated + 1;
  ASSERT_OK(Membership::PublishOnce(options_, "members", kPeerKey, retired));
  ASSERT_TRUE(Eventually([&] { return a.membership->PeerUrls().empty(); }));
  EXPECT_EQ(a.membership->rejected_records(), 0U);
  a.membership->Stop();
}

TEST_F(MembershipTest, RecordsWithoutThePeerKeysMacOrOlderThanTheNewestAreIgnored) {
  Instance a(options_, "a", "http://10.0.0.1:8080");
  ASSERT_OK(a.membership->Start());
  auto producer = kafka::MakeProducer(options_, "test");
  ASSERT_OK(producer);
  const Member evil{"evil", "http://203.0.113.9:80", {}, MemberState::kRunning, 1000};
  const std::string value = Membership::EncodeValue(evil);
  // No MAC, a MAC under another key, and a MAC over another value.
  ASSERT_EQ(kafka::Produce(producer->get(), "members", "evil", value), RD_KAFKA_RESP_ERR_NO_ERROR);
  const std::string other_key_mac =
      Membership::MacOf(Membership::MacKey(std::string(32, '\x01')), "evil", value);
  ASSERT_EQ(kafka::Produce(producer->get(), "members", "evil", value,
                           {{Membership::kMacHeader, other_key_mac}}),
            RD_KAFKA_RESP_ERR_NO_ERROR);
  const std::string mac_of_other_value =
      Membership::MacOf(Membership::MacKey(kPeerKey), "evil", value + " ");
  ASSERT_EQ(kafka::Produce(producer->get(), "members", "evil", value,
                           {{Membership::kMacHeader, mac_of_other_value}}),
            RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_flush(producer->get(), 10000);
  ASSERT_TRUE(Eventually([&] { return a.membership->rejected_records() == 3; }));
  EXPECT_THAT(a.membership->PeerUrls(), IsEmpty());

  // Genuine records of c: the newer one stands, an older one written again afterwards is
  // ignored (a replay cannot bring back an address).
  Member c{"c", "http://10.0.0.3:8080", {5}, MemberState::kRunning, 2000};
  ASSERT_OK(Membership::PublishOnce(options_, "members", kPeerKey, c));
  c.api_url = "http://10.0.0.33:8080";
  c.updated = 1500;
  ASSERT_OK(Membership::PublishOnce(options_, "members", kPeerKey, c));
  ASSERT_TRUE(Eventually([&] { return a.membership->rejected_records() == 4; }));
  EXPECT_THAT(a.membership->PeerUrls(), ElementsAre("http://10.0.0.3:8080"));

  // Junk under a's own name would be what compaction keeps for it: a answers with a new record.
  ASSERT_EQ(kafka::Produce(producer->get(), "members", "a", "junk"), RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_flush(producer->get(), 10000);
  ASSERT_TRUE(Eventually([&] {
    const auto all = mock_.ReadAll("members", 0, 2000);
    const ReadMessage* last_of_a = nullptr;
    for (const auto& m : all) {
      if (m.key == "a") last_of_a = &m;
    }
    return last_of_a != nullptr && Membership::DecodeValue("a", last_of_a->value).has_value();
  }));
  a.membership->Stop();
}

TEST_F(MembershipTest, AnAddressTheOthersWouldIgnoreStopsStartUp) {
  Instance a(options_, "a", "http://10.0.0.1:8080/inzage");
  const Status st = a.membership->Start();
  EXPECT_EQ(st.code(), Status::Code::kInvalidArgument);
  EXPECT_THAT(st.message(), ::testing::HasSubstr("api.advertise_url"));
}

// `inzage retire` (app/retire_command.cc): a member whose last record says running is retired
// only with --force (its host died before it could say stopped); an unknown one not at all.
TEST_F(MembershipTest, RetireRefusesARunningMemberUnlessForcedAndAnUnknownOne) {
  testing::TempDir dir;
  const std::string key_file = dir.sub("peer.key");
  {
    std::FILE* f = std::fopen(key_file.c_str(), "w");
    ASSERT_NE(f, nullptr);
    for (const char c : kPeerKey) std::fprintf(f, "%02x", static_cast<unsigned char>(c));
    std::fclose(f);
  }
  ASSERT_EQ(::chmod(key_file.c_str(), 0600), 0);
  const std::string config = dir.sub("inzaged.yaml");
  {
    std::FILE* f = std::fopen(config.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fprintf(f,
                 "kafka:\n  brokers: \"%s\"\n  instance_name: a\n  topics: {membership: members}\n"
                 "api:\n  advertise_url: http://10.0.0.1:8080\n  peer_key_file: %s\n",
                 options_.brokers.c_str(), key_file.c_str());
    std::fclose(f);
  }
  // The last word of an instance whose host is gone: running.
  const Member ghost{"a", "http://10.0.0.1:8080", {0, 1}, MemberState::kRunning, WallNow()};
  ASSERT_OK(Membership::PublishOnce(options_, "members", kPeerKey, ghost));

  ::testing::internal::CaptureStderr();
  EXPECT_EQ(app::Retire({config, "", false}), 1);
  EXPECT_EQ(app::Retire({config, "nobody", true}), 1);
  const std::string refusals = ::testing::internal::GetCapturedStderr();
  EXPECT_THAT(refusals, ::testing::HasSubstr("instance a is running"));
  EXPECT_THAT(refusals, ::testing::HasSubstr("no member nobody on members"));

  EXPECT_EQ(app::Retire({config, "", true}), 0);
  Instance b(options_, "b", "http://10.0.0.2:8080");
  ASSERT_OK(b.membership->Start());  // reads the topic to its end first
  const std::optional<Member> a = Find(*b.membership, "a");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->state, MemberState::kRetired);
  EXPECT_EQ(a->api_url, "http://10.0.0.1:8080");
  EXPECT_THAT(b.membership->PeerUrls(), IsEmpty()) << "a retired member is not asked";
  b.membership->Stop();
}

TEST(MembershipRecordTest, DecodesWhatItEncodesAndRefusesWhatIsNoBaseUrl) {
  const Member m{"node-1", "https://inzage-1.example:8443", {0, 7}, MemberState::kStopped, 42};
  const std::string value = Membership::EncodeValue(m);
  auto back = Membership::DecodeValue("node-1", value);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->api_url, m.api_url);
  EXPECT_EQ(back->partitions, m.partitions);
  EXPECT_EQ(back->state, MemberState::kStopped);
  EXPECT_EQ(back->updated, 42);
  // The key names the member: a record cannot speak for another.
  EXPECT_FALSE(Membership::DecodeValue("node-2", value).has_value());
  for (const char* url : {"ftp://x:1", "http://", "http://x/path", "http://user@x:1",
                          "http://x:1?q", "http://x y:1", "javascript:alert(1)"}) {
    Member bad = m;
    bad.api_url = url;
    EXPECT_FALSE(Membership::DecodeValue("node-1", Membership::EncodeValue(bad)).has_value())
        << url;
  }
  EXPECT_FALSE(Membership::DecodeValue("node-1", "{not json").has_value());
}

}  // namespace
}  // namespace inzage

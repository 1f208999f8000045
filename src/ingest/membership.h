// Membership: the instances of a deployment find each other through a compacted Kafka topic
// (kafka.topics.membership) instead of a static peer list. Each instance publishes, under its
// instance name, the base URL of its API, the partitions it consumes and whether it runs; it
// reads the whole topic and keeps the newest record of every instance.
//
// The citizen and investigation queries ask every member but this one (api/subject_history.h).
// The history an instance wrote stays in its store after its partitions move, so a member is
// asked for as long as its record says it exists, also while it is stopped (the page is then
// marked partial). Retiring an instance hands its history to another store and then publishes
// it as retired, after which nobody asks it (docs/scale-out.md, "Retiring an instance").
//
// Records are authenticated: whoever may write to the topic but does not hold the shards' peer
// key cannot point the queries, and the peer token they carry, at a host of their choosing. The
// header "inzage-mac" holds HMAC-SHA256 over key and value under a key derived from
// api.peer_key_file; records without a valid one, or older than the instance's newest, are
// ignored and counted.
//
// Ownership: owns a producer, a consumer and a thread. Thread safety: Start/Stop on the owning
// thread; the readers from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/mutex.h"
#include "common/sha256.h"
#include "common/status.h"
#include "common/time.h"
#include "kafka/kafka.h"
#include "kafka/options.h"

namespace inzage {

enum class MemberState : std::uint8_t { kRunning, kStopped, kRetired };

struct Member {
  std::string instance;  // kafka.instance_name; the record's key
  std::string api_url;   // api.advertise_url
  std::vector<std::int32_t> partitions;
  MemberState state = MemberState::kRunning;
  TimeMicros updated = 0;  // when the instance wrote the record
};

struct MembershipOptions {
  kafka::Options kafka;
  std::string topic;
  Member self;           // instance and api_url; partitions and state are this class's
  std::string peer_key;  // the bytes of api.peer_key_file
  // The partitions this instance consumes now; asked a few times a second, published when
  // they change.
  std::function<std::vector<std::int32_t>()> partitions;
};

class Membership {
 public:
  explicit Membership(MembershipOptions options);
  ~Membership();
  Membership(const Membership&) = delete;
  Membership& operator=(const Membership&) = delete;

  // Reads the topic to its end (up to catch_up), publishes this instance as running and keeps
  // reading and publishing on a thread of its own. A topic that does not exist is an error.
  [[nodiscard]] Status Start(std::chrono::milliseconds catch_up = std::chrono::seconds(10));
  // Only reads the topic to its end (`inzage retire` looks at a member before retiring it);
  // false when the end was not reached within `catch_up`.
  [[nodiscard]] Result<bool> ReadToEnd(std::chrono::milliseconds catch_up);
  // Publishes this instance as stopped (its history stays asked for) and waits for the broker.
  void Stop() EXCLUDES(mu_);

  // Every member as last published, by instance name.
  [[nodiscard]] std::vector<Member> Members() const EXCLUDES(mu_);
  // The API base URLs of the other members that hold history: all but this one and the
  // retired, by instance name.
  [[nodiscard]] std::vector<std::string> PeerUrls() const EXCLUDES(mu_);
  [[nodiscard]] std::uint64_t rejected_records() const { return rejected_.load(); }

  // The record's parts, shared with `inzage retire` and the tests.
  static constexpr const char* kMacHeader = "inzage-mac";
  [[nodiscard]] static std::string EncodeValue(const Member& member);
  // Nullopt when the value is not a member record for `key`.
  [[nodiscard]] static std::optional<Member> DecodeValue(std::string_view key,
                                                         std::string_view value);
  // The MAC key derived from the peer key (the peer token's HS256 key is not used twice).
  [[nodiscard]] static KeyedSha256 MacKey(std::string_view peer_key);
  [[nodiscard]] static std::string MacOf(const KeyedSha256& mac_key, std::string_view key,
                                         std::string_view value);
  // Publishes `member` (signed) and waits until the broker has it.
  [[nodiscard]] static Status PublishOnce(const kafka::Options& kafka, const std::string& topic,
                                          std::string_view peer_key, const Member& member);

 private:
  void Loop() EXCLUDES(mu_);
  void Read(const rd_kafka_message_t& m) EXCLUDES(mu_);
  [[nodiscard]] Status Publish(MemberState state, std::vector<std::int32_t> partitions);

  MembershipOptions options_;
  const KeyedSha256 mac_key_;
  kafka::Handle producer_;
  kafka::Handle consumer_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> rejected_{0};
  // The latest record's delivery: pending, or librdkafka's result (an rd_kafka_resp_err_t).
  static constexpr int kDeliveryPending = -100000;
  std::atomic<int> delivery_{kDeliveryPending};
  // Publish's, on Start's thread, then the loop's, then Stop's (one at a time).
  std::vector<std::int32_t> published_partitions_;
  TimeMicros last_updated_ = 0;         // of the last record of this instance
  std::atomic<bool> republish_{false};  // Read saw an older record or a tombstone of this one
  mutable Mutex mu_;
  std::map<std::string, Member, std::less<>> members_ GUARDED_BY(mu_);
  std::map<std::int32_t, bool> at_end_ GUARDED_BY(mu_);  // topic partition -> reached its end
};

[[nodiscard]] std::string_view MemberStateName(MemberState state);

}  // namespace inzage

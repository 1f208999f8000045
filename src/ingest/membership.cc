#include "ingest/membership.h"

#include <openssl/crypto.h>
#include <simdjson.h>

#include <algorithm>
#include <array>
#include <chrono>

#include "common/hex.h"
#include "common/json_writer.h"
#include "common/log.h"
#include "common/thread_name.h"
#include "kafka/clients.h"

namespace inzage {
namespace {

constexpr std::array<std::string_view, 3> kStateNames = {"running", "stopped", "retired"};
// Bounds of what a record may hold: a member's URL goes into HTTP requests.
constexpr size_t kMaxUrlBytes = 512;
constexpr size_t kMaxPartitions = 100000;
constexpr int kPollMs = 100;

// The delivery report of a membership record: the result goes to the message's opaque.
void OnDelivery(rd_kafka_t* /*rk*/, const rd_kafka_message_t* message, void* /*opaque*/) {
  if (message->_private != nullptr) {
    static_cast<std::atomic<int>*>(message->_private)->store(static_cast<int>(message->err));
  }
}

bool PlausibleUrl(std::string_view url) {
  if (url.size() > kMaxUrlBytes) return false;
  std::string_view rest;
  if (url.starts_with("http://")) {
    rest = url.substr(7);
  } else if (url.starts_with("https://")) {
    rest = url.substr(8);
  } else {
    return false;
  }
  if (rest.empty()) return false;
  // A base URL: host and port, no path, query, user or spaces.
  return std::none_of(rest.begin(), rest.end(), [](char c) {
    return c == '/' || c == '?' || c == '#' || c == '@' || c == '\\' ||
           static_cast<unsigned char>(c) <= ' ' || static_cast<unsigned char>(c) >= 0x7f;
  });
}

}  // namespace

std::string_view MemberStateName(MemberState state) {
  return kStateNames[static_cast<size_t>(state)];
}

std::string Membership::EncodeValue(const Member& member) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject()
      .Member("instance", member.instance)
      .Member("api", member.api_url)
      .Member("state", MemberStateName(member.state))
      .Member("updated", FormatRfc3339(member.updated))
      .Member("updated_us", static_cast<std::int64_t>(member.updated))
      .Key("partitions")
      .BeginArray();
  for (std::int32_t p : member.partitions) w.Int(p);
  w.EndArray().EndObject();
  return out;
}

std::optional<Member> Membership::DecodeValue(std::string_view key, std::string_view value) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(value.data(), value.size()).get(doc) != simdjson::SUCCESS) return std::nullopt;
  Member m;
  std::string_view s;
  if (doc["instance"].get_string().get(s) != simdjson::SUCCESS || s != key) return std::nullopt;
  m.instance = std::string(s);
  if (doc["api"].get_string().get(s) != simdjson::SUCCESS || !PlausibleUrl(s)) {
    return std::nullopt;
  }
  m.api_url = std::string(s);
  if (doc["state"].get_string().get(s) != simdjson::SUCCESS) return std::nullopt;
  const auto* state = std::find(kStateNames.begin(), kStateNames.end(), s);
  if (state == kStateNames.end()) return std::nullopt;
  m.state = static_cast<MemberState>(state - kStateNames.begin());
  std::int64_t updated = 0;
  if (doc["updated_us"].get_int64().get(updated) != simdjson::SUCCESS || updated <= 0) {
    return std::nullopt;
  }
  m.updated = updated;
  simdjson::dom::array partitions;
  if (doc["partitions"].get_array().get(partitions) != simdjson::SUCCESS ||
      partitions.size() > kMaxPartitions) {
    return std::nullopt;
  }
  for (simdjson::dom::element p : partitions) {
    std::int64_t n = 0;
    if (p.get_int64().get(n) != simdjson::SUCCESS || n < 0 || n > INT32_MAX) return std::nullopt;
    m.partitions.push_back(static_cast<std::int32_t>(n));
  }
  return m;
}

KeyedSha256 Membership::MacKey(std::string_view peer_key) {
  const Sha256Digest derived = KeyedSha256(peer_key).Mac("inzage membership record v1");
  return KeyedSha256(
      std::string_view(reinterpret_cast<const char*>(derived.data()), derived.size()));
}

std::string Membership::MacOf(const KeyedSha256& mac_key, std::string_view key,
                              std::string_view value) {
  std::string message;
  message.reserve(key.size() + 1 + value.size());
  message.append(key).push_back('\0');  // instance names hold no NUL: key and value stay apart
  message.append(value);
  const Sha256Digest mac = mac_key.Mac(message);
  return HexOf(mac.data(), mac.size());
}

namespace {

// Idempotent: a retried record cannot land after a newer one of the same member.
Result<kafka::Handle> MakeMembershipProducer(const kafka::Options& kafka, const char* client_id) {
  return kafka::MakeProducer(kafka, client_id, {{"enable.idempotence", "true"}}, OnDelivery);
}

// One signed record of `member`; its delivery result goes to *delivery.
Status ProduceSigned(rd_kafka_t* producer, const std::string& topic, const KeyedSha256& mac_key,
                     const Member& member, std::atomic<int>* delivery) {
  const std::string value = Membership::EncodeValue(member);
  const std::string mac = Membership::MacOf(mac_key, member.instance, value);
  if (auto err = kafka::Produce(producer, topic, member.instance, value,
                                {{Membership::kMacHeader, mac}}, delivery);
      err) {
    return Status::IoError("publish membership: " + kafka::ErrorText(err));
  }
  return Status::Ok();
}

}  // namespace

Membership::Membership(MembershipOptions options)
    : options_(std::move(options)), mac_key_(MacKey(options_.peer_key)) {
  options_.peer_key.assign(options_.peer_key.size(), '\0');
  options_.peer_key.clear();
}

Membership::~Membership() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

Status Membership::Start(std::chrono::milliseconds catch_up) {
  Member probe = options_.self;
  probe.updated = 1;
  if (!DecodeValue(probe.instance, EncodeValue(probe))) {
    return Status::InvalidArgument("api.advertise_url " + options_.self.api_url +
                                   ": the others would ignore it; give scheme, host and port only, "
                                   "such as http://10.0.0.1:8080");
  }
  auto producer = MakeMembershipProducer(options_.kafka, "inzaged-membership");
  if (!producer.ok()) return producer.status();
  producer_ = std::move(producer).value();
  auto caught_up = ReadToEnd(catch_up);
  if (!caught_up.ok()) return caught_up.status();
  if (!*caught_up) {
    Log(LogLevel::kWarn, "membership", "the membership topic was not read to its end in time",
        {{"topic", options_.topic}, {"timeout_ms", static_cast<std::int64_t>(catch_up.count())}});
  }
  {
    // This instance's own last record: the next must be newer for the others to take it, also
    // when this host's clock went back since.
    MutexLock lock(&mu_);
    if (auto it = members_.find(options_.self.instance); it != members_.end()) {
      last_updated_ = it->second.updated;
    }
  }
  if (Status st = Publish(MemberState::kRunning, options_.partitions()); !st.ok()) return st;
  // A topic this instance may not write to stops start-up here, with the broker's reason.
  rd_kafka_flush(producer_.get(), static_cast<int>(catch_up.count()));
  if (const int delivery = delivery_.load(); delivery != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Status::IoError("membership topic " + options_.topic +
                           ": this instance's record was not delivered: " +
                           (delivery == kDeliveryPending
                                ? std::string("timed out")
                                : kafka::ErrorText(static_cast<rd_kafka_resp_err_t>(delivery))));
  }
  thread_ = std::thread([this] {
    NameThisThread("inzage-members");
    Loop();
  });
  return Status::Ok();
}

Result<bool> Membership::ReadToEnd(std::chrono::milliseconds catch_up) {
  auto consumer =
      kafka::MakeConsumer(options_.kafka, kafka::ConsumerKind::kReference, "inzaged-membership",
                          options_.kafka.group_id + ".members", {{"enable.partition.eof", "true"}});
  if (!consumer.ok()) return consumer.status();
  consumer_ = std::move(consumer).value();
  auto partitions = kafka::TopicPartitions(consumer_.get(), options_.topic, 10000);
  if (!partitions.ok()) {
    return Status::FailedPrecondition("membership topic " + options_.topic + ": " +
                                      partitions.status().message());
  }
  kafka::PartitionList list(
      rd_kafka_topic_partition_list_new(static_cast<int>(partitions->size())));
  {
    MutexLock lock(&mu_);
    for (std::int32_t p : *partitions) {
      rd_kafka_topic_partition_list_add(list.get(), options_.topic.c_str(), p)->offset =
          RD_KAFKA_OFFSET_BEGINNING;
      at_end_[p] = false;
    }
  }
  if (auto err = rd_kafka_assign(consumer_.get(), list.get()); err) {
    return Status::IoError("assign the membership topic: " + kafka::ErrorText(err));
  }
  // Read what is there before this instance answers queries, so that its first citizen query
  // already asks every member.
  const auto deadline = std::chrono::steady_clock::now() + catch_up;
  bool caught_up = false;
  while (!caught_up && std::chrono::steady_clock::now() < deadline) {
    kafka::Message m(rd_kafka_consumer_poll(consumer_.get(), kPollMs));
    if (m) Read(*m);
    MutexLock lock(&mu_);
    caught_up = std::all_of(at_end_.begin(), at_end_.end(), [](const auto& e) { return e.second; });
  }
  return caught_up;
}

void Membership::Stop() {
  if (!producer_) return;
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  if (Status st = Publish(MemberState::kStopped, {}); !st.ok()) {
    Log(LogLevel::kWarn, "membership", st.message());
  } else if (rd_kafka_flush(producer_.get(), 5000) != RD_KAFKA_RESP_ERR_NO_ERROR ||
             delivery_.load() != RD_KAFKA_RESP_ERR_NO_ERROR) {
    Log(LogLevel::kWarn, "membership", "the stopped record was not delivered");
  }
  producer_.reset();
  consumer_.reset();
}

Status Membership::Publish(MemberState state, std::vector<std::int32_t> partitions) {
  std::sort(partitions.begin(), partitions.end());
  Member self = options_.self;
  self.state = state;
  self.partitions = partitions;
  self.updated = std::max(WallNow(), last_updated_ + 1);
  last_updated_ = self.updated;
  delivery_ = kDeliveryPending;
  if (Status st = ProduceSigned(producer_.get(), options_.topic, mac_key_, self, &delivery_);
      !st.ok()) {
    return st;
  }
  published_partitions_ = std::move(partitions);
  Log(LogLevel::kInfo, "membership", "published",
      {{"instance", self.instance},
       {"state", MemberStateName(state)},
       {"partitions", static_cast<std::int64_t>(published_partitions_.size())}});
  return Status::Ok();
}

void Membership::Loop() {
  while (!stop_.load()) {
    kafka::Message m(rd_kafka_consumer_poll(consumer_.get(), kPollMs));
    if (m) Read(*m);
    rd_kafka_poll(producer_.get(), 0);  // delivery reports
    std::vector<std::int32_t> now = options_.partitions();
    std::sort(now.begin(), now.end());
    const int delivery = delivery_.load();
    if (republish_.exchange(false)) {
      Log(LogLevel::kWarn, "membership",
          "an older record or a tombstone of this instance was written; publishing again");
      published_partitions_.assign(1, -1);  // differs from any assignment
    }
    if (delivery != kDeliveryPending && delivery != RD_KAFKA_RESP_ERR_NO_ERROR) {
      Log(LogLevel::kWarn, "membership", "a membership record was not delivered; publishing again",
          {{"error", kafka::ErrorText(static_cast<rd_kafka_resp_err_t>(delivery))}});
      published_partitions_.clear();
      published_partitions_.push_back(-1);  // differs from any assignment
    }
    if (now != published_partitions_) {
      if (Status st = Publish(MemberState::kRunning, std::move(now)); !st.ok()) {
        Log(LogLevel::kWarn, "membership", st.message());  // tried again on the next pass
      }
    }
  }
}

void Membership::Read(const rd_kafka_message_t& m) {
  if (m.err) {
    if (m.err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      MutexLock lock(&mu_);
      at_end_[m.partition] = true;
    } else {
      Log(LogLevel::kWarn, "membership", kafka::ErrorText(m.err));
    }
    return;
  }
  const std::string_view key(static_cast<const char*>(m.key), m.key_len);
  // A record under this instance's name that is not its newest (a replay, a tombstone, junk)
  // would be what compaction keeps for the name: this instance answers with a new record.
  const bool own = key == options_.self.instance;
  const std::string_view value(static_cast<const char*>(m.payload),
                               m.payload == nullptr ? 0 : m.len);
  rd_kafka_headers_t* headers = nullptr;
  const void* mac = nullptr;
  size_t mac_size = 0;
  const bool signed_record = rd_kafka_message_headers(&m, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR &&
                             rd_kafka_header_get_last(headers, kMacHeader, &mac, &mac_size) ==
                                 RD_KAFKA_RESP_ERR_NO_ERROR &&
                             mac != nullptr && mac_size == 64 &&
                             CRYPTO_memcmp(mac, MacOf(mac_key_, key, value).data(), mac_size) == 0;
  std::optional<Member> member;
  if (signed_record) member = DecodeValue(key, value);
  if (!member) {
    if (own) republish_ = true;
    rejected_.fetch_add(1, std::memory_order_relaxed);
    Log(LogLevel::kWarn, "membership", "ignored a record without a valid signature or form",
        {{"partition", m.partition}, {"offset", static_cast<std::int64_t>(m.offset)}});
    return;
  }
  MutexLock lock(&mu_);
  auto it = members_.find(key);
  if (it != members_.end() && it->second.updated > member->updated) {
    // An old record written again: a replay must not bring back an address or a member.
    if (own) republish_ = true;
    rejected_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  members_[std::string(key)] = std::move(*member);
}

std::vector<Member> Membership::Members() const {
  MutexLock lock(&mu_);
  std::vector<Member> out;
  out.reserve(members_.size());
  for (const auto& [name, m] : members_) out.push_back(m);
  return out;
}

std::vector<std::string> Membership::PeerUrls() const {
  MutexLock lock(&mu_);
  std::vector<std::string> out;
  for (const auto& [name, m] : members_) {
    if (name == options_.self.instance || m.state == MemberState::kRetired) continue;
    if (m.api_url == options_.self.api_url) continue;  // this instance under an older name
    out.push_back(m.api_url);
  }
  return out;
}

Status Membership::PublishOnce(const kafka::Options& kafka, const std::string& topic,
                               std::string_view peer_key, const Member& member) {
  auto producer = MakeMembershipProducer(kafka, "inzage-membership");
  if (!producer.ok()) return producer.status();
  std::atomic<int> delivery{kDeliveryPending};
  if (Status st = ProduceSigned(producer->get(), topic, MacKey(peer_key), member, &delivery);
      !st.ok()) {
    return st;
  }
  if (auto err = rd_kafka_flush(producer->get(), 15000); err) {
    return Status::IoError("membership record not delivered: " + kafka::ErrorText(err));
  }
  if (delivery.load() != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Status::IoError("membership record not delivered: " +
                           kafka::ErrorText(static_cast<rd_kafka_resp_err_t>(delivery.load())));
  }
  return Status::Ok();
}

}  // namespace inzage

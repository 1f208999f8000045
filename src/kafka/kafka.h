// Thin RAII helpers over librdkafka's C API (Debian's librdkafka 2.0.2): configuration with
// errors that name the property, handle ownership, and small conveniences the daemon and its
// tests share. The C API is used rather than rdkafkacpp because the mock cluster (demo, tests)
// and rebalance handling are only fully exposed there.
// Thread safety: as librdkafka's: a handle may be used from several threads except where the
// librdkafka documentation says otherwise (poll from one thread).
#pragma once

#include <librdkafka/rdkafka.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace inzage::kafka {

struct KafkaDeleter {
  void operator()(rd_kafka_t* rk) const {
    if (rk != nullptr) rd_kafka_destroy(rk);
  }
};
using Handle = std::unique_ptr<rd_kafka_t, KafkaDeleter>;

struct PartitionListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* l) const {
    if (l != nullptr) rd_kafka_topic_partition_list_destroy(l);
  }
};
using PartitionList = std::unique_ptr<rd_kafka_topic_partition_list_t, PartitionListDeleter>;

struct QueueDeleter {
  void operator()(rd_kafka_queue_t* q) const {
    if (q != nullptr) rd_kafka_queue_destroy(q);
  }
};
using Queue = std::unique_ptr<rd_kafka_queue_t, QueueDeleter>;

struct MessageDeleter {
  void operator()(rd_kafka_message_t* m) const {
    if (m != nullptr) rd_kafka_message_destroy(m);
  }
};
using Message = std::unique_ptr<rd_kafka_message_t, MessageDeleter>;

// Builds a configuration: the defaults first, then the user's pass-through properties (which
// may override them). A bad property is an InvalidArgument naming it.
class Config {
 public:
  Config();
  ~Config();
  Config(const Config&) = delete;
  Config& operator=(const Config&) = delete;

  [[nodiscard]] Status Set(const std::string& name, const std::string& value);
  [[nodiscard]] Status SetAll(const std::map<std::string, std::string>& properties);
  // Hands the configuration to a new handle (the Config is empty afterwards).
  [[nodiscard]] Result<Handle> Create(rd_kafka_type_t type);
  rd_kafka_conf_t* raw() { return conf_; }

 private:
  rd_kafka_conf_t* conf_;
};

// The events consumer's prefetch bounds, shared by inzaged and the benchmark floor. librdkafka
// 2.0.2 looks again at a partition whose queue reached a bound only about once a second (its
// broker thread's wakeup), so the queue must hold more than a second of input or the consumer
// runs dry: with the default 100,000 messages the daemon sat 0.2-0.4 s of every second without
// messages (`debug: fetch` shows "queued.min.messages exceeded" then "is fetchable" each second).
// 128 MiB holds ~350,000 access events, ~1.7 s at 200,000 events/s; the message count bound is
// set above that so the bytes decide. Override under kafka.consumer_properties.
inline constexpr const char* kPrefetchMaxKbytes = "131072";
inline constexpr const char* kPrefetchMinMessages = "1000000";

// The events consumer's group session. A member that stops heartbeating keeps its partitions
// this long: after a SIGKILL, a static member (kafka.instance_name) restarted by systemd within
// it takes them straight back; an instance that is gone for good hands them to the others after
// it. 20 s covers systemd's RestartSec=5s and a start-up; librdkafka's default of 45 s only
// makes a lost machine's partitions wait longer. Override under kafka.consumer_properties.
inline constexpr const char* kSessionTimeoutMs = "20000";
inline constexpr const char* kHeartbeatIntervalMs = "2000";

// How the group's members share partitions. Cooperative-sticky moves only the partitions that
// must move when an instance joins or leaves; the others keep being consumed through the
// rebalance (the eager strategies stop every member and reassign everything). A group changes
// strategy only by a rolling restart that lists both (docs/operations.md, scale-out).
inline constexpr const char* kAssignmentStrategy = "cooperative-sticky";

struct Header {
  const char* name;
  std::string_view value;
};

// rd_kafka_producev with copied key and value; the one place that expands librdkafka's
// RD_KAFKA_V_* macros (C casts and GNU statement expressions). opaque reaches the delivery
// report as message->_private.
rd_kafka_resp_err_t Produce(rd_kafka_t* producer, const std::string& topic, std::string_view key,
                            std::string_view value, const std::vector<Header>& headers = {},
                            void* opaque = nullptr);

// Produces to one partition (copied key and value); without a value, a tombstone.
rd_kafka_resp_err_t ProduceToPartition(rd_kafka_t* producer, const std::string& topic,
                                       std::int32_t partition, std::string_view key,
                                       std::optional<std::string_view> value,
                                       void* opaque = nullptr);

// Partitions of a topic (metadata request); NotFound when the topic does not exist.
Result<std::vector<std::int32_t>> TopicPartitions(rd_kafka_t* rk, const std::string& topic,
                                                  int timeout_ms);

std::string ErrorText(rd_kafka_resp_err_t err);

// Whether the consumer's group uses the cooperative protocol (incremental assign and revoke in
// the rebalance callback) rather than the eager one.
bool IsCooperative(rd_kafka_t* consumer);

}  // namespace inzage::kafka

// MakeProducer and MakeConsumer: the one place where inzaged's Kafka clients get their
// configuration. Every client gets the brokers, its own client.id (in the broker's logs and
// librdkafka's log lines), the settings its job needs, and last the user's pass-through
// properties: kafka.properties, then the section of its kind of client
// (kafka.consumer_properties, producer_properties or reference_properties); a later one may
// override any earlier setting.
//
// Ownership: the returned Handle owns the client. The callbacks' opaque pointer is the caller's
// and must outlive the handle.
// Thread safety: the factories may be called from any thread; the clients are librdkafka's
// (kafka.h).
#pragma once

#include <map>
#include <string>

#include "common/status.h"
#include "kafka/kafka.h"
#include "kafka/options.h"

namespace inzage::kafka {

// librdkafka properties by name, set after the common ones.
using Settings = std::map<std::string, std::string>;

// Which of the user's per-client sections a consumer takes.
enum class ConsumerKind { kEvents, kReference };

// Called for each produced message once it is acknowledged or failed, from whichever thread
// polls the producer; message->_private is the opaque given to Produce.
using DeliveryReportFn = void (*)(rd_kafka_t* rk, const rd_kafka_message_t* message, void* opaque);

// Called from the consumer's poll when partitions are assigned or revoked; it must call
// rd_kafka_assign itself.
using RebalanceFn = void (*)(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                             rd_kafka_topic_partition_list_t* partitions, void* opaque);

// A producer for options.brokers (none set when empty: a client that only owns a mock cluster).
[[nodiscard]] Result<Handle> MakeProducer(const Options& options, const std::string& client_id,
                                          const Settings& settings = {},
                                          DeliveryReportFn on_delivery = nullptr,
                                          void* opaque = nullptr);

// A consumer in group `group_id` that never commits or stores offsets by itself: the owner
// commits what it has stored (docs/architecture.md, exactly-once state).
[[nodiscard]] Result<Handle> MakeConsumer(const Options& options, ConsumerKind kind,
                                          const std::string& client_id, const std::string& group_id,
                                          const Settings& settings = {},
                                          RebalanceFn on_rebalance = nullptr,
                                          void* opaque = nullptr);

// Connects to options.brokers once, before any worker starts, so that a wrong SASL password or
// a broker certificate the client does not trust stops start-up with librdkafka's reason
// (FailedPrecondition) instead of a retry loop that never says why. A broker that is only not
// reachable within timeout_ms is not an error here: the reference reader's own deadline says so.
[[nodiscard]] Status CheckBrokersAccept(const Options& options, int timeout_ms);

}  // namespace inzage::kafka

#include "kafka/clients.h"

#include <chrono>
#include <string>

namespace inzage::kafka {
namespace {

// The settings every client shares, then the job's, then the user's shared ones, then the
// user's for this kind of client: a later Set wins.
Status Configure(Config* c, const Options& options, const std::string& client_id,
                 const Settings& settings, const Settings& own_properties) {
  if (!options.brokers.empty()) {
    if (Status st = c->Set("bootstrap.servers", options.brokers); !st.ok()) return st;
  }
  if (Status st = c->Set("client.id", client_id); !st.ok()) return st;
  if (Status st = c->SetAll(settings); !st.ok()) return st;
  if (Status st = c->SetAll(options.properties); !st.ok()) return st;
  return c->SetAll(own_properties);
}

// What the probe's error callback saw: the first authentication or TLS failure.
struct ProbeErrors {
  rd_kafka_resp_err_t fatal = RD_KAFKA_RESP_ERR_NO_ERROR;
  std::string reason;
};

void RecordProbeError(rd_kafka_t* /*rk*/, int err, const char* reason, void* opaque) {
  auto* seen = static_cast<ProbeErrors*>(opaque);
  const auto code = static_cast<rd_kafka_resp_err_t>(err);
  const bool refused = code == RD_KAFKA_RESP_ERR__AUTHENTICATION ||
                       code == RD_KAFKA_RESP_ERR__SSL ||
                       code == RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED ||
                       code == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED ||
                       code == RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED;
  if (refused && seen->fatal == RD_KAFKA_RESP_ERR_NO_ERROR) {
    seen->fatal = code;
    seen->reason = reason != nullptr ? reason : rd_kafka_err2str(code);
  }
}

}  // namespace

Status CheckBrokersAccept(const Options& options, int timeout_ms) {
  ProbeErrors seen;
  Config c;
  if (Status st = Configure(&c, options, "inzaged-probe", {}, options.producer_properties);
      !st.ok()) {
    return st;
  }
  rd_kafka_conf_set_error_cb(c.raw(), RecordProbeError);
  rd_kafka_conf_set_opaque(c.raw(), &seen);
  auto producer = c.Create(RD_KAFKA_PRODUCER);
  if (!producer.ok()) return producer.status();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    const rd_kafka_metadata_t* md = nullptr;
    const rd_kafka_resp_err_t err = rd_kafka_metadata(producer->get(), 0, nullptr, &md, 500);
    if (md != nullptr) rd_kafka_metadata_destroy(md);
    rd_kafka_poll(producer->get(), 0);  // serves the error callback
    if (seen.fatal != RD_KAFKA_RESP_ERR_NO_ERROR) {
      const bool tls = seen.fatal == RD_KAFKA_RESP_ERR__SSL;
      return Status::FailedPrecondition(
          std::string(tls ? "TLS with the Kafka brokers failed (check ssl.ca.location and the "
                            "broker's certificate): "
                          : "the Kafka brokers refused inzaged's credentials (check "
                            "sasl.username and the file under kafka.secret_files): ") +
          seen.reason);
    }
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return Status::Ok();
  }
  return Status::Ok();
}

Result<Handle> MakeProducer(const Options& options, const std::string& client_id,
                            const Settings& settings, DeliveryReportFn on_delivery, void* opaque) {
  Config c;
  if (Status st = Configure(&c, options, client_id, settings, options.producer_properties);
      !st.ok()) {
    return st;
  }
  if (on_delivery != nullptr) rd_kafka_conf_set_dr_msg_cb(c.raw(), on_delivery);
  if (opaque != nullptr) rd_kafka_conf_set_opaque(c.raw(), opaque);
  return c.Create(RD_KAFKA_PRODUCER);
}

Result<Handle> MakeConsumer(const Options& options, ConsumerKind kind, const std::string& client_id,
                            const std::string& group_id, const Settings& settings,
                            RebalanceFn on_rebalance, void* opaque) {
  // The owner commits the offsets it has stored, never librdkafka on its own.
  Settings all{{"group.id", group_id},
               {"enable.auto.commit", "false"},
               {"enable.auto.offset.store", "false"}};
  for (const auto& [name, value] : settings) all[name] = value;
  const Settings& own =
      kind == ConsumerKind::kEvents ? options.consumer_properties : options.reference_properties;
  Config c;
  if (Status st = Configure(&c, options, client_id, all, own); !st.ok()) return st;
  if (on_rebalance != nullptr) rd_kafka_conf_set_rebalance_cb(c.raw(), on_rebalance);
  if (opaque != nullptr) rd_kafka_conf_set_opaque(c.raw(), opaque);
  return c.Create(RD_KAFKA_CONSUMER);
}

}  // namespace inzage::kafka

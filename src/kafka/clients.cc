#include "kafka/clients.h"

namespace inzage::kafka {
namespace {

// The settings every client shares, then the job's, then the user's: a later Set wins.
Status Configure(Config* c, const Options& options, const std::string& client_id,
                 const Settings& settings) {
  if (!options.brokers.empty()) {
    if (Status st = c->Set("bootstrap.servers", options.brokers); !st.ok()) return st;
  }
  if (Status st = c->Set("client.id", client_id); !st.ok()) return st;
  if (Status st = c->SetAll(settings); !st.ok()) return st;
  return c->SetAll(options.properties);
}

}  // namespace

Result<Handle> MakeProducer(const Options& options, const std::string& client_id,
                            const Settings& settings, DeliveryReportFn on_delivery, void* opaque) {
  Config c;
  if (Status st = Configure(&c, options, client_id, settings); !st.ok()) return st;
  if (on_delivery != nullptr) rd_kafka_conf_set_dr_msg_cb(c.raw(), on_delivery);
  if (opaque != nullptr) rd_kafka_conf_set_opaque(c.raw(), opaque);
  return c.Create(RD_KAFKA_PRODUCER);
}

Result<Handle> MakeConsumer(const Options& options, const std::string& client_id,
                            const std::string& group_id, const Settings& settings,
                            RebalanceFn on_rebalance, void* opaque) {
  // The owner commits the offsets it has stored, never librdkafka on its own.
  Settings all{{"group.id", group_id},
               {"enable.auto.commit", "false"},
               {"enable.auto.offset.store", "false"}};
  for (const auto& [name, value] : settings) all[name] = value;
  Config c;
  if (Status st = Configure(&c, options, client_id, all); !st.ok()) return st;
  if (on_rebalance != nullptr) rd_kafka_conf_set_rebalance_cb(c.raw(), on_rebalance);
  if (opaque != nullptr) rd_kafka_conf_set_opaque(c.raw(), opaque);
  return c.Create(RD_KAFKA_CONSUMER);
}

}  // namespace inzage::kafka

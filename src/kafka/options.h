// kafka::Options: where inzaged's Kafka is and which topics it uses; the `kafka:` section of
// config/inzaged.yaml. The ingest pipeline and the alert relay each take it as part of their
// own options.
// Thread safety: a value.
#pragma once

#include <map>
#include <string>

namespace inzage::kafka {

struct Options {
  std::string brokers;  // empty: no Kafka (only valid with --demo)
  std::string group_id = "inzaged";
  std::string events_topic = "inzage.access-events";
  std::string reference_topic = "inzage.reference";
  std::string dead_letter_topic = "inzage.access-events.dlq";
  std::string alerts_topic = "inzage.ciso-alerts";
  std::map<std::string, std::string> properties;  // librdkafka properties, passed through
  // librdkafka properties whose values are secrets (sasl.password, ssl.key.pem, ...): property
  // name -> a file (mode 0600, a systemd credential in production) read at start-up into
  // `properties`. The configuration file never holds the secret itself.
  std::map<std::string, std::string> secret_files;
};

}  // namespace inzage::kafka

// kafka::Options: where inzaged's Kafka is and which topics it uses; the `kafka:` section of
// config/inzaged.yaml. The ingest pipeline and the alert relay each take it as part of their
// own options.
// Thread safety: a value.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace inzage::kafka {

// An input topic and the format of its messages (kafka.inputs; a name of interop/input_format.h:
// inzage, otlp-json, otlp-proto, vng-verwerkingsactie).
struct Input {
  std::string topic;
  std::string format = "inzage";
};

struct Options {
  std::string brokers;  // empty: no Kafka (only valid with --demo)
  std::string group_id = "inzaged";
  std::string events_topic = "inzage.access-events";
  // The topics consumed, each with its format. Empty: events_topic alone, in inzage's format.
  std::vector<Input> inputs;
  std::string reference_topic = "inzage.reference";
  std::string dead_letter_topic = "inzage.access-events.dlq";
  std::string alerts_topic = "inzage.ciso-alerts";
  std::map<std::string, std::string> properties;  // librdkafka properties, passed through
  // librdkafka properties whose values are secrets (sasl.password, ssl.key.pem, ...): property
  // name -> a file (mode 0600, a systemd credential in production) read at start-up into
  // `properties`. The configuration file never holds the secret itself.
  std::map<std::string, std::string> secret_files;
  // A secret file's path may start with this; systemd's credentials directory replaces it when
  // the file is read (LoadCredential=).
  static constexpr std::string_view kCredentialsDirectory = "${CREDENTIALS_DIRECTORY}";

  // The inputs in force: `inputs`, or events_topic in inzage's format when none are given.
  [[nodiscard]] std::vector<Input> EffectiveInputs() const {
    if (!inputs.empty()) return inputs;
    return {Input{events_topic, "inzage"}};
  }
};

}  // namespace inzage::kafka

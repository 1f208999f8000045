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
  // The compacted state changelog (ingest/state_changelog.h), with at least as many partitions
  // as the input topics. Empty: no changelog; a partition that moves to another instance then
  // starts with empty windows there. Set it before a second instance joins the group.
  std::string state_topic;
  // A standby (with state_topic): this instance keeps every partition's changelog records in
  // memory as they come, so that a partition it takes over needs no restore from the topic's
  // start (ingest/standby_state.h).
  bool standby = false;
  // The compacted membership topic (ingest/membership.h): each instance publishes its API
  // address and partitions there, and the citizen queries ask the members it names. Empty:
  // api.peers alone. Needs instance_name, api.advertise_url and api.peer_key_file.
  std::string membership_topic;
  // librdkafka properties, passed through: `properties` to every client (TLS, SASL, ...), then
  // each client's own section; a client's own value wins over the shared one. The sections
  // keep a consumer setting out of the producers (librdkafka warns, CONFWARN, about a
  // property that does not apply to the client it is set on).
  std::map<std::string, std::string> properties;
  std::map<std::string, std::string> consumer_properties;   // the events consumer
  std::map<std::string, std::string> producer_properties;   // the alert and dead-letter producers
  std::map<std::string, std::string> reference_properties;  // the reference-topic reader
  // Static group membership (KIP-345): a name that stays the same when this instance restarts
  // (the host's name, a systemd instance name). The consumer's group.instance.id is derived
  // from it, so that a restarted instance takes its partitions straight back instead of waiting
  // for its old session to time out. Empty: dynamic membership. Two running instances must
  // never share a name: the broker fences the older one.
  std::string instance_name;
  // librdkafka properties whose values are secrets (sasl.password, ssl.key.pem, ...): property
  // name -> a file (mode 0600, a systemd credential in production) read at start-up into
  // `properties`. The configuration file never holds the secret itself.
  std::map<std::string, std::string> secret_files;
  // A secret file's path may start with this; systemd's credentials directory replaces it when
  // the file is read (LoadCredential=).
  static constexpr std::string_view kCredentialsDirectory = "${CREDENTIALS_DIRECTORY}";

  // The consumer's group.instance.id: "<group_id>/<instance_name>", or empty.
  [[nodiscard]] std::string GroupInstanceId() const {
    return instance_name.empty() ? std::string() : group_id + "/" + instance_name;
  }

  // The inputs in force: `inputs`, or events_topic in inzage's format when none are given.
  [[nodiscard]] std::vector<Input> EffectiveInputs() const {
    if (!inputs.empty()) return inputs;
    return {Input{events_topic, "inzage"}};
  }
};

}  // namespace inzage::kafka

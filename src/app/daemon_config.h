// DaemonConfig: config/inzaged.yaml, validated (schemas/config.schema.json describes the same
// shape; unknown keys are errors), with environment overrides for the paths of secrets so that
// systemd credentials can be passed without editing the file:
//   INZAGE_PSEUDONYM_KEY_FILE  overrides pseudonym_key_file
//   INZAGE_STORE_PATH          overrides store.path
//   INZAGE_TOKEN_KEY_FILE      overrides api.token_key_file
// Errors name the file, the line and the key. Exceptions stop at LoadDaemonConfig.
// Thread safety: a value; read-only after loading.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "api/api_server.h"
#include "common/status.h"

namespace inzage::app {

struct DaemonConfig {
  struct Kafka {
    std::string brokers;  // empty: no Kafka (only valid with --demo)
    std::string group_id = "inzaged";
    std::string events_topic = "inzage.access-events";
    std::string reference_topic = "inzage.reference";
    std::string dead_letter_topic = "inzage.access-events.dlq";
    std::string alerts_topic = "inzage.ciso-alerts";
    std::map<std::string, std::string> properties;  // librdkafka properties, passed through
  } kafka;
  struct Pipeline {
    int batch_max_events = 20000;
    int batch_max_latency_ms = 200;
    int outbox_max_rows = 100000;  // consumption pauses above this (relay falling behind)
    // An open incident's updates (count, last seen, evidence) go to the CISO topic at most this
    // often; new alerts, status and severity changes and closed incidents go at once. 0: every
    // version.
    int alert_update_interval_ms = 5000;
  } pipeline;
  struct Store {
    std::string path = "/var/lib/inzage/store";
    bool sync = false;
  } store;
  std::string pseudonym_key_file = "/run/credentials/inzaged.service/pseudonym.key";
  std::string policy_dir = "/etc/inzage/policy";
  int reference_timeout_ms = 120000;  // how long start-up waits for the reference topic
  int shutdown_timeout_ms = 30000;
  int summary_interval_ms = 10000;  // a status line in the log this often (0 = never)
  api::ApiConfig api;
  std::string log_level = "info";  // debug, info, warn, error
};

Result<DaemonConfig> LoadDaemonConfig(const std::string& path);

}  // namespace inzage::app

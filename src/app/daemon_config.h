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

#include "alert/outbox_relay.h"
#include "api/api_server.h"
#include "common/status.h"
#include "ingest/pipeline_options.h"
#include "kafka/options.h"

namespace inzage::app {

struct DaemonConfig {
  kafka::Options kafka;
  PipelineTuning pipeline;
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

  // What each part is told: the pipeline's and the relay's own options, composed from the
  // sections above.
  [[nodiscard]] PipelineOptions pipeline_options() const {
    return PipelineOptions{kafka, pipeline, reference_timeout_ms, shutdown_timeout_ms};
  }
  [[nodiscard]] RelayOptions relay_options() const {
    return RelayOptions{kafka, shutdown_timeout_ms};
  }
};

Result<DaemonConfig> LoadDaemonConfig(const std::string& path);

}  // namespace inzage::app

#include "app/daemon.h"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>

namespace inzage::app {

int DaemonMain(int argc, char** argv) {
  CLI::App cli{"inzaged: audits every access to citizens' personal data (Kafka daemon)"};
  std::string config_path;
  bool check_config = false;
  bool demo = false;
  cli.add_option("--config", config_path, "configuration file (config/inzaged.yaml)");
  cli.add_flag("--check-config", check_config, "validate the configuration and exit");
  cli.add_flag("--demo", demo, "embedded Kafka mock cluster, generated world and events");
  cli.set_version_flag("--version", INZAGE_VERSION);
  CLI11_PARSE(cli, argc, argv);
  // The Kafka pipeline (issue "inzaged: the Kafka daemon") is not built yet. Say so plainly
  // instead of pretending to run.
  std::fprintf(stderr,
               "inzaged: the Kafka pipeline is not implemented in this version; use "
               "`inzage replay` for offline decisions (see README)\n");
  return 2;
}

}  // namespace inzage::app

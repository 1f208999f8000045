#include "app/tool.h"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>

#include "app/commands.h"
#include "common/pseudonym.h"

namespace inzage::app {

int Keygen(const std::string& out) {
  Status st = Pseudonymizer::GenerateKeyFile(out);
  if (!st.ok()) {
    std::fprintf(stderr, "inzage keygen: %s\n", st.message().c_str());
    return 1;
  }
  std::fprintf(stderr, "inzage keygen: wrote %s (mode 0600)\n", out.c_str());
  return 0;
}

int ToolMain(int argc, char** argv) {
  CLI::App cli{"inzage: offline tool for the inzage access audit"};
  cli.require_subcommand(1);
  cli.set_version_flag("--version", INZAGE_VERSION);

  ReplayOptions replay;
  auto* replay_cmd = cli.add_subcommand(
      "replay", "decide every event of an NDJSON file offline and print one decision per line");
  replay_cmd->add_option("--policy", replay.policy_dir, "policy directory")->required();
  replay_cmd->add_option("--reference", replay.reference_file, "reference data (NDJSON)")
      ->required();
  replay_cmd->add_option("--events", replay.events, "access events (NDJSON), - for stdin")
      ->required();
  replay_cmd->add_option("--out", replay.out, "decisions (NDJSON), - for stdout");
  replay_cmd->add_option("--key-file", replay.key_file,
                         "pseudonym key (default: an ephemeral random key)");
  replay_cmd->add_flag("--summary", replay.summary, "print verdict counts to stderr");
  replay_cmd->add_option("--alerts", replay.alerts_out,
                         "write the resulting alerts (incidents, NDJSON) to this file");

  CheckPolicyOptions check;
  auto* check_cmd =
      cli.add_subcommand("check-policy", "validate a policy directory and run its test cases");
  check_cmd->add_option("--policy", check.policy_dir, "policy directory")->required();
  check_cmd->add_option("--tests", check.tests_dir, "policy test cases directory");
  check_cmd->add_flag("-v,--verbose", check.verbose, "list passing cases too");

  GenerateOptions gen;
  auto* gen_cmd = cli.add_subcommand(
      "generate", "write a generated reference world and access events for the default policy");
  gen_cmd->add_option("--reference-out", gen.reference_out, "reference NDJSON to write")
      ->required();
  gen_cmd->add_option("--events-out", gen.events_out, "events NDJSON to write (- for stdout)")
      ->required();
  gen_cmd->add_option("--events", gen.events, "number of events")->check(CLI::PositiveNumber);
  gen_cmd->add_option("--seed", gen.seed, "random seed (same seed, same output)");
  gen_cmd->add_option("--employees", gen.employees, "employees in the world")
      ->check(CLI::Range(20, 100000));
  gen_cmd->add_option("--citizens", gen.citizens, "citizens in the world")
      ->check(CLI::Range(100, 10000000));
  gen_cmd->add_option("--start", gen.start, "event time of the first event (RFC 3339)");

  std::string key_out;
  auto* keygen = cli.add_subcommand("keygen", "create a new pseudonym key file (mode 0600)");
  keygen->add_option("--out", key_out, "file to create (must not exist)")->required();

  CLI11_PARSE(cli, argc, argv);

  if (replay_cmd->parsed()) return Replay(replay);
  if (check_cmd->parsed()) return CheckPolicy(check);
  if (gen_cmd->parsed()) return Generate(gen);
  if (keygen->parsed()) return Keygen(key_out);
  return 2;
}

}  // namespace inzage::app

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
  auto* replay_out =
      replay_cmd->add_option("--out", replay.out, "decisions (NDJSON), - for stdout");
  replay_cmd->add_option("--key-file", replay.key_file,
                         "pseudonym key (default: an ephemeral random key)");
  replay_cmd->add_flag(
      "--summary", replay.summary,
      "print verdict counts to stderr (and no decisions, unless --out says where)");
  replay_cmd->add_option("--alerts", replay.alerts_out,
                         "write the resulting alerts (incidents, NDJSON) to this file");
  replay_cmd->add_option("--source", replay.source,
                         "the Kafka partition the events come from, as topic/partition "
                         "(input.invalid_rate runs per partition; default replay/0)");
  replay_cmd
      ->add_option("--format", replay.format,
                   "inzage, otlp-json, otlp-proto (length-prefixed) or vng-verwerkingsactie")
      ->check(CLI::IsMember({"inzage", "otlp-json", "otlp-proto", "vng-verwerkingsactie"}));

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

  IngestOptions ingest;
  auto* ingest_cmd = cli.add_subcommand(
      "ingest", "backfill historical events through the decide-and-commit path into a store");
  ingest_cmd->add_option("--policy", ingest.policy_dir, "policy directory")->required();
  ingest_cmd->add_option("--reference", ingest.reference_file, "reference data (NDJSON)")
      ->required();
  ingest_cmd->add_option("--store", ingest.store_dir, "store directory")->required();
  ingest_cmd->add_option("--key-file", ingest.key_file, "pseudonym key file")->required();
  ingest_cmd->add_option("--events", ingest.events, "access events (NDJSON), - for stdin")
      ->required();
  ingest_cmd->add_option("--batch-size", ingest.batch_size, "events per store commit")
      ->check(CLI::Range(1, 100000));
  ingest_cmd->add_flag("--sync", ingest.sync, "fsync every commit");
  ingest_cmd
      ->add_option("--format", ingest.format,
                   "inzage, otlp-json, otlp-proto (length-prefixed) or vng-verwerkingsactie")
      ->check(CLI::IsMember({"inzage", "otlp-json", "otlp-proto", "vng-verwerkingsactie"}));

  QueryOptions query;
  auto* query_cmd = cli.add_subcommand("query", "accesses of a subject or by an actor");
  query_cmd->add_option("--store", query.store_dir, "store directory")->required();
  query_cmd->add_option("--key-file", query.key_file, "pseudonym key file")->required();
  auto* subject_opt = query_cmd->add_option("--subject", query.subject_bsn, "the subject's BSN");
  auto* actor_opt = query_cmd->add_option("--actor", query.actor, "an actor id");
  subject_opt->excludes(actor_opt);
  query_cmd->add_option("--from", query.from, "period start (RFC 3339)")->required();
  query_cmd->add_option("--to", query.to, "period end (RFC 3339)")->required();
  query_cmd->add_flag("--json", query.json,
                      "one JSON object per entry, as the API's investigation view");
  query_cmd->add_option("--policy", query.policy_dir,
                        "policy directory: activity names in --json (optional)");

  std::string verify_store;
  auto* verify_cmd = cli.add_subcommand("verify", "check the store's integrity chain");
  verify_cmd->add_option("--store", verify_store, "store directory")->required();

  std::string backup_store, backup_to, backup_max_age = "P30D";
  auto* backup_cmd = cli.add_subcommand("backup", "back up a store; prune old backups");
  backup_cmd->add_option("--store", backup_store, "store directory")->required();
  backup_cmd->add_option("--to", backup_to, "backup directory")->required();
  backup_cmd->add_option("--max-age", backup_max_age,
                         "delete backups older than this (retention reaches backups)");

  std::string restore_from, restore_store;
  auto* restore_cmd = cli.add_subcommand("restore", "restore the latest backup into a store");
  restore_cmd->add_option("--from", restore_from, "backup directory")->required();
  restore_cmd->add_option("--store", restore_store, "store directory to create")->required();
  bool restore_force = false;
  restore_cmd->add_flag("--force", restore_force, "replace an existing store");

  std::string compact_store;
  auto* compact_cmd =
      cli.add_subcommand("compact", "compact the history now (runs the retention filter)");
  compact_cmd->add_option("--store", compact_store, "store directory")->required();

  HandOverOptions hand_over;
  auto* hand_over_cmd = cli.add_subcommand(
      "hand-over", "retiring an instance: copy its store's history into another store");
  hand_over_cmd->add_option("--from", hand_over.from, "the retired instance's store")->required();
  hand_over_cmd->add_option("--into", hand_over.into, "the store that takes it over (stopped)")
      ->required();
  hand_over_cmd->add_option("--key-file", hand_over.key_file, "pseudonym key of both stores")
      ->required();

  RetireOptions retire;
  auto* retire_cmd = cli.add_subcommand(
      "retire", "publish an instance as retired on the membership topic (after hand-over)");
  retire_cmd->add_option("--config", retire.config, "the instance's inzaged.yaml")->required();
  retire_cmd->add_option("--instance", retire.instance,
                         "instance name (default: the file's kafka.instance_name)");
  retire_cmd->add_flag("--force", retire.force,
                       "retire a member still recorded as running (its host is gone)");

  std::string key_out;
  auto* keygen = cli.add_subcommand("keygen", "create a new pseudonym key file (mode 0600)");
  keygen->add_option("--out", key_out, "file to create (must not exist)")->required();

  CLI11_PARSE(cli, argc, argv);

  if (replay_cmd->parsed()) {
    replay.out_given = replay_out->count() > 0;
    return Replay(replay);
  }
  if (check_cmd->parsed()) return CheckPolicy(check);
  if (gen_cmd->parsed()) return Generate(gen);
  if (keygen->parsed()) return Keygen(key_out);
  if (ingest_cmd->parsed()) return Ingest(ingest);
  if (query_cmd->parsed()) return Query(query);
  if (verify_cmd->parsed()) return Verify(verify_store);
  if (backup_cmd->parsed()) return Backup(backup_store, backup_to, backup_max_age);
  if (restore_cmd->parsed()) return Restore(restore_from, restore_store, restore_force);
  if (compact_cmd->parsed()) return Compact(compact_store);
  if (hand_over_cmd->parsed()) return HandOver(hand_over);
  if (retire_cmd->parsed()) return Retire(retire);
  return 2;
}

}  // namespace inzage::app

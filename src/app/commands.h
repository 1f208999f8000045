// The `inzage` subcommands (docs/contracts.md §5). Each returns a process exit code and prints
// errors to stderr with the file, line or key at fault. Thread safety: call from main only.
#pragma once

#include <string>

namespace inzage::app {

struct ReplayOptions {
  std::string policy_dir;
  std::string reference_file;
  std::string events = "-";  // file or "-" for stdin
  std::string out = "-";     // file or "-" for stdout
  bool out_given = false;    // --out was on the command line (--summary alone prints no decisions)
  std::string key_file;      // optional: pseudonym key (an ephemeral key otherwise)
  bool summary = false;      // print verdict counts to stderr at the end
  std::string alerts_out;    // optional: the incidents as alerts (NDJSON, docs/contracts.md)
  // The partition the events are ("topic/partition"): input.invalid_rate runs per partition,
  // so replaying one partition's messages in order with its name reproduces the daemon's alerts.
  std::string source = "replay/0";
  std::string format = "inzage";  // interop/input_format.h; message framing: message_reader.h
};
// Decides every event of an NDJSON stream (stateless rules, then the windowed behaviour rules
// with in-memory per-actor state, in event time) and prints one decision per line, in input
// order; aggregates violations and reviews into alerts, written at the end when asked.
// Exit 0 even when events are invalid; 1 when the policy or reference data is invalid.
int Replay(const ReplayOptions& options);

struct CheckPolicyOptions {
  std::string policy_dir;
  std::string tests_dir;  // optional
  bool verbose = false;
};
int CheckPolicy(const CheckPolicyOptions& options);

struct GenerateOptions {
  std::string reference_out;
  std::string events_out;
  long long events = 10000;
  unsigned seed = 1;
  int employees = 300;
  int citizens = 5000;
  std::string start = "2026-11-23T07:00:00Z";  // a Monday morning
};
// Writes a realistic reference world and event stream for the default policy (demo, benchmarks).
int Generate(const GenerateOptions& options);

int Keygen(const std::string& out);

struct IngestOptions {
  std::string policy_dir;
  std::string reference_file;
  std::string store_dir;
  std::string key_file;
  std::string events = "-";
  size_t batch_size = 1000;
  bool sync = false;
  std::string format = "inzage";  // interop/input_format.h; message framing: message_reader.h
};
// Backfill: the same parse, decide and commit path as the daemon; the file's position is
// recorded under a source id derived from its first line, so a second run adds nothing.
int Ingest(const IngestOptions& options);

struct QueryOptions {
  std::string store_dir;
  std::string key_file;
  std::string subject_bsn;  // read from the command line; pseudonymised at once
  std::string actor;
  std::string from;
  std::string to;
  std::string policy_dir;  // optional: activity names in --json
  bool json = false;
};
int Query(const QueryOptions& options);

int Verify(const std::string& store_dir);
int Backup(const std::string& store_dir, const std::string& to, const std::string& max_age);
int Restore(const std::string& from, const std::string& store_dir, bool force);
int Compact(const std::string& store_dir);

struct HandOverOptions {
  std::string from;      // the retired instance's store (opened read-only)
  std::string into;      // a store that takes its history over (its daemon stopped)
  std::string key_file;  // the pseudonym key both stores were written with
};
// Retiring an instance (docs/scale-out.md): commits every event of `from` into `into`; an
// event `into` holds already (same actor, time and event id) is skipped, so a second run
// stores nothing. History only: alerts are on the CISO topic, detector state on the changelog.
int HandOver(const HandOverOptions& options);

struct RetireOptions {
  std::string config;    // the retired instance's inzaged.yaml (brokers, topic, peer key)
  std::string instance;  // default: the file's kafka.instance_name
  // Retire a member whose record still says running: its host is gone and it never stopped
  // cleanly (the operator says so).
  bool force = false;
};
// Publishes the instance as retired on kafka.topics.membership, after its history was handed
// over: the other instances stop asking it (ingest/membership.h).
int Retire(const RetireOptions& options);

}  // namespace inzage::app

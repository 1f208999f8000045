#include "app/daemon_config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <string_view>
#include <vector>

#include "interop/input_format.h"
#include "policy/rule_catalogue.h"

namespace inzage::app {
namespace {

class Reader {
 public:
  explicit Reader(std::string file) : file_(std::move(file)) {}

  void Keys(const YAML::Node& n, const std::string& path, const std::set<std::string>& allowed) {
    if (!n.IsMap()) {
      Error(n, path, "must be a mapping");
      return;
    }
    for (const auto& kv : n) {
      if (allowed.count(kv.first.Scalar()) == 0) {
        Error(kv.first, path.empty() ? kv.first.Scalar() : path + "." + kv.first.Scalar(),
              "unknown key");
      }
    }
  }
  void String(const YAML::Node& n, const std::string& path, std::string* out) {
    if (!n) return;
    if (!n.IsScalar()) {
      Error(n, path, "must be a string");
      return;
    }
    *out = n.Scalar();
  }
  void Int(const YAML::Node& n, const std::string& path, int min, int max, int* out) {
    if (!n) return;
    int v = 0;
    if (!n.IsScalar() || !YAML::convert<int>::decode(n, v) || v < min || v > max) {
      Error(n, path,
            "must be a whole number from " + std::to_string(min) + " to " + std::to_string(max));
      return;
    }
    *out = v;
  }
  void Bool(const YAML::Node& n, const std::string& path, bool* out) {
    if (!n) return;
    if (!n.IsScalar() || (n.Scalar() != "true" && n.Scalar() != "false")) {
      Error(n, path, "must be true or false");
      return;
    }
    *out = n.Scalar() == "true";
  }
  void Error(const YAML::Node& at, const std::string& path, const std::string& what) {
    errors_.push_back(file_ + ":" + std::to_string(at.Mark().line + 1) + ": " + path + ": " + what);
  }
  [[nodiscard]] const std::vector<std::string>& errors() const { return errors_; }

 private:
  std::string file_;
  std::vector<std::string> errors_;
};

// librdkafka properties that hold a secret. Written inline they would sit in a configuration
// file that backups, package diffs and support tickets copy; kafka.secret_files names a file.
constexpr std::array<std::string_view, 7> kSecretKafkaProperties = {
    "sasl.password",
    "ssl.key.password",
    "ssl.key.pem",
    "ssl.keystore.password",
    "sasl.oauthbearer.client.secret",
    "ssl_key",
    "sasl.oauthbearer.config"};

bool IsSecretKafkaProperty(std::string_view name) {
  return std::find(kSecretKafkaProperties.begin(), kSecretKafkaProperties.end(), name) !=
         kSecretKafkaProperties.end();
}

// A mapping of librdkafka properties (kafka.properties and the per-client sections): strings,
// and no secret written inline.
void ReadKafkaProperties(Reader& r, const YAML::Node& p, const std::string& path,
                         std::map<std::string, std::string>* out) {
  if (!p || p.IsNull()) return;
  if (!p.IsMap()) {
    r.Error(p, path, "must be a mapping of librdkafka properties");
    return;
  }
  for (const auto& kv : p) {
    const std::string where = path + "." + kv.first.Scalar();
    if (!kv.second.IsScalar()) {
      r.Error(kv.second, where, "must be a string");
    } else if (IsSecretKafkaProperty(kv.first.Scalar())) {
      r.Error(kv.second, where,
              "is a secret: name a file holding it under kafka.secret_files instead");
    } else {
      (*out)[kv.first.Scalar()] = kv.second.Scalar();
    }
  }
}

// kafka.instance_name goes into group.instance.id and the broker's logs: a plain name.
bool ValidInstanceName(std::string_view name) {
  if (name.empty() || name.size() > 100) return false;
  return std::all_of(name.begin(), name.end(), [](char ch) {
    return std::isalnum(static_cast<unsigned char>(ch)) != 0 || ch == '.' || ch == '_' || ch == '-';
  });
}

}  // namespace

Result<DaemonConfig> LoadDaemonConfig(const std::string& path) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    return Status::InvalidArgument(path + ": cannot read the configuration file");
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(path + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  DaemonConfig c;
  Reader r(path);
  if (root.IsNull()) return c;
  r.Keys(root, "",
         {"kafka", "pipeline", "store", "pseudonym_key_file", "policy_dir", "reference_timeout_ms",
          "shutdown_timeout_ms", "summary_interval_ms", "api", "log_level"});
  if (const YAML::Node k = root["kafka"]) {
    r.Keys(k, "kafka",
           {"brokers", "group_id", "instance_name", "standby", "topics", "inputs", "properties",
            "consumer_properties", "producer_properties", "reference_properties", "secret_files"});
    r.String(k["brokers"], "kafka.brokers", &c.kafka.brokers);
    r.String(k["group_id"], "kafka.group_id", &c.kafka.group_id);
    r.String(k["instance_name"], "kafka.instance_name", &c.kafka.instance_name);
    r.Bool(k["standby"], "kafka.standby", &c.kafka.standby);
    if (!c.kafka.instance_name.empty() && !ValidInstanceName(c.kafka.instance_name)) {
      r.Error(k["instance_name"], "kafka.instance_name",
              "must be 1-100 characters of letters, digits, '.', '_' and '-'");
    }
    if (const YAML::Node t = k["topics"]) {
      r.Keys(t, "kafka.topics",
             {"events", "reference", "dead_letter", "alerts", "state", "membership"});
      r.String(t["events"], "kafka.topics.events", &c.kafka.events_topic);
      r.String(t["reference"], "kafka.topics.reference", &c.kafka.reference_topic);
      r.String(t["dead_letter"], "kafka.topics.dead_letter", &c.kafka.dead_letter_topic);
      r.String(t["alerts"], "kafka.topics.alerts", &c.kafka.alerts_topic);
      r.String(t["state"], "kafka.topics.state", &c.kafka.state_topic);
      r.String(t["membership"], "kafka.topics.membership", &c.kafka.membership_topic);
    }
    if (c.kafka.standby && c.kafka.state_topic.empty()) {
      r.Error(k["standby"], "kafka.standby", "needs kafka.topics.state (the changelog it copies)");
    }
    // The input topics with their formats (docs/interop.md); without them, topics.events alone.
    if (const YAML::Node in = k["inputs"]; in && !in.IsNull()) {
      if (!in.IsSequence() || in.size() == 0) {
        r.Error(in, "kafka.inputs", "must be a list of {topic, format}");
      } else {
        std::set<std::string> topics;
        for (size_t i = 0; i < in.size(); ++i) {
          const std::string at = "kafka.inputs[" + std::to_string(i) + "]";
          r.Keys(in[i], at, {"topic", "format"});
          if (!in[i].IsMap()) continue;
          kafka::Input input;
          r.String(in[i]["topic"], at + ".topic", &input.topic);
          r.String(in[i]["format"], at + ".format", &input.format);
          if (input.topic.empty()) r.Error(in[i], at + ".topic", "is required");
          if (!InputFormatFromName(input.format)) {
            r.Error(in[i]["format"] ? in[i]["format"] : in[i], at + ".format",
                    "\"" + input.format +
                        "\" is not one of inzage, otlp-json, otlp-proto, vng-verwerkingsactie");
          }
          if (!input.topic.empty() && !topics.insert(input.topic).second) {
            r.Error(in[i]["topic"], at + ".topic", "topic " + input.topic + " is named twice");
          }
          c.kafka.inputs.push_back(std::move(input));
        }
      }
    }
    ReadKafkaProperties(r, k["properties"], "kafka.properties", &c.kafka.properties);
    ReadKafkaProperties(r, k["consumer_properties"], "kafka.consumer_properties",
                        &c.kafka.consumer_properties);
    ReadKafkaProperties(r, k["producer_properties"], "kafka.producer_properties",
                        &c.kafka.producer_properties);
    ReadKafkaProperties(r, k["reference_properties"], "kafka.reference_properties",
                        &c.kafka.reference_properties);
    const std::array<const std::map<std::string, std::string>*, 4> kafka_sections = {
        &c.kafka.properties, &c.kafka.consumer_properties, &c.kafka.producer_properties,
        &c.kafka.reference_properties};
    if (const YAML::Node p = k["secret_files"]; p && !p.IsNull()) {
      if (!p.IsMap()) {
        r.Error(p, "kafka.secret_files", "must map librdkafka properties to files");
      } else {
        for (const auto& kv : p) {
          const std::string where = "kafka.secret_files." + kv.first.Scalar();
          if (!kv.second.IsScalar() || kv.second.Scalar().empty()) {
            r.Error(kv.second, where, "must be a file path");
          } else if (std::any_of(kafka_sections.begin(), kafka_sections.end(),
                                 [&kv](const auto* section) {
                                   return section->count(kv.first.Scalar()) != 0;
                                 })) {
            r.Error(kv.second, where, "is also set under kafka.*properties");
          } else {
            c.kafka.secret_files[kv.first.Scalar()] = kv.second.Scalar();
          }
        }
      }
    }
  }
  if (const YAML::Node p = root["pipeline"]) {
    r.Keys(p, "pipeline",
           {"batch_max_events", "batch_max_latency_ms", "outbox_max_rows",
            "alert_update_interval_ms", "max_open_incidents"});
    r.Int(p["batch_max_events"], "pipeline.batch_max_events", 1, 100000,
          &c.pipeline.batch_max_events);
    r.Int(p["batch_max_latency_ms"], "pipeline.batch_max_latency_ms", 1, 60000,
          &c.pipeline.batch_max_latency_ms);
    r.Int(p["outbox_max_rows"], "pipeline.outbox_max_rows", 100, 100000000,
          &c.pipeline.outbox_max_rows);
    r.Int(p["alert_update_interval_ms"], "pipeline.alert_update_interval_ms", 0, 3600000,
          &c.pipeline.alert_update_interval_ms);
    r.Int(p["max_open_incidents"], "pipeline.max_open_incidents", 0, 100000000,
          &c.pipeline.max_open_incidents);
  }
  if (const YAML::Node s = root["store"]) {
    r.Keys(s, "store", {"path", "sync"});
    r.String(s["path"], "store.path", &c.store.path);
    r.Bool(s["sync"], "store.sync", &c.store.sync);
  }
  if (const YAML::Node a = root["api"]) {
    r.Keys(a, "api",
           {"listen",
            "threads",
            "max_queued_requests",
            "max_connections",
            "idle_timeout_ms",
            "request_timeout_ms",
            "max_header_bytes",
            "max_header_fields",
            "max_body_bytes",
            "token_algorithm",
            "token_key_file",
            "audience",
            "show_employee_ids",
            "municipality",
            "citizen_reads_per_minute",
            "ldv_scan_entries",
            "citizen_report_severity",
            "citizen_reports_per_day",
            "privacy_contact",
            "tls_certificate_file",
            "tls_key_file",
            "peers",
            "advertise_url",
            "peer_timeout_ms",
            "peer_key_file",
            "peer_ca_file",
            "staff_tokens",
            "ui_dir",
            "oidc"});
    r.String(a["listen"], "api.listen", &c.api.listen);
    std::string host;
    int port = 0;
    if (a["listen"] && !api::ParseListenAddress(c.api.listen, &host, &port).ok()) {
      r.Error(a["listen"], "api.listen", "must be host:port, e.g. 127.0.0.1:8080");
    }
    r.Int(a["threads"], "api.threads", 1, 256, &c.api.threads);
    r.Int(a["max_queued_requests"], "api.max_queued_requests", 1, 100000,
          &c.api.max_queued_requests);
    r.Int(a["max_connections"], "api.max_connections", 16, 1000000, &c.api.max_connections);
    r.Int(a["idle_timeout_ms"], "api.idle_timeout_ms", 100, 3600000, &c.api.idle_timeout_ms);
    r.Int(a["request_timeout_ms"], "api.request_timeout_ms", 100, 600000,
          &c.api.request_timeout_ms);
    r.Int(a["max_header_bytes"], "api.max_header_bytes", 1024, 1 << 20, &c.api.max_header_bytes);
    r.Int(a["max_header_fields"], "api.max_header_fields", 8, 1000, &c.api.max_header_fields);
    r.Int(a["max_body_bytes"], "api.max_body_bytes", 1024, 16 << 20, &c.api.max_body_bytes);
    r.String(a["token_algorithm"], "api.token_algorithm", &c.api.token_algorithm);
    if (a["token_algorithm"] && !api::ParseTokenAlgorithm(c.api.token_algorithm).ok()) {
      r.Error(a["token_algorithm"], "api.token_algorithm", "must be HS256, EdDSA or RS256");
    }
    r.String(a["token_key_file"], "api.token_key_file", &c.api.token_key_file);
    r.String(a["audience"], "api.audience", &c.api.audience);
    r.Bool(a["show_employee_ids"], "api.show_employee_ids", &c.api.show_employee_ids);
    r.Int(a["citizen_reads_per_minute"], "api.citizen_reads_per_minute", 0, 100000,
          &c.api.citizen_reads_per_minute);
    r.Int(a["ldv_scan_entries"], "api.ldv_scan_entries", 1, 10000000, &c.api.ldv_scan_entries);
    if (const YAML::Node sev = a["citizen_report_severity"]) {
      std::string name;
      r.String(sev, "api.citizen_report_severity", &name);
      const auto severity = SeverityFromName(name);
      if (!severity || *severity == Severity::kNone) {
        r.Error(sev, "api.citizen_report_severity", "must be low, medium, high or critical");
      } else {
        c.api.citizen_report_severity = *severity;
      }
    }
    r.Int(a["citizen_reports_per_day"], "api.citizen_reports_per_day", 0, 100000,
          &c.api.citizen_reports_per_day);
    r.String(a["municipality"], "api.municipality", &c.api.municipality);
    if (const YAML::Node pc = a["privacy_contact"]) {
      r.Keys(pc, "api.privacy_contact", {"name", "email", "phone", "url"});
      r.String(pc["name"], "api.privacy_contact.name", &c.api.privacy_contact.name);
      r.String(pc["email"], "api.privacy_contact.email", &c.api.privacy_contact.email);
      r.String(pc["phone"], "api.privacy_contact.phone", &c.api.privacy_contact.phone);
      r.String(pc["url"], "api.privacy_contact.url", &c.api.privacy_contact.url);
    }
    r.String(a["tls_certificate_file"], "api.tls_certificate_file", &c.api.tls_certificate_file);
    r.String(a["tls_key_file"], "api.tls_key_file", &c.api.tls_key_file);
    if (const YAML::Node peers = a["peers"]; peers && !peers.IsNull()) {
      if (!peers.IsSequence()) {
        r.Error(peers, "api.peers", "must be a list of base URLs");
      } else {
        for (const auto& peer : peers) {
          const std::string url = peer.IsScalar() ? peer.Scalar() : std::string();
          if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
            r.Error(peer, "api.peers", "must be a URL such as http://10.0.0.2:8080");
          } else {
            c.api.peers.push_back(url);
          }
        }
      }
    }
    r.String(a["advertise_url"], "api.advertise_url", &c.api.advertise_url);
    while (c.api.advertise_url.ends_with('/')) c.api.advertise_url.pop_back();  // a base URL
    if (!c.api.advertise_url.empty() && c.api.advertise_url.rfind("http://", 0) != 0 &&
        c.api.advertise_url.rfind("https://", 0) != 0) {
      r.Error(
          a["advertise_url"], "api.advertise_url",
          "must be a URL such as http://10.0.0.2:8080 (how the other instances reach this one)");
    }
    r.Int(a["peer_timeout_ms"], "api.peer_timeout_ms", 50, 60000, &c.api.peer_timeout_ms);
    r.String(a["peer_key_file"], "api.peer_key_file", &c.api.peer_key_file);
    r.String(a["peer_ca_file"], "api.peer_ca_file", &c.api.peer_ca_file);
    if (const YAML::Node st = a["staff_tokens"]) {
      r.Keys(st, "api.staff_tokens", {"algorithm", "key_file", "audience"});
      r.String(st["algorithm"], "api.staff_tokens.algorithm", &c.api.staff_tokens.algorithm);
      if (st["algorithm"] && !c.api.staff_tokens.algorithm.empty() &&
          !api::ParseTokenAlgorithm(c.api.staff_tokens.algorithm).ok()) {
        r.Error(st["algorithm"], "api.staff_tokens.algorithm", "must be HS256, EdDSA or RS256");
      }
      r.String(st["key_file"], "api.staff_tokens.key_file", &c.api.staff_tokens.key_file);
      r.String(st["audience"], "api.staff_tokens.audience", &c.api.staff_tokens.audience);
    }
    r.String(a["ui_dir"], "api.ui_dir", &c.api.ui_dir);
    if (const YAML::Node o = a["oidc"]) {
      r.Keys(o, "api.oidc", {"issuer", "client_id", "scope"});
      r.String(o["issuer"], "api.oidc.issuer", &c.api.oidc.issuer);
      if (!c.api.oidc.issuer.empty() && c.api.oidc.issuer.rfind("https://", 0) != 0 &&
          c.api.oidc.issuer.rfind("http://127.0.0.1", 0) != 0 &&
          c.api.oidc.issuer.rfind("http://localhost", 0) != 0) {
        r.Error(o["issuer"], "api.oidc.issuer", "must be an https:// URL (http only on loopback)");
      }
      r.String(o["client_id"], "api.oidc.client_id", &c.api.oidc.client_id);
      r.String(o["scope"], "api.oidc.scope", &c.api.oidc.scope);
    }
  }
  if (!c.kafka.membership_topic.empty()) {
    // The members ask each other with the peer token, and sign their records with its key.
    const YAML::Node at = root["kafka"]["topics"]["membership"];
    if (c.api.advertise_url.empty()) {
      r.Error(at, "kafka.topics.membership",
              "needs api.advertise_url (the address the other instances ask)");
    }
    if (c.api.peer_key_file.empty()) {
      r.Error(at, "kafka.topics.membership", "needs api.peer_key_file (the shards' shared key)");
    }
  }
  r.String(root["log_level"], "log_level", &c.log_level);
  if (root["log_level"] && c.log_level != "debug" && c.log_level != "info" &&
      c.log_level != "warn" && c.log_level != "error") {
    r.Error(root["log_level"], "log_level", "must be debug, info, warn or error");
  }
  r.String(root["pseudonym_key_file"], "pseudonym_key_file", &c.pseudonym_key_file);
  r.String(root["policy_dir"], "policy_dir", &c.policy_dir);
  r.Int(root["reference_timeout_ms"], "reference_timeout_ms", 0, 3600000, &c.reference_timeout_ms);
  r.Int(root["shutdown_timeout_ms"], "shutdown_timeout_ms", 100, 3600000, &c.shutdown_timeout_ms);
  r.Int(root["summary_interval_ms"], "summary_interval_ms", 0, 3600000, &c.summary_interval_ms);
  if (!r.errors().empty()) {
    std::string msg = std::to_string(r.errors().size()) + " error(s) in the configuration:";
    for (const auto& e : r.errors()) msg += "\n  " + e;
    return Status::InvalidArgument(msg);
  }
  // A relative path in the file is relative to the file's directory, so the repository's
  // config/inzaged.yaml finds config/policy from any working directory, and the installed
  // /etc/inzage/inzaged.yaml finds /etc/inzage/policy. (Environment overrides are taken as
  // given: relative to the working directory.)
  const std::filesystem::path base = std::filesystem::absolute(path).parent_path();
  for (std::string* p : {&c.policy_dir, &c.store.path, &c.pseudonym_key_file, &c.api.token_key_file,
                         &c.api.staff_tokens.key_file, &c.api.ui_dir, &c.api.tls_certificate_file,
                         &c.api.tls_key_file, &c.api.peer_key_file, &c.api.peer_ca_file}) {
    if (!p->empty() && std::filesystem::path(*p).is_relative()) {
      *p = (base / *p).lexically_normal().string();
    }
  }
  // ${CREDENTIALS_DIRECTORY} is expanded when the file is read (systemd sets it per start).
  for (auto& [property, file] : c.kafka.secret_files) {
    if (file.rfind(kafka::Options::kCredentialsDirectory, 0) != 0 &&
        std::filesystem::path(file).is_relative()) {
      file = (base / file).lexically_normal().string();
    }
  }
  // NOLINTNEXTLINE(concurrency-mt-unsafe): read at start-up, before any thread exists
  if (const char* v = std::getenv("INZAGE_PSEUDONYM_KEY_FILE"); v != nullptr && *v != '\0') {
    c.pseudonym_key_file = v;
  }
  // NOLINTNEXTLINE(concurrency-mt-unsafe): read at start-up, before any thread exists
  if (const char* v = std::getenv("INZAGE_STORE_PATH"); v != nullptr && *v != '\0') {
    c.store.path = v;
  }
  // NOLINTNEXTLINE(concurrency-mt-unsafe): read at start-up, before any thread exists
  if (const char* v = std::getenv("INZAGE_TOKEN_KEY_FILE"); v != nullptr && *v != '\0') {
    c.api.token_key_file = v;
  }
  // The systemd unit names the instance after its host (%H); a name in the file wins.
  // NOLINTNEXTLINE(concurrency-mt-unsafe): read at start-up, before any thread exists
  if (const char* v = std::getenv("INZAGE_KAFKA_INSTANCE_NAME");
      v != nullptr && *v != '\0' && c.kafka.instance_name.empty()) {
    if (!ValidInstanceName(v)) {
      return Status::InvalidArgument(
          "INZAGE_KAFKA_INSTANCE_NAME: must be 1-100 characters of letters, digits, '.', '_' and "
          "'-'; set kafka.instance_name in " +
          path + " instead");
    }
    c.kafka.instance_name = v;
  }
  if (!c.kafka.membership_topic.empty() && c.kafka.instance_name.empty()) {
    return Status::InvalidArgument(
        "kafka.topics.membership needs kafka.instance_name (or INZAGE_KAFKA_INSTANCE_NAME): a "
        "member is published under its name");
  }
  return c;
}

}  // namespace inzage::app

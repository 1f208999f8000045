// config/inzaged.yaml: the shipped file loads, validates against schemas/config.schema.json, and
// errors name file, line and key.
#include "app/daemon_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validator.hpp>
#include <vector>

#include "common/yaml_json.h"
#include "support/status_matchers.h"
#include "support/temp_dir.h"

namespace inzage::app {
namespace {

using ::testing::HasSubstr;
const std::string kShipped = std::string(INZAGE_SOURCE_DIR) + "/config/inzaged.yaml";

// One scratch directory for the test binary, removed at exit.
const inzage::testing::TempDir& Scratch() {
  static const inzage::testing::TempDir dir;
  return dir;
}

std::string WriteTemp(const std::string& text) {
  const std::string path = Scratch().sub("inzaged-test.yaml");
  std::ofstream(path) << text;
  return path;
}

TEST(DaemonConfigTest, ShippedConfigLoads) {
  auto c = LoadDaemonConfig(kShipped);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->kafka.events_topic, "inzage.access-events");
  EXPECT_EQ(c->kafka.dead_letter_topic, "inzage.access-events.dlq");
  EXPECT_EQ(c->pipeline.batch_max_events, 20000);
  EXPECT_EQ(c->pipeline.max_open_incidents, 100000);
  EXPECT_FALSE(c->store.sync);
  EXPECT_EQ(c->policy_dir, std::string(INZAGE_SOURCE_DIR) + "/config/policy")
      << "a relative policy_dir is relative to the file, so it works from the clone";
}

TEST(DaemonConfigTest, RelativePathsAreRelativeToTheFileAbsoluteOnesStay) {
  const std::string path = WriteTemp(
      "policy_dir: ../policy\npseudonym_key_file: /run/k/pseudonym.key\n"
      "api:\n  ui_dir: ui\n  token_key_file: keys/token.key\n");
  auto c = LoadDaemonConfig(path);
  ASSERT_TRUE(c.ok()) << c.status().message();
  const std::filesystem::path dir = std::filesystem::path(path).parent_path();
  EXPECT_EQ(c->policy_dir, (dir / "../policy").lexically_normal().string());
  EXPECT_EQ(c->api.ui_dir, (dir / "ui").lexically_normal().string());
  EXPECT_EQ(c->pseudonym_key_file, "/run/k/pseudonym.key");
  if (std::getenv("INZAGE_TOKEN_KEY_FILE") == nullptr) {
    EXPECT_EQ(c->api.token_key_file, (dir / "keys/token.key").lexically_normal().string());
  }
}

TEST(DaemonConfigTest, ShippedConfigValidatesAgainstTheSchema) {
  std::ifstream schema_in(std::string(INZAGE_SOURCE_DIR) + "/schemas/config.schema.json");
  const auto schema_doc = nlohmann::json::parse(schema_in);
  valijson::Schema schema;
  valijson::SchemaParser parser;
  valijson::adapters::NlohmannJsonAdapter schema_adapter(schema_doc);
  parser.populateSchema(schema_adapter, schema);
  auto doc = nlohmann::json::parse(YamlToJson(YAML::LoadFile(kShipped)));
  valijson::Validator validator;
  valijson::adapters::NlohmannJsonAdapter adapter(doc);
  EXPECT_TRUE(validator.validate(schema, adapter, nullptr));
  doc["pipeline"]["colour"] = "red";
  valijson::adapters::NlohmannJsonAdapter bad(doc);
  EXPECT_FALSE(validator.validate(schema, bad, nullptr));
}

TEST(DaemonConfigTest, ErrorsNameFileLineAndKey) {
  const std::string path =
      WriteTemp("kafka:\n  brokers: x\n  colour: red\npipeline:\n  batch_max_events: 0\n");
  auto c = LoadDaemonConfig(path);
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.status().message(), HasSubstr("2 error(s)"));
  EXPECT_THAT(c.status().message(), HasSubstr(path + ":3: kafka.colour: unknown key"));
  EXPECT_THAT(c.status().message(),
              HasSubstr(path + ":5: pipeline.batch_max_events: must be a whole number"));
  EXPECT_FALSE(LoadDaemonConfig("/nonexistent/inzaged.yaml").ok());
}

TEST(DaemonConfigTest, KafkaSecretsComeFromFilesNeverInline) {
  auto inline_secret = LoadDaemonConfig(
      WriteTemp("kafka:\n  properties:\n    sasl.username: u\n    sasl.password: hunter2\n"
                "    ssl.key.pem: x\n"));
  ASSERT_FALSE(inline_secret.ok());
  EXPECT_THAT(inline_secret.status().message(), HasSubstr("2 error(s)"));
  EXPECT_THAT(inline_secret.status().message(),
              HasSubstr("kafka.properties.sasl.password: is a secret"));
  EXPECT_THAT(inline_secret.status().message(), ::testing::Not(HasSubstr("hunter2")));

  const std::string path = WriteTemp(
      "kafka:\n  properties:\n    sasl.username: u\n  secret_files:\n"
      "    sasl.password: credentials/kafka.password\n"
      "    ssl.key.pem: ${CREDENTIALS_DIRECTORY}/kafka.key\n");
  auto c = LoadDaemonConfig(path);
  ASSERT_TRUE(c.ok()) << c.status().message();
  const std::string dir = std::filesystem::path(path).parent_path().string();
  EXPECT_EQ(c->kafka.secret_files.at("sasl.password"), dir + "/credentials/kafka.password");
  EXPECT_EQ(c->kafka.secret_files.at("ssl.key.pem"), "${CREDENTIALS_DIRECTORY}/kafka.key");
  EXPECT_EQ(c->kafka.properties.count("sasl.password"), 0U);  // read at start-up, not here

  auto both = LoadDaemonConfig(WriteTemp(
      "kafka:\n  properties:\n    sasl.username: u\n  secret_files:\n    sasl.username: f\n"));
  ASSERT_FALSE(both.ok());
  EXPECT_THAT(both.status().message(), HasSubstr("is also set under kafka.*properties"));
}

TEST(DaemonConfigTest, KafkaSettingsPerClientAndTheInstanceName) {
  auto c =
      LoadDaemonConfig(WriteTemp("kafka:\n  group_id: g\n  instance_name: inzage-01.gemeente_a\n"
                                 "  properties: {security.protocol: SASL_SSL}\n"
                                 "  consumer_properties: {session.timeout.ms: \"30000\"}\n"
                                 "  producer_properties: {linger.ms: \"20\"}\n"
                                 "  reference_properties: {fetch.wait.max.ms: \"100\"}\n"));
  ASSERT_OK(c);
  EXPECT_EQ(c->kafka.properties.at("security.protocol"), "SASL_SSL");
  EXPECT_EQ(c->kafka.consumer_properties.at("session.timeout.ms"), "30000");
  EXPECT_EQ(c->kafka.producer_properties.at("linger.ms"), "20");
  EXPECT_EQ(c->kafka.reference_properties.at("fetch.wait.max.ms"), "100");
  EXPECT_EQ(c->kafka.GroupInstanceId(), "g/inzage-01.gemeente_a");
  auto shipped = LoadDaemonConfig(kShipped);
  ASSERT_OK(shipped);
  EXPECT_EQ(shipped->kafka.GroupInstanceId(), "") << "dynamic membership unless a name is given";

  auto bad =
      LoadDaemonConfig(WriteTemp("kafka:\n  instance_name: \"a b\"\n  consumer_properties: [x]\n"
                                 "  producer_properties: {sasl.password: hunter2}\n"));
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("3 error(s)"));
  EXPECT_THAT(bad.status().message(), HasSubstr("kafka.instance_name: must be 1-100 characters"));
  EXPECT_THAT(bad.status().message(),
              HasSubstr("kafka.consumer_properties: must be a mapping of librdkafka properties"));
  EXPECT_THAT(bad.status().message(),
              HasSubstr("kafka.producer_properties.sasl.password: is a secret"));
  EXPECT_THAT(bad.status().message(), ::testing::Not(HasSubstr("hunter2")));
}

TEST(DaemonConfigTest, TheStateTopicAndAStandbyThatNeedsIt) {
  auto c =
      LoadDaemonConfig(WriteTemp("kafka:\n  standby: true\n  topics: {state: inzage.state}\n"));
  ASSERT_OK(c);
  EXPECT_EQ(c->kafka.state_topic, "inzage.state");
  EXPECT_TRUE(c->kafka.standby);
  EXPECT_TRUE(LoadDaemonConfig(WriteTemp("kafka:\n  group_id: g\n"))->kafka.state_topic.empty());
  auto bad = LoadDaemonConfig(WriteTemp("kafka:\n  standby: true\n"));
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("kafka.standby: needs kafka.topics.state"));
}

// A member is published under its instance name, at its advertised address, signed with the
// peer key: the membership topic needs all three.
TEST(DaemonConfigTest, TheMembershipTopicNeedsAnAddressAPeerKeyAndAName) {
  auto c = LoadDaemonConfig(
      WriteTemp("kafka:\n  instance_name: node-1\n  topics: {membership: inzage.members}\n"
                "api:\n  advertise_url: http://10.0.0.1:8080/\n  peer_key_file: peer.key\n"));
  ASSERT_OK(c);
  EXPECT_EQ(c->kafka.membership_topic, "inzage.members");
  EXPECT_EQ(c->api.advertise_url, "http://10.0.0.1:8080");
  auto bad = LoadDaemonConfig(WriteTemp(
      "kafka:\n  instance_name: node-1\n  topics: {membership: m}\napi:\n  advertise_url: x\n"));
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("api.advertise_url: must be a URL"));
  EXPECT_THAT(bad.status().message(),
              HasSubstr("kafka.topics.membership: needs api.peer_key_file"));
  auto no_url = LoadDaemonConfig(WriteTemp("kafka:\n  topics: {membership: m}\n"));
  ASSERT_FALSE(no_url.ok());
  EXPECT_THAT(no_url.status().message(),
              HasSubstr("kafka.topics.membership: needs api.advertise_url"));
  auto no_name = LoadDaemonConfig(
      WriteTemp("kafka:\n  topics: {membership: m}\n"
                "api:\n  advertise_url: http://10.0.0.1:8080\n  peer_key_file: peer.key\n"));
  ASSERT_FALSE(no_name.ok());
  EXPECT_THAT(no_name.status().message(),
              HasSubstr("kafka.topics.membership needs kafka.instance_name"));
}

// The schema and the loader refuse the same inline secrets: every name in the schema's list is
// refused by the loader, and the loader refuses no other name the schema lets through.
TEST(DaemonConfigTest, SchemaAndLoaderNameTheSameSecretProperties) {
  std::ifstream schema_in(std::string(INZAGE_SOURCE_DIR) + "/schemas/config.schema.json");
  const auto schema_doc = nlohmann::json::parse(schema_in);
  std::vector<std::string> names;
  for (const auto& alt : schema_doc["definitions"]["kafkaProperties"]["not"]["anyOf"]) {
    names.push_back(alt["required"][0].get<std::string>());
  }
  ASSERT_GE(names.size(), 5U);
  for (const std::string& name : names) {
    auto c = LoadDaemonConfig(WriteTemp("kafka:\n  properties:\n    " + name + ": x\n"));
    ASSERT_FALSE(c.ok()) << name << " is a secret in the schema but the loader takes it inline";
    EXPECT_THAT(c.status().message(), HasSubstr("kafka.properties." + name + ": is a secret"));
  }
  // A secret the loader knows that the schema does not would pass the schema: look for one
  // among the secret-looking properties of librdkafka's CONFIGURATION.md.
  for (const std::string name : {"sasl.password", "ssl.key.password", "ssl.key.pem",
                                 "ssl.keystore.password", "sasl.oauthbearer.client.secret",
                                 "ssl_key", "sasl.oauthbearer.config", "ssl.certificate.pem"}) {
    auto c = LoadDaemonConfig(WriteTemp("kafka:\n  properties:\n    " + name + ": x\n"));
    const bool loader_refuses = !c.ok();
    const bool schema_refuses = std::find(names.begin(), names.end(), name) != names.end();
    EXPECT_EQ(loader_refuses, schema_refuses) << name;
  }
}

TEST(DaemonConfigTest, CitizenReportSeverityAndLimit) {
  auto shipped = LoadDaemonConfig(kShipped);
  ASSERT_OK(shipped);
  EXPECT_EQ(shipped->api.citizen_report_severity, Severity::kMedium);
  EXPECT_EQ(shipped->api.citizen_reports_per_day, 10);
  auto high = LoadDaemonConfig(
      WriteTemp("api:\n  citizen_report_severity: high\n  citizen_reports_per_day: 3\n"));
  ASSERT_TRUE(high.ok()) << high.status().message();
  EXPECT_EQ(high->api.citizen_report_severity, Severity::kHigh);
  EXPECT_EQ(high->api.citizen_reports_per_day, 3);
  auto bad = LoadDaemonConfig(WriteTemp("api:\n  citizen_report_severity: urgent\n"));
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(),
              HasSubstr("api.citizen_report_severity: must be low, medium, high or critical"));
}

TEST(DaemonConfigTest, EnvironmentOverridesSecretPaths) {
  ::setenv("INZAGE_PSEUDONYM_KEY_FILE", "/run/credentials/x/key", 1);
  auto c = LoadDaemonConfig(kShipped);
  ::unsetenv("INZAGE_PSEUDONYM_KEY_FILE");
  ASSERT_OK(c);
  EXPECT_EQ(c->pseudonym_key_file, "/run/credentials/x/key");
}

// The systemd unit sets INZAGE_KAFKA_INSTANCE_NAME=%H; a name in the file wins over it.
TEST(DaemonConfigTest, TheInstanceNameFromTheEnvironmentUnlessTheFileHasOne) {
  ::setenv("INZAGE_KAFKA_INSTANCE_NAME", "host-7.gemeente", 1);
  auto from_env = LoadDaemonConfig(kShipped);
  auto from_file = LoadDaemonConfig(WriteTemp("kafka:\n  instance_name: named\n"));
  ::setenv("INZAGE_KAFKA_INSTANCE_NAME", "not valid", 1);
  auto invalid = LoadDaemonConfig(kShipped);
  ::unsetenv("INZAGE_KAFKA_INSTANCE_NAME");
  ASSERT_OK(from_env);
  EXPECT_EQ(from_env->kafka.instance_name, "host-7.gemeente");
  ASSERT_OK(from_file);
  EXPECT_EQ(from_file->kafka.instance_name, "named");
  ASSERT_FALSE(invalid.ok());
  EXPECT_THAT(invalid.status().message(), HasSubstr("INZAGE_KAFKA_INSTANCE_NAME"));
}

}  // namespace
}  // namespace inzage::app

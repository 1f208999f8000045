#include "policy/policy_loader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validator.hpp>

#include "common/yaml_json.h"
#include "support/policy_copy.h"
#include "support/status_matchers.h"

namespace inzage {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

const std::string& kPolicyDir = testing::kShippedPolicyDir;

using testing::PolicyCopy;

// Why the policy in `copy` does not load (the test fails if it does).
std::string LoadError(const PolicyCopy& copy) {
  auto r = LoadPolicy(copy.dir());
  EXPECT_FALSE(r.ok());
  return r.ok() ? std::string() : r.status().message();
}

TEST(PolicyLoaderTest, ShippedPolicyLoadsWithEveryTable) {
  auto r = LoadPolicy(kPolicyDir);
  ASSERT_TRUE(r.ok()) << r.status().message();
  const Policy& p = **r;
  EXPECT_EQ(p.municipalities().size(), 2u);
  EXPECT_EQ(p.domains().size(), 7u);
  EXPECT_EQ(p.roles().size(), 13u);
  EXPECT_EQ(p.activities().size(), 16u);
  EXPECT_EQ(p.revision().size(), 16u);
  EXPECT_EQ(p.thresholds().case_grace_period.fixed_micros, 30 * kMicrosPerDay);
  EXPECT_EQ(p.thresholds().browsing_subjects, 10);
  EXPECT_EQ(p.thresholds().volume_floor, 40);
  EXPECT_EQ(p.thresholds().allowed_lateness, 5 * 60 * kMicrosPerSecond);
  const Activity* fraude = p.FindActivity("fraude-onderzoek");
  ASSERT_NE(fraude, nullptr);
  EXPECT_TRUE(fraude->confidential);
  EXPECT_EQ(fraude->retention.years, 7);
  EXPECT_EQ(fraude->legal_basis, LegalBasis::kLegalObligation);
  EXPECT_EQ(p.FindActivity("onderzoek-met-toestemming")->legal_basis, LegalBasis::kConsent);
}

TEST(PolicyLoaderTest, CompilesRolesIntoCellMasks) {
  auto r = LoadPolicy(kPolicyDir);
  ASSERT_OK(r);
  const Policy& p = **r;
  const Mask64 wmo_consulent = Mask64{1} << p.RoleIndex("wmo-consulent");
  const Mask64 regisseur = Mask64{1} << p.RoleIndex("regisseur");
  const Mask64 manager = Mask64{1} << p.RoleIndex("manager-sociaal-domein");
  const int wmo = p.DomainIndex("wmo"), jeugd = p.DomainIndex("jeugd");
  EXPECT_TRUE(p.Cell(wmo, InfoLevel::kWat, Action::kView).unconditional & wmo_consulent);
  EXPECT_FALSE(p.Cell(wmo, InfoLevel::kWat, Action::kDelete).any() & wmo_consulent);
  EXPECT_TRUE(p.Cell(jeugd, InfoLevel::kDat, Action::kView).own_case & wmo_consulent);
  EXPECT_FALSE(p.Cell(jeugd, InfoLevel::kWat, Action::kView).any() & wmo_consulent);
  EXPECT_TRUE(p.Cell(jeugd, InfoLevel::kWat, Action::kView).directed_case & regisseur);
  EXPECT_TRUE(p.Cell(wmo, InfoLevel::kCumulative, Action::kExport).unconditional & manager);
  EXPECT_FALSE(p.Cell(wmo, InfoLevel::kDat, Action::kView).any() & manager);
  EXPECT_EQ(p.Cell(-1, InfoLevel::kWat, Action::kView).any(), 0u);
  EXPECT_TRUE(p.needs_relationship_roles() & wmo_consulent);
  EXPECT_FALSE(p.needs_relationship_roles() & regisseur);
  const Role& role = p.roles()[static_cast<size_t>(p.RoleIndex("wmo-consulent"))];
  EXPECT_TRUE(role.brp_fields & (Mask64{1} << p.BrpFieldIndex("partner")));
  EXPECT_FALSE(role.brp_fields & (Mask64{1} << p.BrpFieldIndex("nationaliteit")));
  EXPECT_TRUE(role.home_domains & (Mask64{1} << wmo));
  EXPECT_FALSE(role.home_domains & (Mask64{1} << jeugd));
}

TEST(PolicyLoaderTest, RevisionIsAContentHash) {
  PolicyCopy a, b;
  auto ra = LoadPolicy(a.dir());
  auto rb = LoadPolicy(b.dir());
  ASSERT_OK(ra);
  ASSERT_OK(rb);
  EXPECT_EQ((*ra)->revision(), (*rb)->revision());
  b.Replace("policy.yaml", "rules: {}", "rules: {behavior.off_hours: {enabled: false}}");
  auto changed = LoadPolicy(b.dir());
  ASSERT_TRUE(changed.ok()) << changed.status().message();
  EXPECT_NE((*changed)->revision(), (*ra)->revision());
  EXPECT_FALSE((*changed)->rule(RuleId::kBehaviorOffHours).enabled);
}

TEST(PolicyLoaderTest, UnknownDomainInARoleNamesFileLineAndPath) {
  PolicyCopy p;
  p.Replace("roles.yaml", "domains: [wmo], info: [wat, dat, cumulative]",
            "domains: [wmoo], info: [wat, dat, cumulative]");
  const std::string err = LoadError(p);
  EXPECT_THAT(err, HasSubstr("roles.yaml:"));
  EXPECT_THAT(err, HasSubstr("roles[0].permissions[0].domains[0]: unknown domain \"wmoo\""));
}

TEST(PolicyLoaderTest, ReportsEveryErrorNotJustTheFirst) {
  PolicyCopy p;
  p.Replace("register.yaml", "roles: [wmo-consulent, regisseur]",
            "roles: [wmo-konsulent, regisseur]");
  p.Replace("policy.yaml", "rules: {}", "rules: {auth.no_such_rule: {severity: low}}");
  p.Replace("policy.yaml", "case_grace_period: P30D", "case_grace_period: 30 days");
  const std::string err = LoadError(p);
  EXPECT_THAT(err, HasSubstr("3 error(s)"));
  EXPECT_THAT(err, HasSubstr("unknown role \"wmo-konsulent\""));
  EXPECT_THAT(err, HasSubstr("rules.auth.no_such_rule: unknown rule id"));
  EXPECT_THAT(err, HasSubstr("thresholds.case_grace_period: \"30 days\" is not an ISO 8601"));
}

TEST(PolicyLoaderTest, UnknownKeysAreErrors) {
  PolicyCopy p;
  p.Replace("roles.yaml", "needs_relationship: true", "needs_relationship: true\n    colour: red");
  EXPECT_THAT(LoadError(p), HasSubstr("roles[0].colour: unknown key"));
}

TEST(PolicyLoaderTest, InputInvalidCannotBeSwitchedOff) {
  PolicyCopy p;
  p.Replace("policy.yaml", "rules: {}", "rules: {input.invalid: {enabled: false}}");
  EXPECT_THAT(LoadError(p),
              HasSubstr("rules.input.invalid.enabled: this rule cannot be switched off"));
}

// A citizen's report always reaches the CISO, at the severity the daemon's configuration gives.
TEST(PolicyLoaderTest, CitizenReportedIsNeitherSwitchableNorSetByThePolicy) {
  PolicyCopy off;
  off.Replace("policy.yaml", "rules: {}", "rules: {citizen.reported: {enabled: false}}");
  EXPECT_THAT(LoadError(off),
              HasSubstr("rules.citizen.reported.enabled: this rule cannot be switched off"));
  PolicyCopy severity;
  severity.Replace("policy.yaml", "rules: {}", "rules: {citizen.reported: {severity: low}}");
  EXPECT_THAT(LoadError(severity), HasSubstr("api.citizen_report_severity"));
}

TEST(PolicyLoaderTest, SeverityOverride) {
  PolicyCopy p;
  p.Replace("policy.yaml", "rules: {}", "rules: {ntk.no_relationship: {severity: high}}");
  auto r = LoadPolicy(p.dir());
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ((*r)->rule(RuleId::kNtkNoRelationship).severity, Severity::kHigh);
  EXPECT_EQ((*r)->rule(RuleId::kNtkCaseClosed).severity, Severity::kMedium);
}

// Every rule that can raise an alert ships with guidance for the CISO; a municipality may
// rewrite it, but not for rules that do not exist, nor at any length.
TEST(PolicyLoaderTest, GuidanceForEveryAlertingRuleAndItsErrors) {
  PolicyCopy shipped;
  auto r = LoadPolicy(shipped.dir());
  ASSERT_TRUE(r.ok()) << r.status().message();
  for (size_t i = 0; i < kRuleCount; ++i) {
    const auto id = static_cast<RuleId>(i);
    if (id == RuleId::kInputInvalid) continue;  // no alert: the dead-letter topic has it
    EXPECT_FALSE((*r)->guidance(id).empty()) << InfoOf(id).id << " has no guidance";
  }
  EXPECT_NE((*r)->guidance(RuleId::kBehaviorVipAccess).find("concernjuristen"), std::string::npos);
  PolicyCopy unknown;
  unknown.Replace("guidance.yaml", "guidance:\n", "guidance:\n  no.such_rule: text\n");
  EXPECT_THAT(LoadError(unknown), HasSubstr("guidance.no.such_rule: unknown rule id"));
  PolicyCopy long_text;
  long_text.Replace("guidance.yaml", "guidance:\n",
                    "guidance:\n  behavior.off_hours: " + std::string(2100, 'x') + "\n");
  EXPECT_THAT(LoadError(long_text), HasSubstr("longer than 2000 bytes"));
}

TEST(PolicyLoaderTest, SectionInTwoFilesAndYamlSyntaxErrors) {
  PolicyCopy p;
  p.Write("extra.yaml", "domains:\n  - {id: extra, name: x, social: false}\n");
  EXPECT_THAT(LoadError(p), HasSubstr("domains: already defined in"));
  PolicyCopy q;
  q.Write("domains.yaml", "domains: [\n");
  EXPECT_THAT(LoadError(q), HasSubstr("domains.yaml:"));
}

TEST(PolicyLoaderTest, MissingDirectory) {
  auto r = LoadPolicy("/nonexistent/policy");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("does not exist"));
}

// Falco's habit: the shipped configuration must validate against the published schema.
TEST(PolicySchemaTest, ShippedPolicyValidatesAgainstTheSchema) {
  std::ifstream schema_in(std::string(INZAGE_SOURCE_DIR) + "/schemas/policy.schema.json");
  const auto schema_doc = nlohmann::json::parse(schema_in);
  valijson::Schema schema;
  valijson::SchemaParser parser;
  valijson::adapters::NlohmannJsonAdapter schema_adapter(schema_doc);
  parser.populateSchema(schema_adapter, schema);

  nlohmann::json merged = nlohmann::json::object();
  for (const auto& e : fs::directory_iterator(kPolicyDir)) {
    if (e.path().extension() != ".yaml") continue;
    const auto doc = nlohmann::json::parse(YamlToJson(YAML::LoadFile(e.path().string())));
    for (auto it = doc.begin(); it != doc.end(); ++it) merged[it.key()] = it.value();
  }
  valijson::Validator validator;
  valijson::ValidationResults results;
  valijson::adapters::NlohmannJsonAdapter adapter(merged);
  const bool ok = validator.validate(schema, adapter, &results);
  std::string why;
  valijson::ValidationResults::Error error;
  while (results.popError(error)) {
    for (const auto& c : error.context) why += c;
    why += ": " + error.description + "\n";
  }
  EXPECT_TRUE(ok) << why;

  merged["roles"][0]["colour"] = "red";
  valijson::adapters::NlohmannJsonAdapter bad(merged);
  EXPECT_FALSE(validator.validate(schema, bad, nullptr));
}

}  // namespace
}  // namespace inzage

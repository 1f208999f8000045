#include "policy/policy_tests.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "common/yaml_json.h"
#include "event/event_parser.h"
#include "policy/decider.h"
#include "policy/reference_data.h"

namespace inzage {
namespace {

std::string Join(const std::set<std::string>& s) {
  std::string out = "[";
  for (const auto& x : s) {
    if (out.size() > 1) out += ", ";
    out += x;
  }
  return out + "]";
}

Status ApplyRecords(const YAML::Node& list, const std::string& where, ReferenceData* ref) {
  if (!list) return Status::Ok();
  if (!list.IsSequence()) return Status::InvalidArgument(where + ": reference must be a list");
  for (const auto& record : list) {
    Status st = ref->Apply(YamlToJson(record));
    if (!st.ok()) {
      return Status::InvalidArgument(where + ":" + std::to_string(record.Mark().line + 1) + ": " +
                                     st.message());
    }
  }
  return Status::Ok();
}

}  // namespace

Result<PolicyTestReport> RunPolicyTests(const Policy& policy, const std::string& tests_dir) {
  namespace fs = std::filesystem;
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(tests_dir, ec)) {
    if (entry.is_regular_file() && entry.path().extension() == ".yaml") {
      files.push_back(entry.path());
    }
  }
  if (ec) return Status::IoError("cannot read policy tests in " + tests_dir + ": " + ec.message());
  std::sort(files.begin(), files.end());
  if (files.empty()) return Status::InvalidArgument("no policy tests (*.yaml) in " + tests_dir);

  // Test pseudonyms never leave this function; any fixed key will do.
  static const Pseudonymizer kTestKey("inzage-policy-tests-fixed-key-not-secret");
  EventParser parser(&kTestKey);
  PolicyTestReport report;
  for (const auto& path : files) {
    const std::string file = path.filename().string();
    YAML::Node doc;
    try {
      doc = YAML::LoadFile(path.string());
    } catch (const YAML::Exception& e) {
      return Status::InvalidArgument(path.string() + ":" + std::to_string(e.mark.line + 1) + ": " +
                                     e.msg);
    }
    const YAML::Node cases = doc["cases"];
    if (!cases || !cases.IsSequence()) {
      return Status::InvalidArgument(path.string() + ": needs a list under \"cases\"");
    }
    const YAML::Node defaults = doc["defaults"] ? doc["defaults"]["event"] : YAML::Node();
    for (const auto& c : cases) {
      const std::string name = c["name"] ? c["name"].Scalar() : "(unnamed)";
      const std::string where = path.string() + ":" + std::to_string(c.Mark().line + 1);
      ReferenceData ref(&kTestKey);
      if (Status st = ApplyRecords(doc["reference"], path.string(), &ref); !st.ok()) return st;
      if (Status st = ApplyRecords(c["reference"], where, &ref); !st.ok()) return st;
      ref.Resolve(policy);
      const std::string event_json = YamlToJson(YamlMerge(defaults, c["event"]));
      const YAML::Node expect = c["expect"];
      if (!expect || !expect["verdict"]) {
        return Status::InvalidArgument(
            fmt::format("{}: case \"{}\" needs expect.verdict", where, name));
      }
      std::set<std::string> expected_rules;
      if (expect["rules"]) {
        for (const auto& r : expect["rules"]) {
          if (!RuleIdFromName(r.Scalar())) {
            return Status::InvalidArgument(where + ": unknown rule id \"" + r.Scalar() + "\"");
          }
          expected_rules.insert(r.Scalar());
        }
      }
      const std::string expected_verdict = expect["verdict"].Scalar();

      AccessEvent event;
      Decision decision;
      Status parsed = parser.Parse(event_json, &event);
      if (parsed.ok()) {
        Decider(&policy, &ref).Decide(event, &decision);
      } else {
        Decider::DecideInvalid(parser.last_event_id(), parsed.message(), &decision);
      }
      std::set<std::string> got_rules;
      for (size_t i = 0; i < decision.hit_count; ++i) {
        got_rules.insert(std::string(InfoOf(decision.hits[i].rule).id));
      }
      const std::string got_verdict(NameOf(kVerdictNames, decision.verdict));
      if (got_verdict == expected_verdict && got_rules == expected_rules) {
        ++report.passed;
        report.passes.push_back(fmt::format("{}: {}", file, name));
      } else {
        ++report.failed;
        const std::string detail =
            parsed.ok() ? "" : fmt::format(" (invalid: {})", parsed.message());
        report.failures.push_back(fmt::format("{}: {}: expected {} {}, got {} {}{}", where, name,
                                              expected_verdict, Join(expected_rules), got_verdict,
                                              Join(got_rules), detail));
      }
    }
  }
  return report;
}

}  // namespace inzage

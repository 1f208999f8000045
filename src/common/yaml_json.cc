#include "common/yaml_json.h"

#include <regex>

#include "common/json_writer.h"

namespace inzage {
namespace {

bool LooksLikeNumber(const std::string& s) {
  static const std::regex kNumber(R"(-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?)");
  return std::regex_match(s, kNumber);
}

void Emit(const YAML::Node& n, std::string& out) {
  switch (n.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      out += "null";
      return;
    case YAML::NodeType::Scalar: {
      const std::string& s = n.Scalar();
      if (n.Tag() != "!") {  // plain (unquoted) scalar
        if (s == "null" || s == "~" || s.empty()) {
          out += "null";
          return;
        }
        if (s == "true" || s == "false") {
          out += s;
          return;
        }
        if (LooksLikeNumber(s)) {
          out += s;
          return;
        }
      }
      AppendJsonString(out, s);
      return;
    }
    case YAML::NodeType::Sequence: {
      out.push_back('[');
      bool first = true;
      for (const auto& item : n) {
        if (!first) out.push_back(',');
        first = false;
        Emit(item, out);
      }
      out.push_back(']');
      return;
    }
    case YAML::NodeType::Map: {
      out.push_back('{');
      bool first = true;
      for (const auto& kv : n) {
        if (!first) out.push_back(',');
        first = false;
        AppendJsonString(out, kv.first.Scalar());
        out.push_back(':');
        Emit(kv.second, out);
      }
      out.push_back('}');
      return;
    }
  }
}

}  // namespace

std::string YamlToJson(const YAML::Node& node) {
  std::string out;
  Emit(node, out);
  return out;
}

YAML::Node YamlMerge(const YAML::Node& base, const YAML::Node& overlay) {
  if (!overlay.IsDefined()) return YAML::Clone(base);
  if (!base.IsDefined() || !base.IsMap() || !overlay.IsMap()) return YAML::Clone(overlay);
  YAML::Node merged = YAML::Clone(base);
  for (const auto& kv : overlay) {
    const std::string key = kv.first.Scalar();
    merged[key] = YamlMerge(base[key], kv.second);
  }
  return merged;
}

}  // namespace inzage

// Converts a YAML node to JSON text, so that YAML-authored records and events (policy tests)
// go through the same JSON parsers as the real inputs. Plain scalars that read as null, a
// boolean or a number become those; quoted scalars stay strings ("999993653" stays a string).
// Thread safety: pure function.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>

namespace inzage {

std::string YamlToJson(const YAML::Node& node);

// Deep merge for test defaults: maps merge key by key (overlay wins), anything else is replaced
// by the overlay. Returns a new node; inputs are not modified.
YAML::Node YamlMerge(const YAML::Node& base, const YAML::Node& overlay);

}  // namespace inzage

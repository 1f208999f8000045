// InputFormat: the formats inzage reads from its input topics and files (kafka.inputs,
// `inzage replay --format`): its own access event and the Dutch government's logging standards.
// docs/interop.md describes each, from the bytes on the topic to the decision.
// Thread safety: constants and pure functions.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace inzage {

enum class InputFormat : std::uint8_t {
  kInzage,     // one access event (JSON, docs/contracts.md §1) per message
  kOtlpJson,   // one OTLP/JSON ExportTraceServiceRequest per message (LDV spans)
  kOtlpProto,  // one OTLP protobuf ExportTraceServiceRequest per message (LDV spans)
  kVng,        // one VNG Verwerkingsactie (JSON) per message
};

inline constexpr std::array<std::string_view, 4> kInputFormatNames = {
    "inzage", "otlp-json", "otlp-proto", "vng-verwerkingsactie"};

inline std::optional<InputFormat> InputFormatFromName(std::string_view name) {
  for (size_t i = 0; i < kInputFormatNames.size(); ++i) {
    if (kInputFormatNames[i] == name) return static_cast<InputFormat>(i);
  }
  return std::nullopt;
}

inline std::string_view NameOf(InputFormat f) { return kInputFormatNames[static_cast<size_t>(f)]; }

}  // namespace inzage

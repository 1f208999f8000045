// MessageReader: the messages of an input file for `inzage replay` and `inzage ingest`, one per
// line for the JSON formats (inzage, otlp-json, vng-verwerkingsactie: NDJSON, as the
// Collector's file exporter writes OTLP/JSON), and for otlp-proto each message preceded by its
// length as 4 bytes big-endian (binary protobuf has no line ends).
// Ownership: reads from a stream the caller owns. Thread safety: one thread.
#pragma once

#include <cstdint>
#include <istream>
#include <string>

#include "interop/input_format.h"

namespace inzage::app {

class MessageReader {
 public:
  MessageReader(std::istream* in, InputFormat format)
      : in_(in), length_prefixed_(format == InputFormat::kOtlpProto) {}

  // The next message into *out; false at the end, or with error() set when the file is cut.
  bool Next(std::string* out) {
    if (!length_prefixed_) return static_cast<bool>(std::getline(*in_, *out));
    unsigned char len[4];
    if (!in_->read(reinterpret_cast<char*>(len), 4)) {
      if (in_->gcount() != 0) error_ = "the file ends inside a length prefix";
      return false;
    }
    const std::uint32_t n = std::uint32_t{len[0]} << 24 | std::uint32_t{len[1]} << 16 |
                            std::uint32_t{len[2]} << 8 | std::uint32_t{len[3]};
    if (n > (64u << 20)) {
      error_ = "a length prefix of " + std::to_string(n) + " bytes (over 64 MiB): not this format";
      return false;
    }
    out->resize(n);
    if (!in_->read(out->data(), n)) {
      error_ = "the file ends inside a message";
      return false;
    }
    return true;
  }
  [[nodiscard]] const std::string& error() const { return error_; }

 private:
  std::istream* in_;
  bool length_prefixed_;
  std::string error_;
};

}  // namespace inzage::app

// RecordReader: typed fields of one reference record (a JSON object), for the decoders in
// reference_decoders.cc. The first error is kept with the field's name, prefixed by the record
// type ("employee.working_hours: must be HH:MM-HH:MM"), and reading goes on; a decoder checks
// status() before it changes a table, so a bad record changes nothing.
//
// Ownership: views the parsed document, which must outlive the reader.
// Thread safety: a value; not shared.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/pseudonym.h"
#include "common/status.h"
#include "common/time.h"
#include "event/access_event.h"

namespace inzage {

class RecordReader {
 public:
  // context: what errors start with (the record type, or "case.assignees" for a nested one).
  RecordReader(simdjson::dom::object object, std::string context)
      : object_(object), context_(std::move(context)) {}

  // A string; "" when absent or null (an error when required).
  std::string Str(std::string_view key, bool required);
  // A list of strings; empty when absent or null.
  std::vector<std::string> StrList(std::string_view key);
  // false when absent or null.
  bool Bool(std::string_view key);
  // An RFC 3339 time with a zone.
  std::optional<TimeMicros> Time(std::string_view key, bool required);
  // A date YYYY-MM-DD as days since the epoch; if_null when absent, null or bad.
  std::int64_t Day(std::string_view key, std::int64_t if_null);
  // A BSN, checked and pseudonymised: no plain BSN leaves the reader.
  std::optional<Pseudonym> Bsn(std::string_view key, bool required, const Pseudonymizer& p);
  // A list of special category names as a set.
  CategorySet Categories(std::string_view key);
  // A field that is neither absent nor null, for decoders that read it themselves.
  [[nodiscard]] std::optional<simdjson::dom::element> Element(std::string_view key) const;

  // Keeps the first error: "<context>.<key>: <what>".
  void Fail(std::string_view key, const std::string& what);
  [[nodiscard]] Status status() const {
    return error_.empty() ? Status::Ok() : Status::InvalidArgument(error_);
  }

 private:
  simdjson::dom::object object_;
  std::string context_;
  std::string error_;
};

}  // namespace inzage

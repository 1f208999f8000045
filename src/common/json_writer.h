// JsonWriter: the one way inzage writes JSON (decisions, alerts, API answers, CLI output).
// Appends to a caller-owned string, puts the commas and the escapes in, and keeps the nesting
// right: a reader of a rendering sees its fields, not its punctuation. Strings are escaped as
// RFC 8259 asks (quote, backslash, control characters); bytes >= 0x80 pass through, so UTF-8
// stays UTF-8.
//
// Ownership: writes into the string given; the writer holds no other memory than its nesting
// stack (no allocation for nesting up to 16 levels).
// Thread safety: one writer per thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace inzage {

// Appends s as a JSON string literal (quotes, escapes) to out.
void AppendJsonString(std::string& out, std::string_view s);
// The same, or null for an empty string (optional fields).
void AppendJsonStringOrNull(std::string& out, std::string_view s);

class JsonWriter {
 public:
  explicit JsonWriter(std::string* out) : out_(out) {}

  JsonWriter& BeginObject() { return Open('{'); }
  JsonWriter& EndObject() { return Close('}'); }
  JsonWriter& BeginArray() { return Open('['); }
  JsonWriter& EndArray() { return Close(']'); }

  // The name of the next member of the current object.
  JsonWriter& Key(std::string_view name);

  JsonWriter& String(std::string_view v);
  // A string, or null when it is empty.
  JsonWriter& StringOrNull(std::string_view v);
  JsonWriter& Int(std::int64_t v);
  JsonWriter& Uint(std::uint64_t v);
  JsonWriter& Double(double v);
  JsonWriter& Bool(bool v);
  JsonWriter& Null();
  // Text that is already JSON (a value rendered elsewhere), inserted as one value.
  JsonWriter& Raw(std::string_view json);

  // Key and value in one call: w.Member("id", x) is w.Key("id").String(x).
  JsonWriter& Member(std::string_view name, std::string_view v) { return Key(name).String(v); }
  JsonWriter& Member(std::string_view name, const char* v) { return Key(name).String(v); }
  JsonWriter& Member(std::string_view name, std::int64_t v) { return Key(name).Int(v); }
  JsonWriter& Member(std::string_view name, int v) { return Key(name).Int(v); }
  JsonWriter& Member(std::string_view name, std::uint64_t v) { return Key(name).Uint(v); }
  JsonWriter& Member(std::string_view name, bool v) { return Key(name).Bool(v); }

 private:
  JsonWriter& Open(char bracket);
  JsonWriter& Close(char bracket);
  // Puts a comma before a value or key that is not the first of its object or array.
  void Separate();

  std::string* out_;
  // One bit per open level: whether something was written at that level yet.
  std::uint64_t has_items_ = 0;
  int depth_ = 0;
  bool after_key_ = false;
};

}  // namespace inzage

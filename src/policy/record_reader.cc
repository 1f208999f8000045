#include "policy/record_reader.h"

#include "event/bsn.h"

namespace inzage {

namespace dom = simdjson::dom;

std::optional<dom::element> RecordReader::Element(std::string_view key) const {
  dom::element e;
  if (object_[key].get(e) != simdjson::SUCCESS || e.is_null()) return std::nullopt;
  return e;
}

std::string RecordReader::Str(std::string_view key, bool required) {
  const auto e = Element(key);
  if (!e) {
    if (required) Fail(key, "is required");
    return {};
  }
  std::string_view s;
  if (e->get_string().get(s) != simdjson::SUCCESS) {
    Fail(key, "must be a string");
    return {};
  }
  return std::string(s);
}

std::vector<std::string> RecordReader::StrList(std::string_view key) {
  std::vector<std::string> out;
  const auto e = Element(key);
  if (!e) return out;
  dom::array arr;
  if (e->get_array().get(arr) != simdjson::SUCCESS) {
    Fail(key, "must be a list of strings");
    return out;
  }
  for (dom::element item : arr) {
    std::string_view s;
    if (item.get_string().get(s) != simdjson::SUCCESS) {
      Fail(key, "must be a list of strings");
      return out;
    }
    out.emplace_back(s);
  }
  return out;
}

bool RecordReader::Bool(std::string_view key) {
  const auto e = Element(key);
  if (!e) return false;
  bool b = false;
  if (e->get_bool().get(b) != simdjson::SUCCESS) Fail(key, "must be true or false");
  return b;
}

std::optional<TimeMicros> RecordReader::Time(std::string_view key, bool required) {
  std::string s = Str(key, required);
  if (s.empty()) return std::nullopt;
  auto t = ParseRfc3339(s);
  if (!t) Fail(key, "is not an RFC 3339 time with a zone");
  return t;
}

std::int64_t RecordReader::Day(std::string_view key, std::int64_t if_null) {
  std::string s = Str(key, false);
  if (s.empty()) return if_null;
  auto d = ParseDate(s);
  if (!d) {
    Fail(key, "is not a date YYYY-MM-DD");
    return if_null;
  }
  return *d;
}

std::optional<Pseudonym> RecordReader::Bsn(std::string_view key, bool required,
                                           const Pseudonymizer& p) {
  std::string s = Str(key, required);
  if (s.empty()) return std::nullopt;
  NormalisedBsn bsn;
  if (const char* why = CheckBsn(s, &bsn)) {
    Fail(key, why);
    return std::nullopt;
  }
  return p.Pseudonymise(std::string_view(bsn.data(), bsn.size()));
}

CategorySet RecordReader::Categories(std::string_view key) {
  CategorySet set = 0;
  for (const auto& name : StrList(key)) {
    auto c = EnumFromName<Category>(kCategoryNames, name);
    if (!c) {
      Fail(key, "\"" + name + "\" is not a special category");
    } else {
      set |= CategoryBit(*c);
    }
  }
  return set;
}

void RecordReader::Fail(std::string_view key, const std::string& what) {
  if (error_.empty()) error_ = context_ + "." + std::string(key) + ": " + what;
}

}  // namespace inzage

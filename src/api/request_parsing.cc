#include "api/request_parsing.h"

#include <algorithm>
#include <vector>

namespace inzage::api {
namespace {

ApiError Bad(std::string message) { return ApiError{ErrorCode::kBadRequest, std::move(message)}; }

}  // namespace

std::optional<ApiError> ParseLimit(std::optional<std::string_view> text, size_t default_limit,
                                   size_t* out) {
  *out = default_limit;
  if (!text) return std::nullopt;
  size_t n = 0;
  for (char c : *text) {
    if (c < '0' || c > '9' || n > kMaxPageSize) {
      return Bad("limit must be an integer from 1 to 1000");
    }
    n = n * 10 + static_cast<size_t>(c - '0');
  }
  if (text->empty() || n < 1 || n > kMaxPageSize) {
    return Bad("limit must be an integer from 1 to 1000");
  }
  *out = n;
  return std::nullopt;
}

std::optional<ApiError> ParsePage(std::optional<std::string_view> from_text,
                                  std::optional<std::string_view> to_text,
                                  std::optional<std::string_view> cursor,
                                  std::optional<std::string_view> limit, size_t default_limit,
                                  PageRequest* out) {
  if (!from_text || !to_text || from_text->empty() || to_text->empty()) {
    return Bad("from and to are required (RFC 3339 times)");
  }
  const auto from = ParseRfc3339(*from_text);
  const auto to = ParseRfc3339(*to_text);
  if (!from) return Bad("from is not an RFC 3339 time with a zone");
  if (!to) return Bad("to is not an RFC 3339 time with a zone");
  if (*from > *to) return Bad("from is after to");
  if (*to - *from > kMaxPeriod) return Bad("the period is longer than one year (366 days)");
  if (cursor) {
    if (cursor->empty()) return Bad("cursor is empty; leave it out for the first page");
    if (cursor->size() > kMaxCursorBytes) return Bad("cursor too long");
    out->cursor = std::string(*cursor);
  } else {
    out->cursor.clear();
  }
  out->from = *from;
  out->to = *to;
  return ParseLimit(limit, default_limit, &out->limit);
}

std::optional<ApiError> ParsePageQuery(const HttpRequest& request, size_t default_limit,
                                       PageRequest* out) {
  for (const char* name : {"from", "to", "cursor", "limit"}) {
    if (request.QueryCount(name) > 1) return Bad(std::string(name) + " is given more than once");
  }
  return ParsePage(request.Query("from"), request.Query("to"), request.Query("cursor"),
                   request.Query("limit"), default_limit, out);
}

std::optional<ApiError> JsonBody::Parse(std::string_view body,
                                        std::initializer_list<std::string_view> allowed,
                                        JsonBody* out) {
  simdjson::dom::element doc;
  if (out->parser_.parse(body).get(doc) != simdjson::SUCCESS ||
      doc.get_object().get(out->object_) != simdjson::SUCCESS) {
    return Bad("the body must be a JSON object");
  }
  std::vector<std::string_view> seen;
  for (auto field : out->object_) {
    if (std::find(allowed.begin(), allowed.end(), field.key) == allowed.end()) {
      return Bad("unknown field in body: " + std::string(field.key.substr(0, 64)));
    }
    if (std::find(seen.begin(), seen.end(), field.key) != seen.end()) {
      return Bad("field given twice in body: " + std::string(field.key));
    }
    seen.push_back(field.key);
  }
  return std::nullopt;
}

std::optional<std::string_view> JsonBody::String(const char* name, bool* bad) {
  simdjson::dom::element e;
  if (object_[name].get(e) != simdjson::SUCCESS) return std::nullopt;
  std::string_view s;
  if (e.get_string().get(s) != simdjson::SUCCESS) {
    *bad = true;
    return std::nullopt;
  }
  return s;
}

std::optional<std::int64_t> JsonBody::Int(const char* name, bool* bad) {
  simdjson::dom::element e;
  if (object_[name].get(e) != simdjson::SUCCESS) return std::nullopt;
  std::int64_t n = 0;
  if (e.get_int64().get(n) != simdjson::SUCCESS) {
    *bad = true;
    return std::nullopt;
  }
  return n;
}

std::optional<bool> JsonBody::Bool(const char* name, bool* bad) {
  simdjson::dom::element e;
  if (object_[name].get(e) != simdjson::SUCCESS) return std::nullopt;
  bool b = false;
  if (e.get_bool().get(b) != simdjson::SUCCESS) {
    *bad = true;
    return std::nullopt;
  }
  return b;
}

}  // namespace inzage::api

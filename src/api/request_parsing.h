// What a request says, checked: the period and page of a history query (query string or JSON
// body), and JSON bodies with only the members an operation allows, each at most once.
// Everything here answers a precise 400 for what it refuses.
// Thread safety: values; a JsonBody belongs to one request.
#pragma once

#include <simdjson.h>

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "api/api_errors.h"
#include "api/http_message.h"
#include "common/time.h"

namespace inzage::api {

inline constexpr size_t kMaxPageSize = 1000;
inline constexpr TimeMicros kMaxPeriod = 366 * kMicrosPerDay;
inline constexpr size_t kMaxCursorBytes = 512;

struct PageRequest {
  TimeMicros from = 0;
  TimeMicros to = 0;
  size_t limit = kMaxPageSize;
  std::string cursor;  // as the client sent it (sealed); empty for the first page
};

// A page size: 1-1000, or `default_limit` when absent.
std::optional<ApiError> ParseLimit(std::optional<std::string_view> text, size_t default_limit,
                                   size_t* out);
// from and to (RFC 3339, required, from <= to, at most 366 days apart), cursor (absent, or a
// non-empty string of at most 512 bytes) and limit.
std::optional<ApiError> ParsePage(std::optional<std::string_view> from,
                                  std::optional<std::string_view> to,
                                  std::optional<std::string_view> cursor,
                                  std::optional<std::string_view> limit, size_t default_limit,
                                  PageRequest* out);
// The same from a GET's query string; a parameter given twice is refused.
std::optional<ApiError> ParsePageQuery(const HttpRequest& request, size_t default_limit,
                                       PageRequest* out);

// A JSON object body whose members are all in `allowed`, none twice.
class JsonBody {
 public:
  static std::optional<ApiError> Parse(std::string_view body,
                                       std::initializer_list<std::string_view> allowed,
                                       JsonBody* out);
  // A member's value: nullopt when absent; *bad is set when it is there with another type.
  std::optional<std::string_view> String(const char* name, bool* bad);
  std::optional<std::int64_t> Int(const char* name, bool* bad);
  std::optional<bool> Bool(const char* name, bool* bad);

 private:
  simdjson::dom::parser parser_;
  simdjson::dom::object object_;
};

}  // namespace inzage::api

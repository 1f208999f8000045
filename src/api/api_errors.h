// The API's errors: every 4xx/5xx answer is {"error": {"code": "...", "message": "..."}}
// (schemas/openapi.yaml, Error). A handler returns an ApiError; the code decides the status.
// Thread safety: values.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "api/http_message.h"
#include "common/status.h"

namespace inzage::api {

enum class ErrorCode {
  kBadRequest,
  kUnauthorized,
  kForbidden,
  kNotFound,
  kConflict,
  kPayloadTooLarge,
  kUnavailable,
  kInternal,
  kMethodNotAllowed,
  kTooManyRequests
};

struct ApiError {
  ErrorCode code;
  std::string message;
};

// The HTTP status and the JSON code of an error code.
int StatusOf(ErrorCode code);
std::string_view NameOf(ErrorCode code);

// The error as an answer (401 carries WWW-Authenticate, 429 Retry-After).
HttpResponse ErrorResponse(const ApiError& error);
inline HttpResponse ErrorResponse(ErrorCode code, std::string_view message) {
  return ErrorResponse(ApiError{code, std::string(message)});
}

// A failed store read: a cursor the store did not hand out is the client's mistake (400),
// anything else ours (500, logged, details not shown).
ApiError StoreReadError(const Status& status);

}  // namespace inzage::api

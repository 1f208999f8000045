#include "api/api_errors.h"

#include "common/log.h"

namespace inzage::api {

int StatusOf(ErrorCode code) {
  switch (code) {
    case ErrorCode::kBadRequest:
      return 400;
    case ErrorCode::kUnauthorized:
      return 401;
    case ErrorCode::kForbidden:
      return 403;
    case ErrorCode::kNotFound:
      return 404;
    case ErrorCode::kMethodNotAllowed:
      return 405;
    case ErrorCode::kConflict:
      return 409;
    case ErrorCode::kPayloadTooLarge:
      return 413;
    case ErrorCode::kTooManyRequests:
      return 429;
    case ErrorCode::kUnavailable:
      return 503;
    case ErrorCode::kInternal:
      break;
  }
  return 500;
}

std::string_view NameOf(ErrorCode code) {
  switch (code) {
    case ErrorCode::kBadRequest:
      return "bad_request";
    case ErrorCode::kUnauthorized:
      return "unauthorized";
    case ErrorCode::kForbidden:
      return "forbidden";
    case ErrorCode::kNotFound:
      return "not_found";
    case ErrorCode::kMethodNotAllowed:
      return "method_not_allowed";
    case ErrorCode::kConflict:
      return "conflict";
    case ErrorCode::kPayloadTooLarge:
      return "payload_too_large";
    case ErrorCode::kTooManyRequests:
      return "too_many_requests";
    case ErrorCode::kUnavailable:
      return "unavailable";
    case ErrorCode::kInternal:
      break;
  }
  return "internal";
}

HttpResponse ErrorResponse(const ApiError& error) {
  HttpResponse r = JsonError(StatusOf(error.code), NameOf(error.code), error.message);
  if (error.code == ErrorCode::kUnauthorized) r.SetHeader("WWW-Authenticate", "Bearer");
  if (error.code == ErrorCode::kTooManyRequests) r.SetHeader("Retry-After", "60");
  return r;
}

ApiError StoreReadError(const Status& status) {
  if (status.code() == Status::Code::kInvalidArgument) {
    return ApiError{ErrorCode::kBadRequest, status.message()};
  }
  Log(LogLevel::kError, "api", "store read failed", {{"error", status.message()}});
  return ApiError{ErrorCode::kInternal, "the store could not be read"};
}

}  // namespace inzage::api

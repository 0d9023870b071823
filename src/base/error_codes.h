#pragma once
// Every error code semrouter can return, declared once. The enum, the stable
// name, the HTTP status and the OpenAI error `type` all come from this list;
// metrics count each code as semrouter_errors_total{code="..."}.
#include <cstdint>
#include <string_view>

namespace sr {

// M(number, name, http_status, openai_type, description)
#define SR_ERROR_CODES(M)                                                                              \
  M(1, kBadRequestJson, 400, "invalid_request_error", "request body is not valid JSON")                \
  M(2, kBadRequestSchema, 400, "invalid_request_error", "request does not match the chat schema")      \
  M(3, kBadUtf8, 400, "invalid_request_error", "request text is not valid UTF-8")                      \
  M(4, kUnknownModel, 404, "invalid_request_error", "model is not configured")                         \
  M(5, kNotFound, 404, "invalid_request_error", "no such endpoint")                                    \
  M(6, kMethodNotAllowed, 405, "invalid_request_error", "method not allowed on this endpoint")         \
  M(7, kBodyTooLarge, 413, "invalid_request_error", "request body exceeds the configured limit")       \
  M(8, kHeaderTooLarge, 431, "invalid_request_error", "request headers exceed the configured limit")   \
  M(9, kUpstreamError, 502, "upstream_error", "every upstream attempt failed")                         \
  M(10, kUpstreamTimeout, 504, "upstream_error", "upstream did not answer within its deadline")        \
  M(11, kUpstreamStatus, 502, "upstream_error", "upstream answered with an error status")              \
  M(12, kOverloaded, 503, "server_error", "too many connections or requests in flight")                \
  M(13, kBlocked, 403, "content_filter", "request blocked by a guard")                                 \
  M(14, kConfigInvalid, 500, "server_error", "configuration is invalid")                               \
  M(15, kModelFile, 500, "server_error", "model file is missing or corrupt")                           \
  M(16, kIo, 500, "server_error", "file or socket I/O failed")                                         \
  M(17, kInternal, 500, "server_error", "internal error")                                              \
  M(18, kUnauthorized, 401, "authentication_error", "missing or invalid API key")                      \
  M(19, kRequestTimeout, 408, "invalid_request_error", "client was too slow to send its request")      \
  M(20, kBudgetExceeded, 429, "rate_limit_error", "budget for this key or request is exhausted")

enum class ErrorCode : uint16_t {
#define SR_ERROR_ENUM(num, name, status, type, desc) name = num,
  SR_ERROR_CODES(SR_ERROR_ENUM)
#undef SR_ERROR_ENUM
};

//! All codes in declaration order (for metric registration and tests).
inline constexpr ErrorCode kAllErrorCodes[] = {
#define SR_ERROR_LIST(num, name, status, type, desc) ErrorCode::name,
    SR_ERROR_CODES(SR_ERROR_LIST)
#undef SR_ERROR_LIST
};

//! Stable snake-free name, e.g. "kBadRequestJson" -> "bad_request_json".
std::string_view error_code_name(ErrorCode code);
//! HTTP status a client receives for this code.
int error_http_status(ErrorCode code);
//! OpenAI error "type" field for this code.
std::string_view error_openai_type(ErrorCode code);
//! Default description when no message is given.
std::string_view error_description(ErrorCode code);

}  // namespace sr

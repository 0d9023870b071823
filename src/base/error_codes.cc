#include "base/error_codes.h"

namespace sr {

std::string_view error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::kBadRequestJson: return "bad_request_json";
    case ErrorCode::kBadRequestSchema: return "bad_request_schema";
    case ErrorCode::kBadUtf8: return "bad_utf8";
    case ErrorCode::kUnknownModel: return "unknown_model";
    case ErrorCode::kNotFound: return "not_found";
    case ErrorCode::kMethodNotAllowed: return "method_not_allowed";
    case ErrorCode::kBodyTooLarge: return "body_too_large";
    case ErrorCode::kHeaderTooLarge: return "header_too_large";
    case ErrorCode::kUpstreamError: return "upstream_error";
    case ErrorCode::kUpstreamTimeout: return "upstream_timeout";
    case ErrorCode::kUpstreamStatus: return "upstream_status";
    case ErrorCode::kOverloaded: return "overloaded";
    case ErrorCode::kBlocked: return "blocked";
    case ErrorCode::kConfigInvalid: return "config_invalid";
    case ErrorCode::kModelFile: return "model_file";
    case ErrorCode::kIo: return "io";
    case ErrorCode::kInternal: return "internal";
    case ErrorCode::kUnauthorized: return "unauthorized";
    case ErrorCode::kRequestTimeout: return "request_timeout";
    case ErrorCode::kBudgetExceeded: return "budget_exceeded";
  }
  return "unknown";
}

int error_http_status(ErrorCode code) {
  switch (code) {
#define SR_ERROR_STATUS(num, name, status, type, desc) \
  case ErrorCode::name: return status;
    SR_ERROR_CODES(SR_ERROR_STATUS)
#undef SR_ERROR_STATUS
  }
  return 500;
}

std::string_view error_openai_type(ErrorCode code) {
  switch (code) {
#define SR_ERROR_TYPE(num, name, status, type, desc) \
  case ErrorCode::name: return type;
    SR_ERROR_CODES(SR_ERROR_TYPE)
#undef SR_ERROR_TYPE
  }
  return "server_error";
}

std::string_view error_description(ErrorCode code) {
  switch (code) {
#define SR_ERROR_DESC(num, name, status, type, desc) \
  case ErrorCode::name: return desc;
    SR_ERROR_CODES(SR_ERROR_DESC)
#undef SR_ERROR_DESC
  }
  return "error";
}

}  // namespace sr

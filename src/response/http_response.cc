#include "response/http_response.h"

#include <charconv>
#include <cstdio>
#include <ctime>

#include "parse/chat_request.h"

namespace sr::response {

std::string_view reason_phrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 413: return "Payload Too Large";
    case 422: return "Unprocessable Entity";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "Status";
  }
}

void append_head(std::string& out, int status, std::string_view content_type, long long content_length,
                 bool keep_alive, const Headers& extra) {
  char num[24];
  out += "HTTP/1.1 ";
  out.append(num, static_cast<size_t>(std::to_chars(num, num + sizeof num, status).ptr - num));
  out.push_back(' ');
  out += reason_phrase(status);
  out += "\r\n";
  if (!content_type.empty()) {
    out += "content-type: ";
    out += content_type;
    out += "\r\n";
  }
  if (content_length >= 0) {
    out += "content-length: ";
    out.append(num, static_cast<size_t>(std::to_chars(num, num + sizeof num, content_length).ptr - num));
    out += "\r\n";
  } else {
    out += "transfer-encoding: chunked\r\n";
  }
  if (!keep_alive) out += "connection: close\r\n";
  for (const auto& [k, v] : extra) {
    out += k;
    out += ": ";
    out += v;
    out += "\r\n";
  }
  out += "\r\n";
}

std::string error_body(ErrorCode code, std::string_view message) {
  std::string out;
  out.reserve(message.size() + 128);
  out += "{\"error\":{\"message\":";
  parse::append_json_string(out, message.empty() ? error_description(code) : message);
  out += ",\"type\":";
  parse::append_json_string(out, error_openai_type(code));
  out += ",\"param\":null,\"code\":";
  parse::append_json_string(out, error_code_name(code));
  out += "}}";
  return out;
}

std::string content_filter_completion(std::string_view model, std::string_view message, bool stream) {
  std::string created = std::to_string(static_cast<long long>(std::time(nullptr)));
  std::string m, msg;
  parse::append_json_string(m, model);
  parse::append_json_string(msg, message);
  if (!stream) {
    return "{\"id\":\"chatcmpl-semrouter-blocked\",\"object\":\"chat.completion\",\"created\":" + created +
           ",\"model\":" + m + ",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":" + msg +
           ",\"refusal\":" + msg + "},\"logprobs\":null,\"finish_reason\":\"content_filter\"}]," +
           "\"usage\":{\"prompt_tokens\":0,\"completion_tokens\":0,\"total_tokens\":0}}";
  }
  std::string head = "{\"id\":\"chatcmpl-semrouter-blocked\",\"object\":\"chat.completion.chunk\",\"created\":" + created +
                     ",\"model\":" + m + ",\"choices\":[{\"index\":0,";
  return "data: " + head + "\"delta\":{\"role\":\"assistant\",\"content\":" + msg + "},\"logprobs\":null,\"finish_reason\":null}]}\n\n" +
         "data: " + head + "\"delta\":{},\"logprobs\":null,\"finish_reason\":\"content_filter\"}]}\n\ndata: [DONE]\n\n";
}

void append_chunk(std::string& out, std::string_view data) {
  if (data.empty()) return;
  char line[32];
  int n = std::snprintf(line, sizeof line, "%zx\r\n", data.size());
  out.append(line, static_cast<size_t>(n));
  out.append(data);
  out += "\r\n";
}

}  // namespace sr::response

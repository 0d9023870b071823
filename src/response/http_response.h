#pragma once
// Raw HTTP/1.1 response heads and bodies, built into one reusable string and
// written with a single gather write. The router writes its own heads (no
// serializer): they are tiny, and this keeps the hot path allocation-light.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/error_codes.h"

namespace sr::response {

//! Extra response headers, name -> value.
using Headers = std::vector<std::pair<std::string_view, std::string>>;

//! Reason phrase for a status code ("OK", "Not Found", ...).
std::string_view reason_phrase(int status);

//! Appends "HTTP/1.1 <status> <reason>\r\n" + headers + framing + "\r\n" to `out`.
//! content_length < 0 means chunked transfer encoding.
void append_head(std::string& out, int status, std::string_view content_type, long long content_length,
                 bool keep_alive, const Headers& extra);

//! OpenAI-shaped error body: {"error":{"message","type","param":null,"code"}}.
std::string error_body(ErrorCode code, std::string_view message);

//! A chat.completion (or, with `stream`, its SSE form) that refuses with
//! finish_reason "content_filter": how a blocked request is answered when the
//! guard is configured to answer in-band rather than with 403.
std::string content_filter_completion(std::string_view model, std::string_view message, bool stream);

//! Appends one chunk of chunked transfer encoding (nothing for empty data).
void append_chunk(std::string& out, std::string_view data);

//! The terminating chunk.
inline constexpr std::string_view kLastChunk = "0\r\n\r\n";

}  // namespace sr::response

#pragma once
// The bodies a mock upstream sends, shaped exactly like OpenAI's: a
// `chat.completion`, the `chat.completion.chunk` SSE events of a stream, and the
// error object. Pure functions over plain data, so they are tested on their own.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "demo/mock_behavior.h"

namespace sr::demo {

//! One answer: its text already cut into the content pieces a stream sends.
struct MockAnswer {
  std::string id;                   //!< "chatcmpl-mock-N"
  std::string model;                //!< the backend's configured name
  int64_t created = 0;              //!< unix seconds
  std::vector<std::string> pieces;  //!< content chunks; joined = the full content
  int prompt_tokens = 0;
  int completion_tokens = 0;

  std::string content() const;
};

//! Builds the answer for a prompt: "[name] ..." echoing the start of `prompt`
//! (directives stripped), cut into behavior.chunks pieces (of behavior.chunk_chars
//! characters each when that is set). `prompt_chars` sizes prompt_tokens.
MockAnswer make_answer(std::string_view name, std::string_view prompt, size_t prompt_chars,
                       const MockBehavior& behavior, uint64_t serial, int64_t created);

//! Non-streaming `chat.completion` JSON.
std::string completion_json(const MockAnswer& answer);

//! SSE stream events, each a full `data: {...}\n\n` line (OpenAI order).
std::string sse_role_event(const MockAnswer& answer, bool include_usage);
std::string sse_content_event(const MockAnswer& answer, std::string_view piece, bool include_usage);
std::string sse_finish_event(const MockAnswer& answer, bool include_usage);
std::string sse_usage_event(const MockAnswer& answer);
inline constexpr std::string_view kSseDone = "data: [DONE]\n\n";

//! OpenAI error object: {"error":{"message":..,"type":..,"param":null,"code":..}}.
//! An empty `code` is sent as null.
std::string error_json(std::string_view message, std::string_view type, std::string_view code = {});

}  // namespace sr::demo

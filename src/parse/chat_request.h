#pragma once
// The parsed view of an OpenAI chat-completions request. Parsing happens once
// per request; every later stage reads this struct, never the JSON again.
// Message texts are copied into one per-request arena (one allocation, usually)
// so the struct does not depend on the parser's buffers.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace sr::parse {

enum class Role : uint8_t { kSystem, kUser, kAssistant, kTool, kDeveloper, kFunction };

struct Message {
  Role role = Role::kUser;
  uint32_t text_offset = 0;  //!< into ChatRequest::arena
  uint32_t text_size = 0;    //!< concatenated text parts
  bool has_image = false;
};

struct ChatRequest {
  std::string model;               //!< as requested
  size_t model_token_begin = 0;    //!< byte range of the model JSON string (with quotes) in the body
  size_t model_token_end = 0;
  bool stream = false;
  bool include_usage = false;      //!< stream_options.include_usage
  bool has_tools = false;          //!< non-empty tools or functions
  bool has_images = false;
  int64_t max_output_tokens = -1;  //!< max_completion_tokens, else max_tokens; -1 if neither
  uint32_t choices = 1;            //!< n: every choice is billed
  std::vector<Message> messages;
  int last_user = -1;              //!< index into messages, -1 if no user message
  std::string arena;               //!< message texts, back to back

  std::string_view text(const Message& m) const { return std::string_view(arena).substr(m.text_offset, m.text_size); }
  //! Text of the last user message ("" if none).
  std::string_view last_user_text() const {
    return last_user < 0 ? std::string_view() : text(messages[static_cast<size_t>(last_user)]);
  }
  //! All message texts, in order, separated by '\n' (the arena itself).
  std::string_view all_text() const { return arena; }
  void clear();
};

//! A reusable request parser (one per worker: it keeps simdjson's buffers warm).
class RequestParser {
 public:
  RequestParser();
  ~RequestParser();
  RequestParser(const RequestParser&) = delete;
  RequestParser& operator=(const RequestParser&) = delete;

  //! Parses `body` (a chat-completions JSON object) into `out`. May grow
  //! `body`'s capacity (simdjson reads a little past the end).
  //! Errors: kBadRequestJson (not JSON), kBadUtf8, kBadRequestSchema (missing or
  //! mistyped model/messages/stream, duplicate model key).
  Result<void> parse(std::string& body, ChatRequest& out);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

//! Ensures the spare capacity simdjson needs after the data.
void pad_for_parse(std::string& body);

//! Returns `body` with the value of "model" replaced by `new_model` (JSON-escaped).
std::string rewrite_model(std::string_view body, const ChatRequest& req, std::string_view new_model);

//! Appends `s` as a JSON string literal (with quotes) to `out`.
void append_json_string(std::string& out, std::string_view s);

}  // namespace sr::parse

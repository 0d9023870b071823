#pragma once
// Token usage from upstream answers: the `usage` object of a chat.completion
// body, or of the SSE chunk that carries it when streaming. The SSE scanner is
// fed the relayed bytes as they pass and keeps only a partial line between calls.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace sr::upstream {

struct Usage {
  int64_t prompt_tokens = -1;      //!< -1 = not reported
  int64_t completion_tokens = -1;
  bool found() const { return prompt_tokens >= 0 || completion_tokens >= 0; }
};

//! A reusable JSON parser for usage objects (one per worker: keeps its buffers).
class UsageParser {
 public:
  UsageParser();
  ~UsageParser();
  UsageParser(const UsageParser&) = delete;
  UsageParser& operator=(const UsageParser&) = delete;
  //! Reads "usage" from a chat.completion(.chunk) JSON body. Empty when absent or malformed.
  Usage parse(std::string_view body);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

//! One-off form of UsageParser::parse (allocates a parser; tests and tools).
Usage usage_from_json(std::string_view body);

//! Incremental SSE reader: finds `data:` lines whose JSON carries a usage
//! object, and notes whether `data: [DONE]` was seen.
class SseUsageScanner {
 public:
  explicit SseUsageScanner(UsageParser& parser) : parser_(parser) {}
  void feed(std::string_view bytes);
  const Usage& usage() const { return usage_; }
  bool done() const { return done_; }
  uint64_t events() const { return events_; }
  //! Bytes of generated text in the events seen ("content",
  //! "reasoning_content" and tool-call "arguments" strings; escapes counted as
  //! written): the basis of a token estimate when the stream reports no usage
  //! (a client that did not ask for stream_options.include_usage).
  uint64_t content_bytes() const { return content_bytes_; }

 private:
  void line(std::string_view l);
  UsageParser& parser_;
  std::string partial_;
  Usage usage_;
  bool done_ = false;
  uint64_t events_ = 0;
  uint64_t content_bytes_ = 0;
};

}  // namespace sr::upstream

#pragma once
// Token usage from upstream answers: the `usage` object of a chat.completion
// body, or of the SSE chunk that carries it when streaming. The SSE scanner is
// fed the relayed bytes as they pass and keeps only a partial line between calls.
#include <cstdint>
#include <string>
#include <string_view>

namespace sr::upstream {

struct Usage {
  int64_t prompt_tokens = -1;      //!< -1 = not reported
  int64_t completion_tokens = -1;
  bool found() const { return prompt_tokens >= 0 || completion_tokens >= 0; }
};

//! Reads "usage" from a chat.completion JSON body. Returns an empty Usage when absent or malformed.
Usage usage_from_json(std::string_view body);

//! Incremental SSE reader: finds `data:` lines whose JSON carries a usage
//! object, and notes whether `data: [DONE]` was seen.
class SseUsageScanner {
 public:
  void feed(std::string_view bytes);
  const Usage& usage() const { return usage_; }
  bool done() const { return done_; }
  uint64_t events() const { return events_; }

 private:
  void line(std::string_view l);
  std::string partial_;
  Usage usage_;
  bool done_ = false;
  uint64_t events_ = 0;
};

}  // namespace sr::upstream

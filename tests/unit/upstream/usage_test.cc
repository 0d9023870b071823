#include "upstream/usage.h"

#include <gtest/gtest.h>

namespace sr::upstream {
namespace {

TEST(Usage, FromJsonBody) {
  auto u = usage_from_json(R"({"id":"x","usage":{"prompt_tokens":12,"completion_tokens":34,"total_tokens":46}})");
  EXPECT_EQ(u.prompt_tokens, 12);
  EXPECT_EQ(u.completion_tokens, 34);
  EXPECT_FALSE(usage_from_json(R"({"id":"x"})").found());
  // OpenAI's nested details, spaces, and "usage" quoted inside the content.
  auto d = usage_from_json(R"({"choices":[{"message":{"content":"the \"usage\": {\"prompt_tokens\": 99}"}}],"usage" : { "prompt_tokens" : 5, "completion_tokens": 6, "prompt_tokens_details": {"cached_tokens": 2}, "completion_tokens_details": {"reasoning_tokens": 1}}})");
  EXPECT_EQ(d.prompt_tokens, 5);
  EXPECT_EQ(d.completion_tokens, 6);
  auto c = usage_from_json(R"({"usage":{"completion_tokens":7,"prompt_tokens":3},"choices":[{"message":{"content":"x \"usage\" y"}}]})");
  EXPECT_EQ(c.prompt_tokens, 3);  // the last "usage" is inside a string: full parse
  EXPECT_EQ(c.completion_tokens, 7);
  EXPECT_FALSE(usage_from_json(R"({"usage":null})").found());
  EXPECT_FALSE(usage_from_json("not json \"usage\"").found());
}

// Feeds `stream` cut in two at every position and checks each result: chunks
// arrive as TCP delivers them, and every split must give the same answer.
template <class Check>
void for_every_split(std::string_view stream, Check check) {
  for (size_t cut = 0; cut <= stream.size(); ++cut) {
    UsageParser p;
    SseUsageScanner s(p);
    s.feed(stream.substr(0, cut));
    s.feed(stream.substr(cut));
    check(s, cut);
  }
}

TEST(Usage, SseScannerAcrossArbitrarySplits) {
  std::string stream =
      "data: {\"choices\":[{\"delta\":{\"content\":\"hi\"}}]}\n\n"
      "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":3}}\r\n\r\n"
      "data: [DONE]\n\n";
  for_every_split(stream, [](const SseUsageScanner& s, size_t cut) {
    EXPECT_EQ(s.usage().prompt_tokens, 7) << cut;
    EXPECT_EQ(s.usage().completion_tokens, 3) << cut;
    EXPECT_TRUE(s.done()) << cut;
    EXPECT_EQ(s.events(), 3u);
  });
}

TEST(Usage, SseContentBytesForAnEstimate) {
  std::string stream =
      "data: {\"choices\":[{\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}\n\n"
      "data: {\"choices\":[{\"delta\":{\"content\":\"Hello\"}}]}\n\n"
      "data: {\"choices\":[{\"delta\":{\"content\":\" \\\"world\\\"\"}}]}\n\n"  // escaped quotes inside
      "data: {\"choices\":[{\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n"
      "data: [DONE]\n\n";
  for_every_split(stream, [](const SseUsageScanner& s, size_t cut) {
    EXPECT_EQ(s.content_bytes(), 5u + 10u) << cut;  // "Hello" and  \"world\" as written
    EXPECT_FALSE(s.usage().found());
  });
  UsageParser p;
  SseUsageScanner s(p);
  s.feed("data: {\"choices\":[{\"delta\":{\"content\":\"unterminated\n");
  EXPECT_EQ(s.content_bytes(), 12u) << "a cut-off string counts what is there";
  // Spaced JSON (Python's json.dumps), tool-call arguments, reasoning, null content.
  SseUsageScanner t(p);
  t.feed("data: {\"choices\": [{\"delta\": {\"content\": \"abcd\"}}]}\n");
  t.feed("data: {\"choices\":[{\"delta\":{\"content\":null,\"tool_calls\":[{\"function\":{\"arguments\":\"{\\\"x\\\":1}\"}}]}}]}\n");
  t.feed("data: {\"choices\":[{\"delta\":{\"reasoning_content\":\"hmm\"}}]}\n");
  EXPECT_EQ(t.content_bytes(), 4u + 9u + 3u);
}

TEST(Usage, SseWithoutUsageOrDone) {
  UsageParser p;
  SseUsageScanner s(p);
  s.feed(": comment\nevent: x\ndata: {\"a\":1}\n\n");
  EXPECT_FALSE(s.usage().found());
  EXPECT_FALSE(s.done());
}

}  // namespace
}  // namespace sr::upstream

#include "demo/mock_answer.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace sr::demo {
namespace {

TEST(MockAnswer, NamesBackendAndEchoesPrompt) {
  MockBehavior b;
  auto a = make_answer("gpt-4o", "Please prove Fermat [mock:latency_ms=1]", 40, b, 3, 1700000000);
  EXPECT_EQ(a.id, "chatcmpl-mock-3");
  EXPECT_EQ(a.pieces.size(), static_cast<size_t>(b.chunks));
  std::string c = a.content();
  EXPECT_EQ(c.rfind("[gpt-4o]", 0), 0u) << c;
  EXPECT_NE(c.find("Please prove Fermat"), std::string::npos) << c;
  EXPECT_EQ(c.find("[mock:"), std::string::npos) << c;
  EXPECT_EQ(a.prompt_tokens, 10);
  EXPECT_GT(a.completion_tokens, 0);
}

TEST(MockAnswer, ExactChunkChars) {
  MockBehavior b;
  b.chunks = 10;
  b.chunk_chars = 7;
  auto a = make_answer("m", "hi", 2, b, 1, 0);
  ASSERT_EQ(a.pieces.size(), 10u);
  for (const auto& p : a.pieces) EXPECT_EQ(p.size(), 7u) << p;
}

TEST(MockAnswer, EvenSplitNeverEmpty) {
  MockBehavior b;
  b.chunks = 500;  // more chunks than the answer has characters: padded
  auto a = make_answer("m", "hi", 2, b, 1, 0);
  ASSERT_EQ(a.pieces.size(), 500u);
  for (const auto& p : a.pieces) EXPECT_FALSE(p.empty());
}

TEST(MockAnswer, LongUtf8PromptIsCutOnCharacterBoundary) {
  std::string prompt;
  for (int i = 0; i < 100; ++i) prompt += "é";
  MockBehavior b;
  b.chunks = 7;
  auto a = make_answer("m", prompt, prompt.size(), b, 1, 0);
  // Every piece must be valid JSON text on its own (nlohmann rejects broken UTF-8).
  for (const auto& p : a.pieces) EXPECT_NO_THROW((void)nlohmann::json(p).dump());
  EXPECT_NE(a.content().find("..."), std::string::npos);
}

TEST(MockAnswer, CompletionJsonShape) {
  MockBehavior b;
  auto a = make_answer("small", "hello", 5, b, 1, 42);
  auto j = nlohmann::json::parse(completion_json(a));
  EXPECT_EQ(j["object"], "chat.completion");
  EXPECT_EQ(j["model"], "small");
  EXPECT_EQ(j["created"], 42);
  EXPECT_EQ(j["choices"][0]["message"]["role"], "assistant");
  EXPECT_EQ(j["choices"][0]["message"]["content"], a.content());
  EXPECT_EQ(j["choices"][0]["finish_reason"], "stop");
  EXPECT_EQ(j["usage"]["total_tokens"], a.prompt_tokens + a.completion_tokens);
}

TEST(MockAnswer, SseEvents) {
  MockBehavior b;
  auto a = make_answer("small", "hello", 5, b, 1, 42);
  auto parse = [](const std::string& ev) {
    EXPECT_EQ(ev.rfind("data: ", 0), 0u);
    EXPECT_EQ(ev.substr(ev.size() - 2), "\n\n");
    return nlohmann::json::parse(ev.substr(6));
  };
  auto role = parse(sse_role_event(a, true));
  EXPECT_EQ(role["object"], "chat.completion.chunk");
  EXPECT_EQ(role["choices"][0]["delta"]["role"], "assistant");
  EXPECT_TRUE(role["usage"].is_null());
  auto content = parse(sse_content_event(a, "x\"y", false));
  EXPECT_EQ(content["choices"][0]["delta"]["content"], "x\"y");
  EXPECT_FALSE(content.contains("usage"));
  auto finish = parse(sse_finish_event(a, false));
  EXPECT_EQ(finish["choices"][0]["finish_reason"], "stop");
  auto usage = parse(sse_usage_event(a));
  EXPECT_TRUE(usage["choices"].empty());
  EXPECT_EQ(usage["usage"]["prompt_tokens"], a.prompt_tokens);
}

TEST(MockAnswer, ErrorJson) {
  auto j = nlohmann::json::parse(error_json("boom", "server_error"));
  EXPECT_EQ(j["error"]["message"], "boom");
  EXPECT_EQ(j["error"]["type"], "server_error");
  EXPECT_TRUE(j["error"]["code"].is_null());
  EXPECT_TRUE(j["error"]["param"].is_null());
  EXPECT_EQ(nlohmann::json::parse(error_json("m", "t", "c"))["error"]["code"], "c");
}

}  // namespace
}  // namespace sr::demo

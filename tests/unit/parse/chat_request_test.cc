#include "parse/chat_request.h"

#include <gtest/gtest.h>

namespace sr::parse {
namespace {

struct Parsed {
  Result<void> r;
  ChatRequest req;
  std::string body;
};

Parsed parse(std::string body) {
  RequestParser p;
  Parsed out;
  out.body = std::move(body);
  out.r = p.parse(out.body, out.req);
  return out;
}

TEST(ChatRequest, ParsesBasicRequest) {
  auto p = parse(R"({"model":"auto","messages":[{"role":"system","content":"be brief"},{"role":"user","content":"Hello"}],"stream":true,"stream_options":{"include_usage":true},"temperature":0.2})");
  ASSERT_TRUE(p.r) << p.r.error().message;
  EXPECT_EQ(p.req.model, "auto");
  EXPECT_TRUE(p.req.stream);
  EXPECT_TRUE(p.req.include_usage);
  ASSERT_EQ(p.req.messages.size(), 2u);
  EXPECT_EQ(p.req.messages[0].role, Role::kSystem);
  EXPECT_EQ(p.req.last_user_text(), "Hello");
  EXPECT_EQ(p.req.all_text(), "be brief\nHello");
  EXPECT_EQ(p.body.substr(p.req.model_token_begin, p.req.model_token_end - p.req.model_token_begin), "\"auto\"");
}

TEST(ChatRequest, ContentPartsImagesAndTools) {
  auto p = parse(R"({"messages":[{"role":"user","content":[{"type":"text","text":"look"},{"type":"image_url","image_url":{"url":"data:x"}},{"type":"text","text":"here"}]}],"tools":[{"type":"function","function":{"name":"f"}}],"model":"m"})");
  ASSERT_TRUE(p.r) << p.r.error().message;
  EXPECT_TRUE(p.req.has_images);
  EXPECT_TRUE(p.req.has_tools);
  EXPECT_EQ(p.req.last_user_text(), "look\nhere");
}

// Output limits feed cost estimates only: odd values are left to the upstream
// to judge (the request is forwarded as is), never refused here.
TEST(ChatRequest, OutputLimitsAndChoices) {
  const std::string msgs = R"("model":"m","messages":[{"role":"user","content":"hi"}])";
  auto none = parse("{" + msgs + "}");
  ASSERT_TRUE(none.r);
  EXPECT_EQ(none.req.max_output_tokens, -1);
  EXPECT_EQ(none.req.choices, 1u);
  auto old = parse("{" + msgs + R"(,"max_tokens":300,"n":3})");
  ASSERT_TRUE(old.r);
  EXPECT_EQ(old.req.max_output_tokens, 300);
  EXPECT_EQ(old.req.choices, 3u);
  auto many = parse("{" + msgs + R"(,"n":1000})");  // vLLM allows more than OpenAI's 128
  ASSERT_TRUE(many.r);
  EXPECT_EQ(many.req.choices, 1000u);
  // max_completion_tokens wins over max_tokens in either key order.
  auto both1 = parse("{" + msgs + R"(,"max_completion_tokens":50,"max_tokens":300})");
  auto both2 = parse("{" + msgs + R"(,"max_tokens":300,"max_completion_tokens":50})");
  ASSERT_TRUE(both1.r && both2.r);
  EXPECT_EQ(both1.req.max_output_tokens, 50);
  EXPECT_EQ(both2.req.max_output_tokens, 50);
  for (const char* odd : {R"(,"max_tokens":-1,"n":0)", R"(,"max_tokens":1.5,"n":"2")", R"(,"max_tokens":null,"n":null)",
                          R"(,"max_tokens":"100","n":10000000)"}) {
    auto p = parse("{" + msgs + odd + "}");
    ASSERT_TRUE(p.r) << odd << ": " << p.r.error().message;
    EXPECT_EQ(p.req.max_output_tokens, -1) << odd;
    EXPECT_EQ(p.req.choices, 1u) << odd;
  }
  // A reused parser forgets the previous request's limits.
  RequestParser parser;
  ChatRequest req;
  std::string b1 = "{" + msgs + R"(,"max_tokens":7,"n":2})", b2 = "{" + msgs + "}";
  ASSERT_TRUE(parser.parse(b1, req));
  ASSERT_TRUE(parser.parse(b2, req));
  EXPECT_EQ(req.max_output_tokens, -1);
  EXPECT_EQ(req.choices, 1u);
}

TEST(ChatRequest, LastUserIsTheLastOne) {
  auto p = parse(R"({"model":"m","messages":[{"role":"user","content":"first"},{"role":"assistant","content":null},{"role":"user","content":"second"},{"role":"tool","content":"t"}]})");
  ASSERT_TRUE(p.r) << p.r.error().message;
  EXPECT_EQ(p.req.last_user_text(), "second");
}

TEST(ChatRequest, Errors) {
  struct Case { const char* body; ErrorCode code; const char* substr; };
  const Case cases[] = {
      {"", ErrorCode::kBadRequestJson, "not valid JSON"},
      {"{", ErrorCode::kBadRequestJson, "not valid JSON"},
      {"[1,2]", ErrorCode::kBadRequestSchema, "JSON object"},
      {R"({"messages":[{"role":"user","content":"x"}]})", ErrorCode::kBadRequestSchema, "\"model\""},
      {R"({"model":"","messages":[{"role":"user","content":"x"}]})", ErrorCode::kBadRequestSchema, "empty"},
      {R"({"model":5,"messages":[{"role":"user","content":"x"}]})", ErrorCode::kBadRequestSchema, "must be a string"},
      {R"({"model":"m"})", ErrorCode::kBadRequestSchema, "\"messages\""},
      {R"({"model":"m","messages":[]})", ErrorCode::kBadRequestSchema, "empty"},
      {R"({"model":"m","messages":"hi"})", ErrorCode::kBadRequestSchema, "array"},
      {R"({"model":"m","messages":[{"content":"x"}]})", ErrorCode::kBadRequestSchema, "role"},
      {R"({"model":"m","messages":[{"role":"wizard","content":"x"}]})", ErrorCode::kBadRequestSchema, "wizard"},
      {R"({"model":"m","messages":[{"role":"user","content":42}]})", ErrorCode::kBadRequestSchema, "content"},
      {R"({"model":"m","stream":"yes","messages":[{"role":"user","content":"x"}]})", ErrorCode::kBadRequestSchema, "stream"},
      {R"({"model":"a","model":"b","messages":[{"role":"user","content":"x"}]})", ErrorCode::kBadRequestSchema, "duplicate"},
      {R"({"model":"m","messages":[{"role":"user","content":"x"}]} trailing)", ErrorCode::kBadRequestJson, "JSON"},
  };
  for (const auto& c : cases) {
    auto p = parse(c.body);
    ASSERT_FALSE(p.r) << c.body;
    EXPECT_EQ(p.r.error().code, c.code) << c.body << " -> " << p.r.error().message;
    EXPECT_NE(p.r.error().message.find(c.substr), std::string::npos) << c.body << " -> " << p.r.error().message;
  }
}

TEST(ChatRequest, BrokenUtf8IsRejected) {
  auto p = parse("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"\xff\xfe\"}]}");
  ASSERT_FALSE(p.r);
  EXPECT_EQ(p.r.error().code, ErrorCode::kBadUtf8);
}

TEST(ChatRequest, RewriteModelKeepsEverythingElse) {
  auto p = parse(R"({ "temperature": 0.5, "model" : "auto" , "messages":[{"role":"user","content":"model \"x\""}], "nested": {"model": "inner"}})");
  ASSERT_TRUE(p.r) << p.r.error().message;
  std::string out = rewrite_model(p.body, p.req, "gpt-4o\"quoted");
  EXPECT_EQ(out, R"({ "temperature": 0.5, "model" : "gpt-4o\"quoted" , "messages":[{"role":"user","content":"model \"x\""}], "nested": {"model": "inner"}})");
  auto again = parse(out);
  ASSERT_TRUE(again.r);
  EXPECT_EQ(again.req.model, "gpt-4o\"quoted");
}

TEST(ChatRequest, EscapedModelKeyIsNormalised) {
  auto p = parse(R"({"mod\u0065l":"auto","messages":[{"role":"user","content":"hi"}],"n":1})");
  ASSERT_TRUE(p.r) << p.r.error().message;
  EXPECT_EQ(p.req.model, "auto");
  std::string out = rewrite_model(p.body, p.req, "small");
  auto again = parse(out);
  ASSERT_TRUE(again.r) << out;
  EXPECT_EQ(again.req.model, "small");
  EXPECT_NE(out.find("\"n\":1"), std::string::npos) << out;
}

TEST(ChatRequest, ParserIsReusable) {
  RequestParser p;
  ChatRequest req;
  std::string a = R"({"model":"a","messages":[{"role":"user","content":"one"}]})";
  std::string b = R"({"model":"b","messages":[{"role":"user","content":"two"},{"role":"user","content":"three"}]})";
  ASSERT_TRUE(p.parse(a, req));
  EXPECT_EQ(req.last_user_text(), "one");
  ASSERT_TRUE(p.parse(b, req));
  EXPECT_EQ(req.model, "b");
  EXPECT_EQ(req.messages.size(), 2u);
  EXPECT_EQ(req.last_user_text(), "three");
}

TEST(ChatRequest, JsonStringEscaping) {
  std::string out;
  append_json_string(out, std::string("a\"b\\c\n\x01", 7));
  EXPECT_EQ(out, "\"a\\\"b\\\\c\\n\\u0001\"");
}

}  // namespace
}  // namespace sr::parse

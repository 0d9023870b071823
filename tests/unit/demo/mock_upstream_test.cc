#include "demo/mock_upstream.h"

#include <chrono>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "unit/demo/http_test_client.h"

namespace sr::demo {
namespace {

using namespace std::chrono_literals;
using sr::test::HttpResponse;
using sr::test::HttpTestClient;

std::string chat_body(const std::string& prompt, bool stream = false, bool include_usage = false) {
  nlohmann::json j = {{"model", "whatever"}, {"messages", {{{"role", "system"}, {"content", "be brief"}},
                                                          {{"role", "user"}, {"content", prompt}}}}};
  if (stream) j["stream"] = true;
  if (include_usage) j["stream_options"] = {{"include_usage", true}};
  return j.dump();
}

// Splits an SSE body into its `data:` payloads, checking the framing.
std::vector<std::string> sse_payloads(const std::string& body) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < body.size()) {
    size_t end = body.find("\n\n", pos);
    EXPECT_NE(end, std::string::npos) << "unterminated event at " << pos;
    if (end == std::string::npos) break;
    std::string ev = body.substr(pos, end - pos);
    EXPECT_EQ(ev.rfind("data: ", 0), 0u) << ev;
    out.push_back(ev.substr(6));
    pos = end + 2;
  }
  return out;
}

class MockUpstreamTest : public ::testing::Test {
 protected:
  void start(MockOptions opts = {}) {
    if (opts.name == "mock") opts.name = "gpt-4o-mini";
    mock_ = std::make_unique<MockUpstream>(opts);
    auto port = mock_->start();
    ASSERT_TRUE(port) << port.error().message;
    port_ = *port;
  }
  HttpResponse chat(const std::string& prompt, std::chrono::milliseconds timeout = 3000ms) {
    HttpTestClient c(port_);
    return c.post("/v1/chat/completions", chat_body(prompt), timeout);
  }

  std::unique_ptr<MockUpstream> mock_;
  uint16_t port_ = 0;
};

TEST_F(MockUpstreamTest, NonStreamingCompletion) {
  start();
  auto r = chat("Please prove that sqrt(2) is irrational");
  ASSERT_FALSE(r.ec) << r.ec.message();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("content-type"), "application/json");
  EXPECT_EQ(r.header("x-mock-backend"), "gpt-4o-mini");
  auto j = nlohmann::json::parse(r.body);
  EXPECT_EQ(j["object"], "chat.completion");
  EXPECT_EQ(j["model"], "gpt-4o-mini");
  std::string content = j["choices"][0]["message"]["content"];
  EXPECT_EQ(content.rfind("[gpt-4o-mini]", 0), 0u) << content;
  EXPECT_NE(content.find("Please prove"), std::string::npos) << content;
  EXPECT_EQ(j["usage"]["total_tokens"].get<int>(),
            j["usage"]["prompt_tokens"].get<int>() + j["usage"]["completion_tokens"].get<int>());
}

TEST_F(MockUpstreamTest, StreamingFraming) {
  start();
  HttpTestClient c(port_);
  auto r = c.post("/v1/chat/completions", chat_body("hello stream [mock:chunks=5]", true));
  ASSERT_FALSE(r.ec) << r.ec.message();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("content-type"), "text/event-stream; charset=utf-8");
  EXPECT_EQ(r.header("transfer-encoding"), "chunked");
  auto events = sse_payloads(r.body);
  ASSERT_EQ(events.size(), 1u + 5u + 1u + 1u);  // role, content x5, finish, [DONE]
  EXPECT_EQ(events.back(), "[DONE]");
  std::string content;
  for (size_t i = 0; i + 1 < events.size(); ++i) {
    auto j = nlohmann::json::parse(events[i]);
    EXPECT_EQ(j["object"], "chat.completion.chunk");
    EXPECT_EQ(j["model"], "gpt-4o-mini");
    EXPECT_FALSE(j.contains("usage"));
    auto delta = j["choices"][0]["delta"];
    if (delta.contains("content")) content += delta["content"].get<std::string>();
    if (i + 2 == events.size()) {
      EXPECT_EQ(j["choices"][0]["finish_reason"], "stop");
    }
  }
  EXPECT_EQ(content.rfind("[gpt-4o-mini]", 0), 0u) << content;
  EXPECT_NE(content.find("hello stream"), std::string::npos) << content;
  // Keep-alive: the same connection serves another request.
  auto again = c.post("/v1/chat/completions", chat_body("again"));
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(mock_->stats().connections_total, 1u);
}

TEST_F(MockUpstreamTest, UsageChunkWhenRequested) {
  start();
  HttpTestClient c(port_);
  auto r = c.post("/v1/chat/completions", chat_body("count me", true, true));
  ASSERT_FALSE(r.ec) << r.ec.message();
  auto events = sse_payloads(r.body);
  ASSERT_GE(events.size(), 4u);
  EXPECT_EQ(events.back(), "[DONE]");
  auto usage = nlohmann::json::parse(events[events.size() - 2]);
  EXPECT_TRUE(usage["choices"].empty());
  EXPECT_GT(usage["usage"]["prompt_tokens"].get<int>(), 0);
  EXPECT_GT(usage["usage"]["completion_tokens"].get<int>(), 0);
  for (size_t i = 0; i + 2 < events.size(); ++i) {
    EXPECT_TRUE(nlohmann::json::parse(events[i])["usage"].is_null()) << events[i];
  }
}

TEST_F(MockUpstreamTest, ChunkSizeAndDelayDirective) {
  start();
  HttpTestClient c(port_);
  auto r = c.post("/v1/chat/completions", chat_body("x [mock:chunks=4,chunk_chars=3,chunk_delay_ms=15]", true));
  ASSERT_FALSE(r.ec) << r.ec.message();
  auto events = sse_payloads(r.body);
  ASSERT_EQ(events.size(), 1u + 4u + 1u + 1u);
  for (size_t i = 1; i <= 4; ++i) {
    EXPECT_EQ(nlohmann::json::parse(events[i])["choices"][0]["delta"]["content"].get<std::string>().size(), 3u);
  }
  EXPECT_GE(r.elapsed, 45ms);
}

TEST_F(MockUpstreamTest, LatencyDirective) {
  start();
  auto r = chat("slow please [mock:latency_ms=80]");
  EXPECT_EQ(r.status, 200);
  EXPECT_GE(r.elapsed, 80ms);
  auto content = nlohmann::json::parse(r.body)["choices"][0]["message"]["content"].get<std::string>();
  EXPECT_EQ(content.find("[mock:"), std::string::npos) << content;
}

TEST_F(MockUpstreamTest, Fault500KeepsConnection) {
  start();
  HttpTestClient c(port_);
  auto r = c.post("/v1/chat/completions", chat_body("[mock:fault=500]"));
  ASSERT_FALSE(r.ec) << r.ec.message();
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(nlohmann::json::parse(r.body)["error"]["type"], "server_error");
  EXPECT_EQ(c.post("/v1/chat/completions", chat_body("fine")).status, 200);
  EXPECT_EQ(mock_->stats().by_fault.at("500"), 1u);
  EXPECT_EQ(mock_->stats().by_fault.at("none"), 1u);
}

TEST_F(MockUpstreamTest, Fault429HasRetryAfter) {
  MockOptions o;
  o.behavior.fault = Fault::k429;
  o.behavior.retry_after_s = 3;
  start(o);
  auto r = chat("hi");
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.header("retry-after"), "3");
  EXPECT_EQ(nlohmann::json::parse(r.body)["error"]["code"], "rate_limit_exceeded");
}

TEST_F(MockUpstreamTest, FaultResetSendsNothing) {
  start();
  auto r = chat("[mock:fault=reset]");
  EXPECT_TRUE(r.ec);
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(mock_->stats().by_fault.at("reset"), 1u);
}

TEST_F(MockUpstreamTest, FaultStallNeverAnswers) {
  start();
  auto r = chat("[mock:fault=stall]", 150ms);
  EXPECT_EQ(r.ec, boost::beast::error::timeout);
  EXPECT_EQ(r.status, 0);
}

TEST_F(MockUpstreamTest, FaultDropMidStream) {
  start();
  HttpTestClient c(port_);
  auto r = c.post("/v1/chat/completions", chat_body("[mock:fault=drop_mid_stream,chunks=10,drop_after_chunks=3]", true));
  EXPECT_TRUE(r.ec);  // body ended before the terminating chunk
  EXPECT_EQ(r.status, 200);
  auto nonstream = chat("[mock:fault=drop_mid_stream]");
  EXPECT_TRUE(nonstream.ec);
}

TEST_F(MockUpstreamTest, FaultSlowHeaders) {
  start();
  auto r = chat("[mock:fault=slow_headers,header_delay_ms=20]");
  ASSERT_FALSE(r.ec) << r.ec.message();
  EXPECT_EQ(r.status, 200);
  EXPECT_GE(r.elapsed, 80ms);  // 6 line gaps of 20 ms
}

TEST_F(MockUpstreamTest, FaultSlowBody) {
  start();
  auto r = chat("[mock:fault=slow_body,chunk_delay_ms=20]");
  ASSERT_FALSE(r.ec) << r.ec.message();
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("chat.completion"), std::string::npos) << r.body;
  EXPECT_GE(r.elapsed, 140ms);  // 7 gaps of 20 ms between 8 body pieces
}

TEST_F(MockUpstreamTest, FailNextThenRecover) {
  start();
  MockBehavior b;
  b.fault = Fault::k500;
  b.fail_next = 2;
  mock_->set_behavior(b);
  EXPECT_EQ(chat("a").status, 500);
  EXPECT_EQ(chat("b").status, 500);
  EXPECT_EQ(chat("c").status, 200);
  EXPECT_EQ(chat("d").status, 200);
}

TEST_F(MockUpstreamTest, FailProbabilityIsSeeded) {
  start();
  MockBehavior b;
  b.fault = Fault::k500;
  b.fail_probability = 0.5;
  b.seed = 7;
  auto run = [&] {
    mock_->set_behavior(b);  // reseeds
    std::string seq;
    HttpTestClient c(port_);
    for (int i = 0; i < 20; ++i) seq += c.post("/v1/chat/completions", chat_body("p")).status == 500 ? 'F' : '.';
    return seq;
  };
  std::string first = run();
  EXPECT_EQ(first, run());
  EXPECT_NE(first.find('F'), std::string::npos) << first;
  EXPECT_NE(first.find('.'), std::string::npos) << first;
}

TEST_F(MockUpstreamTest, AdminBehaviorEndpoint) {
  start();
  HttpTestClient c(port_);
  auto set = c.post("/mock/behavior", R"({"fault":"500","fail_next":1})");
  ASSERT_EQ(set.status, 200) << set.body;
  EXPECT_EQ(nlohmann::json::parse(c.get("/mock/behavior").body)["fault"], "500");
  EXPECT_EQ(c.post("/v1/chat/completions", chat_body("x")).status, 500);
  EXPECT_EQ(c.post("/v1/chat/completions", chat_body("x")).status, 200);
  EXPECT_EQ(c.post("/mock/behavior", R"({"fault":"explode"})").status, 400);
  EXPECT_EQ(c.post("/mock/behavior", "{not json").status, 400);
  EXPECT_EQ(mock_->behavior().fault, Fault::k500);  // a rejected POST changes nothing

  auto stats = nlohmann::json::parse(c.get("/mock/stats").body);
  EXPECT_EQ(stats["chat_completions"], 2);
  EXPECT_EQ(stats["by_fault"]["500"], 1);
  EXPECT_EQ(stats["name"], "gpt-4o-mini");

  EXPECT_EQ(c.post("/mock/reset", "{}").status, 200);
  EXPECT_EQ(mock_->stats().chat_completions, 0u);
  EXPECT_EQ(mock_->behavior().fault, Fault::kNone);
}

TEST_F(MockUpstreamTest, RecordsLastRequest) {
  start();
  HttpTestClient c(port_);
  std::string body = chat_body("remember me");
  auto r = c.request(boost::beast::http::verb::post, "/v1/chat/completions", body,
                     {{"Authorization", "Bearer sk-test"}, {"X-Custom", "1"}});
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(mock_->last_request_body(), body);
  EXPECT_EQ(mock_->last_request_header("authorization"), "Bearer sk-test");
  EXPECT_EQ(mock_->last_request_header("X-CUSTOM"), "1");
  auto j = nlohmann::json::parse(c.get("/mock/last_request").body);
  EXPECT_EQ(j["headers"]["authorization"], "Bearer sk-test");
  EXPECT_EQ(j["body"], body);
  EXPECT_EQ(j["target"], "/v1/chat/completions");
}

TEST_F(MockUpstreamTest, MalformedRequestsAre400) {
  start();
  HttpTestClient c(port_);
  auto bad_json = c.post("/v1/chat/completions", "{\"messages\": [");
  EXPECT_EQ(bad_json.status, 400);
  EXPECT_EQ(nlohmann::json::parse(bad_json.body)["error"]["type"], "invalid_request_error");
  EXPECT_EQ(c.post("/v1/chat/completions", R"({"model":"x"})").status, 400);
  EXPECT_EQ(c.post("/v1/chat/completions", R"([1,2])").status, 400);
  EXPECT_EQ(c.post("/v1/chat/completions", chat_body("[mock:chunks=abc]")).status, 400);
  // Wrongly typed optional fields are ignored, not fatal.
  EXPECT_EQ(c.post("/v1/chat/completions", R"({"stream":"yes","messages":[{"role":7,"content":null}]})").status, 200);
  EXPECT_EQ(mock_->stats().bad_requests, 4u);
}

TEST_F(MockUpstreamTest, OtherEndpoints) {
  start();
  HttpTestClient c(port_);
  auto models = nlohmann::json::parse(c.get("/v1/models").body);
  EXPECT_EQ(models["data"][0]["id"], "gpt-4o-mini");
  EXPECT_EQ(c.get("/health").status, 200);
  EXPECT_EQ(c.get("/nope").status, 404);
  EXPECT_EQ(c.get("/v1/chat/completions").status, 405);
}

TEST_F(MockUpstreamTest, ContentPartsArray) {
  start();
  HttpTestClient c(port_);
  auto r = c.post("/v1/chat/completions",
                  R"({"messages":[{"role":"user","content":[{"type":"text","text":"from parts"}]}]})");
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("from parts"), std::string::npos) << r.body;
}

TEST_F(MockUpstreamTest, FixedMode) {
  MockOptions o;
  o.fixed = true;
  start(o);
  HttpTestClient c(port_);
  auto a = c.post("/v1/chat/completions", chat_body("one"));
  auto b = c.post("/v1/chat/completions", "not even json");
  ASSERT_EQ(a.status, 200);
  EXPECT_EQ(a.body, b.body);
  EXPECT_EQ(nlohmann::json::parse(a.body)["object"], "chat.completion");
  auto s = c.post("/v1/chat/completions", R"({"stream":true,"messages":[]})");
  auto events = sse_payloads(s.body);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back(), "[DONE]");
}

TEST_F(MockUpstreamTest, ConcurrentClientsOnSeveralThreads) {
  MockOptions o;
  o.threads = 2;
  start(o);
  std::atomic<int> ok{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 8; ++t) {
    clients.emplace_back([&, t] {
      HttpTestClient c(port_);
      for (int i = 0; i < 25; ++i) {
        if (c.post("/v1/chat/completions", chat_body("c" + std::to_string(t), i % 2 == 0)).status == 200) ++ok;
      }
    });
  }
  for (auto& th : clients) th.join();
  EXPECT_EQ(ok.load(), 200);
  EXPECT_EQ(mock_->stats().chat_completions, 200u);
  EXPECT_EQ(mock_->stats().connections_total, 8u);
}

TEST_F(MockUpstreamTest, StopIsPromptWithOpenConnections) {
  start();
  // One idle keep-alive connection, one stalled request, one mid 10 s latency.
  HttpTestClient idle(port_);
  ASSERT_EQ(idle.get("/health").status, 200);
  std::thread stalled([&] { chat("[mock:fault=stall]", 5000ms); });
  std::thread sleeping([&] { chat("[mock:latency_ms=10000]", 5000ms); });
  for (int i = 0; i < 200 && mock_->stats().chat_completions < 2; ++i) std::this_thread::sleep_for(5ms);
  ASSERT_EQ(mock_->stats().chat_completions, 2u);

  auto t0 = std::chrono::steady_clock::now();
  mock_->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
  EXPECT_EQ(mock_->port(), 0);
  auto t1 = std::chrono::steady_clock::now();
  stalled.join();
  sleeping.join();
  EXPECT_LT(std::chrono::steady_clock::now() - t1, 1s);  // clients saw the close, not their timeout
  EXPECT_EQ(mock_->stats().connections_open, 0u);
  EXPECT_TRUE(idle.get("/health").ec);
  mock_->stop();  // idempotent
}

TEST_F(MockUpstreamTest, RestartAndDoubleStart) {
  start();
  EXPECT_FALSE(mock_->start());
  mock_->stop();
  auto again = mock_->start();
  ASSERT_TRUE(again) << again.error().message;
  HttpTestClient c(*again);
  EXPECT_EQ(c.get("/health").status, 200);
}

TEST(MockUpstreamStart, BadHostAndBusyPort) {
  MockOptions o;
  o.host = "not-an-ip";
  MockUpstream bad(o);
  auto r = bad.start();
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("not-an-ip"), std::string::npos);

  MockUpstream first(MockOptions{});
  auto port = first.start();
  ASSERT_TRUE(port);
  MockOptions same;
  same.port = *port;
  MockUpstream second(same);
  EXPECT_FALSE(second.start());
}

}  // namespace
}  // namespace sr::demo

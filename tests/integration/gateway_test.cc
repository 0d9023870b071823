// Integration tests: the real server (in-process, port 0) in front of real
// mock upstreams (in-process, port 0), driven over loopback sockets.
#include <poll.h>
#include <sys/socket.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include <gtest/gtest.h>

#include "gateway_fixture.h"
#include "guards/redis_ledger.h"
#include "unit/guards/redis_process.h"

namespace sr::testing {
namespace {

TEST_F(Gateway, RoutesByRuleAndRewritesModel) {
  start(default_yaml());
  auto r = post_chat(port_, chat("Please prove that 2+2=4"));
  ASSERT_EQ(r.status, 200) << r.error << r.body;
  EXPECT_EQ(r.header("x-semrouter-model"), "large");
  EXPECT_EQ(r.header("x-semrouter-rule"), "hard");
  EXPECT_FALSE(r.header("x-semrouter-overhead-us").empty());
  EXPECT_NE(r.body.find("[large-up]"), std::string::npos) << r.body;
  EXPECT_NE(large_->last_request_body().find("\"model\":\"large-up-model\""), std::string::npos) << large_->last_request_body();
  EXPECT_EQ(large_->last_request().target, "/v1/chat/completions");

  auto d = post_chat(port_, chat("hello there"));
  ASSERT_EQ(d.status, 200);
  EXPECT_EQ(d.header("x-semrouter-model"), "small");
  EXPECT_EQ(d.header("x-semrouter-rule"), "default");
}

TEST_F(Gateway, PassThroughAndUnknownModel) {
  start(default_yaml());
  auto p = post_chat(port_, chat("prove it", "small"));
  ASSERT_EQ(p.status, 200);
  EXPECT_EQ(p.header("x-semrouter-model"), "small");
  EXPECT_EQ(p.header("x-semrouter-rule"), "passthrough");
  auto u = post_chat(port_, chat("hi", "gpt-17"));
  EXPECT_EQ(u.status, 404);
  EXPECT_NE(u.body.find("\"code\":\"unknown_model\""), std::string::npos) << u.body;
  EXPECT_NE(u.body.find("gpt-17"), std::string::npos);
}

TEST_F(Gateway, BadRequestsGetOpenAiErrors) {
  start(default_yaml());
  auto a = post_chat(port_, "{not json");
  EXPECT_EQ(a.status, 400);
  EXPECT_NE(a.body.find("bad_request_json"), std::string::npos);
  auto b = post_chat(port_, R"({"model":"auto","messages":"nope"})");
  EXPECT_EQ(b.status, 400);
  EXPECT_NE(b.body.find("bad_request_schema"), std::string::npos);
  auto c = post_chat(port_, "{\"model\":\"auto\",\"messages\":[{\"role\":\"user\",\"content\":\"\xc3\x28\"}]}");
  EXPECT_EQ(c.status, 400);
  EXPECT_NE(c.body.find("bad_utf8"), std::string::npos);
  auto g = http_call(port_, http::verb::get, "/v1/chat/completions");
  EXPECT_EQ(g.status, 405);
  auto n = http_call(port_, http::verb::get, "/nope");
  EXPECT_EQ(n.status, 404);
  EXPECT_EQ(small_->stats().chat_completions, 0u);  // nothing bad reached an upstream
}

TEST_F(Gateway, StreamingIsRelayedChunkByChunk) {
  start(default_yaml());
  MockBehavior b;
  b.chunks = 5;
  b.chunk_delay_ms = 120;
  small_->set_behavior(b);
  auto r = post_chat(port_, chat("tell me a story", "auto", true));
  ASSERT_EQ(r.status, 200) << r.error;
  EXPECT_NE(r.header("content-type").find("text/event-stream"), std::string::npos);
  EXPECT_EQ(r.header("transfer-encoding"), "chunked");
  EXPECT_NE(r.body.find("data: [DONE]"), std::string::npos);
  ASSERT_GE(r.piece_ms.size(), 3u) << "the answer arrived in one piece: buffered, not relayed";
  // The first piece must arrive long before the upstream finished (5 x 120 ms).
  EXPECT_LT(r.piece_ms.front() + 300, r.piece_ms.back());
  // Usage from the final chunk was counted.
  EXPECT_TRUE(metric_appears("semrouter_tokens_total{model=\"small\",kind=\"completion\"}"));
}

TEST_F(Gateway, FallbackWhenStrongModelFails) {
  start(default_yaml());
  MockBehavior b;
  b.fault = Fault::k500;
  large_->set_behavior(b);
  auto r = post_chat(port_, chat("prove this"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("x-semrouter-model"), "small");
  EXPECT_EQ(r.header("x-semrouter-fallback-from"), "large");
  EXPECT_EQ(r.header("x-semrouter-attempts"), "3");  // 2 on large, 1 on small
  EXPECT_EQ(large_->stats().chat_completions, 2u);
  EXPECT_TRUE(metric_appears("semrouter_fallbacks_total{from=\"large\",to=\"small\"} 1"));
}

TEST_F(Gateway, RetryAfter429ThenSuccess) {
  start(default_yaml());
  MockBehavior b;
  b.fault = Fault::k429;
  b.fail_next = 1;
  large_->set_behavior(b);
  auto r = post_chat(port_, chat("prove this"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("x-semrouter-model"), "large");
  EXPECT_EQ(r.header("x-semrouter-attempts"), "2");
}

TEST_F(Gateway, ConnectErrorFallsBack) {
  start("version: 1\nserver:\n  listen: 127.0.0.1:0\n  access_log: \"off\"\nmodels:\n"
        "  - name: dead\n    url: http://127.0.0.1:1/v1\n    retry: { attempts: 2, backoff: 5ms }\n    fallbacks: [small]\n"
        "  - name: small\n    url: $SMALL\n");
  auto r = post_chat(port_, chat("hi"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("x-semrouter-model"), "small");
}

TEST_F(Gateway, AllAttemptsFailGives502WithReasons) {
  start(default_yaml());
  MockBehavior b;
  b.fault = Fault::kReset;
  small_->set_behavior(b);
  large_->set_behavior(b);
  auto r = post_chat(port_, chat("prove it"));
  EXPECT_EQ(r.status, 502) << r.body;
  EXPECT_NE(r.body.find("all 4 upstream attempts failed"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("upstream_error"), std::string::npos);
}

TEST_F(Gateway, StalledUpstreamTimesOut504) {
  start("version: 1\nserver:\n  listen: 127.0.0.1:0\n  access_log: \"off\"\nmodels:\n"
        "  - name: small\n    url: $SMALL\n    timeouts: { first_byte: 300ms }\n");
  MockBehavior b;
  b.fault = Fault::kStall;
  small_->set_behavior(b);
  auto r = post_chat(port_, chat("hi"), {}, 5000);
  EXPECT_EQ(r.status, 504) << r.error << r.body;
  EXPECT_LT(r.total_ms, 3000);
  EXPECT_NE(r.body.find("upstream_timeout"), std::string::npos) << r.body;
}

// first_byte bounds "request sent -> response head" as a whole: an upstream that
// trickles its head out a line at a time, each line within the timeout, must
// still time out (a per-read deadline would restart with every line).
TEST_F(Gateway, TrickledResponseHeadTimesOut504) {
  start("version: 1\nserver:\n  listen: 127.0.0.1:0\n  access_log: \"off\"\nmodels:\n"
        "  - name: small\n    url: $SMALL\n    retry: { attempts: 1 }\n    timeouts: { first_byte: 300ms }\n");
  // Six head lines 150 ms apart: the head is complete after ~750 ms.
  auto r = post_chat(port_, chat("hi [mock:fault=slow_headers,header_delay_ms=150]"), {}, 5000);
  EXPECT_EQ(r.status, 504) << r.error << r.body;
  EXPECT_NE(r.body.find("upstream_timeout"), std::string::npos) << r.body;
  EXPECT_LT(r.total_ms, 650);
}

// budgets: a key whose window is spent is refused before anything leaves (429,
// OpenAI rate_limit_error); other keys and requests without a key go on.
TEST_F(Gateway, PerKeyBudgetRefusesOnceSpent) {
  // small costs 100 / 200 USD per M input / output tokens: one mock answer
  // (a few dozen tokens) costs ~0.005 USD, more than team-a's whole budget.
  start(default_yaml() +
        "budgets:\n  period: 1h\n  keys:\n    - { key: sk-team-a, usd: 0.001 }\n    - { key: sk-broke, usd: 0 }\n");
  const std::map<std::string, std::string> team_a = {{"authorization", "Bearer sk-team-a"}};
  auto r1 = post_chat(port_, chat("hi"), team_a);
  ASSERT_EQ(r1.status, 200) << r1.body;
  auto r2 = post_chat(port_, chat("hi again"), team_a);
  EXPECT_EQ(r2.status, 429) << r2.body;
  EXPECT_NE(r2.body.find("rate_limit_error"), std::string::npos) << r2.body;
  EXPECT_NE(r2.body.find("budget of this API key is spent"), std::string::npos) << r2.body;
  EXPECT_EQ(r2.body.find("sk-team-a"), std::string::npos) << "the key is never echoed";
  EXPECT_EQ(r2.headers["x-should-retry"], "false") << "OpenAI SDKs must not retry a spent budget at once";
  const int retry_after = std::atoi(r2.headers["retry-after"].c_str());
  EXPECT_GT(retry_after, 0);
  EXPECT_LE(retry_after, 3600) << "the 1h window ends within the hour";
  EXPECT_EQ(post_chat(port_, chat("hi"), {{"authorization", "Bearer sk-team-b"}}).status, 200) << "no budget listed";
  EXPECT_EQ(post_chat(port_, chat("hi")).status, 200) << "no key, no budget";
  EXPECT_EQ(post_chat(port_, chat("hi"), {{"authorization", "Bearer sk-broke"}}).status, 429) << "a zero budget";
  EXPECT_EQ(small_->stats().chat_completions, 3u) << "refused requests never reach an upstream";
  EXPECT_TRUE(metric_appears("semrouter_guard_actions_total{guard=\"budget\",action=\"block\"} 2"));
  EXPECT_TRUE(metric_appears("semrouter_errors_total{code=\"budget_exceeded\"} 2"));
}

// A stream without stream_options.include_usage reports no usage; it is
// charged an estimate, so streaming is no way around a budget.
TEST_F(Gateway, StreamsWithoutUsageAreChargedAnEstimate) {
  start(default_yaml() + "budgets:\n  keys:\n    - { key: sk-streamer, usd: 0.001 }\n");
  const std::map<std::string, std::string> key = {{"authorization", "Bearer sk-streamer"}};
  const std::string no_usage_stream =
      R"({"model":"auto","stream":true,"messages":[{"role":"user","content":"tell me something"}]})";
  auto r1 = post_chat(port_, no_usage_stream, key);
  ASSERT_EQ(r1.status, 200) << r1.body;
  EXPECT_EQ(r1.body.find("\"usage\":{"), std::string::npos) << "this stream really has no usage";
  EXPECT_EQ(post_chat(port_, no_usage_stream, key).status, 429) << "the estimate (~0.005 USD) spent the budget";
}

// An error answer to a stream request (here a relayed 400, e.g. a prompt over
// the context length) produced nothing to bill: no estimate is charged (found
// by review: the whole prompt was charged as if streamed).
TEST_F(Gateway, ErrorAnswersToStreamsAreNotCharged) {
  start(default_yaml() + "budgets:\n  keys:\n    - { key: sk-tight, usd: 0.000001 }\n");
  const std::map<std::string, std::string> key = {{"authorization", "Bearer sk-tight"}};
  MockBehavior b;
  b.fault = Fault::k400;
  b.fail_next = 2;
  small_->set_behavior(b);
  const std::string stream_req = R"({"model":"auto","stream":true,"messages":[{"role":"user","content":"a very long prompt"}]})";
  auto r1 = post_chat(port_, stream_req, key);
  EXPECT_EQ(r1.status, 400) << r1.body;
  EXPECT_NE(r1.body.find("context_length_exceeded"), std::string::npos) << r1.body;
  auto r2 = post_chat(port_, stream_req, key);
  EXPECT_EQ(r2.status, 400) << "still not charged: the upstream answered again, not the budget check";
  // A real streamed answer is charged (its estimate spends this tiny budget).
  auto r3 = post_chat(port_, stream_req, key);
  EXPECT_EQ(r3.status, 200) << r3.body;
  EXPECT_EQ(post_chat(port_, stream_req, key).status, 429);
}

// budgets.store: redis://: spend is shared with every instance on that Redis.
// The gateway's own spend reaches Redis within its sync period, and spend by
// another instance (a second ledger here) closes the key here too.
TEST_F(Gateway, PerKeyBudgetIsSharedThroughRedis) {
  if (!std::filesystem::exists(kRedis)) GTEST_SKIP() << "needs redis-server (Debian's redis-server package)";
  const int redis_port = free_port();
  RedisProcess redis(redis_port);
  ASSERT_TRUE(redis.running());
  start(default_yaml() + "budgets:\n  store: redis://127.0.0.1:" + std::to_string(redis_port) +
        "\n  keys:\n    - { key: sk-shared, usd: 1 }\n");
  const std::map<std::string, std::string> key = {{"authorization", "Bearer sk-shared"}};
  ASSERT_EQ(post_chat(port_, chat("hi"), key).status, 200);
  for (int i = 0; i < 300 && redis.stored_total() <= 0; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_GT(redis.stored_total(), 0.0) << "the gateway's spend reached Redis";
  {
    guards::RedisLedger::Options o;
    o.port = redis_port;
    o.sync_period = 1h;
    guards::RedisLedger other(o);
    other.add("sk-shared", 5.0, std::chrono::hours(24), std::chrono::system_clock::now());
    ASSERT_TRUE(other.sync());
  }
  int status = 200;
  for (int i = 0; i < 300 && status == 200; ++i) {
    status = post_chat(port_, chat("hi"), key).status;
    if (status == 200) std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(status, 429) << "the other instance's spend closed the key here";
}

// A rotated Redis password: a reload with the new one re-authenticates the
// ledger at once (found by review: only a restart did, and shared budgets
// went unenforced meanwhile).
TEST_F(Gateway, RedisPasswordRotationAppliesOnReload) {
  if (!std::filesystem::exists(kRedis)) GTEST_SKIP() << "needs redis-server (Debian's redis-server package)";
  const int redis_port = free_port();
  auto redis = std::make_unique<RedisProcess>(redis_port, std::vector<std::string>{"--requirepass", "first-pw"});
  ASSERT_TRUE(redis->running());
  auto cfg_with = [&](const std::string& pw) {
    return default_yaml() + "budgets:\n  store: redis://:" + pw + "@127.0.0.1:" + std::to_string(redis_port) +
           "\n  keys:\n    - { key: sk-rot, usd: 1 }\n";
  };
  start(cfg_with("first-pw"));
  const std::map<std::string, std::string> key = {{"authorization", "Bearer sk-rot"}};
  ASSERT_EQ(post_chat(port_, chat("hi"), key).status, 200);
  for (int i = 0; i < 300 && redis->stored_total() <= 0; ++i) std::this_thread::sleep_for(10ms);
  ASSERT_GT(redis->stored_total(), 0.0) << "spend reached Redis with the first password";
  // Redis comes back (empty) with a new password; the old one is refused.
  redis.reset();
  redis = std::make_unique<RedisProcess>(redis_port, std::vector<std::string>{"--requirepass", "second-pw"});
  ASSERT_TRUE(redis->running());
  ASSERT_EQ(post_chat(port_, chat("hi"), key).status, 200);
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(redis->stored_total(), 0.0) << "the old password is refused";
  reload(cfg_with("second-pw"), 2);
  for (int i = 0; i < 300 && redis->stored_total() <= 0; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_GT(redis->stored_total(), 0.0) << "after the reload the ledger writes again, with the new password";
}

// A non-streamed body trickled out in pieces, each within first_byte of the
// last, must still time out as a whole (a per-read deadline restarts with
// every piece: 8 pieces x 150 ms would take 1.2 s, and 8 x 1 h forever).
TEST_F(Gateway, TrickledResponseBodyTimesOut504) {
  start("version: 1\nserver:\n  listen: 127.0.0.1:0\n  access_log: \"off\"\nmodels:\n"
        "  - name: small\n    url: $SMALL\n    retry: { attempts: 1 }\n    timeouts: { first_byte: 300ms }\n");
  auto r = post_chat(port_, chat("hi [mock:fault=slow_body,chunk_delay_ms=150]"), {}, 5000);
  EXPECT_EQ(r.status, 504) << r.error << r.body;
  EXPECT_NE(r.body.find("upstream_timeout"), std::string::npos) << r.body;
  // (504 itself is the proof: each gap, 150 ms, is within the timeout.)
  // The same trickle within the deadline is a normal answer.
  auto ok = post_chat(port_, chat("hi [mock:fault=slow_body,chunk_delay_ms=20]"), {}, 5000);
  EXPECT_EQ(ok.status, 200) << ok.error << ok.body;
  EXPECT_NE(ok.body.find("chat.completion"), std::string::npos) << ok.body;
}

// A deadline that fires in the same sweep that starts the request's client
// watcher (first_byte <= ~40 ms): the watcher coroutine is only posted, the
// request resumes first with its timeout and waits in stop_watch for a watcher
// that then starts reading the client, who is waiting for the 504: a hang.
TEST_F(Gateway, TimeoutInTheWatcherStartSweepStillAnswers) {
  start("version: 1\nserver:\n  listen: 127.0.0.1:0\n  workers: 1\n  access_log: \"off\"\nmodels:\n"
        "  - name: small\n    url: $SMALL\n    retry: { attempts: 1 }\n    timeouts: { first_byte: 20ms }\n");
  MockBehavior b;
  b.fault = Fault::kStall;
  small_->set_behavior(b);
  const std::string body = chat("hi");
  for (int i = 0; i < 3; ++i) {
    net::io_context ioc;
    tcp::socket s(ioc);
    s.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port_));
    net::write(s, net::buffer("POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-length: " +
                              std::to_string(body.size()) + "\r\n\r\n" + body));
    // poll() with a timeout: Asio's blocking reads would wait forever on a hang.
    pollfd pfd{s.native_handle(), POLLIN, 0};
    ASSERT_EQ(::poll(&pfd, 1, 2000), 1) << "request " << i << ": no answer within 2 s";
    char buf[4096];
    ssize_t n = ::recv(s.native_handle(), buf, sizeof buf, 0);
    ASSERT_GT(n, 0);
    EXPECT_EQ(std::string(buf, static_cast<size_t>(n)).substr(0, 12), "HTTP/1.1 504") << std::string(buf, static_cast<size_t>(n));
  }
}

TEST_F(Gateway, StreamStalledBeforeFirstByteFallsBack) {
  start(default_yaml("", "    timeouts: { first_byte: 300ms }\n"));
  MockBehavior b;
  b.fault = Fault::kStall;
  large_->set_behavior(b);
  auto r = post_chat(port_, chat("prove it", "auto", true), {}, 5000);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("x-semrouter-model"), "small");
}

TEST_F(Gateway, DropMidStreamEndsWithErrorEvent) {
  start(default_yaml());
  MockBehavior b;
  b.fault = Fault::kDropMidStream;
  b.chunks = 6;
  b.drop_after_chunks = 2;
  small_->set_behavior(b);
  auto r = post_chat(port_, chat("hello", "auto", true));
  ASSERT_EQ(r.status, 200);
  EXPECT_TRUE(r.error.empty()) << r.error;  // the chunked body was terminated properly
  EXPECT_NE(r.body.find("\"code\":\"upstream_error\""), std::string::npos) << r.body;
  EXPECT_EQ(r.body.find("[DONE]"), std::string::npos);
}

TEST_F(Gateway, ClientDisconnectCancelsUpstream) {
  start(default_yaml());
  MockBehavior b;
  b.fault = Fault::kStall;  // the mock holds the request until its client (the router) leaves
  small_->set_behavior(b);
  {
    net::io_context ioc;
    tcp::socket s(ioc);
    s.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port_));
    std::string body = chat("hello");
    std::string req = "POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: " +
                      std::to_string(body.size()) + "\r\n\r\n" + body;
    net::write(s, net::buffer(req));
    for (int i = 0; i < 100 && small_->stats().connections_open == 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    ASSERT_EQ(small_->stats().connections_open, 1u);
  }  // client closes here; the stalled upstream would never answer
  bool closed = false;
  for (int i = 0; i < 100 && !closed; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    closed = small_->stats().connections_open == 0;
  }
  EXPECT_TRUE(closed) << "upstream connection still open after the client left";
}

TEST_F(Gateway, BodyAndHeaderLimits) {
  start(default_yaml("  max_body_bytes: 4KiB\n  max_header_bytes: 2KiB\n  request_timeout: 400ms\n"));
  auto big = post_chat(port_, chat(std::string(8000, 'a')));
  EXPECT_EQ(big.status, 413) << big.body;
  EXPECT_NE(big.body.find("body_too_large"), std::string::npos);
  std::string hdr = "GET /health HTTP/1.1\r\nhost: x\r\nx-big: " + std::string(4000, 'b') + "\r\n\r\n";
  std::string resp = raw_exchange(port_, hdr);
  EXPECT_NE(resp.find("HTTP/1.1 431"), std::string::npos) << resp.substr(0, 200);
  // A slow client that never finishes its body is cut off with 408.
  std::string slow = "POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\n{\"model\"";
  auto t0 = std::chrono::steady_clock::now();
  std::string sr = raw_exchange(port_, slow, 3000);
  EXPECT_NE(sr.find("HTTP/1.1 408"), std::string::npos) << sr;
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));
  std::string garbage = raw_exchange(port_, "THIS IS NOT HTTP\r\n\r\n");
  EXPECT_NE(garbage.find("HTTP/1.1 400"), std::string::npos) << garbage;
}

TEST_F(Gateway, ConnectionLimit) {
  start(default_yaml("  max_connections: 2\n"));
  net::io_context ioc;
  tcp::socket a(ioc), b(ioc);
  a.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port_));
  b.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port_));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  std::string third = raw_exchange(port_, "GET /health HTTP/1.1\r\nhost: x\r\n\r\n");
  EXPECT_NE(third.find("HTTP/1.1 503"), std::string::npos) << third;
  a.close();
  b.close();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(http_call(port_, http::verb::get, "/health").status, 200);
}

TEST_F(Gateway, HotReloadSwapsRules) {
  start(default_yaml());
  EXPECT_EQ(post_chat(port_, chat("hello")).header("x-semrouter-model"), "small");
  reload("version: 1\nrouting:\n  default: large\nmodels:\n  - name: small\n    url: $SMALL\n  - name: large\n    url: $LARGE\n", 2);
  auto r = post_chat(port_, chat("hello"));
  EXPECT_EQ(r.header("x-semrouter-model"), "large");
  auto ready = http_call(port_, http::verb::get, "/ready");
  EXPECT_NE(ready.body.find("\"config_generation\":2"), std::string::npos) << ready.body;
}

TEST_F(Gateway, AdminEndpoints) {
  start(default_yaml());
  ASSERT_EQ(post_chat(port_, chat("hello")).status, 200);
  ASSERT_TRUE(metric_appears("semrouter_overhead_seconds_count 1"));
  auto h = http_call(port_, http::verb::get, "/health");
  EXPECT_EQ(h.status, 200);
  auto m = http_call(port_, http::verb::get, "/v1/models");
  EXPECT_EQ(m.status, 200);
  EXPECT_NE(m.body.find("\"id\":\"small\""), std::string::npos);
  EXPECT_NE(m.body.find("\"id\":\"auto\""), std::string::npos);
  // The prober runs at start; give it a moment.
  HttpResult ready;
  for (int i = 0; i < 50; ++i) {
    ready = http_call(port_, http::verb::get, "/ready");
    if (ready.status == 200) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(ready.status, 200) << ready.body;
  EXPECT_NE(ready.body.find("\"up\""), std::string::npos);
  auto met = http_call(port_, http::verb::get, "/metrics");
  EXPECT_EQ(met.status, 200);
  EXPECT_NE(met.body.find("semrouter_requests_total{model=\"small\",rule=\"default\"} 1"), std::string::npos) << met.body;
  EXPECT_NE(met.body.find("semrouter_cost_usd_total{model=\"small\"}"), std::string::npos);
  EXPECT_NE(met.body.find("semrouter_overhead_seconds_count 1"), std::string::npos);
}

TEST_F(Gateway, NotReadyWhenNoBackendAnswers) {
  start("version: 1\nserver:\n  listen: 127.0.0.1:0\n  access_log: \"off\"\nmodels:\n  - name: dead\n    url: http://127.0.0.1:1/v1\n");
  HttpResult ready;
  for (int i = 0; i < 50; ++i) {
    ready = http_call(port_, http::verb::get, "/ready");
    if (ready.body.find("\"down\"") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(ready.status, 503) << ready.body;
  EXPECT_NE(ready.body.find("\"down\""), std::string::npos);
}

TEST_F(Gateway, ManyConcurrentRequests) {
  start(default_yaml());
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i) {
        auto r = post_chat(port_, chat(i % 2 ? "prove " + std::to_string(t) : "hi", "auto", i % 3 == 0));
        if (r.status == 200 && r.error.empty()) ++ok;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), 320);
}

TEST_F(Gateway, WeightedEndpointsSpreadLoad) {
  start("version: 1\nserver:\n  listen: 127.0.0.1:0\n  access_log: \"off\"\nmodels:\n  - name: pooled\n    endpoints:\n"
        "      - { url: \"$SMALL\", weight: 3 }\n      - { url: \"$LARGE\", weight: 1 }\n"
        "      - { url: \"http://127.0.0.1:1/v1\", weight: 0 }\n");
  for (int i = 0; i < 400; ++i) ASSERT_EQ(post_chat(port_, chat("hi")).status, 200);
  double a = static_cast<double>(small_->stats().chat_completions), b = static_cast<double>(large_->stats().chat_completions);
  EXPECT_EQ(a + b, 400.0);  // the weight-0 endpoint never gets traffic
  EXPECT_NEAR(a / (a + b), 0.75, 0.08) << a << " vs " << b;
}

TEST_F(Gateway, IdleStreamTimesOut) {
  start(default_yaml("", "    timeouts: { idle: 200ms }\n"));
  MockBehavior b;
  b.chunks = 4;
  b.chunk_delay_ms = 800;  // gaps longer than the idle timeout
  large_->set_behavior(b);
  auto r = post_chat(port_, chat("prove it", "auto", true), {}, 5000);
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("idle for longer than 200ms"), std::string::npos) << r.body;
  EXPECT_LT(r.total_ms, 2500);
}

TEST_F(Gateway, UpstreamAuthFromConfigOrClient) {
  start("version: 1\nserver:\n  listen: 127.0.0.1:0\n  access_log: \"off\"\nrouting:\n  rules:\n"
        "    - name: byo\n      when: { keywords: [byo] }\n      model: large\nmodels:\n"
        "  - name: small\n    url: $SMALL\n    api_key: sk-config-123\n    headers: { openai-organization: org-7 }\n"
        "  - name: large\n    url: $LARGE\n    auth: passthrough\n");
  auto a = post_chat(port_, chat("hello"), {{"authorization", "Bearer client-key"}});
  ASSERT_EQ(a.status, 200);
  EXPECT_EQ(small_->last_request_header("authorization"), "Bearer sk-config-123");
  EXPECT_EQ(small_->last_request_header("openai-organization"), "org-7");
  auto b = post_chat(port_, chat("byo key"), {{"authorization", "Bearer client-key"}});
  ASSERT_EQ(b.status, 200);
  EXPECT_EQ(large_->last_request_header("authorization"), "Bearer client-key");
  auto c = post_chat(port_, chat("byo key"));
  ASSERT_EQ(c.status, 200);
  EXPECT_EQ(large_->last_request_header("authorization"), "");  // nothing to pass through
}

TEST_F(Gateway, KeepAliveReusesClientAndUpstreamConnections) {
  start(default_yaml());
  std::string body = chat("hello");
  std::string one = "POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: " +
                    std::to_string(body.size()) + "\r\n\r\n" + body;
  std::string last = "GET /health HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n";
  std::string resp = raw_exchange(port_, one + one + one + last);
  size_t count = 0;
  for (size_t pos = 0; (pos = resp.find("HTTP/1.1 200", pos)) != std::string::npos; ++pos) ++count;
  EXPECT_EQ(count, 4u) << resp;
  EXPECT_LE(small_->stats().connections_total, 2u);  // pooled upstream connections
}

}  // namespace
}  // namespace sr::testing

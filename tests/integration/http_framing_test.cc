// HTTP/1.1 framing at both doors of the gateway, over real sockets: what clients
// may send (chunked bodies, pipelining, Expect, HTTP/1.0, smuggling shapes) and
// what upstreams may answer (close-delimited, chunked JSON, interim 100, garbage).
#include <poll.h>
#include <sys/socket.h>

#include <atomic>
#include <thread>

#include <gtest/gtest.h>

#include "gateway_fixture.h"

namespace sr::testing {
namespace {

size_t count_of(const std::string& s, const std::string& needle) {
  size_t n = 0;
  for (size_t p = 0; (p = s.find(needle, p)) != std::string::npos; p += needle.size()) ++n;
  return n;
}

std::string post_head(size_t content_length, const std::string& extra = "") {
  return "POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: " +
         std::to_string(content_length) + "\r\n" + extra + "\r\n";
}

TEST_F(Gateway, ChunkedRequestBodyIsDecoded) {
  start(default_yaml());
  std::string body = chat("please prove this");
  std::string chunked = "POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n";
  // Three chunks of uneven size, one with an extension, then a trailer.
  size_t a = body.size() / 3, b = body.size() / 2;
  auto hex = [](size_t n) { char buf[16]; snprintf(buf, sizeof buf, "%zx", n); return std::string(buf); };
  chunked += hex(a) + "\r\n" + body.substr(0, a) + "\r\n";
  chunked += hex(b - a) + ";note=1\r\n" + body.substr(a, b - a) + "\r\n";
  chunked += hex(body.size() - b) + "\r\n" + body.substr(b) + "\r\n0\r\nx-trailer: 1\r\n\r\n";
  std::string resp = raw_exchange(port_, chunked);
  EXPECT_NE(resp.find("HTTP/1.1 200"), std::string::npos) << resp.substr(0, 300);
  EXPECT_NE(resp.find("x-semrouter-model: large"), std::string::npos) << resp.substr(0, 300);
  EXPECT_NE(large_->last_request_body().find("please prove this"), std::string::npos);
}

TEST_F(Gateway, PipelinedRequestsAnswerInOrder) {
  start(default_yaml());
  std::string one = chat("hello one"), two = chat("prove two");
  std::string bytes = post_head(one.size()) + one + post_head(two.size(), "connection: close\r\n") + two;
  std::string resp = raw_exchange(port_, bytes);
  ASSERT_EQ(count_of(resp, "HTTP/1.1 200"), 2u) << resp;
  size_t first = resp.find("x-semrouter-model: small"), second = resp.find("x-semrouter-model: large");
  ASSERT_NE(first, std::string::npos);
  ASSERT_NE(second, std::string::npos);
  EXPECT_LT(first, second);
}

TEST_F(Gateway, ExpectContinueAndHttp10) {
  start(default_yaml());
  std::string body = chat("hi");
  std::string resp = raw_exchange(port_, post_head(body.size(), "expect: 100-continue\r\nconnection: close\r\n") + body);
  // Either order is legal for a client that sends the body at once; both must be there.
  EXPECT_NE(resp.find("HTTP/1.1 200"), std::string::npos) << resp.substr(0, 300);
  std::string r10 = raw_exchange(port_, "GET /health HTTP/1.0\r\n\r\n");
  EXPECT_NE(r10.find(" 200 "), std::string::npos) << r10;  // and the server closed (raw_exchange returned)
}

TEST_F(Gateway, SmugglingShapesAndBrokenFramingAre400) {
  start(default_yaml());
  std::string body = chat("hi");
  std::string both = "POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-length: " + std::to_string(body.size()) +
                     "\r\ntransfer-encoding: chunked\r\n\r\n" + body;
  std::string r1 = raw_exchange(port_, both);
  EXPECT_NE(r1.find("HTTP/1.1 400"), std::string::npos) << r1.substr(0, 300);
  EXPECT_NE(r1.find("Transfer-Encoding"), std::string::npos) << r1;
  std::string r2 = raw_exchange(port_, "POST /v1/chat/completions HTTP/1.1\r\ncontent-length: 5\r\ncontent-length: 7\r\n\r\nhello");
  EXPECT_NE(r2.find("HTTP/1.1 400"), std::string::npos) << r2.substr(0, 300);
  std::string r3 = raw_exchange(port_, "POST /v1/chat/completions HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n");
  EXPECT_NE(r3.find("HTTP/1.1 400"), std::string::npos) << r3.substr(0, 300);
  EXPECT_NE(r3.find("chunked"), std::string::npos) << r3;
  std::string r4 = raw_exchange(port_, "GET /health HTTP/1.1\r\nx-folded: a\r\n b\r\n\r\n");
  EXPECT_NE(r4.find("HTTP/1.1 400"), std::string::npos) << r4.substr(0, 300);
  EXPECT_EQ(small_->stats().chat_completions + large_->stats().chat_completions, 0u);
}

// A one-shot raw upstream: answers every request on its port with `answer`
// (then closes if `close_after`), so framing the mock never produces can be tested.
// A non-empty `unsolicited` is sent 50 ms after each answer, then the
// connection is closed (a server saying 408 as its keep-alive timeout ends).
class RawUpstream {
 public:
  RawUpstream(std::string answer, bool close_after, std::string unsolicited = "")
      : answer_(std::move(answer)), unsolicited_(std::move(unsolicited)), close_after_(close_after) {
    acceptor_.open(tcp::v4());
    acceptor_.set_option(net::socket_base::reuse_address(true));
    acceptor_.bind(tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] { run(); });
  }
  ~RawUpstream() {
    stop_ = true;
    // Wake a read blocked on a kept-alive connection (Asio's blocking reads poll,
    // ignoring SO_RCVTIMEO), then the accept.
    if (int fd = current_fd_.load(); fd >= 0) ::shutdown(fd, SHUT_RDWR);
    boost::system::error_code ec;
    tcp::socket poke(ioc_);
    poke.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port_), ec);
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }
  int requests() const { return requests_; }

 private:
  void run() {
    while (!stop_) {
      boost::system::error_code ec;
      tcp::socket s(ioc_);
      acceptor_.accept(s, ec);
      if (ec || stop_) return;
      current_fd_ = s.native_handle();
      std::string in;
      char buf[8192];
      for (;;) {
        size_t n = s.read_some(net::buffer(buf), ec);
        if (ec) break;
        in.append(buf, n);
        size_t he = in.find("\r\n\r\n");
        if (he == std::string::npos) continue;
        size_t cl = 0;
        size_t p = in.find("content-length: ");
        if (p != std::string::npos) cl = std::stoul(in.substr(p + 16));
        if (in.size() < he + 4 + cl) continue;
        in.erase(0, he + 4 + cl);
        ++requests_;
        net::write(s, net::buffer(answer_), ec);
        if (!unsolicited_.empty() && !ec) {
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
          net::write(s, net::buffer(unsolicited_), ec);
          break;
        }
        if (close_after_ || ec) break;
      }
      current_fd_ = -1;
      s.shutdown(tcp::socket::shutdown_both, ec);
    }
  }
  net::io_context ioc_;
  tcp::acceptor acceptor_{ioc_};
  std::string answer_;
  std::string unsolicited_;
  bool close_after_;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> requests_{0};
  std::atomic<int> current_fd_{-1};
  std::thread thread_;
};

std::string raw_model_yaml(const std::string& url) {
  return "version: 1\nserver:\n  listen: 127.0.0.1:0\n  workers: 1\n  access_log: \"off\"\n"
         "routing:\n  default: raw\nmodels:\n  - name: raw\n    url: " + url +
         "\n    retry: { attempts: 1 }\n    timeouts: { first_byte: 2s }\n";
}

const char* kJson = R"({"id":"x","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"raw ok"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}})";

TEST_F(Gateway, UpstreamCloseDelimitedAnswer) {
  RawUpstream up(std::string("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n") + kJson, true);
  start(raw_model_yaml(up.url()));
  for (int i = 0; i < 2; ++i) {  // the connection is not reused: each request opens its own
    auto r = post_chat(port_, chat("hi"));
    ASSERT_EQ(r.status, 200) << r.error << r.body;
    EXPECT_NE(r.body.find("raw ok"), std::string::npos) << r.body;
  }
  EXPECT_EQ(up.requests(), 2);
  EXPECT_TRUE(metric_appears("semrouter_tokens_total")) << registry_.render().substr(0, 0);
}

TEST_F(Gateway, UpstreamChunkedJsonWithInterim100) {
  std::string json = kJson;
  char size_line[16];
  snprintf(size_line, sizeof size_line, "%zx\r\n", json.size() - 10);
  std::string answer = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
                       "transfer-encoding: chunked\r\n\r\n" + std::string(size_line) + json.substr(0, json.size() - 10) +
                       "\r\na\r\n" + json.substr(json.size() - 10) + "\r\n0\r\n\r\n";
  RawUpstream up(answer, false);
  start(raw_model_yaml(up.url()));
  for (int i = 0; i < 3; ++i) {
    auto r = post_chat(port_, chat("hi"));
    ASSERT_EQ(r.status, 200) << r.error << r.body;
    EXPECT_NE(r.body.find("\"raw ok\""), std::string::npos) << r.body;
    EXPECT_EQ(r.body.back(), '}');  // chunk framing removed, body whole
  }
  EXPECT_EQ(up.requests(), 3);
}

TEST_F(Gateway, UpstreamGarbageIs502NotACrash) {
  for (const char* bad : {"NOT HTTP AT ALL\r\n\r\n", "HTTP/1.1 200 OK\r\ncontent-length: 12x\r\n\r\n",
                          "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n",
                          "HTTP/1.1 200 OK\r\ncontent-length: 500\r\n\r\ntruncated"}) {
    RawUpstream up(bad, true);
    start(raw_model_yaml(up.url()));
    auto r = post_chat(port_, chat("hi"));
    EXPECT_EQ(r.status, 502) << bad << " -> " << r.body;
    EXPECT_NE(r.body.find("upstream"), std::string::npos) << r.body;
    server_->stop();
    server_.reset();
  }
}

// An upstream that announces keep-alive but closes every connection after its
// answer (as one whose idle timeout is shorter than the pool's does): pooled
// connections go stale. A request that draws two stale ones in a row must get a
// fresh connection (or an error), never a relay from no connection at all.
// An idle pooled connection on which the server said something unasked (a 408
// before closing) must not be reused: those bytes would be read as the answer
// to the next request and the client would get the 408.
TEST_F(Gateway, UnsolicitedBytesOnAnIdlePooledConnectionAreNotTheNextAnswer) {
  RawUpstream up(std::string("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ") +
                     std::to_string(std::string(kJson).size()) + "\r\n\r\n" + kJson,
                 false, "HTTP/1.1 408 Request Timeout\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
  start(raw_model_yaml(up.url()));
  auto r1 = post_chat(port_, chat("hi"));
  ASSERT_EQ(r1.status, 200) << r1.error << r1.body;
  // Longer than the pool's probe age (500 ms): the connection is checked before reuse.
  std::this_thread::sleep_for(std::chrono::milliseconds(800));
  auto r2 = post_chat(port_, chat("hi again"));
  EXPECT_EQ(r2.status, 200) << r2.error << r2.body;
  EXPECT_NE(r2.body.find("raw ok"), std::string::npos) << r2.body;
  EXPECT_EQ(up.requests(), 2);
}

TEST_F(Gateway, TwoStalePooledConnectionsInARow) {
  RawUpstream up(std::string("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ") +
                     std::to_string(std::string(kJson).size()) + "\r\n\r\n" + kJson,
                 true);
  start(raw_model_yaml(up.url()));
  for (int round = 0; round < 3; ++round) {
    // Concurrent requests leave several (stale) connections in the pool.
    std::vector<std::thread> ts;
    std::atomic<int> ok{0};
    for (int i = 0; i < 4; ++i)
      ts.emplace_back([&] {
        if (post_chat(port_, chat("hi")).status == 200) ++ok;
      });
    for (auto& t : ts) t.join();
    EXPECT_EQ(ok.load(), 4) << "round " << round;
  }
}

}  // namespace
}  // namespace sr::testing

namespace sr::testing {
namespace {

// Sends `bytes`, waits `delay_ms` before reading (so the server's socket buffer
// fills and its writes go partial: the answers below are larger than the
// kernel's largest send buffer, 4 MiB by default), then reads until the server closes.
std::string slow_reader_exchange(uint16_t port, const std::string& bytes, int delay_ms) {
  net::io_context ioc;
  tcp::socket s(ioc);
  boost::system::error_code ec;
  s.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port), ec);
  if (ec) return "CONNECT-ERROR";
  set_timeout(s, 10000);
  net::write(s, net::buffer(bytes), ec);
  std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
  std::string out;
  std::vector<char> buf(1 << 16);
  for (;;) {
    size_t n = s.read_some(net::buffer(buf), ec);
    if (ec) break;
    out.append(buf.data(), n);
  }
  return out;
}

TEST_F(Gateway, LargeAnswersToASlowReaderArriveWhole) {
  start(default_yaml("  max_response_bytes: 64MiB\n"));
  const std::string prompt = "big [mock:chunks=8,chunk_chars=1000000]";
  for (bool stream : {false, true}) {
    std::string body = chat(prompt, "auto", stream);
    std::string req = post_head(body.size(), "connection: close\r\n") + body;
    std::string resp = slow_reader_exchange(port_, req, 300);
    ASSERT_NE(resp.find("HTTP/1.1 200"), std::string::npos) << resp.substr(0, 300);
    EXPECT_GT(resp.size(), 8'000'000u) << "stream=" << stream;
    if (stream) {
      EXPECT_NE(resp.find("data: [DONE]"), std::string::npos);
      EXPECT_EQ(resp.substr(resp.size() - 5), "0\r\n\r\n");  // chunked body terminated
    } else {
      EXPECT_EQ(resp.back(), '}');
      size_t cl = resp.find("content-length: ");
      ASSERT_NE(cl, std::string::npos);
      size_t head_end = resp.find("\r\n\r\n");
      EXPECT_EQ(std::stoul(resp.substr(cl + 16)), resp.size() - head_end - 4);
    }
  }
}

}  // namespace
}  // namespace sr::testing

namespace sr::testing {
namespace {

TEST_F(Gateway, HeadRequestsGetNoBody) {
  start(default_yaml());
  // Pipelined HEAD then GET: a body after the HEAD answer would be read as the
  // start of the next response.
  std::string resp = raw_exchange(port_, "HEAD /health HTTP/1.1\r\nhost: x\r\n\r\nGET /health HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n");
  size_t first = resp.find("HTTP/1.1 200"), second = resp.find("HTTP/1.1 200", first + 1);
  ASSERT_NE(first, std::string::npos) << resp;
  ASSERT_NE(second, std::string::npos) << resp;
  std::string head_answer = resp.substr(first, second - first);
  EXPECT_NE(head_answer.find("content-length: 15"), std::string::npos) << head_answer;
  EXPECT_EQ(head_answer.find("{\"status\""), std::string::npos) << head_answer;
  EXPECT_EQ(head_answer.substr(head_answer.size() - 4), "\r\n\r\n");
  EXPECT_NE(resp.find("{\"status\":\"ok\"}", second), std::string::npos) << resp;
}

}  // namespace
}  // namespace sr::testing

namespace sr::testing {
namespace {

// A request that cannot be read (here: an obs-folded header) right after a HEAD
// request on the same connection: its 400 must carry the body its
// content-length announces, not inherit the HEAD's "no body".
TEST_F(Gateway, ReadErrorAfterHeadRequestKeepsItsBody) {
  start(default_yaml());
  std::string resp = raw_exchange(port_, "HEAD /health HTTP/1.1\r\nhost: x\r\n\r\n"
                                         "GET /health HTTP/1.1\r\nx-folded: a\r\n b\r\n\r\n");
  size_t second = resp.find("HTTP/1.1 400");
  ASSERT_NE(second, std::string::npos) << resp;
  std::string answer = resp.substr(second);
  size_t cl = answer.find("content-length: ");
  ASSERT_NE(cl, std::string::npos) << answer;
  size_t head_end = answer.find("\r\n\r\n");
  ASSERT_NE(head_end, std::string::npos) << answer;
  EXPECT_EQ(std::stoul(answer.substr(cl + 16)), answer.size() - head_end - 4) << answer;
  EXPECT_NE(answer.find("\"code\":"), std::string::npos) << answer;
}

}  // namespace
}  // namespace sr::testing

namespace sr::testing {
namespace {

// Reads what arrives within `ms` (poll: Asio's blocking reads ignore SO_RCVTIMEO).
std::string read_for(tcp::socket& s, int ms) {
  std::string out;
  char buf[8192];
  pollfd pfd{s.native_handle(), POLLIN, 0};
  while (::poll(&pfd, 1, ms) == 1) {
    ssize_t n = ::recv(s.native_handle(), buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
    if (out.find("\r\n\r\n") != std::string::npos && out.find("{\"status\":\"ok\"}") != std::string::npos) break;
  }
  return out;
}

// HTTP/1.0 is close by default: a connection the server keeps open for a 1.0
// client that asked for keep-alive must say so, or the client (which must then
// assume close) waits for a close that only the idle timeout brings.
TEST_F(Gateway, Http10KeepAliveAnswerSaysKeepAlive) {
  start(default_yaml());
  net::io_context ioc;
  tcp::socket s(ioc);
  s.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port_));
  net::write(s, net::buffer(std::string("GET /health HTTP/1.0\r\nconnection: keep-alive\r\n\r\n")));
  std::string first = read_for(s, 2000);
  ASSERT_NE(first.find(" 200 "), std::string::npos) << first;
  EXPECT_NE(first.find("connection: keep-alive\r\n"), std::string::npos) << first;
  // The connection is really kept: a second (plain 1.0) request on it is answered, then closed.
  net::write(s, net::buffer(std::string("GET /health HTTP/1.0\r\n\r\n")));
  std::string second = read_for(s, 2000);
  EXPECT_NE(second.find(" 200 "), std::string::npos) << second;
  EXPECT_NE(second.find("connection: close\r\n"), std::string::npos) << second;
}

}  // namespace
}  // namespace sr::testing

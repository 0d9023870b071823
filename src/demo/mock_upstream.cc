#include "demo/mock_upstream.h"

// GCC 12 + Boost 1.74: asio's awaitable.hpp uses std::exchange without <utility>.
#include <utility>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <optional>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <nlohmann/json.hpp>

#include "demo/mock_answer.h"

namespace sr::demo {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;
// Concrete executor types: no type erasure on the benchmark path.
using Executor = asio::io_context::executor_type;
using Socket = asio::basic_stream_socket<tcp, Executor>;
using Timer = asio::basic_waitable_timer<std::chrono::steady_clock, asio::wait_traits<std::chrono::steady_clock>,
                                         Executor>;

constexpr size_t kMaxBody = 16u << 20;
constexpr size_t kMaxHeader = 64u << 10;

int64_t unix_now() { return static_cast<int64_t>(std::time(nullptr)); }

asio::awaitable<void> sleep_ms(Socket& sock, int ms) {
  if (ms <= 0) co_return;
  Timer t(sock.get_executor());
  t.expires_after(std::chrono::milliseconds(ms));
  error_code ec;
  co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
}

asio::awaitable<error_code> write_all(Socket& sock, std::string_view data) {
  error_code ec;
  co_await asio::async_write(sock, asio::buffer(data.data(), data.size()), asio::redirect_error(asio::use_awaitable, ec));
  co_return ec;
}

std::string_view reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 413: return "Payload Too Large";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    default: return "Unknown";
  }
}

// Response head as separate lines, so kSlowHeaders can trickle them out.
// `content_length` < 0 means chunked transfer encoding (streams).
std::vector<std::string> head_lines(int status, std::string_view content_type, int64_t content_length,
                                    bool keep_alive, std::string_view backend,
                                    const std::vector<std::pair<std::string, std::string>>& extra = {}) {
  std::vector<std::string> lines;
  lines.push_back("HTTP/1.1 " + std::to_string(status) + " " + std::string(reason(status)) + "\r\n");
  lines.push_back("Content-Type: " + std::string(content_type) + "\r\n");
  if (content_length >= 0) {
    lines.push_back("Content-Length: " + std::to_string(content_length) + "\r\n");
  } else {
    lines.push_back("Transfer-Encoding: chunked\r\n");
    lines.push_back("Cache-Control: no-cache\r\n");
  }
  lines.push_back(keep_alive ? "Connection: keep-alive\r\n" : "Connection: close\r\n");
  lines.push_back("x-mock-backend: " + std::string(backend) + "\r\n");
  for (const auto& [k, v] : extra) lines.push_back(k + ": " + v + "\r\n");
  lines.push_back("\r\n");
  return lines;
}

std::string join(const std::vector<std::string>& lines) {
  std::string s;
  for (const auto& l : lines) s += l;
  return s;
}

std::string full_response(int status, std::string_view content_type, std::string_view body, bool keep_alive,
                          std::string_view backend,
                          const std::vector<std::pair<std::string, std::string>>& extra = {}) {
  return join(head_lines(status, content_type, static_cast<int64_t>(body.size()), keep_alive, backend, extra)) +
         std::string(body);
}

// One HTTP/1.1 chunk of a chunked body.
void append_chunk(std::string& out, std::string_view data) {
  char hex[20];
  int n = std::snprintf(hex, sizeof hex, "%zx\r\n", data.size());
  out.append(hex, static_cast<size_t>(n));
  out.append(data);
  out.append("\r\n");
}

constexpr std::string_view kLastChunk = "0\r\n\r\n";
constexpr std::string_view kJson = "application/json";
constexpr std::string_view kSse = "text/event-stream; charset=utf-8";

// Typed lookups that never throw: a field of the wrong type counts as absent.
bool bool_field(const nlohmann::json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_boolean() && it->get<bool>();
}

std::string_view string_field(const nlohmann::json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_string()) return {};
  return it->get_ref<const std::string&>();
}

// Text of the last user message; content may be a string or an array of parts.
std::string last_user_text(const nlohmann::json& messages) {
  for (auto it = messages.rbegin(); it != messages.rend(); ++it) {
    if (!it->is_object() || string_field(*it, "role") != "user") continue;
    const auto c = it->find("content");
    if (c == it->end()) return {};
    if (c->is_string()) return c->get<std::string>();
    std::string text;
    if (c->is_array()) {
      for (const auto& part : *c) {
        if (part.is_object() && string_field(part, "type") == "text") {
          if (!text.empty()) text += ' ';
          text += string_field(part, "text");
        }
      }
    }
    return text;
  }
  return {};
}

size_t prompt_chars(const nlohmann::json& messages) {
  size_t n = 0;
  for (const auto& m : messages) {
    if (!m.is_object()) continue;
    auto c = m.find("content");
    if (c != m.end() && c->is_string()) n += c->get_ref<const std::string&>().size();
    if (c != m.end() && c->is_array()) n += c->dump().size();
  }
  return n;
}

}  // namespace

// Threads, io_contexts, the acceptor and the per-connection coroutines. Lives
// only between start() and stop(); destroying it destroys every coroutine frame,
// which closes every socket (stalled connections included).
struct MockUpstream::Impl {
  struct Worker {
    asio::io_context ioc{1};  // one thread per context: no locking inside asio
    std::optional<asio::executor_work_guard<Executor>> guard;
    std::thread thread;
  };

  explicit Impl(MockUpstream& owner) : owner_(owner) {}

  MockUpstream& owner_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::unique_ptr<asio::basic_socket_acceptor<tcp, Executor>> acceptor_;
  size_t next_worker_ = 0;  // only touched by the accept loop (worker 0)
  // Benchmark mode answers, built once.
  std::string fixed_json_;
  std::string fixed_sse_;

  void build_fixed() {
    MockBehavior b;
    b.chunks = 1;
    MockAnswer a = make_answer(owner_.options_.name, "fixed", 20, b, 0, unix_now());
    a.pieces = {"[" + owner_.options_.name + "] fixed answer"};
    fixed_json_ = completion_json(a);
    fixed_sse_ = sse_role_event(a, false) + sse_content_event(a, a.pieces[0], false) + sse_finish_event(a, false) +
                 std::string(kSseDone);
  }

  asio::awaitable<void> accept_loop() {
    for (;;) {
      Worker& w = *workers_[next_worker_++ % workers_.size()];
      error_code ec;
      Socket sock = co_await acceptor_->async_accept(w.ioc, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        if (ec == asio::error::operation_aborted || !acceptor_->is_open()) co_return;
        // EMFILE and friends: back off instead of spinning.
        Timer t(acceptor_->get_executor());
        t.expires_after(std::chrono::milliseconds(20));
        co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        continue;
      }
      sock.set_option(tcp::no_delay(true), ec);
      asio::co_spawn(w.ioc, serve_connection(std::move(sock)), asio::detached);
    }
  }

  asio::awaitable<void> serve_connection(Socket sock) {
    owner_.connections_total_.fetch_add(1, std::memory_order_relaxed);
    owner_.connections_open_.fetch_add(1, std::memory_order_relaxed);
    // Runs on normal exit and when stop() destroys the frame.
    struct OpenGuard {
      std::atomic<uint64_t>& open;
      ~OpenGuard() { open.fetch_sub(1, std::memory_order_relaxed); }
    } guard{owner_.connections_open_};

    beast::flat_buffer buf;
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.body_limit(kMaxBody);
      parser.header_limit(kMaxHeader);
      error_code ec;
      co_await http::async_read_header(sock, buf, parser, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        if (ec != http::error::end_of_stream && ec != asio::error::eof && ec != asio::error::connection_reset &&
            ec != asio::error::operation_aborted) {
          co_await write_all(sock, full_response(400, kJson, error_json("malformed HTTP request: " + ec.message(),
                                                                          "invalid_request_error"),
                                                 false, owner_.options_.name));
        }
        co_return;
      }
      if (beast::iequals(parser.get()[http::field::expect], "100-continue")) {
        if (co_await write_all(sock, "HTTP/1.1 100 Continue\r\n\r\n")) co_return;
      }
      co_await http::async_read(sock, buf, parser, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        if (ec == http::error::body_limit) {
          co_await write_all(sock, full_response(413, kJson, error_json("request body too large", "invalid_request_error"),
                                                 false, owner_.options_.name));
        }
        co_return;
      }
      const auto& req = parser.get();
      bool keep_alive = req.keep_alive();
      bool keep = co_await handle(sock, req, keep_alive);
      if (!keep || !keep_alive) {
        sock.shutdown(tcp::socket::shutdown_send, ec);
        co_return;
      }
    }
  }

  // Answers one request. Returns false when the connection must not be reused
  // (faults that close it, or a client that asked for Connection: close).
  asio::awaitable<bool> handle(Socket& sock, const http::request<http::string_body>& req, bool keep_alive) {
    const std::string_view target(req.target().data(), req.target().size());
    std::string_view path = target.substr(0, target.find('?'));
    const auto method = req.method();
    const std::string& name = owner_.options_.name;

    if (path.starts_with("/mock/")) co_return co_await handle_admin(sock, req, path, keep_alive);

    owner_.requests_.fetch_add(1, std::memory_order_relaxed);
    if (path == "/v1/chat/completions" || path == "/chat/completions") {
      if (method != http::verb::post) {
        co_return !co_await write_all(sock, full_response(405, kJson, error_json("use POST", "invalid_request_error"),
                                                          keep_alive, name));
      }
      if (owner_.options_.fixed) co_return co_await handle_fixed(sock, req, keep_alive);
      co_return co_await handle_chat(sock, req, keep_alive);
    }
    if (path == "/v1/models" || path == "/models") {
      std::string body = "{\"object\":\"list\",\"data\":[{\"id\":" + nlohmann::json(name).dump() +
                         ",\"object\":\"model\",\"created\":1700000000,\"owned_by\":\"semrouter-mock\"}]}";
      co_return !co_await write_all(sock, full_response(200, kJson, body, keep_alive, name));
    }
    if (path == "/health") {
      std::string body = "{\"status\":\"ok\",\"name\":" + nlohmann::json(name).dump() + "}";
      co_return !co_await write_all(sock, full_response(200, kJson, body, keep_alive, name));
    }
    co_return !co_await write_all(
        sock, full_response(404, kJson,
                            error_json("Unknown request URL: " + std::string(req.method_string()) + " " +
                                           std::string(path) + " (mock upstream)",
                                       "invalid_request_error", "unknown_url"),
                            keep_alive, name));
  }

  asio::awaitable<bool> handle_fixed(Socket& sock, const http::request<http::string_body>& req, bool keep_alive) {
    owner_.chat_completions_.fetch_add(1, std::memory_order_relaxed);
    owner_.by_fault_[0].fetch_add(1, std::memory_order_relaxed);
    // Only what is needed to pick the body: a substring test, no JSON parse.
    const std::string& body = req.body();
    bool stream = body.find("\"stream\":true") != std::string::npos ||
                  body.find("\"stream\": true") != std::string::npos;
    if (stream) owner_.streams_.fetch_add(1, std::memory_order_relaxed);
    co_return !co_await write_all(
        sock, full_response(200, stream ? kSse : kJson, stream ? fixed_sse_ : fixed_json_, keep_alive,
                            owner_.options_.name));
  }

  asio::awaitable<bool> handle_chat(Socket& sock, const http::request<http::string_body>& req, bool keep_alive) {
    const std::string& name = owner_.options_.name;
    uint64_t serial = owner_.chat_completions_.fetch_add(1, std::memory_order_relaxed) + 1;

    RecordedRequest rec;
    rec.method = std::string(req.method_string());
    rec.target = std::string(req.target());
    for (const auto& f : req) {
      std::string k(f.name_string());
      for (auto& c : k) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      rec.headers.emplace_back(std::move(k), std::string(f.value()));
    }
    rec.body = req.body();
    owner_.record(std::move(rec));

    auto bad_request = [&](std::string message) -> asio::awaitable<bool> {
      owner_.bad_requests_.fetch_add(1, std::memory_order_relaxed);
      co_return !co_await write_all(
          sock, full_response(400, kJson, error_json(message, "invalid_request_error"), keep_alive, name));
    };

    auto doc = nlohmann::json::parse(req.body(), nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded()) {
      co_return co_await bad_request(
          "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP "
          "library correctly. The OpenAI API expects a JSON payload.)");
    }
    if (!doc.is_object()) co_return co_await bad_request("request body must be a JSON object");
    auto messages = doc.find("messages");
    if (messages == doc.end() || !messages->is_array() || messages->empty()) {
      co_return co_await bad_request("'messages' must be a non-empty array");
    }
    bool stream = bool_field(doc, "stream");
    bool include_usage = false;
    if (auto so = doc.find("stream_options"); so != doc.end() && so->is_object()) {
      include_usage = bool_field(*so, "include_usage");
    }
    std::string prompt = last_user_text(*messages);

    auto behavior = apply_directives(prompt, owner_.next_behavior());
    if (!behavior) co_return co_await bad_request(behavior.error().message);
    const MockBehavior& b = *behavior;
    owner_.by_fault_[static_cast<size_t>(b.fault)].fetch_add(1, std::memory_order_relaxed);
    if (stream) owner_.streams_.fetch_add(1, std::memory_order_relaxed);

    if (b.fault == Fault::kReset) {
      error_code ec;
      sock.set_option(asio::socket_base::linger(true, 0), ec);  // close() then sends RST
      sock.close(ec);
      co_return false;
    }
    if (b.fault == Fault::kStall) {
      // Hold the connection without answering until the client gives up.
      // std::array, not char[]: GCC 12 cannot put a C array in a coroutine frame.
      std::array<char, 1024> scratch;
      error_code ec;
      while (!ec) co_await sock.async_read_some(asio::buffer(scratch), asio::redirect_error(asio::use_awaitable, ec));
      co_return false;
    }

    co_await sleep_ms(sock, b.latency_ms);

    if (b.fault == Fault::k500) {
      co_return !co_await write_all(
          sock, full_response(500, kJson,
                              error_json("The server had an error while processing your request. (mock " + name + ")",
                                         "server_error"),
                              keep_alive, name));
    }
    if (b.fault == Fault::k400) {
      co_return !co_await write_all(
          sock, full_response(400, kJson,
                              error_json("This model's maximum context length is exceeded. (mock " + name + ")",
                                         "invalid_request_error", "context_length_exceeded"),
                              keep_alive, name));
    }
    if (b.fault == Fault::k429) {
      // Built outside the co_await: GCC 12 cannot keep an initializer_list
      // temporary in a coroutine frame.
      std::vector<std::pair<std::string, std::string>> extra;
      extra.emplace_back("Retry-After", std::to_string(b.retry_after_s));
      std::string response = full_response(
          429, kJson, error_json("Rate limit reached for " + name + " (mock).", "requests", "rate_limit_exceeded"),
          keep_alive, name, extra);
      co_return !co_await write_all(sock, response);
    }

    MockAnswer answer = make_answer(name, prompt, prompt_chars(*messages), b, serial, unix_now());
    const bool drop = b.fault == Fault::kDropMidStream;

    if (!stream) {
      std::string body = completion_json(answer);
      const size_t json_size = body.size();
      auto head = head_lines(200, kJson, static_cast<int64_t>(body.size()), keep_alive, name);
      if (b.fault == Fault::kSlowHeaders) {
        if (co_await write_lines_slowly(sock, head, b.header_delay_ms)) co_return false;
      } else {
        body = join(head) + body;
      }
      if (drop) {
        co_await write_all(sock, std::string_view(body).substr(0, body.size() / 2));
        co_return false;
      }
      if (b.fault == Fault::kSlowBody) {
        // The head and the body's first piece at once, then the rest trickled:
        // a client with only a per-read timeout would wait forever.
        const size_t head_size = body.size() - json_size;
        const size_t piece = std::max<size_t>(1, (body.size() - head_size + 7) / 8);
        for (size_t off = 0; off < body.size();) {
          const size_t n = off == 0 ? head_size + piece : std::min(piece, body.size() - off);
          if (off > 0) co_await sleep_ms(sock, b.chunk_delay_ms);
          if (co_await write_all(sock, std::string_view(body).substr(off, n))) co_return false;
          off += n;
        }
        co_return true;
      }
      co_return !co_await write_all(sock, body);
    }

    // Streaming: chunked transfer encoding, one HTTP chunk per SSE event.
    auto head = head_lines(200, kSse, -1, keep_alive, name);
    std::string out;
    if (b.fault == Fault::kSlowHeaders) {
      if (co_await write_lines_slowly(sock, head, b.header_delay_ms)) co_return false;
    } else {
      out = join(head);
    }
    append_chunk(out, sse_role_event(answer, include_usage));
    size_t limit = drop ? std::min<size_t>(answer.pieces.size(), static_cast<size_t>(b.drop_after_chunks))
                        : answer.pieces.size();
    for (size_t i = 0; i < limit; ++i) {
      append_chunk(out, sse_content_event(answer, answer.pieces[i], include_usage));
      // Without a delay everything goes out in one write (benchmark friendly).
      if (b.chunk_delay_ms > 0) {
        if (co_await write_all(sock, out)) co_return false;
        out.clear();
        co_await sleep_ms(sock, b.chunk_delay_ms);
      }
    }
    if (drop) {
      co_await write_all(sock, out);
      error_code ec;
      sock.shutdown(tcp::socket::shutdown_both, ec);
      sock.close(ec);
      co_return false;
    }
    append_chunk(out, sse_finish_event(answer, include_usage));
    if (include_usage) append_chunk(out, sse_usage_event(answer));
    append_chunk(out, kSseDone);
    out.append(kLastChunk);
    co_return !co_await write_all(sock, out);
  }

  // Returns the write error, if any.
  asio::awaitable<error_code> write_lines_slowly(Socket& sock, const std::vector<std::string>& lines, int delay_ms) {
    for (size_t i = 0; i < lines.size(); ++i) {
      if (i > 0) co_await sleep_ms(sock, delay_ms);
      if (auto ec = co_await write_all(sock, lines[i])) co_return ec;
    }
    co_return error_code{};
  }

  asio::awaitable<bool> handle_admin(Socket& sock, const http::request<http::string_body>& req, std::string_view path,
                                     bool keep_alive) {
    const std::string& name = owner_.options_.name;
    const auto method = req.method();
    auto reply = [&](int status, std::string body) -> asio::awaitable<bool> {
      co_return !co_await write_all(sock, full_response(status, kJson, body, keep_alive, name));
    };
    if (path == "/mock/behavior" && method == http::verb::get) {
      co_return co_await reply(200, behavior_to_json(owner_.behavior()));
    }
    if (path == "/mock/behavior" && method == http::verb::post) {
      auto b = behavior_from_json(req.body());
      if (!b) co_return co_await reply(400, error_json(b.error().message, "invalid_request_error"));
      owner_.set_behavior(*b);
      co_return co_await reply(200, behavior_to_json(*b));
    }
    if (path == "/mock/stats" && method == http::verb::get) {
      MockStats s = owner_.stats();
      nlohmann::json j = {{"name", name},
                          {"requests", s.requests},
                          {"chat_completions", s.chat_completions},
                          {"streams", s.streams},
                          {"bad_requests", s.bad_requests},
                          {"connections_total", s.connections_total},
                          {"connections_open", s.connections_open},
                          {"by_fault", s.by_fault}};
      co_return co_await reply(200, j.dump());
    }
    if (path == "/mock/last_request" && method == http::verb::get) {
      RecordedRequest r = owner_.last_request();
      nlohmann::json headers = nlohmann::json::object();
      for (const auto& [k, v] : r.headers) {
        // Repeated headers are joined like a proxy would fold them.
        headers[k] = headers.contains(k) ? headers[k].get<std::string>() + ", " + v : v;
      }
      nlohmann::json j = {{"method", r.method}, {"target", r.target}, {"headers", headers}, {"body", r.body}};
      co_return co_await reply(200, j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    }
    if (path == "/mock/reset" && method == http::verb::post) {
      owner_.reset_stats();
      owner_.set_behavior(owner_.options_.behavior);
      co_return co_await reply(200, "{\"ok\":true}");
    }
    co_return co_await reply(404, error_json("unknown mock admin endpoint " + std::string(req.method_string()) + " " +
                                                 std::string(path),
                                             "invalid_request_error", "unknown_url"));
  }
};

MockUpstream::MockUpstream(MockOptions options) : options_(std::move(options)) {
  set_behavior(options_.behavior);
}

MockUpstream::~MockUpstream() { stop(); }

std::string MockUpstream::base_url() const { return "http://127.0.0.1:" + std::to_string(port()) + "/v1"; }

Result<uint16_t> MockUpstream::start() {
  if (impl_) return fail(ErrorCode::kIo, "mock upstream '" + options_.name + "': already running");
  auto impl = std::make_unique<Impl>(*this);
  int threads = std::max(1, options_.threads);
  for (int i = 0; i < threads; ++i) impl->workers_.push_back(std::make_unique<Impl::Worker>());

  error_code ec;
  std::string host = options_.host == "localhost" ? "127.0.0.1" : options_.host;
  auto addr = asio::ip::make_address(host, ec);
  if (ec) return fail(ErrorCode::kIo, "mock upstream '" + options_.name + "': bad host '" + options_.host + "'");
  tcp::endpoint ep(addr, options_.port);
  auto acceptor = std::make_unique<asio::basic_socket_acceptor<tcp, Executor>>(impl->workers_[0]->ioc);
  acceptor->open(ep.protocol(), ec);
  if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor->bind(ep, ec);
  if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return fail(ErrorCode::kIo, "mock upstream '" + options_.name + "': cannot listen on " + host + ":" +
                                    std::to_string(options_.port) + ": " + ec.message());
  }
  port_ = acceptor->local_endpoint(ec).port();
  impl->acceptor_ = std::move(acceptor);
  impl->build_fixed();

  asio::co_spawn(impl->workers_[0]->ioc, impl->accept_loop(), asio::detached);
  for (auto& w : impl->workers_) {
    w->guard.emplace(w->ioc.get_executor());
    w->thread = std::thread([&ioc = w->ioc] {
      // A throwing handler must not take the test or demo process down.
      for (;;) {
        try {
          ioc.run();
          return;
        } catch (...) {
        }
      }
    });
  }
  impl_ = std::move(impl);
  return port_.load();
}

void MockUpstream::stop() {
  if (!impl_) return;
  // Stop the loops first, so no handler runs while the sockets go away.
  for (auto& w : impl_->workers_) w->ioc.stop();
  for (auto& w : impl_->workers_) {
    if (w->thread.joinable()) w->thread.join();
  }
  for (auto& w : impl_->workers_) w->guard.reset();
  impl_->acceptor_.reset();
  // Destroying each io_context destroys the pending coroutine frames: every
  // socket closes, stalled and sleeping connections included.
  impl_->workers_.clear();
  impl_.reset();
  port_ = 0;
}

void MockUpstream::set_behavior(const MockBehavior& behavior) {
  std::lock_guard lock(mu_);
  behavior_ = behavior;
  fail_remaining_ = behavior.fail_next;
  rng_.seed(behavior.seed);
}

MockBehavior MockUpstream::behavior() const {
  std::lock_guard lock(mu_);
  return behavior_;
}

MockBehavior MockUpstream::next_behavior() {
  std::lock_guard lock(mu_);
  MockBehavior b = behavior_;
  bool fires = false;
  if (b.fault != Fault::kNone && (b.fail_next == 0 || fail_remaining_ > 0)) {
    fires = b.fail_probability >= 1.0 || std::uniform_real_distribution<double>(0.0, 1.0)(rng_) < b.fail_probability;
    if (fires && b.fail_next > 0) --fail_remaining_;
  }
  if (!fires) b.fault = Fault::kNone;
  return b;
}

void MockUpstream::record(RecordedRequest request) {
  std::lock_guard lock(mu_);
  last_ = std::move(request);
}

MockStats MockUpstream::stats() const {
  MockStats s;
  s.requests = requests_.load();
  s.chat_completions = chat_completions_.load();
  s.streams = streams_.load();
  s.bad_requests = bad_requests_.load();
  s.connections_total = connections_total_.load();
  s.connections_open = connections_open_.load();
  for (int i = 0; i < kFaultCount; ++i) {
    uint64_t n = by_fault_[static_cast<size_t>(i)].load();
    if (n > 0) s.by_fault[std::string(fault_name(static_cast<Fault>(i)))] = n;
  }
  return s;
}

void MockUpstream::reset_stats() {
  requests_ = 0;
  chat_completions_ = 0;
  streams_ = 0;
  bad_requests_ = 0;
  connections_total_ = 0;
  for (auto& n : by_fault_) n = 0;
  std::lock_guard lock(mu_);
  last_ = {};
}

RecordedRequest MockUpstream::last_request() const {
  std::lock_guard lock(mu_);
  return last_;
}

std::string MockUpstream::last_request_header(std::string_view name) const {
  std::lock_guard lock(mu_);
  for (const auto& [k, v] : last_.headers) {
    if (beast::iequals(k, beast::string_view(name.data(), name.size()))) return v;
  }
  return {};
}

}  // namespace sr::demo

#include "server/server.h"

#include <sys/socket.h>

#include <cstdio>
#include <cstring>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/connect.hpp>

#include <simdjson.h>

#include "guards/redis_ledger.h"
#include "response/http_response.h"
#include "server/pipeline.h"
#include "server/worker.h"
#include "upstream/send_now.h"

namespace sr::server {

namespace {

constexpr auto kToken = net::use_awaitable;
using error_code = boost::system::error_code;

std::string_view path_of(std::string_view t) {
  size_t q = t.find('?');
  return q == std::string_view::npos ? t : t.substr(0, q);
}

net::awaitable<void> handle_session(Worker& w, tcp::socket sock);

// Outside the coroutines: GCC 12 rejects initializer-list arrays in coroutine frames.
response::Headers allow_header(const char* methods) {
  response::Headers h;
  h.emplace_back("allow", methods);
  return h;
}

net::awaitable<void> accept_loop(Worker& w) {
  for (;;) {
    error_code ec;
    tcp::socket sock = co_await w.acceptor->async_accept(net::redirect_error(kToken, ec));
    if (ec) {
      if (ec == net::error::operation_aborted || !w.acceptor->is_open()) co_return;
      // EMFILE and friends: back off briefly instead of spinning.
      net::steady_timer t(w.ioc, std::chrono::milliseconds(50));
      co_await t.async_wait(net::redirect_error(kToken, ec));
      continue;
    }
    net::co_spawn(w.ioc, handle_session(w, std::move(sock)), net::detached);
  }
}

// POST /api/v1/classify {"text": "..."}: every available signal for the text,
// with each classifier's latency. Synchronous CPU work of microseconds.
Result<std::string> classify_text(const std::string& body, const SignalRuntime& s) {
  simdjson::dom::parser p;
  simdjson::dom::element doc;
  if (auto ec = p.parse(body).get(doc))
    return fail(ec == simdjson::UTF8_ERROR ? ErrorCode::kBadUtf8 : ErrorCode::kBadRequestJson,
                std::string("body is not valid JSON: ") + simdjson::error_message(ec));
  std::string_view text;
  if (doc["text"].get_string().get(text)) return fail(ErrorCode::kBadRequestSchema, "expected {\"text\": \"...\"}");
  using C = std::chrono::steady_clock;
  std::string out = "{";
  std::string lat = "\"latency_us\":{";
  auto us = [](C::time_point a) {
    return std::to_string(std::chrono::duration<double, std::micro>(C::now() - a).count()).substr(0, 8);
  };
  auto cls = [&](const char* name, const signals::Classifier* c, bool jb) {
    if (!c) return;
    auto t0 = C::now();
    signals::Classification r = c->classify(text);
    if (lat.back() != '{') lat += ",";
    lat += std::string("\"") + name + "\":" + us(t0);
    out += std::string("\"") + name + "\":{\"label\":";
    parse::append_json_string(out, r.label);
    out += jb ? ",\"score\":" + std::to_string(r.positive) : ",\"confidence\":" + std::to_string(r.confidence);
    out += "},";
  };
  cls("domain", s.domain.get(), false);
  cls("jailbreak", s.jailbreak.get(), true);
  cls("language", s.language.get(), false);
  if (s.pii) {
    auto t0 = C::now();
    auto ents = s.pii->recognize(text);
    if (lat.back() != '{') lat += ",";
    lat += "\"pii\":" + us(t0);
    out += "\"pii\":{\"entities\":[";
    for (size_t i = 0; i < ents.size(); ++i) {
      const auto& e = ents[i];
      if (i) out += ",";
      out += "{\"type\":";
      parse::append_json_string(out, e.type);
      out += ",\"start\":" + std::to_string(e.start) + ",\"end\":" + std::to_string(e.end) + ",\"text\":";
      parse::append_json_string(out, e.text);
      out += ",\"score\":" + std::to_string(e.score) + "}";
    }
    out += "]},";
  }
  out += lat + "}}";
  return out;
}

net::awaitable<bool> handle_admin(Worker& w, ClientConn& conn, std::string_view path, const RuntimePtr& rt) {
  Server& srv = w.server;
  const http1::Head& req = conn.head;
  bool keep = req.keep_alive && !srv.draining();
  const bool is_get = req.method == "GET" || req.method == "HEAD";
  auto method_not_allowed = [&](const char* allow) -> net::awaitable<bool> {
    // Built before the first await: the head's views die once the connection reads again.
    std::string msg = "method " + std::string(req.method) + " is not allowed on " + std::string(path);
    srv.count_response(path, 405);
    co_return co_await write_error(conn, ErrorCode::kMethodNotAllowed, msg, keep, allow_header(allow)) && keep;
  };
  if (path == "/health" || path == "/healthz") {
    if (!is_get) co_return co_await method_not_allowed("GET");
    srv.count_response("health", 200);
    co_return co_await write_simple(conn, 200, "application/json", "{\"status\":\"ok\"}", keep) && keep;
  }
  if (path == "/ready" || path == "/readyz") {
    if (!is_get) co_return co_await method_not_allowed("GET");
    auto states = srv.backend_states();
    bool any_up = false;
    std::string body = "{\"ready\":";
    std::string backends = ",\"backends\":{";
    bool first_model = true;
    for (const auto& [model, eps] : states) {
      if (!first_model) backends.push_back(',');
      first_model = false;
      parse::append_json_string(backends, model);
      backends += ":{";
      bool first_ep = true;
      for (const auto& [url, st] : eps) {
        if (!first_ep) backends.push_back(',');
        first_ep = false;
        parse::append_json_string(backends, url);
        backends.push_back(':');
        parse::append_json_string(backends, st);
        any_up = any_up || st == "up";
      }
      backends += "}";
    }
    backends += "}";
    bool ready = any_up && !srv.draining();
    body += ready ? "true" : "false";
    body += ",\"draining\":";
    body += srv.draining() ? "true" : "false";
    body += ",\"config_generation\":" + std::to_string(rt->generation);
    body += backends + "}";
    srv.count_response("ready", ready ? 200 : 503);
    co_return co_await write_simple(conn, ready ? 200 : 503, "application/json", body, keep) && keep;
  }
  if (path == "/metrics") {
    if (!is_get) co_return co_await method_not_allowed("GET");
    srv.count_response("metrics", 200);
    std::string body = srv.registry().render();
    co_return co_await write_simple(conn, 200, "text/plain; version=0.0.4; charset=utf-8", body, keep) && keep;
  }
  if (path == "/v1/models" || path == "/models") {
    if (!is_get) co_return co_await method_not_allowed("GET");
    srv.count_response("models", 200);
    co_return co_await write_simple(conn, 200, "application/json", rt->models_json, keep) && keep;
  }
  if (path == "/api/v1/route") {
    if (req.method != "POST") co_return co_await method_not_allowed("POST");
    co_return co_await handle_route(w, conn, rt);
  }
  if (path == "/api/v1/classify") {
    if (req.method != "POST") co_return co_await method_not_allowed("POST");
    auto out = classify_text(conn.body, rt->signals);
    if (!out) {
      srv.count_error(out.error().code);
      srv.count_response("classify", error_http_status(out.error().code));
      co_return co_await write_error(conn, out.error().code, out.error().message, keep) && keep;
    }
    srv.count_response("classify", 200);
    co_return co_await write_simple(conn, 200, "application/json", *out, keep) && keep;
  }
  srv.count_response("other", 404);
  srv.count_error(ErrorCode::kNotFound);
  co_return co_await write_error(conn, ErrorCode::kNotFound, "no endpoint " + std::string(path) + " (try POST /v1/chat/completions)", keep) && keep;
}

// What reading one request ended with.
struct ReadResult {
  enum Kind { kRequest, kClosed, kError } kind = kClosed;
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
};

ReadResult read_error(ErrorCode code, std::string message) { return {ReadResult::kError, code, std::move(message)}; }

// Reads one request (head into conn.head, body into conn.body) from conn.in and
// the socket: one plain read per arriving segment, no composed operations.
// Deadlines cancel the read instead of closing the socket, so a slow client can
// still be told 408.
net::awaitable<ReadResult> read_request(ClientConn& conn, const config::Server& sc, bool idle_wait) {
  constexpr size_t kReadSize = 16384;
  const size_t head_limit = sc.max_header_bytes;
  conn.deadline.arm(std::chrono::milliseconds(idle_wait ? sc.keepalive_timeout_ms : sc.request_timeout_ms));
  bool got_some = !conn.in.empty();
  bool head_seen = false;
  error_code ec;
  // One read into conn.in; false (with ec set) on EOF, reset or deadline.
  auto fill = [&]() -> net::awaitable<bool> {
    char* p = conn.in.prepare(kReadSize);
    size_t n = co_await conn.socket.async_read_some(net::buffer(p, kReadSize), net::redirect_error(kToken, ec));
    conn.in.commit(n);
    if (n) got_some = true;
    co_return !ec;
  };
  auto failed_read = [&]() -> ReadResult {
    conn.deadline.disarm();
    const bool timed_out = conn.deadline.fired();
    if (timed_out && (!idle_wait || got_some))
      return read_error(ErrorCode::kRequestTimeout, std::string(head_seen ? "request body" : "request headers") +
                                                        " not received within " + std::to_string(sc.request_timeout_ms) + "ms");
    return {};  // EOF, reset, idle keep-alive timeout: close quietly
  };

  // ---- head
  size_t scanned = 0;
  for (;;) {
    if (!conn.in.empty() && http1::head_complete(conn.in.view(), scanned)) {
      http1::Error e = http1::parse_request(conn.in.view(), head_limit, conn.head);
      if (e == http1::Error::kNone) break;
      if (e == http1::Error::kHeaderTooLarge || e == http1::Error::kTooManyHeaders)
        co_return read_error(ErrorCode::kHeaderTooLarge, "request headers exceed " + std::to_string(head_limit) + " bytes" +
                                                             (e == http1::Error::kTooManyHeaders ? " or 100 fields" : ""));
      if (e != http1::Error::kIncomplete)
        co_return read_error(ErrorCode::kBadRequestSchema, std::string("malformed HTTP request: ") + http1::error_message(e));
    } else if (conn.in.size() >= head_limit) {
      co_return read_error(ErrorCode::kHeaderTooLarge, "request headers exceed " + std::to_string(head_limit) + " bytes");
    }
    scanned = conn.in.size();
    // The read every request waits on, started here rather than through fill():
    // a nested coroutine would cost a frame allocation and a resume per request.
    char* p = conn.in.prepare(kReadSize);
    size_t n = co_await conn.socket.async_read_some(net::buffer(p, kReadSize), net::redirect_error(kToken, ec));
    conn.in.commit(n);
    if (n) got_some = true;
    if (ec) co_return failed_read();
    if (scanned == 0) conn.deadline.arm(std::chrono::milliseconds(sc.request_timeout_ms));
  }
  head_seen = true;
  conn.deadline.arm(std::chrono::milliseconds(sc.request_timeout_ms));
  const http1::Head& h = conn.head;
  const size_t head_size = h.size;
  size_t request_size = head_size;  // head + body bytes as received: what leaves conn.in
  const char* head_base = conn.in.data();
  conn.body.clear();

  // ---- body
  const bool has_body = h.chunked || h.content_length > 0;
  if (h.content_length > 0 && static_cast<uint64_t>(h.content_length) > sc.max_body_bytes)
    co_return read_error(ErrorCode::kBodyTooLarge, "request body exceeds " + std::to_string(sc.max_body_bytes) + " bytes");
  if (has_body && h.expect_continue && conn.in.size() == head_size) {
    static constexpr std::string_view k100 = "HTTP/1.1 100 Continue\r\n\r\n";
    co_await net::async_write(conn.socket, net::buffer(k100.data(), k100.size()), net::redirect_error(kToken, ec));
    if (ec) co_return ReadResult{};
  }
  if (h.chunked) {
    // Decode what follows the head in place, chunk framing removed, into conn.body.
    http1::ChunkedDecoder dec;
    size_t at = head_size;  // undecoded bytes start here (the head stays in front)
    for (;;) {
      http1::ChunkedDecoder::Step st = dec.decode(conn.in.data() + at, conn.in.size() - at);
      conn.body.append(conn.in.data() + at, st.produced);
      at += st.consumed;
      if (st.error != http1::Error::kNone)
        co_return read_error(ErrorCode::kBadRequestSchema, std::string("malformed HTTP request: ") + http1::error_message(st.error));
      if (conn.body.size() > sc.max_body_bytes)
        co_return read_error(ErrorCode::kBodyTooLarge, "request body exceeds " + std::to_string(sc.max_body_bytes) + " bytes");
      if (dec.done()) break;
      // Drop the decoded raw bytes but keep the head: move the tail down to `head_size`.
      const size_t tail = conn.in.size() - at;
      std::memmove(conn.in.data() + head_size, conn.in.data() + at, tail);
      conn.in.resize(head_size + tail);
      at = head_size;
      if (!co_await fill()) co_return failed_read();
    }
    request_size = at;
  } else if (h.content_length > 0) {
    const size_t need = head_size + static_cast<size_t>(h.content_length);
    while (conn.in.size() < need)
      if (!co_await fill()) co_return failed_read();
    conn.body.assign(conn.in.data() + h.size, static_cast<size_t>(h.content_length));
    request_size = need;
  }
  conn.deadline.disarm();
  // Reads may have moved the buffer; the head's views must point at its bytes again.
  if (conn.in.data() != head_base) http1::parse_request(conn.in.view(), head_limit, conn.head);
  // The request's bytes leave the buffer but stay in memory until the next read,
  // so conn.head stays valid while the handler runs synchronously.
  conn.in.consume(request_size);
  co_return ReadResult{ReadResult::kRequest, ErrorCode::kInternal, {}};
}

net::awaitable<void> handle_session(Worker& w, tcp::socket sock) {
  Server& srv = w.server;
  if (!srv.try_open_connection()) {
    // Over the connection limit: say so and close, rather than leave it hanging.
    ClientConn conn(std::move(sock), w.deadlines);
    upstream::set_nonblocking(conn.socket);
    co_await write_error(conn, ErrorCode::kOverloaded, "too many open connections", false);
    error_code ec;
    conn.socket.shutdown(tcp::socket::shutdown_send, ec);
    co_return;
  }
  ClientConn conn(std::move(sock), w.deadlines);
  error_code ec;
  conn.socket.set_option(tcp::no_delay(true), ec);
  upstream::set_nonblocking(conn.socket);
  bool first = true;
  for (;;) {
    RuntimePtr rt = srv.runtime_for(w);
    const config::Server& sc = rt->config->server;
    const bool idle_wait = !first && conn.in.empty();
    first = false;
    ReadResult rr = co_await read_request(conn, sc, idle_wait);
    if (rr.kind == ReadResult::kClosed) break;
    if (rr.kind == ReadResult::kError) {
      // No request was read: the previous request's HEAD must not strip this answer's body.
      conn.head_only = false;
      srv.count_error(rr.code);
      srv.count_response("other", error_http_status(rr.code));
      co_await write_error(conn, rr.code, rr.message, false);
      break;
    }
    const Clock::time_point t_start = Clock::now();
    const http1::Head& req = conn.head;
    conn.http10 = req.version_minor == 0;
    conn.head_only = req.method == "HEAD";
    std::string_view path = path_of(req.target);
    bool keep;
    if (path == "/v1/chat/completions" || path == "/chat/completions") {
      if (req.method != "POST") {
        srv.count_response("chat", 405);
        keep = co_await write_error(conn, ErrorCode::kMethodNotAllowed, "use POST for chat completions",
                                    req.keep_alive, allow_header("POST")) && req.keep_alive;
      } else {
        srv.request_begin();
        keep = co_await handle_chat(w, conn, rt, t_start);
        srv.request_end();
      }
    } else {
      keep = co_await handle_admin(w, conn, path, rt);
    }
    if (!keep) break;
  }
  conn.socket.shutdown(tcp::socket::shutdown_send, ec);
  conn.socket.close(ec);
  srv.close_connection();
}

net::awaitable<void> probe_loop(Server& srv, Worker& w) {
  for (;;) {
    RuntimePtr rt = srv.runtime();
    for (const auto& m : rt->config->models) {
      for (const auto& ep : m.endpoints) {
        upstream::Connection c(w.ioc.get_executor(), nullptr, "probe", w.deadlines);
        upstream::tcp::resolver::results_type addrs;
        error_code ec = co_await w.resolver.resolve(ep, addrs);
        // TCP reachability is the readiness signal; no request is sent (no tokens billed).
        if (!ec) ec = co_await c.connect(addrs, ep, false, std::chrono::seconds(1));
        c.close();
        srv.registry().gauge(metrics::Family::backend_up, {m.name, ep.url}).set(ec ? 0 : 1);
        srv.probe_result_for_loop(m.name, ep.url, !ec);
      }
    }
    if (srv.draining()) co_return;
    net::steady_timer t(w.ioc, std::chrono::seconds(5));
    error_code ec;
    co_await t.async_wait(net::redirect_error(kToken, ec));
    if (ec) co_return;
  }
}

}  // namespace

Server::Server(metrics::Registry& registry, std::unique_ptr<AccessLog> log) : registry_(registry), log_(std::move(log)) {
  if (!log_) log_ = std::make_unique<AccessLog>("off");
  connections_gauge_ = &registry_.gauge(metrics::Family::connections_active);
  in_flight_gauge_ = &registry_.gauge(metrics::Family::requests_in_flight);
  overhead_ = &registry_.histogram(metrics::Family::overhead_seconds);
  registry_.counter(metrics::Family::budget_sync_failures_total);  // exported as 0 until a shared store fails
  for (ErrorCode c : kAllErrorCodes)
    error_counters_[static_cast<size_t>(c)] = &registry_.counter(metrics::Family::errors_total, {error_code_name(c)});
}

Server::~Server() { stop(); }

Result<uint16_t> Server::start(RuntimePtr rt) {
  const config::Budgets& budgets = rt->config->budgets;
  ledger_store_ = budgets.store;
  if (budgets.store == "memory") {
    ledger_ = std::make_unique<guards::MemoryLedger>();
  } else {
    guards::RedisLedger::Options o;
    o.host = budgets.redis_host;
    o.port = budgets.redis_port;
    o.db = budgets.redis_db;
    o.user = budgets.redis_user;
    o.password = budgets.redis_password;
    o.sync_failures = &registry_.counter(metrics::Family::budget_sync_failures_total);
    auto redis = std::make_unique<guards::RedisLedger>(std::move(o));
    redis_ledger_ = redis.get();
    ledger_ = std::move(redis);
  }
  std::atomic_store(&runtime_, rt);
  const config::Server& sc = rt->config->server;
  int n = sc.workers > 0 ? sc.workers : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  error_code ec;
  auto addr = net::ip::make_address(sc.host, ec);
  if (ec) return fail(ErrorCode::kConfigInvalid, "server.listen: \"" + sc.host + "\" is not an IP address");
  uint16_t port = sc.port;
  for (int i = 0; i < n; ++i) {
    auto w = std::make_unique<Worker>(i, *this);
    w->acceptor = std::make_unique<tcp::acceptor>(w->ioc);
    tcp::endpoint ep(addr, port);
    w->acceptor->open(ep.protocol(), ec);
    if (!ec) w->acceptor->set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) {
      int one = 1;
      // Every worker binds the same port; the kernel spreads connections across them.
      if (::setsockopt(w->acceptor->native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0)
        ec = error_code(errno, boost::system::system_category());
    }
    if (!ec) w->acceptor->bind(ep, ec);
    if (!ec) w->acceptor->listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
      workers_.clear();
      return fail(ErrorCode::kIo, "cannot listen on " + sc.host + ":" + std::to_string(port) + ": " + ec.message());
    }
    if (port == 0) port = w->acceptor->local_endpoint().port();
    workers_.push_back(std::move(w));
  }
  port_ = port;
  for (auto& w : workers_) {
    net::co_spawn(w->ioc, accept_loop(*w), net::detached);
    // The sweep: every 20 ms, cancel sockets whose operation deadline passed and
    // start client watchers for requests still waiting on their upstream.
    net::co_spawn(w->ioc, [&wr = *w]() -> net::awaitable<void> {
      net::steady_timer t(wr.ioc);
      for (;;) {
        t.expires_after(kWorkerSweepPeriod);
        error_code e;
        co_await t.async_wait(net::redirect_error(kToken, e));
        if (e) co_return;
        auto now = Clock::now();
        wr.tick_now = now;
        wr.deadlines.sweep(now);
        start_due_watches(wr, now);
      }
    }, net::detached);
    // Periodic pool clean-up, so idle upstream sockets do not pile up.
    net::co_spawn(w->ioc, [&wr = *w]() -> net::awaitable<void> {
      for (;;) {
        net::steady_timer t(wr.ioc, std::chrono::seconds(5));
        error_code e;
        co_await t.async_wait(net::redirect_error(kToken, e));
        if (e) co_return;
        wr.pool.expire();
      }
    }, net::detached);
  }
  net::co_spawn(workers_.front()->ioc, probe_loop(*this, *workers_.front()), net::detached);
  for (auto& w : workers_) {
    Worker* wp = w.get();
    wp->thread = std::thread([wp] {
      auto guard = net::make_work_guard(wp->ioc);
      wp->ioc.run();
    });
  }
  return port_;
}

const RuntimePtr& Server::runtime_for(Worker& w) const {
  uint64_t v = runtime_version_.load(std::memory_order_acquire);
  if (v != w.runtime_seen || !w.runtime) {
    w.runtime = runtime();
    w.runtime_seen = v;
  }
  return w.runtime;
}

void Server::set_runtime(RuntimePtr rt) {
  const config::Budgets& b = rt->config->budgets;
  if (b.store != ledger_store_) {
    // Same Redis, new credentials (a rotated password): applied at once, so
    // shared budgets keep working. Anything else needs a restart.
    auto old_url = config::parse_redis_url(ledger_store_);
    if (redis_ledger_ != nullptr && b.store != "memory" && old_url && old_url->host == b.redis_host &&
        old_url->port == b.redis_port && old_url->db == b.redis_db) {
      redis_ledger_->set_credentials(b.redis_user, b.redis_password);
      ledger_store_ = b.store;
      std::fprintf(stderr, "semrouter: budgets.store credentials changed; the Redis ledger authenticates anew\n");
    } else {
      std::fprintf(stderr, "semrouter: budgets.store changed to %s; spend stays in %s until a restart\n",
                   b.store_shown().c_str(), config::redact_url_credentials(ledger_store_).c_str());
    }
  }
  std::atomic_store(&runtime_, std::move(rt));
  runtime_version_.fetch_add(1, std::memory_order_acq_rel);
  // Forget health entries of models that no longer exist; the prober refills the rest.
  RuntimePtr cur = runtime();
  std::lock_guard<std::mutex> lock(health_mu_);
  for (auto it = health_.begin(); it != health_.end();) {
    if (!cur->config->find_model(it->first)) it = health_.erase(it);
    else ++it;
  }
}

void Server::begin_drain() {
  if (draining_.exchange(true)) return;
  for (auto& w : workers_) {
    net::post(w->ioc, [wp = w.get()] {
      error_code ec;
      if (wp->acceptor) wp->acceptor->close(ec);
    });
  }
}

bool Server::wait_drained(std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  while (in_flight_.load() > 0) {
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

void Server::stop() {
  if (stopped_.exchange(true)) return;
  for (auto& w : workers_) w->ioc.stop();
  for (auto& w : workers_)
    if (w->thread.joinable()) w->thread.join();
  workers_.clear();
  log_->flush();
}

std::map<std::string, std::map<std::string, std::string>> Server::backend_states() const {
  RuntimePtr rt = runtime();
  std::map<std::string, std::map<std::string, std::string>> out;
  std::lock_guard<std::mutex> lock(health_mu_);
  for (const auto& m : rt->config->models) {
    auto& eps = out[m.name];
    for (const auto& ep : m.endpoints) {
      std::string st = "unknown";
      if (auto it = health_.find(m.name); it != health_.end())
        if (auto jt = it->second.find(ep.url); jt != it->second.end()) st = jt->second;
      eps[ep.url] = st;
    }
  }
  return out;
}

void Server::set_backend_state(const std::string& model, const std::string& url, bool up) {
  std::lock_guard<std::mutex> lock(health_mu_);
  health_[model][url] = up ? "up" : "down";
}

void Server::probe_result_for_loop(const std::string& model, const std::string& url, bool up) {
  set_backend_state(model, url, up);
}

void Server::count_error(ErrorCode code) {
  if (auto* c = error_counters_[static_cast<size_t>(code)]) c->inc();
}

void Server::count_response(std::string_view endpoint, int status) {
  if (endpoint == "chat" && status >= 100 && status < 600) {
    auto& slot = chat_status_[static_cast<size_t>(status)];
    metrics::Counter* c = slot.load(std::memory_order_acquire);
    if (!c) {
      c = &registry_.counter(metrics::Family::responses_total, {endpoint, std::to_string(status)});
      slot.store(c, std::memory_order_release);
    }
    c->inc();
    return;
  }
  registry_.counter(metrics::Family::responses_total, {endpoint, std::to_string(status)}).inc();
}

void Server::count_fallback(std::string_view from, std::string_view to) {
  registry_.counter(metrics::Family::fallbacks_total, {from, to}).inc();
}

bool Server::try_open_connection() {
  RuntimePtr rt = runtime();
  uint32_t n = connections_.fetch_add(1) + 1;
  if (n > rt->config->server.max_connections) {
    connections_.fetch_sub(1);
    return false;
  }
  connections_gauge_->add(1);
  return true;
}

void Server::close_connection() {
  connections_.fetch_sub(1);
  connections_gauge_->add(-1);
}

}  // namespace sr::server

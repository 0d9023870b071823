#include "server/pipeline.h"

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <optional>
#include <cstdio>
#include <ctime>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>

#include "response/http_response.h"
#include "guards/guards.h"
#include "server/access_log.h"
#include "server/request_signals.h"
#include "server/server.h"
#include "upstream/send_now.h"
#include "upstream/usage.h"

namespace sr::server {

namespace {

namespace beast = boost::beast;  // beast::error::timeout: what a passed deadline looks like
constexpr auto kToken = net::use_awaitable;
constexpr size_t kMaxUpstreamHead = 64 * 1024;
using std::chrono::milliseconds;
using error_code = boost::system::error_code;

int64_t micros(Clock::duration d) { return std::chrono::duration_cast<std::chrono::microseconds>(d).count(); }
double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

// Watches the client socket while the upstream works, so a client that hangs
// up cancels the upstream request instead of letting it run (and bill) on.
// Started lazily by the worker's sweep once a request has waited kWatchAfter,
// so fast upstreams never pay for a watcher.
struct Watch {
  Watch(Worker& w, ClientConn& c) : worker(w), conn(c), done_timer(w.ioc), since(w.tick_now) {
    done_timer.expires_at(Clock::time_point::max());
    next = worker.watches;
    if (next) next->prev = this;
    worker.watches = this;
    linked = true;
  }
  ~Watch() { unlink(); }
  Watch(const Watch&) = delete;
  Watch& operator=(const Watch&) = delete;
  void unlink() {
    if (!linked) return;
    if (prev) prev->next = next;
    else worker.watches = next;
    if (next) next->prev = prev;
    prev = next = nullptr;
    linked = false;
  }

  Worker& worker;
  ClientConn& conn;
  bool started = false;
  bool cancelled = false;  // cancel_watch() ran: a watcher that has not started its read must not start it
  bool done = false;
  bool client_gone = false;
  upstream::Connection* up = nullptr;
  net::steady_timer done_timer;
  Clock::time_point since;  // the worker's sweep clock when created: at most one sweep period old
  Watch* prev = nullptr;
  Watch* next = nullptr;
  bool linked = false;
};

namespace {

constexpr auto kWatchAfter = std::chrono::milliseconds(20);
constexpr auto kSweepPeriod = kWorkerSweepPeriod;

net::awaitable<void> watch_client(Watch& w) {
  ClientConn& c = w.conn;
  error_code ec;
  // co_spawn only posted this start: the request may have been cancel_watch()ed
  // meanwhile (its socket.cancel() found no read to cancel). Reading now would
  // wait on the client while the request waits on us in stop_watch().
  if (w.cancelled) {
    w.done = true;
    w.done_timer.cancel();
    co_return;
  }
  // Reads into the connection's own input (the request's bytes are already
  // consumed and copied out), so a pipelined next request is kept in order.
  char* p = c.in.prepare(4096);
  size_t n = co_await c.socket.async_read_some(net::buffer(p, 4096), net::redirect_error(kToken, ec));
  if (!ec) {
    c.in.commit(n);
  } else if (ec != net::error::operation_aborted) {
    w.client_gone = true;
    if (w.up) w.up->close();
  }
  w.done = true;
  w.done_timer.cancel();
}

// Stops a running watcher without waiting (before writing the response).
void cancel_watch(Watch& w) {
  w.unlink();
  w.cancelled = true;
  if (w.started && !w.done) {
    error_code ec;
    w.conn.socket.cancel(ec);
  }
}

// Ensures the watcher has finished before the connection reads again.
net::awaitable<void> stop_watch(Watch& w) {
  cancel_watch(w);
  if (!w.started || w.done) co_return;
  error_code ec;
  co_await w.done_timer.async_wait(net::redirect_error(kToken, ec));
}

enum class Outcome { kOk, kConnectError, kTimeout, kReset, kStatus429, kStatus5xx, kStatusOther, kClientGone };

const char* outcome_name(Outcome o) {
  switch (o) {
    case Outcome::kOk: return "ok";
    case Outcome::kConnectError: return "connect error";
    case Outcome::kTimeout: return "timeout";
    case Outcome::kReset: return "connection reset";
    case Outcome::kStatus429: return "status 429";
    case Outcome::kStatus5xx: return "status 5xx";
    case Outcome::kStatusOther: return "status 4xx";
    case Outcome::kClientGone: return "client gone";
  }
  return "?";
}

void count_outcome(const ModelRuntime& mr, Outcome o) {
  switch (o) {
    case Outcome::kOk: mr.attempts_ok->inc(); break;
    case Outcome::kConnectError: mr.attempts_connect_error->inc(); break;
    case Outcome::kTimeout: mr.attempts_timeout->inc(); break;
    case Outcome::kReset: mr.attempts_reset->inc(); break;
    case Outcome::kStatus429: mr.attempts_status_429->inc(); break;
    case Outcome::kStatus5xx: mr.attempts_status_5xx->inc(); break;
    case Outcome::kStatusOther: mr.attempts_status_4xx->inc(); break;
    case Outcome::kClientGone: break;
  }
}

size_t pick_endpoint(Worker& w, const ModelRuntime& mr, int avoid) {
  const auto& cw = mr.cumulative_weights;
  if (cw.size() == 1) return 0;
  uint32_t total = cw.back();
  for (int tries = 0; tries < 4; ++tries) {
    uint32_t x = static_cast<uint32_t>(w.rng() % total);
    size_t i = static_cast<size_t>(std::upper_bound(cw.begin(), cw.end(), x) - cw.begin());
    if (static_cast<int>(i) != avoid) return i;
  }
  return (static_cast<size_t>(avoid) + 1) % cw.size();
}

void build_upstream_head(std::string& out, const config::Model& m, const config::Endpoint& ep, size_t body_size,
                         bool stream, std::string_view client_auth) {
  out.clear();
  out += "POST ";
  out += ep.base_path;
  out += "/chat/completions HTTP/1.1\r\nhost: ";
  out += ep.host;
  if (!((ep.tls && ep.port == "443") || (!ep.tls && ep.port == "80"))) {
    out.push_back(':');
    out += ep.port;
  }
  out += "\r\ncontent-type: application/json\r\ncontent-length: ";
  out += std::to_string(body_size);
  out += stream ? "\r\naccept: text/event-stream\r\n" : "\r\naccept: application/json\r\n";
  out += "user-agent: semrouter/0.1\r\n";
  if (m.auth == config::AuthMode::kPassthrough) {
    if (!client_auth.empty()) {
      out += "authorization: ";
      out += client_auth;
      out += "\r\n";
    }
  } else if (!m.api_key.empty()) {
    out += "authorization: Bearer ";
    out += m.api_key;
    out += "\r\n";
  }
  for (const auto& [k, v] : m.headers) {
    out += k;
    out += ": ";
    out += v;
    out += "\r\n";
  }
  out += "\r\n";
}

struct AttemptNote {
  const config::Model* model;
  size_t endpoint;
  Outcome outcome;
  std::string detail;
};

std::string summarize_failures(const std::vector<AttemptNote>& notes) {
  std::string s = "all " + std::to_string(notes.size()) + " upstream attempt" + (notes.size() == 1 ? "" : "s") +
                  " failed:";
  for (size_t i = 0; i < notes.size(); ++i) {
    const auto& n = notes[i];
    s += i ? "; " : " ";
    s += n.model->name;
    s += " (";
    s += n.model->endpoints[n.endpoint].url;
    s += "): ";
    s += outcome_name(n.outcome);
    if (!n.detail.empty()) {
      s += " - ";
      s += n.detail;
    }
  }
  return s;
}

void append_kv(std::string& line, const char* key, std::string_view v) {
  line.push_back(' ');
  line += key;
  line.push_back('=');
  bool quote = v.empty() || v.find_first_of(" \"=") != std::string_view::npos;
  if (quote) line.push_back('"');
  for (char ch : v) {
    if (ch == '"' || ch == '\\') line.push_back('\\');
    line.push_back(ch == '\n' ? ' ' : ch);
  }
  if (quote) line.push_back('"');
}

// Buffer sequences are built outside coroutines: GCC 12 rejects brace-initialised
// arrays inside coroutine frames ("array used as initializer").
std::array<net::const_buffer, 2> two_buffers(std::string_view a, std::string_view b) {
  std::array<net::const_buffer, 2> v;
  v[0] = net::const_buffer(a.data(), a.size());
  v[1] = net::const_buffer(b.data(), b.size());
  return v;
}

std::array<net::const_buffer, 4> request_buffers(std::string_view head, std::string_view prefix, std::string_view model,
                                                 std::string_view suffix) {
  std::array<net::const_buffer, 4> v;
  v[0] = net::const_buffer(head.data(), head.size());
  v[1] = net::const_buffer(prefix.data(), prefix.size());
  v[2] = net::const_buffer(model.data(), model.size());
  v[3] = net::const_buffer(suffix.data(), suffix.size());
  return v;
}

std::array<net::const_buffer, 4> chunk_buffers(std::string_view head, std::string_view size_line, std::string_view data,
                                               bool crlf) {
  std::array<net::const_buffer, 4> a;
  a[0] = net::const_buffer(head.data(), head.size());
  a[1] = net::const_buffer(size_line.data(), size_line.size());
  a[2] = net::const_buffer(data.data(), data.size());
  a[3] = crlf ? net::const_buffer("\r\n", 2) : net::const_buffer();
  return a;
}

}  // namespace

void start_due_watches(Worker& w, Clock::time_point now) {
  for (Watch* x = w.watches; x;) {
    Watch* next = x->next;
    // `since` may be a sweep period older than the request: add one period so a
    // watcher starts only after the request has really waited kWatchAfter.
    if (now - x->since >= kWatchAfter + kSweepPeriod) {
      x->unlink();
      x->started = true;
      net::co_spawn(w.ioc, watch_client(*x), net::detached);
    }
    x = next;
  }
}

net::awaitable<bool> write_simple(ClientConn& conn, int status, std::string_view content_type, std::string_view body,
                                  bool keep_alive, const response::Headers& extra) {
  conn.out.clear();
  response::append_head(conn.out, status, content_type, static_cast<long long>(body.size()), keep_alive, extra);
  // HTTP/1.0 defaults to close: a kept connection must be announced (before the blank line).
  if (keep_alive && conn.http10) conn.out.insert(conn.out.size() - 2, "connection: keep-alive\r\n");
  // HEAD: the same head (content-length of the body it would get), no body.
  auto bufs = two_buffers(conn.out, conn.head_only ? std::string_view() : body);
  error_code ec;
  if (upstream::send_now(conn.socket, bufs, ec)) co_return !ec;
  conn.deadline.arm(std::chrono::seconds(30));  // a client that stops reading is cut off
  co_await net::async_write(conn.socket, bufs, net::redirect_error(kToken, ec));
  conn.deadline.disarm();
  co_return !ec;
}

net::awaitable<bool> write_error(ClientConn& conn, ErrorCode code, std::string_view message, bool keep_alive,
                                 const response::Headers& extra) {
  std::string body = response::error_body(code, message);
  co_return co_await write_simple(conn, error_http_status(code), "application/json", body, keep_alive, extra);
}

// A header holding a finite number >= 0 (nothing else: no empty value, no
// trailing text, no NaN).
namespace {
bool parse_non_negative(std::string_view text, double& out) {
  std::string v(text);
  char* end = nullptr;
  const double d = std::strtod(v.c_str(), &end);
  if (v.empty() || end != v.c_str() + v.size() || !(d >= 0) || !std::isfinite(d)) return false;
  out = d;
  return true;
}

// What the routing core decides for one parsed request: the rule, the
// router's pick for a router rule, and the guards' verdict. Synchronous, no
// I/O and no metrics: the chat path and the dry-run endpoint share it. A dry
// run leaves no trace (a strong_share rule does not count its score).
struct RoutePlan {
  decision::Decision d;
  bool routed = false;        //!< a router rule picked the model
  decision::RouterPick pick;  //!< when routed
  config::Guards g;           //!< the guards in effect
  guards::Outcome guard;
};

Result<RoutePlan> plan_route(const Runtime& rt, const parse::ChatRequest& chat, std::string_view body, const http1::Head& req,
                             RequestSignals& sig, double budget_left, bool dry_run) {
  decision::RouteInput in{chat, [&req](std::string_view name) -> std::string_view { return req.get(name); }, &sig};
  auto decided = rt.rules.decide(in);
  if (!decided) return tl::unexpected(decided.error());
  RoutePlan plan;
  plan.d = std::move(*decided);
  decision::Decision& d = plan.d;
  if (d.rule_index >= 0) {
    if (const auto& rr = rt.router_rules[static_cast<size_t>(d.rule_index)]) {
      std::string_view prompt = chat.last_user_text().empty() ? chat.all_text() : chat.last_user_text();
      // Per-request price cap (USD per million tokens), e.g. set by an API gateway per key.
      double budget = -1;
      if (req.has("x-semrouter-budget") && !parse_non_negative(req.get("x-semrouter-budget"), budget))
        return fail(ErrorCode::kBadRequestSchema, "x-semrouter-budget must be a non-negative number");
      // Per-request cost cap (USD): the client's header, tightened by what the
      // key has left, so a key near its limit is routed to models it can afford.
      decision::RequestCost cost;
      cost.input_tokens = decision::estimate_input_tokens(chat.all_text().size(), chat.messages.size());
      cost.max_output_tokens = chat.max_output_tokens;
      cost.choices = chat.choices;
      cost.max_usd = budget_left;
      if (double b; req.has("x-semrouter-max-cost-usd")) {
        if (!parse_non_negative(req.get("x-semrouter-max-cost-usd"), b))
          return fail(ErrorCode::kBadRequestSchema, "x-semrouter-max-cost-usd must be a non-negative number");
        cost.max_usd = cost.max_usd < 0 ? b : std::min(cost.max_usd, b);
      }
      plan.pick = rr->pick(prompt, budget, cost, /*observe=*/!dry_run);
      plan.routed = true;
      d.candidates = rt.rules.with_fallbacks(plan.pick.model);
    }
  }
  const config::Guards* rule_guards = d.rule_index >= 0 ? &rt.config->routing.rules[static_cast<size_t>(d.rule_index)].guards : nullptr;
  plan.g = guards::effective(rt.config->guards, rule_guards);
  plan.guard = guards::apply(plan.g, *rt.config, chat, body, sig, rt.signals.pii.get(), d.candidates);
  return plan;
}

}  // namespace

Result<std::string> route_report(const Runtime& rt, parse::RequestParser& parser, parse::ChatRequest& chat, std::string& body,
                                 const http1::Head& req, const guards::SpendLedger* ledger) {
  if (auto r = parser.parse(body, chat); !r) return tl::unexpected(r.error());
  // What the key has left, read only (a dry run charges nothing).
  const config::Budgets& budgets = rt.config->budgets;
  const std::string client_auth(req.get("authorization"));
  const std::string_view spend_key = budgets.enabled() ? guards::budget_key(client_auth) : std::string_view();
  const double limit = budgets.limit_for(spend_key);
  double left = limit;
  if (limit >= 0 && ledger)
    left = limit - ledger->spent(spend_key, std::chrono::milliseconds(budgets.period_ms), std::chrono::system_clock::now());
  char spent_report[160];
  if (limit >= 0 && left <= 0) {
    // The real request is refused here, before any signal (429 budget_exceeded).
    std::snprintf(spent_report, sizeof spent_report,
                  "{\"rule\":null,\"model\":null,\"candidates\":[],\"refused\":{\"status\":429,\"code\":\"budget_exceeded\"},"
                  "\"key_budget\":{\"limit_usd\":%.6g,\"left_usd\":0}}",
                  limit);
    return std::string(spent_report);
  }
  RequestSignals sig(rt.signals, chat, /*count=*/false);
  auto planned = plan_route(rt, chat, body, req, sig, left, /*dry_run=*/true);
  if (!planned) return tl::unexpected(planned.error());
  const RoutePlan& plan = *planned;
  auto num = [](double v) {  // JSON has no inf or NaN (a strong_share of 0 has an infinite threshold)
    if (!std::isfinite(v)) return std::string("null");
    char b[32];
    std::snprintf(b, sizeof b, "%.6g", v);
    return std::string(b);
  };
  const bool blocked = plan.guard.action == guards::Action::kBlockJailbreak || plan.guard.action == guards::Action::kBlockPii;
  const std::vector<const config::Model*>& cands =
      plan.guard.action == guards::Action::kReroute ? plan.guard.candidates : plan.d.candidates;
  std::string out = "{\"rule\":";
  parse::append_json_string(out, plan.d.rule);
  out += ",\"model\":";
  if (blocked || cands.empty()) out += "null";
  else parse::append_json_string(out, cands.front()->name);
  out += ",\"candidates\":[";
  for (size_t i = 0; i < cands.size(); ++i) {
    if (i) out += ",";
    parse::append_json_string(out, cands[i]->name);
  }
  out += "]";
  if (plan.routed) {
    const decision::RouterPick& p = plan.pick;
    out += ",\"router\":{\"choice\":";
    parse::append_json_string(out, p.model->name);
    if (p.threshold >= 0) out += ",\"score\":" + num(p.score) + ",\"threshold\":" + num(p.threshold);  // strong/weak
    else out += ",\"expected_quality\":" + num(p.expected_quality);
    if (p.max_usd >= 0) out += ",\"max_cost_usd\":" + num(p.max_usd) + ",\"estimated_cost_usd\":" + num(p.estimated_usd);
    out += std::string(",\"budget_limited\":") + (p.budget_limited ? "true" : "false") + "}";
  }
  static constexpr const char* kActions[] = {"pass", "block", "block", "redact", "reroute"};
  out += ",\"guard\":{\"action\":\"";
  out += kActions[static_cast<int>(plan.guard.action)];
  out += "\",\"reason\":";
  parse::append_json_string(out, plan.guard.reason);
  out += "}";
  if (limit >= 0) out += ",\"key_budget\":{\"limit_usd\":" + num(limit) + ",\"left_usd\":" + num(std::max(0.0, left)) + "}";
  // Every signal, computed now if no rule needed it (this is an explanation).
  out += ",\"signals\":{";
  bool first = true;
  auto cls = [&](const char* name, const signals::Classification* c, bool positive) {
    if (!c) return;
    out += first ? "\"" : ",\"";
    first = false;
    out += name;
    out += "\":{\"label\":";
    parse::append_json_string(out, c->label);
    out += positive ? ",\"score\":" + num(c->positive) : ",\"confidence\":" + num(c->confidence);
    out += "}";
  };
  cls("domain", sig.domain(), false);
  cls("jailbreak", sig.jailbreak(), true);
  cls("language", sig.language(), false);
  if (const auto* ents = sig.pii()) {
    out += first ? "\"pii\":[" : ",\"pii\":[";
    std::vector<std::string_view> seen;
    for (const auto& e : *ents) {
      if (std::find(seen.begin(), seen.end(), std::string_view(e.type)) != seen.end()) continue;
      if (!seen.empty()) out += ",";
      seen.push_back(e.type);
      parse::append_json_string(out, e.type);
    }
    out += "]";
  }
  out += "}}";
  return out;
}

net::awaitable<bool> handle_route(Worker& w, ClientConn& conn, RuntimePtr rt) {
  Server& srv = w.server;
  // conn.head views the input buffer: everything is read before the one co_await.
  const bool keep = conn.head.keep_alive && !srv.draining();
  auto report = route_report(*rt, w.json, w.chat, conn.body, conn.head, &srv.ledger());
  if (!report) {
    const ErrorCode code = report.error().code;
    srv.count_error(code);
    srv.count_response("route", error_http_status(code));
    co_return co_await write_error(conn, code, report.error().message, keep) && keep;
  }
  srv.count_response("route", 200);
  co_return co_await write_simple(conn, 200, "application/json", *report, keep) && keep;
}

net::awaitable<bool> handle_chat(Worker& w, ClientConn& conn, RuntimePtr rt, Clock::time_point t_start) {
  Server& srv = w.server;
  // conn.head views the connection's input buffer: read it only before the first
  // co_await below (everything needed later is copied out).
  const http1::Head& req = conn.head;
  bool keep_alive = req.keep_alive && !srv.draining();
  std::string& body = conn.body;

  auto fail_request = [&](ErrorCode code, std::string_view msg,
                          const response::Headers& extra = {}) -> net::awaitable<bool> {
    srv.count_error(code);
    srv.count_response("chat", error_http_status(code));
    if (srv.access_log().enabled()) {
      std::string line = "method=POST path=/v1/chat/completions";
      append_kv(line, "status", std::to_string(error_http_status(code)));
      append_kv(line, "error", error_code_name(code));
      append_kv(line, "message", msg.substr(0, 300));
      srv.access_log().write(line);
    }
    bool ok = co_await write_error(conn, code, msg, keep_alive, extra);
    co_return ok && keep_alive;
  };

  // ---- parse
  parse::ChatRequest& chat = w.chat;
  if (auto r = w.json.parse(body, chat); !r)
    co_return co_await fail_request(r.error().code, r.error().message);

  std::string client_auth(req.get("authorization"));

  // Per-key budget, first: a spent key is refused before its prompt costs any
  // classifier time, and before anything leaves.
  const config::Budgets& budgets = rt->config->budgets;
  const std::string_view spend_key = budgets.enabled() ? guards::budget_key(client_auth) : std::string_view();
  const double budget_usd = budgets.limit_for(spend_key);  // -1 without a key: no budget
  const std::chrono::milliseconds budget_period(budgets.period_ms);
  double budget_left = -1;  // USD this key may still spend in the window, -1 = no budget
  if (budget_usd >= 0) {
    const auto now = std::chrono::system_clock::now();
    const double spent = srv.ledger().spent(spend_key, budget_period, now);
    budget_left = budget_usd - spent;
    if (spent >= budget_usd) {
      srv.registry().counter(metrics::Family::guard_actions_total, {"budget", "block"}).inc();
      char msg[160];
      std::snprintf(msg, sizeof msg, "the budget of this API key is spent: $%.6g of $%.6g in the current %llus window",
                    spent, budget_usd, static_cast<unsigned long long>(budgets.period_ms / 1000));
      // A retry cannot succeed before the window ends: say when it does, and
      // tell OpenAI's SDKs (which honour x-should-retry) not to retry at once.
      const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
      const int64_t left_ms = static_cast<int64_t>(budgets.period_ms) - now_ms % static_cast<int64_t>(budgets.period_ms);
      response::Headers h;  // no braced list here: GCC 12 miscompiles some in coroutines
      h.emplace_back("retry-after", std::to_string((left_ms + 999) / 1000));
      h.emplace_back("x-should-retry", "false");
      co_return co_await fail_request(ErrorCode::kBudgetExceeded, msg, h);
    }
  }

  // ---- signals + decision + guards (synchronous: nothing in here awaits)
  RequestSignals sig(rt->signals, chat);
  auto planned = plan_route(*rt, chat, body, req, sig, budget_left, /*dry_run=*/false);
  if (!planned) co_return co_await fail_request(planned.error().code, planned.error().message);
  RoutePlan& plan = *planned;
  decision::Decision& d = plan.d;
  const config::Guards& g = plan.g;
  guards::Outcome& guard = plan.guard;

  // A router rule: headers and counters for the router's pick.
  response::Headers router_headers;
  const config::Model* router_baseline = nullptr;  // "always strong" model, for cost saved
  if (plan.routed) {
    const decision::RouterPick& pick = plan.pick;
    router_baseline = pick.most_expensive;
    srv.registry().counter(metrics::Family::router_decisions_total, {d.rule, pick.model->name}).inc();
    if (pick.max_usd >= 0) {
      char est[32];
      std::snprintf(est, sizeof est, "%.6g", pick.estimated_usd);
      router_headers.emplace_back("x-semrouter-estimated-cost-usd", est);
    }
    if (pick.budget_limited) {
      router_headers.emplace_back("x-semrouter-budget-limited", "1");
      srv.registry().counter(metrics::Family::router_budget_limited_total, {d.rule}).inc();
    }
    if (pick.threshold >= 0) {  // strong/weak (N-model picks have no threshold)
      router_headers.emplace_back("x-semrouter-score", std::to_string(pick.score).substr(0, 6));
      router_headers.emplace_back("x-semrouter-threshold", std::to_string(pick.threshold).substr(0, 6));
    } else {
      router_headers.emplace_back("x-semrouter-expected-quality", std::to_string(pick.expected_quality).substr(0, 6));
    }
  }

  const bool debug = req.get("x-semrouter-debug") == "1";
  response::Headers debug_headers;
  if (debug) {
    for (auto& [k, v] : sig.debug_headers()) debug_headers.emplace_back(k, std::move(v));
    if (!guard.reason.empty()) debug_headers.emplace_back("x-semrouter-guard", guard.reason);
  }
  if (guard.action == guards::Action::kBlockJailbreak || guard.action == guards::Action::kBlockPii) {
    const bool jb = guard.action == guards::Action::kBlockJailbreak;
    (jb ? rt->guard_counters.jailbreak_blocked : rt->guard_counters.pii_blocked)->inc();
    response::Headers h = debug_headers;
    h.emplace_back("x-semrouter-rule", std::string(d.rule));
    h.emplace_back("x-semrouter-blocked", jb ? "jailbreak" : "pii");
    h.emplace_back("x-semrouter-overhead-us", std::to_string(micros(Clock::now() - t_start)));
    if (srv.access_log().enabled()) {
      std::string line = "method=POST path=/v1/chat/completions";
      append_kv(line, "status", jb && g.jailbreak_response == config::Guards::BlockResponse::kContentFilter ? "200" : "403");
      append_kv(line, "requested", chat.model);
      append_kv(line, "rule", d.rule);
      append_kv(line, "blocked", guard.reason);
      srv.access_log().write(line);
    }
    if (jb && g.jailbreak_response == config::Guards::BlockResponse::kContentFilter) {
      srv.count_response("chat", 200);
      std::string answer = response::content_filter_completion(chat.model, "I can't help with that request.", chat.stream);
      bool ok = co_await write_simple(conn, 200, chat.stream ? "text/event-stream" : "application/json", answer, keep_alive, h);
      co_return ok && keep_alive;
    }
    srv.count_error(ErrorCode::kBlocked);
    srv.count_response("chat", 403);
    bool ok = co_await write_error(conn, ErrorCode::kBlocked, "request blocked: " + guard.reason, keep_alive, h);
    co_return ok && keep_alive;
  }
  if (g.jailbreak == config::Guards::JailbreakAction::kBlock) rt->guard_counters.jailbreak_passed->inc();
  if (guard.action == guards::Action::kReroute) {
    rt->guard_counters.pii_rerouted->inc();
    d.candidates = guard.candidates;
  }
  if (guard.action == guards::Action::kRedact) {
    rt->guard_counters.pii_redacted->inc();
    body = std::move(guard.body);
    // The body changed shape: find the model field in the new bytes.
    if (auto r = w.json.parse(body, chat); !r) co_return co_await fail_request(ErrorCode::kInternal, "redacted body: " + r.error().message);
  }
  if (d.candidates.empty()) co_return co_await fail_request(ErrorCode::kBlocked, "no model may receive this request");

  // Copy out what later stages need: `chat` is worker scratch, reused by the next request.
  const bool stream = chat.stream;
  const size_t tok_begin = chat.model_token_begin, tok_end = chat.model_token_end;
  const std::string requested_model = chat.model;
  rt->requests_counter(d.rule, d.candidates.front()).inc();
  const Clock::time_point t_decided = Clock::now();
  const int64_t overhead_pre_us = micros(t_decided - t_start);

  Watch watch_state(w, conn);
  Watch* watch = &watch_state;

  std::vector<AttemptNote> notes;
  // Per-connection storage (reused): one request at a time per connection.
  std::string& head = conn.upstream_head;
  std::string& model_json = conn.model_json;
  const config::Model* answered = nullptr;
  int final_status = 0;
  int64_t overhead_post_us = 0, ttfb_us = 0;
  upstream::Usage usage;
  uint64_t stream_content_bytes = 0;          // for a cost estimate when a stream reports no usage
  const size_t request_bytes = body.size();  // likewise (the request as forwarded)
  bool client_ok = true, response_started = false, stream_broken = false;
  // The budget charge, made before the client sees the end of the answer:
  // a client that sends its next request the moment this one ends must find
  // the spend already recorded. A stream without usage (no
  // stream_options.include_usage) is charged an estimate (~4 bytes a token;
  // the request counted whole, JSON and all), so streaming is no way around a
  // budget. Once per request.
  bool charged = false;
  auto charge_budget = [&](const config::Model& m, const upstream::Usage& u, bool streamed, uint64_t content_bytes) {
    if (charged || budget_usd < 0) return;
    upstream::Usage billed = u;
    if (!u.found()) {
      // Estimates only for a streamed answer: an error status (e.g. a 400
      // for a too-long prompt, relayed chunked) produced nothing to bill.
      if (!streamed || final_status >= 300) return;
      billed.prompt_tokens = static_cast<int64_t>((request_bytes + 3) / 4);
      billed.completion_tokens = static_cast<int64_t>((content_bytes + 3) / 4);
    }
    charged = true;
    const double usd = (static_cast<double>(std::max<int64_t>(billed.prompt_tokens, 0)) * m.price.input_per_mtok +
                        static_cast<double>(std::max<int64_t>(billed.completion_tokens, 0)) * m.price.output_per_mtok) / 1e6;
    srv.ledger().add(spend_key, usd, budget_period, std::chrono::system_clock::now());
  };
  size_t endpoint_used = 0;

  for (const config::Model* m : d.candidates) {
    const ModelRuntime& mr = rt->of(m);
    // Splice this model's upstream name into the original bytes: written as
    // prefix + new model + suffix, without copying the body.
    model_json.clear();
    parse::append_json_string(model_json, m->upstream_model);
    const std::string_view body_prefix(body.data(), tok_begin), body_suffix(body.data() + tok_end, body.size() - tok_end);
    const size_t model_body_size = body_prefix.size() + model_json.size() + body_suffix.size();
    int avoid = -1;
    bool next_model = false;
    for (uint32_t attempt = 0; attempt < m->retry.attempts && !next_model; ++attempt) {
      if (attempt > 0) {
        uint32_t backoff = std::min<uint32_t>(m->retry.max_backoff_ms, m->retry.backoff_ms << std::min<uint32_t>(attempt - 1, 16));
        backoff = backoff / 2 + static_cast<uint32_t>(w.rng() % (backoff / 2 + 1));  // jitter
        net::steady_timer t(w.ioc, milliseconds(backoff));
        error_code tec;
        co_await t.async_wait(net::redirect_error(kToken, tec));
        if (watch->client_gone) break;
      }
      size_t ei = pick_endpoint(w, mr, avoid);
      const config::Endpoint& ep = m->endpoints[ei];
      const std::string& key = mr.endpoint_keys[ei];
      build_upstream_head(head, *m, ep, model_body_size, stream, client_auth);
      // The first attempt (no failure noted yet) starts where the decision ended:
      // no second clock read.
      const Clock::time_point t_attempt = notes.empty() ? t_decided : Clock::now();

      upstream::ConnectionPtr up;
      // The watcher may close the in-flight connection; it must never see one
      // that has been released (pooled or destroyed) when this attempt ends.
      struct UpGuard {
        Watch& w;
        ~UpGuard() { w.up = nullptr; }
      } up_guard{*watch};
      Outcome outcome = Outcome::kOk;
      std::string detail;
      // The head first, then the body: a non-streamed answer is usually all in
      // the first read, so reading the body costs no second syscall.
      int status = 0;
      std::string& ctype_s = conn.upstream_ctype;  // per-connection storage: no allocation per request
      ctype_s.clear();
      std::string request_id;
      bool is_sse = false, body_chunked = false;
      // A pooled connection may have been closed by the upstream while idle; that
      // shows as an immediate EOF/reset and is retried once on a fresh connection.
      for (int fresh_try = 0; fresh_try < 2; ++fresh_try) {
        // The retry must not draw a second pooled connection: if that one is stale
        // too, the loop would end with no connection and no outcome.
        up = fresh_try == 0 ? w.pool.take(key, w.tick_now) : nullptr;
        bool reused = up != nullptr;
        if (!up) {
          up = std::make_unique<upstream::Connection>(w.ioc.get_executor(), ep.tls ? mr.tls.get() : nullptr, key, w.deadlines);
          upstream::tcp::resolver::results_type addrs;
          watch->up = up.get();
          error_code ec = co_await w.resolver.resolve(ep, addrs);
          if (!ec) ec = co_await up->connect(addrs, ep, m->tls_verify, milliseconds(m->timeouts.connect_ms));
          if (ec) {
            outcome = ec == beast::error::timeout ? Outcome::kTimeout : Outcome::kConnectError;
            detail = ec == beast::error::timeout ? "connect timed out after " + std::to_string(m->timeouts.connect_ms) + "ms" : ec.message();
            break;
          }
        }
        watch->up = up.get();
        error_code ec = co_await up->write(request_buffers(head, body_prefix, model_json, body_suffix),
                                           milliseconds(m->timeouts.first_byte_ms));
        if (!ec) ec = co_await up->read_head(kMaxUpstreamHead, milliseconds(m->timeouts.first_byte_ms));
        if (!ec) {
          // Copied now: the head's views die with the connection's next read.
          const http1::Head& uh = up->head();
          status = uh.status;
          std::string_view ctype = uh.get("content-type");
          ctype_s.assign(ctype.empty() ? std::string_view("application/json") : ctype);
          request_id.assign(uh.get("x-request-id"));
          is_sse = ctype.find("text/event-stream") != std::string_view::npos;
          body_chunked = uh.chunked;
          break;
        }
        if (reused && !watch->client_gone && (ec == net::error::eof || ec == net::error::connection_reset ||
                                              ec == net::error::broken_pipe)) {
          watch->up = nullptr;
          up.reset();
          continue;
        }
        outcome = ec == beast::error::timeout ? Outcome::kTimeout : Outcome::kReset;
        detail = ec == beast::error::timeout ? "no response headers within " + std::to_string(m->timeouts.first_byte_ms) + "ms" : ec.message();
        break;
      }
      if (watch->client_gone) {
        outcome = Outcome::kClientGone;
      }
      if (outcome == Outcome::kOk) {
        if (status == 429) outcome = Outcome::kStatus429;
        else if (status >= 500) outcome = Outcome::kStatus5xx;
        else if (status >= 400) outcome = Outcome::kStatusOther;
      }
      const Clock::time_point t_head = Clock::now();

      if (outcome == Outcome::kOk || outcome == Outcome::kStatusOther) {
        // ---- the answer: relay it. Errors other than 429/5xx (400, 401, ...) are the
        // client's own and pass through unchanged instead of being retried.
        ttfb_us = micros(t_head - t_attempt);
        mr.ttfb->observe(seconds(t_head - t_attempt));

        // Built in per-connection storage (one request at a time per connection).
        auto decision_headers = [&](int64_t overhead_us) -> const response::Headers& {
          response::Headers& h = conn.response_headers;
          h.clear();
          h.emplace_back("x-semrouter-model", m->name);
          h.emplace_back("x-semrouter-rule", std::string(d.rule));
          h.emplace_back("x-semrouter-overhead-us", std::to_string(overhead_us));
          h.emplace_back("x-semrouter-attempts", std::to_string(notes.size() + 1));
          if (m != d.candidates.front()) h.emplace_back("x-semrouter-fallback-from", d.candidates.front()->name);
          if (!request_id.empty()) h.emplace_back("x-request-id", request_id);
          for (const auto& kv : router_headers) h.push_back(kv);
          for (const auto& kv : debug_headers) h.push_back(kv);
          return h;
        };

        if (stream && (is_sse || body_chunked)) {
          upstream::SseUsageScanner sse(w.usage);
          // Read the first piece before committing to the client: a stream that
          // dies here can still be retried.
          std::string_view piece;
          error_code ec = co_await up->read_piece(piece, milliseconds(m->timeouts.first_byte_ms));
          if (ec || (piece.empty() && !up->body_done())) {
            outcome = watch->client_gone ? Outcome::kClientGone : ec == beast::error::timeout ? Outcome::kTimeout : Outcome::kReset;
            detail = "stream failed before its first byte: " + ec.message();
          } else {
            const Clock::time_point t_first = Clock::now();
            sse.feed(piece);
            const int64_t post = micros(Clock::now() - t_first);
            overhead_post_us = post;
            response::Headers& headers = conn.response_headers;
            decision_headers(overhead_pre_us + post);
            headers.emplace_back("cache-control", "no-cache");
            conn.out.clear();
            response::append_head(conn.out, status, ctype_s, -1, keep_alive && !conn.http10, headers);
            if (conn.http10) {
              // HTTP/1.0 has no chunked encoding: close-delimited body.
              auto pos = conn.out.find("transfer-encoding: chunked\r\n");
              if (pos != std::string::npos) conn.out.erase(pos, 28);
              keep_alive = false;
            }
            response_started = true;
            answered = m;
            final_status = status;
            endpoint_used = ei;
            // `raw`: bytes that are already framing (the terminating chunk).
            auto write_piece = [&](std::string_view data, bool with_head, bool raw = false) -> net::awaitable<bool> {
              std::array<char, 24> hex{};
              int hn = std::snprintf(hex.data(), hex.size(), "%zx\r\n", data.size());
              const bool framed = !conn.http10 && !raw && !data.empty();
              auto bufs = chunk_buffers(with_head ? std::string_view(conn.out) : std::string_view(),
                                        framed ? std::string_view(hex.data(), static_cast<size_t>(hn)) : std::string_view(),
                                        data, framed);
              error_code wec;
              if (upstream::send_now(conn.socket, bufs, wec)) co_return !wec;
              conn.deadline.arm(std::chrono::seconds(60));
              co_await net::async_write(conn.socket, bufs, net::redirect_error(kToken, wec));
              conn.deadline.disarm();
              co_return !wec;
            };
            if (sse.done() || up->body_done()) charge_budget(*m, sse.usage(), true, sse.content_bytes());
            client_ok = co_await write_piece(piece, true);
            while (client_ok && !up->body_done()) {
              ec = co_await up->read_piece(piece, milliseconds(m->timeouts.idle_ms));
              if (ec) break;
              if (piece.empty()) continue;
              sse.feed(piece);
              if (sse.done() || up->body_done()) charge_budget(*m, sse.usage(), true, sse.content_bytes());
              client_ok = co_await write_piece(piece, false);
            }
            if (!client_ok || watch->client_gone) {
              client_ok = false;
              up->close();
              up.reset();
            } else if (ec) {
              // Upstream died mid-stream: tell the client in-band, end the body cleanly.
              stream_broken = true;
              std::string err = "data: ";
              err += response::error_body(ErrorCode::kUpstreamError,
                                          ec == beast::error::timeout ? "upstream stream idle for longer than " + std::to_string(m->timeouts.idle_ms) + "ms"
                                                                       : "upstream connection lost mid-stream: " + ec.message());
              err += "\n\n";
              client_ok = co_await write_piece(err, false);
              keep_alive = false;
              up->close();
              up.reset();
            }
            if (client_ok && !conn.http10) {
              // The terminating chunk, under the same write deadline as every piece:
              // a client that stopped reading must not hold the session forever.
              client_ok = co_await write_piece(response::kLastChunk, false, true);
            }
            usage = sse.usage();
            stream_content_bytes = sse.content_bytes();
            watch->up = nullptr;
            if (up) w.pool.put(std::move(up), w.tick_now);  // only if reusable (body done, keep-alive)
            count_outcome(mr, Outcome::kOk);
            break;
          }
        } else {
          std::string& rbody = conn.upstream_body;  // per connection: safe across this request's awaits
          rbody.clear();
          error_code ec;
          const size_t limit = rt->config->server.max_response_bytes;
          const bool body_with_head = up->take_buffered_body(rbody, limit, ec);
          if (!body_with_head) ec = co_await up->read_body(rbody, limit, milliseconds(m->timeouts.first_byte_ms));
          if (ec) {
            outcome = watch->client_gone ? Outcome::kClientGone
                      : ec == beast::error::timeout ? Outcome::kTimeout
                                                    : Outcome::kReset;
            detail = "reading the response body failed: " + ec.message();
          } else {
            // A body that came with its head was copied synchronously: router time.
            const Clock::time_point t_body = body_with_head ? t_head : Clock::now();
            if (status < 300) usage = w.usage.parse(rbody);
            cancel_watch(*watch);
            watch->up = nullptr;
            // Pooled before the client write: the body is in memory and the
            // connection is free for another request on this worker meanwhile.
            w.pool.put(std::move(up), w.tick_now);
            if (watch->client_gone) {
              client_ok = false;
            } else {
              overhead_post_us = micros(Clock::now() - t_body);
              const response::Headers& headers = decision_headers(overhead_pre_us + overhead_post_us);
              answered = m;
              final_status = status;
              endpoint_used = ei;
              response_started = true;
              charge_budget(*m, usage, false, 0);
              client_ok = co_await write_simple(conn, status, ctype_s, rbody, keep_alive, headers);
            }
            count_outcome(mr, outcome);
            break;
          }
        }
      }

      // ---- this attempt failed before the client saw a byte
      count_outcome(mr, outcome);
      if (outcome == Outcome::kClientGone) break;
      if ((outcome == Outcome::kStatus429 || outcome == Outcome::kStatus5xx) && up) {
        // Keep the upstream's own words for the final error; drain so the connection can be reused.
        std::string tail;
        error_code ec;
        if (!up->take_buffered_body(tail, 64 * 1024, ec))
          ec = co_await up->read_body(tail, 64 * 1024, milliseconds(std::min<uint32_t>(m->timeouts.first_byte_ms, 5000)));
        detail = "HTTP " + std::to_string(status);
        if (!ec) {
          detail += ": " + tail.substr(0, 200);
          watch->up = nullptr;
          w.pool.put(std::move(up), w.tick_now);
        }
      }
      if (up) up->close();
      notes.push_back({m, ei, outcome, detail});
      avoid = static_cast<int>(ei);
      // A timeout on this model is unlikely to clear up on a retry; try the next model.
      if (outcome == Outcome::kTimeout) next_model = true;
    }
    if (response_started || watch->client_gone) break;
  }
  co_await stop_watch(*watch);

  const Clock::time_point t_end = Clock::now();
  int status_for_log = final_status;
  if (!response_started) {
    if (watch->client_gone) {
      keep_alive = false;
      client_ok = false;
      status_for_log = 499;
    } else {
      bool all_timeouts = !notes.empty();
      for (const auto& n : notes) all_timeouts = all_timeouts && n.outcome == Outcome::kTimeout;
      ErrorCode code = all_timeouts ? ErrorCode::kUpstreamTimeout : ErrorCode::kUpstreamError;
      srv.count_error(code);
      status_for_log = error_http_status(code);
      // Built by emplace_back: GCC 12 rejects initializer-list arrays inside coroutines.
      response::Headers h;
      h.emplace_back("x-semrouter-model", d.candidates.front()->name);
      h.emplace_back("x-semrouter-rule", std::string(d.rule));
      h.emplace_back("x-semrouter-overhead-us", std::to_string(overhead_pre_us));
      h.emplace_back("x-semrouter-attempts", std::to_string(notes.size()));
      client_ok = co_await write_error(conn, code, summarize_failures(notes), keep_alive, h);
    }
  } else {
    const ModelRuntime& mr = rt->of(answered);
    mr.duration->observe(seconds(t_end - t_start));
    if (usage.prompt_tokens > 0) mr.prompt_tokens->inc(static_cast<uint64_t>(usage.prompt_tokens));
    if (usage.completion_tokens > 0) mr.completion_tokens->inc(static_cast<uint64_t>(usage.completion_tokens));
    auto tokens_cost = [](const config::Model& m, const upstream::Usage& u) {
      return (static_cast<double>(std::max<int64_t>(u.prompt_tokens, 0)) * m.price.input_per_mtok +
              static_cast<double>(std::max<int64_t>(u.completion_tokens, 0)) * m.price.output_per_mtok) / 1e6;
    };
    if (usage.found()) mr.cost_usd->add(tokens_cost(*answered, usage));
    // Not charged yet: a stream that broke or whose client left mid-way.
    charge_budget(*answered, usage, stream, stream_content_bytes);
    if (answered != d.candidates.front()) srv.count_fallback(d.candidates.front()->name, answered->name);
    if (router_baseline && usage.found() && router_baseline != answered) {
      double saved = tokens_cost(*router_baseline, usage) - tokens_cost(*answered, usage);
      if (saved > 0) srv.registry().float_counter(metrics::Family::router_cost_saved_usd_total, {d.rule}).add(saved);
    }
    srv.observe_overhead(static_cast<double>(overhead_pre_us + overhead_post_us) / 1e6);
  }
  srv.count_response("chat", status_for_log);

  if (srv.access_log().enabled()) {
    std::string line;
    line.reserve(320);
    line += "method=POST path=/v1/chat/completions";
    append_kv(line, "status", std::to_string(status_for_log));
    append_kv(line, "requested", requested_model);
    append_kv(line, "model", answered ? answered->name : d.candidates.front()->name);
    append_kv(line, "rule", d.rule);
    append_kv(line, "stream", stream ? "true" : "false");
    append_kv(line, "attempts", std::to_string(notes.size() + (response_started ? 1 : 0)));
    if (answered) append_kv(line, "endpoint", answered->endpoints[endpoint_used].url);
    append_kv(line, "duration_ms", std::to_string(micros(t_end - t_start) / 1000));
    append_kv(line, "ttfb_ms", std::to_string(ttfb_us / 1000));
    append_kv(line, "overhead_us", std::to_string(overhead_pre_us + overhead_post_us));
    if (usage.found()) {
      append_kv(line, "prompt_tokens", std::to_string(usage.prompt_tokens));
      append_kv(line, "completion_tokens", std::to_string(usage.completion_tokens));
    }
    if (stream_broken) append_kv(line, "stream_broken", "true");
    if (!notes.empty()) append_kv(line, "failures", summarize_failures(notes));
    srv.access_log().write(line);
  }
  co_return client_ok && keep_alive;
}

}  // namespace sr::server

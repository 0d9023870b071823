#pragma once
// The one place that knows the stage order for a chat request:
// parse -> signals/decision -> upstream (retries, fallbacks) -> response.
// Every front door goes through here: the chat endpoint, the dry run
// (POST /api/v1/route and `semrouter route`, via route_report()).
#include <utility>

#include <chrono>

#include <boost/asio/awaitable.hpp>

#include "guards/budget.h"
#include "server/runtime.h"
#include "response/http_response.h"
#include "server/worker.h"

namespace sr::server {

using Clock = std::chrono::steady_clock;

//! Handles POST /v1/chat/completions (head in conn.head, body in conn.body).
//! Writes the whole response (or relays the stream) to `conn`. Returns whether
//! the connection may be kept alive.
net::awaitable<bool> handle_chat(Worker& w, ClientConn& conn, RuntimePtr rt, Clock::time_point t_start);

//! The report of a dry run for one chat body (parsed with `parser` into
//! `chat`), as JSON: what POST /api/v1/route answers and `semrouter route`
//! prints. `ledger` says what a key has left (nullptr: its whole budget).
Result<std::string> route_report(const Runtime& rt, parse::RequestParser& parser, parse::ChatRequest& chat, std::string& body,
                                 const http1::Head& head, const guards::SpendLedger* ledger);
//! Handles POST /api/v1/route: the same body as a chat completion; answers
//! with what the routing core would do (rule, model, router pick, guards,
//! signals) without calling any upstream, charging or counting anything.
net::awaitable<bool> handle_route(Worker& w, ClientConn& conn, RuntimePtr rt);
//! Starts client watchers for requests that have waited on their upstream for
//! a while (called by the worker's periodic sweep).
void start_due_watches(Worker& w, Clock::time_point now);

//! Writes a complete response with a body and content-length. Returns false if
//! the client is gone.
net::awaitable<bool> write_simple(ClientConn& conn, int status, std::string_view content_type, std::string_view body,
                                  bool keep_alive, const response::Headers& extra = {});

//! Writes an OpenAI-format error response for `code`.
net::awaitable<bool> write_error(ClientConn& conn, ErrorCode code, std::string_view message, bool keep_alive,
                                 const response::Headers& extra = {});

}  // namespace sr::server

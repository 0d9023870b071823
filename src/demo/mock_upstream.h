#pragma once
// MockUpstream: a stand-in OpenAI-compatible backend. It answers
// POST /v1/chat/completions (JSON or SSE), GET /v1/models and GET /health with
// canned text naming the backend, and injects latency and faults on demand so
// routing, retries and fallbacks can be seen and tested. Never real traffic.
//
// Admin endpoints (same port): POST /mock/behavior (JSON, see MockBehavior),
// GET /mock/behavior, GET /mock/stats, GET /mock/last_request, POST /mock/reset.
#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "base/result.h"
#include "demo/mock_behavior.h"

namespace sr::demo {

//! How a MockUpstream is set up; fixed for its lifetime except `behavior`.
struct MockOptions {
  std::string name = "mock";        //!< model name answered and shown in the content
  std::string host = "127.0.0.1";   //!< address to bind (an IP literal or "localhost")
  uint16_t port = 0;                //!< 0 = any free port (see MockUpstream::port())
  int threads = 1;                  //!< worker threads, each with its own io_context
  MockBehavior behavior;            //!< initial behaviour (changeable at runtime)
  bool fixed = false;               //!< benchmark mode: one precomputed answer, no JSON parsing
};

//! Counters since start (or the last reset).
struct MockStats {
  uint64_t requests = 0;          //!< HTTP requests to non-admin endpoints
  uint64_t chat_completions = 0;  //!< POST /v1/chat/completions received
  uint64_t streams = 0;           //!< of which asked for stream: true
  uint64_t bad_requests = 0;      //!< answered 400 (malformed JSON, bad directive, ...)
  uint64_t connections_total = 0; //!< TCP connections accepted
  uint64_t connections_open = 0;  //!< TCP connections currently open
  std::map<std::string, uint64_t> by_fault;  //!< chat completions by fault name ("none", "500", ...)
};

//! The last chat-completion request seen (what a router forwarded).
struct RecordedRequest {
  std::string method;
  std::string target;
  std::vector<std::pair<std::string, std::string>> headers;  //!< names lower-cased, in order
  std::string body;
};

//! start() and stop() belong to one owning thread; everything else may be
//! called from any thread while the mock runs.
class MockUpstream {
 public:
  explicit MockUpstream(MockOptions options);
  //! Calls stop().
  ~MockUpstream();
  MockUpstream(const MockUpstream&) = delete;
  MockUpstream& operator=(const MockUpstream&) = delete;

  //! Binds, listens and starts the worker threads; returns the bound port.
  //! Fails (kIo) when the address cannot be bound, or if already running.
  Result<uint16_t> start();
  //! Closes the listener and every open connection (stalled ones included) and
  //! joins the threads. Idempotent; prompt (does not wait for slow answers).
  void stop();
  //! Bound port after a successful start(), else 0.
  uint16_t port() const { return port_.load(); }
  //! The configured name.
  const std::string& name() const { return options_.name; }
  //! "http://127.0.0.1:PORT/v1" — what a router config points at.
  std::string base_url() const;

  //! Replaces the behaviour for subsequent requests; resets the fail_next
  //! countdown and reseeds the fail_probability draw. Thread-safe.
  void set_behavior(const MockBehavior& behavior);
  MockBehavior behavior() const;
  MockStats stats() const;
  //! Zeroes the counters (connections_open excepted) and forgets the last request.
  void reset_stats();
  RecordedRequest last_request() const;
  std::string last_request_body() const { return last_request().body; }
  //! Value of header `name` (case-insensitive) in the last request, "" if absent.
  std::string last_request_header(std::string_view name) const;

 private:
  struct Impl;
  friend struct Impl;

  //! Decides the fault for one chat completion (countdown and seeded draw).
  MockBehavior next_behavior();
  void record(RecordedRequest request);

  MockOptions options_;
  std::atomic<uint16_t> port_{0};
  std::unique_ptr<Impl> impl_;  // threads, io_contexts, acceptor; null when stopped

  mutable std::mutex mu_;
  MockBehavior behavior_;        // guarded by mu_
  int fail_remaining_ = 0;       // guarded by mu_; countdown for behavior_.fail_next
  std::mt19937_64 rng_;          // guarded by mu_; seeded from behavior_.seed
  RecordedRequest last_;         // guarded by mu_

  // Lock-free so the benchmark path takes no mutex.
  std::atomic<uint64_t> requests_{0}, chat_completions_{0}, streams_{0}, bad_requests_{0};
  std::atomic<uint64_t> connections_total_{0}, connections_open_{0};
  std::array<std::atomic<uint64_t>, kFaultCount> by_fault_{};
};

}  // namespace sr::demo

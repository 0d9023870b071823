#pragma once
// The HTTP/1.1 gateway: N workers, each an io_context on its own thread with
// its own SO_REUSEPORT acceptor, so a connection never leaves its worker and
// the request path takes no lock. The config arrives as an immutable Runtime
// that reload swaps atomically.
#include <array>
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "guards/budget.h"
#include "base/result.h"
#include "metrics/registry.h"
#include "server/access_log.h"
#include "server/runtime.h"

namespace sr::guards {
class RedisLedger;
}  // namespace sr::guards

namespace sr::server {

struct Worker;

class Server {
 public:
  Server(metrics::Registry& registry, std::unique_ptr<AccessLog> log);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  //! Binds the listen address of `rt` and starts the workers. Returns the bound port.
  Result<uint16_t> start(RuntimePtr rt);
  //! Swaps in a new runtime (reload). Listen address and worker count stay as started.
  void set_runtime(RuntimePtr rt);
  RuntimePtr runtime() const { return std::atomic_load(&runtime_); }
  //! The current runtime for a worker: a plain copy of its cached pointer unless
  //! a reload happened (then one locked load), so the hot path takes no lock.
  const RuntimePtr& runtime_for(Worker& w) const;

  //! Stops accepting; responses from now on carry `connection: close`.
  void begin_drain();
  //! Waits until no request is in flight or `timeout` passes. True if drained.
  bool wait_drained(std::chrono::milliseconds timeout);
  //! Stops every worker and joins the threads. Idempotent.
  void stop();

  uint16_t port() const { return port_; }
  bool draining() const { return draining_.load(std::memory_order_relaxed); }
  AccessLog& access_log() { return *log_; }
  metrics::Registry& registry() { return registry_; }
  //! Spend per client key for `budgets:`; outlives config reloads. Chosen by
  //! the config start() gets (`budgets.store`); a reload cannot switch it.
  guards::SpendLedger& ledger() { return *ledger_; }

  //! Readiness: per model and endpoint URL, "up", "down" or "unknown".
  std::map<std::string, std::map<std::string, std::string>> backend_states() const;
  //! Records one readiness probe result (called by the prober on worker 0).
  void probe_result_for_loop(const std::string& model, const std::string& url, bool up);

  // Metric helpers used by the pipeline.
  void count_error(ErrorCode code);
  void count_response(std::string_view endpoint, int status);
  void count_fallback(std::string_view from, std::string_view to);
  void observe_overhead(double seconds) { overhead_->observe(seconds); }

  // Connection accounting (used by sessions).
  bool try_open_connection();
  void close_connection();
  void request_begin() { in_flight_.fetch_add(1, std::memory_order_relaxed); in_flight_gauge_->add(1); }
  void request_end() { in_flight_.fetch_sub(1, std::memory_order_relaxed); in_flight_gauge_->add(-1); }

 private:
  void set_backend_state(const std::string& model, const std::string& url, bool up);

  metrics::Registry& registry_;
  std::unique_ptr<AccessLog> log_;
  std::unique_ptr<guards::SpendLedger> ledger_;
  guards::RedisLedger* redis_ledger_ = nullptr;  //!< ledger_ when the store is Redis (credential rotation)
  std::string ledger_store_;
  std::shared_ptr<const Runtime> runtime_;  // accessed with std::atomic_load/store
  std::vector<std::unique_ptr<Worker>> workers_;
  uint16_t port_ = 0;
  std::atomic<uint64_t> runtime_version_{0};  // bumped on every set_runtime
  std::atomic<bool> draining_{false};
  std::atomic<bool> stopped_{false};
  std::atomic<int64_t> in_flight_{0};
  std::atomic<uint32_t> connections_{0};
  metrics::Gauge* connections_gauge_ = nullptr;
  metrics::Gauge* in_flight_gauge_ = nullptr;
  metrics::Histogram* overhead_ = nullptr;
  std::array<metrics::Counter*, 64> error_counters_{};
  // responses_total{endpoint="chat",code} looked up once per status, then lock-free.
  std::array<std::atomic<metrics::Counter*>, 600> chat_status_{};
  mutable std::mutex health_mu_;  // guards health_
  std::map<std::string, std::map<std::string, std::string>> health_;
};

}  // namespace sr::server

#pragma once
// SpendLedger shared through Redis, so that several gateway instances enforce
// one budget per key. Workers never wait for Redis: spent() and add() touch
// only local state under a mutex; a background thread syncs every period in
// one pipelined round trip.
//
// Writes are idempotent: per key and window, Redis holds a hash with one field
// per instance, that instance's running total (HSET, not INCRBYFLOAT). A sync
// that fails half-way, times out after Redis applied it, or meets an error
// reply is simply repeated: nothing is counted twice, nothing is lost, and an
// instance's own spend is always counted locally (spent() = what the other
// instances had at the last sync + everything spent here). A Redis restarted
// empty is refilled by the live instances. Keys only asked about are read
// (HGETALL), never created.
#include <atomic>
#include <condition_variable>
#include <string>
#include <thread>
#include <unordered_map>

#include "guards/budget.h"
#include "metrics/registry.h"

namespace sr::guards {

class RedisLedger final : public SpendLedger {
 public:
  struct Options {
    std::string host = "127.0.0.1";
    int port = 6379;
    int db = 0;
    std::string user;      //!< AUTH user (Redis 6 ACLs); "" = the default user
    std::string password;  //!< AUTH password; "" = no AUTH
    std::chrono::milliseconds sync_period{100};
    std::chrono::milliseconds io_timeout{500};   //!< connect and each round trip
    std::string prefix = "semrouter:spend:";     //!< Redis key prefix
    metrics::Counter* sync_failures = nullptr;   //!< also counted here when set
  };
  explicit RedisLedger(Options options);
  ~RedisLedger() override;  // one last sync, then the thread stops
  RedisLedger(const RedisLedger&) = delete;
  RedisLedger& operator=(const RedisLedger&) = delete;

  double spent(std::string_view key, std::chrono::milliseconds period, TimePoint now) const override;
  void add(std::string_view key, double usd, std::chrono::milliseconds period, TimePoint now) override;

  //! New AUTH credentials (a rotated password, from a config reload): the
  //! connection is dropped and the next sync authenticates with these.
  void set_credentials(std::string user, std::string password);

  //! Runs one sync now (tests; the thread does this every sync_period). True
  //! when Redis answered every command without an error.
  bool sync();
  //! Syncs that failed (Redis unreachable or an error reply), for metrics and tests.
  uint64_t failed_syncs() const { return failed_.load(std::memory_order_relaxed); }
  //! This instance's field name in the per-key hashes.
  const std::string& instance() const { return instance_; }

 private:
  struct Entry {
    int64_t window = 0;
    int64_t period_ms = 0;
    double local = 0;    // spent through this instance in the window
    double written = 0;  // the value of `local` Redis last confirmed
    double others = 0;   // the other instances' fields at the last sync
    TimePoint used{};    // last spent()/add(): only active keys are synced
  };
  void run();
  void count_failure();

  Options options_;
  std::string instance_;
  mutable std::mutex mu_;
  mutable std::unordered_map<uint64_t, Entry> entries_;  // spent() registers keys it is asked about
  std::mutex sync_mu_;                                   // one sync at a time (thread vs tests)
  void* redis_ = nullptr;                                // redisContext*, used by sync() only
  bool auth_warned_ = false;                             // sync() only
  std::atomic<uint64_t> failed_{0};
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace sr::guards

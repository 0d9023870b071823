#pragma once
// Per-key spending budgets: the USD a client key has spent (estimated from
// token usage and configured prices) in the current fixed window. A request
// whose key has used up its budget is refused before it leaves (429
// budget_exceeded); a finished request adds its cost.
//
// SpendLedger is an interface because spend must be shared by everything that
// serves the same keys: MemoryLedger shares it between the workers of one
// process and survives config reloads; several gateway instances need a shared
// store (Redis) behind the same two calls.
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string_view>
#include <unordered_map>

namespace sr::guards {

class SpendLedger {
 public:
  using TimePoint = std::chrono::system_clock::time_point;
  virtual ~SpendLedger() = default;
  //! USD recorded for `key` in the window of length `period` (aligned to the
  //! Unix epoch) that contains `now`; 0 for a new window.
  virtual double spent(std::string_view key, std::chrono::milliseconds period, TimePoint now) const = 0;
  //! Adds `usd` to `key`'s spend in the window containing `now`.
  virtual void add(std::string_view key, double usd, std::chrono::milliseconds period, TimePoint now) = 0;
};

//! In-process ledger, thread-safe. Keys are held as 64-bit hashes, so the
//! ledger keeps no copy of a secret. A budget is checked before a request and
//! charged after it, so concurrent requests of one key can overshoot by what
//! they cost together.
class MemoryLedger final : public SpendLedger {
 public:
  double spent(std::string_view key, std::chrono::milliseconds period, TimePoint now) const override;
  void add(std::string_view key, double usd, std::chrono::milliseconds period, TimePoint now) override;

 private:
  struct Entry {
    int64_t window = 0;
    double usd = 0;
  };
  mutable std::mutex mu_;
  std::unordered_map<uint64_t, Entry> by_key_;
};

//! A key's identity in a ledger: 64 bits of hash, so no secret is stored.
uint64_t spend_key_hash(std::string_view key);
//! The index of the window of length `period` (aligned to the epoch) containing `now`.
int64_t spend_window(std::chrono::milliseconds period, SpendLedger::TimePoint now);

//! The key a budget is kept for: the token of `Authorization: Bearer <token>`
//! (scheme case-insensitive), else the whole header value; "" without one.
std::string_view budget_key(std::string_view authorization);

}  // namespace sr::guards

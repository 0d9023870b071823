#include "guards/budget.h"

#include "engine/hashing.h"
#include "parse/http1.h"

namespace sr::guards {
namespace {
// Separates these hashes from the classifiers' feature hashes (and is part of
// the Redis key names: changing it starts every key's window afresh).
constexpr uint64_t kSpendKeySeed = 0x5be7d00d;
}  // namespace

uint64_t spend_key_hash(std::string_view key) { return engine::hash_bytes(key, kSpendKeySeed); }

int64_t spend_window(std::chrono::milliseconds period, SpendLedger::TimePoint now) {
  const int64_t ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  return period.count() > 0 ? ms / period.count() : 0;
}

double MemoryLedger::spent(std::string_view key, std::chrono::milliseconds period, TimePoint now) const {
  const int64_t w = spend_window(period, now);
  std::lock_guard lock(mu_);
  const auto it = by_key_.find(spend_key_hash(key));
  return it != by_key_.end() && it->second.window == w ? it->second.usd : 0.0;
}

void MemoryLedger::add(std::string_view key, double usd, std::chrono::milliseconds period, TimePoint now) {
  const int64_t w = spend_window(period, now);
  std::lock_guard lock(mu_);
  Entry& e = by_key_[spend_key_hash(key)];
  if (e.window != w) e = Entry{w, 0.0};
  e.usd += usd;
}

std::string_view budget_key(std::string_view auth) {
  while (!auth.empty() && auth.front() == ' ') auth.remove_prefix(1);
  while (!auth.empty() && auth.back() == ' ') auth.remove_suffix(1);
  constexpr std::string_view kBearer = "bearer ";
  if (auth.size() > kBearer.size() && parse::http1::iequals(auth.substr(0, kBearer.size()), kBearer)) {
    auth.remove_prefix(kBearer.size());
    while (!auth.empty() && auth.front() == ' ') auth.remove_prefix(1);
  }
  return auth;
}

}  // namespace sr::guards

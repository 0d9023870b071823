#include "guards/redis_ledger.h"

#include <hiredis/hiredis.h>

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace sr::guards {
namespace {

// Keys asked about or charged within kActiveFor are synced every period; so
// Redis traffic follows the active keys, not every key ever seen. Entries
// unused for kForgetAfter are dropped (memory stays bounded by recent keys).
constexpr auto kActiveFor = std::chrono::seconds(10);
constexpr auto kForgetAfter = std::chrono::minutes(10);

timeval to_timeval(std::chrono::milliseconds d) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(d.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((d.count() % 1000) * 1000);
  return tv;
}

}  // namespace

RedisLedger::RedisLedger(Options options) : options_(std::move(options)) {
  thread_ = std::thread([this] { run(); });
}

RedisLedger::~RedisLedger() {
  {
    std::lock_guard lock(stop_mu_);
    stop_ = true;
  }
  stop_cv_.notify_all();
  thread_.join();
  sync();  // what was added since the last period
  if (redis_ != nullptr) redisFree(static_cast<redisContext*>(redis_));
}

double RedisLedger::spent(std::string_view key, std::chrono::milliseconds period, TimePoint now) const {
  const int64_t w = spend_window(period, now);
  std::lock_guard lock(mu_);
  Entry& e = entries_[spend_key_hash(key)];  // a key asked about gets its total fetched next sync
  if (e.window != w) e = Entry{w, period.count(), 0, 0, now};
  e.used = now;
  return e.total + e.pending;
}

void RedisLedger::add(std::string_view key, double usd, std::chrono::milliseconds period, TimePoint now) {
  const int64_t w = spend_window(period, now);
  std::lock_guard lock(mu_);
  Entry& e = entries_[spend_key_hash(key)];
  if (e.window != w) e = Entry{w, period.count(), 0, 0, now};
  e.used = now;
  e.pending += usd;
}

void RedisLedger::count_failure() {
  failed_.fetch_add(1, std::memory_order_relaxed);
  if (options_.sync_failures != nullptr) options_.sync_failures->inc();
}

void RedisLedger::run() {
  std::unique_lock lock(stop_mu_);
  while (!stop_) {
    stop_cv_.wait_for(lock, options_.sync_period, [this] { return stop_; });
    if (stop_) break;
    lock.unlock();
    sync();
    lock.lock();
  }
}

bool RedisLedger::sync() {
  std::lock_guard sync_lock(sync_mu_);
  struct Item {
    uint64_t hash;
    int64_t window;
    int64_t period_ms;
    double delta;
  };
  std::vector<Item> batch;
  {
    std::lock_guard lock(mu_);
    const TimePoint now = std::chrono::system_clock::now();
    for (auto it = entries_.begin(); it != entries_.end();) {
      Entry& e = it->second;
      const auto idle = now - e.used;
      if (e.window < spend_window(std::chrono::milliseconds(e.period_ms), now) ||
          (e.pending == 0 && idle > kForgetAfter)) {
        it = entries_.erase(it);  // a past window, or a key long unused: fetched again if it returns
        continue;
      }
      if (e.pending == 0 && idle > kActiveFor) {
        ++it;  // quiet key: no round trip for it (its total is refreshed once it is asked again)
        continue;
      }
      batch.push_back({it->first, e.window, e.period_ms, e.pending});
      e.pending = 0;
      ++it;
    }
  }
  if (batch.empty()) return true;

  auto give_back = [&] {
    std::lock_guard lock(mu_);
    for (const Item& i : batch) {
      auto it = entries_.find(i.hash);
      if (it != entries_.end() && it->second.window == i.window) it->second.pending += i.delta;
    }
    count_failure();
    return false;
  };
  auto* c = static_cast<redisContext*>(redis_);
  if (c == nullptr) {
    c = redisConnectWithTimeout(options_.host.c_str(), options_.port, to_timeval(options_.io_timeout));
    if (c == nullptr || c->err != 0) {
      if (c != nullptr) redisFree(c);
      return give_back();
    }
    redisSetTimeout(c, to_timeval(options_.io_timeout));
    redis_ = c;
  }
  auto drop_connection = [&] {
    redisFree(c);
    redis_ = nullptr;
    return give_back();
  };

  // One pipelined round trip: per key, add the delta (0 just reads the total)
  // and keep the counter two periods, so finished windows clean themselves up.
  if (options_.db != 0) redisAppendCommand(c, "SELECT %d", options_.db);
  for (const Item& i : batch) {
    char name[96], delta[40], ttl[24];
    std::snprintf(name, sizeof name, "%s%016" PRIx64 ":%" PRId64, options_.prefix.c_str(), i.hash, i.window);
    std::snprintf(delta, sizeof delta, "%.17g", i.delta);
    std::snprintf(ttl, sizeof ttl, "%" PRId64, 2 * i.period_ms);
    redisAppendCommand(c, "INCRBYFLOAT %s %s", name, delta);
    redisAppendCommand(c, "PEXPIRE %s %s", name, ttl);
  }
  std::vector<double> totals(batch.size(), 0.0);
  std::vector<char> have(batch.size(), 0);
  bool errors = false;
  const size_t first = options_.db != 0 ? 1 : 0;  // the SELECT reply
  for (size_t r = 0; r < first + batch.size() * 2; ++r) {
    void* raw = nullptr;
    if (redisGetReply(c, &raw) != REDIS_OK || raw == nullptr) return drop_connection();
    auto* reply = static_cast<redisReply*>(raw);
    if (reply->type == REDIS_REPLY_ERROR) {
      // An error reply (e.g. a key of another type under our prefix) fails
      // that command only: the others are applied, so nothing is given back.
      errors = true;
    } else if (r >= first && (r - first) % 2 == 0 && reply->type == REDIS_REPLY_STRING) {
      totals[(r - first) / 2] = std::strtod(reply->str, nullptr);
      have[(r - first) / 2] = 1;
    }
    freeReplyObject(reply);
  }
  {
    std::lock_guard lock(mu_);
    for (size_t i = 0; i < batch.size(); ++i) {
      auto it = entries_.find(batch[i].hash);
      if (have[i] && it != entries_.end() && it->second.window == batch[i].window) it->second.total = totals[i];
    }
  }
  if (errors) count_failure();
  return !errors;
}

}  // namespace sr::guards

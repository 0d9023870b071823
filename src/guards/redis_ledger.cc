#include "guards/redis_ledger.h"

#include <hiredis/hiredis.h>

#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string_view>
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
  // A random field name per instance (per process lifetime): its running
  // totals never mix with another instance's.
  std::random_device rd;
  char id[24];
  std::snprintf(id, sizeof id, "i%08x%08x", rd(), rd());
  instance_ = id;
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
  Entry& e = entries_[spend_key_hash(key)];  // a key asked about gets the others' spend read next sync
  if (e.window != w) e = Entry{w, period.count(), 0, 0, 0, now};
  e.used = now;
  return e.others + e.local;
}

void RedisLedger::add(std::string_view key, double usd, std::chrono::milliseconds period, TimePoint now) {
  const int64_t w = spend_window(period, now);
  std::lock_guard lock(mu_);
  Entry& e = entries_[spend_key_hash(key)];
  if (e.window != w) e = Entry{w, period.count(), 0, 0, 0, now};
  e.used = now;
  e.local += usd;
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

void RedisLedger::set_credentials(std::string user, std::string password) {
  std::lock_guard sync_lock(sync_mu_);  // options_ and redis_ belong to sync()
  options_.user = std::move(user);
  options_.password = std::move(password);
  if (redis_ != nullptr) {
    redisFree(static_cast<redisContext*>(redis_));
    redis_ = nullptr;
  }
  auth_warned_ = false;  // a refusal of the new password is news again
}

bool RedisLedger::sync() {
  std::lock_guard sync_lock(sync_mu_);
  struct Item {
    uint64_t hash;
    int64_t window;
    int64_t period_ms;
    double local;  // snapshot
    bool write;
  };
  std::vector<Item> batch;
  {
    std::lock_guard lock(mu_);
    const TimePoint now = std::chrono::system_clock::now();
    for (auto it = entries_.begin(); it != entries_.end();) {
      Entry& e = it->second;
      const auto idle = now - e.used;
      const bool unwritten = e.local != e.written;
      if (e.window < spend_window(std::chrono::milliseconds(e.period_ms), now) || (!unwritten && idle > kForgetAfter)) {
        it = entries_.erase(it);  // a past window, or a key long unused: read again if it returns
        continue;
      }
      if (!unwritten && idle > kActiveFor) {
        ++it;  // quiet key: no round trip for it (its total is refreshed once it is asked again)
        continue;
      }
      batch.push_back({it->first, e.window, e.period_ms, e.local, unwritten && e.local > 0});
      ++it;
    }
  }
  if (batch.empty()) return true;

  auto* c = static_cast<redisContext*>(redis_);
  if (c == nullptr) {
    c = redisConnectWithTimeout(options_.host.c_str(), options_.port, to_timeval(options_.io_timeout));
    if (c == nullptr || c->err != 0) {
      if (c != nullptr) redisFree(c);
      count_failure();
      return false;
    }
    redisSetTimeout(c, to_timeval(options_.io_timeout));
    if (!options_.password.empty()) {
      // AUTH once per connection. A refused password fails this sync like any
      // error reply; the reply (WRONGPASS...) never contains the password.
      void* raw = options_.user.empty()
                      ? redisCommand(c, "AUTH %b", options_.password.data(), options_.password.size())
                      : redisCommand(c, "AUTH %b %b", options_.user.data(), options_.user.size(),
                                     options_.password.data(), options_.password.size());
      auto* reply = static_cast<redisReply*>(raw);
      const bool ok = reply != nullptr && reply->type != REDIS_REPLY_ERROR;
      if (!ok && reply != nullptr && !auth_warned_) {
        // Once: a wrong password does not fix itself (the metric keeps counting).
        auth_warned_ = true;
        std::fprintf(stderr, "semrouter: Redis %s:%d refused AUTH: %.*s\n", options_.host.c_str(), options_.port,
                     static_cast<int>(std::min<size_t>(reply->len, 200)), reply->str ? reply->str : "");
      }
      if (reply != nullptr) freeReplyObject(reply);
      if (!ok) {
        redisFree(c);
        count_failure();
        return false;
      }
    }
    redis_ = c;
  }

  // One pipelined round trip. Per key: our running total (only when it
  // changed; the key then lives two periods) and every instance's field.
  size_t expected = 0;
  if (options_.db != 0) {
    redisAppendCommand(c, "SELECT %d", options_.db);
    ++expected;
  }
  for (const Item& i : batch) {
    char name[96], value[40], ttl[24];
    std::snprintf(name, sizeof name, "%s%016" PRIx64 ":%" PRId64, options_.prefix.c_str(), i.hash, i.window);
    if (i.write) {
      std::snprintf(value, sizeof value, "%.17g", i.local);
      std::snprintf(ttl, sizeof ttl, "%" PRId64, 2 * i.period_ms);
      redisAppendCommand(c, "HSET %s %s %s", name, instance_.c_str(), value);
      redisAppendCommand(c, "PEXPIRE %s %s", name, ttl);
      expected += 2;
    }
    redisAppendCommand(c, "HGETALL %s", name);
    ++expected;
  }

  // Replies in order; a connection error ends the sync (the next one repeats
  // it: the writes are idempotent), an error reply fails only its command.
  bool errors = false;
  std::vector<char> wrote(batch.size(), 0), read(batch.size(), 0), lost(batch.size(), 0);
  std::vector<double> others(batch.size(), 0.0);
  auto next = [&]() -> redisReply* {
    void* raw = nullptr;
    if (redisGetReply(c, &raw) != REDIS_OK || raw == nullptr) return nullptr;
    return static_cast<redisReply*>(raw);
  };
  bool broken = false;
  if (options_.db != 0) {
    redisReply* r = next();
    if (r == nullptr) broken = true;
    else {
      // Without the right database nothing below may be trusted.
      if (r->type == REDIS_REPLY_ERROR) errors = broken = true;
      freeReplyObject(r);
    }
  }
  for (size_t k = 0; k < batch.size() && !broken; ++k) {
    if (batch[k].write) {
      redisReply* hset = next();
      redisReply* ttl = hset != nullptr ? next() : nullptr;
      if (hset == nullptr || ttl == nullptr) {
        if (hset != nullptr) freeReplyObject(hset);
        broken = true;
        break;
      }
      if (hset->type == REDIS_REPLY_ERROR || ttl->type == REDIS_REPLY_ERROR) errors = true;
      else wrote[k] = 1;
      freeReplyObject(hset);
      freeReplyObject(ttl);
    }
    redisReply* all = next();
    if (all == nullptr) {
      broken = true;
      break;
    }
    if (all->type == REDIS_REPLY_ARRAY) {
      bool ours_present = false;
      for (size_t f = 0; f + 1 < all->elements; f += 2) {
        const redisReply* field = all->element[f];
        const redisReply* value = all->element[f + 1];
        if (field->type != REDIS_REPLY_STRING || value->type != REDIS_REPLY_STRING) continue;
        if (instance_ == std::string_view(field->str, field->len)) {  // ours is counted locally
          ours_present = true;
          continue;
        }
        // A value another writer mangled (NaN, inf) would disable the
        // budget (spent >= limit never holds for NaN): ignored.
        const double v = std::strtod(value->str, nullptr);
        if (std::isfinite(v) && v >= 0) others[k] += v;
      }
      read[k] = 1;
      // Redis lost our field (restarted empty, flushed, evicted): write it
      // again at the next sync, without waiting for this key's next spend.
      if (!ours_present && !wrote[k] && batch[k].local > 0) lost[k] = 1;
    } else if (all->type == REDIS_REPLY_ERROR) {
      errors = true;
    }
    freeReplyObject(all);
  }
  if (broken) {
    redisFree(c);
    redis_ = nullptr;
  }
  {
    std::lock_guard lock(mu_);
    for (size_t k = 0; k < batch.size(); ++k) {
      auto it = entries_.find(batch[k].hash);
      if (it == entries_.end() || it->second.window != batch[k].window) continue;
      if (wrote[k]) it->second.written = batch[k].local;
      if (lost[k]) it->second.written = -1;  // differs from any total: rewritten next time
      if (read[k]) it->second.others = others[k];
    }
  }
  if (broken || errors) {
    count_failure();
    return false;
  }
  return true;
}

}  // namespace sr::guards

#pragma once
// Lock-free on the hot path: series are created (under a mutex) when a config
// is loaded or a new label value first appears, and callers keep the returned
// reference; increments are relaxed atomics. Series are never deleted, so
// references stay valid for the registry's lifetime.
#include <array>
#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "metrics/metric_list.h"

namespace sr::metrics {

enum class Type { kCounter, kGauge, kHistogram };

enum class Family : uint16_t {
#define SR_METRIC_ENUM(name, type, help, labels) name,
  SR_METRICS(SR_METRIC_ENUM)
#undef SR_METRIC_ENUM
  kCount
};

class Counter {
 public:
  void inc(uint64_t n = 1) { v_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> v_{0};
};

//! A float counter (USD), kept as integer nano-units so it stays lock-free.
class FloatCounter {
 public:
  void add(double v) { n_.fetch_add(static_cast<int64_t>(v * 1e9), std::memory_order_relaxed); }
  double value() const { return static_cast<double>(n_.load(std::memory_order_relaxed)) / 1e9; }

 private:
  std::atomic<int64_t> n_{0};
};

class Gauge {
 public:
  void set(int64_t v) { v_.store(v, std::memory_order_relaxed); }
  void add(int64_t d) { v_.fetch_add(d, std::memory_order_relaxed); }
  int64_t value() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> v_{0};
};

//! Latency histogram with fixed bounds from 10 µs to 120 s.
class Histogram {
 public:
  static constexpr std::array<double, 20> kBounds = {1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3,
                                                     5e-3, 1e-2,   2.5e-2, 5e-2, 0.1,  0.25, 0.5,  1,
                                                     2.5,  10,     30,     120};
  void observe(double seconds);
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }
  double sum() const { return static_cast<double>(sum_ns_.load(std::memory_order_relaxed)) / 1e9; }
  uint64_t bucket(size_t i) const { return buckets_[i].load(std::memory_order_relaxed); }

 private:
  std::array<std::atomic<uint64_t>, kBounds.size()> buckets_{};
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_ns_{0};
};

class Registry {
 public:
  Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  //! Label values in the order of the family's label names.
  Counter& counter(Family f, std::initializer_list<std::string_view> labels = {});
  FloatCounter& float_counter(Family f, std::initializer_list<std::string_view> labels = {});
  Gauge& gauge(Family f, std::initializer_list<std::string_view> labels = {});
  Histogram& histogram(Family f, std::initializer_list<std::string_view> labels = {});

  //! Prometheus text exposition format 0.0.4.
  std::string render() const;

 private:
  struct Series {
    std::string labels;  // rendered `a="x",b="y"`
    std::unique_ptr<Counter> counter;
    std::unique_ptr<FloatCounter> fcounter;
    std::unique_ptr<Gauge> gauge;
    std::unique_ptr<Histogram> histogram;
  };
  Series& series(Family f, std::initializer_list<std::string_view> labels);

  mutable std::mutex mu_;  // guards series_ (the maps, not the atomics inside)
  std::array<std::map<std::string, Series>, static_cast<size_t>(Family::kCount)> series_;
};

//! Escapes a label value for the exposition format.
std::string escape_label(std::string_view v);

}  // namespace sr::metrics

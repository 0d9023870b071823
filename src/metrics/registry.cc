#include "metrics/registry.h"

#include <cmath>
#include <cstdio>

namespace sr::metrics {

namespace {

struct FamilyInfo {
  const char* name;
  Type type;
  const char* help;
  const char* labels;  // comma separated
};

constexpr FamilyInfo kFamilies[] = {
#define SR_METRIC_INFO(name, type, help, labels) {"semrouter_" #name, Type::type, help, labels},
    SR_METRICS(SR_METRIC_INFO)
#undef SR_METRIC_INFO
};

std::vector<std::string_view> label_names(const char* labels) {
  std::vector<std::string_view> out;
  std::string_view s(labels);
  while (!s.empty()) {
    size_t c = s.find(',');
    out.push_back(s.substr(0, c));
    if (c == std::string_view::npos) break;
    s.remove_prefix(c + 1);
  }
  return out;
}

void append_double(std::string& out, double v) {
  char buf[64];
  if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
    return;
  }
  int n = std::snprintf(buf, sizeof buf, "%.17g", v);
  out.append(buf, static_cast<size_t>(n));
}

}  // namespace

void Histogram::observe(double seconds) {
  if (!(seconds >= 0)) seconds = 0;
  for (size_t i = 0; i < kBounds.size(); ++i) {
    if (seconds <= kBounds[i]) {
      buckets_[i].fetch_add(1, std::memory_order_relaxed);
      break;
    }
  }
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_ns_.fetch_add(static_cast<uint64_t>(seconds * 1e9), std::memory_order_relaxed);
}

std::string escape_label(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out.push_back(c);
  }
  return out;
}

Registry::Registry() = default;

Registry::Series& Registry::series(Family f, std::initializer_list<std::string_view> labels) {
  const FamilyInfo& info = kFamilies[static_cast<size_t>(f)];
  auto names = label_names(info.labels);
  std::string key;
  size_t i = 0;
  for (std::string_view v : labels) {
    if (i >= names.size()) break;  // extra values ignored; declared list is the contract
    if (!key.empty()) key.push_back(',');
    key.append(names[i]);
    key += "=\"";
    key += escape_label(v);
    key.push_back('"');
    ++i;
  }
  std::lock_guard<std::mutex> lock(mu_);
  auto& m = series_[static_cast<size_t>(f)];
  auto it = m.find(key);
  if (it != m.end()) return it->second;
  Series s;
  s.labels = key;
  switch (info.type) {
    case Type::kCounter:
      s.counter = std::make_unique<Counter>();
      s.fcounter = std::make_unique<FloatCounter>();
      break;
    case Type::kGauge: s.gauge = std::make_unique<Gauge>(); break;
    case Type::kHistogram: s.histogram = std::make_unique<Histogram>(); break;
  }
  return m.emplace(key, std::move(s)).first->second;
}

Counter& Registry::counter(Family f, std::initializer_list<std::string_view> labels) { return *series(f, labels).counter; }
FloatCounter& Registry::float_counter(Family f, std::initializer_list<std::string_view> labels) {
  return *series(f, labels).fcounter;
}
Gauge& Registry::gauge(Family f, std::initializer_list<std::string_view> labels) { return *series(f, labels).gauge; }
Histogram& Registry::histogram(Family f, std::initializer_list<std::string_view> labels) {
  return *series(f, labels).histogram;
}

std::string Registry::render() const {
  std::string out;
  out.reserve(16384);
  std::lock_guard<std::mutex> lock(mu_);
  for (size_t fi = 0; fi < static_cast<size_t>(Family::kCount); ++fi) {
    const FamilyInfo& info = kFamilies[fi];
    out += "# HELP ";
    out += info.name;
    out.push_back(' ');
    out += info.help;
    out += "\n# TYPE ";
    out += info.name;
    out += info.type == Type::kCounter ? " counter\n" : info.type == Type::kGauge ? " gauge\n" : " histogram\n";
    for (const auto& [key, s] : series_[fi]) {
      auto head = [&](const char* suffix, const std::string& extra) {
        out += info.name;
        out += suffix;
        if (!s.labels.empty() || !extra.empty()) {
          out.push_back('{');
          out += s.labels;
          if (!s.labels.empty() && !extra.empty()) out.push_back(',');
          out += extra;
          out.push_back('}');
        }
        out.push_back(' ');
      };
      if (info.type == Type::kCounter) {
        head("", "");
        // A family is either integer or float valued; the unused one stays 0.
        double v = static_cast<double>(s.counter->value()) + s.fcounter->value();
        append_double(out, v);
        out.push_back('\n');
      } else if (info.type == Type::kGauge) {
        head("", "");
        out += std::to_string(s.gauge->value());
        out.push_back('\n');
      } else {
        uint64_t cum = 0;
        for (size_t b = 0; b < Histogram::kBounds.size(); ++b) {
          cum += s.histogram->bucket(b);
          std::string le = "le=\"";
          append_double(le, Histogram::kBounds[b]);
          le.push_back('"');
          head("_bucket", le);
          out += std::to_string(cum);
          out.push_back('\n');
        }
        head("_bucket", "le=\"+Inf\"");
        out += std::to_string(s.histogram->count());
        out.push_back('\n');
        head("_sum", "");
        append_double(out, s.histogram->sum());
        out.push_back('\n');
        head("_count", "");
        out += std::to_string(s.histogram->count());
        out.push_back('\n');
      }
    }
  }
  return out;
}

}  // namespace sr::metrics

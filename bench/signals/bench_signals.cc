// bench_signals: the latency of every signal in the task table (domain,
// jailbreak, pii, language, ...) on one prompt, alone and all together, on the
// calling thread. For each prompt length it runs warm-up calls, then
// iterations until both a minimum count and a minimum time are reached, and
// reports the median (and p90) per signal and of the per-iteration total.
// Compared with a BERT-base forward pass by bench/signals/run.sh.
//
//   bench_signals [--tokens 16,200,2000] [--min-iters 300] [--min-time 1.0]
//                 [--tasks domain,pii] [--json FILE]
// Unknown --benchmark_* flags are ignored so bench/run.sh can run it like the
// Google Benchmark binaries.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "signals/signal.h"
#include "signals/tasks.h"

namespace {

using Clock = std::chrono::steady_clock;

// A realistic user prompt (question, some context, an e-mail address and a
// phone number for the PII signal). Prompts of N tokens cycle its words.
constexpr std::string_view kPromptWords =
    "Hi, I am preparing a short report for my team about the performance of our web service "
    "after last week's migration to the new database cluster. Could you explain, in simple terms, "
    "why the median latency went down while the 99th percentile got noticeably worse? We moved "
    "from a single primary with two replicas to a sharded setup with six nodes, and we also "
    "enabled connection pooling in the application servers. The dashboards show more retries "
    "during peak hours and a few timeouts on the payment endpoint. Please suggest three concrete "
    "experiments we could run to find the cause, and how we should present the results to "
    "management without too much jargon. If you need more details you can reach me at "
    "maria.keller@example.com or call +1 415 555 0132 after five in the afternoon. Thanks a lot "
    "for your help, this matters for the quarterly planning meeting on Thursday.";

std::string make_prompt(size_t tokens) {
  std::vector<std::string_view> words;
  std::string_view rest = kPromptWords;
  while (!rest.empty()) {
    size_t sp = rest.find(' ');
    words.push_back(rest.substr(0, sp));
    if (sp == std::string_view::npos) break;
    rest.remove_prefix(sp + 1);
  }
  std::string out;
  for (size_t i = 0; i < tokens; ++i) {
    if (i) out.push_back(' ');
    out.append(words[i % words.size()]);
  }
  return out;
}

struct Signal {
  std::string name;
  sr::signals::ClassifierPtr classifier;
  sr::signals::EntityRecognizerPtr recognizer;
};

double percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  size_t k = size_t(q * double(v.size() - 1) + 0.5);
  std::nth_element(v.begin(), v.begin() + long(k), v.end());
  return v[k];
}

std::vector<std::string> split_csv(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) if (!item.empty()) out.push_back(item);
  return out;
}

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      auto c = line.find(':');
      return c == std::string::npos ? line : line.substr(c + 2);
    }
  }
  return "unknown";
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<size_t> token_counts = {16, 200, 2000};
  size_t min_iters = 300;
  double min_time = 1.0;
  std::vector<std::string> only;
  std::string json_path;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "bench_signals: %s needs a value\n", argv[i]);
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--tokens") {
      token_counts.clear();
      for (const auto& t : split_csv(next())) token_counts.push_back(std::stoul(t));
    } else if (a == "--min-iters") {
      min_iters = std::stoul(next());
    } else if (a == "--min-time") {
      min_time = std::stod(next());
    } else if (a == "--tasks") {
      only = split_csv(next());
    } else if (a == "--json") {
      json_path = next();
    } else if (a.rfind("--benchmark_", 0) == 0) {
      // accepted for bench/run.sh, which passes Google Benchmark flags
    } else if (a == "--help" || a == "-h") {
      std::printf("usage: bench_signals [--tokens 16,200,2000] [--min-iters N] [--min-time S] "
                  "[--tasks a,b] [--json FILE]\n");
      return 0;
    } else {
      std::fprintf(stderr, "bench_signals: unknown option %s\n", argv[i]);
      return 2;
    }
  }

  // Load every task of the table with its built-in model.
  std::vector<Signal> signals;
  for (const auto& t : sr::signals::all_tasks()) {
    std::string name(t.name);
    if (!only.empty() && std::find(only.begin(), only.end(), name) == only.end()) continue;
    Signal s{name, nullptr, nullptr};
    if (t.load_classifier) {
      auto r = t.load_classifier("");
      if (!r) {
        std::fprintf(stderr, "bench_signals: skipping %s: %s\n", name.c_str(), r.error().message.c_str());
        continue;
      }
      s.classifier = std::move(*r);
    } else if (t.load_recognizer) {
      auto r = t.load_recognizer("");
      if (!r) {
        std::fprintf(stderr, "bench_signals: skipping %s: %s\n", name.c_str(), r.error().message.c_str());
        continue;
      }
      s.recognizer = std::move(*r);
    } else {
      continue;
    }
    signals.push_back(std::move(s));
  }
  if (signals.empty()) {
    std::fprintf(stderr, "bench_signals: no signal could be loaded\n");
    return 1;
  }

  std::string json = "{\"bench\":\"signals\",\"cpu\":\"" + cpu_model() + "\",\"threads\":1,\"results\":[";
  std::printf("%-10s %8s %8s", "tokens", "bytes", "iters");
  for (const auto& s : signals) std::printf(" %14s", (s.name + " p50").c_str());
  std::printf(" %14s %14s\n", "total p50", "total p90");

  volatile float sink = 0;
  bool first_row = true;
  for (size_t tokens : token_counts) {
    const std::string prompt = make_prompt(tokens);
    const size_t n = signals.size();
    auto run_one = [&](const Signal& s) {
      if (s.classifier) {
        sink = sink + s.classifier->classify(prompt).confidence;
      } else {
        sink = sink + float(s.recognizer->recognize(prompt).size());
      }
    };
    for (int w = 0; w < 50; ++w)
      for (const auto& s : signals) run_one(s);
    std::vector<std::vector<double>> per(n);
    std::vector<double> total;
    const auto start = Clock::now();
    for (size_t it = 0; it < 200000; ++it) {
      double sum = 0;
      for (size_t k = 0; k < n; ++k) {
        auto t0 = Clock::now();
        run_one(signals[k]);
        double us = std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
        per[k].push_back(us);
        sum += us;
      }
      total.push_back(sum);
      if (it + 1 >= min_iters && std::chrono::duration<double>(Clock::now() - start).count() >= min_time) break;
    }
    std::printf("%-10zu %8zu %8zu", tokens, prompt.size(), total.size());
    std::string row = std::string(first_row ? "" : ",") + "{\"tokens\":" + std::to_string(tokens) +
                      ",\"bytes\":" + std::to_string(prompt.size()) + ",\"iters\":" + std::to_string(total.size()) +
                      ",\"signals\":{";
    first_row = false;
    for (size_t k = 0; k < n; ++k) {
      double p50 = percentile(per[k], 0.5), p90 = percentile(per[k], 0.9);
      std::printf(" %11.2f us", p50);
      char buf[160];
      std::snprintf(buf, sizeof buf, "%s\"%s\":{\"median_us\":%.3f,\"p90_us\":%.3f}", k ? "," : "",
                    signals[k].name.c_str(), p50, p90);
      row += buf;
    }
    double t50 = percentile(total, 0.5), t90 = percentile(total, 0.9);
    std::printf(" %11.2f us %11.2f us\n", t50, t90);
    char buf[128];
    std::snprintf(buf, sizeof buf, "},\"total\":{\"median_us\":%.3f,\"p90_us\":%.3f}}", t50, t90);
    row += buf;
    json += row;
  }
  json += "]}";
  if (!json_path.empty()) {
    std::ofstream out(json_path);
    out << json << "\n";
    if (!out) {
      std::fprintf(stderr, "bench_signals: cannot write %s\n", json_path.c_str());
      return 1;
    }
  }
  return 0;
}

// Scoring cost of each cost-quality router per prompt, on one core.
// Routers are built at startup on synthetic outcome data with the built-in
// router's embedder (scoring cost depends on table sizes, not on what was
// learned): 10,000 references for kNN and SW ranking, 58 groups for the prior,
// as in the shipped models. BM_Builtin scores with models/router itself.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "base/paths.h"
#include "decision/router/router.h"
#include "decision/router/routers.h"

namespace {

using namespace sr::router;

const std::vector<std::string>& prompts() {
  static const std::vector<std::string> p = {
      "hi",
      "What is the capital of France?",
      "Write a haiku about autumn leaves falling on a quiet pond.",
      "Find the degree for the given field extension Q(sqrt(2), sqrt(3), sqrt(18)) over Q.\nA. 0\nB. 4\nC. 2\nD. 6\nAnswer:",
      "Janet's ducks lay 16 eggs per day. She eats three for breakfast every morning and bakes muffins for her "
      "friends every day with four. She sells the remainder at the farmers' market daily for $2 per fresh duck "
      "egg. How much in dollars does she make every day at the farmers' market?",
      "Write a Python function that parses a CSV file with quoted fields, handles escaped quotes and embedded "
      "newlines, and returns a list of dictionaries keyed by the header row. Include type hints and tests.",
      std::string(1500, 'x') + " explain the difference between a mutex and a semaphore in operating systems, "
                               "with examples of deadlock and priority inversion",
  };
  return p;
}

EmbedderPtr builtin_embedder() {
  static EmbedderPtr emb = [] {
    auto r = load_router("");
    if (!r) {
      std::fprintf(stderr, "router_bench: %s\n", r.error().message.c_str());
      std::exit(1);
    }
    return (*r)->embedder();
  }();
  return emb;
}

// `models` == 2: a strong/weak pair; more: N-model data (0/1 scores, as in
// the LLMRouter data behind models/router-multi).
OutcomeSet synthetic(size_t n, int groups, size_t models = 2) {
  const auto& words = builtin_embedder()->words();
  std::mt19937_64 rng(1);
  OutcomeSet s;
  if (models == 2) {
    s.models = {"weak", "strong"};
    s.weak = 0;
    s.strong = 1;
  } else {
    for (size_t j = 0; j < models; ++j) s.models.push_back("m" + std::to_string(j));
  }
  for (size_t i = 0; i < n; ++i) {
    std::string text;
    size_t len = 10 + rng() % 60;
    for (size_t k = 0; k < len; ++k) text += words[rng() % std::min<size_t>(words.size(), 8000)] + " ";
    std::vector<float> q(models);
    for (auto& x : q) x = static_cast<float>(rng() % 2);
    s.rows.push_back({text, "g" + std::to_string(rng() % static_cast<uint64_t>(groups)), std::move(q)});
  }
  return s;
}

RouterPtr build(const std::string& kind, size_t models = 2) {
  TrainOptions o;
  o.prior_epochs = 1;
  o.linear_epochs = 1;
  o.mf_epochs = 1;
  o.folds = 2;
  auto r = train_router(kind, synthetic(10000, 58, models), builtin_embedder(), o);
  if (!r) {
    std::fprintf(stderr, "router_bench: %s\n", r.error().message.c_str());
    std::exit(1);
  }
  return *r;
}

void run(benchmark::State& state, const Router& r) {
  const auto& p = prompts();
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(r.score(p[i]));
    if (++i == p.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_Score(benchmark::State& state, const std::string& kind) {
  static std::map<std::string, RouterPtr> cache;
  if (!cache.count(kind)) cache[kind] = build(kind);
  run(state, *cache[kind]);
}

// N-model routing: expected quality of each of 9 models (what a router rule
// with `models:` calls), SW ranking being the costly one: 36 pairs per battle.
void BM_Quality9(benchmark::State& state, const std::string& kind) {
  static std::map<std::string, RouterPtr> cache;
  if (!cache.count(kind)) cache[kind] = build(kind, 9);
  const Router& r = *cache[kind];
  const auto& p = prompts();
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(r.expected_quality(p[i]));
    if (++i == p.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_BuiltinMulti(benchmark::State& state) {
  static RouterPtr r = *load_router(sr::builtin_model_path("router-multi"));
  const auto& p = prompts();
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(r->expected_quality(p[i]));
    if (++i == p.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_Builtin(benchmark::State& state) {
  static RouterPtr r = *load_router("");
  run(state, *r);
}

void BM_EmbedOnly(benchmark::State& state) {
  const auto& p = prompts();
  auto emb = builtin_embedder();
  std::vector<float> v(emb->dim());
  size_t i = 0;
  for (auto _ : state) {
    emb->embed(p[i], v.data());
    benchmark::DoNotOptimize(v.data());
    if (++i == p.size()) i = 0;
  }
}

}  // namespace

BENCHMARK(BM_EmbedOnly)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Builtin)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Score, prior, std::string("prior"))->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Score, knn, std::string("knn"))->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Score, sw_10k, std::string("sw"))->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Score, mf, std::string("mf"))->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Score, linear, std::string("linear"))->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Score, ensemble, std::string("ensemble"))->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_BuiltinMulti)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Quality9, sw_10k, std::string("sw"))->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Quality9, knn_10k, std::string("knn"))->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Quality9, ensemble, std::string("ensemble"))->Unit(benchmark::kMicrosecond);
BENCHMARK_MAIN();

// Micro benchmarks of the linear text classifiers (domain, jailbreak):
// normalise + tokenize + hash + classify, for 16 / 200 / 2000-token prompts and
// a 100 kB prompt (clipped by the head + tail length policy). Uses the built-in
// models from models/ (set SEMROUTER_MODELS_DIR to point elsewhere).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <string>

#include "engine/tokenizer.h"
#include "signals/domain.h"
#include "signals/jailbreak.h"
#include "signals/text_classifier.h"

namespace {

// Deterministic English-like text with about `tokens` words.
std::string make_prompt(size_t tokens) {
  static const char* kWords[] = {"the",     "model",  "should", "explain", "how",     "photosynthesis", "works",
                                 "in",      "plants", "and",    "why",     "energy",  "matters",        "for",
                                 "cells,",  "given",  "that",   "light",   "drives",  "reactions;",     "also",
                                 "compare", "with",   "animal", "respiration.", "Please", "answer",    "clearly"};
  std::string s;
  uint64_t x = 88172645463325252ull;
  for (size_t i = 0; i < tokens; ++i) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    s += kWords[x % (sizeof kWords / sizeof *kWords)];
    s += ' ';
  }
  return s;
}

std::string prompt_of_size(int64_t arg) {
  if (arg < 0) {  // -N = N kB of text
    std::string s;
    const std::string chunk = make_prompt(200);
    while (s.size() < static_cast<size_t>(-arg) * 1024) s += chunk;
    s.resize(static_cast<size_t>(-arg) * 1024);
    return s;
  }
  return make_prompt(static_cast<size_t>(arg));
}

const sr::signals::Classifier* load(bool domain) {
  static auto d = sr::signals::load_domain_classifier("");
  static auto j = sr::signals::load_jailbreak_classifier("");
  auto& r = domain ? d : j;
  if (!r) {
    std::fprintf(stderr, "cannot load built-in model: %s\n", r.error().message.c_str());
    return nullptr;
  }
  return r->get();
}

void run_classifier(benchmark::State& state, bool domain) {
  const auto* clf = load(domain);
  if (clf == nullptr) {
    state.SkipWithError("built-in model missing");
    return;
  }
  const std::string text = prompt_of_size(state.range(0));
  for (auto _ : state) benchmark::DoNotOptimize(clf->classify(text));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
  state.counters["bytes"] = static_cast<double>(text.size());
}

void BM_DomainClassify(benchmark::State& state) { run_classifier(state, true); }
void BM_JailbreakClassify(benchmark::State& state) { run_classifier(state, false); }

// Featurisation alone (normalise + tokenize + hash + word vectors), with the
// built-in domain model's feature configuration.
void BM_ExtractFeatures(benchmark::State& state) {
  const auto* clf = dynamic_cast<const sr::signals::TextClassifier*>(load(true));
  if (clf == nullptr) {
    state.SkipWithError("built-in model missing");
    return;
  }
  sr::engine::FeatureScratch scratch;
  const std::string text = prompt_of_size(state.range(0));
  for (auto _ : state) {
    sr::engine::extract_features(clf->model().features, text, scratch, clf->model().word_vectors());
    benchmark::DoNotOptimize(scratch.features.data());
  }
  state.counters["features"] = static_cast<double>(scratch.features.size());
}

// Args: tokens, or -kB for the 100 kB case.
#define TEXTCLS_ARGS ->Arg(16)->Arg(200)->Arg(2000)->Arg(-100)
BENCHMARK(BM_ExtractFeatures) TEXTCLS_ARGS;
BENCHMARK(BM_DomainClassify) TEXTCLS_ARGS;
BENCHMARK(BM_JailbreakClassify) TEXTCLS_ARGS;

}  // namespace

BENCHMARK_MAIN();

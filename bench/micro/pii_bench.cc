// Google Benchmark for the pii signal on 16/200/2000-token prompts (tokens ~
// whitespace-separated words), with and without the tagger, plus a
// PII-dense prompt and a 100 kB prompt (capped scan).
#include <benchmark/benchmark.h>

#include <string>

#include "signals/pii.h"

namespace {

// Ordinary chat text with a little PII in it, repeated to length.
const char* kBase =
    "Hi, my name is John Smith and I live at 42 Baker Street, London. Please send the invoice for order "
    "12345 to john.smith@example.com or call me at (212) 555-0199 tomorrow. I need help writing a Python "
    "function that parses dates like 2024-01-15 and computes the average of a list of numbers; also explain "
    "recursion with a short example and compare it with iteration in terms of memory use and readability. ";

std::string prompt_words(int words) {
  std::string out;
  int n = 0;
  std::string base = kBase;
  size_t i = 0;
  while (n < words) {
    size_t sp = base.find(' ', i);
    if (sp == std::string::npos) {
      i = 0;
      continue;
    }
    out.append(base, i, sp - i + 1);
    i = sp + 1;
    ++n;
  }
  return out;
}

const sr::signals::EntityRecognizer& model() {
  static sr::signals::EntityRecognizerPtr rec = [] {
    auto r = sr::signals::load_pii_recognizer("");
    if (!r) std::abort();
    return std::move(*r);
  }();
  return *rec;
}

const sr::signals::EntityRecognizer& rules() {
  static sr::signals::EntityRecognizerPtr rec = sr::signals::make_pii_rules_only();
  return *rec;
}

void BM_PiiRecognize(benchmark::State& state) {
  std::string text = prompt_words(static_cast<int>(state.range(0)));
  const auto& rec = model();
  size_t ents = 0;
  for (auto _ : state) {
    auto e = rec.recognize(text);
    ents = e.size();
    benchmark::DoNotOptimize(e);
  }
  state.counters["bytes"] = static_cast<double>(text.size());
  state.counters["entities"] = static_cast<double>(ents);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_PiiRecognize)->Arg(16)->Arg(200)->Arg(2000)->Unit(benchmark::kMicrosecond);

void BM_PiiRulesOnly(benchmark::State& state) {
  std::string text = prompt_words(static_cast<int>(state.range(0)));
  const auto& rec = rules();
  for (auto _ : state) benchmark::DoNotOptimize(rec.recognize(text));
  state.counters["bytes"] = static_cast<double>(text.size());
}
BENCHMARK(BM_PiiRulesOnly)->Arg(16)->Arg(200)->Arg(2000)->Unit(benchmark::kMicrosecond);

void BM_PiiHundredKB(benchmark::State& state) {
  std::string text = prompt_words(20000);
  while (text.size() < 100 * 1024) text += kBase;
  const auto& rec = model();
  for (auto _ : state) benchmark::DoNotOptimize(rec.recognize(text));
  state.counters["bytes"] = static_cast<double>(text.size());
}
BENCHMARK(BM_PiiHundredKB)->Unit(benchmark::kMicrosecond);

void BM_PiiRedact(benchmark::State& state) {
  std::string text = prompt_words(200);
  auto ents = model().recognize(text);
  sr::signals::RedactPolicy policy;
  for (auto _ : state) benchmark::DoNotOptimize(sr::signals::redact(text, ents, policy));
}
BENCHMARK(BM_PiiRedact)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();

// libFuzzer target: arbitrary bytes as a prompt for the built-in language
// classifier (lid.176). Must never crash, whatever the encoding or length.
//   clang++ -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -I src \
//     -DSEMROUTER_SOURCE_DIR=\"$PWD\" tests/fuzz/fasttext_model/fuzz_language_text.cc \
//     src/signals/language.cc src/signals/fasttext_model.cc src/engine/line_reader.cc \
//     src/base/error_codes.cc src/base/paths.cc -lz -o /tmp/fuzz_language_text
//   /tmp/fuzz_language_text -max_total_time=120
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "signals/language.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto* clf = [] {
    auto r = sr::signals::load_language_classifier(std::string(SEMROUTER_SOURCE_DIR) + "/models/language",
                                                   sr::signals::LanguageOptions{});
    if (!r) std::abort();
    return r->release();
  }();
  auto c = clf->classify(std::string_view(reinterpret_cast<const char*>(data), size));
  if (c.label.empty() || !(c.confidence >= 0.0f && c.confidence <= 1.0f)) std::abort();
  clf->top_k(std::string_view(reinterpret_cast<const char*>(data), size), 5);
  return 0;
}

// libFuzzer target: arbitrary bytes as a fastText model file. Loading must
// either fail cleanly or give a model whose predict() is safe on any text.
// Build and run (clang; not part of the CMake build):
//   clang++ -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -I src \
//     tests/fuzz/fasttext_model/fuzz_fasttext_model.cc src/signals/fasttext_model.cc \
//     src/base/error_codes.cc -o /tmp/fuzz_fasttext_model
//   /tmp/fuzz_fasttext_model -max_total_time=120 -rss_limit_mb=2048 tests/fuzz/fasttext_model/corpus
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "signals/fasttext_model.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto model = sr::signals::FastTextModel::load_bytes(bytes, "fuzz");
  if (!model) return 0;
  std::vector<sr::signals::FastTextPrediction> out;
  for (std::string_view text : {"", "the cat", "__label__x </s> y", "\xff\xfe\xc3", "日本語 text"}) {
    (*model)->predict(text, 3, out);
  }
  return 0;
}

#include "engine/word_vectors.h"

#include <cmath>
#include <cstring>
#include <fstream>

#include "engine/hashing.h"
#include "engine/normalize.h"
#include "engine/tokenizer.h"

namespace sr::engine {
namespace {

float half_to_float(uint16_t h) {
  const uint32_t sign = (h >> 15) & 1, exp = (h >> 10) & 0x1F, mant = h & 0x3FF;
  float v;
  if (exp == 0) v = std::ldexp(static_cast<float>(mant), -24);
  else if (exp == 31) v = mant ? NAN : INFINITY;
  else v = std::ldexp(static_cast<float>(mant | 0x400), static_cast<int>(exp) - 25);
  return sign ? -v : v;
}

}  // namespace

Result<WordVectors> load_glove_f16(const std::string& dir) {
  constexpr uint32_t kDim = 100;
  const std::string vocab_path = dir + "/glove_wink_100d_top20k.vocab.txt";
  const std::string bin_path = dir + "/glove_wink_100d_top20k.f16.bin";
  std::ifstream vin(vocab_path);
  std::ifstream bin(bin_path, std::ios::binary);
  if (!vin || !bin) return fail(ErrorCode::kIo, "cannot open GloVe files in " + dir);
  std::vector<std::string> words;
  for (std::string w; std::getline(vin, w);) words.push_back(w);
  std::vector<uint16_t> raw(words.size() * kDim);
  bin.read(reinterpret_cast<char*>(raw.data()), static_cast<std::streamsize>(raw.size() * 2));
  if (static_cast<size_t>(bin.gcount()) != raw.size() * 2) return fail(ErrorCode::kIo, bin_path + ": shorter than the vocabulary");

  WordVectors wv;
  wv.dim = kDim;
  wv.table_bits = 1;
  while ((size_t{1} << wv.table_bits) < words.size() * 2) ++wv.table_bits;
  wv.keys.assign(size_t{1} << wv.table_bits, 0);
  wv.rows.assign(wv.keys.size(), 0);
  std::u32string norm;
  std::vector<Token> tokens;
  const uint64_t mask = wv.keys.size() - 1;
  for (size_t i = 0; i < words.size(); ++i) {
    normalize_text(words[i], norm);
    tokenize(norm, tokens);
    if (tokens.size() != 1) continue;
    const uint64_t key = word_hash(std::u32string_view(norm).substr(tokens[0].begin, tokens[0].end - tokens[0].begin)) | 1;
    uint64_t slot = key & mask;
    while (wv.keys[slot] != 0 && wv.keys[slot] != key) slot = (slot + 1) & mask;
    if (wv.keys[slot] == key) continue;  // first (more frequent) spelling wins
    const uint32_t row = wv.vocab++;
    wv.keys[slot] = key;
    wv.rows[slot] = row;
    float mx = 0;
    float v[kDim];
    for (uint32_t d = 0; d < kDim; ++d) {
      v[d] = half_to_float(raw[i * kDim + d]);
      if (!std::isfinite(v[d])) v[d] = 0;
      mx = std::max(mx, std::fabs(v[d]));
    }
    const float scale = mx > 0 ? mx / 127.0f : 0.0f;
    wv.scales.push_back(scale);
    for (uint32_t d = 0; d < kDim; ++d) {
      wv.values.push_back(scale > 0 ? static_cast<int8_t>(std::lround(v[d] / scale)) : 0);
    }
  }
  return wv;
}

}  // namespace sr::engine

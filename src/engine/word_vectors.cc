#include "engine/word_vectors.h"

#include <cmath>
#include <cstring>
#include <fstream>
#include <unordered_set>

#include "engine/hashing.h"
#include "engine/linear_model.h"
#include "engine/normalize.h"
#include "engine/tokenizer.h"

namespace sr::engine {
namespace {

// Regular English endings, tried in order; the first stem found wins.
// The "s" goes first ("canes" -> "cane", "horses" -> "horse"); "-es" is
// stripped whole only after that missed and only after a sibilant ("boxes" ->
// "box", "churches" -> "church"; never "canes" -> "can").
// The e-restoring stem comes first for -ed/-ing ("scraped" -> "scrape", not
// "scrap"; "tested" -> "teste" misses, then "test").
struct Ending {
  std::u32string_view strip;
  std::u32string_view add;
  bool after_sibilant = false;
};
constexpr Ending kEndings[] = {
    {U"ies", U"y"}, {U"ied", U"y"}, {U"s", U""}, {U"es", U"", true},
    {U"ed", U"e"}, {U"ed", U""}, {U"ing", U"e"}, {U"ing", U""}, {U"ly", U""},
};
bool ends_in_sibilant(std::u32string_view stem) {
  return stem.ends_with(U's') || stem.ends_with(U'x') || stem.ends_with(U'z') || stem.ends_with(U"ch") ||
         stem.ends_with(U"sh");
}
constexpr size_t kMinStem = 3;

}  // namespace

void WordVectors::build_table(std::vector<uint64_t> hashes) {
  table_bits = 1;
  while ((size_t{1} << table_bits) * 2 < hashes.size() * 3) ++table_bits;
  slots.assign(size_t{1} << table_bits, Slot{});
  const uint64_t mask = slots.size() - 1;
  for (size_t r = 0; r < hashes.size(); ++r) {
    uint64_t i = home_of(hashes[r]) & mask;
    while (slots[i].tag != 0) i = (i + 1) & mask;
    slots[i] = Slot{tag_of(hashes[r]), static_cast<uint32_t>(r)};
  }
  row_hashes = std::move(hashes);
}

int32_t WordVectors::find_word(std::u32string_view word, uint64_t h) const {
  const int32_t row = find(h);
  if (row >= 0 || (flags & kInflections) == 0) return row;
  for (const Ending& e : kEndings) {
    if (word.size() < e.strip.size() + kMinStem || !word.ends_with(e.strip)) continue;
    const std::u32string_view stem = word.substr(0, word.size() - e.strip.size());
    if (e.after_sibilant && !ends_in_sibilant(stem)) continue;
    if (e.strip == U"s" && stem.ends_with(U's')) continue;  // "class", "glass": not plurals
    if (const int32_t r = find(word_hash(stem, e.add)); r >= 0) return r;
  }
  return -1;
}

int32_t WordVectors::find_phrase(uint64_t prev, std::u32string_view word, uint64_t bh) const {
  const int32_t row = find(bh);
  if (row >= 0 || (flags & kInflections) == 0) return row;
  // Only the plural: most bigrams miss, and each extra probe is paid by all of them.
  if (word.size() < kMinStem + 1 || !word.ends_with(U's') || word.ends_with(U"ss")) return -1;
  return find(bigram_hash(prev, word_hash(word.substr(0, word.size() - 1))));
}

WordVectors project_word_vectors(const WordVectors& v, const std::vector<float>& weights, uint32_t classes) {
  WordVectors out;
  out.dim = classes;
  out.vocab = v.vocab;
  out.table_bits = v.table_bits;
  out.flags = v.flags;
  out.slots = v.slots;
  out.row_hashes = v.row_hashes;
  out.scales.resize(v.vocab);
  out.values.resize(size_t{v.vocab} * classes);
  std::vector<float> p(classes);
  for (uint32_t r = 0; r < v.vocab; ++r) {
    const int8_t* x = v.values.data() + size_t{r} * v.dim;
    float mx = 0;
    for (uint32_t k = 0; k < classes; ++k) {
      const float* w = weights.data() + size_t{k} * v.dim;
      float acc = 0;
      for (uint32_t d = 0; d < v.dim; ++d) acc += w[d] * static_cast<float>(x[d]);
      p[k] = acc * v.scales[r];
      mx = std::max(mx, std::fabs(p[k]));
    }
    const float scale = mx > 0 ? mx / 127.0f : 0.0f;
    out.scales[r] = scale;
    for (uint32_t k = 0; k < classes; ++k) {
      out.values[size_t{r} * classes + k] = scale > 0 ? static_cast<int8_t>(std::lround(p[k] / scale)) : 0;
    }
  }
  return out;
}

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
  std::vector<uint64_t> hashes;
  std::unordered_set<uint64_t> seen;
  std::u32string norm;
  std::vector<Token> tokens;
  for (size_t i = 0; i < words.size(); ++i) {
    normalize_text(words[i], norm);
    tokenize(norm, tokens);
    if (tokens.size() != 1) continue;
    const uint64_t h = word_hash(std::u32string_view(norm).substr(tokens[0].begin, tokens[0].end - tokens[0].begin));
    if (!seen.insert(h).second) continue;  // first (more frequent) spelling wins
    hashes.push_back(h);
    ++wv.vocab;
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
  wv.build_table(std::move(hashes));
  return wv;
}

}  // namespace sr::engine

#include "engine/tokenizer.h"

#include <utf8proc.h>

#include "engine/hashing.h"
#include "engine/normalize.h"
#include "engine/utf8.h"
#include "engine/word_vectors.h"

#include <cmath>

namespace sr::engine {
namespace {

// Seeds keep feature kinds apart in the shared bucket space.
constexpr uint64_t kWordSeed = 0x1000;
constexpr uint64_t kCharSeed = 0x2000;
constexpr uint64_t kBigramSeed = 0x3000;
// Very long "words" (base64 blobs, CJK runs) only get char n-grams from their
// first kMaxWordForNgrams code points; their unigram still covers them all.
constexpr uint32_t kMaxWordForNgrams = 48;

// Bucket of a char n-gram: one multiply (Fibonacci hashing, high half) instead
// of the full splitmix finaliser; n-grams are most of the features, so this
// is the hottest line of featurisation.
inline uint32_t ngram_bucket(uint64_t h) { return static_cast<uint32_t>((h * 0x9e3779b97f4a7c15ull) >> 32); }

enum class CharClass { kSpace, kWord, kSymbol };

CharClass classify_char(char32_t c) {
  if (c < 0x80) {
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z')) return CharClass::kWord;
    if (c <= ' ' || c == 0x7F) return CharClass::kSpace;
    return CharClass::kSymbol;
  }
  switch (utf8proc_category(static_cast<utf8proc_int32_t>(c))) {
    case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL: case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM: case UTF8PROC_CATEGORY_LO: case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC: case UTF8PROC_CATEGORY_ME: case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL: case UTF8PROC_CATEGORY_NO:
      return CharClass::kWord;
    case UTF8PROC_CATEGORY_ZS: case UTF8PROC_CATEGORY_ZL: case UTF8PROC_CATEGORY_ZP:
    case UTF8PROC_CATEGORY_CC: case UTF8PROC_CATEGORY_CF: case UTF8PROC_CATEGORY_CN:
      return CharClass::kSpace;
    default:
      return CharClass::kSymbol;
  }
}

void append_features(const FeatureConfig& config, std::u32string_view text, const std::vector<Token>& tokens,
                     std::vector<uint32_t>& out, const WordVectors* vectors, float* dense, float* dense_weight) {
  const uint32_t mask = (1u << config.bucket_bits) - 1;
  uint64_t prev = 0;
  bool have_prev = false;
  for (const Token& t : tokens) {
    const std::u32string_view word = text.substr(t.begin, t.end - t.begin);
    const uint64_t wh = hash_code_points(word, kWordSeed);
    out.push_back(static_cast<uint32_t>(wh) & mask);
    const uint64_t bh = have_prev ? bigram_hash(prev, wh) : 0;
    if (dense != nullptr) {
      auto add_row = [&](int32_t row) {
        const float w = WordVectors::rank_weight(static_cast<uint32_t>(row)) * vectors->scales[static_cast<size_t>(row)];
        const int8_t* v = vectors->values.data() + size_t{static_cast<uint32_t>(row)} * vectors->dim;
        for (uint32_t d = 0; d < vectors->dim; ++d) dense[d] += w * static_cast<float>(v[d]);
        *dense_weight += WordVectors::rank_weight(static_cast<uint32_t>(row));
      };
      if (const int32_t row = vectors->find_word(word, wh); row >= 0) add_row(row);
      if (have_prev && (vectors->flags & WordVectors::kPhrases) != 0) {
        if (const int32_t row = vectors->find_phrase(prev, word, bh); row >= 0) add_row(row);
      }
    }
    if (config.word_bigrams && have_prev) out.push_back(static_cast<uint32_t>(bh) & mask);
    prev = wh;
    have_prev = true;
    if (config.char_min == 0) continue;
    // Char n-grams of "<word>": boundary markers distinguish prefixes/suffixes.
    const uint32_t wlen = std::min<uint32_t>(static_cast<uint32_t>(word.size()), kMaxWordForNgrams);
    const uint32_t len = wlen + 2;
    auto at = [&](uint32_t i) -> char32_t { return i == 0 ? U'<' : (i == len - 1 ? U'>' : word[i - 1]); };
    for (uint32_t i = 0; i < len; ++i) {
      uint64_t h = kFnvOffset ^ kCharSeed;
      for (uint32_t n = 1; n <= config.char_max && i + n <= len; ++n) {
        h = hash_step(h, at(i + n - 1));
        if (n >= config.char_min) {
          // Skip the n-gram equal to the whole "<word>": the unigram covers it.
          if (i == 0 && n == len) break;
          out.push_back(ngram_bucket(h) & mask);
        }
      }
    }
  }
}

}  // namespace

uint64_t word_hash(std::u32string_view word) { return hash_code_points(word, kWordSeed); }

uint64_t bigram_hash(uint64_t prev, uint64_t cur) { return hash_combine(prev ^ kBigramSeed, cur); }

uint64_t word_hash(std::u32string_view stem, std::u32string_view suffix) {
  uint64_t h = kFnvOffset ^ kWordSeed;
  for (char32_t c : stem) h = hash_step(h, c);
  for (char32_t c : suffix) h = hash_step(h, c);
  return hash_mix(h);
}

void tokenize(std::u32string_view text, std::vector<Token>& out) {
  out.clear();
  const uint32_t n = static_cast<uint32_t>(text.size());
  uint32_t i = 0;
  while (i < n) {
    const CharClass cls = classify_char(text[i]);
    if (cls == CharClass::kSpace) {
      ++i;
    } else if (cls == CharClass::kSymbol) {
      out.push_back({i, i + 1});
      ++i;
    } else {
      uint32_t j = i + 1;
      while (j < n && classify_char(text[j]) == CharClass::kWord) ++j;
      out.push_back({i, j});
      i = j;
    }
  }
}

void extract_features(const FeatureConfig& config, std::string_view utf8, FeatureScratch& scratch,
                      const WordVectors* vectors) {
  scratch.features.clear();
  float* dense = nullptr;
  float dense_weight = 0.0f;
  if (vectors != nullptr && !vectors->empty()) {
    scratch.dense.assign(vectors->dim, 0.0f);
    dense = scratch.dense.data();
  } else {
    scratch.dense.clear();
  }
  const Clipped parts = clip_head_tail(utf8, config.head_bytes, config.tail_bytes);
  for (std::string_view part : {parts.head, parts.tail}) {
    if (part.empty()) continue;
    normalize_text(part, scratch.normalized);
    tokenize(scratch.normalized, scratch.tokens);
    append_features(config, scratch.normalized, scratch.tokens, scratch.features, vectors, dense, &dense_weight);
  }
  if (dense != nullptr && dense_weight > 0) {
    // A weighted mean (not a unit vector): it stays linear in the word vectors,
    // so a trained model can fold its dense weights into per-word class scores
    // (project_word_vectors) and pay C instead of dim operations per word.
    const float inv = 1.0f / dense_weight;
    for (float& x : scratch.dense) x *= inv;
  }
}

std::vector<std::string> tokenize_to_strings(std::string_view utf8) {
  std::u32string norm;
  normalize_text(utf8, norm);
  std::vector<Token> tokens;
  tokenize(norm, tokens);
  std::vector<std::string> out;
  for (const Token& t : tokens) {
    std::string w;
    for (uint32_t i = t.begin; i < t.end; ++i) append_utf8(w, norm[i]);
    out.push_back(std::move(w));
  }
  return out;
}

}  // namespace sr::engine

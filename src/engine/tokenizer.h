#pragma once
// Tokenizer and featuriser for the linear text classifiers: normalised text ->
// words (runs of letters/digits/marks; every other non-space character is a
// one-character token) -> hashed features: word unigrams, word bigrams and
// character n-grams of "<word>". Long prompts are clipped by the head + tail
// length policy first, so cost is bounded by head_bytes + tail_bytes.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sr::engine {

struct WordVectors;

//! How features are made; stored in the model file (the model is only valid
//! with the featuriser it was trained with).
struct FeatureConfig {
  uint32_t bucket_bits = 18;     //!< 2^bits hash buckets
  uint32_t char_min = 3;         //!< char n-gram sizes, [char_min, char_max]; 0 = none
  uint32_t char_max = 5;
  uint32_t word_bigrams = 1;     //!< 1 = add word bigram features
  uint32_t head_bytes = 6144;    //!< length policy: keep this many leading bytes
  uint32_t tail_bytes = 2048;    //!< ... and this many trailing bytes
};

//! One token: a view into the normalised code points.
struct Token {
  uint32_t begin = 0;
  uint32_t end = 0;
};

//! Splits normalised code points into tokens (appended to `out`, which is cleared).
void tokenize(std::u32string_view text, std::vector<Token>& out);

//! Reusable per-thread buffers; after the first few calls no allocation happens.
struct FeatureScratch {
  std::u32string normalized;
  std::vector<Token> tokens;
  std::vector<uint32_t> features;  //!< bucket ids, in text order, repeats kept
  std::vector<float> dense;        //!< frequency-weighted mean word vector (empty without vectors)
};

//! The 64-bit hash of one normalised word (its unigram feature before bucket
//! masking; also the key of word vector lookups).
uint64_t word_hash(std::u32string_view word);
//! Hash of the word bigram (prev, cur) from their word hashes: the bigram
//! feature before bucket masking, and the key of phrase vectors.
uint64_t bigram_hash(uint64_t prev, uint64_t cur);
//! word_hash(stem + suffix) without building the string.
uint64_t word_hash(std::u32string_view stem, std::u32string_view suffix);

//! Normalises, clips, tokenizes and hashes `utf8` into scratch.features, and
//! when `vectors` is non-null and non-empty, fills scratch.dense.
void extract_features(const FeatureConfig& config, std::string_view utf8, FeatureScratch& scratch,
                      const WordVectors* vectors = nullptr);

//! The words of a text after normalisation, as UTF-8 (for tests and tools).
std::vector<std::string> tokenize_to_strings(std::string_view utf8);

}  // namespace sr::engine

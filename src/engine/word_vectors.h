#pragma once
// Frozen pretrained word vectors (GloVe) as a dense feature: the weighted mean
// of the vectors of a text's words. It carries meaning from a much larger
// corpus, so a prompt using words the classifier never saw in training still
// lands near its topic. Stored int8 (one scale per word) in the model file;
// looked up by the same 64-bit word hash the tokenizer already computes.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace sr::engine {

struct WordVectors {
  uint32_t dim = 0;            //!< 0 = no vectors
  uint32_t vocab = 0;          //!< number of words; row i = i-th most frequent
  uint32_t table_bits = 0;     //!< open-addressing table of 2^bits slots
  std::vector<uint64_t> keys;  //!< [slots] word hash, 0 = empty
  std::vector<uint32_t> rows;  //!< [slots] row of the word in `values`
  std::vector<float> scales;   //!< [vocab] dequantisation scale per row
  std::vector<int8_t> values;  //!< [vocab * dim]
  uint32_t flags = 0;          //!< kInflections; stored in the model file

  //! A word missing from the table is looked up again without a regular
  //! English ending ("titrations" -> "titration", "'s", -ies/-es/-s, -ied/-ed,
  //! -ing, -ly). The definition vocabulary holds lemmas only; the fallback costs
  //! a few hashes per missing word and nothing for found ones.
  static constexpr uint32_t kInflections = 1;
  //! Word bigrams are looked up too (key bigram_hash): two-word terms whose
  //! meaning is not the sum of their words ("double jeopardy", "business
  //! cycle"). With kInflections a plural second word is also tried singular.
  static constexpr uint32_t kPhrases = 2;
  static constexpr uint32_t kKnownFlags = kInflections | kPhrases;

  bool empty() const { return dim == 0; }
  //! Row of the word `word` (whose word_hash is `h`), with the inflection
  //! fallback when the flag is set; -1 if none.
  int32_t find_word(std::u32string_view word, uint64_t h) const;
  //! Row of the bigram (word hash `prev`, `word`) whose bigram_hash is `bh`, or -1.
  int32_t find_phrase(uint64_t prev, std::u32string_view word, uint64_t bh) const;
  //! Row of the word with hash `h`, or -1.
  int32_t find(uint64_t h) const {
    if (keys.empty()) return -1;
    const uint64_t mask = keys.size() - 1;
    const uint64_t key = h | 1;  // 0 marks an empty slot
    for (uint64_t i = key & mask, n = 0; n < keys.size(); i = (i + 1) & mask, ++n) {
      if (keys[i] == key) return static_cast<int32_t>(rows[i]);
      if (keys[i] == 0) return -1;
    }
    return -1;
  }
  //! Weight of a word by frequency rank (smooth inverse frequency: the most
  //! common words carry little topic).
  static float rank_weight(uint32_t rank) { return static_cast<float>(rank) / (static_cast<float>(rank) + 200.0f); }
};

//! Folds a linear layer into the vectors: row i becomes `weights` (classes x
//! dim, row-major) times vector i, quantised to int8. Since the dense feature
//! is a weighted mean, weights * mean(v) == mean(weights * v): the model then
//! uses these C-dim "vectors" with identity dense weights, exactly equivalent
//! up to quantisation but C/dim of the memory and work.
WordVectors project_word_vectors(const WordVectors& vectors, const std::vector<float>& weights, uint32_t classes);

//! Loads `<dir>/glove_wink_100d_top20k.{f16.bin,vocab.txt}` (float16 rows, one
//! word per line) and quantises to int8. Words are normalised like the
//! tokenizer does; a word that tokenizes into several tokens is skipped.
Result<WordVectors> load_glove_f16(const std::string& dir);

}  // namespace sr::engine

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
  //! One probe reads one 8-byte slot: the word's tag and its row. A 32-bit tag
  //! instead of the 64-bit hash: the slot position already encodes the low
  //! bits, so a false match needs ~2^-32 luck per probe, and the table is a
  //! third smaller (1 MB less for the domain model's 2^18 slots).
  struct Slot {
    uint32_t tag = 0;  //!< tag_of(hash); 0 = empty
    uint32_t row = 0;
  };
  std::vector<Slot> slots;     //!< [2^table_bits], linear probing from home_of(hash)
  std::vector<float> scales;   //!< [vocab] dequantisation scale per row
  std::vector<int8_t> values;  //!< [vocab * dim]
  uint32_t flags = 0;          //!< kInflections | kPhrases; stored in the model file
  //! Training only (not in model files): the full hash of each row, so that
  //! rows can be added and the table rebuilt at another size.
  std::vector<uint64_t> row_hashes;

  //! A word missing from the table is looked up again without a regular
  //! English ending ("titrations" -> "titration", -ies/-es/-s, -ied/-ed, -ing,
  //! -ly). Definition rows are lemmas; the fallback costs a few hashes per
  //! missing word and nothing for found ones.
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
  static uint32_t tag_of(uint64_t h) { return static_cast<uint32_t>(h >> 32) | 1u; }
  static uint64_t home_of(uint64_t h) { return h | 1; }  // masked: the first slot probed
  //! Row of the word with hash `h`, or -1.
  int32_t find(uint64_t h) const {
    if (slots.empty()) return -1;
    const uint64_t mask = slots.size() - 1;
    const uint32_t tag = tag_of(h);
    for (uint64_t i = home_of(h) & mask, n = 0; n < slots.size(); i = (i + 1) & mask, ++n) {
      if (slots[i].tag == tag) return static_cast<int32_t>(slots[i].row);
      if (slots[i].tag == 0) return -1;
    }
    return -1;
  }
  //! Sets row_hashes and rebuilds the table for rows 0..hashes.size()-1 at a
  //! load factor <= 2/3 (linear probing stays short). vocab is not changed.
  void build_table(std::vector<uint64_t> hashes);
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

#pragma once
// SIF-weighted GloVe sentence embedding (Arora et al. 2017): the weighted mean
// of word vectors, weight a / (a + p(w)), minus the projection on the first
// principal component of a training corpus, L2-normalised. p(w) comes from the
// word's frequency rank (Zipf), so no corpus counts need to ship.
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/result.h"
#include "decision/router/model_file.h"

namespace sr::router {

class Embedder {
 public:
  //! Reads `<dir>/glove_wink_100d_top20k.{vocab.txt,f16.bin}` (the shared GloVe
  //! subset), keeping the `max_words` most frequent words, rounded to int8 rows
  //! as save() stores them (quantize_rows_i8).
  static Result<std::shared_ptr<Embedder>> load_glove(const std::string& dir, size_t max_words);
  //! Reads the "emb.*" sections written by save() (version 1 files: float16 vectors).
  static Result<std::shared_ptr<Embedder>> load(const ModelFile& mf);

  //! Learns the common component to remove from a sample of training texts.
  void fit_common_component(const std::vector<std::string>& texts);
  void save(ModelWriter& w) const;

  size_t dim() const { return dim_; }
  size_t vocab_size() const { return words_.size(); }
  //! Vocabulary in frequency order (benchmarks build synthetic prompts from it).
  const std::vector<std::string>& words() const { return words_; }
  //! Unit-length embedding written to out[0..dim); all zeros when no word is known.
  void embed(std::string_view text, float* out) const;
  std::vector<float> embed(std::string_view text) const;
  //! Same as embed() for text already split by tokenize().
  void embed_tokens(const std::vector<std::string>& tokens, float* out) const;

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  void build_index();

  size_t dim_ = 0;
  std::vector<std::string> words_;   // frequency order
  std::vector<float> vecs_;          // words_.size() x dim_ (stored as int8 rows + scale)
  std::vector<float> weights_;       // SIF weight per word
  std::vector<float> common_;        // unit first principal component, or empty
  std::unordered_map<std::string, int, Hash, std::equal_to<>> index_;
};

using EmbedderPtr = std::shared_ptr<const Embedder>;

//! Dot product of two float arrays (the one hot loop of kNN and SW scoring).
float dot(const float* a, const float* b, size_t n);

}  // namespace sr::router

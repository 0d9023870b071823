#pragma once
// Reader and predictor for fastText supervised models (.bin and quantized .ftz,
// file format version 11/12), written from the published format so the
// language signal needs no third-party library. Prediction reproduces
// `fasttext predict-prob` (same tokenisation, subword hashing, pruned n-gram
// index, summation order, hierarchical softmax / softmax / one-vs-all), so its
// labels and probabilities can be checked against the reference tool.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace sr::signals {

//! fastText's loss, as numbered in the file's Args block.
enum class FastTextLoss : int32_t { kHierarchicalSoftmax = 1, kNegativeSampling = 2, kSoftmax = 3, kOneVsAll = 4 };

//! The hyper-parameters stored in the model header that prediction depends on.
struct FastTextArgs {
  int32_t dim = 0;
  int32_t word_ngrams = 1;
  FastTextLoss loss = FastTextLoss::kSoftmax;
  int32_t model = 0;    //!< 1 cbow, 2 skipgram, 3 supervised (only 3 is accepted)
  int32_t bucket = 0;   //!< number of hash buckets for char / word n-grams
  int32_t minn = 0;     //!< shortest char n-gram (code points)
  int32_t maxn = 0;     //!< longest char n-gram; 0 disables subwords
};

//! One predicted label: index into labels() and its probability as fastText
//! reports it (exp of the summed log-probabilities, each log taken of p + 1e-5).
struct FastTextPrediction {
  int32_t label = -1;
  float prob = 0.0f;
};

//! An immutable, loaded fastText supervised model. Thread-safe: predict() is
//! const and keeps its scratch buffers thread_local.
class FastTextModel {
 public:
  //! Reads and validates a model file. Every count and size is checked against
  //! the bytes actually present before anything is allocated, so a truncated
  //! or hostile file yields kModelFile with a message naming the field.
  static Result<std::unique_ptr<const FastTextModel>> load_file(const std::string& path);
  //! Same, from bytes already in memory; `name` prefixes error messages.
  static Result<std::unique_ptr<const FastTextModel>> load_bytes(std::string_view bytes, std::string_view name);

  ~FastTextModel() = default;
  FastTextModel(const FastTextModel&) = delete;
  FastTextModel& operator=(const FastTextModel&) = delete;

  const FastTextArgs& args() const { return args_; }
  //! File format version (11 or 12).
  int32_t version() const { return version_; }
  //! Labels as stored, including fastText's "__label__" prefix, in model order
  //! (most frequent first).
  const std::vector<std::string>& labels() const { return labels_; }
  //! Vocabulary words (without labels).
  int32_t word_count() const { return nwords_; }
  //! Rows of the input matrix (words + kept n-gram buckets).
  int64_t input_rows() const { return input_rows_; }
  bool quantized() const { return quantized_; }

  //! The k most probable labels of one line of text, best first, like
  //! `fasttext predict-prob` on that line. Tokens are split on ASCII
  //! whitespace and NUL; an end-of-sentence token "</s>" is appended (a literal
  //! "</s>" in the text ends the line, as in fastText). Works on raw bytes: any
  //! byte sequence is safe. Labels whose probability is below `threshold` are
  //! omitted. Empty input (no tokens) gives the prediction of "</s>" alone.
  //! `out` is left empty when there is nothing to predict from (no input row)
  //! or the scores overflow (only possible with absurd weights).
  void predict(std::string_view line, int32_t k, std::vector<FastTextPrediction>& out, float threshold = 0.0f) const;

  //! Sentence vector (the averaged hidden layer) of a line; size dim().
  //! Exposed for tests and for reuse as a cheap text embedding.
  void sentence_vector(std::string_view line, std::vector<float>& out) const;

 private:
  FastTextModel() = default;
  friend class FastTextLoader;

  // Adds the input rows of `line` to hidden (size dim), averages them and
  // returns how many rows were added (0: nothing to predict from).
  int64_t accumulate(std::string_view line, float* hidden) const;
  // Word id of `w` (its fastText hash is `h`), or -1.
  int32_t find_word(std::string_view w, uint32_t h) const;
  // Input row of char/word n-gram bucket `id`, or -1 when pruned away.
  int64_t bucket_row(int64_t id) const;
  // fastText's `hash % bucket` for a 32-bit n-gram hash.
  uint32_t bucket_of(uint32_t h) const;
  void add_subwords(std::string_view token, int32_t wid, float* hidden, int64_t& rows) const;
  void add_row(int64_t row, float* hidden) const;
  float dot_output(const float* hidden, int32_t row) const;
  void predict_hs(const float* hidden, int32_t k, float threshold, std::vector<FastTextPrediction>& out) const;
  void predict_flat(const float* hidden, int32_t k, float threshold, std::vector<FastTextPrediction>& out) const;

  int32_t version_ = 0;
  FastTextArgs args_;
  int32_t nwords_ = 0;
  int32_t nlabels_ = 0;
  int64_t input_rows_ = 0;
  bool quantized_ = false;
  bool pruned_ = false;         // n-gram buckets go through prune_bits_/prune_rows_
  bool all_ngrams_pruned_ = false;  // pruneidx size 0: no n-gram rows at all

  std::vector<std::string> words_;      // vocabulary words, index = word id
  std::vector<std::string> labels_;
  // Open-addressing table word hash -> word id (-1 empty); power-of-two size.
  std::vector<int32_t> word_table_;
  // In-vocabulary words' input rows (the word itself, then its char n-grams),
  // in fastText order, as CSR.
  std::vector<int32_t> subword_offsets_;
  std::vector<int32_t> subword_rows_;
  // Pruned n-gram index (fastText's pruneidx, bucket -> compact row) as a
  // bitmap of kept buckets (250 KB for 2M buckets: the common "not kept"
  // answer is one load, where a hash table would probe), a running popcount
  // per 64 buckets, and the row of the r-th kept bucket.
  std::vector<uint64_t> prune_bits_;   // bit b of word w: bucket 64w+b is kept
  std::vector<uint32_t> prune_rank_;   // kept buckets before word w
  std::vector<int32_t> prune_rows_;
  // h % bucket without a division (Lemire's fastmod; exact for 32-bit h).
  uint64_t bucket_magic_ = 0;
  // Input matrix, dequantized at load: input_rows_ x dim, row-major.
  std::vector<float> input_;
  // Output matrix: nlabels_ x dim, row-major, plus a per-row scale (the
  // quantized norm, or 1). Kept apart so dot products round like fastText's.
  std::vector<float> output_;
  std::vector<float> output_scale_;
  // Hierarchical softmax tree (2 * nlabels - 1 nodes; leaves are labels).
  std::vector<int32_t> tree_left_;
  std::vector<int32_t> tree_right_;
};

}  // namespace sr::signals

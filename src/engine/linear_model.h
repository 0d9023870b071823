#pragma once
// A linear classifier over hashed sparse features (fastText-style n-grams,
// without the low-rank bottleneck: for 2-14 classes a full bucket x class table
// is as cheap at inference and learns rarer n-grams better). The input vector
// is the bag of feature occurrences scaled by 1/sqrt(n), so short and long
// prompts produce logits on the same scale. Weights are int8 with one float
// scale per bucket row; probabilities are temperature-calibrated.
#include <cstdint>
#include <cstring>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "engine/tokenizer.h"
#include "engine/word_vectors.h"

namespace sr::engine {

//! The inference model, exactly what the model file holds.
struct LinearModel {
  FeatureConfig features;
  std::vector<std::string> labels;
  float temperature = 1.0f;      //!< softmax(logits / temperature), fitted on held-out data
  float threshold = 0.5f;        //!< binary decision threshold on P(positive_class)
  int32_t positive_class = -1;   //!< index of the positive class, -1 = argmax decision
  std::vector<float> bias;       //!< [classes]
  std::vector<float> row_scale;  //!< [buckets], dequantisation scale of each row
  std::vector<int8_t> weights;   //!< [buckets * classes], row-major by bucket
  WordVectors vectors;           //!< optional frozen word vectors (dim 0 = none)
  std::vector<float> dense_weights;  //!< [classes * vectors.dim]
  //! Inference copy of row_scale + weights, one cache-friendly row per bucket:
  //! [f16 scale][C x int8], stride packed_stride (a power of two for small C),
  //! so a feature costs one memory access instead of two.
  std::vector<uint8_t> packed;
  size_t packed_stride = 0;

  size_t num_classes() const { return labels.size(); }
  size_t num_buckets() const { return size_t{1} << features.bucket_bits; }
  //! The word vectors to pass to extract_features (null when the model has none).
  const WordVectors* word_vectors() const { return vectors.empty() ? nullptr : &vectors; }

  //! Raw logits (before temperature) for bucket ids and the dense vector
  //! (scratch.dense; ignored when empty); out has num_classes() floats.
  void logits(std::span<const uint32_t> features, std::span<const float> dense, float* out) const;
  //! Calibrated class probabilities; out has num_classes() floats.
  void probabilities(std::span<const uint32_t> features, std::span<const float> dense, float* out) const;
  //! Both steps from a scratch filled by extract_features(..., word_vectors()).
  void probabilities(const FeatureScratch& s, float* out) const { probabilities(s.features, s.dense, out); }
  //! Replaces `vectors` by their projection through dense_weights and sets the
  //! dense weights to identity (see project_word_vectors): same outputs up to
  //! int8 rounding, far less memory and work per word.
  void fold_word_vectors();
  //! Builds the packed inference rows from row_scale/weights; call after
  //! changing either (the loader and LinearTrainer::quantize do).
  void pack();
  //! The decided class: argmax, or for binary models with a positive class,
  //! positive iff P(positive) >= threshold.
  size_t decide(const float* probs) const;
};

//! IEEE half -> float, bit-level (std::ldexp here cost a quarter of inference).
inline float half_to_float(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
  const uint32_t em = h & 0x7FFF;
  uint32_t bits;
  if (em >= 0x7C00) {
    bits = sign | 0x7F800000 | ((em & 0x3FF) << 13);  // inf / nan
  } else if (em >= 0x400) {
    bits = sign | ((em + (112u << 10)) << 13);  // normal: rebias exponent 15 -> 127
  } else {
    const float v = static_cast<float>(em) * 5.9604644775390625e-8f;  // subnormal: em * 2^-24
    return sign ? -v : v;
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

//! Models with up to this many classes take the fast packed inference path.
inline constexpr size_t kMaxFastClasses = 64;

//! In-place softmax of logits / temperature.
void softmax(float* values, size_t n, float temperature);

//! One training example: bucket ids (from extract_features), class, weight.
struct TrainExample {
  std::vector<uint32_t> features;
  std::vector<float> dense;  //!< empty, or the trainer's dense_dim floats
  uint32_t label = 0;
  float weight = 1.0f;
};

//! Options of LinearTrainer::train.
struct TrainConfig {
  int epochs = 5;
  float learning_rate = 0.5f;  //!< decays linearly to 0 over all epochs
  uint64_t seed = 42;          //!< shuffling order; same seed + data = same model
  float dense_lr_scale = 1.0f; //!< learning-rate multiplier of the dense (word vector) weights
  //! Probability of dropping each sparse feature occurrence per step, so the
  //! model cannot lean on a few memorised n-grams (short prompts have few).
  float sparse_dropout = 0.0f;
  //! Called every few hundred examples with progress in [0,1] and the running loss.
  std::function<void(double progress, double loss)> on_progress;
};

//! Float weights during training; quantize() produces the inference model.
class LinearTrainer {
 public:
  LinearTrainer(const FeatureConfig& features, size_t num_classes, size_t dense_dim = 0);

  //! Plain SGD on softmax cross-entropy, sparse updates of touched rows only.
  void train(const std::vector<TrainExample>& examples, const TrainConfig& config);
  //! Logits with the float weights.
  void logits(std::span<const uint32_t> features, std::span<const float> dense, float* out) const;
  //! int8 weights with a per-row scale; labels and calibration filled by the caller.
  LinearModel quantize(std::vector<std::string> labels) const;

 private:
  FeatureConfig features_;
  size_t classes_;
  size_t dense_dim_;
  std::vector<float> bias_;
  std::vector<float> dense_;  // [classes * dense_dim]
  std::vector<float> weights_;
};

//! Temperature minimising the negative log-likelihood of `labels` given
//! `logits` (row-major, n x classes); grid search in log space, deterministic.
float fit_temperature(std::span<const float> logits, std::span<const uint32_t> labels, size_t classes);

}  // namespace sr::engine

#include "engine/linear_model.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <cstring>

namespace sr::engine {

namespace {
// Zero bytes after the packed table: accumulate_packed reads up to
// kMaxFastClasses weights from the last row.
constexpr size_t kPackedTailBytes = kMaxFastClasses + 2;

// IEEE half precision for the packed row scales (round to nearest; scales are
// small positive numbers, so subnormals/infinities are handled but rare).
uint16_t float_to_half(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  const uint32_t sign = (x >> 16) & 0x8000;
  const int32_t exp = static_cast<int32_t>((x >> 23) & 0xFF) - 127 + 15;
  uint32_t mant = x & 0x7FFFFF;
  if (exp <= 0) {
    if (exp < -10) return static_cast<uint16_t>(sign);
    mant |= 0x800000;
    const uint32_t shift = static_cast<uint32_t>(14 - exp);
    uint32_t h = mant >> shift;
    if ((mant >> (shift - 1)) & 1) ++h;
    return static_cast<uint16_t>(sign | h);
  }
  if (exp >= 31) return static_cast<uint16_t>(sign | 0x7C00);
  uint32_t h = sign | (static_cast<uint32_t>(exp) << 10) | (mant >> 13);
  if (mant & 0x1000) ++h;  // round half up; carries into the exponent correctly
  return static_cast<uint16_t>(h);
}

// Sum of the packed rows of `feats` with a compile-time class count N >= c:
// the fixed trip count lets the compiler keep the N accumulators in registers
// and vectorise the int8 -> float multiply-add. Reads N weights per row even
// when c < N: pack() leaves kPackedTailBytes of zero padding after the table,
// and the extra lanes are discarded.
template <size_t N>
void accumulate_packed(std::span<const uint8_t> table, size_t stride, uint32_t mask, std::span<const uint32_t> feats,
                       size_t c, float* out) {
  float acc[N] = {};
  const uint8_t* base = table.data();
  for (uint32_t f : feats) {
    const uint8_t* row = base + size_t{f & mask} * stride;  // mask again: never index past the table
    uint16_t h;
    std::memcpy(&h, row, 2);
    const float s = half_to_float(h);
    int8_t w[N];
    std::memcpy(w, row + 2, N);
    for (size_t k = 0; k < N; ++k) acc[k] += s * static_cast<float>(w[k]);
  }
  for (size_t k = 0; k < c; ++k) out[k] = acc[k];
}

}  // namespace

void softmax(float* v, size_t n, float temperature) {
  const float inv_t = temperature > 0 ? 1.0f / temperature : 1.0f;
  float mx = -INFINITY;
  for (size_t i = 0; i < n; ++i) mx = std::max(mx, v[i] * inv_t);
  float sum = 0;
  for (size_t i = 0; i < n; ++i) {
    v[i] = std::exp(v[i] * inv_t - mx);
    sum += v[i];
  }
  for (size_t i = 0; i < n; ++i) v[i] /= sum;
}

void LinearModel::logits(std::span<const uint32_t> feats, std::span<const float> dense, float* out) const {
  const size_t c = num_classes();
  for (size_t k = 0; k < c; ++k) out[k] = 0;
  const uint32_t mask = static_cast<uint32_t>(num_buckets() - 1);
  if (packed_stride != 0 && c <= kMaxFastClasses) {
    const std::span<const uint8_t> table(packed);
    if (c <= 2) accumulate_packed<2>(table, packed_stride, mask, feats, c, out);
    else if (c <= 4) accumulate_packed<4>(table, packed_stride, mask, feats, c, out);
    else if (c <= 8) accumulate_packed<8>(table, packed_stride, mask, feats, c, out);
    else if (c <= 16) accumulate_packed<16>(table, packed_stride, mask, feats, c, out);
    else if (c <= 32) accumulate_packed<32>(table, packed_stride, mask, feats, c, out);
    else accumulate_packed<64>(table, packed_stride, mask, feats, c, out);
  } else {
    for (uint32_t f : feats) {
      const uint32_t row = f & mask;
      const float s = row_scale[row];
      const int8_t* w = weights.data() + size_t{row} * c;
      for (size_t k = 0; k < c; ++k) out[k] += s * static_cast<float>(w[k]);
    }
  }
  const float norm = feats.empty() ? 0.0f : 1.0f / std::sqrt(static_cast<float>(feats.size()));
  for (size_t k = 0; k < c; ++k) out[k] = out[k] * norm + bias[k];
  const size_t dim = vectors.dim;
  if (dim > 0 && dense.size() == dim) {
    for (size_t k = 0; k < c; ++k) {
      const float* w = dense_weights.data() + k * dim;
      float acc = 0;
      for (size_t d = 0; d < dim; ++d) acc += w[d] * dense[d];
      out[k] += acc;
    }
  }
}

void LinearModel::probabilities(std::span<const uint32_t> feats, std::span<const float> dense, float* out) const {
  logits(feats, dense, out);
  softmax(out, num_classes(), temperature);
}

void LinearModel::pack() {
  const size_t c = num_classes();
  size_t stride = 2 + c;
  if (stride <= 64) {
    size_t p = 4;
    while (p < stride) p *= 2;
    stride = p;
  } else {
    stride = (stride + 3) & ~size_t{3};
  }
  const size_t buckets = num_buckets();
  if (row_scale.size() != buckets || weights.size() != buckets * c) {
    packed.clear();
    packed_stride = 0;
    return;
  }
  packed.assign(buckets * stride + kPackedTailBytes, 0);
  for (size_t r = 0; r < buckets; ++r) {
    uint8_t* row = packed.data() + r * stride;
    const uint16_t h = float_to_half(row_scale[r]);
    std::memcpy(row, &h, 2);
    std::memcpy(row + 2, weights.data() + r * c, c);
  }
  packed_stride = stride;
}

void LinearModel::fold_word_vectors() {
  if (vectors.empty()) return;
  const uint32_t c = static_cast<uint32_t>(num_classes());
  vectors = project_word_vectors(vectors, dense_weights, c);
  dense_weights.assign(size_t{c} * c, 0.0f);
  for (uint32_t k = 0; k < c; ++k) dense_weights[size_t{k} * c + k] = 1.0f;
}

size_t LinearModel::decide(const float* probs) const {
  if (positive_class >= 0 && num_classes() == 2) {
    const size_t pos = static_cast<size_t>(positive_class);
    return probs[pos] >= threshold ? pos : 1 - pos;
  }
  return static_cast<size_t>(std::max_element(probs, probs + num_classes()) - probs);
}

LinearTrainer::LinearTrainer(const FeatureConfig& features, size_t num_classes, size_t dense_dim)
    : features_(features),
      classes_(num_classes),
      dense_dim_(dense_dim),
      bias_(num_classes, 0.0f),
      dense_(num_classes * dense_dim, 0.0f),
      weights_((size_t{1} << features.bucket_bits) * num_classes, 0.0f) {}

void LinearTrainer::logits(std::span<const uint32_t> feats, std::span<const float> dense, float* out) const {
  for (size_t k = 0; k < classes_; ++k) out[k] = 0;
  for (uint32_t f : feats) {
    const float* w = weights_.data() + size_t{f} * classes_;
    for (size_t k = 0; k < classes_; ++k) out[k] += w[k];
  }
  const float norm = feats.empty() ? 0.0f : 1.0f / std::sqrt(static_cast<float>(feats.size()));
  for (size_t k = 0; k < classes_; ++k) out[k] = out[k] * norm + bias_[k];
  if (dense_dim_ > 0 && dense.size() == dense_dim_) {
    for (size_t k = 0; k < classes_; ++k) {
      const float* w = dense_.data() + k * dense_dim_;
      float acc = 0;
      for (size_t d = 0; d < dense_dim_; ++d) acc += w[d] * dense[d];
      out[k] += acc;
    }
  }
}

void LinearTrainer::train(const std::vector<TrainExample>& examples, const TrainConfig& config) {
  std::vector<size_t> order(examples.size());
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(config.seed);
  std::vector<float> p(classes_);
  const double total = static_cast<double>(examples.size()) * std::max(1, config.epochs);
  double done = 0;
  double loss_sum = 0, loss_n = 0;
  TrainExample dropped;
  for (int epoch = 0; epoch < config.epochs; ++epoch) {
    // Fisher-Yates with our own rng: std::shuffle's algorithm is unspecified,
    // this keeps models bit-identical across standard libraries.
    for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[rng() % i]);
    for (size_t idx : order) {
      const TrainExample& src = examples[idx];
      const TrainExample* exp = &src;
      if (config.sparse_dropout > 0) {
        dropped.features.clear();
        const uint64_t keep = static_cast<uint64_t>((1.0 - config.sparse_dropout) * 4294967296.0);
        for (uint32_t f : src.features) if ((rng() >> 32) < keep) dropped.features.push_back(f);
        if (dropped.features.empty() && !src.features.empty()) dropped.features.push_back(src.features[rng() % src.features.size()]);
        dropped.dense = src.dense;
        dropped.label = src.label;
        dropped.weight = src.weight;
        exp = &dropped;
      }
      const TrainExample& ex = *exp;
      const float lr = config.learning_rate * static_cast<float>(1.0 - done / total);
      logits(ex.features, ex.dense, p.data());
      softmax(p.data(), classes_, 1.0f);
      loss_sum += -std::log(std::max(p[ex.label], 1e-12f));
      loss_n += 1;
      const float norm = ex.features.empty() ? 0.0f : 1.0f / std::sqrt(static_cast<float>(ex.features.size()));
      for (size_t k = 0; k < classes_; ++k) {
        // Gradient of cross-entropy wrt logit k, scaled by the example weight.
        p[k] = (p[k] - (k == ex.label ? 1.0f : 0.0f)) * ex.weight * lr;
        bias_[k] -= p[k] * 0.1f;  // slower bias: it sees every example
      }
      for (uint32_t f : ex.features) {
        float* w = weights_.data() + size_t{f} * classes_;
        for (size_t k = 0; k < classes_; ++k) w[k] -= p[k] * norm;
      }
      if (dense_dim_ > 0 && ex.dense.size() == dense_dim_) {
        for (size_t k = 0; k < classes_; ++k) {
          float* w = dense_.data() + k * dense_dim_;
          const float g = p[k] * config.dense_lr_scale;
          for (size_t d = 0; d < dense_dim_; ++d) w[d] -= g * ex.dense[d];
        }
      }
      done += 1;
      if (config.on_progress && (static_cast<uint64_t>(done) % 512 == 0 || done == total)) {
        config.on_progress(done / total, loss_sum / std::max(1.0, loss_n));
        loss_sum = loss_n = 0;
      }
    }
  }
}

LinearModel LinearTrainer::quantize(std::vector<std::string> labels) const {
  LinearModel m;
  m.features = features_;
  m.labels = std::move(labels);
  m.bias = bias_;
  m.dense_weights = dense_;
  const size_t buckets = size_t{1} << features_.bucket_bits;
  m.row_scale.assign(buckets, 0.0f);
  m.weights.assign(buckets * classes_, 0);
  for (size_t r = 0; r < buckets; ++r) {
    const float* w = weights_.data() + r * classes_;
    float mx = 0;
    for (size_t k = 0; k < classes_; ++k) mx = std::max(mx, std::fabs(w[k]));
    if (mx == 0) continue;
    const float scale = mx / 127.0f;
    m.row_scale[r] = scale;
    for (size_t k = 0; k < classes_; ++k) {
      m.weights[r * classes_ + k] = static_cast<int8_t>(std::lround(std::clamp(w[k] / scale, -127.0f, 127.0f)));
    }
  }
  m.pack();
  return m;
}

float fit_temperature(std::span<const float> logits, std::span<const uint32_t> labels, size_t classes) {
  if (labels.empty()) return 1.0f;
  float best_t = 1.0f;
  double best_nll = INFINITY;
  std::vector<float> p(classes);
  for (int i = 0; i <= 120; ++i) {
    const float t = std::exp(std::log(0.05f) + (std::log(20.0f) - std::log(0.05f)) * static_cast<float>(i) / 120.0f);
    double nll = 0;
    for (size_t n = 0; n < labels.size(); ++n) {
      std::copy_n(logits.data() + n * classes, classes, p.data());
      softmax(p.data(), classes, t);
      nll -= std::log(std::max(p[labels[n]], 1e-12f));
    }
    if (nll < best_nll) {
      best_nll = nll;
      best_t = t;
    }
  }
  return best_t;
}

}  // namespace sr::engine

// Logistic regression over text features: hashed word unigrams and bigrams,
// the SIF embedding and the text statistics. One head per model predicts its
// quality; for strong/weak data one more head predicts the soft target
// (1 + q_strong - q_weak) / 2 directly, and score() uses that head.
#include <cmath>
#include <numeric>
#include <random>

#include "decision/router/routers.h"

namespace sr::router {

namespace {
std::vector<float> dense_input(const Features& f) {
  std::vector<float> x(f.emb);
  x.insert(x.end(), f.stats.begin(), f.stats.end());
  return x;
}
}  // namespace

float LinearRouter::logit(const Features& f, int h) const {
  const size_t buckets = size_t{1} << bits_, mask = buckets - 1;
  const float* hw = &hashed_[static_cast<size_t>(h) * buckets];
  float val = f.grams.empty() ? 0.0f : 1.0f / std::sqrt(static_cast<float>(f.grams.size()));
  float z = 0;
  for (uint32_t g : f.grams) z += hw[g & mask] * val;
  const float* dw = &dense_w_[static_cast<size_t>(h) * (static_cast<size_t>(dense_) + 1)];
  size_t e = f.emb.size();
  z += dot(f.emb.data(), dw, e);
  for (size_t i = 0; i < f.stats.size(); ++i) z += f.stats[i] * dw[e + i];
  return z + dw[dense_];
}

Result<std::unique_ptr<LinearRouter>> LinearRouter::train(const OutcomeSet& data, EmbedderPtr emb,
                                                          const TrainOptions& o) {
  auto r = std::make_unique<LinearRouter>(data.models, data.strong, data.weak, emb);
  const size_t m = data.models.size();
  r->bits_ = o.linear_bits;
  r->heads_ = static_cast<int>(m + (data.pairwise() ? 1 : 0));
  r->dense_ = static_cast<int>(emb->dim() + kNumTextStats);
  const size_t buckets = size_t{1} << r->bits_, mask = buckets - 1, nd = static_cast<size_t>(r->dense_) + 1;
  const size_t heads = static_cast<size_t>(r->heads_);
  r->hashed_.assign(heads * buckets, 0.0f);
  r->dense_w_.assign(heads * nd, 0.0f);
  std::vector<float> g2h(r->hashed_.size(), 1e-6f), g2d(r->dense_w_.size(), 1e-6f);
  std::vector<Features> fs;
  for (const auto& ex : data.rows) fs.push_back(featurize(*emb, ex.text));
  std::vector<size_t> order(fs.size());
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(o.seed);
  for (int ep = 0; ep < o.linear_epochs; ++ep) {
    std::shuffle(order.begin(), order.end(), rng);
    for (size_t i : order) {
      const auto& f = fs[i];
      const auto& q = data.rows[i].quality;
      auto x = dense_input(f);
      float val = f.grams.empty() ? 0.0f : 1.0f / std::sqrt(static_cast<float>(f.grams.size()));
      for (size_t h = 0; h < heads; ++h) {
        float target = h < m ? q[h]
                             : 0.5f * (1.0f + q[static_cast<size_t>(data.strong)] - q[static_cast<size_t>(data.weak)]);
        float g = sigmoid(r->logit(f, static_cast<int>(h))) - target;
        float* hw = &r->hashed_[h * buckets];
        float* hg = &g2h[h * buckets];
        for (uint32_t gi : f.grams) {
          size_t b = gi & mask;
          float gd = g * val + o.linear_l2 * hw[b];
          hg[b] += gd * gd;
          hw[b] -= o.linear_lr * gd / std::sqrt(hg[b]);
        }
        float* dw = &r->dense_w_[h * nd];
        float* dg = &g2d[h * nd];
        for (size_t d = 0; d < nd; ++d) {
          float gd = d + 1 == nd ? g : g * x[d] + o.linear_l2 * dw[d];
          dg[d] += gd * gd;
          dw[d] -= o.linear_lr * gd / std::sqrt(dg[d]);
        }
      }
    }
    if (o.progress) o.progress("linear", static_cast<double>(ep + 1) / o.linear_epochs);
  }
  return r;
}

void LinearRouter::predict(const Features& f, float* q) const {
  for (size_t j = 0; j < models_.size(); ++j) q[j] = sigmoid(logit(f, static_cast<int>(j)));
}

float LinearRouter::score_features(const Features& f) const {
  if (strong_ < 0 || weak_ < 0) return 0.5f;
  if (heads_ > static_cast<int>(models_.size())) return sigmoid(logit(f, heads_ - 1));
  return FeatureRouter::score_features(f);
}

void LinearRouter::save_sections(ModelWriter& w, const std::string& p) const {
  int32_t ints[3] = {bits_, heads_, dense_};
  w.add_i32(p + "linear.ints", ints);
  w.add_f32(p + "linear.hashed", hashed_, /*as_f16=*/true);
  w.add_f32(p + "linear.dense", dense_w_);
}

Result<std::unique_ptr<LinearRouter>> LinearRouter::load(const ModelFile& mf, const std::string& p,
                                                         std::vector<std::string> models, int strong, int weak,
                                                         EmbedderPtr emb) {
  auto r = std::make_unique<LinearRouter>(std::move(models), strong, weak, emb);
  auto ints = mf.ints(p + "linear.ints", 3);
  if (!ints) return tl::unexpected(ints.error());
  r->bits_ = (*ints)[0];
  r->heads_ = (*ints)[1];
  r->dense_ = (*ints)[2];
  int m = static_cast<int>(r->models_.size());
  if (r->bits_ < 4 || r->bits_ > 24 || r->heads_ < m || r->heads_ > m + 1 ||
      r->dense_ != static_cast<int>(emb->dim() + kNumTextStats))
    return fail(ErrorCode::kModelFile, mf.origin() + ": linear parameters do not match the model");
  size_t heads = static_cast<size_t>(r->heads_);
  auto hashed = mf.floats(p + "linear.hashed", static_cast<int64_t>(heads << r->bits_));
  if (!hashed) return tl::unexpected(hashed.error());
  auto dense = mf.floats(p + "linear.dense", static_cast<int64_t>(heads * (static_cast<size_t>(r->dense_) + 1)));
  if (!dense) return tl::unexpected(dense.error());
  r->hashed_ = std::move(*hashed);
  r->dense_w_ = std::move(*dense);
  return r;
}

}  // namespace sr::router

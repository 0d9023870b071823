// Domain prior: mean quality of each model per group (MMLU subject, GSM8K,
// N-model cluster). Prompts carry no subject label at run time, so a softmax
// classifier over the SIF embedding, text statistics and hashed word n-grams
// predicts the group, and the prior is the probability-weighted mean. Prompts
// unlike every group get a flat distribution, i.e. roughly the global mean.
#include <cmath>
#include <map>
#include <numeric>
#include <random>

#include "decision/router/routers.h"

namespace sr::router {

std::vector<float> PriorRouter::group_probs(const Features& f) const {
  const size_t g = quality_.size() / models_.size(), buckets = size_t{1} << bits_, mask = buckets - 1;
  const size_t nd = static_cast<size_t>(dense_) + 1, e = f.emb.size();
  float val = f.grams.empty() ? 0.0f : 1.0f / std::sqrt(static_cast<float>(f.grams.size()));
  (void)buckets;
  std::vector<float> z(g, 0.0f);
  // Bucket-major table: one gram touches one contiguous run of g weights.
  for (uint32_t h : f.grams) {
    const float* hw = &hashed_[(h & mask) * g];
    for (size_t k = 0; k < g; ++k) z[k] += hw[k];
  }
  float best = -1e30f;
  for (size_t k = 0; k < g; ++k) {
    const float* dw = &dense_w_[k * nd];
    float s = dw[nd - 1] + dot(f.emb.data(), dw, e) + z[k] * val;
    for (size_t i = 0; i < f.stats.size(); ++i) s += f.stats[i] * dw[e + i];
    z[k] = s / tau_;
    best = std::max(best, z[k]);
  }
  float total = 0;
  for (auto& x : z) total += (x = std::exp(x - best));
  for (auto& x : z) x /= total;
  return z;
}

Result<std::unique_ptr<PriorRouter>> PriorRouter::train(const OutcomeSet& data, EmbedderPtr emb,
                                                        const TrainOptions& o) {
  auto r = std::make_unique<PriorRouter>(data.models, data.strong, data.weak, emb);
  r->tau_ = o.prior_tau;
  r->bits_ = o.prior_bits;
  r->dense_ = static_cast<int>(emb->dim() + kNumTextStats);
  const size_t m = data.models.size();
  std::map<std::string, size_t> gid;
  for (const auto& ex : data.rows) gid.emplace(ex.group, gid.size());
  const size_t g = gid.size(), buckets = size_t{1} << r->bits_, mask = buckets - 1;  // hashed_ is bucket-major
  const size_t nd = static_cast<size_t>(r->dense_) + 1;
  // Group means, shrunk towards the global mean for small groups.
  std::vector<float> qsum(g * m, 0.0f), global(m, 0.0f), cnt(g, 0.0f);
  std::vector<size_t> label(data.rows.size());
  for (size_t i = 0; i < data.rows.size(); ++i) {
    const auto& ex = data.rows[i];
    size_t k = label[i] = gid[ex.group];
    for (size_t j = 0; j < m; ++j) qsum[k * m + j] += ex.quality[j], global[j] += ex.quality[j];
    cnt[k] += 1;
  }
  for (auto& x : global) x /= static_cast<float>(data.rows.size());
  r->quality_.assign(g * m, 0.0f);
  for (size_t k = 0; k < g; ++k)
    for (size_t j = 0; j < m; ++j)
      r->quality_[k * m + j] = (qsum[k * m + j] + o.prior_smooth * global[j]) / (cnt[k] + o.prior_smooth);
  r->hashed_.assign(g * buckets, 0.0f);
  r->dense_w_.assign(g * nd, 0.0f);
  if (g < 2) return r;
  // Softmax regression, AdaGrad.
  std::vector<Features> fs;
  for (const auto& ex : data.rows) fs.push_back(featurize(*emb, ex.text));
  std::vector<float> g2h(r->hashed_.size(), 1e-6f), g2d(r->dense_w_.size(), 1e-6f);
  std::vector<size_t> order(fs.size());
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(o.seed);
  const float lr = 0.1f, l2 = 1e-6f;
  const float saved_tau = r->tau_;
  r->tau_ = 1.0f;  // train at temperature 1; tau only softens at inference
  for (int ep = 0; ep < o.prior_epochs; ++ep) {
    std::shuffle(order.begin(), order.end(), rng);
    for (size_t i : order) {
      const auto& f = fs[i];
      auto p = r->group_probs(f);
      float val = f.grams.empty() ? 0.0f : 1.0f / std::sqrt(static_cast<float>(f.grams.size()));
      for (size_t k = 0; k < g; ++k) {
        float gk = p[k] - (k == label[i] ? 1.0f : 0.0f);
        if (std::abs(gk) < 1e-4f) continue;
        for (uint32_t h : f.grams) {
          size_t b = (h & mask) * g + k;
          float gd = gk * val + l2 * r->hashed_[b];
          g2h[b] += gd * gd;
          r->hashed_[b] -= lr * gd / std::sqrt(g2h[b]);
        }
        float* dw = &r->dense_w_[k * nd];
        float* dg = &g2d[k * nd];
        for (size_t d = 0; d < nd; ++d) {
          float x = d + 1 == nd ? 1.0f : (d < f.emb.size() ? f.emb[d] : f.stats[d - f.emb.size()]);
          float gd = gk * x + l2 * dw[d];
          dg[d] += gd * gd;
          dw[d] -= lr * gd / std::sqrt(dg[d]);
        }
      }
    }
    if (o.progress) o.progress("prior", static_cast<double>(ep + 1) / o.prior_epochs);
  }
  r->tau_ = saved_tau;
  return r;
}

void PriorRouter::predict(const Features& f, float* q) const {
  const size_t m = models_.size();
  auto p = group_probs(f);
  std::fill(q, q + m, 0.0f);
  for (size_t k = 0; k < p.size(); ++k)
    for (size_t j = 0; j < m; ++j) q[j] += p[k] * quality_[k * m + j];
}

void PriorRouter::save_sections(ModelWriter& w, const std::string& p) const {
  int32_t ints[2] = {bits_, dense_};
  w.add_f32(p + "prior.tau", std::span<const float>(&tau_, 1));
  w.add_i32(p + "prior.ints", ints);
  // Bucket-major rows of g weights: int8 with one f32 scale per bucket takes g + 4 bytes a
  // bucket, float16 2g, so int8 from 5 groups on (the built-in router has 61, router-multi 3).
  const size_t g = quality_.size() / models_.size();
  if (g > 4)
    w.add_rows_i8(p + "prior.hashed", hashed_, g);
  else
    w.add_f32(p + "prior.hashed", hashed_, /*as_f16=*/true);
  w.add_f32(p + "prior.dense", dense_w_);
  w.add_f32(p + "prior.quality", quality_);
}

Result<std::unique_ptr<PriorRouter>> PriorRouter::load(const ModelFile& mf, const std::string& p,
                                                       std::vector<std::string> models, int strong, int weak,
                                                       EmbedderPtr emb) {
  auto r = std::make_unique<PriorRouter>(std::move(models), strong, weak, emb);
  auto bad = [&](const std::string& what) { return fail(ErrorCode::kModelFile, mf.origin() + ": " + what); };
  auto tau = mf.floats(p + "prior.tau", 1);
  if (!tau) return tl::unexpected(tau.error());
  r->tau_ = (*tau)[0];
  if (!(r->tau_ > 0)) return bad("prior.tau must be > 0");
  auto ints = mf.ints(p + "prior.ints", 2);
  if (!ints) return tl::unexpected(ints.error());
  r->bits_ = (*ints)[0];
  r->dense_ = (*ints)[1];
  if (r->bits_ < 4 || r->bits_ > 24 || r->dense_ != static_cast<int>(emb->dim() + kNumTextStats))
    return bad("prior parameters do not match the model");
  auto q = mf.floats(p + "prior.quality");
  if (!q) return tl::unexpected(q.error());
  size_t m = r->models_.size();
  if (q->empty() || q->size() % m) return bad("prior.quality size is not a multiple of the model count");
  size_t g = q->size() / m;
  // float16, or (version 2, more than 4 groups) int8 rows of g weights with a scale each.
  const bool rows_i8 = mf.version() >= 2 && g > 4;
  auto hashed = rows_i8 ? mf.rows_i8(p + "prior.hashed", g, static_cast<int64_t>(size_t{1} << r->bits_))
                        : mf.floats(p + "prior.hashed", static_cast<int64_t>(g << r->bits_));
  if (!hashed) return tl::unexpected(hashed.error());
  auto dense = mf.floats(p + "prior.dense", static_cast<int64_t>(g * (static_cast<size_t>(r->dense_) + 1)));
  if (!dense) return tl::unexpected(dense.error());
  r->quality_ = std::move(*q);
  r->hashed_ = std::move(*hashed);
  r->dense_w_ = std::move(*dense);
  return r;
}

}  // namespace sr::router

// Matrix factorisation, RouteLLM's formulation: a model m and a prompt x meet
// in a d-dimensional space, s(m, x) = w . (normalize(P_m) * (W x)), and the
// probability that model a beats model b is sigmoid(s(a, x) - s(b, x)).
// x is our SIF embedding plus text statistics (RouteLLM used OpenAI embeddings).
// Training: every pair of models on every prompt, soft target
// (1 + q_a - q_b) / 2, so a tie teaches 0.5 and sigmoid estimates
// 0.5 + gain / 2 directly. Adam, hand-written gradients.
#include <cmath>
#include <numeric>
#include <random>

#include "decision/router/routers.h"

namespace sr::router {

std::vector<float> MfRouter::input(const Features& f) {
  std::vector<float> x(f.emb);
  x.insert(x.end(), f.stats.begin(), f.stats.end());
  x.push_back(1.0f);  // bias feature: lets a model be better everywhere
  return x;
}

namespace {
struct Adam {
  std::vector<float> m, v;
  int t = 0;
  explicit Adam(size_t n) : m(n, 0.0f), v(n, 0.0f) {}
};
void adam_step(std::vector<float>& w, const std::vector<float>& g, Adam& a, float lr, float wd) {
  const float b1 = 0.9f, b2 = 0.999f;
  ++a.t;
  float c1 = 1 - std::pow(b1, static_cast<float>(a.t)), c2 = 1 - std::pow(b2, static_cast<float>(a.t));
  for (size_t i = 0; i < w.size(); ++i) {
    float gi = g[i] + wd * w[i];
    a.m[i] = b1 * a.m[i] + (1 - b1) * gi;
    a.v[i] = b2 * a.v[i] + (1 - b2) * gi * gi;
    w[i] -= lr * (a.m[i] / c1) / (std::sqrt(a.v[i] / c2) + 1e-8f);
  }
}
}  // namespace

Result<std::unique_ptr<MfRouter>> MfRouter::train(const OutcomeSet& data, EmbedderPtr emb, const TrainOptions& o) {
  auto r = std::make_unique<MfRouter>(data.models, data.strong, data.weak, emb);
  const size_t m = data.models.size(), d = static_cast<size_t>(o.mf_dim);
  std::vector<std::vector<float>> xs;
  for (const auto& ex : data.rows) xs.push_back(input(featurize(*emb, ex.text)));
  const size_t in = xs[0].size();
  r->dim_ = static_cast<int>(d);
  r->in_ = static_cast<int>(in);
  std::mt19937_64 rng(o.seed);
  std::normal_distribution<float> nd(0.0f, 1.0f);
  r->proj_.resize(d * in);
  for (auto& x : r->proj_) x = nd(rng) * 0.1f / std::sqrt(static_cast<float>(in));
  r->models_emb_.resize(m * d);
  for (auto& x : r->models_emb_) x = nd(rng);
  r->cls_.assign(d, 0.0f);
  for (auto& x : r->cls_) x = nd(rng) * 0.1f;
  Adam ap(r->proj_.size()), am(r->models_emb_.size()), ac(d);
  std::vector<float> gp(r->proj_.size()), gm(r->models_emb_.size()), gc(d);
  std::vector<size_t> order(data.rows.size());
  std::iota(order.begin(), order.end(), 0);
  const size_t batch = 32;
  std::vector<float> z(d), pn(m * d), dz(d);
  for (int ep = 0; ep < o.mf_epochs; ++ep) {
    std::shuffle(order.begin(), order.end(), rng);
    for (size_t b0 = 0; b0 < order.size(); b0 += batch) {
      std::fill(gp.begin(), gp.end(), 0.0f);
      std::fill(gm.begin(), gm.end(), 0.0f);
      std::fill(gc.begin(), gc.end(), 0.0f);
      // normalised model embeddings for this step
      std::vector<float> norms(m);
      for (size_t a = 0; a < m; ++a) {
        norms[a] = std::sqrt(dot(&r->models_emb_[a * d], &r->models_emb_[a * d], d)) + 1e-8f;
        for (size_t k = 0; k < d; ++k) pn[a * d + k] = r->models_emb_[a * d + k] / norms[a];
      }
      std::vector<float> gpn(m * d, 0.0f);
      size_t b1 = std::min(order.size(), b0 + batch);
      for (size_t bi = b0; bi < b1; ++bi) {
        size_t i = order[bi];
        const auto& x = xs[i];
        for (size_t k = 0; k < d; ++k) z[k] = dot(&r->proj_[k * in], x.data(), in);
        std::fill(dz.begin(), dz.end(), 0.0f);
        const auto& q = data.rows[i].quality;
        for (size_t a = 0; a < m; ++a)
          for (size_t c = a + 1; c < m; ++c) {
            float logit = 0;
            for (size_t k = 0; k < d; ++k) logit += r->cls_[k] * z[k] * (pn[a * d + k] - pn[c * d + k]);
            float g = (sigmoid(logit) - 0.5f * (1.0f + q[a] - q[c])) / static_cast<float>(b1 - b0);
            for (size_t k = 0; k < d; ++k) {
              float diff = pn[a * d + k] - pn[c * d + k];
              gc[k] += g * z[k] * diff;
              dz[k] += g * r->cls_[k] * diff;
              gpn[a * d + k] += g * r->cls_[k] * z[k];
              gpn[c * d + k] -= g * r->cls_[k] * z[k];
            }
          }
        for (size_t k = 0; k < d; ++k)
          if (dz[k] != 0.0f)
            for (size_t f = 0; f < in; ++f) gp[k * in + f] += dz[k] * x[f];
      }
      // back through the normalisation of model embeddings
      for (size_t a = 0; a < m; ++a) {
        float pd = dot(&pn[a * d], &gpn[a * d], d);
        for (size_t k = 0; k < d; ++k) gm[a * d + k] = (gpn[a * d + k] - pn[a * d + k] * pd) / norms[a];
      }
      adam_step(r->proj_, gp, ap, o.mf_lr, 1e-4f);
      adam_step(r->models_emb_, gm, am, o.mf_lr, 0.0f);
      adam_step(r->cls_, gc, ac, o.mf_lr, 0.0f);
    }
    if (o.progress) o.progress("mf", static_cast<double>(ep + 1) / o.mf_epochs);
  }
  // Store model embeddings already normalised: scoring needs only the unit rows.
  for (size_t a = 0; a < m; ++a) {
    float n = std::sqrt(dot(&r->models_emb_[a * d], &r->models_emb_[a * d], d)) + 1e-8f;
    for (size_t k = 0; k < d; ++k) r->models_emb_[a * d + k] /= n;
  }
  return r;
}

std::vector<float> MfRouter::model_scores(const Features& f) const {
  const size_t d = static_cast<size_t>(dim_), in = static_cast<size_t>(in_), m = models_.size();
  auto x = input(f);
  std::vector<float> z(d), s(m, 0.0f);
  for (size_t k = 0; k < d; ++k) z[k] = cls_[k] * dot(&proj_[k * in], x.data(), in);
  for (size_t a = 0; a < m; ++a) s[a] = dot(&models_emb_[a * d], z.data(), d);
  return s;
}

void MfRouter::predict(const Features& f, float* q) const {
  auto s = model_scores(f);
  const size_t m = models_.size();
  // Mean win probability against the other models, as for SW.
  for (size_t a = 0; a < m; ++a) {
    float p = 0;
    for (size_t c = 0; c < m; ++c)
      if (c != a) p += sigmoid(s[a] - s[c]);
    q[a] = m > 1 ? p / static_cast<float>(m - 1) : 0.5f;
  }
}

float MfRouter::score_features(const Features& f) const {
  if (strong_ < 0 || weak_ < 0) return 0.5f;
  auto s = model_scores(f);
  return sigmoid(s[static_cast<size_t>(strong_)] - s[static_cast<size_t>(weak_)]);
}

void MfRouter::save_sections(ModelWriter& w, const std::string& p) const {
  int32_t dims[2] = {dim_, in_};
  w.add_i32(p + "mf.dims", dims);
  w.add_f32(p + "mf.proj", proj_);
  w.add_f32(p + "mf.models", models_emb_);
  w.add_f32(p + "mf.cls", cls_);
}

Result<std::unique_ptr<MfRouter>> MfRouter::load(const ModelFile& mf, const std::string& p,
                                                 std::vector<std::string> models, int strong, int weak,
                                                 EmbedderPtr emb) {
  auto r = std::make_unique<MfRouter>(std::move(models), strong, weak, emb);
  auto dims = mf.ints(p + "mf.dims", 2);
  if (!dims) return tl::unexpected(dims.error());
  r->dim_ = (*dims)[0];
  r->in_ = (*dims)[1];
  if (r->dim_ < 1 || r->dim_ > 4096 || r->in_ != static_cast<int>(emb->dim() + kNumTextStats + 1))
    return fail(ErrorCode::kModelFile, mf.origin() + ": mf.dims do not match the embedder");
  size_t d = static_cast<size_t>(r->dim_), in = static_cast<size_t>(r->in_), m = r->models_.size();
  auto proj = mf.floats(p + "mf.proj", static_cast<int64_t>(d * in));
  if (!proj) return tl::unexpected(proj.error());
  auto me = mf.floats(p + "mf.models", static_cast<int64_t>(m * d));
  if (!me) return tl::unexpected(me.error());
  auto cls = mf.floats(p + "mf.cls", static_cast<int64_t>(d));
  if (!cls) return tl::unexpected(cls.error());
  r->proj_ = std::move(*proj);
  r->models_emb_ = std::move(*me);
  r->cls_ = std::move(*cls);
  return r;
}

}  // namespace sr::router

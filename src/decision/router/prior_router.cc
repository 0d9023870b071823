// Domain prior: mean quality of each model per group (MMLU subject, GSM8K,
// N-model cluster). A prompt has no subject label at run time, so it is
// assigned softly to groups by cosine similarity to each group's centroid.
#include <cmath>
#include <map>

#include "decision/router/routers.h"

namespace sr::router {

Result<std::unique_ptr<PriorRouter>> PriorRouter::train(const OutcomeSet& data, EmbedderPtr emb,
                                                        const TrainOptions& o) {
  auto r = std::make_unique<PriorRouter>(data.models, data.strong, data.weak, emb);
  r->tau_ = o.prior_tau;
  const size_t dim = emb->dim(), m = data.models.size();
  std::map<std::string, size_t> gid;
  for (const auto& ex : data.rows) gid.emplace(ex.group, gid.size());
  size_t g = gid.size();
  std::vector<float> sum(g * dim, 0.0f), qsum(g * m, 0.0f), global(m, 0.0f);
  std::vector<float> cnt(g, 0.0f);
  std::vector<float> v(dim);
  size_t done = 0;
  for (const auto& ex : data.rows) {
    size_t k = gid[ex.group];
    emb->embed(ex.text, v.data());
    for (size_t d = 0; d < dim; ++d) sum[k * dim + d] += v[d];
    for (size_t j = 0; j < m; ++j) qsum[k * m + j] += ex.quality[j], global[j] += ex.quality[j];
    cnt[k] += 1;
    if (o.progress && ++done % 512 == 0) o.progress("prior", static_cast<double>(done) / data.rows.size());
  }
  for (auto& x : global) x /= static_cast<float>(data.rows.size());
  r->centroids_.assign(g * dim, 0.0f);
  r->quality_.assign(g * m, 0.0f);
  for (size_t k = 0; k < g; ++k) {
    float* c = &sum[k * dim];
    float norm = std::sqrt(dot(c, c, dim));
    for (size_t d = 0; d < dim; ++d) r->centroids_[k * dim + d] = norm > 0 ? c[d] / norm : 0.0f;
    for (size_t j = 0; j < m; ++j)
      r->quality_[k * m + j] = (qsum[k * m + j] + o.prior_smooth * global[j]) / (cnt[k] + o.prior_smooth);
  }
  return r;
}

void PriorRouter::predict(const Features& f, float* q) const {
  const size_t dim = f.emb.size(), m = models_.size(), g = quality_.size() / m;
  std::vector<float> s(g);
  float best = -1e9f;
  for (size_t k = 0; k < g; ++k) best = std::max(best, s[k] = dot(f.emb.data(), &centroids_[k * dim], dim));
  std::fill(q, q + m, 0.0f);
  float total = 0;
  for (size_t k = 0; k < g; ++k) {
    float w = std::exp((s[k] - best) / tau_);
    total += w;
    for (size_t j = 0; j < m; ++j) q[j] += w * quality_[k * m + j];
  }
  for (size_t j = 0; j < m; ++j) q[j] /= total;
}

void PriorRouter::save_sections(ModelWriter& w, const std::string& p) const {
  w.add_f32(p + "prior.tau", std::span<const float>(&tau_, 1));
  w.add_f32(p + "prior.centroids", centroids_);
  w.add_f32(p + "prior.quality", quality_);
}

Result<std::unique_ptr<PriorRouter>> PriorRouter::load(const ModelFile& mf, const std::string& p,
                                                       std::vector<std::string> models, int strong, int weak,
                                                       EmbedderPtr emb) {
  auto r = std::make_unique<PriorRouter>(std::move(models), strong, weak, emb);
  auto tau = mf.floats(p + "prior.tau", 1);
  if (!tau) return tl::unexpected(tau.error());
  r->tau_ = (*tau)[0];
  if (!(r->tau_ > 0)) return fail(ErrorCode::kModelFile, mf.origin() + ": prior.tau must be > 0");
  auto q = mf.floats(p + "prior.quality");
  if (!q) return tl::unexpected(q.error());
  size_t m = r->models_.size();
  if (q->empty() || q->size() % m) return fail(ErrorCode::kModelFile, mf.origin() + ": prior.quality size");
  auto c = mf.floats(p + "prior.centroids", static_cast<int64_t>(q->size() / m * emb->dim()));
  if (!c) return tl::unexpected(c.error());
  r->quality_ = std::move(*q);
  r->centroids_ = std::move(*c);
  return r;
}

}  // namespace sr::router

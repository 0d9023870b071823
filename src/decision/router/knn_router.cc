// k-nearest neighbours over SIF embeddings: the expected quality of each model
// is the similarity-weighted mean over the k most similar training prompts,
// shrunk towards the global mean. An inverted-file index (spherical k-means
// lists, a few probed per query) keeps a query well under 50 us.
#include <algorithm>
#include <cmath>

#include "decision/router/routers.h"

namespace sr::router {

void KnnRouter::build_lists(uint64_t seed, int lists) {
  const size_t dim = embedder_->dim(), m = models_.size(), n = quality_.size() / m;
  std::vector<int> assign;
  centroids_ = detail::kmeans(refs_, dim, lists, seed, assign);
  int k = static_cast<int>(centroids_.size() / dim);
  std::vector<float> refs, qual;
  offsets_.assign(1, 0);
  for (int j = 0; j < k; ++j) {
    for (size_t i = 0; i < n; ++i) {
      if (assign[i] != j) continue;
      refs.insert(refs.end(), &refs_[i * dim], &refs_[i * dim] + dim);
      qual.insert(qual.end(), &quality_[i * m], &quality_[i * m] + m);
    }
    offsets_.push_back(static_cast<int32_t>(qual.size() / m));
  }
  refs_ = std::move(refs);
  quality_ = std::move(qual);
}

Result<std::unique_ptr<KnnRouter>> KnnRouter::train(const OutcomeSet& data, EmbedderPtr emb, const TrainOptions& o) {
  auto r = std::make_unique<KnnRouter>(data.models, data.strong, data.weak, emb);
  r->k_ = o.knn_k;
  r->tau_ = o.knn_tau;
  r->smooth_ = o.knn_smooth;
  r->probe_ = o.ivf_probe;
  const size_t m = data.models.size();
  r->mean_.assign(m, 0.0f);
  size_t done = 0;
  for (const auto& ex : data.rows) {
    auto v = emb->embed(ex.text);
    r->refs_.insert(r->refs_.end(), v.begin(), v.end());
    for (size_t j = 0; j < m; ++j) r->quality_.push_back(ex.quality[j]), r->mean_[j] += ex.quality[j];
    if (o.progress && ++done % 512 == 0) o.progress("knn", 0.8 * done / data.rows.size());
  }
  for (auto& x : r->mean_) x /= static_cast<float>(data.rows.size());
  r->build_lists(o.seed, o.ivf_lists);
  if (o.progress) o.progress("knn", 1.0);
  return r;
}

void KnnRouter::predict(const Features& f, float* q) const {
  const size_t dim = f.emb.size(), m = models_.size();
  const size_t lists = offsets_.size() - 1;
  // Probe the lists whose centroids are most similar to the query.
  std::vector<std::pair<float, int>> cs(lists);
  for (size_t j = 0; j < lists; ++j) cs[j] = {dot(f.emb.data(), &centroids_[j * dim], dim), static_cast<int>(j)};
  size_t probe = std::min<size_t>(static_cast<size_t>(probe_), lists);
  std::partial_sort(cs.begin(), cs.begin() + static_cast<long>(probe), cs.end(),
                    [](auto& a, auto& b) { return a.first > b.first; });
  std::vector<std::pair<float, int>> cand;
  cand.reserve(1024);
  for (size_t p = 0; p < probe; ++p) {
    int j = cs[p].second;
    for (int i = offsets_[static_cast<size_t>(j)]; i < offsets_[static_cast<size_t>(j) + 1]; ++i)
      cand.emplace_back(dot(f.emb.data(), &refs_[static_cast<size_t>(i) * dim], dim), i);
  }
  size_t k = std::min<size_t>(static_cast<size_t>(k_), cand.size());
  std::partial_sort(cand.begin(), cand.begin() + static_cast<long>(k), cand.end(),
                    [](auto& a, auto& b) { return a.first > b.first; });
  float total = smooth_;
  for (size_t j = 0; j < m; ++j) q[j] = smooth_ * mean_[j];
  float best = k ? cand[0].first : 0.0f;
  for (size_t t = 0; t < k; ++t) {
    float w = std::exp((cand[t].first - best) / tau_);
    total += w;
    const float* qi = &quality_[static_cast<size_t>(cand[t].second) * m];
    for (size_t j = 0; j < m; ++j) q[j] += w * qi[j];
  }
  for (size_t j = 0; j < m; ++j) q[j] /= total;
}

void KnnRouter::save_sections(ModelWriter& w, const std::string& p) const {
  const size_t dim = embedder_->dim();
  float params[3] = {tau_, smooth_, 0};
  int32_t ints[2] = {k_, probe_};
  w.add_f32(p + "knn.params", params);
  w.add_i32(p + "knn.ints", ints);
  w.add_rows_i8(p + "knn.refs", refs_, dim);
  w.add_f32(p + "knn.quality", quality_, /*as_f16=*/true);
  w.add_f32(p + "knn.mean", mean_);
  w.add_f32(p + "knn.centroids", centroids_);
  w.add_i32(p + "knn.offsets", offsets_);
}

Result<std::unique_ptr<KnnRouter>> KnnRouter::load(const ModelFile& mf, const std::string& p,
                                                   std::vector<std::string> models, int strong, int weak,
                                                   EmbedderPtr emb) {
  auto r = std::make_unique<KnnRouter>(std::move(models), strong, weak, emb);
  const size_t dim = emb->dim(), m = r->models_.size();
  auto bad = [&](const std::string& what) { return fail(ErrorCode::kModelFile, mf.origin() + ": " + what); };
  auto params = mf.floats(p + "knn.params", 3);
  if (!params) return tl::unexpected(params.error());
  auto ints = mf.ints(p + "knn.ints", 2);
  if (!ints) return tl::unexpected(ints.error());
  r->tau_ = (*params)[0];
  r->smooth_ = (*params)[1];
  r->k_ = (*ints)[0];
  r->probe_ = (*ints)[1];
  if (!(r->tau_ > 0) || r->smooth_ < 0 || r->k_ < 1 || r->probe_ < 1) return bad("knn parameters out of range");
  auto refs = mf.rows_i8(p + "knn.refs", dim);
  if (!refs) return tl::unexpected(refs.error());
  size_t n = refs->size() / dim;
  auto q = mf.floats(p + "knn.quality", static_cast<int64_t>(n * m));
  if (!q) return tl::unexpected(q.error());
  auto mean = mf.floats(p + "knn.mean", static_cast<int64_t>(m));
  if (!mean) return tl::unexpected(mean.error());
  auto off = mf.ints(p + "knn.offsets");
  if (!off) return tl::unexpected(off.error());
  if (off->size() < 2 || off->front() != 0 || static_cast<size_t>(off->back()) != n) return bad("knn.offsets invalid");
  for (size_t i = 1; i < off->size(); ++i)
    if ((*off)[i] < (*off)[i - 1]) return bad("knn.offsets not increasing");
  auto c = mf.floats(p + "knn.centroids", static_cast<int64_t>((off->size() - 1) * dim));
  if (!c) return tl::unexpected(c.error());
  r->refs_ = std::move(*refs);
  r->quality_ = std::move(*q);
  r->mean_ = std::move(*mean);
  r->offsets_ = std::move(*off);
  r->centroids_ = std::move(*c);
  return r;
}

}  // namespace sr::router

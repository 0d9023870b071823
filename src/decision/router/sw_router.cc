// Similarity-weighted (SW) ranking, RouteLLM's formulation: for each query,
// fit Bradley-Terry strengths to all reference battles, each weighted by
// 10 * 10^(sim / max_sim) where sim is the cosine similarity between the query
// and the battle's prompt; ties count half a win for each side. The score is
// the fitted probability that the strong model beats the weak one.
// Battles come from outcome data: on each reference prompt, every pair of
// models plays once (the higher quality wins, equal quality is a tie).
#include <algorithm>
#include <cmath>
#include <map>

#include "decision/router/routers.h"

namespace sr::router {

Result<std::unique_ptr<SwRouter>> SwRouter::train(const OutcomeSet& data, EmbedderPtr emb, const TrainOptions& o) {
  auto r = std::make_unique<SwRouter>(data.models, data.strong, data.weak, emb);
  const size_t m = data.models.size();
  size_t n = std::min<size_t>(data.rows.size(), static_cast<size_t>(o.sw_max_refs));
  // Keep an even sample when there are more rows than references allowed.
  double step = static_cast<double>(data.rows.size()) / static_cast<double>(n);
  for (size_t t = 0; t < n; ++t) {
    const auto& ex = data.rows[static_cast<size_t>(t * step)];
    auto v = emb->embed(ex.text);
    r->refs_.insert(r->refs_.end(), v.begin(), v.end());
    for (size_t j = 0; j < m; ++j) r->quality_.push_back(ex.quality[j]);
    if (o.progress && t % 512 == 0) o.progress("sw", static_cast<double>(t) / n);
  }
  r->index_patterns();
  return r;
}

void SwRouter::index_patterns() {
  const size_t m = models_.size(), n = m ? quality_.size() / m : 0;
  std::map<std::vector<float>, uint32_t> ids;
  pattern_of_.resize(n);
  patterns_.clear();
  for (size_t t = 0; t < n; ++t) {
    std::vector<float> key(quality_.begin() + static_cast<long>(t * m), quality_.begin() + static_cast<long>((t + 1) * m));
    auto [it, fresh] = ids.emplace(std::move(key), static_cast<uint32_t>(ids.size()));
    if (fresh) patterns_.insert(patterns_.end(), it->first.begin(), it->first.end());
    pattern_of_[t] = it->second;
  }
}

std::vector<double> SwRouter::fit(const std::vector<float>& weights) const {
  const size_t m = models_.size(), n = weights.size();
  // Weight per outcome pattern, then weighted wins: wins[i*m+j] = weight of
  // battles i won against j. Summing doubles in reference order per pattern
  // keeps the result independent of how patterns are numbered.
  const size_t k = patterns_.size() / (m ? m : 1);
  std::vector<double> pw(k, 0.0);
  for (size_t t = 0; t < n; ++t) pw[pattern_of_[t]] += weights[t];
  std::vector<double> wins(m * m, 0.0);
  for (size_t p = 0; p < k; ++p) {
    const float* q = &patterns_[p * m];
    const double w = pw[p];
    if (w == 0) continue;
    for (size_t i = 0; i < m; ++i)
      for (size_t j = i + 1; j < m; ++j) {
        if (q[i] > q[j]) wins[i * m + j] += w;
        else if (q[j] > q[i]) wins[j * m + i] += w;
        else wins[i * m + j] += 0.5 * w, wins[j * m + i] += 0.5 * w;
      }
  }
  // Minorise-maximise iterations (Hunter 2004) for the Bradley-Terry MLE.
  std::vector<double> s(m, 1.0), next(m);
  for (int it = 0; it < (m == 2 ? 1 : 100); ++it) {
    for (size_t i = 0; i < m; ++i) {
      double num = 0, den = 0;
      for (size_t j = 0; j < m; ++j) {
        if (i == j) continue;
        double nij = wins[i * m + j] + wins[j * m + i];
        num += wins[i * m + j];
        if (nij > 0) den += nij / (s[i] + s[j]);
      }
      next[i] = den > 0 ? std::max(num / den, 1e-9) : s[i];
    }
    double g = 0;
    for (double x : next) g += std::log(x);
    g = std::exp(g / static_cast<double>(m));
    for (size_t i = 0; i < m; ++i) s[i] = next[i] / g;
  }
  return s;
}

namespace {
std::vector<float> sw_weights(const std::vector<float>& refs, const std::vector<float>& q, size_t dim) {
  size_t n = refs.size() / dim;
  std::vector<float> w(n);
  float max_sim = -1;
  for (size_t i = 0; i < n; ++i) max_sim = std::max(max_sim, w[i] = dot(q.data(), &refs[i * dim], dim));
  if (max_sim <= 0) max_sim = 1;  // query with no known word: uniform-ish weights
  // 10 * 10^(sim / max_sim), written with exp: pow is most of the cost at 10k references.
  const float k = 2.302585093f / max_sim;
  for (auto& x : w) x = 10.0f * std::exp(k * x);
  return w;
}
}  // namespace

void SwRouter::predict(const Features& f, float* q) const {
  auto s = fit(sw_weights(refs_, f.emb, f.emb.size()));
  const size_t m = models_.size();
  // Expected quality as the mean win probability against the other models.
  for (size_t i = 0; i < m; ++i) {
    double p = 0;
    for (size_t j = 0; j < m; ++j)
      if (j != i) p += s[i] / (s[i] + s[j]);
    q[i] = m > 1 ? static_cast<float>(p / static_cast<double>(m - 1)) : 0.5f;
  }
}

float SwRouter::score_features(const Features& f) const {
  if (strong_ < 0 || weak_ < 0) return 0.5f;
  auto s = fit(sw_weights(refs_, f.emb, f.emb.size()));
  return static_cast<float>(s[static_cast<size_t>(strong_)] / (s[static_cast<size_t>(strong_)] + s[static_cast<size_t>(weak_)]));
}

void SwRouter::save_sections(ModelWriter& w, const std::string& p) const {
  w.add_rows_i8(p + "sw.refs", refs_, embedder_->dim());
  w.add_f32(p + "sw.quality", quality_, /*as_f16=*/true);
}

Result<std::unique_ptr<SwRouter>> SwRouter::load(const ModelFile& mf, const std::string& p,
                                                 std::vector<std::string> models, int strong, int weak,
                                                 EmbedderPtr emb) {
  auto r = std::make_unique<SwRouter>(std::move(models), strong, weak, emb);
  auto refs = mf.rows_i8(p + "sw.refs", emb->dim());
  if (!refs) return tl::unexpected(refs.error());
  size_t n = refs->size() / emb->dim();
  auto q = mf.floats(p + "sw.quality", static_cast<int64_t>(n * r->models_.size()));
  if (!q) return tl::unexpected(q.error());
  r->refs_ = std::move(*refs);
  r->quality_ = std::move(*q);
  r->index_patterns();
  return r;
}

}  // namespace sr::router

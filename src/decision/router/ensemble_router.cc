// Stacked ensemble: the domain prior, kNN smoothing and the linear text model
// each see the prompt from a different angle (topic, nearest questions, words
// and length); a logistic stacker trained on their out-of-fold predictions
// plus the text statistics combines them. The gain head (soft target
// (1 + q_strong - q_weak) / 2) gives score(); one head per model gives quality.
#include <cmath>

#include "decision/router/routers.h"

namespace sr::router {

namespace {

std::vector<float> stack_vector(const PriorRouter& p, const KnnRouter& k, const LinearRouter& l, const Features& f,
                                size_t m, int strong, int weak) {
  std::vector<float> x;
  std::vector<float> q(m);
  auto add = [&](const FeatureRouter& r) {
    r.predict(f, q.data());
    x.insert(x.end(), q.begin(), q.end());
    if (strong >= 0) x.push_back(q[static_cast<size_t>(strong)] - q[static_cast<size_t>(weak)]);
  };
  add(p);
  add(k);
  add(l);
  if (strong >= 0) x.push_back(2.0f * l.score_features(f) - 1.0f);
  x.insert(x.end(), f.stats.begin(), f.stats.end());
  return x;
}

}  // namespace

std::vector<float> EnsembleRouter::stack_input(const Features& f) const {
  return stack_vector(*prior_, *knn_, *linear_, f, models_.size(), strong_, weak_);
}

Result<std::unique_ptr<EnsembleRouter>> EnsembleRouter::train(const OutcomeSet& data, EmbedderPtr emb,
                                                              const TrainOptions& o) {
  auto r = std::make_unique<EnsembleRouter>(data.models, data.strong, data.weak, emb);
  const size_t m = data.models.size(), n = data.rows.size();
  const int folds = std::max(2, o.folds);
  TrainOptions quiet = o;
  quiet.progress = nullptr;
  std::vector<Features> fs;
  for (const auto& ex : data.rows) fs.push_back(featurize(*emb, ex.text));
  // Out-of-fold stack inputs, so the stacker learns how much to trust each
  // sub-router on prompts it has not memorised.
  std::vector<std::vector<float>> xs(n);
  for (int fold = 0; fold < folds; ++fold) {
    OutcomeSet tr;
    tr.models = data.models;
    tr.strong = data.strong;
    tr.weak = data.weak;
    std::vector<size_t> held;
    for (size_t i = 0; i < n; ++i) {
      if (static_cast<int>((fnv1a(data.rows[i].text, o.seed) >> 8) % static_cast<uint64_t>(folds)) == fold)
        held.push_back(i);
      else
        tr.rows.push_back(data.rows[i]);
    }
    if (tr.rows.empty() || held.empty()) continue;
    auto p = PriorRouter::train(tr, emb, quiet);
    auto k = KnnRouter::train(tr, emb, quiet);
    auto l = LinearRouter::train(tr, emb, quiet);
    if (!p) return tl::unexpected(p.error());
    if (!k) return tl::unexpected(k.error());
    if (!l) return tl::unexpected(l.error());
    for (size_t i : held) xs[i] = stack_vector(**p, **k, **l, fs[i], m, data.strong, data.weak);
    if (o.progress) o.progress("ensemble folds", static_cast<double>(fold + 1) / folds);
  }
  auto p = PriorRouter::train(data, emb, quiet);
  auto k = KnnRouter::train(data, emb, quiet);
  auto l = LinearRouter::train(data, emb, quiet);
  if (!p) return tl::unexpected(p.error());
  if (!k) return tl::unexpected(k.error());
  if (!l) return tl::unexpected(l.error());
  r->prior_ = std::move(*p);
  r->knn_ = std::move(*k);
  r->linear_ = std::move(*l);
  std::vector<float> x;
  std::vector<size_t> rows;
  for (size_t i = 0; i < n; ++i)
    if (!xs[i].empty()) rows.push_back(i), x.insert(x.end(), xs[i].begin(), xs[i].end());
  // The stacker learns from out-of-fold predictions; with too few rows no
  // fold had both a training and a held part.
  if (rows.empty())
    return fail(ErrorCode::kConfigInvalid, "ensemble: " + std::to_string(n) + " training rows are too few for " +
                                               std::to_string(folds) + " folds (train a prior, knn or linear router instead)");
  r->in_ = static_cast<int>(xs[rows[0]].size());
  r->heads_ = static_cast<int>(m + (data.pairwise() ? 1 : 0));
  const size_t in = static_cast<size_t>(r->in_);
  for (int h = 0; h < r->heads_; ++h) {
    std::vector<float> t;
    for (size_t i : rows) {
      const auto& q = data.rows[i].quality;
      t.push_back(static_cast<size_t>(h) < m
                      ? q[static_cast<size_t>(h)]
                      : 0.5f * (1.0f + q[static_cast<size_t>(data.strong)] - q[static_cast<size_t>(data.weak)]));
    }
    auto w = detail::fit_logistic(x, in, t, 30, 0.05f, 1e-4f, o.seed + static_cast<uint64_t>(h));
    r->w_.insert(r->w_.end(), w.begin(), w.end());
    if (o.progress) o.progress("ensemble stacker", static_cast<double>(h + 1) / r->heads_);
  }
  return r;
}

void EnsembleRouter::predict(const Features& f, float* q) const {
  auto x = stack_input(f);
  const size_t in = static_cast<size_t>(in_);
  for (size_t j = 0; j < models_.size(); ++j) {
    const float* w = &w_[j * (in + 1)];
    q[j] = sigmoid(dot(x.data(), w, in) + w[in]);
  }
}

float EnsembleRouter::score_features(const Features& f) const {
  if (strong_ < 0 || weak_ < 0) return 0.5f;
  auto x = stack_input(f);
  const size_t in = static_cast<size_t>(in_);
  const float* w = &w_[static_cast<size_t>(heads_ - 1) * (in + 1)];
  return sigmoid(dot(x.data(), w, in) + w[in]);
}

void EnsembleRouter::save_sections(ModelWriter& w, const std::string& p) const {
  prior_->save_sections(w, p + "ens.");
  knn_->save_sections(w, p + "ens.");
  linear_->save_sections(w, p + "ens.");
  int32_t ints[2] = {in_, heads_};
  w.add_i32(p + "ens.ints", ints);
  w.add_f32(p + "ens.stacker", w_);
}

Result<std::unique_ptr<EnsembleRouter>> EnsembleRouter::load(const ModelFile& mf, const std::string& p,
                                                             std::vector<std::string> models, int strong, int weak,
                                                             EmbedderPtr emb) {
  auto r = std::make_unique<EnsembleRouter>(models, strong, weak, emb);
  auto pr = PriorRouter::load(mf, p + "ens.", models, strong, weak, emb);
  if (!pr) return tl::unexpected(pr.error());
  auto kn = KnnRouter::load(mf, p + "ens.", models, strong, weak, emb);
  if (!kn) return tl::unexpected(kn.error());
  auto li = LinearRouter::load(mf, p + "ens.", models, strong, weak, emb);
  if (!li) return tl::unexpected(li.error());
  r->prior_ = std::move(*pr);
  r->knn_ = std::move(*kn);
  r->linear_ = std::move(*li);
  auto ints = mf.ints(p + "ens.ints", 2);
  if (!ints) return tl::unexpected(ints.error());
  r->in_ = (*ints)[0];
  r->heads_ = (*ints)[1];
  size_t m = models.size();
  size_t want_in = 3 * m + (strong >= 0 ? 4 : 0) + kNumTextStats;
  if (static_cast<size_t>(r->in_) != want_in || r->heads_ != static_cast<int>(m + (strong >= 0 ? 1 : 0)))
    return fail(ErrorCode::kModelFile, mf.origin() + ": ensemble stacker shape does not match");
  auto w = mf.floats(p + "ens.stacker", static_cast<int64_t>(static_cast<size_t>(r->heads_) * (want_in + 1)));
  if (!w) return tl::unexpected(w.error());
  r->w_ = std::move(*w);
  return r;
}

}  // namespace sr::router

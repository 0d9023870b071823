#include "decision/router/router.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <numeric>
#include <random>

#include <nlohmann/json.hpp>

#include "base/paths.h"
#include "decision/router/routers.h"

namespace sr::router {

float Router::score(std::string_view prompt) const {
  if (strong_ < 0 || weak_ < 0) return 0.5f;
  auto q = expected_quality(prompt);
  return std::clamp(0.5f + 0.5f * (q[static_cast<size_t>(strong_)] - q[static_cast<size_t>(weak_)]), 0.0f, 1.0f);
}

std::vector<float> FeatureRouter::expected_quality(std::string_view prompt) const {
  Features f = featurize(*embedder_, prompt);
  std::vector<float> q(models_.size());
  predict(f, q.data());
  return q;
}

float FeatureRouter::score(std::string_view prompt) const {
  return score_features(featurize(*embedder_, prompt));
}

float FeatureRouter::score_features(const Features& f) const {
  if (strong_ < 0 || weak_ < 0) return 0.5f;
  std::vector<float> q(models_.size());
  predict(f, q.data());
  return std::clamp(0.5f + 0.5f * (q[static_cast<size_t>(strong_)] - q[static_cast<size_t>(weak_)]), 0.0f, 1.0f);
}

double Router::default_threshold(double share) const {
  if (score_quantiles_.size() < 2) return 0.5;
  // The (1 - share) quantile, interpolated in the stored table.
  double pos = std::clamp(1.0 - share, 0.0, 1.0) * static_cast<double>(score_quantiles_.size() - 1);
  size_t lo = static_cast<size_t>(pos);
  size_t hi = std::min(lo + 1, score_quantiles_.size() - 1);
  double f = pos - static_cast<double>(lo);
  return score_quantiles_[lo] + f * (score_quantiles_[hi] - score_quantiles_[lo]);
}

ModelChoice choose_model(std::span<const float> q, std::span<const double> prices, double lambda, double budget) {
  ModelChoice best;
  if (q.size() != prices.size()) return best;
  bool no_budget = !(budget >= 0) || std::isinf(budget);
  for (size_t i = 0; i < q.size(); ++i) {
    // An infinite price marks a model that may not be chosen (0 * inf would
    // make its utility NaN, which no comparison below could rank).
    if (!std::isfinite(prices[i]) || !std::isfinite(q[i])) continue;  // NaN quality: no claim to rank
    if (!no_budget && prices[i] > budget) continue;
    double u = static_cast<double>(q[i]) - lambda * prices[i];
    bool better = best.model < 0 || u > best.utility + 1e-12 ||
                  (std::abs(u - best.utility) <= 1e-12 && prices[i] < best.price);
    if (better) best = {static_cast<int>(i), static_cast<double>(q[i]), prices[i], u};
  }
  return best;
}

namespace {

Result<RouterPtr> load_kind(const std::string& kind, const ModelFile& mf, std::vector<std::string> models, int strong,
                            int weak, EmbedderPtr emb) {
  auto wrap = [](auto r) -> Result<RouterPtr> {
    if (!r) return tl::unexpected(r.error());
    return RouterPtr(std::move(*r));
  };
  if (kind == "prior") return wrap(PriorRouter::load(mf, "", std::move(models), strong, weak, emb));
  if (kind == "knn") return wrap(KnnRouter::load(mf, "", std::move(models), strong, weak, emb));
  if (kind == "sw") return wrap(SwRouter::load(mf, "", std::move(models), strong, weak, emb));
  if (kind == "mf") return wrap(MfRouter::load(mf, "", std::move(models), strong, weak, emb));
  if (kind == "linear") return wrap(LinearRouter::load(mf, "", std::move(models), strong, weak, emb));
  if (kind == "ensemble") return wrap(EnsembleRouter::load(mf, "", std::move(models), strong, weak, emb));
  return fail(ErrorCode::kModelFile, mf.origin() + ": unknown router kind '" + kind + "'");
}

}  // namespace

Result<RouterPtr> load_router_bytes(std::string bytes, std::string_view origin) {
  auto mf = ModelFile::parse(std::move(bytes), origin);
  if (!mf) return tl::unexpected(mf.error());
  auto meta_s = mf->string("meta");
  if (!meta_s) return tl::unexpected(meta_s.error());
  std::string kind;
  std::vector<std::string> models;
  int strong = -1, weak = -1;
  try {
    auto meta = nlohmann::json::parse(*meta_s);
    kind = meta.at("kind").get<std::string>();
    models = meta.at("models").get<std::vector<std::string>>();
    strong = meta.value("strong", -1);
    weak = meta.value("weak", -1);
  } catch (const std::exception& e) {
    return fail(ErrorCode::kModelFile, std::string(origin) + ": bad meta section: " + e.what());
  }
  int n = static_cast<int>(models.size());
  if (n < 1 || n > 1024 || strong >= n || weak >= n || (strong < 0) != (weak < 0))
    return fail(ErrorCode::kModelFile, std::string(origin) + ": meta lists an invalid model set");
  auto emb = Embedder::load(*mf);
  if (!emb) return tl::unexpected(emb.error());
  auto r = load_kind(kind, *mf, std::move(models), strong, weak, *emb);
  if (!r) return r;
  if (mf->has("calib.quantiles")) {
    auto q = mf->floats("calib.quantiles", 101);
    if (!q) return tl::unexpected(q.error());
    for (size_t i = 1; i < q->size(); ++i)
      if ((*q)[i] < (*q)[i - 1])
        return fail(ErrorCode::kModelFile, std::string(origin) + ": calib.quantiles not increasing");
    // The router was created just above and is not shared yet.
    std::const_pointer_cast<Router>(*r)->set_score_quantiles(std::move(*q));
  }
  return r;
}

Result<RouterPtr> load_router(const std::string& dir) {
  std::string d = dir.empty() ? builtin_model_path("router") : dir;
  if (d.empty()) return fail(ErrorCode::kModelFile, "built-in router not found (no models/ directory)");
  std::string path = d + "/" + kRouterFileName;
  std::ifstream f(path, std::ios::binary);
  if (!f) return fail(ErrorCode::kModelFile, "router model " + path + ": cannot open");
  std::ostringstream ss;
  ss << f.rdbuf();
  return load_router_bytes(std::move(ss).str(), path);
}

Result<bool> save_router(const Router& r, const std::string& dir, const std::vector<float>& calibration_scores) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return fail(ErrorCode::kIo, "cannot create " + dir + ": " + ec.message());
  ModelWriter w;
  nlohmann::json meta = {{"kind", std::string(r.kind())}, {"models", r.models()},
                         {"strong", r.strong_index()}, {"weak", r.weak_index()}};
  w.add_string("meta", meta.dump());
  r.embedder()->save(w);
  r.save_sections(w, "");
  std::vector<float> q = r.score_quantiles();
  if (!calibration_scores.empty()) {
    q.clear();
    for (int i = 0; i <= 100; ++i) q.push_back(static_cast<float>(quantile(calibration_scores, i / 100.0)));
  }
  if (q.size() == 101) w.add_f32("calib.quantiles", q);
  return w.save(dir + "/" + kRouterFileName);
}

const std::vector<std::string>& router_kinds() {
  static const std::vector<std::string> kinds = {"prior", "knn", "sw", "mf", "linear", "ensemble"};
  return kinds;
}

Result<RouterPtr> train_router(std::string_view kind, const OutcomeSet& data, EmbedderPtr emb,
                               const TrainOptions& o) {
  if (data.rows.empty()) return fail(ErrorCode::kConfigInvalid, "no training rows");
  auto wrap = [](auto r) -> Result<RouterPtr> {
    if (!r) return tl::unexpected(r.error());
    return RouterPtr(std::move(*r));
  };
  if (kind == "prior") return wrap(PriorRouter::train(data, emb, o));
  if (kind == "knn") return wrap(KnnRouter::train(data, emb, o));
  if (kind == "sw") return wrap(SwRouter::train(data, emb, o));
  if (kind == "mf") return wrap(MfRouter::train(data, emb, o));
  if (kind == "linear") return wrap(LinearRouter::train(data, emb, o));
  if (kind == "ensemble") return wrap(EnsembleRouter::train(data, emb, o));
  return fail(ErrorCode::kConfigInvalid, "unknown router kind '" + std::string(kind) + "'");
}

namespace detail {

std::vector<float> kmeans(const std::vector<float>& rows, size_t dim, int k, uint64_t seed, std::vector<int>& assign) {
  size_t n = rows.size() / dim;
  k = std::max(1, std::min<int>(k, static_cast<int>(n)));
  std::mt19937_64 rng(seed);
  std::vector<size_t> idx(n);
  std::iota(idx.begin(), idx.end(), 0);
  std::shuffle(idx.begin(), idx.end(), rng);
  std::vector<float> c(static_cast<size_t>(k) * dim);
  for (int j = 0; j < k; ++j) std::copy_n(&rows[idx[static_cast<size_t>(j)] * dim], dim, &c[static_cast<size_t>(j) * dim]);
  assign.assign(n, 0);
  for (int it = 0; it < 15; ++it) {
    for (size_t i = 0; i < n; ++i) {
      float best = -2;
      for (int j = 0; j < k; ++j) {
        float s = dot(&rows[i * dim], &c[static_cast<size_t>(j) * dim], dim);
        if (s > best) best = s, assign[i] = j;
      }
    }
    std::vector<float> sum(c.size(), 0.0f);
    std::vector<int> cnt(static_cast<size_t>(k), 0);
    for (size_t i = 0; i < n; ++i) {
      ++cnt[static_cast<size_t>(assign[i])];
      for (size_t d = 0; d < dim; ++d) sum[static_cast<size_t>(assign[i]) * dim + d] += rows[i * dim + d];
    }
    for (int j = 0; j < k; ++j) {
      float* cj = &sum[static_cast<size_t>(j) * dim];
      if (cnt[static_cast<size_t>(j)] == 0) {  // empty list: restart from a random row
        std::copy_n(&rows[idx[rng() % n] * dim], dim, cj);
      }
      float norm = std::sqrt(dot(cj, cj, dim));
      if (norm > 1e-12f)
        for (size_t d = 0; d < dim; ++d) cj[d] /= norm;
    }
    c = std::move(sum);
  }
  return c;
}

std::vector<float> fit_logistic(const std::vector<float>& x, size_t in, const std::vector<float>& target, int epochs,
                                float lr, float l2, uint64_t seed) {
  size_t n = target.size();
  std::vector<float> w(in + 1, 0.0f), g2(in + 1, 1e-8f);
  std::mt19937_64 rng(seed);
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  for (int ep = 0; ep < epochs; ++ep) {
    std::shuffle(order.begin(), order.end(), rng);
    for (size_t i : order) {
      const float* xi = &x[i * in];
      float z = w[in] + dot(xi, w.data(), in);
      float g = sigmoid(z) - target[i];
      for (size_t d = 0; d <= in; ++d) {
        float gd = (d == in ? g : g * xi[d]) + (d == in ? 0.0f : l2 * w[d]);
        g2[d] += gd * gd;
        w[d] -= lr * gd / std::sqrt(g2[d]);
      }
    }
  }
  return w;
}

}  // namespace detail

}  // namespace sr::router

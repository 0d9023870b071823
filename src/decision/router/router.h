#pragma once
// Public API of the cost-quality routers, for the gateway and the CLI.
//
// A Router estimates, per prompt, how much a stronger model is needed:
// score() in [0, 1] (higher = send to the strong model) and, for N models,
// the expected quality of each. Routers are immutable after loading; every
// method is const and safe to call from many threads at once.
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "decision/router/embedder.h"
#include "decision/router/metrics.h"  // calibrate_threshold()
#include "decision/router/model_file.h"

namespace sr::router {

class Router {
 public:
  virtual ~Router() = default;

  //! Router family: "prior", "knn", "sw", "mf", "linear" or "ensemble".
  virtual std::string_view kind() const = 0;
  //! Expected quality in [0, 1] of each model in models(), for this prompt.
  virtual std::vector<float> expected_quality(std::string_view prompt) const = 0;
  //! Need for the strong model in [0, 1]; rank-equivalent to the expected
  //! gain q(strong) - q(weak). Compare with a threshold from calibrate_threshold().
  virtual float score(std::string_view prompt) const;

  //! Model names, in the order of expected_quality().
  const std::vector<std::string>& models() const { return models_; }
  //! Indexes of the strong and weak model; -1 when trained on N-model data only.
  int strong_index() const { return strong_; }
  int weak_index() const { return weak_; }

  //! Threshold that sends `target_strong_share` of prompts to the strong model,
  //! from the score quantiles stored at training time (scores of the training
  //! prompts); 0.5 when the file has none. For a share measured on your own
  //! traffic use calibrate_threshold() on scores of calibration prompts.
  double default_threshold(double target_strong_share) const;
  //! Stored score quantiles (101 values, 0 %..100 %), empty when absent.
  const std::vector<float>& score_quantiles() const { return score_quantiles_; }
  //! Load-time only, before the router is shared.
  void set_score_quantiles(std::vector<float> q) { score_quantiles_ = std::move(q); }

  //! Writes the router-specific sections, names prefixed with `prefix`
  //! (save_router() writes meta and embedder around them).
  virtual void save_sections(ModelWriter& w, const std::string& prefix) const = 0;
  const EmbedderPtr& embedder() const { return embedder_; }

 protected:
  Router(std::vector<std::string> models, int strong, int weak, EmbedderPtr emb)
      : models_(std::move(models)), strong_(strong), weak_(weak), embedder_(std::move(emb)) {}

  std::vector<std::string> models_;
  int strong_ = -1;
  int weak_ = -1;
  EmbedderPtr embedder_;
  std::vector<float> score_quantiles_;
};

using RouterPtr = std::shared_ptr<const Router>;

//! File name of the router inside a router folder.
inline constexpr const char* kRouterFileName = "router.bin";

//! Loads `<dir>/router.bin`; "" loads the built-in router (models/router/).
//! Bad magic, truncation or corruption gives kModelFile, never a crash.
Result<RouterPtr> load_router(const std::string& dir);
//! Parses a router from a model file image (used by load_router and tests).
Result<RouterPtr> load_router_bytes(std::string bytes, std::string_view origin);
//! Writes `<dir>/router.bin` (creating dir). `calibration_scores` (e.g. the
//! scores of the training prompts) are stored as 101 quantiles for default_threshold().
Result<bool> save_router(const Router& r, const std::string& dir, const std::vector<float>& calibration_scores = {});

//! The outcome of an N-model choice.
struct ModelChoice {
  int model = -1;          // index into the quality/price arrays, -1 when none fits the budget
  double expected_quality = 0;
  double price = 0;
  double utility = 0;      // expected_quality - lambda * price
};

//! The one price a router weighs against quality (USD per million tokens):
//! the mean of the input and output prices. eval-router's lambda sweeps and
//! the gateway's router rules both use it, so a lambda tuned offline means the
//! same thing in production.
inline double blended_price(double input_per_mtok, double output_per_mtok) {
  return 0.5 * (input_per_mtok + output_per_mtok);
}

//! Picks the model maximising expected_quality - lambda * price among models
//! whose price is <= budget (budget < 0 or infinity = no budget). Ties go to the
//! cheaper model; a model with an infinite price is never chosen (model == -1
//! when none is left). Sizes of quality and prices must match.
ModelChoice choose_model(std::span<const float> expected_quality, std::span<const double> prices, double lambda,
                         double budget = std::numeric_limits<double>::infinity());

//! Strong/weak decision for a score and threshold (RouteLLM: strong when score >= threshold).
inline bool route_strong(float score, double threshold) { return score >= threshold; }

}  // namespace sr::router

#pragma once
// The router implementations (internal to src/decision/router; the gateway
// uses router.h). Each family: a class, a trainer and a loader. All share
// Features so an ensemble embeds a prompt once.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "decision/router/features.h"
#include "decision/router/outcome_data.h"
#include "decision/router/router.h"

namespace sr::router {

struct TrainOptions {
  uint64_t seed = 1;
  // prior
  float prior_tau = 1.0f;       // temperature of the group classifier's softmax
  float prior_smooth = 10.0f;   // pseudo-count pulling small groups to the global mean
  int prior_bits = 13;          // 2^bits hashed n-gram buckets of the group classifier
  int prior_epochs = 8;
  // knn
  int knn_k = 40;
  float knn_tau = 0.05f;        // weight = exp((sim - best) / tau)
  float knn_smooth = 1.0f;      // pseudo-weight of the global mean
  int ivf_lists = 128;          // k-means lists for the inverted-file search
  int ivf_probe = 8;            // lists scanned per query
  // sw
  int sw_max_refs = 10000;
  // mf
  int mf_dim = 64;
  int mf_epochs = 20;
  float mf_lr = 2e-3f;
  // linear
  int linear_bits = 16;         // 2^bits hashed n-gram buckets
  int linear_epochs = 6;
  float linear_l2 = 1e-6f;
  float linear_lr = 0.05f;
  // ensemble
  int folds = 5;
  //! Progress callback: stage name and fraction done (0..1).
  std::function<void(const std::string&, double)> progress;
};

//! A router whose prediction is a function of Features (all of ours).
class FeatureRouter : public Router {
 public:
  std::vector<float> expected_quality(std::string_view prompt) const override;
  float score(std::string_view prompt) const override;
  //! Expected quality per model into q[0..models().size()).
  virtual void predict(const Features& f, float* q) const = 0;
  //! Score from features; default 0.5 + (q_strong - q_weak) / 2.
  virtual float score_features(const Features& f) const;

 protected:
  using Router::Router;
};

class PriorRouter final : public FeatureRouter {
 public:
  PriorRouter(std::vector<std::string> models, int strong, int weak, EmbedderPtr emb)
      : FeatureRouter(std::move(models), strong, weak, std::move(emb)) {}
  static Result<std::unique_ptr<PriorRouter>> train(const OutcomeSet& data, EmbedderPtr emb,
                                                    const TrainOptions& o);
  static Result<std::unique_ptr<PriorRouter>> load(const ModelFile& mf, const std::string& prefix,
                                                   std::vector<std::string> models, int strong, int weak,
                                                   EmbedderPtr emb);
  std::string_view kind() const override { return "prior"; }
  void predict(const Features& f, float* q) const override;
  void save_sections(ModelWriter& w, const std::string& prefix) const override;

  //! Probability of each training group (subject) for this prompt.
  std::vector<float> group_probs(const Features& f) const;

 private:
  float tau_ = 1.0f;
  int bits_ = 13, dense_ = 0;
  std::vector<float> hashed_;   // 2^bits x groups (bucket-major, one gram = one cache run)
  std::vector<float> dense_w_;  // groups x (dense + 1 bias)
  std::vector<float> quality_;  // groups x models
};

class KnnRouter final : public FeatureRouter {
 public:
  KnnRouter(std::vector<std::string> models, int strong, int weak, EmbedderPtr emb)
      : FeatureRouter(std::move(models), strong, weak, std::move(emb)) {}
  static Result<std::unique_ptr<KnnRouter>> train(const OutcomeSet& data, EmbedderPtr emb, const TrainOptions& o);
  static Result<std::unique_ptr<KnnRouter>> load(const ModelFile& mf, const std::string& prefix,
                                                 std::vector<std::string> models, int strong, int weak,
                                                 EmbedderPtr emb);
  std::string_view kind() const override { return "knn"; }
  void predict(const Features& f, float* q) const override;
  void save_sections(ModelWriter& w, const std::string& prefix) const override;

 private:
  void build_lists(uint64_t seed, int lists);
  int k_ = 40, probe_ = 10;
  float tau_ = 0.05f, smooth_ = 1.0f;
  std::vector<float> refs_;        // n x dim, unit rows, grouped by list
  std::vector<float> quality_;     // n x models
  std::vector<float> mean_;        // models
  std::vector<float> centroids_;   // lists x dim
  std::vector<int32_t> offsets_;   // lists + 1
};

class SwRouter final : public FeatureRouter {
 public:
  SwRouter(std::vector<std::string> models, int strong, int weak, EmbedderPtr emb)
      : FeatureRouter(std::move(models), strong, weak, std::move(emb)) {}
  static Result<std::unique_ptr<SwRouter>> train(const OutcomeSet& data, EmbedderPtr emb, const TrainOptions& o);
  static Result<std::unique_ptr<SwRouter>> load(const ModelFile& mf, const std::string& prefix,
                                                std::vector<std::string> models, int strong, int weak,
                                                EmbedderPtr emb);
  std::string_view kind() const override { return "sw"; }
  void predict(const Features& f, float* q) const override;
  float score_features(const Features& f) const override;
  void save_sections(ModelWriter& w, const std::string& prefix) const override;

 private:
  //! Weighted Bradley-Terry strengths from similarity weights per reference.
  std::vector<double> fit(const std::vector<float>& weights) const;
  //! Groups references by their quality vector (outcome pattern), so a query
  //! sums its weights per pattern and derives the pairwise battles once per
  //! pattern instead of once per reference: with 9 models, 36 battles x 10k
  //! references become 36 x (a few hundred patterns).
  void index_patterns();
  std::vector<float> refs_;     // n x dim, unit rows
  std::vector<float> quality_;  // n x models (battles are derived per pair)
  std::vector<uint32_t> pattern_of_;  // n: index into patterns_
  std::vector<float> patterns_;       // distinct quality vectors, k x models
};

class MfRouter final : public FeatureRouter {
 public:
  MfRouter(std::vector<std::string> models, int strong, int weak, EmbedderPtr emb)
      : FeatureRouter(std::move(models), strong, weak, std::move(emb)) {}
  static Result<std::unique_ptr<MfRouter>> train(const OutcomeSet& data, EmbedderPtr emb, const TrainOptions& o);
  static Result<std::unique_ptr<MfRouter>> load(const ModelFile& mf, const std::string& prefix,
                                                std::vector<std::string> models, int strong, int weak,
                                                EmbedderPtr emb);
  std::string_view kind() const override { return "mf"; }
  void predict(const Features& f, float* q) const override;
  float score_features(const Features& f) const override;
  void save_sections(ModelWriter& w, const std::string& prefix) const override;
  //! Input vector of the text projection: embedding then text statistics.
  static std::vector<float> input(const Features& f);

 private:
  std::vector<float> model_scores(const Features& f) const;
  int dim_ = 0, in_ = 0;
  std::vector<float> proj_;    // dim x in
  std::vector<float> models_emb_;  // models x dim, unit rows
  std::vector<float> cls_;     // dim
};

class LinearRouter final : public FeatureRouter {
 public:
  LinearRouter(std::vector<std::string> models, int strong, int weak, EmbedderPtr emb)
      : FeatureRouter(std::move(models), strong, weak, std::move(emb)) {}
  static Result<std::unique_ptr<LinearRouter>> train(const OutcomeSet& data, EmbedderPtr emb,
                                                     const TrainOptions& o);
  static Result<std::unique_ptr<LinearRouter>> load(const ModelFile& mf, const std::string& prefix,
                                                    std::vector<std::string> models, int strong, int weak,
                                                    EmbedderPtr emb);
  std::string_view kind() const override { return "linear"; }
  void predict(const Features& f, float* q) const override;
  float score_features(const Features& f) const override;
  void save_sections(ModelWriter& w, const std::string& prefix) const override;

 private:
  //! Logit of head h (0..models-1 quality heads, models = gain head).
  float logit(const Features& f, int h) const;
  int bits_ = 16, heads_ = 0, dense_ = 0;
  std::vector<float> hashed_;  // heads x 2^bits
  std::vector<float> dense_w_; // heads x (dense + 1 bias)
};

class EnsembleRouter final : public FeatureRouter {
 public:
  EnsembleRouter(std::vector<std::string> models, int strong, int weak, EmbedderPtr emb)
      : FeatureRouter(std::move(models), strong, weak, std::move(emb)) {}
  static Result<std::unique_ptr<EnsembleRouter>> train(const OutcomeSet& data, EmbedderPtr emb,
                                                       const TrainOptions& o);
  static Result<std::unique_ptr<EnsembleRouter>> load(const ModelFile& mf, const std::string& prefix,
                                                      std::vector<std::string> models, int strong, int weak,
                                                      EmbedderPtr emb);
  std::string_view kind() const override { return "ensemble"; }
  void predict(const Features& f, float* q) const override;
  float score_features(const Features& f) const override;
  void save_sections(ModelWriter& w, const std::string& prefix) const override;
  //! Stacker inputs: sub-router outputs plus text statistics.
  std::vector<float> stack_input(const Features& f) const;

 private:
  std::unique_ptr<PriorRouter> prior_;
  std::unique_ptr<KnnRouter> knn_;
  std::unique_ptr<LinearRouter> linear_;
  int in_ = 0, heads_ = 0;
  std::vector<float> w_;  // heads x (in + 1): quality heads then the gain head
};

//! Trains a router of `kind` on `data`.
Result<RouterPtr> train_router(std::string_view kind, const OutcomeSet& data, EmbedderPtr emb,
                               const TrainOptions& o);
//! Kinds train_router() accepts.
const std::vector<std::string>& router_kinds();

//! Small shared numeric helpers for the trainers.
namespace detail {
//! Spherical k-means: returns `k` unit centroids (k x dim) and the assignment of each row.
std::vector<float> kmeans(const std::vector<float>& rows, size_t dim, int k, uint64_t seed, std::vector<int>& assign);
//! Logistic regression with soft targets on dense inputs (AdaGrad, L2); w has in+1 entries (bias last).
std::vector<float> fit_logistic(const std::vector<float>& x, size_t in, const std::vector<float>& target,
                                int epochs, float lr, float l2, uint64_t seed);
}  // namespace detail

}  // namespace sr::router

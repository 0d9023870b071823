#include "engine/linear_model.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace sr::engine {
namespace {

// Three synthetic "topics": each text mixes words of its topic with shared
// filler words; the model must learn to separate them from hashed features.
struct Synthetic {
  std::vector<std::string> texts;
  std::vector<uint32_t> labels;
};

Synthetic make_data(int n, uint64_t seed) {
  const std::vector<std::vector<std::string>> topic = {
      {"stock", "market", "price", "profit", "trade", "bank"},
      {"goal", "match", "team", "player", "score", "league"},
      {"cell", "gene", "protein", "enzyme", "tissue", "organism"}};
  const std::vector<std::string> filler = {"the", "a", "is", "what", "how", "about", "today", "really"};
  std::mt19937_64 rng(seed);
  Synthetic d;
  for (int i = 0; i < n; ++i) {
    const uint32_t y = static_cast<uint32_t>(rng() % 3);
    std::string t;
    for (int w = 0; w < 8; ++w) {
      t += (rng() % 3 == 0) ? topic[y][rng() % 6] : filler[rng() % filler.size()];
      t += ' ';
    }
    t += topic[y][rng() % 6];
    d.texts.push_back(t);
    d.labels.push_back(y);
  }
  return d;
}

FeatureConfig small_config() {
  FeatureConfig cfg;
  cfg.bucket_bits = 12;
  return cfg;
}

std::vector<TrainExample> featurize(const Synthetic& d, const FeatureConfig& cfg) {
  std::vector<TrainExample> out;
  FeatureScratch s;
  for (size_t i = 0; i < d.texts.size(); ++i) {
    extract_features(cfg, d.texts[i], s);
    out.push_back({s.features, {}, d.labels[i], 1.0f});
  }
  return out;
}

TEST(LinearModelTest, LearnsSyntheticTopics) {
  const FeatureConfig cfg = small_config();
  const Synthetic train = make_data(1500, 1), test = make_data(300, 2);
  LinearTrainer trainer(cfg, 3);
  TrainConfig tc;
  tc.epochs = 5;
  trainer.train(featurize(train, cfg), tc);
  const LinearModel model = trainer.quantize({"finance", "sport", "biology"});
  FeatureScratch s;
  int correct = 0;
  float probs[3];
  for (size_t i = 0; i < test.texts.size(); ++i) {
    extract_features(cfg, test.texts[i], s);
    model.probabilities(s, probs);
    EXPECT_NEAR(probs[0] + probs[1] + probs[2], 1.0f, 1e-4f);
    correct += model.decide(probs) == test.labels[i];
  }
  EXPECT_GE(correct, 285) << "accuracy " << correct / 300.0;
}

TEST(LinearModelTest, QuantisedLogitsTrackFloatLogits) {
  const FeatureConfig cfg = small_config();
  LinearTrainer trainer(cfg, 3);
  TrainConfig tc;
  tc.epochs = 3;
  trainer.train(featurize(make_data(600, 3), cfg), tc);
  const LinearModel model = trainer.quantize({"a", "b", "c"});
  FeatureScratch s;
  for (const auto& t : make_data(50, 4).texts) {
    extract_features(cfg, t, s);
    float lf[3], lq[3];
    trainer.logits(s.features, {}, lf);
    model.logits(s.features, {}, lq);
    for (int k = 0; k < 3; ++k) EXPECT_NEAR(lf[k], lq[k], 0.05f + 0.02f * std::fabs(lf[k]));
  }
}

TEST(LinearModelTest, TrainingIsDeterministicForASeed) {
  const FeatureConfig cfg = small_config();
  const auto examples = featurize(make_data(400, 5), cfg);
  auto run = [&](uint64_t seed) {
    LinearTrainer t(cfg, 3);
    TrainConfig tc;
    tc.seed = seed;
    t.train(examples, tc);
    return t.quantize({"a", "b", "c"});
  };
  const LinearModel a = run(9), b = run(9), c = run(10);
  EXPECT_EQ(a.weights, b.weights);
  EXPECT_EQ(a.row_scale, b.row_scale);
  EXPECT_NE(a.weights, c.weights);
}

TEST(LinearModelTest, BinaryThresholdDecides) {
  LinearModel m;
  m.labels = {"benign", "jailbreak"};
  m.positive_class = 1;
  m.threshold = 0.3f;
  const float p1[2] = {0.65f, 0.35f};
  const float p2[2] = {0.75f, 0.25f};
  EXPECT_EQ(m.decide(p1), 1u);
  EXPECT_EQ(m.decide(p2), 0u);
}

TEST(LinearModelTest, DenseFeaturesAreLearned) {
  // Labels depend only on the dense vector: the model must use it.
  FeatureConfig cfg = small_config();
  std::mt19937_64 rng(11);
  std::normal_distribution<float> noise(0.0f, 0.3f);
  std::vector<TrainExample> ex;
  for (int i = 0; i < 800; ++i) {
    const uint32_t y = static_cast<uint32_t>(rng() % 2);
    std::vector<float> d(4);
    for (auto& x : d) x = noise(rng);
    d[0] += y ? 1.0f : -1.0f;
    ex.push_back({{static_cast<uint32_t>(rng() % 4096)}, d, y, 1.0f});
  }
  LinearTrainer trainer(cfg, 2, 4);
  trainer.train(ex, TrainConfig{});
  float l[2];
  const std::vector<float> pos = {1, 0, 0, 0}, neg = {-1, 0, 0, 0};
  trainer.logits({}, pos, l);
  EXPECT_GT(l[1], l[0]);
  trainer.logits({}, neg, l);
  EXPECT_LT(l[1], l[0]);
}

TEST(LinearModelTest, FitTemperatureRecoversScale) {
  // Logits are 3x too confident versus the true probabilities.
  std::mt19937_64 rng(3);
  std::vector<float> logits;
  std::vector<uint32_t> labels;
  for (int i = 0; i < 4000; ++i) {
    const float z = std::uniform_real_distribution<float>(-3, 3)(rng);
    const float p1 = 1.0f / (1.0f + std::exp(-z));
    labels.push_back(std::uniform_real_distribution<float>(0, 1)(rng) < p1 ? 1u : 0u);
    logits.push_back(0.0f);
    logits.push_back(3.0f * z);
  }
  EXPECT_NEAR(fit_temperature(logits, labels, 2), 3.0f, 0.4f);
}

TEST(LinearModelTest, SoftmaxIsStable) {
  float v[3] = {1000.0f, 1000.0f, -1000.0f};
  softmax(v, 3, 1.0f);
  EXPECT_NEAR(v[0], 0.5f, 1e-6f);
  EXPECT_NEAR(v[2], 0.0f, 1e-6f);
}

}  // namespace
}  // namespace sr::engine

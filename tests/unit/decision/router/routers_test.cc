#include <cmath>
#include <filesystem>
#include <thread>

#include <limits>
#include <random>

#include <gtest/gtest.h>

#include "decision/router/metrics.h"
#include "decision/router/router.h"
#include "decision/router/routers.h"
#include "synthetic.h"

namespace sr::router {
namespace {

class EachRouter : public ::testing::TestWithParam<std::string> {};

TEST_P(EachRouter, LearnsTheSyntheticSignal) {
  auto emb = testing::synthetic_embedder();
  TrainOptions o;
  o.ivf_lists = 4;
  o.ivf_probe = 4;
  o.knn_k = 10;
  o.mf_epochs = 30;
  auto r = train_router(GetParam(), testing::synthetic_outcomes(400, 1), emb, o);
  ASSERT_TRUE(r) << r.error().message;
  float hard = (*r)->score("what is the proof of a theorem");
  float easy = (*r)->score("what is the recipe of a cat");
  EXPECT_GT(hard, easy + 0.01f) << GetParam();
  EXPECT_GE(hard, 0.0f);
  EXPECT_LE(hard, 1.0f);
  // Held-out synthetic data: far above random (0.5); a perfect router gets
  // about 0.75 here since hard prompts are half of the data.
  auto test = testing::synthetic_outcomes(300, 2);
  std::vector<float> s;
  std::vector<PairOutcome> out;
  for (const auto& ex : test.rows) {
    s.push_back((*r)->score(ex.text));
    out.push_back({ex.quality[1], ex.quality[0]});
  }
  EXPECT_GT(evaluate_pair(s, out, 10).apgr, 0.7) << GetParam();
  // Expected quality: the weak model is expected to do worse on hard prompts.
  auto qh = (*r)->expected_quality("hard integral lemma");
  auto qe = (*r)->expected_quality("easy weather dog");
  ASSERT_EQ(qh.size(), 2u);
  EXPECT_LT(qh[0] - qh[1], qe[0] - qe[1]) << GetParam();
}

TEST_P(EachRouter, SaveLoadGivesTheSameScores) {
  auto emb = testing::synthetic_embedder();
  TrainOptions o;
  o.ivf_lists = 4;
  o.mf_epochs = 3;
  o.linear_epochs = 2;
  auto r = train_router(GetParam(), testing::synthetic_outcomes(200, 3), emb, o);
  ASSERT_TRUE(r);
  auto dir = std::filesystem::temp_directory_path() / ("sr_router_test_" + GetParam());
  ASSERT_TRUE(save_router(**r, dir.string()));
  auto back = load_router(dir.string());
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ((*back)->kind(), GetParam());
  for (const char* p : {"what is the proof", "hello cat", "", "unknown words only"}) {
    // Stored tables are float16/int8, so allow a small difference.
    EXPECT_NEAR((*back)->score(p), (*r)->score(p), 0.03) << GetParam() << " " << p;
  }
  std::filesystem::remove_all(dir);
}

TEST_P(EachRouter, ScoringIsThreadSafe) {
  auto emb = testing::synthetic_embedder();
  TrainOptions o;
  o.ivf_lists = 4;
  o.mf_epochs = 2;
  o.linear_epochs = 1;
  auto r = train_router(GetParam(), testing::synthetic_outcomes(200, 4), emb, o);
  ASSERT_TRUE(r);
  const std::vector<std::string> prompts = {"hard proof", "easy cat", "theorem lemma integral", "weather"};
  std::vector<float> want;
  for (const auto& p : prompts) want.push_back((*r)->score(p));
  std::vector<std::thread> threads;
  std::atomic<int> mismatches{0};
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i)
        for (size_t k = 0; k < prompts.size(); ++k)
          if ((*r)->score(prompts[k]) != want[k]) ++mismatches;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(mismatches.load(), 0);
}

INSTANTIATE_TEST_SUITE_P(Kinds, EachRouter, ::testing::Values("prior", "knn", "sw", "mf", "linear", "ensemble"),
                         [](const auto& info) { return info.param; });

// One training row: no fold has both parts (found by review: a segfault).
TEST(EnsembleRouter, TooFewRowsIsAnErrorNotACrash) {
  auto emb = testing::synthetic_embedder();
  auto one = testing::synthetic_outcomes(1, 5);
  auto r = train_router("ensemble", one, emb, TrainOptions{});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("too few"), std::string::npos) << r.error().message;
  for (const char* kind : {"prior", "knn", "linear", "mf", "sw"}) {
    auto k = train_router(kind, one, emb, TrainOptions{});
    if (k) EXPECT_GE((*k)->score("what is the proof"), 0.0f) << kind;  // trains or refuses, never crashes
  }
}

// SW ranking sums weights per outcome pattern before deriving battles; the
// result must be RouteLLM's per-battle formulation, computed here naively.
TEST(SwRouter, PatternGroupingEqualsPerBattleFit) {
  auto emb = testing::synthetic_embedder();
  OutcomeSet data;
  data.models = {"a", "b", "c", "d"};
  std::mt19937_64 rng(7);
  const char* words[] = {"hard", "easy", "proof", "cat", "theorem", "dog", "integral", "weather", "lemma", "hello"};
  const float levels[] = {0.0f, 0.5f, 1.0f};
  for (int i = 0; i < 300; ++i) {
    std::string text;
    for (int k = 0; k < 4; ++k) text += std::string(words[rng() % 10]) + " ";
    // Model i wins more often as i grows (ties at 0.5 included), so the
    // fitted strengths differ clearly.
    std::vector<float> q(4);
    for (size_t j = 0; j < 4; ++j) q[j] = levels[std::min<uint64_t>(2, rng() % 3 + (rng() % 4 < j ? 1 : 0))];
    data.rows.push_back({text, "", q});
  }
  auto r = train_router("sw", data, emb, TrainOptions{});
  ASSERT_TRUE(r) << r.error().message;
  for (const char* query : {"hard proof lemma", "easy cat", "integral weather dog"}) {
    // Naive: every reference plays every pair once, weighted 10 * 10^(sim / max sim).
    const std::vector<float> qv = emb->embed(query);
    std::vector<double> sim;
    double max_sim = -1;
    for (const auto& ex : data.rows) {
      const std::vector<float> rv = emb->embed(ex.text);
      sim.push_back(dot(qv.data(), rv.data(), qv.size()));
      max_sim = std::max(max_sim, sim.back());
    }
    if (max_sim <= 0) max_sim = 1;
    const size_t m = 4;
    std::vector<double> wins(m * m, 0.0);
    for (size_t t = 0; t < data.rows.size(); ++t) {
      const double w = 10.0 * std::pow(10.0, sim[t] / max_sim);
      const auto& q = data.rows[t].quality;
      for (size_t i = 0; i < m; ++i)
        for (size_t j = i + 1; j < m; ++j) {
          if (q[i] > q[j]) wins[i * m + j] += w;
          else if (q[j] > q[i]) wins[j * m + i] += w;
          else wins[i * m + j] += w / 2, wins[j * m + i] += w / 2;
        }
    }
    std::vector<double> st(m, 1.0), next(m);
    for (int it = 0; it < 100; ++it) {
      for (size_t i = 0; i < m; ++i) {
        double num = 0, den = 0;
        for (size_t j = 0; j < m; ++j)
          if (j != i) num += wins[i * m + j], den += (wins[i * m + j] + wins[j * m + i]) / (st[i] + st[j]);
        next[i] = num / den;
      }
      double g = 0;
      for (double x : next) g += std::log(x);
      for (size_t i = 0; i < m; ++i) st[i] = next[i] / std::exp(g / m);
    }
    const std::vector<float> got = (*r)->expected_quality(query);
    ASSERT_EQ(got.size(), m);
    for (size_t i = 0; i < m; ++i) {
      double p = 0;
      for (size_t j = 0; j < m; ++j)
        if (j != i) p += st[i] / (st[i] + st[j]);
      EXPECT_NEAR(got[i], p / (m - 1), 1e-4) << query << " model " << i;
    }
    EXPECT_GT(got[3], got[0] + 0.05f) << "the data make model d the strongest";
  }
}

TEST(RouterChoice, MaximisesQualityMinusLambdaCost) {
  std::vector<float> q = {0.5f, 0.7f, 0.9f};
  std::vector<double> price = {0.1, 0.5, 2.0};
  EXPECT_EQ(choose_model(q, price, 0.0).model, 2);   // quality only
  EXPECT_EQ(choose_model(q, price, 0.3).model, 1);   // 0.47, 0.55, 0.30
  EXPECT_EQ(choose_model(q, price, 10.0).model, 0);  // cost dominates
  EXPECT_EQ(choose_model(q, price, 0.0, 1.0).model, 1);  // budget excludes the best
  EXPECT_EQ(choose_model(q, price, 0.0, 0.05).model, -1);  // nothing fits
  auto c = choose_model(q, price, 0.3);
  EXPECT_NEAR(c.utility, 0.7 - 0.3 * 0.5, 1e-6);
  // Ties go to the cheaper model.
  std::vector<float> same = {0.8f, 0.8f};
  std::vector<double> p2 = {1.0, 0.5};
  EXPECT_EQ(choose_model(same, p2, 0.0).model, 1);
  // Size mismatch: no choice.
  EXPECT_EQ(choose_model(same, price, 0.0).model, -1);
  // An infinite price (an unmapped model) is never chosen, even with lambda 0,
  // where 0 * inf is NaN: this once made the first model win every time.
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<float> q4 = {-1e9f, 0.6f, 0.9f, 0.7f};
  std::vector<double> p4 = {inf, 0.1, inf, 1.0};
  EXPECT_EQ(choose_model(q4, p4, 0.0).model, 3);
  EXPECT_EQ(choose_model(q4, p4, 1.0).model, 1);
  // A NaN quality (a broken predictor) is passed over, not kept forever.
  std::vector<float> qn = {std::nanf(""), 0.7f, 0.9f};
  EXPECT_EQ(choose_model(qn, price, 0.0).model, 2);
  std::vector<double> all_inf = {inf, inf, inf, inf};
  EXPECT_EQ(choose_model(q4, all_inf, 0.0).model, -1);
}

TEST(RouterCalibration, StoredQuantilesGiveDefaultThresholds) {
  auto emb = testing::synthetic_embedder();
  TrainOptions o;
  o.ivf_lists = 4;
  auto r = train_router("knn", testing::synthetic_outcomes(200, 6), emb, o);
  ASSERT_TRUE(r);
  EXPECT_EQ((*r)->default_threshold(0.3), 0.5);  // nothing stored yet
  std::vector<float> calib;
  for (int i = 0; i <= 1000; ++i) calib.push_back(static_cast<float>(i) / 1000.0f);
  auto dir = std::filesystem::temp_directory_path() / "sr_router_calib";
  ASSERT_TRUE(save_router(**r, dir.string(), calib));
  auto back = load_router(dir.string());
  ASSERT_TRUE(back) << back.error().message;
  ASSERT_EQ((*back)->score_quantiles().size(), 101u);
  EXPECT_NEAR((*back)->default_threshold(0.3), 0.7, 1e-3);
  EXPECT_NEAR((*back)->default_threshold(0.0), 1.0, 1e-3);
  EXPECT_NEAR((*back)->default_threshold(1.0), 0.0, 1e-3);
  // Re-saving keeps the stored table.
  ASSERT_TRUE(save_router(**back, dir.string()));
  EXPECT_EQ((*load_router(dir.string()))->score_quantiles().size(), 101u);
  std::filesystem::remove_all(dir);
}

TEST(RouterChoice, StrongWeakThreshold) {
  EXPECT_TRUE(route_strong(0.6f, 0.5));
  EXPECT_TRUE(route_strong(0.5f, 0.5));
  EXPECT_FALSE(route_strong(0.4f, 0.5));
}

TEST(RouterTrain, UnknownKindAndEmptyData) {
  auto emb = testing::synthetic_embedder();
  EXPECT_FALSE(train_router("nope", testing::synthetic_outcomes(10, 1), emb, {}));
  EXPECT_FALSE(train_router("knn", OutcomeSet{}, emb, {}));
}

TEST(RouterTrain, NModelData) {
  // Three models; model 2 is right only on hard prompts, model 0 only on easy ones.
  auto base = testing::synthetic_outcomes(300, 5);
  OutcomeSet s;
  s.models = {"a", "b", "c"};
  for (auto ex : base.rows) {
    bool hard = ex.group == "hard";
    ex.quality = {hard ? 0.0f : 1.0f, 0.5f, hard ? 1.0f : 0.0f};
    s.rows.push_back(ex);
  }
  auto emb = testing::synthetic_embedder();
  TrainOptions o;
  o.ivf_lists = 4;
  for (const char* kind : {"knn", "linear", "prior", "ensemble"}) {
    auto r = train_router(kind, s, emb, o);
    ASSERT_TRUE(r) << kind;
    EXPECT_EQ((*r)->strong_index(), -1);
    auto qh = (*r)->expected_quality("proof of a theorem");
    auto qe = (*r)->expected_quality("recipe for a cat");
    std::vector<double> price = {1, 1, 1};
    EXPECT_EQ(choose_model(qh, price, 0).model, 2) << kind;
    EXPECT_EQ(choose_model(qe, price, 0).model, 0) << kind;
  }
}

}  // namespace
}  // namespace sr::router

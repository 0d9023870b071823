#include "decision/router/metrics.h"

#include <cmath>
#include <random>

#include <gtest/gtest.h>

namespace sr::router {
namespace {

TEST(RouterMetrics, PgrIsShareOfTheGapRecovered) {
  EXPECT_NEAR(pgr(0.70, 0.60, 0.80), 0.5, 1e-12);
  EXPECT_NEAR(pgr(0.60, 0.60, 0.80), 0.0, 1e-12);
  EXPECT_NEAR(pgr(0.80, 0.60, 0.80), 1.0, 1e-12);
  EXPECT_NEAR(pgr(0.85, 0.60, 0.80), 1.25, 1e-12);  // better than always-strong
  EXPECT_EQ(pgr(0.7, 0.8, 0.8), 0.0);               // no gap: defined as 0, not NaN
}

TEST(RouterMetrics, ApgrOfHandMadeCurves) {
  // Straight line from weak to strong: PGR = share, area 0.5 (the random router).
  std::vector<CurvePoint> line = {{0, 0.0, 0.6}, {0, 0.5, 0.7}, {0, 1.0, 0.8}};
  EXPECT_NEAR(apgr(line, 0.6, 0.8), 0.5, 1e-12);
  // Jumps to strong quality at 20 % and stays: area = 0.2*0.5 + 0.8*1 = 0.9.
  std::vector<CurvePoint> jump = {{0, 0.0, 0.6}, {0, 0.2, 0.8}, {0, 1.0, 0.8}};
  EXPECT_NEAR(apgr(jump, 0.6, 0.8), 0.9, 1e-12);
  // CPT on the same curves.
  EXPECT_NEAR(cpt(line, 0.6, 0.8, 0.5), 0.5, 1e-12);
  EXPECT_NEAR(cpt(line, 0.6, 0.8, 0.8), 0.8, 1e-12);
  EXPECT_NEAR(cpt(jump, 0.6, 0.8, 0.5), 0.1, 1e-12);
  // Never reaching the target gives NaN.
  std::vector<CurvePoint> flat = {{0, 0.0, 0.6}, {0, 1.0, 0.65}};
  EXPECT_TRUE(std::isnan(cpt(flat, 0.6, 0.8, 0.5)));
}

std::vector<PairOutcome> synthetic_outcomes(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<PairOutcome> o(n);
  for (auto& x : o) {
    x.strong = (rng() % 100) < 80 ? 1.0f : 0.0f;
    x.weak = (rng() % 100) < 65 ? 1.0f : 0.0f;
  }
  return o;
}

TEST(RouterMetrics, RandomRouterIsAboutHalf) {
  auto o = synthetic_outcomes(20000, 7);
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<float> u(0, 1);
  std::vector<float> s(o.size());
  for (auto& x : s) x = u(rng);
  auto rep = evaluate_pair(s, o, 10);
  EXPECT_NEAR(rep.apgr, 0.5, 0.03);
  EXPECT_NEAR(rep.cpt50, 0.5, 0.05);
  // Curve runs from all-weak to all-strong.
  EXPECT_DOUBLE_EQ(rep.curve.front().strong_share, 0.0);
  EXPECT_DOUBLE_EQ(rep.curve.back().strong_share, 1.0);
  EXPECT_NEAR(rep.curve.front().quality, rep.q_weak, 1e-12);
  EXPECT_NEAR(rep.curve.back().quality, rep.q_strong, 1e-12);
}

TEST(RouterMetrics, PerfectScoresMatchTheOracle) {
  auto o = synthetic_outcomes(5000, 11);
  std::vector<float> s;
  for (const auto& x : o) s.push_back(0.5f + 0.5f * (x.strong - x.weak));
  auto rep = evaluate_pair(s, o, 10);
  auto oc = oracle_curve(o, 10);
  double qa = apgr(oc, rep.q_weak, rep.q_strong);
  EXPECT_GT(rep.apgr, 1.0);  // an oracle beats always-strong
  EXPECT_GT(qa, 1.0);
  // Oracle quality at 0 % is weak, and it never decreases with more strong calls.
  EXPECT_NEAR(oc.front().quality, rep.q_weak, 1e-12);
  for (size_t i = 1; i < oc.size(); ++i) EXPECT_GE(oc[i].quality, oc[i - 1].quality - 1e-12);
  // An inverted router is worse than random.
  for (auto& x : s) x = 1 - x;
  EXPECT_LT(evaluate_pair(s, o, 10).apgr, 0.3);
}

TEST(RouterMetrics, CalibrationIsAQuantile) {
  std::vector<float> s;
  for (int i = 0; i <= 100; ++i) s.push_back(static_cast<float>(i) / 100.0f);
  EXPECT_NEAR(quantile(s, 0.5), 0.5, 1e-6);
  EXPECT_NEAR(calibrate_threshold(s, 0.3), 0.7, 1e-6);
  EXPECT_NEAR(calibrate_threshold(s, 0.0), 1.0, 1e-6);
  EXPECT_NEAR(calibrate_threshold(s, 1.0), 0.0, 1e-6);
  // The share of scores >= threshold matches the target.
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<float> u(0, 1);
  std::vector<float> r(10001);
  for (auto& x : r) x = u(rng);
  double t = calibrate_threshold(r, 0.25);
  double share = 0;
  for (float x : r) share += x >= t;
  EXPECT_NEAR(share / r.size(), 0.25, 0.002);
  // Linear interpolation between order statistics (numpy's default).
  EXPECT_NEAR(quantile({1.0f, 2.0f, 3.0f, 4.0f}, 0.5), 2.5, 1e-6);
}

TEST(RouterMetrics, SvgIsWellFormed) {
  std::vector<CurvePoint> line = {{0, 0.0, 0.6}, {0, 1.0, 0.8}};
  std::string svg = render_svg({{"router", line, "#123456", false}}, "t", 0.6, 0.8);
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
  EXPECT_NE(svg.find("router"), std::string::npos);
}

}  // namespace
}  // namespace sr::router

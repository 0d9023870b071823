#pragma once
// RouteLLM's evaluation, reimplemented: the quality vs strong-call-share curve
// over score-quantile thresholds, PGR, APGR, CPT(x %), the oracle curve, and
// threshold calibration for a target share of strong calls.
//
//   PGR(router)  = (q(router) - q(weak)) / (q(strong) - q(weak))
//   APGR         = area under PGR over strong-call share in [0, 1] (trapezoids)
//   CPT(x)       = smallest strong-call share whose PGR reaches x (linear
//                  interpolation along the curve), NaN when never reached
// Thresholds follow routellm/evals/benchmarks.py: the bins+1 quantiles of the
// scores (min .. max); a prompt goes strong when score >= threshold, except at
// the last (max) threshold where the test is score > max, i.e. 0 % strong.
#include <string>
#include <vector>

namespace sr::router {

//! Quality of the strong and of the weak model on one prompt (0/1 or fraction).
struct PairOutcome {
  float strong = 0;
  float weak = 0;
};

struct CurvePoint {
  double threshold = 0;
  double strong_share = 0;  // 0..1
  double quality = 0;       // mean quality, 0..1
};

//! Curve points sorted by strong share (ascending).
std::vector<CurvePoint> quality_curve(const std::vector<float>& scores, const std::vector<PairOutcome>& outcomes,
                                      int bins = 10);
//! Best achievable quality when `share` of prompts may go strong (RouteLLM's
//! get_optimal_accuracy), at bins+1 evenly spaced shares.
std::vector<CurvePoint> oracle_curve(const std::vector<PairOutcome>& outcomes, int bins = 10);

double mean_strong(const std::vector<PairOutcome>& outcomes);
double mean_weak(const std::vector<PairOutcome>& outcomes);

double pgr(double q_router, double q_weak, double q_strong);
//! Area under PGR vs share; equals (AUC - weak AUC) / (strong AUC - weak AUC)
//! over the span of shares the curve covers, as RouteLLM computes it.
double apgr(const std::vector<CurvePoint>& curve, double q_weak, double q_strong);
//! Minimum strong share (0..1) that reaches `target_pgr`; NaN when never reached.
double cpt(const std::vector<CurvePoint>& curve, double q_weak, double q_strong, double target_pgr);

//! Everything RouteLLM reports for one router on one benchmark.
struct PairReport {
  std::vector<CurvePoint> curve;
  double q_weak = 0, q_strong = 0;
  double apgr = 0;
  double cpt50 = 0, cpt80 = 0;  // strong share 0..1, NaN when never reached
};
PairReport evaluate_pair(const std::vector<float>& scores, const std::vector<PairOutcome>& outcomes, int bins = 10);

//! Linear-interpolation quantile (numpy's default) of `values` at q in [0, 1].
double quantile(std::vector<float> values, double q);
//! Threshold such that a fraction `target_strong_share` of `scores` is >= it
//! (RouteLLM's calibrate_threshold: the (1 - share) quantile).
double calibrate_threshold(const std::vector<float>& scores, double target_strong_share);

//! One named line of an SVG plot.
struct PlotSeries {
  std::string name;
  std::vector<CurvePoint> points;
  std::string color;
  bool dashed = false;
};
//! Quality (%) vs strong calls (%) plot with weak/strong reference lines.
//! x_label lets the N-model plot reuse it (cost instead of strong share).
std::string render_svg(const std::vector<PlotSeries>& series, const std::string& title, double q_weak,
                       double q_strong, const std::string& x_label = "Strong model calls (%)",
                       double x_scale = 100.0);

}  // namespace sr::router

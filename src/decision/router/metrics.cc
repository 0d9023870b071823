#include "decision/router/metrics.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace sr::router {

double quantile(std::vector<float> v, double q) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  q = std::clamp(q, 0.0, 1.0);
  double pos = q * static_cast<double>(v.size() - 1);
  size_t lo = static_cast<size_t>(std::floor(pos));
  size_t hi = std::min(lo + 1, v.size() - 1);
  double frac = pos - static_cast<double>(lo);
  return static_cast<double>(v[lo]) + frac * (static_cast<double>(v[hi]) - static_cast<double>(v[lo]));
}

double calibrate_threshold(const std::vector<float>& scores, double target_strong_share) {
  return quantile(scores, 1.0 - std::clamp(target_strong_share, 0.0, 1.0));
}

double mean_strong(const std::vector<PairOutcome>& o) {
  double s = 0;
  for (const auto& x : o) s += x.strong;
  return o.empty() ? 0.0 : s / static_cast<double>(o.size());
}

double mean_weak(const std::vector<PairOutcome>& o) {
  double s = 0;
  for (const auto& x : o) s += x.weak;
  return o.empty() ? 0.0 : s / static_cast<double>(o.size());
}

std::vector<CurvePoint> quality_curve(const std::vector<float>& scores, const std::vector<PairOutcome>& outcomes,
                                      int bins) {
  std::vector<CurvePoint> out;
  if (scores.empty() || scores.size() != outcomes.size() || bins < 1) return out;
  std::vector<float> sorted = scores;
  std::sort(sorted.begin(), sorted.end());
  const double n = static_cast<double>(scores.size());
  for (int i = 0; i <= bins; ++i) {
    double t = quantile(sorted, static_cast<double>(i) / bins);
    bool last = (i == bins);
    double strong = 0, quality = 0;
    for (size_t j = 0; j < scores.size(); ++j) {
      bool go_strong = last ? (scores[j] > t) : (scores[j] >= t);
      strong += go_strong;
      quality += go_strong ? outcomes[j].strong : outcomes[j].weak;
    }
    out.push_back({t, strong / n, quality / n});
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const CurvePoint& a, const CurvePoint& b) { return a.strong_share < b.strong_share; });
  return out;
}

std::vector<CurvePoint> oracle_curve(const std::vector<PairOutcome>& outcomes, int bins) {
  std::vector<CurvePoint> out;
  if (outcomes.empty()) return out;
  // Route the prompts with the largest strong - weak gain first.
  std::vector<double> gains;
  double base = 0;
  for (const auto& o : outcomes) {
    base += o.weak;
    gains.push_back(static_cast<double>(o.strong) - o.weak);
  }
  std::sort(gains.rbegin(), gains.rend());
  const double n = static_cast<double>(outcomes.size());
  for (int i = 0; i <= bins; ++i) {
    double share = static_cast<double>(i) / bins;
    double calls = share * n;
    double q = base;
    for (size_t j = 0; j < gains.size() && static_cast<double>(j) < calls && gains[j] > 0; ++j) {
      double part = std::min(1.0, calls - static_cast<double>(j));
      q += part * gains[j];
    }
    out.push_back({share, share, q / n});
  }
  return out;
}

double pgr(double q_router, double q_weak, double q_strong) {
  double gap = q_strong - q_weak;
  if (std::abs(gap) < 1e-12) return 0.0;
  return (q_router - q_weak) / gap;
}

double apgr(const std::vector<CurvePoint>& c, double q_weak, double q_strong) {
  if (c.size() < 2) return 0.0;
  double area = 0, span = 0;
  for (size_t i = 1; i < c.size(); ++i) {
    double dx = c[i].strong_share - c[i - 1].strong_share;
    area += dx * 0.5 * (pgr(c[i].quality, q_weak, q_strong) + pgr(c[i - 1].quality, q_weak, q_strong));
    span += dx;
  }
  // RouteLLM divides (AUC - weak AUC) by (strong AUC - weak AUC) over the x span
  // the curve covers; that is the mean PGR over the span (= area for 0..1).
  return span > 0 ? area / span : 0.0;
}

double cpt(const std::vector<CurvePoint>& c, double q_weak, double q_strong, double target) {
  for (size_t i = 0; i < c.size(); ++i) {
    double p = pgr(c[i].quality, q_weak, q_strong);
    if (p >= target) {
      if (i == 0) return c[0].strong_share;
      double p0 = pgr(c[i - 1].quality, q_weak, q_strong);
      double f = (p - p0) > 1e-12 ? (target - p0) / (p - p0) : 1.0;
      return c[i - 1].strong_share + f * (c[i].strong_share - c[i - 1].strong_share);
    }
  }
  return std::numeric_limits<double>::quiet_NaN();
}

PairReport evaluate_pair(const std::vector<float>& scores, const std::vector<PairOutcome>& outcomes, int bins) {
  PairReport r;
  r.q_weak = mean_weak(outcomes);
  r.q_strong = mean_strong(outcomes);
  r.curve = quality_curve(scores, outcomes, bins);
  r.apgr = apgr(r.curve, r.q_weak, r.q_strong);
  r.cpt50 = cpt(r.curve, r.q_weak, r.q_strong, 0.5);
  r.cpt80 = cpt(r.curve, r.q_weak, r.q_strong, 0.8);
  return r;
}

std::string render_svg(const std::vector<PlotSeries>& series, const std::string& title, double q_weak,
                       double q_strong, const std::string& x_label, double x_scale) {
  const double W = 860, H = 480, L = 70, R = 300, T = 40, B = 60;
  double xmin = 0, xmax = 0, ymin = std::min(q_weak, q_strong), ymax = std::max(q_weak, q_strong);
  for (const auto& s : series)
    for (const auto& p : s.points) {
      xmax = std::max(xmax, p.strong_share);
      ymin = std::min(ymin, p.quality);
      ymax = std::max(ymax, p.quality);
    }
  if (xmax <= 0) xmax = 1;
  double pad = (ymax - ymin) * 0.05 + 1e-6;
  ymin -= pad;
  ymax += pad;
  auto X = [&](double x) { return L + (x - xmin) / (xmax - xmin) * (W - L - R); };
  auto Y = [&](double y) { return H - B - (y - ymin) / (ymax - ymin) * (H - T - B); };
  std::string s;
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
                "font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
                W, H);
  s += buf;
  std::snprintf(buf, sizeof buf, "<text x=\"%.0f\" y=\"22\" font-size=\"15\">%s</text>\n", L, title.c_str());
  s += buf;
  for (int i = 0; i <= 5; ++i) {  // grid and tick labels
    double gx = xmin + (xmax - xmin) * i / 5, gy = ymin + (ymax - ymin) * i / 5;
    std::snprintf(buf, sizeof buf,
                  "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>"
                  "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%.3g</text>\n",
                  X(gx), T, X(gx), H - B, X(gx), H - B + 16, gx * x_scale);
    s += buf;
    std::snprintf(buf, sizeof buf,
                  "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>"
                  "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%.1f</text>\n",
                  L, Y(gy), W - R, Y(gy), L - 6, Y(gy) + 4, gy * 100);
    s += buf;
  }
  std::snprintf(buf, sizeof buf,
                "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n"
                "<text transform=\"translate(18,%.1f) rotate(-90)\" text-anchor=\"middle\">Quality (%%)</text>\n",
                (L + W - R) / 2, H - 18, x_label.c_str(), (T + H - B) / 2);
  s += buf;
  auto hline = [&](double y, const char* color, const char* name, int idx) {
    std::snprintf(buf, sizeof buf,
                  "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-dasharray=\"6,4\"/>"
                  "<text x=\"%.1f\" y=\"%.1f\" fill=\"%s\">%s</text>\n",
                  L, Y(y), W - R, Y(y), color, W - R + 10, T + 16.0 * idx, color, name);
    s += buf;
  };
  hline(q_strong, "#c00", "strong only", 0);
  hline(q_weak, "#777", "weak only", 1);
  int idx = 2;
  for (const auto& se : series) {
    std::string pts;
    for (const auto& p : se.points) {
      std::snprintf(buf, sizeof buf, "%.1f,%.1f ", X(p.strong_share), Y(p.quality));
      pts += buf;
    }
    std::snprintf(buf, sizeof buf, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s points=\"",
                  se.color.c_str(), se.dashed ? " stroke-dasharray=\"3,3\"" : "");
    s += buf + pts + "\"/>\n";
    std::snprintf(buf, sizeof buf, "<text x=\"%.1f\" y=\"%.1f\" fill=\"%s\">%s</text>\n", W - R + 10,
                  T + 16.0 * idx, se.color.c_str(), se.name.c_str());
    s += buf;
    ++idx;
  }
  s += "</svg>\n";
  return s;
}

}  // namespace sr::router

// semrouter eval-router: RouteLLM's evaluation of a router on outcome data,
// beside random, length-only, subject-prior and oracle baselines; or, for
// N-model data, quality vs cost against every single model and the best mix.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "decision/router/metrics.h"
#include "decision/router/outcome_data.h"
#include "decision/router/router.h"
#include "decision/router/text_features.h"

namespace sr::apps {

namespace {

void eval_help(FILE* out) {
  std::fprintf(out,
               "usage: semrouter eval-router [--router DIR] --data FILE [options]\n\n"
               "Strong/weak data: sweeps score-quantile thresholds as RouteLLM does and reports\n"
               "APGR, CPT(50%%), CPT(80%%) for the router, a random router, prompt length alone,\n"
               "the per-subject prior (true labels, from the train part of FILE) and the oracle.\n"
               "N-model data: sweeps lambda in quality - lambda * price and reports quality vs cost\n"
               "against every single model and the best fixed mix of two.\n\n"
               "  --router DIR       router folder (default: built-in models/router)\n"
               "  --data FILE        outcome file (JSON Lines or N-model JSON array, .gz ok)\n"
               "  --split S          test | train | all (default test: the held-out prompts)\n"
               "  --holdout PCT      held-out percent used at training (default 20)\n"
               "  --split-salt N     the split salt used at training (default 0)\n"
               "  --bins N           threshold quantile bins (default 10, as RouteLLM)\n"
               "  --svg FILE         write the curve plot\n"
               "  --table FILE       write the metrics as a Markdown table\n"
               "  --prices FILE      N-model price table (default multi_model_prices.json beside data)\n"
               "  --contaminated F   prompts to drop (default: beside the data file)\n"
               "  --pair STRONG,WEAK  treat N-model data as strong/weak data for these models\n"
               "                     (each side may average models joined by '+')\n"
               "                     (tests a strong/weak router on prompts unlike its training data)\n"
               "  --bootstrap N      report APGR +- std over N bootstrap resamples (default 200)\n"
               "  --name NAME        router name in tables and plots\n");
}

struct Row {
  std::string name;
  router::PairReport rep;
};

std::string pct(double x) {
  if (std::isnan(x)) return "n/a";
  char b[32];
  std::snprintf(b, sizeof b, "%.1f%%", x * 100);
  return b;
}

// Writes --table and --svg (when given); an unwritable path is reported with
// the OS error and makes the command fail (exit 1) instead of passing silently.
int write_outputs(const std::string& table, const std::string& table_text, const std::string& svg,
                  const std::string& svg_text) {
  int rc = 0;
  std::string err;
  if (!table.empty() && !write_text_file(table, table_text, &err)) {
    std::fprintf(stderr, "semrouter eval-router: --table: %s\n", err.c_str());
    rc = 1;
  }
  if (!svg.empty() && !write_text_file(svg, svg_text, &err)) {
    std::fprintf(stderr, "semrouter eval-router: --svg: %s\n", err.c_str());
    rc = 1;
  }
  return rc;
}

struct MultiResult {
  std::string text;  // Markdown tables
  std::vector<router::CurvePoint> curve, singles, hull;
};

// The N-model evaluation; throws std::runtime_error with a plain message.
MultiResult compute_multi(const router::Router& r, const router::OutcomeSet& data, const std::string& prices_path) {
  std::map<std::string, double> price_of;
  try {
    std::ifstream f(prices_path);
    if (!f) throw std::runtime_error("cannot open " + prices_path);
    auto j = nlohmann::json::parse(f);
    for (auto& [k, v] : j.items())
      price_of[k] = router::blended_price(v.at("input_price").get<double>(), v.at("output_price").get<double>());
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("prices: ") + e.what());
  }
  // Router models must match the data's models (same order by name).
  std::vector<int> col;  // router model index -> data column
  std::vector<double> prices;
  for (const auto& m : r.models()) {
    auto it = std::find(data.models.begin(), data.models.end(), m);
    if (it == data.models.end()) throw std::runtime_error("router model " + m + " is not in the data");
    if (!price_of.count(m)) throw std::runtime_error("router model " + m + " has no price in " + prices_path);
    col.push_back(static_cast<int>(it - data.models.begin()));
    prices.push_back(price_of[m]);
  }
  const size_t n = data.rows.size(), m = col.size();
  std::vector<std::vector<float>> q(n);
  for (size_t i = 0; i < n; ++i) q[i] = r.expected_quality(data.rows[i].text);
  std::vector<router::CurvePoint> curve;
  std::string out = "| lambda | mean price | quality |\n|---|---|---|\n";
  for (double lambda : {0.0, 0.01, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1.0, 2.0, 5.0}) {
    double cost = 0, qual = 0;
    for (size_t i = 0; i < n; ++i) {
      auto c = router::choose_model(q[i], prices, lambda);
      cost += c.price;
      qual += data.rows[i].quality[static_cast<size_t>(col[static_cast<size_t>(c.model)])];
    }
    curve.push_back({lambda, cost / n, qual / n});
    char b[128];
    std::snprintf(b, sizeof b, "| %.2f | %.3f | %.1f%% |\n", lambda, cost / n, qual / n * 100);
    out += b;
  }
  std::vector<router::CurvePoint> singles;
  out += "\n| single model | price | quality |\n|---|---|---|\n";
  for (size_t k = 0; k < m; ++k) {
    double s = 0;
    for (const auto& ex : data.rows) s += ex.quality[static_cast<size_t>(col[k])];
    singles.push_back({0, prices[k], s / n});
    char b[160];
    std::snprintf(b, sizeof b, "| %s | %.2f | %.1f%% |\n", r.models()[k].c_str(), prices[k], s / n * 100);
    out += b;
  }
  // Best fixed mix: the upper concave hull of single models (random mixing of two).
  auto pts = singles;
  std::sort(pts.begin(), pts.end(), [](auto& a, auto& b) { return a.strong_share < b.strong_share; });
  std::vector<router::CurvePoint> hull;
  for (const auto& p : pts) {
    if (!hull.empty() && p.quality <= hull.back().quality) continue;
    while (hull.size() >= 2) {
      auto& a = hull[hull.size() - 2];
      auto& b = hull.back();
      double cross = (b.strong_share - a.strong_share) * (p.quality - a.quality) -
                     (b.quality - a.quality) * (p.strong_share - a.strong_share);
      if (cross >= 0) hull.pop_back();
      else break;
    }
    hull.push_back(p);
  }
  auto mix_at = [&](double cost) {
    if (cost <= hull.front().strong_share) return hull.front().quality;
    for (size_t i = 1; i < hull.size(); ++i)
      if (cost <= hull[i].strong_share)
        return hull[i - 1].quality + (cost - hull[i - 1].strong_share) / (hull[i].strong_share - hull[i - 1].strong_share) *
                                         (hull[i].quality - hull[i - 1].quality);
    return hull.back().quality;
  };
  out += "\n| lambda | router quality | best fixed mix at same price | gain |\n|---|---|---|---|\n";
  for (const auto& p : curve) {
    char b[160];
    std::snprintf(b, sizeof b, "| %.2f | %.1f%% | %.1f%% | %+.1f pts |\n", p.threshold, p.quality * 100,
                  mix_at(p.strong_share) * 100, (p.quality - mix_at(p.strong_share)) * 100);
    out += b;
  }
  return {out, curve, singles, hull};
}

int eval_multi(const router::Router& r, const router::OutcomeSet& data, const std::string& prices_path,
               const std::string& svg, const std::string& table, const std::string& name) {
  MultiResult res;
  try {
    res = compute_multi(r, data, prices_path);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "semrouter eval-router: %s\n", e.what());
    return 1;
  }
  const std::string& out = res.text;
  const auto &curve = res.curve, &singles = res.singles, &hull = res.hull;
  std::printf("%s", out.c_str());
  std::string svg_text;
  if (!svg.empty()) {
    std::vector<router::PlotSeries> s = {{name + " (lambda sweep)", curve, "#1f77b4", false},
                                         {"best fixed mix", hull, "#2ca02c", true}};
    double lo = 1, hi = 0;
    for (auto& p : singles) lo = std::min(lo, p.quality), hi = std::max(hi, p.quality);
    svg_text = router::render_svg(s, "Quality vs price, N models", lo, hi, "Mean price (USD / M tokens)", 1.0);
  }
  return write_outputs(table, out, svg, svg_text);
}

}  // namespace

std::string multi_model_report(const router::Router& r, const router::OutcomeSet& data, const std::string& prices_path) {
  return compute_multi(r, data, prices_path).text;
}

int cmd_eval_router(int argc, char** argv) {
  std::string router_dir, data_path, split = "test", svg, table, prices, contaminated, name, pair;
  int holdout = 20, bins = 10, bootstrap = 200;
  uint64_t salt = 0;
  int rc = parse_options("eval-router", argc, argv, eval_help, [&](const Option& o) {
    if (o.is("--router")) router_dir = o.value();
    else if (o.is("--data")) data_path = o.value();
    else if (o.is("--split")) split = o.value();
    else if (o.is("--holdout")) holdout = static_cast<int>(o.int_in(0, 90));
    else if (o.is("--split-salt")) salt = o.u64();
    else if (o.is("--bins")) bins = static_cast<int>(o.int_in(1, 1000));
    else if (o.is("--svg")) svg = o.value();
    else if (o.is("--table")) table = o.value();
    else if (o.is("--prices")) prices = o.value();
    else if (o.is("--contaminated")) contaminated = o.value();
    else if (o.is("--name")) name = o.value();
    else if (o.is("--pair")) pair = o.value();
    else if (o.is("--bootstrap")) bootstrap = static_cast<int>(o.int_in(0, 100000));
    else return false;
    return true;
  });
  if (rc >= 0) return rc;
  if (split != "test" && split != "train" && split != "all") {
    std::fprintf(stderr, "semrouter eval-router: --split wants test, train or all, got \"%s\"\n", split.c_str());
    return 2;
  }
  if (data_path.empty()) {
    eval_help(stderr);
    return 2;
  }
  auto r = router::load_router(router_dir);
  if (!r) {
    std::fprintf(stderr, "semrouter eval-router: %s\n", r.error().message.c_str());
    return 1;
  }
  if (name.empty()) name = std::string((*r)->kind());
  auto all = router::load_outcome_file(data_path, contaminated);
  if (!all) {
    std::fprintf(stderr, "semrouter eval-router: %s\n", all.error().message.c_str());
    return 1;
  }
  if (!pair.empty()) {
    auto p = router::to_pairwise(*all, pair);
    if (!p) {
      std::fprintf(stderr, "semrouter eval-router: %s\n", p.error().message.c_str());
      return 2;
    }
    *all = std::move(*p);
  }
  router::OutcomeSet data = split == "all" ? *all : router::split_part(*all, holdout, split == "test", salt);
  if (data.rows.empty()) {
    std::fprintf(stderr, "semrouter eval-router: no rows in split '%s'\n", split.c_str());
    return 1;
  }
  std::fprintf(stderr, "eval-router: %zu prompts (%s split of %s)\n", data.rows.size(), split.c_str(), data_path.c_str());
  if (!data.pairwise() && (*r)->strong_index() >= 0) {
    std::string names;
    for (const auto& m : data.models) names += (names.empty() ? "" : ", ") + m;
    std::fprintf(stderr,
                 "semrouter eval-router: %s has %zu models (%s) and router '%s' is a strong/weak router; give "
                 "--pair STRONG,WEAK with two of these models (each side may average models joined by '+') to "
                 "evaluate it as strong vs weak\n",
                 data_path.c_str(), data.models.size(), names.c_str(), name.c_str());
    return 2;
  }
  if (!data.pairwise()) {
    if (prices.empty())
      prices = (std::filesystem::path(data_path).parent_path() / "multi_model_prices.json").string();
    return eval_multi(**r, data, prices, svg, table, name);
  }
  if ((*r)->strong_index() < 0) {
    std::string names;
    for (const auto& m : (*r)->models()) names += (names.empty() ? "" : ", ") + m;
    std::fprintf(stderr,
                 "semrouter eval-router: router '%s' was trained on N-model data (%s) and has no strong/weak pair; "
                 "%s is strong/weak data, so evaluate this router on N-model data\n",
                 name.c_str(), names.c_str(), data_path.c_str());
    return 2;
  }
  std::vector<router::PairOutcome> o;
  std::vector<float> s_router, s_len, s_prior;
  for (const auto& ex : data.rows) o.push_back({ex.quality[1], ex.quality[0]});
  for (const auto& ex : data.rows) {
    s_router.push_back((*r)->score(ex.text));
    s_len.push_back(static_cast<float>(ex.text.size()));
  }
  std::vector<Row> rows;
  rows.push_back({name, router::evaluate_pair(s_router, o, bins)});
  // Bootstrap spread of the router's APGR: how much of a difference is noise.
  double boot_sd = 0;
  if (bootstrap > 1) {
    std::mt19937_64 rng(12345);
    double sum = 0, sum2 = 0;
    std::vector<float> bs(o.size());
    std::vector<router::PairOutcome> bo(o.size());
    for (int b = 0; b < bootstrap; ++b) {
      for (size_t i = 0; i < o.size(); ++i) {
        size_t j = rng() % o.size();
        bs[i] = s_router[j];
        bo[i] = o[j];
      }
      double a = router::evaluate_pair(bs, bo, bins).apgr;
      sum += a, sum2 += a * a;
    }
    boot_sd = std::sqrt(std::max(0.0, sum2 / bootstrap - (sum / bootstrap) * (sum / bootstrap)));
  }
  // Random router: mean over 10 seeds (one seed is noisy on 2k prompts).
  {
    Row rnd{"random (mean of 10 seeds)", {}};
    double a = 0, c5 = 0, c8 = 0;
    for (int seed = 0; seed < 10; ++seed) {
      std::mt19937_64 rng(static_cast<uint64_t>(seed));
      std::uniform_real_distribution<float> u(0, 1);
      std::vector<float> s(o.size());
      for (auto& x : s) x = u(rng);
      auto rep = router::evaluate_pair(s, o, bins);
      if (seed == 0) rnd.rep = rep;
      a += rep.apgr, c5 += rep.cpt50, c8 += rep.cpt80;
    }
    rnd.rep.apgr = a / 10, rnd.rep.cpt50 = c5 / 10, rnd.rep.cpt80 = c8 / 10;
    rows.push_back(rnd);
  }
  rows.push_back({"prompt length", router::evaluate_pair(s_len, o, bins)});
  // Subject prior with true labels, estimated on the train part of the same file.
  {
    auto train = router::split_part(*all, holdout, false, salt);
    std::map<std::string, std::pair<double, double>> g;  // group -> (gain sum, count)
    for (const auto& ex : train.rows) {
      auto& e = g[ex.group];
      e.first += ex.quality[1] - ex.quality[0];
      e.second += 1;
    }
    if (g.size() > 1 && split == "test") {
      for (const auto& ex : data.rows) {
        auto it = g.find(ex.group);
        s_prior.push_back(it == g.end() ? 0.0f : static_cast<float>(it->second.first / it->second.second));
      }
      rows.push_back({"subject prior (true labels)", router::evaluate_pair(s_prior, o, bins)});
    }
  }
  auto oracle = router::oracle_curve(o, bins);
  router::PairReport orep;
  orep.q_weak = router::mean_weak(o);
  orep.q_strong = router::mean_strong(o);
  orep.curve = oracle;
  orep.apgr = router::apgr(oracle, orep.q_weak, orep.q_strong);
  orep.cpt50 = router::cpt(oracle, orep.q_weak, orep.q_strong, 0.5);
  orep.cpt80 = router::cpt(oracle, orep.q_weak, orep.q_strong, 0.8);
  rows.push_back({"oracle", orep});

  // PGR divides by q(strong) - q(weak): with no gap (e.g. strong == weak on
  // every row) APGR, CPT and PGR are undefined, not 0.000 / nan.
  const bool no_gap = std::abs(orep.q_strong - orep.q_weak) < 1e-12;
  auto apgr_text = [&](double a) {
    if (no_gap) return std::string("undefined");
    char t[32];
    std::snprintf(t, sizeof t, "%.3f", a);
    return std::string(t);
  };
  auto cpt_text = [&](double c) { return no_gap ? std::string("undefined") : pct(c); };
  char b[512];
  std::string out;
  std::snprintf(b, sizeof b, "%zu prompts; weak %.1f%%, strong %.1f%%; %d threshold bins\n\n", o.size(),
                orep.q_weak * 100, orep.q_strong * 100, bins);
  out += b;
  if (no_gap) {
    std::snprintf(b, sizeof b,
                  "APGR, CPT and PGR are undefined here: the strong and weak models have the same mean quality "
                  "(%.1f%%) on these %zu prompts, so there is no gap for a router to recover.\n\n",
                  orep.q_strong * 100, o.size());
    out += b;
    std::fprintf(stderr, "eval-router: %s", b);
  } else if (bootstrap > 1) {
    std::snprintf(b, sizeof b, "%s APGR bootstrap std over %d resamples: %.3f\n\n", name.c_str(), bootstrap, boot_sd);
    out += b;
  }
  out += "| method | APGR | CPT(50%) | CPT(80%) |\n|---|---|---|---|\n";
  for (const auto& row : rows) {
    std::snprintf(b, sizeof b, "| %s | %s | %s | %s |\n", row.name.c_str(), apgr_text(row.rep.apgr).c_str(),
                  cpt_text(row.rep.cpt50).c_str(), cpt_text(row.rep.cpt80).c_str());
    out += b;
  }
  out += "\n| threshold | strong calls | quality | PGR |\n|---|---|---|---|\n";
  for (const auto& p : rows[0].rep.curve) {
    std::snprintf(b, sizeof b, "| %.4f | %.1f%% | %.2f%% | %s |\n", p.threshold, p.strong_share * 100,
                  p.quality * 100, apgr_text(router::pgr(p.quality, orep.q_weak, orep.q_strong)).c_str());
    out += b;
  }
  std::printf("%s", out.c_str());
  std::string svg_text;
  if (!svg.empty()) {
    const char* colors[] = {"#1f77b4", "#999999", "#ff7f0e", "#9467bd", "#2ca02c"};
    std::vector<router::PlotSeries> series;
    for (size_t k = 0; k < rows.size(); ++k) {
      std::string lab = rows[k].name + " (APGR " + apgr_text(rows[k].rep.apgr) + ")";
      series.push_back({lab, rows[k].rep.curve, colors[std::min<size_t>(k, 4)], k > 0});
    }
    std::string title = "Quality vs strong calls: " + std::filesystem::path(data_path).filename().string() + " (" +
                        split + ")";
    double lo = orep.q_weak, hi = orep.q_strong;
    if (no_gap) lo -= 0.05, hi += 0.05;  // a flat plot still needs a y range
    svg_text = router::render_svg(series, title, lo, hi);
  }
  return write_outputs(table, out, svg, svg_text);
}

}  // namespace sr::apps

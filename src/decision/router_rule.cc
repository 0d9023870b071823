#include "decision/router_rule.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <span>

namespace sr::decision {

double blended_price(const config::Model& m) { return router::blended_price(m.price.input_per_mtok, m.price.output_per_mtok); }

double estimated_cost(const config::Model& m, double input_tokens, double output_tokens) {
  return (input_tokens * m.price.input_per_mtok + output_tokens * m.price.output_per_mtok) / 1e6;
}

double estimate_input_tokens(size_t text_bytes, size_t messages) {
  return std::ceil(static_cast<double>(text_bytes) / 4.0) + 4.0 * static_cast<double>(messages);
}

ShareController::ShareController(double share, double initial_threshold)
    : share_(share), ring_(1024, 0.0f), threshold_(initial_threshold) {}

double ShareController::threshold() const {
  std::lock_guard<std::mutex> lock(mu_);
  return threshold_;
}

void ShareController::observe(float score) {
  std::lock_guard<std::mutex> lock(mu_);
  ring_[next_] = score;
  next_ = (next_ + 1) % ring_.size();
  filled_ = std::min(filled_ + 1, ring_.size());
  // Re-estimate every 32 scores once there is enough history: nth_element on
  // at most 1024 floats is a few microseconds, amortised to well under one.
  if (filled_ < 64 || ++since_ < 32) return;
  since_ = 0;
  std::vector<float> tmp(ring_.begin(), ring_.begin() + static_cast<long>(filled_));
  double q = std::clamp(1.0 - share_, 0.0, 1.0);
  size_t k = static_cast<size_t>(std::floor(q * static_cast<double>(tmp.size() - 1)));
  std::nth_element(tmp.begin(), tmp.begin() + static_cast<long>(k), tmp.end());
  threshold_ = share_ <= 0 ? std::numeric_limits<double>::infinity() : tmp[k];
}

Result<std::unique_ptr<RouterRule>> RouterRule::create(const config::RouterAction& a, router::RouterPtr router,
                                                       const config::Config& cfg) {
  auto rr = std::make_unique<RouterRule>();
  rr->router_ = std::move(router);
  const auto& names = rr->router_->models();
  if (!a.model_map.empty()) {
    rr->mapped_.assign(names.size(), nullptr);
    for (const auto& [rname, cname] : a.model_map) {
      auto it = std::find(names.begin(), names.end(), rname);
      if (it == names.end()) {
        std::string known;
        for (const auto& n : names) known += " " + n;
        return fail(ErrorCode::kConfigInvalid, cfg.source + ":" + std::to_string(a.line) + ": router \"" + a.router +
                                                   "\" has no model \"" + rname + "\" (its models:" + known + ")");
      }
      rr->mapped_[static_cast<size_t>(it - names.begin())] = cfg.find_model(cname);
    }
    // Unmapped models cost infinity, so no budget can ever admit one.
    rr->prices_.assign(names.size(), std::numeric_limits<double>::infinity());
    for (size_t i = 0; i < names.size(); ++i)
      if (rr->mapped_[i]) rr->prices_[i] = blended_price(*rr->mapped_[i]);
    double best = std::numeric_limits<double>::infinity();
    for (size_t i = 0; i < names.size(); ++i)
      if (rr->mapped_[i] && rr->prices_[i] < best) { best = rr->prices_[i]; rr->cheapest_ = static_cast<int>(i); }
    if (a.budget >= 0 && rr->cheapest_ >= 0 && !(rr->prices_[static_cast<size_t>(rr->cheapest_)] <= a.budget)) {
      char msg[160];
      std::snprintf(msg, sizeof msg, ": budget %.6g admits none of the rule's models (cheapest: %s at %.6g USD per Mtok)",
                    a.budget, rr->mapped_[static_cast<size_t>(rr->cheapest_)]->name.c_str(),
                    rr->prices_[static_cast<size_t>(rr->cheapest_)]);
      return fail(ErrorCode::kConfigInvalid, cfg.source + ":" + std::to_string(a.line) + msg);
    }
    double top = -1;  // the "always strong" baseline for cost saved
    for (size_t i = 0; i < names.size(); ++i)
      if (rr->mapped_[i] && rr->prices_[i] > top) { top = rr->prices_[i]; rr->most_expensive_ = rr->mapped_[i]; }
    rr->lambda_ = a.lambda;
    rr->budget_ = a.budget;
    rr->max_cost_usd_ = a.max_cost_usd;
    rr->expected_output_tokens_ = a.expected_output_tokens;
    return rr;
  }
  if (rr->router_->strong_index() < 0)
    return fail(ErrorCode::kConfigInvalid, cfg.source + ":" + std::to_string(a.line) + ": router \"" + a.router +
                                               "\" was trained on N-model data; map its models with `models:`");
  rr->strong_ = cfg.find_model(a.strong);
  rr->weak_ = cfg.find_model(a.weak);
  rr->threshold_ = a.threshold;
  rr->max_cost_usd_ = a.max_cost_usd;
  rr->expected_output_tokens_ = a.expected_output_tokens;
  // Start from the quantile of the router's own training scores, then follow live traffic.
  if (a.strong_share >= 0)
    rr->share_ = std::make_unique<ShareController>(a.strong_share, rr->router_->default_threshold(a.strong_share));
  return rr;
}

RouterPick RouterRule::pick(std::string_view prompt, double request_budget, const RequestCost& cost, bool observe) const {
  RouterPick p;
  // The cost cap: the tighter of the rule's and the caller's.
  double cap = max_cost_usd_;
  if (cost.max_usd >= 0) cap = cap < 0 ? cost.max_usd : std::min(cap, cost.max_usd);
  p.max_usd = cap;
  const double out_tokens = static_cast<double>(cost.max_output_tokens >= 0 ? cost.max_output_tokens : expected_output_tokens_) *
                            static_cast<double>(std::max<uint32_t>(cost.choices, 1));
  auto usd = [&](const config::Model& m) { return estimated_cost(m, cost.input_tokens, out_tokens); };

  if (!mapped_.empty()) {
    const std::vector<float> q = router_->expected_quality(prompt);
    // prices_ is infinite for unmapped models, so none is ever chosen.
    const int preferred = router::choose_model(q, prices_, lambda_).model;
    double budget = budget_ < 0 ? std::numeric_limits<double>::infinity() : budget_;
    if (request_budget >= 0) budget = std::min(budget, request_budget);
    std::vector<double> capped;
    std::span<const double> prices = prices_;
    if (cap >= 0) {
      // Over the cost cap: unchoosable, like an unmapped model.
      capped = prices_;
      for (size_t i = 0; i < capped.size(); ++i)
        if (mapped_[i] && usd(*mapped_[i]) > cap) capped[i] = std::numeric_limits<double>::infinity();
      prices = capped;
    }
    int chosen = router::choose_model(q, prices, lambda_, budget).model;
    if (chosen < 0) {
      // Nothing fits every cap: still answer (refusing is the budget guard's
      // call), with the cheapest model for this request (by estimate when a
      // cost cap applies) among those the rule's own budget admits; the load
      // check guarantees there is one, and the rule's budget is never broken.
      const double rule_budget = budget_ < 0 ? std::numeric_limits<double>::infinity() : budget_;
      double best = std::numeric_limits<double>::infinity();
      for (size_t i = 0; i < mapped_.size(); ++i) {
        if (!mapped_[i] || !(prices_[i] <= rule_budget)) continue;
        const double c = cap >= 0 ? usd(*mapped_[i]) : prices_[i];
        if (c < best || chosen < 0) { best = c; chosen = static_cast<int>(i); }
      }
      if (chosen < 0) chosen = cheapest_;
    }
    p.model = mapped_[static_cast<size_t>(chosen)];
    p.expected_quality = q[static_cast<size_t>(chosen)];
    p.budget_limited = preferred >= 0 && chosen != preferred;  // no preference (all NaN): nothing was limited
    p.most_expensive = most_expensive_;
    if (cap >= 0) p.estimated_usd = usd(*p.model);
    return p;
  }
  p.score = router_->score(prompt);
  p.threshold = share_ ? share_->threshold() : threshold_;
  p.model = router::route_strong(p.score, p.threshold) ? strong_ : weak_;
  p.most_expensive = strong_;
  if (share_ && observe) share_->observe(p.score);
  if (cap >= 0) {
    // Strong that does not fit goes weak; if neither fits, the cheaper one.
    const config::Model* other = p.model == strong_ ? weak_ : strong_;
    const double mine = usd(*p.model), theirs = usd(*other);
    if (mine > cap && theirs < mine) {
      p.model = other;
      p.budget_limited = true;
    }
    p.estimated_usd = usd(*p.model);
  }
  return p;
}

}  // namespace sr::decision

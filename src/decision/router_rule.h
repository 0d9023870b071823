#pragma once
// A rule whose model is chosen by a cost-quality router: strong/weak with a
// fixed threshold or a target share of strong calls, or N models maximising
// expected quality minus lambda x price within an optional budget.
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "config/config.h"
#include "decision/router/router.h"

namespace sr::decision {

//! Keeps the strong-call share near a target by using, as threshold, the
//! (1 - share) quantile of the most recent scores (RouteLLM calibrates the same
//! quantile offline; online it follows the traffic actually seen).
class ShareController {
 public:
  ShareController(double share, double initial_threshold);
  double threshold() const;
  void observe(float score);

 private:
  double share_;
  mutable std::mutex mu_;  // guards ring_, next_, filled_, threshold_, since_
  std::vector<float> ring_;
  size_t next_ = 0;
  size_t filled_ = 0;
  double threshold_;
  int since_ = 0;
};

//! What a request may cost, for budget-aware routing. The pipeline fills it
//! from the request; the rule adds its own cap and output-token assumption.
struct RequestCost {
  double input_tokens = 0;         //!< estimated prompt tokens
  int64_t max_output_tokens = -1;  //!< the request's max_completion_tokens / max_tokens, -1 = unset
  uint32_t choices = 1;            //!< n
  double max_usd = -1;             //!< caller's cap (header, remaining per-key budget), -1 = none
};

struct RouterPick {
  const config::Model* model = nullptr;
  float score = -1;            //!< strong/weak score (-1 in N-model mode)
  double threshold = -1;
  double expected_quality = -1;
  const config::Model* most_expensive = nullptr;  //!< the "always strong" baseline for savings
  double max_usd = -1;         //!< the cost cap that applied, -1 = none
  double estimated_usd = -1;   //!< estimated cost of this request on `model` (when capped)
  //! The cap changed the choice: the router preferred a model it did not fit.
  bool budget_limited = false;
};

class RouterRule {
 public:
  //! Binds a rule's router action to a loaded router and configured models.
  static Result<std::unique_ptr<RouterRule>> create(const config::RouterAction& a, router::RouterPtr router,
                                                    const config::Config& cfg);
  //! Scores the prompt and picks a model. Thread-safe. `budget` >= 0 caps the
  //! blended price (USD per million tokens) for this request in N-model mode,
  //! tightening the rule's own budget (a request can never loosen it). `cost`
  //! caps the estimated USD of this request (both modes): a model whose
  //! estimate exceeds the tighter of the rule's max_cost_usd and cost.max_usd
  //! is passed over; if none fits, the cheapest estimate is chosen (whether
  //! to refuse a request is the budget guard's call, not the router's).
  //! `observe` false: a dry run, which a strong_share rule does not count.
  RouterPick pick(std::string_view prompt, double budget = -1, const RequestCost& cost = {}, bool observe = true) const;
  const router::Router& router() const { return *router_; }

 private:
  router::RouterPtr router_;
  const config::Model* strong_ = nullptr;
  const config::Model* weak_ = nullptr;
  double threshold_ = -1;
  std::unique_ptr<ShareController> share_;
  // N-model mode: configured model per router model index (null = not mapped).
  std::vector<const config::Model*> mapped_;
  std::vector<double> prices_;
  int cheapest_ = -1;  //!< mapped model with the lowest price
  const config::Model* most_expensive_ = nullptr;  //!< mapped model with the highest price
  double lambda_ = 0, budget_ = -1;
  double max_cost_usd_ = -1;
  int64_t expected_output_tokens_ = 512;
};

//! Blended price per million tokens used for routing (router::blended_price).
double blended_price(const config::Model& m);
//! Estimated USD of a request on `m`: tokens times the model's two prices.
double estimated_cost(const config::Model& m, double input_tokens, double output_tokens);
//! Prompt tokens of a request, estimated as OpenAI's tokenizers average on
//! English: about 4 bytes a token, plus a few tokens of framing per message.
double estimate_input_tokens(size_t text_bytes, size_t messages);

}  // namespace sr::decision

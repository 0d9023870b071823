// RouterRule: how a cost cap (the rule's max_cost_usd, a request's cap, a
// key's remaining budget) changes the router's choice, in both modes.
#include "decision/router_rule.h"

#include <limits>

#include <gtest/gtest.h>

namespace sr::decision {
namespace {

// Fixed expected qualities per model, whatever the prompt.
class FixedRouter final : public router::Router {
 public:
  FixedRouter(std::vector<std::string> models, std::vector<float> q, int strong, int weak)
      : Router(std::move(models), strong, weak, nullptr), q_(std::move(q)) {}
  std::string_view kind() const override { return "fixed"; }
  std::vector<float> expected_quality(std::string_view) const override { return q_; }
  void save_sections(router::ModelWriter&, const std::string&) const override {}

 private:
  std::vector<float> q_;
};

// Prices: cheap 0.1/0.2, mid 1/2, top 10/30 USD per million tokens.
config::Config models_config() {
  auto cfg = config::load_config_string(
      "version: 1\nrouting:\n  default: cheap\nmodels:\n"
      "  - name: cheap\n    url: http://a/v1\n    price: { input_per_mtok: 0.1, output_per_mtok: 0.2 }\n"
      "  - name: mid\n    url: http://b/v1\n    price: { input_per_mtok: 1, output_per_mtok: 2 }\n"
      "  - name: top\n    url: http://c/v1\n    price: { input_per_mtok: 10, output_per_mtok: 30 }\n",
      "test.yaml");
  EXPECT_TRUE(cfg) << cfg.error().message;
  return std::move(*cfg);
}

config::RouterAction n_model_action(double max_cost = -1) {
  config::RouterAction a;
  a.router = "r";
  a.model_map = {{"A", "cheap"}, {"B", "mid"}, {"C", "top"}};
  a.max_cost_usd = max_cost;
  return a;
}

TEST(EstimatedCost, TokensTimesBothPrices) {
  config::Config cfg = models_config();
  EXPECT_DOUBLE_EQ(estimated_cost(*cfg.find_model("top"), 1000, 500), (1000 * 10.0 + 500 * 30.0) / 1e6);
  EXPECT_DOUBLE_EQ(estimated_cost(*cfg.find_model("cheap"), 0, 0), 0.0);
  // About 4 bytes a token, plus framing per message.
  EXPECT_DOUBLE_EQ(estimate_input_tokens(400, 1), 104.0);
  EXPECT_DOUBLE_EQ(estimate_input_tokens(401, 2), 109.0);
}

TEST(RouterRuleCost, NModelSkipsModelsOverTheCapForTheNextBest) {
  config::Config cfg = models_config();
  auto router = std::make_shared<FixedRouter>(std::vector<std::string>{"A", "B", "C"}, std::vector<float>{0.5f, 0.7f, 0.9f}, -1, -1);
  auto rr = RouterRule::create(n_model_action(), router, cfg);
  ASSERT_TRUE(rr) << rr.error().message;
  RequestCost cost;
  cost.input_tokens = 1000;
  cost.max_output_tokens = 1000;  // top: 0.04 USD, mid: 0.003, cheap: 0.0003
  RouterPick free = (*rr)->pick("p", -1, cost);
  EXPECT_EQ(free.model->name, "top");
  EXPECT_FALSE(free.budget_limited);
  EXPECT_LT(free.estimated_usd, 0);  // no cap, no estimate reported

  cost.max_usd = 0.01;
  RouterPick capped = (*rr)->pick("p", -1, cost);
  EXPECT_EQ(capped.model->name, "mid");
  EXPECT_TRUE(capped.budget_limited);
  EXPECT_NEAR(capped.estimated_usd, 0.003, 1e-12);
  EXPECT_DOUBLE_EQ(capped.max_usd, 0.01);

  // Nothing fits: the cheapest estimate, still answered.
  cost.max_usd = 0.00001;
  RouterPick none = (*rr)->pick("p", -1, cost);
  EXPECT_EQ(none.model->name, "cheap");
  EXPECT_TRUE(none.budget_limited);

  // A cap that fits the preferred model changes nothing.
  cost.max_usd = 1;
  RouterPick roomy = (*rr)->pick("p", -1, cost);
  EXPECT_EQ(roomy.model->name, "top");
  EXPECT_FALSE(roomy.budget_limited);
}

TEST(RouterRulePrice, PriceBudgetsAndWhatIsReported) {
  config::Config cfg = models_config();
  auto router = std::make_shared<FixedRouter>(std::vector<std::string>{"A", "B", "C"}, std::vector<float>{0.5f, 0.7f, 0.9f}, -1, -1);
  // Blended prices (mean of input and output): cheap 0.15, mid 1.5, top 20.
  EXPECT_DOUBLE_EQ(blended_price(*cfg.find_model("top")), 20.0);
  config::RouterAction a = n_model_action();
  a.budget = 2;
  auto rr = RouterRule::create(a, router, cfg);
  ASSERT_TRUE(rr) << rr.error().message;
  RouterPick p = (*rr)->pick("p");
  EXPECT_EQ(p.model->name, "mid");
  EXPECT_TRUE(p.budget_limited);
  EXPECT_FLOAT_EQ(static_cast<float>(p.expected_quality), 0.7f);
  EXPECT_EQ(p.most_expensive->name, "top");
  // A request's cap below every model: the cheapest still answers, and the
  // reported quality is that model's, not an empty choice's.
  p = (*rr)->pick("p", 0);
  EXPECT_EQ(p.model->name, "cheap");
  EXPECT_FLOAT_EQ(static_cast<float>(p.expected_quality), 0.5f);
  EXPECT_TRUE(p.budget_limited);
  // A looser request cap cannot loosen the rule's.
  EXPECT_EQ((*rr)->pick("p", 100).model->name, "mid");
  // A rule budget no model fits is a config error, not a silent fallback.
  a.budget = 0.1;
  auto bad = RouterRule::create(a, router, cfg);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("admits none of the rule's models (cheapest: cheap at 0.15"), std::string::npos)
      << bad.error().message;
}

TEST(RouterRulePrice, LambdaTradesQualityForPrice) {
  config::Config cfg = models_config();
  auto router = std::make_shared<FixedRouter>(std::vector<std::string>{"A", "B", "C"}, std::vector<float>{0.5f, 0.7f, 0.9f}, -1, -1);
  config::RouterAction a = n_model_action();
  a.lambda = 0.005;  // utilities 0.49925, 0.6925, 0.8
  EXPECT_EQ((*RouterRule::create(a, router, cfg))->pick("p").model->name, "top");
  a.lambda = 0.05;  // 0.4925, 0.625, -0.1
  EXPECT_EQ((*RouterRule::create(a, router, cfg))->pick("p").model->name, "mid");
  a.lambda = 1;  // 0.35, -0.8, -19.1
  RouterPick p = (*RouterRule::create(a, router, cfg))->pick("p");
  EXPECT_EQ(p.model->name, "cheap");
  EXPECT_FALSE(p.budget_limited) << "lambda is a preference, not a cap";
}

// Nothing fits both the rule's price budget and the cost cap: the fallback
// still keeps to the rule's budget (found by review: it took the cheapest
// estimate, whose blended price was over the budget).
TEST(RouterRuleCost, FallbackNeverBreaksTheRuleBudget) {
  auto cfg = config::load_config_string(
      "version: 1\nrouting:\n  default: inheavy\nmodels:\n"
      "  - name: outheavy\n    url: http://a/v1\n    price: { input_per_mtok: 0.1, output_per_mtok: 20 }\n"
      "  - name: inheavy\n    url: http://b/v1\n    price: { input_per_mtok: 8, output_per_mtok: 0.2 }\n",
      "test.yaml");
  ASSERT_TRUE(cfg) << cfg.error().message;
  auto router = std::make_shared<FixedRouter>(std::vector<std::string>{"O", "I"}, std::vector<float>{0.9f, 0.5f}, -1, -1);
  config::RouterAction a;
  a.router = "r";
  a.model_map = {{"O", "outheavy"}, {"I", "inheavy"}};
  a.budget = 5;  // blended: outheavy 10.05 (over), inheavy 4.1
  auto rr = RouterRule::create(a, router, *cfg);
  ASSERT_TRUE(rr) << rr.error().message;
  RequestCost cost;
  cost.input_tokens = 100000;  // inheavy: 0.8 USD, outheavy: 0.0102 USD
  cost.max_output_tokens = 10;
  cost.max_usd = 0.05;         // fits outheavy only, which the rule's budget excludes
  RouterPick p = (*rr)->pick("p", -1, cost);
  EXPECT_EQ(p.model->name, "inheavy");
  EXPECT_TRUE(p.budget_limited);
  EXPECT_FLOAT_EQ(static_cast<float>(p.expected_quality), 0.5f);
}

TEST(RouterRuleCost, RuleCapAndCallerCapTheTighterWins) {
  config::Config cfg = models_config();
  auto router = std::make_shared<FixedRouter>(std::vector<std::string>{"A", "B", "C"}, std::vector<float>{0.5f, 0.7f, 0.9f}, -1, -1);
  auto rr = RouterRule::create(n_model_action(0.01), router, cfg);
  ASSERT_TRUE(rr);
  RequestCost cost;
  cost.input_tokens = 1000;
  cost.max_output_tokens = 1000;
  EXPECT_EQ((*rr)->pick("p", -1, cost).model->name, "mid");  // the rule's own cap
  cost.max_usd = 5;                                           // a looser caller cap cannot loosen it
  EXPECT_EQ((*rr)->pick("p", -1, cost).model->name, "mid");
  cost.max_usd = 0.001;                                       // a tighter one tightens it
  EXPECT_EQ((*rr)->pick("p", -1, cost).model->name, "cheap");
}

TEST(RouterRuleCost, OutputTokensFromRequestElseRuleAssumptionTimesChoices) {
  config::Config cfg = models_config();
  auto router = std::make_shared<FixedRouter>(std::vector<std::string>{"A", "B", "C"}, std::vector<float>{0.5f, 0.7f, 0.9f}, -1, -1);
  config::RouterAction a = n_model_action(0.02);
  a.expected_output_tokens = 1000;  // top: 0.03 > 0.02 without a max_tokens
  auto rr = RouterRule::create(a, router, cfg);
  ASSERT_TRUE(rr);
  RequestCost cost;
  EXPECT_EQ((*rr)->pick("p", -1, cost).model->name, "mid");
  cost.max_output_tokens = 100;  // the request's own limit: top costs 0.003
  EXPECT_EQ((*rr)->pick("p", -1, cost).model->name, "top");
  cost.choices = 10;  // n = 10 bills ten answers: 0.03
  EXPECT_EQ((*rr)->pick("p", -1, cost).model->name, "mid");
}

// A strong/weak rule over top (strong) and cheap (weak) with threshold 0.5,
// whose router expects qualities `q_strong` and `q_weak` for every prompt.
Result<std::unique_ptr<RouterRule>> strong_weak_rule(const config::Config& cfg, float q_strong, float q_weak) {
  auto router = std::make_shared<FixedRouter>(std::vector<std::string>{"S", "W"}, std::vector<float>{q_strong, q_weak}, 0, 1);
  config::RouterAction a;
  a.router = "r";
  a.strong = "top";
  a.weak = "cheap";
  a.threshold = 0.5;
  return RouterRule::create(a, router, cfg);
}

TEST(RouterRuleCost, StrongWeakGoesWeakWhenStrongDoesNotFit) {
  config::Config cfg = models_config();
  auto rr = strong_weak_rule(cfg, 0.9f, 0.1f);
  ASSERT_TRUE(rr) << rr.error().message;
  RequestCost cost;
  cost.input_tokens = 100;
  cost.max_output_tokens = 1000;  // top: 0.031 USD
  RouterPick p = (*rr)->pick("p", -1, cost);
  EXPECT_EQ(p.model->name, "top");
  EXPECT_GT(p.score, 0.5f);
  cost.max_usd = 0.01;
  p = (*rr)->pick("p", -1, cost);
  EXPECT_EQ(p.model->name, "cheap");
  EXPECT_TRUE(p.budget_limited);
  EXPECT_GT(p.score, 0.5f);  // the score is still reported as the router saw it
  EXPECT_NEAR(p.estimated_usd, (100 * 0.1 + 1000 * 0.2) / 1e6, 1e-15);
}

TEST(RouterRuleCost, StrongWeakWeakChoiceIsNeverUpgradedByACap) {
  config::Config cfg = models_config();
  auto rr = strong_weak_rule(cfg, 0.1f, 0.9f);
  ASSERT_TRUE(rr);
  RequestCost cost;
  cost.max_output_tokens = 1000;
  cost.max_usd = 0;  // nothing fits: weak is already the cheaper one
  RouterPick p = (*rr)->pick("p", -1, cost);
  EXPECT_EQ(p.model->name, "cheap");
  EXPECT_FALSE(p.budget_limited);
}


TEST(RouterRuleShare, DryRunsDoNotMoveTheOnlineThreshold) {
  config::Config cfg = models_config();
  auto router = std::make_shared<FixedRouter>(std::vector<std::string>{"S", "W"}, std::vector<float>{0.9f, 0.1f}, 0, 1);
  config::RouterAction a;
  a.router = "r";
  a.strong = "top";
  a.weak = "cheap";
  a.strong_share = 0.3;
  auto rr = RouterRule::create(a, router, cfg);
  ASSERT_TRUE(rr) << rr.error().message;
  const double initial = (*rr)->pick("p", -1, {}, /*observe=*/false).threshold;
  for (int i = 0; i < 200; ++i) (*rr)->pick("p", -1, {}, /*observe=*/false);
  EXPECT_DOUBLE_EQ((*rr)->pick("p", -1, {}, false).threshold, initial) << "dry runs leave no trace";
  for (int i = 0; i < 200; ++i) (*rr)->pick("p");
  EXPECT_NEAR((*rr)->pick("p", -1, {}, false).threshold, 0.9, 1e-6) << "live traffic moves it to its score quantile";
}


// A router with no opinion (NaN everywhere): the cheapest model answers and
// nothing is reported as budget-limited (found by review).
TEST(RouterRulePrice, NaNQualitiesAreNotABudgetLimit) {
  config::Config cfg = models_config();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  auto router = std::make_shared<FixedRouter>(std::vector<std::string>{"A", "B", "C"}, std::vector<float>{nan, nan, nan}, -1, -1);
  auto rr = RouterRule::create(n_model_action(), router, cfg);
  ASSERT_TRUE(rr);
  RouterPick p = (*rr)->pick("p");
  EXPECT_EQ(p.model->name, "cheap");
  EXPECT_FALSE(p.budget_limited);
}

}  // namespace
}  // namespace sr::decision

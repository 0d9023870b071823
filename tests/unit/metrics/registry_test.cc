#include "metrics/registry.h"

#include <gtest/gtest.h>

namespace sr::metrics {
namespace {

TEST(Registry, EveryDeclaredFamilyIsRendered) {
  Registry r;
  std::string text = r.render();
#define SR_CHECK_FAMILY(name, type, help, labels) \
  EXPECT_NE(text.find("# TYPE semrouter_" #name " "), std::string::npos) << #name;
  SR_METRICS(SR_CHECK_FAMILY)
#undef SR_CHECK_FAMILY
}

TEST(Registry, CountersGaugesHistograms) {
  Registry r;
  r.counter(Family::requests_total, {"small", "hard"}).inc(3);
  EXPECT_EQ(&r.counter(Family::requests_total, {"small", "hard"}), &r.counter(Family::requests_total, {"small", "hard"}));
  r.gauge(Family::connections_active).add(2);
  r.float_counter(Family::cost_usd_total, {"small"}).add(0.25);
  Histogram& h = r.histogram(Family::overhead_seconds);
  h.observe(0.00002);
  h.observe(0.5);
  h.observe(1000);
  std::string t = r.render();
  EXPECT_NE(t.find("semrouter_requests_total{model=\"small\",rule=\"hard\"} 3\n"), std::string::npos) << t;
  EXPECT_NE(t.find("semrouter_connections_active 2\n"), std::string::npos);
  EXPECT_NE(t.find("semrouter_cost_usd_total{model=\"small\"} 0.25\n"), std::string::npos);
  EXPECT_NE(t.find("semrouter_overhead_seconds_bucket{le=\"2.5000000000000001e-05\"} 1\n"), std::string::npos) << t;
  EXPECT_NE(t.find("semrouter_overhead_seconds_bucket{le=\"0.5\"} 2\n"), std::string::npos);
  EXPECT_NE(t.find("semrouter_overhead_seconds_bucket{le=\"+Inf\"} 3\n"), std::string::npos);
  EXPECT_NE(t.find("semrouter_overhead_seconds_count 3\n"), std::string::npos);
}

TEST(Registry, LabelValuesAreEscaped) {
  EXPECT_EQ(escape_label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
  Registry r;
  r.counter(Family::errors_total, {"we\"ird"}).inc();
  EXPECT_NE(r.render().find("code=\"we\\\"ird\""), std::string::npos);
}

}  // namespace
}  // namespace sr::metrics

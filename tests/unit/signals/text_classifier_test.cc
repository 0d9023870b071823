#include "signals/text_classifier.h"

#include <gtest/gtest.h>

namespace sr::signals {
namespace {

TEST(TextClassifierTest, SplitIsDeterministicAndIgnoresCaseAndSpacing) {
  EXPECT_EQ(split_bucket("What is the capital of France?"), split_bucket("  what IS the   capital of france?\n"));
  EXPECT_LT(split_bucket("anything"), 100u);
  // Roughly 10 % of texts land in the test split.
  int test = 0;
  for (int i = 0; i < 5000; ++i) test += split_of("prompt number " + std::to_string(i)) == Split::kTest;
  EXPECT_GT(test, 400);
  EXPECT_LT(test, 600);
}

TEST(TextClassifierTest, ReportComputesMetrics) {
  // gold:      a a a b b c
  // predicted: a a b b c c
  const auto r = make_report({"a", "b", "c"}, {0, 0, 0, 1, 1, 2}, {0, 0, 1, 1, 2, 2});
  EXPECT_EQ(r.total, 6u);
  EXPECT_NEAR(r.accuracy, 4.0 / 6.0, 1e-9);
  EXPECT_NEAR(r.precision[0], 1.0, 1e-9);
  EXPECT_NEAR(r.recall[0], 2.0 / 3.0, 1e-9);
  EXPECT_NEAR(r.precision[1], 0.5, 1e-9);
  EXPECT_NEAR(r.recall[2], 1.0, 1e-9);
  EXPECT_NEAR(r.precision[2], 0.5, 1e-9);
  const double f1a = 2 * 1.0 * (2.0 / 3) / (1.0 + 2.0 / 3), f1b = 0.5, f1c = 2 * 0.5 / 1.5;
  EXPECT_NEAR(r.macro_f1, (f1a + f1b + f1c) / 3, 1e-9);
  EXPECT_EQ(r.confusion[0][1], 1u);
  EXPECT_EQ(r.confusion[1][2], 1u);
}

TEST(TextClassifierTest, ReportComputesCalibration) {
  // Same answers as above; 4 of 6 right.
  const std::vector<uint32_t> gold = {0, 0, 0, 1, 1, 2}, pred = {0, 0, 1, 1, 2, 2};
  EXPECT_FALSE(make_report({"a", "b", "c"}, gold, pred).has_calibration);
  // Calibrated: the two right answers at 0.95 and 0.95 (bin 9), then 0.55 x 4
  // with 2 right (bin 5): |1.9 - 2| + |2.2 - 2| = 0.3, / 6.
  std::vector<float> conf = {0.95f, 0.95f, 0.55f, 0.55f, 0.55f, 0.55f};
  auto r = make_report({"a", "b", "c"}, gold, pred, &conf);
  ASSERT_TRUE(r.has_calibration);
  EXPECT_NEAR(r.ece, 0.3 / 6, 1e-6);
  EXPECT_NEAR(r.mean_confidence, (0.95 * 2 + 0.55 * 4) / 6, 1e-6);
  // Overconfident: everything at 0.99 while 4 of 6 are right.
  conf.assign(6, 0.99f);
  r = make_report({"a", "b", "c"}, gold, pred, &conf);
  EXPECT_NEAR(r.ece, 0.99 - 4.0 / 6.0, 1e-6);
  // A confidence of exactly 1 lands in the top bin, not past it.
  conf.assign(6, 1.0f);
  EXPECT_NEAR(make_report({"a", "b", "c"}, gold, pred, &conf).ece, 1.0 - 4.0 / 6.0, 1e-6);
}

TEST(TextClassifierTest, MissingModelDirIsAnError) {
  auto r = load_text_classifier("domain", "/nonexistent/model/dir", {});
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("/nonexistent/model/dir/model.bin"), std::string::npos) << r.error().message;
}

}  // namespace
}  // namespace sr::signals

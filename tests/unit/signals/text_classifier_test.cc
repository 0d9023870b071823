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

TEST(TextClassifierTest, MissingModelDirIsAnError) {
  auto r = load_text_classifier("domain", "/nonexistent/model/dir", {});
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("/nonexistent/model/dir/model.bin"), std::string::npos) << r.error().message;
}

}  // namespace
}  // namespace sr::signals

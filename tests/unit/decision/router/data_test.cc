// Checks against the shared outcome data; skipped when ../shared is absent.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "decision/router/outcome_data.h"

namespace sr::router {
namespace {

std::string shared_routing() {
  for (std::string c : {std::string(SEMROUTER_SOURCE_DIR) + "/../shared/data/routing", std::string("/work/shared/data/routing")})
    if (std::filesystem::exists(c + "/mmlu_outcomes.jsonl.gz")) return c;
  return "";
}

TEST(RouterData, LoadsRouteLlmFilesAndDropsContaminated) {
  std::string dir = shared_routing();
  if (dir.empty()) GTEST_SKIP() << "../shared/data/routing not present";
  auto mmlu = load_outcome_file(dir + "/mmlu_outcomes.jsonl.gz");
  ASSERT_TRUE(mmlu) << mmlu.error().message;
  EXPECT_EQ(mmlu->rows.size(), 9829u - 4u);  // 4 of the 5 contaminated prompts occur in the file
  EXPECT_TRUE(mmlu->pairwise());
  auto none = load_outcome_file(dir + "/mmlu_outcomes.jsonl.gz", "none");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->rows.size(), 9829u);
  auto gsm = load_outcome_file(dir + "/gsm8k_outcomes.jsonl.gz");
  ASSERT_TRUE(gsm);
  EXPECT_EQ(gsm->rows.size(), 913u - 7u) << "contaminated GSM8K prompts present in the file";
  EXPECT_EQ(gsm->rows[0].group, "gsm8k");
  auto multi = load_outcome_file(dir + "/multi_model_train.json");
  ASSERT_TRUE(multi);
  EXPECT_EQ(multi->models.size(), 9u);
  EXPECT_FALSE(multi->pairwise());
}

TEST(RouterData, HoldoutSplitIsStableAndDisjoint) {
  OutcomeSet s;
  s.models = {"weak", "strong"};
  for (int i = 0; i < 1000; ++i) s.rows.push_back({"prompt " + std::to_string(i), "g", {0, 1}});
  auto train = split_part(s, 20, false), test = split_part(s, 20, true);
  EXPECT_EQ(train.rows.size() + test.rows.size(), 1000u);
  EXPECT_NEAR(static_cast<double>(test.rows.size()) / 1000.0, 0.2, 0.05);
  for (const auto& r : test.rows) EXPECT_TRUE(in_holdout(r.text, 20));
}

TEST(RouterData, BadFilesAreErrors) {
  EXPECT_FALSE(load_outcome_file("/nonexistent.jsonl"));
  auto p = std::filesystem::temp_directory_path() / "sr_router_bad.jsonl";
  {
    std::ofstream(p) << "{\"prompt\": \"x\", \"weak\": true}\n";  // no strong
  }
  EXPECT_FALSE(load_outcome_file(p.string(), "none"));
  std::filesystem::remove(p);
}

}  // namespace
}  // namespace sr::router

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

// A missing or ill-typed field used to give "[json.exception.out_of_range.403]
// key 'weak' not found" with no file or line.
TEST(RouterData, FieldErrorsNameFileAndLine) {
  auto p = std::filesystem::temp_directory_path() / "sr_router_fields.jsonl";
  auto error_of = [&](const std::string& content) {
    std::ofstream(p) << content;
    auto s = load_outcome_file(p.string(), "none");
    return s ? std::string("loaded") : s.error().message;
  };
  const std::string ok = "{\"prompt\": \"a\", \"weak\": true, \"strong\": false}\n";
  EXPECT_EQ(error_of(ok + "\n{\"prompt\": \"x\", \"strong\": true}\n"), p.string() + ":3: no \"weak\" field");
  EXPECT_EQ(error_of(ok + "{\"prompt\": \"x\", \"weak\": 1, \"strong\": \"yes\"}\n"),
            p.string() + ":2: \"strong\" is a string, not a boolean or number");
  EXPECT_EQ(error_of(ok + "{\"text\": 7, \"weak\": 1, \"strong\": 0}\n"), p.string() + ":2: \"text\" is a number, not a string");
  EXPECT_EQ(error_of("{\"weak\": 1, \"strong\": 0}\n"), p.string() + ":1: no \"prompt\" or \"text\" string field");
  EXPECT_EQ(error_of("{\"prompt\": \"a\", \"subject\": 3, \"weak\": 1, \"strong\": 0}\n"),
            p.string() + ":1: \"subject\" is a number, not a string");
  EXPECT_EQ(error_of(ok + "[1, 2]\n"), p.string() + ":2: the line is an array, not a JSON object");
  EXPECT_EQ(error_of(ok), "loaded");
  // N-model array: the element is named.
  EXPECT_EQ(error_of(R"([{"question": "a", "scores": {"m1": 1, "m2": 0}}, {"question": "b", "scores": {"m1": 1}}])"),
            p.string() + ": element 1 of the array: no \"m2\" field in \"scores\"");
  EXPECT_EQ(error_of(R"([{"question": "a"}])"), p.string() + ": element 0 of the array: no \"scores\" object");
  std::filesystem::remove(p);
}

TEST(RouterData, LoadInfoSaysWhatWasDropped) {
  auto dir = std::filesystem::temp_directory_path() / "sr_router_loadinfo";
  std::filesystem::create_directories(dir);
  auto data = dir / "x_outcomes.jsonl";
  std::ofstream(data) << "{\"prompt\": \"a\", \"weak\": 1, \"strong\": 0}\n{\"prompt\": \"b\", \"weak\": 1, \"strong\": 0}\n";
  LoadInfo info;
  ASSERT_TRUE(load_outcome_file(data.string(), "", &info));
  EXPECT_EQ(info.contaminated_file, "");
  EXPECT_FALSE(info.contaminated_disabled);
  EXPECT_EQ(info.dropped, 0u);
  std::ofstream(dir / "contaminated_prompts.json") << R"({"x": ["b", "zzz"]})";
  auto s = load_outcome_file(data.string(), "", &info);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->rows.size(), 1u);
  EXPECT_EQ(info.contaminated_file, (dir / "contaminated_prompts.json").string());
  EXPECT_EQ(info.dropped, 1u);
  ASSERT_TRUE(load_outcome_file(data.string(), "none", &info));
  EXPECT_TRUE(info.contaminated_disabled);
  EXPECT_EQ(info.dropped, 0u);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace sr::router

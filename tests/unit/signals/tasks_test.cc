#include "signals/tasks.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "signals/domain.h"

namespace sr::signals {
namespace {

TEST(TasksTest, TableHasDomainAndJailbreak) {
  for (const char* name : {"domain", "jailbreak"}) {
    const TaskEntry* t = find_task(name);
    ASSERT_NE(t, nullptr) << name;
    EXPECT_EQ(t->kind, "classifier");
    EXPECT_NE(t->load_classifier, nullptr);
    EXPECT_NE(t->train, nullptr);
    EXPECT_NE(t->eval, nullptr);
  }
  EXPECT_EQ(find_task("no-such-task"), nullptr);
  auto bad = load_task("no-such-task", "");
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message.find("domain"), std::string::npos);  // lists the known tasks
}

TEST(TasksTest, JsonEscaping) {
  std::string out;
  append_json_string(out, "a\"b\\c\n\x01");
  EXPECT_EQ(out, "\"a\\\"b\\\\c\\n\\u0001\"");
}

class JsonlClassifierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto t = load_task("jailbreak", "");
    ASSERT_TRUE(t.has_value()) << t.error().message;
    task_ = std::move(*t);
  }
  std::string run(std::string_view line) {
    JsonlClassifier c(task_);
    std::string out;
    c.classify_line(line, out);
    return out;
  }
  LoadedTask task_;
};

TEST_F(JsonlClassifierTest, GoodLineGivesLabelAndScore) {
  const std::string out = run(R"({"text": "Write a haiku about the sea", "id": 3})");
  EXPECT_EQ(out.rfind(R"({"label": "benign", "score": )", 0), 0u) << out;
}

TEST_F(JsonlClassifierTest, BadLinesGiveErrorObjects) {
  EXPECT_EQ(run("{not json").rfind(R"({"error": "malformed JSON)", 0), 0u);
  EXPECT_EQ(run(""), run("   ")) << "blank lines are malformed JSON too";
  EXPECT_EQ(run(R"({"prompt": "x"})"), R"({"error": "missing \"text\" field"})");
  EXPECT_EQ(run(R"({"text": 42})"), R"({"error": "\"text\" is not a string"})");
  EXPECT_EQ(run(R"({"text": null})"), R"({"error": "\"text\" is not a string"})");
  EXPECT_EQ(run(R"(["text"])"), R"({"error": "line is not a JSON object"})");
  EXPECT_EQ(run("{\"text\": \"\xFF\"}").rfind(R"({"error": )", 0), 0u) << "invalid UTF-8 inside JSON";
}

TEST(DomainJsonlTest, ConfidenceField) {
  auto t = load_task("domain", "");
  ASSERT_TRUE(t.has_value()) << t.error().message;
  JsonlClassifier c(*t);
  std::string out;
  c.classify_line(R"({"text": "Solve the equation 2x + 3 = 7 for x"})", out);
  EXPECT_EQ(out.rfind(R"({"label": "math", "confidence": )", 0), 0u) << out;
}

// End to end through the built binary: one output line per input line, in order.
TEST(ClassifyCliTest, StreamsOneAnswerPerLine) {
#ifdef SEMROUTER_BINARY
  const std::string bin = SEMROUTER_BINARY;
#else
  const std::string bin;
#endif
  if (bin.empty() || !std::filesystem::exists(bin)) GTEST_SKIP() << "semrouter binary not built";
  const std::string in = ::testing::TempDir() + "/classify_cli_in.jsonl";
  std::ofstream(in) << "{\"text\": \"Solve 2x + 3 = 7\"}\n"
                       "garbage\n"
                       "{\"text\": 5}\n"
                       "{\"no_text\": true}\n"
                       "{\"text\": \"Explain the French revolution\"}\n";
  const std::string cmd = bin + " classify --task domain --input " + in;
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string out;
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  EXPECT_EQ(pclose(p), 0);
  std::istringstream lines(out);
  std::vector<std::string> v;
  for (std::string l; std::getline(lines, l);) v.push_back(l);
  ASSERT_EQ(v.size(), 5u) << out;
  EXPECT_EQ(v[0].rfind(R"({"label": "math")", 0), 0u) << v[0];
  EXPECT_EQ(v[1].rfind(R"({"error": )", 0), 0u);
  EXPECT_EQ(v[2].rfind(R"({"error": )", 0), 0u);
  EXPECT_EQ(v[3].rfind(R"({"error": )", 0), 0u);
  EXPECT_EQ(v[4].rfind(R"({"label": "history")", 0), 0u) << v[4];
}

}  // namespace
}  // namespace sr::signals

namespace sr::signals {
namespace {

// Whatever bytes arrive on a line, classify_line answers with exactly one JSON
// object and never crashes.
TEST(JsonlFuzzTest, RandomLinesGiveOneObjectEach) {
  auto t = load_task("domain", "");
  ASSERT_TRUE(t.has_value());
  JsonlClassifier c(*t);
  uint64_t x = 0x9e3779b97f4a7c15ull;
  auto next = [&] {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    return x;
  };
  const std::string pieces[] = {"{", "}", "\"text\"", ":", "\"", "\\", "\\u00e9", "[", "]", "null", "1e999", ",", " ",
                                "\xFF", "\xC3", "abc", "\n"};
  for (int i = 0; i < 3000; ++i) {
    std::string line;
    const int n = static_cast<int>(next() % 12);
    for (int k = 0; k < n; ++k) line += pieces[next() % std::size(pieces)];
    if (i % 3 == 0) line = "{\"text\": \"" + line + "\"}";
    std::string out;
    c.classify_line(line, out);
    ASSERT_FALSE(out.empty());
    EXPECT_EQ(out.front(), '{') << line;
    EXPECT_EQ(out.back(), '}') << line;
    EXPECT_EQ(out.find('\n'), std::string::npos);
  }
}

}  // namespace
}  // namespace sr::signals

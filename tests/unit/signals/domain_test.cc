#include "signals/domain.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "signals/text_classifier.h"

namespace sr::signals {
namespace {

TEST(DomainTest, AugmentationMakesChatLikeVariants) {
  const std::string q =
      "A 45-year-old man presents with chest pain radiating to the left arm. Which enzyme is most specific for "
      "myocardial infarction?\n(A) ALT\n(B) Troponin I\n(C) Amylase";
  const auto v = domain_augment(q, 42);
  ASSERT_FALSE(v.empty());
  for (const auto& s : v) {
    EXPECT_EQ(s.find("(B)"), std::string::npos) << "options must be stripped: " << s;
    EXPECT_LT(s.size(), q.size());
  }
  EXPECT_EQ(v, domain_augment(q, 42));  // deterministic
  EXPECT_TRUE(domain_augment("", 1).size() <= 1);
}

// The committed built-in model (models/domain/model.bin): needs no ../shared.
class BuiltinDomainTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto c = load_domain_classifier("");
    ASSERT_TRUE(c.has_value()) << c.error().message;
    clf_ = std::move(*c).release();
  }
  static void TearDownTestSuite() {
    delete clf_;
    clf_ = nullptr;
  }
  static const Classifier* clf_;
};
const Classifier* BuiltinDomainTest::clf_ = nullptr;

TEST_F(BuiltinDomainTest, HasTheFourteenLabels) {
  EXPECT_EQ(clf_->labels(), domain_labels());
  EXPECT_EQ(clf_->task(), "domain");
}

TEST_F(BuiltinDomainTest, ObviousPrompts) {
  const std::vector<std::pair<const char*, const char*>> cases = {
      {"Solve for x: 3x^2 - 12 = 0", "math"},
      {"Write a Python function that returns the n-th Fibonacci number using recursion", "computer science"},
      {"What is the difference between a felony and a misdemeanor under criminal law?", "law"},
      {"Explain how photosynthesis converts light energy in plant chloroplasts", "biology"},
      {"What were the main causes of World War I in Europe?", "history"},
      {"How does the central bank use interest rates to control inflation?", "economics"},
      {"Balance the chemical equation for the combustion of methane", "chemistry"},
      {"What is Kant's categorical imperative?", "philosophy"},
  };
  for (const auto& [text, want] : cases) {
    const Classification c = clf_->classify(text);
    EXPECT_EQ(c.label, want) << text;
    EXPECT_GT(c.confidence, 0.0f);
    EXPECT_LE(c.confidence, 1.0f);
  }
}

// Accuracy of the built-in model on a hand-written set in tests/data/domain/
// (read with the trainer's own JSON Lines reader: escapes and all).
double natural_set_accuracy(const Classifier& clf, const std::string& file, int* n) {
  size_t skipped = 0;
  auto rows = read_labeled_jsonl(std::string(SEMROUTER_SOURCE_DIR) + "/tests/data/domain/" + file, "category",
                                 [](std::string_view r) { return std::optional<std::string>(r); }, &skipped);
  EXPECT_TRUE(rows.has_value()) << file;
  EXPECT_EQ(skipped, 0u) << file;
  *n = 0;
  int ok = 0;
  for (const auto& r : rows ? *rows : std::vector<LabeledText>{}) {
    ++*n;
    ok += clf.classify(r.text).label == r.label;
  }
  return *n ? static_cast<double>(ok) / *n : 0.0;
}

// Regression floors, a few points under what the committed model measured.
struct NaturalSet {
  const char* file;
  int size;
  double floor;
  const char* history;  // measured values, newest first
};
const NaturalSet kNaturalSets[] = {
    // Seeds were written after seeing these two: optimistic.
    {"natural_prompts.jsonl", 112, 0.90, "0.955; 0.955, 0.848, 0.795 before"},
    {"natural_holdout.jsonl", 210, 0.90, "0.962; 0.952, 0.871 before"},
    // Committed before the model change each first evaluated, never tuned on.
    {"natural_holdout_2.jsonl", 280, 0.83, "0.854 (WordNet vectors, 6.7k seeds); 0.811, 0.718 before"},
    {"natural_holdout_3.jsonl", 420, 0.86, "0.893, evaluated once; the previous model 0.764"},
};

TEST_F(BuiltinDomainTest, NaturalSetsStayAboveTheirFloors) {
  for (const NaturalSet& set : kNaturalSets) {
    int n = 0;
    const double acc = natural_set_accuracy(*clf_, set.file, &n);
    EXPECT_EQ(n, set.size) << set.file;
    EXPECT_GE(acc, set.floor) << set.file << " (measured " << set.history << ")";
  }
}

// A word the exam data and the seeds never use, known only through its
// WordNet definition, still pulls a short prompt to its field.
TEST_F(BuiltinDomainTest, DefinitionVectorsCarryUnseenTerms) {
  EXPECT_EQ(clf_->classify("what is a mitochondrion").label, "biology");
  EXPECT_EQ(clf_->classify("what is a codicil").label, "law");
}

TEST_F(BuiltinDomainTest, HostileInputIsHarmless) {
  std::string junk = "\xFF\xFE\xC3(";
  junk += std::string(200000, 'a');
  const Classification c = clf_->classify(junk);
  EXPECT_FALSE(c.label.empty());
  EXPECT_FALSE(clf_->classify("").label.empty());
}

TEST(DomainSharedDataTest, HeldOutExamAccuracy) {
  const std::string data = std::string(SEMROUTER_SOURCE_DIR) + "/../shared/data/domain/domain_dev.jsonl.gz";
  if (!std::filesystem::exists(data)) GTEST_SKIP() << "needs ../shared/data/domain (absent)";
  auto clf = load_text_classifier("domain", "", domain_labels());
  ASSERT_TRUE(clf.has_value());
  size_t skipped = 0;
  auto rows = read_labeled_jsonl(data, "category", [](std::string_view r) { return std::optional<std::string>(r); }, &skipped);
  ASSERT_TRUE(rows.has_value());
  int n = 0, ok = 0;
  for (const auto& r : *rows) {
    if (split_of(r.text) != Split::kTest) continue;
    ++n;
    ok += (*clf)->classify(r.text).label == r.label;
  }
  EXPECT_GT(n, 3000);
  EXPECT_GE(static_cast<double>(ok) / n, 0.87);  // measured 0.880 when the model was committed
}

}  // namespace
}  // namespace sr::signals

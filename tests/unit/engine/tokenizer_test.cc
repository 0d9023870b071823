#include "engine/tokenizer.h"

#include <gtest/gtest.h>

#include <random>

namespace sr::engine {
namespace {

TEST(TokenizerTest, SplitsWordsAndSymbols) {
  EXPECT_EQ(tokenize_to_strings("Hello, World! x2=3.5"),
            (std::vector<std::string>{"hello", ",", "world", "!", "x2", "=", "3", ".", "5"}));
}

TEST(TokenizerTest, HandlesNonLatinScripts) {
  EXPECT_EQ(tokenize_to_strings("Привет мир"), (std::vector<std::string>{"привет", "мир"}));
  // CJK has no spaces: one run of letters becomes one token; char n-grams cover it.
  EXPECT_EQ(tokenize_to_strings("你好 世界").size(), 2u);
}

TEST(TokenizerTest, FeaturesAreDeterministicAndInRange) {
  FeatureConfig cfg;
  cfg.bucket_bits = 12;
  FeatureScratch a, b;
  extract_features(cfg, "The quick brown fox", a);
  extract_features(cfg, "THE QUICK  brown fox", b);  // normalisation makes these equal
  EXPECT_EQ(a.features, b.features);
  for (uint32_t f : a.features) EXPECT_LT(f, 1u << 12);
  // 4 unigrams + 3 bigrams + char 3..5-grams of "<the>" (5: the whole-word
  // 5-gram is left to the unigram), "<quick>" (12), "<brown>" (12), "<fox>" (5).
  EXPECT_EQ(a.features.size(), 4u + 3u + 5u + 12u + 12u + 5u);
}

TEST(TokenizerTest, FeatureKindsCanBeDisabled) {
  FeatureConfig cfg;
  cfg.char_min = cfg.char_max = 0;
  cfg.word_bigrams = 0;
  FeatureScratch s;
  extract_features(cfg, "one two three", s);
  EXPECT_EQ(s.features.size(), 3u);
}

TEST(TokenizerTest, LongPromptCostIsCapped) {
  FeatureConfig cfg;
  cfg.head_bytes = 1024;
  cfg.tail_bytes = 512;
  std::string big;
  while (big.size() < 100 * 1024) big += "lorem ipsum dolor sit amet ";
  FeatureScratch s;
  extract_features(cfg, big, s);
  const size_t n_big = s.features.size();
  extract_features(cfg, big.substr(0, 1536), s);
  // Head + tail of the 100 kB text has about as many features as 1.5 kB of it.
  EXPECT_LT(n_big, s.features.size() + 64);
  // (The feature count is the bound; the time is measured in bench/signals, not here.)
}

TEST(TokenizerTest, RandomBytesNeverCrash) {
  std::mt19937 rng(7);
  FeatureConfig cfg;
  FeatureScratch s;
  for (int i = 0; i < 2000; ++i) {
    std::string junk(rng() % 300, '\0');
    for (char& c : junk) c = static_cast<char>(rng());
    extract_features(cfg, junk, s);
    for (uint32_t f : s.features) ASSERT_LT(f, 1u << cfg.bucket_bits);
  }
}

TEST(TokenizerTest, EmptyAndWhitespaceOnly) {
  FeatureConfig cfg;
  FeatureScratch s;
  extract_features(cfg, "", s);
  EXPECT_TRUE(s.features.empty());
  extract_features(cfg, " \n\t ", s);
  EXPECT_TRUE(s.features.empty());
}

}  // namespace
}  // namespace sr::engine

#include "engine/word_vectors.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "engine/tokenizer.h"

namespace sr::engine {
namespace {

const std::string kGloveDir = std::string(SEMROUTER_SOURCE_DIR) + "/../shared/data/models/glove_wink_100d";

TEST(WordVectorsTest, EmptyTableFindsNothing) {
  WordVectors wv;
  EXPECT_TRUE(wv.empty());
  EXPECT_EQ(wv.find(123), -1);
  EXPECT_LT(WordVectors::rank_weight(0), WordVectors::rank_weight(10000));
}

TEST(WordVectorsTest, LoadsGloveAndRelatedWordsAreClose) {
  if (!std::filesystem::exists(kGloveDir)) GTEST_SKIP() << "needs ../shared/data/models/glove_wink_100d (absent)";
  auto wv = load_glove_f16(kGloveDir);
  ASSERT_TRUE(wv.has_value()) << wv.error().message;
  EXPECT_EQ(wv->dim, 100u);
  EXPECT_GT(wv->vocab, 19000u);
  auto vec = [&](const char32_t* w) {
    const int32_t row = wv->find(word_hash(w));
    EXPECT_GE(row, 0);
    std::vector<float> v(100);
    for (int d = 0; d < 100; ++d) v[d] = wv->scales[row] * wv->values[size_t(row) * 100 + d];
    return v;
  };
  auto cosine = [](const std::vector<float>& a, const std::vector<float>& b) {
    double ab = 0, aa = 0, bb = 0;
    for (size_t i = 0; i < a.size(); ++i) ab += a[i] * b[i], aa += a[i] * a[i], bb += b[i] * b[i];
    return ab / std::sqrt(aa * bb);
  };
  EXPECT_GT(cosine(vec(U"doctor"), vec(U"physician")), cosine(vec(U"doctor"), vec(U"guitar")));
  EXPECT_EQ(wv->find(word_hash(U"zzqxjv")), -1);
}

TEST(WordVectorsTest, DenseFeatureIsWeightedMean) {
  if (!std::filesystem::exists(kGloveDir)) GTEST_SKIP() << "needs ../shared/data/models/glove_wink_100d (absent)";
  auto wv = load_glove_f16(kGloveDir);
  ASSERT_TRUE(wv.has_value());
  FeatureScratch s;
  // One known word (plus unknown ones): the mean is that word's vector.
  extract_features(FeatureConfig{}, "doctor zzqxjv", s, &*wv);
  ASSERT_EQ(s.dense.size(), 100u);
  const int32_t row = wv->find(word_hash(U"doctor"));
  ASSERT_GE(row, 0);
  for (int d = 0; d < 100; ++d) EXPECT_NEAR(s.dense[d], wv->scales[row] * wv->values[size_t(row) * 100 + d], 1e-5f);
  extract_features(FeatureConfig{}, "zzqxjv", s, &*wv);  // no known word: zero vector
  for (float x : s.dense) EXPECT_EQ(x, 0.0f);
}

TEST(WordVectorsTest, InflectionFallbackPicksTheRightStem) {
  const char32_t* words[] = {U"can", U"cane", U"box", U"church", U"scrap", U"scrape", U"test", U"horse", U"hors"};
  WordVectors wv;
  wv.dim = 1;
  std::vector<uint64_t> hashes;
  for (const char32_t* w : words) {
    hashes.push_back(word_hash(w));
    wv.scales.push_back(1.0f);
    wv.values.push_back(static_cast<int8_t>(wv.vocab++));
  }
  wv.build_table(std::move(hashes));
  wv.flags = WordVectors::kInflections;
  auto stem_of = [&](const char32_t* w) {
    const int32_t r = wv.find_word(w, word_hash(w));
    return r < 0 ? std::u32string(U"-") : std::u32string(words[r]);
  };
  EXPECT_EQ(stem_of(U"canes"), U"cane") << "-es only after a sibilant";
  EXPECT_EQ(stem_of(U"boxes"), U"box");
  EXPECT_EQ(stem_of(U"churches"), U"church");
  EXPECT_EQ(stem_of(U"horses"), U"horse") << "-s before -es, though \"hors\" is a word too";
  EXPECT_EQ(stem_of(U"scraped"), U"scrape") << "the e-restored stem first";
  EXPECT_EQ(stem_of(U"scraping"), U"scrape");
  EXPECT_EQ(stem_of(U"tested"), U"test");
  EXPECT_EQ(stem_of(U"cans"), U"can");
  EXPECT_EQ(stem_of(U"can"), U"can");
  EXPECT_EQ(stem_of(U"zzz"), U"-");
}

TEST(WordVectorsTest, ProjectionMatchesDenseLayer) {
  // Folding a linear layer into the vectors gives the same outputs (up to int8).
  WordVectors wv;
  wv.dim = 3;
  wv.vocab = 2;
  wv.build_table({word_hash(U"first"), word_hash(U"second")});
  wv.scales = {0.5f, 0.25f};
  wv.values = {10, -20, 30, 4, 5, -6};
  const std::vector<float> w = {1, 0, 0, 0, 1, 1};  // 2 classes x 3 dims
  const WordVectors p = project_word_vectors(wv, w, 2);
  ASSERT_EQ(p.dim, 2u);
  EXPECT_EQ(p.find(word_hash(U"first")), 0);
  EXPECT_EQ(p.find(word_hash(U"second")), 1);
  auto value = [&](int row, int k) { return p.scales[row] * p.values[size_t(row) * 2 + k]; };
  EXPECT_NEAR(value(0, 0), 0.5f * 10, 0.05f);
  EXPECT_NEAR(value(0, 1), 0.5f * (-20 + 30), 0.05f);
  EXPECT_NEAR(value(1, 0), 0.25f * 4, 0.05f);
  EXPECT_NEAR(value(1, 1), 0.25f * (5 - 6), 0.05f);
}

}  // namespace
}  // namespace sr::engine

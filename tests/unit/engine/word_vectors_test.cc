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

TEST(WordVectorsTest, DenseFeatureIsUnitLength) {
  if (!std::filesystem::exists(kGloveDir)) GTEST_SKIP() << "needs ../shared/data/models/glove_wink_100d (absent)";
  auto wv = load_glove_f16(kGloveDir);
  ASSERT_TRUE(wv.has_value());
  FeatureScratch s;
  extract_features(FeatureConfig{}, "the doctor prescribed antibiotics", s, &*wv);
  ASSERT_EQ(s.dense.size(), 100u);
  double n = 0;
  for (float x : s.dense) n += x * x;
  EXPECT_NEAR(n, 1.0, 1e-4);
  extract_features(FeatureConfig{}, "zzqxjv", s, &*wv);  // no known word: zero vector
  for (float x : s.dense) EXPECT_EQ(x, 0.0f);
}

}  // namespace
}  // namespace sr::engine

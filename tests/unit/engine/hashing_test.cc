#include "engine/hashing.h"

#include <gtest/gtest.h>

#include <set>

namespace sr::engine {
namespace {

// Model files are only valid with the exact hashes they were trained with:
// these pinned values make any change to the functions fail loudly.
TEST(HashingTest, ValuesArePinned) {
  EXPECT_EQ(hash_bytes("semrouter", 0), hash_bytes("semrouter"));
  EXPECT_EQ(hash_code_points(U"", 0), hash_mix(kFnvOffset));
  static_assert(hash_step(kFnvOffset, U'a') == ((kFnvOffset ^ 0x61) * kFnvPrime));
  EXPECT_EQ(hash_mix(0), 0u);
  EXPECT_EQ(hash_mix(1), 0x5692161d100b05e5ull);
}

TEST(HashingTest, SeedsSeparateFeatureKinds) {
  EXPECT_NE(hash_code_points(U"word", 1), hash_code_points(U"word", 2));
  EXPECT_NE(hash_bytes("a", 0), hash_bytes("b", 0));
}

TEST(HashingTest, LowBitsAreWellSpread) {
  // 10k distinct keys into 2^16 buckets: expect few collisions (~7 % by birthday math).
  std::set<uint64_t> buckets;
  for (int i = 0; i < 10000; ++i) buckets.insert(hash_bytes("key" + std::to_string(i)) & 0xFFFF);
  EXPECT_GT(buckets.size(), 9000u);
}

}  // namespace
}  // namespace sr::engine

#include "engine/definition_vectors.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "engine/tokenizer.h"

namespace sr::engine {
namespace {

namespace fs = std::filesystem;

// Base vectors: 4 dims, one axis per topic, so a definition vector's
// direction says which words it was built from.
//   acid, solution, chemistry -> axis 0;  court, crime, law -> axis 1
//   trial -> axis 1 and 2;  the -> axis 3 (common: low rank weight)
WordVectors base_vectors() {
  struct W {
    const char32_t* word;
    int8_t v[4];
  };
  const W words[] = {
      {U"the", {0, 0, 0, 100}},      {U"acid", {100, 0, 0, 0}},   {U"solution", {90, 0, 0, 10}},
      {U"chemistry", {100, 0, 0, 0}}, {U"court", {0, 100, 0, 0}},   {U"crime", {0, 90, 10, 0}},
      {U"law", {0, 100, 0, 0}},        {U"trial", {0, 70, 70, 0}},   {U"double", {0, 0, 50, 50}},
      {U"bas", {0, 0, 0, 100}},
  };
  WordVectors wv;
  wv.dim = 4;
  std::vector<uint64_t> hashes;
  for (const W& w : words) {
    hashes.push_back(word_hash(w.word));
    ++wv.vocab;
    wv.scales.push_back(0.05f);
    wv.values.insert(wv.values.end(), w.v, w.v + 4);
  }
  wv.build_table(std::move(hashes));
  return wv;
}

constexpr DefinitionOptions kWordsOnly{.phrases = false, .concat = false};
constexpr DefinitionOptions kPhrasesOnly{.phrases = true, .concat = false};

const char* kHeader = "  1 This is a test copy of the WordNet database layout.\n  2 Lines starting with spaces are license text.\n";

// Offsets are arbitrary numbers here (in WordNet they are byte offsets).
struct FakeWordNet {
  fs::path dir;
  explicit FakeWordNet(const std::string& name) : dir(fs::path(::testing::TempDir()) / name) {
    fs::remove_all(dir);
    fs::create_directories(dir);
    write("data.noun",
          "00000100 05 n 01 chemistry 0 000 | the science of matter\n"
          "00000200 05 n 01 law 0 000 | the system of rules of a court\n"
          "00000300 04 n 02 titration 0 volumetric_analysis 0 002 @ 00000400 n 0000 ;c 00000100 n 0000 | "
          "measuring the acid in a solution; \"the titration showed acid\"\n"
          "00000400 04 n 01 analysis 0 000 | a study of acid or solution\n"
          "00000500 04 n 01 double_jeopardy 0 001 ;c 00000200 n 0000 | a second trial for the same crime in court\n"
          "00000600 04 n 01 tort 0 001 ;c 00000200 n 0000 | a wrong that leads to a civil court case\n"
          "00000700 04 n 01 zzword 0 000 | qqq rrr\n");
    write("index.noun",
          "chemistry n 1 0 1 0 00000100\n"
          "law n 1 0 1 0 00000200\n"
          "titration n 1 2 @ ;c 1 0 00000300\n"
          "volumetric_analysis n 1 0 1 0 00000300\n"
          "analysis n 1 0 1 0 00000400\n"
          "double_jeopardy n 1 1 ;c 1 0 00000500\n"
          "tort n 1 1 ;c 1 0 00000600\n"
          "zzword n 1 0 1 0 00000700\n"
          "x n 1 0 1 0 00000700\n");
    for (const char* pos : {"verb", "adj", "adv"}) {
      write(std::string("data.") + pos, "");
      write(std::string("index.") + pos, "");
    }
  }
  void write(const std::string& file, const std::string& body) const {
    std::ofstream(dir / file) << kHeader << body;
  }
};

std::vector<float> row_vector(const WordVectors& wv, int32_t row) {
  std::vector<float> v(wv.dim);
  for (uint32_t d = 0; d < wv.dim; ++d) v[d] = wv.scales[row] * wv.values[size_t(row) * wv.dim + d];
  return v;
}

TEST(DefinitionVectorsTest, AddsTopicalVectorsForUnknownWords) {
  FakeWordNet wn("wordnet_ok");
  WordVectors wv = base_vectors();
  const uint32_t base_vocab = wv.vocab;
  auto stats = add_wordnet_vectors(wv, wn.dir.string(), kWordsOnly);
  ASSERT_TRUE(stats.has_value()) << stats.error().message;
  EXPECT_EQ(stats->synsets, 7u);
  // titration, analysis, tort, zzword are unknown single words; chemistry and
  // law are known; "x" is too short; two-word terms are off.
  EXPECT_EQ(stats->candidates, 4u);
  EXPECT_EQ(stats->added, 3u) << "zzword's definition has no known word: no vector";
  EXPECT_EQ(wv.vocab, base_vocab + 3);
  EXPECT_NE(wv.flags & WordVectors::kInflections, 0u);
  EXPECT_EQ(wv.flags & WordVectors::kPhrases, 0u);

  // Old rows are still found where they were.
  EXPECT_EQ(wv.find(word_hash(U"acid")), 1);
  const int32_t titration = wv.find(word_hash(U"titration"));
  const int32_t tort = wv.find(word_hash(U"tort"));
  ASSERT_GE(titration, 0);
  ASSERT_GE(tort, 0);
  EXPECT_EQ(wv.find(word_hash(U"zzword")), -1);
  const auto t = row_vector(wv, titration);
  const auto r = row_vector(wv, tort);
  EXPECT_GT(t[0], 2 * std::fabs(t[1])) << "titration is built from acid/solution/chemistry";
  EXPECT_GT(r[1], 2 * std::fabs(r[0])) << "tort is built from court/law";
  // Scaled like the rarer half of the base table (norm 5 here), not shrunk by averaging.
  double n2 = 0;
  for (float x : t) n2 += x * x;
  EXPECT_NEAR(std::sqrt(n2), 5.0, 0.3);
}

TEST(DefinitionVectorsTest, InflectedFormsFindTheLemma) {
  FakeWordNet wn("wordnet_inflect");
  WordVectors wv = base_vectors();
  ASSERT_TRUE(add_wordnet_vectors(wv, wn.dir.string(), kWordsOnly).has_value());
  const int32_t row = wv.find(word_hash(U"titration"));
  for (const char32_t* w : {U"titrations", U"torts"}) {
    EXPECT_GE(wv.find_word(w, word_hash(w)), 0) << "plural";
  }
  EXPECT_EQ(wv.find_word(U"titrations", word_hash(U"titrations")), row);
  EXPECT_EQ(wv.find_word(U"trials", word_hash(U"trials")), wv.find(word_hash(U"trial")));
  EXPECT_EQ(wv.find_word(U"lawed", word_hash(U"lawed")), wv.find(word_hash(U"law")));
  // Not stripped: "-ss" is not a plural ("bass" is not "bas"), nor a stem under 3 letters.
  EXPECT_EQ(wv.find_word(U"bass", word_hash(U"bass")), -1);
  EXPECT_EQ(wv.find_word(U"lawly", word_hash(U"lawly")), wv.find(word_hash(U"law")));
  EXPECT_EQ(wv.find_word(U"laly", word_hash(U"laly")), -1);
  EXPECT_EQ(wv.find_word(U"laws", word_hash(U"laws")), wv.find(word_hash(U"law")));
  WordVectors plain = base_vectors();  // no flag: exact lookups only
  EXPECT_EQ(plain.find_word(U"trials", word_hash(U"trials")), -1);
}

TEST(DefinitionVectorsTest, TwoWordTermsAreFoundAsBigrams) {
  FakeWordNet wn("wordnet_phrases");
  WordVectors wv = base_vectors();
  auto stats = add_wordnet_vectors(wv, wn.dir.string(), kPhrasesOnly);
  ASSERT_TRUE(stats.has_value()) << stats.error().message;
  EXPECT_EQ(stats->added, 5u) << "plus double jeopardy and volumetric analysis";
  EXPECT_NE(wv.flags & WordVectors::kPhrases, 0u);
  const uint64_t dbl = word_hash(U"double");
  const int32_t row = wv.find_phrase(dbl, U"jeopardy", bigram_hash(dbl, word_hash(U"jeopardy")));
  ASSERT_GE(row, 0);
  EXPECT_GT(row_vector(wv, row)[1], 0.0f) << "built from trial/crime/court/law";
  EXPECT_EQ(wv.find_phrase(dbl, U"jeopardies", bigram_hash(dbl, word_hash(U"jeopardies"))), -1);
  EXPECT_EQ(wv.find_phrase(dbl, U"jeopardys", bigram_hash(dbl, word_hash(U"jeopardys"))), row) << "plural";

  // The dense feature of a text uses the phrase row as well as the words.
  FeatureScratch with, without;
  extract_features(FeatureConfig{}, "double jeopardy", with, &wv);
  WordVectors no_phrases = wv;
  no_phrases.flags &= ~WordVectors::kPhrases;
  extract_features(FeatureConfig{}, "double jeopardy", without, &no_phrases);
  ASSERT_EQ(with.dense.size(), 4u);
  EXPECT_GT(with.dense[1], without.dense[1]);
  EXPECT_EQ(with.features, without.features) << "sparse features do not change";
}

TEST(DefinitionVectorsTest, ConcatGivesKnownWordsADefinitionHalf) {
  FakeWordNet wn("wordnet_concat");
  const WordVectors base = base_vectors();
  WordVectors wv = base;
  auto stats = add_wordnet_vectors(wv, wn.dir.string());  // defaults: phrases and concat
  ASSERT_TRUE(stats.has_value()) << stats.error().message;
  EXPECT_EQ(wv.dim, 8u);
  EXPECT_EQ(stats->added, 5u);
  EXPECT_EQ(wv.vocab, base.vocab + 5);
  EXPECT_EQ(wv.values.size(), size_t{wv.vocab} * 8);
  // Known word: first half is its GloVe vector (requantised), second half its
  // definition ("law": "the system of rules of a court" -> the court axis).
  const int32_t law = wv.find(word_hash(U"law"));
  ASSERT_EQ(law, base.find(word_hash(U"law")));
  const auto v = row_vector(wv, law);
  EXPECT_NEAR(v[1], 5.0f, 0.1f);
  EXPECT_GT(v[5], 2 * std::fabs(v[4]));
  // A known word without a usable definition keeps a zero second half.
  const auto acid = row_vector(wv, wv.find(word_hash(U"acid")));
  EXPECT_NEAR(acid[0], 5.0f, 0.1f);
  for (int d = 4; d < 8; ++d) EXPECT_EQ(acid[d], 0.0f);
  // A new word repeats its definition vector in both halves.
  const auto t = row_vector(wv, wv.find(word_hash(U"titration")));
  for (int d = 0; d < 4; ++d) EXPECT_NEAR(t[d], t[4 + d], 0.05f);
  EXPECT_GT(t[0], 2 * std::fabs(t[1]));
}

TEST(DefinitionVectorsTest, IsDeterministic) {
  FakeWordNet wn("wordnet_det");
  WordVectors a = base_vectors(), b = base_vectors();
  ASSERT_TRUE(add_wordnet_vectors(a, wn.dir.string()).has_value());
  ASSERT_TRUE(add_wordnet_vectors(b, wn.dir.string()).has_value());
  EXPECT_EQ(a.row_hashes, b.row_hashes);
  ASSERT_EQ(a.slots.size(), b.slots.size());
  for (size_t i = 0; i < a.slots.size(); ++i) EXPECT_EQ(a.slots[i].row, b.slots[i].row);
  EXPECT_EQ(a.values, b.values);
  EXPECT_EQ(a.scales, b.scales);
}

TEST(DefinitionVectorsTest, CorruptOrMissingFilesAreErrorsNamingTheLine) {
  {
    FakeWordNet wn("wordnet_missing");
    fs::remove(wn.dir / "data.adv");
    WordVectors wv = base_vectors();
    auto r = add_wordnet_vectors(wv, wn.dir.string());
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, ErrorCode::kIo);
    EXPECT_NE(r.error().message.find("data.adv"), std::string::npos) << r.error().message;
  }
  struct Case {
    const char* file;
    const char* body;
    const char* expect;
  };
  const Case cases[] = {
      {"data.noun", "00000100 05 n 01 chemistry 0 000 the science\n", "data.noun:3: no \" | \""},
      {"data.noun", "00000100 05 v 01 chemistry 0 000 | the science\n", "data.noun:3: bad synset header"},
      {"data.noun", "00000100 05 n 03 chemistry 0 000 | the science\n", "data.noun:3: fewer words than w_cnt"},
      {"data.noun", "00000100 05 n 01 chemistry 0 x | the science\n", "data.noun:3: bad pointer count"},
      {"data.noun", "00000100 05 n 01 chemistry 0 002 @ 1 n 0000 | x\n", "data.noun:3: bad pointer 1"},
      {"data.noun", "00000100 05 n 01 chemistry 0 001 @ 1 q 0000 | x\n", "data.noun:3: bad pointer 0"},
      {"data.noun", "0000x100 05 n 01 chemistry 0 000 | x\n", "data.noun:3: bad synset header"},
      {"index.noun", "chemistry n 2 0 1 0 00000100\n", "index.noun:3: fewer synset offsets"},
      {"index.noun", "chemistry n 1 5 1 0 00000100\n", "index.noun:3: index entry ends early"},
      {"index.noun", "chemistry n\n", "index.noun:3: bad index entry"},
      {"index.noun", "newword n 1 0 1 0 00000999\n", "missing from data.noun"},
  };
  for (const Case& c : cases) {
    FakeWordNet wn("wordnet_corrupt");
    wn.write(c.file, c.body);
    WordVectors wv = base_vectors();
    const WordVectors before = wv;
    auto r = add_wordnet_vectors(wv, wn.dir.string());
    ASSERT_FALSE(r.has_value()) << c.body;
    EXPECT_NE(r.error().message.find(c.expect), std::string::npos) << r.error().message;
    EXPECT_EQ(wv.vocab, before.vocab) << "a failed load leaves the vectors alone";
    EXPECT_EQ(wv.row_hashes, before.row_hashes);
  }
}

// The real thing, when both are installed: WordNet (wordnet-base, installed by
// scripts/install-deps.sh) and the shared GloVe vectors.
TEST(DefinitionVectorsTest, RealWordNetPutsTermsNearTheirField) {
  const std::string glove = std::string(SEMROUTER_SOURCE_DIR) + "/../shared/data/models/glove_wink_100d";
  const std::string wordnet = "/usr/share/wordnet";
  if (!fs::exists(glove)) GTEST_SKIP() << "needs ../shared/data/models/glove_wink_100d (absent)";
  if (!fs::exists(wordnet + "/data.noun")) GTEST_SKIP() << "needs Debian's wordnet-base (absent)";
  auto wv = load_glove_f16(glove);
  ASSERT_TRUE(wv.has_value()) << wv.error().message;
  const WordVectors base = *wv;
  auto stats = add_wordnet_vectors(*wv, wordnet);
  ASSERT_TRUE(stats.has_value()) << stats.error().message;
  EXPECT_GT(stats->added, 100000u);
  EXPECT_EQ(wv->dim, 200u);
  auto glove_half = [&](const char32_t* w) {
    const int32_t r = base.find(word_hash(w));
    EXPECT_GE(r, 0) << "GloVe lacks a probe word";
    return row_vector(base, r);
  };
  auto def_half = [&](int32_t r) {
    EXPECT_GE(r, 0);
    auto v = row_vector(*wv, r);
    return std::vector<float>(v.begin() + 100, v.end());
  };
  auto cosine = [](const std::vector<float>& a, const std::vector<float>& b) {
    double ab = 0, aa = 0, bb = 0;
    for (size_t i = 0; i < a.size(); ++i) ab += a[i] * b[i], aa += a[i] * a[i], bb += b[i] * b[i];
    return ab / std::sqrt(aa * bb);
  };
  auto word = [&](const char32_t* w) { return def_half(wv->find_word(w, word_hash(w))); };
  // Words GloVe's top 20k lacks, found by their lemma or inflected form.
  EXPECT_EQ(base.find(word_hash(U"titration")), -1);
  EXPECT_GT(cosine(word(U"titrations"), glove_half(U"chemical")), cosine(word(U"titrations"), glove_half(U"court")));
  EXPECT_GT(cosine(word(U"meiosis"), glove_half(U"cells")), cosine(word(U"meiosis"), glove_half(U"economy")));
  EXPECT_GT(cosine(word(U"tort"), glove_half(U"legal")), cosine(word(U"tort"), glove_half(U"chemical")));
  const uint64_t dbl = word_hash(U"double");
  const auto jeopardy = def_half(wv->find_phrase(dbl, U"jeopardy", bigram_hash(dbl, word_hash(U"jeopardy"))));
  EXPECT_GT(cosine(jeopardy, glove_half(U"legal")), cosine(jeopardy, glove_half(U"math")));
}

TEST(DefinitionVectorsTest, NeedsBaseVectors) {
  FakeWordNet wn("wordnet_nobase");
  WordVectors empty;
  EXPECT_FALSE(add_wordnet_vectors(empty, wn.dir.string()).has_value());
}

}  // namespace
}  // namespace sr::engine

#pragma once
// Synthetic embedder and outcome data, so router tests need no ../shared data:
// prompts about "hard" topics need the strong model, "easy" ones do not.
#include <random>
#include <string>
#include <vector>

#include "decision/router/embedder.h"
#include "decision/router/model_file.h"
#include "decision/router/outcome_data.h"

namespace sr::router::testing {

struct SyntheticVectors {
  std::vector<std::string> words;
  std::vector<float> vecs;  // words.size() x dim
  size_t dim = 8;
};

inline SyntheticVectors synthetic_vectors() {
  SyntheticVectors v;
  v.words = {"the", "a", "of", "is", "what", "hard", "easy", "proof", "theorem",
             "recipe", "hello", "integral", "weather", "lemma", "cat", "dog"};
  std::mt19937_64 rng(42);
  std::normal_distribution<float> nd(0, 0.3f);
  for (size_t i = 0; i < v.words.size(); ++i)
    for (size_t d = 0; d < v.dim; ++d) v.vecs.push_back(nd(rng));
  auto axis = [&](const std::string& w, size_t d, float x) {
    for (size_t i = 0; i < v.words.size(); ++i)
      if (v.words[i] == w) v.vecs[i * v.dim + d] += x;
  };
  for (const char* w : {"hard", "proof", "theorem", "integral", "lemma"}) axis(w, 0, 3.0f);
  for (const char* w : {"easy", "recipe", "hello", "weather", "cat", "dog"}) axis(w, 1, 3.0f);
  return v;
}

//! Writes the "emb.*" sections in the layout of model-file `version`: 1 stored
//! the word vectors as float16 "emb.vecs", 2 as int8 rows "emb.vecs.q/.scale".
inline void write_synthetic_embedder(ModelWriter& w, uint32_t version = kModelFileVersion) {
  auto v = synthetic_vectors();
  std::string vocab;
  for (const auto& word : v.words) vocab += word + "\n";
  int32_t d = static_cast<int32_t>(v.dim);
  w.add_i32("emb.dim", std::span<const int32_t>(&d, 1));
  w.add_string("emb.vocab", vocab);
  if (version >= 2)
    w.add_rows_i8("emb.vecs", v.vecs, v.dim);
  else
    w.add_f32("emb.vecs", v.vecs, /*as_f16=*/true);
}

inline EmbedderPtr synthetic_embedder() {
  ModelWriter w;
  write_synthetic_embedder(w);
  auto mf = ModelFile::parse(w.serialize(), "synthetic");
  return *Embedder::load(*mf);
}

//! n prompts; hard ones: strong right, weak wrong (90 %); easy ones: both right.
inline OutcomeSet synthetic_outcomes(size_t n, uint64_t seed) {
  OutcomeSet s;
  s.models = {"weak", "strong"};
  s.weak = 0;
  s.strong = 1;
  std::mt19937_64 rng(seed);
  const std::vector<std::string> hard = {"hard", "proof", "theorem", "integral", "lemma"};
  const std::vector<std::string> easy = {"easy", "recipe", "hello", "weather", "cat", "dog"};
  for (size_t i = 0; i < n; ++i) {
    bool is_hard = rng() % 2;
    const auto& pool = is_hard ? hard : easy;
    std::string text = "what is the " + pool[rng() % pool.size()] + " of a " + pool[rng() % pool.size()] + " " +
                       std::to_string(i % 7);
    bool noise = rng() % 10 == 0;
    float weak = is_hard ? (noise ? 1.0f : 0.0f) : 1.0f;
    s.rows.push_back({text, is_hard ? "hard" : "easy", {weak, 1.0f}});
  }
  return s;
}

}  // namespace sr::router::testing

#pragma once
// Per-prompt features computed once and shared by all sub-routers of an
// ensemble: the SIF embedding, the text statistics and hashed word n-grams.
#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "decision/router/embedder.h"
#include "decision/router/text_features.h"

namespace sr::router {

struct Features {
  std::vector<float> emb;                   // unit length, Embedder::dim()
  std::array<float, kNumTextStats> stats{};
  std::vector<uint32_t> grams;              // hashed unigrams + bigrams (unbounded ids)
};

Features featurize(const Embedder& emb, std::string_view text);

//! Logistic function, clamped against overflow.
float sigmoid(float x);

}  // namespace sr::router

#include "decision/router/features.h"

#include <cmath>

namespace sr::router {

float sigmoid(float x) {
  x = std::fmax(-30.0f, std::fmin(30.0f, x));
  return 1.0f / (1.0f + std::exp(-x));
}

Features featurize(const Embedder& emb, std::string_view text) {
  Features f;
  auto tokens = tokenize(text);
  f.emb.resize(emb.dim());
  emb.embed_tokens(tokens, f.emb.data());
  f.stats = text_stats(text);
  f.grams.reserve(tokens.size() * 2);
  uint64_t prev = 0;
  for (const auto& t : tokens) {
    uint64_t h = fnv1a(t);
    f.grams.push_back(static_cast<uint32_t>(h));
    if (prev) f.grams.push_back(static_cast<uint32_t>((prev * 31) ^ (h >> 7) ^ 0x9e3779b9u));
    prev = h;
  }
  return f;
}

}  // namespace sr::router

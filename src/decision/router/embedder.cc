#include "decision/router/embedder.h"

#include <cmath>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>

#include "decision/router/text_features.h"

namespace sr::router {

namespace {
constexpr float kSifA = 1e-3f;
// Harmonic normaliser of a Zipf law over GloVe's 400k-word vocabulary.
constexpr double kZipfNorm = 13.5;
}  // namespace

namespace {
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
// An AVX2 clone picked at load time (ifunc); the default clone runs anywhere.
#define SR_DOT_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define SR_DOT_CLONES
#endif
typedef float v8f __attribute__((vector_size(32)));
}  // namespace

// Half the router's scoring time is here (kNN and IVF probes). Two 8-lane
// accumulators reduced in a fixed order: the AVX2 and the SSE clone add the
// same numbers in the same order, so scores and trained files do not depend
// on the CPU.
SR_DOT_CLONES float dot(const float* a, const float* b, size_t n) {
  v8f s0 = {}, s1 = {};
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    v8f x0, y0, x1, y1;
    std::memcpy(&x0, a + i, sizeof x0);
    std::memcpy(&y0, b + i, sizeof y0);
    std::memcpy(&x1, a + i + 8, sizeof x1);
    std::memcpy(&y1, b + i + 8, sizeof y1);
    s0 += x0 * y0;
    s1 += x1 * y1;
  }
  const v8f v = s0 + s1;
  float r = ((v[0] + v[1]) + (v[2] + v[3])) + ((v[4] + v[5]) + (v[6] + v[7]));
  for (; i < n; ++i) r += a[i] * b[i];
  return r;
}

void Embedder::build_index() {
  index_.clear();
  index_.reserve(words_.size() * 2);
  weights_.resize(words_.size());
  for (size_t i = 0; i < words_.size(); ++i) {
    index_.emplace(words_[i], static_cast<int>(i));
    double p = 1.0 / ((static_cast<double>(i) + 1.0) * kZipfNorm);
    weights_[i] = static_cast<float>(kSifA / (kSifA + p));
  }
}

Result<std::shared_ptr<Embedder>> Embedder::load_glove(const std::string& dir, size_t max_words) {
  const std::string vocab_path = dir + "/glove_wink_100d_top20k.vocab.txt";
  const std::string bin_path = dir + "/glove_wink_100d_top20k.f16.bin";
  std::ifstream vf(vocab_path);
  if (!vf) return fail(ErrorCode::kModelFile, "cannot open " + vocab_path);
  auto e = std::make_shared<Embedder>();
  e->dim_ = 100;
  std::string line;
  while (std::getline(vf, line) && e->words_.size() < max_words) e->words_.push_back(line);
  std::ifstream bf(bin_path, std::ios::binary);
  if (!bf) return fail(ErrorCode::kModelFile, "cannot open " + bin_path);
  std::vector<uint16_t> raw(e->words_.size() * e->dim_);
  bf.read(reinterpret_cast<char*>(raw.data()), static_cast<std::streamsize>(raw.size() * 2));
  if (bf.gcount() != static_cast<std::streamsize>(raw.size() * 2))
    return fail(ErrorCode::kModelFile, bin_path + ": shorter than its vocabulary");
  e->vecs_.resize(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) e->vecs_[i] = half_to_float(raw[i]);
  // Train on the vectors router.bin will hold, so a loaded router embeds as the trained one did.
  quantize_rows_i8(e->vecs_, e->dim_);
  e->build_index();
  return e;
}

Result<std::shared_ptr<Embedder>> Embedder::load(const ModelFile& mf) {
  auto e = std::make_shared<Embedder>();
  auto dims = mf.ints("emb.dim", 1);
  if (!dims) return tl::unexpected(dims.error());
  if ((*dims)[0] <= 0 || (*dims)[0] > 4096) return fail(ErrorCode::kModelFile, mf.origin() + ": bad emb.dim");
  e->dim_ = static_cast<size_t>((*dims)[0]);
  auto vocab = mf.string("emb.vocab");
  if (!vocab) return tl::unexpected(vocab.error());
  std::istringstream vs(*vocab);
  std::string w;
  while (std::getline(vs, w)) e->words_.push_back(w);
  // Version 1 stored the vectors as float16, version 2 as int8 rows with a scale.
  auto vecs = mf.version() >= 2 ? mf.rows_i8("emb.vecs", e->dim_, static_cast<int64_t>(e->words_.size()))
                                : mf.floats("emb.vecs", static_cast<int64_t>(e->words_.size() * e->dim_));
  if (!vecs) return tl::unexpected(vecs.error());
  e->vecs_ = std::move(*vecs);
  if (mf.has("emb.common")) {
    auto c = mf.floats("emb.common", static_cast<int64_t>(e->dim_));
    if (!c) return tl::unexpected(c.error());
    e->common_ = std::move(*c);
  }
  e->build_index();
  return e;
}

void Embedder::save(ModelWriter& w) const {
  std::string vocab;
  for (const auto& word : words_) vocab += word + "\n";
  int32_t dim = static_cast<int32_t>(dim_);
  w.add_i32("emb.dim", std::span<const int32_t>(&dim, 1));
  w.add_string("emb.vocab", vocab);
  w.add_rows_i8("emb.vecs", vecs_, dim_);
  if (!common_.empty()) w.add_f32("emb.common", common_);
}

void Embedder::embed(std::string_view text, float* out) const { embed_tokens(tokenize(text), out); }

void Embedder::embed_tokens(const std::vector<std::string>& tokens, float* out) const {
  std::fill(out, out + dim_, 0.0f);
  float total = 0;
  for (const auto& t : tokens) {
    auto it = index_.find(std::string_view(t));
    if (it == index_.end()) continue;
    float wt = weights_[static_cast<size_t>(it->second)];
    const float* v = &vecs_[static_cast<size_t>(it->second) * dim_];
    for (size_t d = 0; d < dim_; ++d) out[d] += wt * v[d];
    total += wt;
  }
  if (total <= 0) return;
  for (size_t d = 0; d < dim_; ++d) out[d] /= total;
  if (!common_.empty()) {
    float p = dot(out, common_.data(), dim_);
    for (size_t d = 0; d < dim_; ++d) out[d] -= p * common_[d];
  }
  float norm = std::sqrt(dot(out, out, dim_));
  if (norm > 1e-9f)
    for (size_t d = 0; d < dim_; ++d) out[d] /= norm;
}

std::vector<float> Embedder::embed(std::string_view text) const {
  std::vector<float> v(dim_);
  embed(text, v.data());
  return v;
}

void Embedder::fit_common_component(const std::vector<std::string>& texts) {
  common_.clear();
  std::vector<float> x;
  size_t n = 0;
  for (const auto& t : texts) {
    auto v = embed(t);  // common_ empty: plain SIF mean, normalised
    x.insert(x.end(), v.begin(), v.end());
    ++n;
  }
  if (n < 2) return;
  // Power iteration on X^T X for the first (uncentred, as in SIF) principal direction.
  std::vector<float> u(dim_, 1.0f / std::sqrt(static_cast<float>(dim_))), next(dim_);
  for (int it = 0; it < 50; ++it) {
    std::fill(next.begin(), next.end(), 0.0f);
    for (size_t i = 0; i < n; ++i) {
      const float* r = &x[i * dim_];
      float p = dot(r, u.data(), dim_);
      for (size_t d = 0; d < dim_; ++d) next[d] += p * r[d];
    }
    float norm = std::sqrt(dot(next.data(), next.data(), dim_));
    if (norm < 1e-12f) return;
    for (size_t d = 0; d < dim_; ++d) u[d] = next[d] / norm;
  }
  common_ = u;
}

}  // namespace sr::router

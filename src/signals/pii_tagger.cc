#include "signals/pii_tagger.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <numeric>
#include <random>

namespace sr::signals::pii {

// ---------------------------------------------------------------- Gazetteer

void Gazetteer::grow() {
  std::vector<uint64_t> old_keys = std::move(keys_);
  std::vector<uint16_t> old_vals = std::move(vals_);
  size_t cap = old_keys.empty() ? 1024 : old_keys.size() * 2;
  keys_.assign(cap, 0);
  vals_.assign(cap, 0);
  count_ = 0;
  for (size_t i = 0; i < old_keys.size(); ++i) {
    if (old_keys[i]) add(old_keys[i], old_vals[i]);
  }
}

void Gazetteer::add(uint64_t hash, uint16_t bits) {
  if (hash == 0) hash = 1;
  if ((count_ + 1) * 2 > keys_.size()) grow();
  size_t mask = keys_.size() - 1;
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    if (keys_[i] == hash) {
      vals_[i] |= bits;
      return;
    }
    if (keys_[i] == 0) {
      keys_[i] = hash;
      vals_[i] = bits;
      ++count_;
      return;
    }
  }
}

uint16_t Gazetteer::lookup(uint64_t hash) const {
  if (keys_.empty()) return 0;
  if (hash == 0) hash = 1;
  size_t mask = keys_.size() - 1;
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    if (keys_[i] == hash) return vals_[i];
    if (keys_[i] == 0) return 0;
  }
}

std::vector<std::pair<uint64_t, uint16_t>> Gazetteer::entries() const {
  std::vector<std::pair<uint64_t, uint16_t>> out;
  out.reserve(count_);
  for (size_t i = 0; i < keys_.size(); ++i) {
    if (keys_[i]) out.emplace_back(keys_[i], vals_[i]);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// ---------------------------------------------------------------- features

namespace {

// Feature template ids; the value hashes are mixed with these.
enum Tmpl : uint64_t {
  kBias = 1, kW0, kWm1, kWp1, kWm2, kWp2, kShape0, kShapem1, kShapep1, kPre3, kSuf3, kSuf2,
  kGaz0, kGazm1, kGazp1, kFlags, kBigram, kShapeGaz, kLineBreak, kLineShape, kLeft3
};

uint32_t flags_of(const Token& t, int len_cp) {
  uint32_t f = 0;
  f |= t.upper_first ? 1u : 0u;
  f |= t.all_upper ? 2u : 0u;
  f |= t.nl_before ? 4u : 0u;
  f |= t.space_before ? 8u : 0u;
  f |= static_cast<uint32_t>(std::min<int>(len_cp, 7)) << 4;
  f |= static_cast<uint32_t>(std::min<int>(t.n_digits, 7)) << 7;
  f |= static_cast<uint32_t>(t.kind) << 10;
  return f;
}

}  // namespace

void extract_features(const Doc& doc, const Gazetteer& gaz, uint32_t bucket_bits, std::vector<uint32_t>* feats) {
  int n = doc.size();
  feats->resize(static_cast<size_t>(n) * kNumFeatures);
  // Per-token value hashes first, so each feature is one mix, not one string hash.
  thread_local std::vector<uint64_t> hw, hs, hp3, hs3, hs2;
  thread_local std::vector<uint16_t> gz;
  thread_local std::string shape;
  hw.resize(n + 4), hs.resize(n + 4), hp3.resize(n), hs3.resize(n), hs2.resize(n), gz.resize(n + 4);
  // Index shift of 2 gives two padding slots on each side.
  hw[0] = hw[1] = hw[n + 2] = hw[n + 3] = 0x5151;
  hs[0] = hs[1] = hs[n + 2] = hs[n + 3] = 0x5151;
  gz[0] = gz[1] = gz[n + 2] = gz[n + 3] = 0x8000;
  for (int i = 0; i < n; ++i) {
    std::string_view w = doc.lower(i);
    uint64_t h = fnv1a(w);
    hw[i + 2] = h;
    const Token& tk = doc.toks[i];
    if (!tk.has_nonascii) {
      // Same bytes as word_shape() would produce, hashed on the fly.
      uint64_t sh = 1469598103934665603ull;
      char last = 0;
      int run = 0;
      for (uint32_t b = tk.b0; b < tk.b1; ++b) {
        char ch = doc.text[b];
        char c = (ch >= '0' && ch <= '9') ? 'd' : (ch >= 'A' && ch <= 'Z') ? 'X' : (ch >= 'a' && ch <= 'z') ? 'x' : ch;
        if (c == last && ++run >= 2) continue;
        if (c != last) last = c, run = 0;
        sh ^= static_cast<unsigned char>(c);
        sh *= 1099511628211ull;
      }
      hs[i + 2] = sh;
    } else {
      shape.clear();
      word_shape(doc.text, tk, &shape);
      hs[i + 2] = fnv1a(shape);
    }
    gz[i + 2] = gaz.lookup(h);
    // Prefix/suffix by bytes is fine: only a hashing key, and UTF-8 cuts are consistent.
    size_t k3 = std::min<size_t>(3, w.size()), k2 = std::min<size_t>(2, w.size());
    hp3[i] = fnv1a(w.substr(0, k3));
    hs3[i] = fnv1a(w.substr(w.size() - k3));
    hs2[i] = fnv1a(w.substr(w.size() - k2));
  }
  const uint32_t mask = (1u << bucket_bits) - 1;
  for (int i = 0; i < n; ++i) {
    uint32_t* f = feats->data() + static_cast<size_t>(i) * kNumFeatures;
    int j = i + 2;
    const Token& t = doc.toks[i];
    uint64_t v[kNumFeatures] = {
        hash_mix(kBias, 0),
        hash_mix(kW0, hw[j]),
        hash_mix(kWm1, hw[j - 1]),
        hash_mix(kWp1, hw[j + 1]),
        hash_mix(kWm2, hw[j - 2]),
        hash_mix(kWp2, hw[j + 2]),
        hash_mix(kShape0, hs[j]),
        hash_mix(kShapem1, hs[j - 1]),
        hash_mix(kShapep1, hs[j + 1]),
        hash_mix(kPre3, hp3[i]),
        hash_mix(kSuf3, hs3[i]),
        hash_mix(kSuf2, hs2[i]),
        hash_mix(kGaz0, gz[j]),
        hash_mix(kGazm1, gz[j - 1]),
        hash_mix(kGazp1, gz[j + 1]),
        hash_mix(kFlags, flags_of(t, t.c1 - t.c0)),
        hash_mix(kBigram, hw[j - 1] * 31 + hw[j]),
        hash_mix(kShapeGaz, hs[j] * 131 + gz[j] + (static_cast<uint64_t>(gz[j - 1]) << 16)),
        // Line structure on its own (the flags feature mixes it with case and
        // length): a line break before/after the token is where address lines,
        // signature lines and list items begin and end.
        hash_mix(kLineBreak, (t.nl_before ? 1u : 0u) | (i + 1 < n && doc.toks[i + 1].nl_before ? 2u : 0u) |
                                 (i + 1 >= n ? 4u : 0u)),
        hash_mix(kLineShape, hs[j] * 7 + (t.nl_before ? 1u : 0u) + (i + 1 < n && doc.toks[i + 1].nl_before ? 2u : 0u)),
        // The three words before: "his address: 21" vs "'s address:\n\n21".
        hash_mix(kLeft3, (i >= 3 ? hw[j - 3] : 0x5151) * 1000003 + hw[j - 2] * 31 + hw[j - 1]),
    };
    for (int k = 0; k < kNumFeatures; ++k) f[k] = static_cast<uint32_t>(v[k]) & mask;
  }
}

// ---------------------------------------------------------------- Viterbi

// Transition matrix padded to 16x16 (+ start row 16): forbidden moves and
// padding tags get kNeg, so the forward pass needs no branches.
struct PaddedTrans {
  alignas(64) float m[kTagStride + 1][kTagStride];
};

namespace {

// The two hot loops get an AVX2 clone picked at load time (ifunc); the
// default clone runs anywhere.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define SR_PII_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define SR_PII_CLONES
#endif

// 16 lanes = kTagStride tags; GCC/Clang lower these to SSE/AVX as available.
typedef float v16f __attribute__((vector_size(64)));
typedef float v8f __attribute__((vector_size(32)));
typedef int16_t v16s __attribute__((vector_size(32)));
typedef int8_t v16b __attribute__((vector_size(16)));

constexpr float kNeg = -1e30f;

// BIO constraint: I-x (even tag 2+2k) may only follow B-x or I-x.
inline bool allowed(int prev, int tag) {
  if (tag == 0 || (tag & 1)) return true;  // O or B-*
  return prev == tag || prev == tag - 1;
}


void pad_trans(const float* trans, int T, PaddedTrans* pt) {
  for (int p = 0; p <= kTagStride; ++p) {
    for (int t = 0; t < kTagStride; ++t) pt->m[p][t] = kNeg;
  }
  for (int p = 0; p < T; ++p) {
    for (int t = 0; t < T; ++t) pt->m[p][t] = allowed(p, t) ? trans[p * T + t] : kNeg;
  }
  for (int t = 0; t < T; ++t) pt->m[kTagStride][t] = (t == 0 || (t & 1)) ? trans[T * T + t] : kNeg;
}

// Best tag path for emissions em[i*16 + t] (padding lanes ignored). Only the
// forward maxima are kept; back-pointers are recomputed along the chosen path.
SR_PII_CLONES void viterbi(const float* em, int n, int T, const PaddedTrans& pt, std::vector<uint8_t>* path) {
  // Plain float storage (vector types lose their alignment as template
  // arguments); every vector load/store goes through memcpy, i.e. movups.
  thread_local std::vector<float> delta;
  delta.resize(static_cast<size_t>(n) * kTagStride);
  for (int t = 0; t < kTagStride; ++t) delta[t] = pt.m[kTagStride][t] + em[t];
  // 8-lane vectors: one register in the AVX2 clone, two SSE ops otherwise.
  for (int i = 1; i < n; ++i) {
    const float* dp = &delta[static_cast<size_t>(i - 1) * kTagStride];
    v8f best0 = {kNeg, kNeg, kNeg, kNeg, kNeg, kNeg, kNeg, kNeg}, best1 = best0;
    for (int p = 0; p < T; ++p) {
      v8f r0, r1;
      std::memcpy(&r0, &pt.m[p][0], sizeof(r0));
      std::memcpy(&r1, &pt.m[p][8], sizeof(r1));
      v8f c0 = r0 + dp[p], c1 = r1 + dp[p];
      best0 = c0 > best0 ? c0 : best0;
      best1 = c1 > best1 ? c1 : best1;
    }
    const float* e = em + static_cast<size_t>(i) * kTagStride;
    float* out = &delta[static_cast<size_t>(i) * kTagStride];
    v8f e0, e1;
    std::memcpy(&e0, e, sizeof(e0));
    std::memcpy(&e1, e + 8, sizeof(e1));
    best0 += e0;
    best1 += e1;
    std::memcpy(out, &best0, sizeof(best0));
    std::memcpy(out + 8, &best1, sizeof(best1));
  }
  path->resize(n);
  const float* dl = &delta[static_cast<size_t>(n - 1) * kTagStride];
  int cur = static_cast<int>(std::max_element(dl, dl + T) - dl);
  for (int i = n - 1; i >= 0; --i) {
    (*path)[i] = static_cast<uint8_t>(cur);
    if (i == 0) break;
    const float* dp = &delta[static_cast<size_t>(i - 1) * kTagStride];
    float bv = kNeg;
    int arg = 0;
    for (int p = 0; p < T; ++p) {
      float v = dp[p] + pt.m[p][cur];
      if (v > bv) bv = v, arg = p;
    }
    cur = arg;
  }
}

// Spans of the path. A span's score is how strongly, on average over its
// tokens, the chosen tag beats "O" (not PII), squashed into [0.5, 0.99]:
// the question a redactor asks is "is this PII", not "which type".
// Margins are in perceptron units (typically 10..80 for a name); 0.05 maps a
// margin of 20 to 0.73 and 60 to 0.95. Not a calibrated probability.
constexpr float kScoreScale = 0.05f;
void path_to_candidates(const std::vector<uint8_t>& path, const float* em, const std::vector<EntityType>& types,
                        std::vector<Candidate>* out) {
  int n = static_cast<int>(path.size());
  for (int i = 0; i < n;) {
    int t = path[i];
    if (t == 0) {
      ++i;
      continue;
    }
    int k = (t - 1) / 2;
    int j = i + 1;
    while (j < n && path[j] == 2 + 2 * k) ++j;
    float sum = 0.0f;
    for (int q = i; q < j; ++q) {
      const float* e = em + static_cast<size_t>(q) * kTagStride;
      sum += e[path[q]] - e[0];
    }
    float score = 1.0f / (1.0f + std::exp(-kScoreScale * sum / static_cast<float>(j - i)));
    score = std::clamp(score, 0.5f, 0.99f);
    out->push_back(Candidate{types[k], i, j, score, false});
    i = j;
  }
}

}  // namespace

void TaggerModel::finish() {
  padded_ = std::make_shared<PaddedTrans>();
  pad_trans(trans.data(), num_tags(), padded_.get());
}

SR_PII_CLONES void tag(const TaggerModel& m, const Doc& doc, std::vector<Candidate>* out) {
  int n = doc.size();
  if (n == 0) return;
  const int T = m.num_tags();
  thread_local std::vector<uint32_t> feats;
  thread_local std::vector<float> em;
  thread_local std::vector<uint8_t> path;
  extract_features(doc, m.gaz, m.bucket_bits, &feats);
  em.resize(static_cast<size_t>(n) * kTagStride);
  const int8_t* emit = m.emit.data();
  // Rows are scattered over the hashed table: fetch a few tokens ahead.
  constexpr int kAhead = 3;
  for (int i = 0; i < std::min(n, kAhead); ++i) {
    for (int k = 0; k < kNumFeatures; ++k) {
      __builtin_prefetch(emit + static_cast<size_t>(feats[static_cast<size_t>(i) * kNumFeatures + k]) * kTagStride);
    }
  }
  for (int i = 0; i < n; ++i) {
    if (i + kAhead < n) {
      const uint32_t* fa = &feats[static_cast<size_t>(i + kAhead) * kNumFeatures];
      for (int k = 0; k < kNumFeatures; ++k) __builtin_prefetch(emit + static_cast<size_t>(fa[k]) * kTagStride);
    }
    const uint32_t* f = &feats[static_cast<size_t>(i) * kNumFeatures];
    v16s acc = {};
    for (int k = 0; k < kNumFeatures; ++k) {
      v16b row;
      std::memcpy(&row, emit + static_cast<size_t>(f[k]) * kTagStride, sizeof(row));
      acc += __builtin_convertvector(row, v16s);
    }
    v16f e = __builtin_convertvector(acc, v16f) * m.emit_scale;
    std::memcpy(&em[static_cast<size_t>(i) * kTagStride], &e, sizeof(e));
  }
  viterbi(em.data(), n, T, m.padded_trans(), &path);
  path_to_candidates(path, em.data(), m.types, out);
}

// ---------------------------------------------------------------- training

TaggerModel train_tagger(const std::vector<TaggedDoc>& docs, std::vector<EntityType> types, Gazetteer gaz,
                         const TrainConfig& cfg) {
  TaggerModel m;
  m.types = std::move(types);
  m.gaz = std::move(gaz);
  const int T = m.num_tags();
  const size_t B = size_t{1} << m.bucket_bits;
  std::vector<float> w(B * T, 0.0f), u(B * T, 0.0f);
  std::vector<float> tr((T + 1) * T, 0.0f), tu((T + 1) * T, 0.0f);

  // Features are fixed per document: extract once.
  std::vector<std::vector<uint32_t>> feats(docs.size());
  std::vector<int> ntok(docs.size());
  for (size_t d = 0; d < docs.size(); ++d) {
    Doc doc;
    doc.build(docs[d].text, kMaxScanBytes);
    extract_features(doc, m.gaz, m.bucket_bits, &feats[d]);
    ntok[d] = doc.size();
  }
  std::vector<size_t> order(docs.size());
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(cfg.seed);
  float c = 1.0f;
  std::vector<float> em;
  std::vector<uint8_t> pred;
  PaddedTrans ptrans;
  for (int ep = 0; ep < cfg.epochs; ++ep) {
    std::shuffle(order.begin(), order.end(), rng);
    size_t errors = 0;
    for (size_t oi = 0; oi < order.size(); ++oi) {
      size_t d = order[oi];
      int n = ntok[d];
      if (n == 0 || static_cast<int>(docs[d].tags.size()) != n) continue;
      em.assign(static_cast<size_t>(n) * kTagStride, 0.0f);
      const auto& f = feats[d];
      for (int i = 0; i < n; ++i) {
        for (int k = 0; k < kNumFeatures; ++k) {
          const float* row = &w[static_cast<size_t>(f[i * kNumFeatures + k]) * T];
          for (int t = 0; t < T; ++t) em[i * kTagStride + t] += row[t];
        }
      }
      pad_trans(tr.data(), T, &ptrans);
      viterbi(em.data(), n, T, ptrans, &pred);
      const auto& gold = docs[d].tags;
      if (pred != gold) {
        ++errors;
        for (int i = 0; i < n; ++i) {
          int g = gold[i], p = pred[i];
          int gp = i == 0 ? T : gold[i - 1], pp = i == 0 ? T : pred[i - 1];
          if (g != p) {
            for (int k = 0; k < kNumFeatures; ++k) {
              size_t base = static_cast<size_t>(f[i * kNumFeatures + k]) * T;
              w[base + g] += 1.0f, u[base + g] += c;
              w[base + p] -= 1.0f, u[base + p] -= c;
            }
          }
          if (g != p || gp != pp) {
            tr[gp * T + g] += 1.0f, tu[gp * T + g] += c;
            tr[pp * T + p] -= 1.0f, tu[pp * T + p] -= c;
          }
        }
      }
      c += 1.0f;
      if (cfg.progress && (oi % 256 == 0 || oi + 1 == order.size())) {
        int width = 30;
        double frac = (ep + static_cast<double>(oi + 1) / order.size()) / cfg.epochs;
        int fill = static_cast<int>(frac * width);
        std::fprintf(stderr, "\rtrain pii [%.*s%*s] %3d%% epoch %d/%d", fill, "##############################",
                     width - fill, "", static_cast<int>(frac * 100), ep + 1, cfg.epochs);
      }
    }
    if (cfg.progress) std::fprintf(stderr, " errors %zu/%zu", errors, order.size());
  }
  if (cfg.progress) std::fprintf(stderr, "\n");
  // Averaged weights, then int8 emissions with one scale.
  float maxabs = 0.0f;
  for (size_t i = 0; i < w.size(); ++i) {
    w[i] -= u[i] / c;
    maxabs = std::max(maxabs, std::fabs(w[i]));
  }
  m.emit_scale = maxabs > 0 ? maxabs / 127.0f : 1.0f;
  m.emit.assign(B * kTagStride, 0);
  for (size_t b = 0; b < B; ++b) {
    for (int t = 0; t < T; ++t) {
      float q = std::clamp(w[b * T + t] / m.emit_scale, -127.0f, 127.0f);
      m.emit[b * kTagStride + t] = static_cast<int8_t>(std::lround(q));
    }
  }
  m.trans.resize(tr.size());
  for (size_t i = 0; i < tr.size(); ++i) m.trans[i] = tr[i] - tu[i] / c;
  m.finish();
  return m;
}

// ---------------------------------------------------------------- file I/O

namespace {
constexpr char kMagic[8] = {'S', 'R', 'P', 'I', 'I', 'T', 'G', '1'};
// Version 2: 21 features per token (line-break, line-shape and three-word
// left context added) and STREET_ADDRESS listed twice (blocks and pieces).
// A version-1 file would decode with the wrong features, so it is refused.
constexpr uint32_t kVersion = 2;

template <class T>
void put(std::string* out, const T& v) {
  out->append(reinterpret_cast<const char*>(&v), sizeof(T));
}

// Bounds-checked reader over the file bytes.
struct Reader {
  std::string_view data;
  size_t pos = 0;
  template <class T>
  bool get(T* v) {
    if (data.size() - pos < sizeof(T)) return false;
    std::memcpy(v, data.data() + pos, sizeof(T));
    pos += sizeof(T);
    return true;
  }
  bool bytes(void* dst, size_t n) {
    if (data.size() - pos < n) return false;
    std::memcpy(dst, data.data() + pos, n);
    pos += n;
    return true;
  }
};
}  // namespace

Result<bool> save_tagger(const TaggerModel& m, const std::string& path) {
  std::string out;
  out.append(kMagic, 8);
  put(&out, kVersion);
  put(&out, m.bucket_bits);
  put(&out, static_cast<uint32_t>(m.types.size()));
  for (EntityType t : m.types) put(&out, static_cast<uint8_t>(t));
  put(&out, m.emit_scale);
  out.append(reinterpret_cast<const char*>(m.emit.data()), m.emit.size());
  out.append(reinterpret_cast<const char*>(m.trans.data()), m.trans.size() * sizeof(float));
  auto ents = m.gaz.entries();
  put(&out, static_cast<uint32_t>(ents.size()));
  for (const auto& [h, bits] : ents) {
    put(&out, h);
    put(&out, bits);
  }
  put(&out, fnv1a(out));
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  if (!f) return fail(ErrorCode::kIo, "pii: cannot write " + path);
  f.write(out.data(), static_cast<std::streamsize>(out.size()));
  if (!f) return fail(ErrorCode::kIo, "pii: write failed for " + path);
  return true;
}

Result<TaggerModel> load_tagger(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return fail(ErrorCode::kModelFile, "pii: cannot open model file " + path);
  std::string data((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  auto bad = [&](const std::string& what) {
    return fail(ErrorCode::kModelFile, "pii: model file " + path + ": " + what);
  };
  if (data.size() < 8 + 12 + 8) return bad("too short (" + std::to_string(data.size()) + " bytes)");
  if (std::memcmp(data.data(), kMagic, 8) != 0) return bad("bad magic (expected SRPIITG1)");
  uint64_t stored;
  std::memcpy(&stored, data.data() + data.size() - 8, 8);
  if (fnv1a(std::string_view(data).substr(0, data.size() - 8)) != stored) return bad("checksum mismatch (corrupt or truncated)");
  Reader r{std::string_view(data).substr(0, data.size() - 8), 8};
  TaggerModel m;
  uint32_t version, ntypes;
  if (!r.get(&version) || version != kVersion) return bad("unsupported version " + std::to_string(version));
  if (!r.get(&m.bucket_bits) || m.bucket_bits < 8 || m.bucket_bits > 22) {
    return bad("bucket_bits out of range: " + std::to_string(m.bucket_bits));
  }
  if (!r.get(&ntypes) || ntypes == 0 || ntypes > kMaxTaggerTypes) return bad("type count out of range: " + std::to_string(ntypes));
  for (uint32_t i = 0; i < ntypes; ++i) {
    uint8_t t;
    if (!r.get(&t) || t >= kNumEntityTypes) return bad("bad entity type id");
    m.types.push_back(static_cast<EntityType>(t));
  }
  if (!r.get(&m.emit_scale) || !std::isfinite(m.emit_scale) || m.emit_scale <= 0) return bad("bad emit_scale");
  const size_t T = m.num_tags();
  m.emit.resize((size_t{1} << m.bucket_bits) * kTagStride);
  if (!r.bytes(m.emit.data(), m.emit.size())) return bad("truncated emission weights");
  m.trans.resize((T + 1) * T);
  if (!r.bytes(m.trans.data(), m.trans.size() * sizeof(float))) return bad("truncated transitions");
  for (float x : m.trans) {
    if (!std::isfinite(x)) return bad("non-finite transition weight");
  }
  uint32_t ngaz;
  if (!r.get(&ngaz) || ngaz > (1u << 22)) return bad("gazetteer count out of range");
  for (uint32_t i = 0; i < ngaz; ++i) {
    uint64_t h;
    uint16_t bits;
    if (!r.get(&h) || !r.get(&bits)) return bad("truncated gazetteer");
    m.gaz.add(h, bits);
  }
  if (r.pos != r.data.size()) return bad("trailing bytes after gazetteer");
  m.finish();
  return m;
}

}  // namespace sr::signals::pii

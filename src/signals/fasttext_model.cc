#include "signals/fasttext_model.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <unordered_set>
#include <utility>

namespace sr::signals {

namespace {

constexpr int32_t kMagic = 793712314;
constexpr int32_t kMaxVersion = 12;
constexpr int32_t kMinVersion = 11;
constexpr int32_t kMaxDim = 4096;
constexpr int32_t kMaxNgramLen = 64;
constexpr int32_t kMaxWordNgrams = 64;
constexpr int32_t kCentroids = 256;  // ProductQuantizer::ksub_, fixed by the format
constexpr int32_t kModelSupervised = 3;
// Dequantized matrices above this are refused: a tiny hostile file could
// otherwise ask for gigabytes (codes are 1 byte, a float row up to 16 KiB).
constexpr uint64_t kMaxFloatBytes = uint64_t(1) << 30;
constexpr uint64_t kMaxFileBytes = uint64_t(4) << 30;
// The kept-bucket bitmap of a pruned model costs bucket / 4 bytes.
constexpr int32_t kMaxPrunedBucket = int32_t(1) << 27;
constexpr std::string_view kEos = "</s>";
constexpr std::string_view kLabelPrefix = "__label__";

// fastText's FNV-1a variant: each byte is sign-extended before the xor
// (released models were trained with signed char), so bytes >= 0x80 differ
// from textbook FNV-1a.
inline uint32_t fnv_step(uint32_t h, unsigned char c) {
  h ^= uint32_t(int32_t(int8_t(c)));
  return h * 16777619u;
}
constexpr uint32_t kFnvBasis = 2166136261u;

inline uint32_t fnv(std::string_view s) {
  uint32_t h = kFnvBasis;
  for (char c : s) h = fnv_step(h, static_cast<unsigned char>(c));
  return h;
}

inline bool is_delim(unsigned char c) {
  return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\v' || c == '\f' || c == '\0';
}

inline bool is_continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

// std::popcount becomes a libgcc call on baseline x86-64 (no POPCNT); this
// SWAR count inlines.
inline uint32_t popcount64(uint64_t x) {
  x = x - ((x >> 1) & 0x5555555555555555ULL);
  x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
  x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0FULL;
  return uint32_t((x * 0x0101010101010101ULL) >> 56);
}

// log(p + 1e-5) with fastText's float/double conversions, so scores and
// thresholds round exactly as in the reference.
inline float std_log(float x) { return static_cast<float>(std::log(static_cast<double>(x) + 1e-5)); }

size_t table_size_for(size_t n) {
  size_t s = 16;
  while (s < 2 * n) s <<= 1;
  return s;
}

// Bounds-checked little-endian cursor over the file bytes. Every read says
// which field it is for, so a short file reports where it ends.
class Cursor {
 public:
  Cursor(std::string_view bytes, std::string_view name) : bytes_(bytes), name_(name) {}

  size_t pos() const { return pos_; }
  size_t remaining() const { return bytes_.size() - pos_; }

  Error error(const std::string& what) const {
    return Error{ErrorCode::kModelFile,
                 std::string(name_) + ": " + what + " (at byte " + std::to_string(pos_) + ")"};
  }
  Error truncated(std::string_view field) const {
    return error("file truncated while reading " + std::string(field));
  }

  template <class T>
  bool read(T& v) {
    if (remaining() < sizeof(T)) return false;
    std::memcpy(&v, bytes_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return true;
  }
  bool read_bool(bool& v, bool& valid) {
    uint8_t b = 0;
    if (!read(b)) return false;
    valid = b <= 1;
    v = b == 1;
    return true;
  }
  // Raw bytes, not copied.
  bool take(size_t n, const char*& p) {
    if (remaining() < n) return false;
    p = bytes_.data() + pos_;
    pos_ += n;
    return true;
  }
  // NUL-terminated string.
  bool cstring(std::string_view& s) {
    const void* end = std::memchr(bytes_.data() + pos_, 0, remaining());
    if (!end) return false;
    size_t len = static_cast<const char*>(end) - (bytes_.data() + pos_);
    s = bytes_.substr(pos_, len);
    pos_ += len + 1;
    return true;
  }

 private:
  std::string_view bytes_;
  std::string_view name_;
  size_t pos_ = 0;
};

bool all_finite(const float* p, size_t n) {
  for (size_t i = 0; i < n; ++i)
    if (!std::isfinite(p[i])) return false;
  return true;
}

// A product quantizer as stored: dim, nsubq, dsub, lastdsub, then dim * 256
// centroids. Sub-quantizer m < nsubq-1 has 256 centroids of dsub floats at
// m*256*dsub; the last one has 256 of lastdsub floats.
struct Pq {
  int32_t dim = 0, nsubq = 0, dsub = 0, lastdsub = 0;
  std::vector<float> centroids;
  const float* centroid(int32_t m, uint8_t i) const {
    if (m == nsubq - 1) return &centroids[size_t(m) * kCentroids * dsub + size_t(i) * lastdsub];
    return &centroids[(size_t(m) * kCentroids + i) * dsub];
  }
};

Result<Pq> read_pq(Cursor& c, std::string_view what, int32_t expect_dim) {
  Pq pq;
  std::string f(what);
  if (!c.read(pq.dim) || !c.read(pq.nsubq) || !c.read(pq.dsub) || !c.read(pq.lastdsub))
    return tl::unexpected(c.truncated(f + " quantizer header"));
  if (pq.dim != expect_dim)
    return tl::unexpected(c.error(f + " quantizer dim " + std::to_string(pq.dim) + ", expected " +
                                  std::to_string(expect_dim)));
  if (pq.dsub < 1 || pq.dsub > pq.dim)
    return tl::unexpected(c.error(f + " quantizer dsub " + std::to_string(pq.dsub) + " out of range"));
  int32_t rem = pq.dim % pq.dsub;
  int32_t nsubq = pq.dim / pq.dsub + (rem ? 1 : 0);
  int32_t lastdsub = rem ? rem : pq.dsub;
  if (pq.nsubq != nsubq || pq.lastdsub != lastdsub)
    return tl::unexpected(c.error(f + " quantizer nsubq/lastdsub " + std::to_string(pq.nsubq) + "/" +
                                  std::to_string(pq.lastdsub) + " inconsistent with dim " +
                                  std::to_string(pq.dim) + " and dsub " + std::to_string(pq.dsub)));
  size_t n = size_t(pq.dim) * kCentroids;
  const char* p = nullptr;
  if (!c.take(n * sizeof(float), p)) return tl::unexpected(c.truncated(f + " centroids"));
  pq.centroids.resize(n);
  std::memcpy(pq.centroids.data(), p, n * sizeof(float));
  if (!all_finite(pq.centroids.data(), n))
    return tl::unexpected(c.error(f + " centroids contain NaN or infinity"));
  return pq;
}

// A matrix dequantized to floats, plus a per-row scale. `fold_scale` decides
// whether the norm is multiplied into the row (input: fastText adds
// norm * centroid) or kept apart (output: fastText multiplies the dot product).
struct FloatMatrix {
  int64_t rows = 0, cols = 0;
  std::vector<float> data;
  std::vector<float> scale;  // empty = all 1
};

Result<FloatMatrix> read_matrix(Cursor& c, bool quantized, std::string_view what, int32_t dim,
                                bool fold_scale) {
  FloatMatrix out;
  std::string f(what);
  if (!quantized) {
    int64_t m = 0, n = 0;
    if (!c.read(m) || !c.read(n)) return tl::unexpected(c.truncated(f + " matrix shape"));
    if (m < 0 || n != dim)
      return tl::unexpected(c.error(f + " matrix shape " + std::to_string(m) + "x" + std::to_string(n) +
                                    " invalid (dim is " + std::to_string(dim) + ")"));
    if (uint64_t(m) > c.remaining() / (sizeof(float) * uint64_t(n)))
      return tl::unexpected(c.truncated(f + " matrix data (" + std::to_string(m) + " rows)"));
    const char* p = nullptr;
    size_t count = size_t(m) * size_t(n);
    c.take(count * sizeof(float), p);
    if (count * sizeof(float) > kMaxFloatBytes) return tl::unexpected(c.error(f + " matrix too large"));
    out.rows = m;
    out.cols = n;
    out.data.resize(count);
    if (count > 0) std::memcpy(out.data.data(), p, count * sizeof(float));
    if (!all_finite(out.data.data(), count))
      return tl::unexpected(c.error(f + " matrix contains NaN or infinity"));
    return out;
  }
  bool qnorm = false, valid = false;
  int64_t m = 0, n = 0;
  int32_t codesize = 0;
  if (!c.read_bool(qnorm, valid)) return tl::unexpected(c.truncated(f + " qnorm flag"));
  if (!valid) return tl::unexpected(c.error(f + " qnorm flag is not 0 or 1"));
  if (!c.read(m) || !c.read(n) || !c.read(codesize))
    return tl::unexpected(c.truncated(f + " quantized matrix header"));
  if (m < 0 || n != dim)
    return tl::unexpected(c.error(f + " matrix shape " + std::to_string(m) + "x" + std::to_string(n) +
                                  " invalid (dim is " + std::to_string(dim) + ")"));
  if (codesize < 0) return tl::unexpected(c.error(f + " codesize is negative"));
  const char* codes = nullptr;
  if (!c.take(size_t(codesize), codes)) return tl::unexpected(c.truncated(f + " codes"));
  auto pq = read_pq(c, f, dim);
  if (!pq) return tl::unexpected(pq.error());
  if (uint64_t(codesize) != uint64_t(m) * uint64_t(pq->nsubq))
    return tl::unexpected(c.error(f + " codesize " + std::to_string(codesize) + " != rows " +
                                  std::to_string(m) + " x subquantizers " + std::to_string(pq->nsubq)));
  const char* norm_codes = nullptr;
  Pq npq;
  if (qnorm) {
    if (!c.take(size_t(m), norm_codes)) return tl::unexpected(c.truncated(f + " norm codes"));
    auto r = read_pq(c, f + " norm", 1);
    if (!r) return tl::unexpected(r.error());
    npq = std::move(*r);
  }
  if (uint64_t(m) * uint64_t(dim) * sizeof(float) > kMaxFloatBytes)
    return tl::unexpected(c.error(f + " matrix of " + std::to_string(m) + "x" + std::to_string(dim) +
                                  " floats is too large to dequantize"));
  out.rows = m;
  out.cols = n;
  out.data.assign(size_t(m) * dim, 0.0f);
  if (!fold_scale) out.scale.assign(size_t(m), 1.0f);
  const auto* code_bytes = reinterpret_cast<const uint8_t*>(codes);
  for (int64_t i = 0; i < m; ++i) {
    float norm = qnorm ? npq.centroid(0, uint8_t(norm_codes[i]))[0] : 1.0f;
    float* row = &out.data[size_t(i) * dim];
    const uint8_t* code = code_bytes + size_t(i) * pq->nsubq;
    for (int32_t s = 0; s < pq->nsubq; ++s) {
      const float* cen = pq->centroid(s, code[s]);
      int32_t d = s == pq->nsubq - 1 ? pq->lastdsub : pq->dsub;
      for (int32_t j = 0; j < d; ++j) row[s * pq->dsub + j] = fold_scale ? norm * cen[j] : cen[j];
    }
    if (!fold_scale) out.scale[size_t(i)] = norm;
  }
  return out;
}

}  // namespace

// Parses the file; a friend of FastTextModel so the model keeps no setters.
class FastTextLoader {
 public:
  static Result<std::unique_ptr<const FastTextModel>> load(std::string_view bytes, std::string_view name);
};

Result<std::unique_ptr<const FastTextModel>> FastTextModel::load_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(ErrorCode::kModelFile, path + ": cannot open fastText model file");
  in.seekg(0, std::ios::end);
  std::streamoff size = in.tellg();
  if (size < 0) return fail(ErrorCode::kModelFile, path + ": cannot determine file size");
  if (uint64_t(size) > kMaxFileBytes) return fail(ErrorCode::kModelFile, path + ": file too large");
  in.seekg(0, std::ios::beg);
  std::string bytes(size_t(size), '\0');
  if (!in.read(bytes.data(), size)) return fail(ErrorCode::kModelFile, path + ": read failed");
  return FastTextLoader::load(bytes, path);
}

Result<std::unique_ptr<const FastTextModel>> FastTextModel::load_bytes(std::string_view bytes,
                                                                       std::string_view name) {
  return FastTextLoader::load(bytes, name);
}

Result<std::unique_ptr<const FastTextModel>> FastTextLoader::load(std::string_view bytes, std::string_view name) {
  Cursor c(bytes, name);
  auto model = std::unique_ptr<FastTextModel>(new FastTextModel());
  FastTextModel& md = *model;

  // Header.
  int32_t magic = 0, version = 0;
  if (!c.read(magic)) return tl::unexpected(c.truncated("magic"));
  if (magic != kMagic) return tl::unexpected(c.error("bad magic: not a fastText model file"));
  if (!c.read(version)) return tl::unexpected(c.truncated("version"));
  if (version < kMinVersion || version > kMaxVersion)
    return tl::unexpected(c.error("unsupported fastText format version " + std::to_string(version) +
                                  " (supported: 11, 12)"));
  md.version_ = version;

  // Args: 12 int32 then one double (sampling threshold t, unused here).
  int32_t dim, ws, epoch, min_count, neg, word_ngrams, loss, model_kind, bucket, minn, maxn, lr_update;
  double t = 0;
  if (!c.read(dim) || !c.read(ws) || !c.read(epoch) || !c.read(min_count) || !c.read(neg) ||
      !c.read(word_ngrams) || !c.read(loss) || !c.read(model_kind) || !c.read(bucket) || !c.read(minn) ||
      !c.read(maxn) || !c.read(lr_update) || !c.read(t))
    return tl::unexpected(c.truncated("args"));
  if (dim < 1 || dim > kMaxDim) return tl::unexpected(c.error("args.dim " + std::to_string(dim) + " out of range"));
  if (model_kind != kModelSupervised)
    return tl::unexpected(c.error("args.model " + std::to_string(model_kind) +
                                  " is not a supervised (classifier) model"));
  if (loss < 1 || loss > 4) return tl::unexpected(c.error("args.loss " + std::to_string(loss) + " unknown"));
  if (word_ngrams < 1 || word_ngrams > kMaxWordNgrams)
    return tl::unexpected(c.error("args.wordNgrams " + std::to_string(word_ngrams) + " out of range"));
  if (bucket < 0) return tl::unexpected(c.error("args.bucket is negative"));
  if (minn < 0 || minn > kMaxNgramLen || maxn < 0 || maxn > kMaxNgramLen)
    return tl::unexpected(c.error("args.minn/maxn " + std::to_string(minn) + "/" + std::to_string(maxn) +
                                  " out of range"));
  // Format 11 supervised models were trained without char n-grams.
  if (version == 11) maxn = 0;
  if (bucket == 0 && (maxn > 0 || word_ngrams > 1))
    return tl::unexpected(c.error("args.bucket is 0 but char or word n-grams are enabled"));
  md.args_ = FastTextArgs{dim, word_ngrams, FastTextLoss(loss), model_kind, bucket, minn, maxn};

  // Dictionary.
  int32_t size = 0, nwords = 0, nlabels = 0;
  int64_t ntokens = 0, prune_size = 0;
  if (!c.read(size) || !c.read(nwords) || !c.read(nlabels) || !c.read(ntokens) || !c.read(prune_size))
    return tl::unexpected(c.truncated("dictionary header"));
  if (nwords < 0 || nlabels < 1 || size < 0 || int64_t(nwords) + nlabels != size)
    return tl::unexpected(c.error("dictionary counts inconsistent: size " + std::to_string(size) + ", words " +
                                  std::to_string(nwords) + ", labels " + std::to_string(nlabels)));
  // Each entry takes at least 10 bytes (NUL, int64 count, int8 type).
  if (uint64_t(size) > c.remaining() / 10)
    return tl::unexpected(c.truncated("dictionary (" + std::to_string(size) + " entries announced)"));
  md.nwords_ = nwords;
  md.nlabels_ = nlabels;
  md.words_.reserve(size_t(nwords));
  md.labels_.reserve(size_t(nlabels));
  std::vector<int64_t> label_counts;
  label_counts.reserve(size_t(nlabels));
  md.word_table_.assign(table_size_for(size_t(size)), -1);
  std::unordered_set<std::string_view> seen_labels;
  const size_t mask = md.word_table_.size() - 1;
  for (int32_t i = 0; i < size; ++i) {
    std::string_view w;
    int64_t count = 0;
    int8_t type = 0;
    if (!c.cstring(w) || !c.read(count) || !c.read(type))
      return tl::unexpected(c.truncated("dictionary entry " + std::to_string(i)));
    bool want_label = i >= nwords;
    if (type != (want_label ? 1 : 0))
      return tl::unexpected(c.error("dictionary entry " + std::to_string(i) + " has type " + std::to_string(type) +
                                    ", expected " + (want_label ? "label (1)" : "word (0)")));
    if (count < 0) return tl::unexpected(c.error("dictionary entry " + std::to_string(i) + " has negative count"));
    if (want_label) {
      if (!seen_labels.insert(w).second)
        return tl::unexpected(c.error("duplicate label '" + std::string(w) + "'"));
      md.labels_.emplace_back(w);
      label_counts.push_back(count);
      continue;
    }
    size_t slot = fnv(w) & mask;
    while (md.word_table_[slot] != -1) {
      if (md.words_[size_t(md.word_table_[slot])] == w)
        return tl::unexpected(c.error("duplicate word '" + std::string(w) + "'"));
      slot = (slot + 1) & mask;
    }
    md.word_table_[slot] = i;
    md.words_.emplace_back(w);
  }
  // Pruned n-gram index (quantized models with -cutoff): bucket -> compact row.
  if (prune_size < -1) return tl::unexpected(c.error("dictionary prune index size is negative"));
  if (prune_size > 0 && uint64_t(prune_size) > c.remaining() / 8)
    return tl::unexpected(c.truncated("prune index (" + std::to_string(prune_size) + " pairs announced)"));
  md.pruned_ = prune_size > 0;
  md.all_ngrams_pruned_ = prune_size == 0;
  int64_t max_prune_val = -1;
  if (prune_size > 0) {
    if (bucket > kMaxPrunedBucket)
      return tl::unexpected(c.error("args.bucket " + std::to_string(bucket) + " too large for a pruned model"));
    md.prune_bits_.assign(size_t(bucket) / 64 + 1, 0);
    std::vector<std::pair<int32_t, int32_t>> pairs;
    pairs.reserve(size_t(prune_size));
    for (int64_t i = 0; i < prune_size; ++i) {
      int32_t key = 0, val = 0;
      if (!c.read(key) || !c.read(val)) return tl::unexpected(c.truncated("prune index"));
      if (key < 0 || key >= bucket || val < 0)
        return tl::unexpected(c.error("prune index pair " + std::to_string(i) + " (" + std::to_string(key) + " -> " +
                                      std::to_string(val) + ") out of range"));
      uint64_t& bits = md.prune_bits_[size_t(key) >> 6];
      const uint64_t bit = uint64_t(1) << (key & 63);
      if (bits & bit) return tl::unexpected(c.error("prune index has duplicate bucket " + std::to_string(key)));
      bits |= bit;
      pairs.emplace_back(key, val);
      max_prune_val = std::max<int64_t>(max_prune_val, val);
    }
    md.prune_rank_.resize(md.prune_bits_.size());
    uint32_t rank = 0;
    for (size_t w = 0; w < md.prune_bits_.size(); ++w) {
      md.prune_rank_[w] = rank;
      rank += uint32_t(std::popcount(md.prune_bits_[w]));
    }
    md.prune_rows_.assign(pairs.size(), -1);
    for (const auto& [key, val] : pairs) {
      const size_t w = size_t(key) >> 6;
      const uint64_t below = md.prune_bits_[w] & ((uint64_t(1) << (key & 63)) - 1);
      md.prune_rows_[md.prune_rank_[w] + uint32_t(std::popcount(below))] = val;
    }
  }
  if (bucket > 0) md.bucket_magic_ = ~uint64_t(0) / uint64_t(bucket) + 1;

  // Input matrix.
  bool quant_input = false, valid = false;
  if (!c.read_bool(quant_input, valid)) return tl::unexpected(c.truncated("input quantization flag"));
  if (!valid) return tl::unexpected(c.error("input quantization flag is not 0 or 1"));
  if (!quant_input && prune_size >= 0)
    return tl::unexpected(c.error("pruned dictionary with a dense input matrix (outdated model file)"));
  auto input = read_matrix(c, quant_input, "input", dim, /*fold_scale=*/true);
  if (!input) return tl::unexpected(input.error());
  int64_t need_rows = nwords;
  if (prune_size > 0) need_rows += max_prune_val + 1;
  else if (prune_size == -1 && (maxn > 0 || word_ngrams > 1)) need_rows += bucket;
  if (input->rows < need_rows)
    return tl::unexpected(c.error("input matrix has " + std::to_string(input->rows) + " rows, the dictionary needs " +
                                  std::to_string(need_rows)));
  md.quantized_ = quant_input;
  md.input_rows_ = input->rows;
  md.input_ = std::move(input->data);

  // Output matrix (quantized only when the input is, and qout was set).
  bool qout = false;
  if (!c.read_bool(qout, valid)) return tl::unexpected(c.truncated("output quantization flag"));
  if (!valid) return tl::unexpected(c.error("output quantization flag is not 0 or 1"));
  auto output = read_matrix(c, quant_input && qout, "output", dim, /*fold_scale=*/false);
  if (!output) return tl::unexpected(output.error());
  if (output->rows != nlabels)
    return tl::unexpected(c.error("output matrix has " + std::to_string(output->rows) + " rows, expected one per label (" +
                                  std::to_string(nlabels) + ")"));
  md.output_ = std::move(output->data);
  md.output_scale_ = output->scale.empty() ? std::vector<float>(size_t(nlabels), 1.0f) : std::move(output->scale);
  if (c.remaining() != 0)
    return tl::unexpected(c.error(std::to_string(c.remaining()) + " unexpected trailing bytes"));

  // Every word's rows: itself, then its char n-grams (not for "</s>").
  md.subword_offsets_.reserve(size_t(nwords) + 1);
  md.subword_offsets_.push_back(0);
  for (int32_t i = 0; i < nwords; ++i) {
    const std::string& w = md.words_[size_t(i)];
    md.subword_rows_.push_back(i);
    if (w != kEos && maxn > 0) {
      std::string marked = "<" + w + ">";
      for (size_t s = 0; s < marked.size(); ++s) {
        if (is_continuation(static_cast<unsigned char>(marked[s]))) continue;
        uint32_t h = kFnvBasis;
        size_t j = s;
        for (int32_t n = 1; j < marked.size() && n <= maxn; ++n) {
          h = fnv_step(h, static_cast<unsigned char>(marked[j++]));
          while (j < marked.size() && is_continuation(static_cast<unsigned char>(marked[j])))
            h = fnv_step(h, static_cast<unsigned char>(marked[j++]));
          if (n >= minn && !(n == 1 && (s == 0 || j == marked.size()))) {
            int64_t row = md.bucket_row(int64_t(md.bucket_of(h)));
            if (row >= 0) md.subword_rows_.push_back(int32_t(row));
          }
        }
      }
    }
    md.subword_offsets_.push_back(int32_t(md.subword_rows_.size()));
  }

  // Hierarchical softmax: Huffman tree over label counts, built the way
  // fastText does (leaves 0..n-1 in label order, which is by descending count;
  // internal nodes n..2n-2, merging the two cheapest of leaf/internal queues).
  if (md.args_.loss == FastTextLoss::kHierarchicalSoftmax) {
    const int32_t n = nlabels;
    // fastText's unbuilt nodes hold a 1e15 sentinel; counts summing past it
    // would make the merge pick unbuilt nodes (a cyclic "tree").
    int64_t total = 0;
    for (int64_t cnt : label_counts) {
      total += cnt;
      if (cnt >= int64_t(1e15) || total >= int64_t(1e15))
        return tl::unexpected(c.error("label counts too large for hierarchical softmax"));
    }
    std::vector<int64_t> count(size_t(2 * n - 1), int64_t(1e15));
    for (int32_t i = 0; i < n; ++i) count[size_t(i)] = label_counts[size_t(i)];
    md.tree_left_.assign(size_t(2 * n - 1), -1);
    md.tree_right_.assign(size_t(2 * n - 1), -1);
    int32_t leaf = n - 1, node = n;
    for (int32_t i = n; i < 2 * n - 1; ++i) {
      int32_t pick[2] = {0, 0};
      for (int32_t& p : pick) {
        if (leaf >= 0 && count[size_t(leaf)] < count[size_t(node)]) p = leaf--;
        else p = node++;
      }
      if (pick[0] >= i || pick[1] >= i)  // cannot happen with the counts checked above
        return tl::unexpected(c.error("hierarchical softmax tree is malformed"));
      md.tree_left_[size_t(i)] = pick[0];
      md.tree_right_[size_t(i)] = pick[1];
      count[size_t(i)] = count[size_t(pick[0])] + count[size_t(pick[1])];
    }
  }
  return std::unique_ptr<const FastTextModel>(std::move(model));
}

inline int64_t FastTextModel::bucket_row(int64_t id) const {
  if (all_ngrams_pruned_ || id < 0) return -1;
  if (!pruned_) return nwords_ + id;
  const size_t w = size_t(id) >> 6;
  const uint64_t bits = prune_bits_[w];
  const uint64_t bit = uint64_t(1) << (id & 63);
  if (!(bits & bit)) return -1;
  return nwords_ + prune_rows_[prune_rank_[w] + popcount64(bits & (bit - 1))];
}

inline uint32_t FastTextModel::bucket_of(uint32_t h) const {
  const uint64_t low = bucket_magic_ * h;
  return uint32_t((static_cast<unsigned __int128>(low) * uint32_t(args_.bucket)) >> 64);
}

int32_t FastTextModel::find_word(std::string_view w, uint32_t h) const {
  const size_t mask = word_table_.size() - 1;
  size_t slot = h & mask;
  while (word_table_[slot] != -1) {
    int32_t id = word_table_[slot];
    if (id < nwords_ && words_[size_t(id)] == w) return id;
    slot = (slot + 1) & mask;
  }
  return -1;
}

inline void FastTextModel::add_row(int64_t row, float* hidden) const {
  const float* r = &input_[size_t(row) * size_t(args_.dim)];
  // Four lanes at a time (SSE2 on x86-64, NEON on arm64): the same
  // element-wise float additions as the scalar loop, so results stay identical.
  typedef float v4 __attribute__((vector_size(16)));
  int32_t j = 0;
  for (; j + 4 <= args_.dim; j += 4) {
    v4 a, b;
    std::memcpy(&a, hidden + j, sizeof a);
    std::memcpy(&b, r + j, sizeof b);
    a += b;
    std::memcpy(hidden + j, &a, sizeof a);
  }
  for (; j < args_.dim; ++j) hidden[j] += r[j];
}

void FastTextModel::add_subwords(std::string_view token, int32_t wid, float* hidden, int64_t& rows) const {
  if (wid >= 0) {
    if (args_.maxn <= 0) {
      add_row(wid, hidden);
      ++rows;
      return;
    }
    for (int32_t k = subword_offsets_[size_t(wid)]; k < subword_offsets_[size_t(wid) + 1]; ++k) {
      add_row(subword_rows_[size_t(k)], hidden);
      ++rows;
    }
    return;
  }
  if (token == kEos || args_.maxn <= 0) return;
  // Char n-grams of "<token>", walking code points by UTF-8 lead bytes and
  // hashing incrementally (FNV is a left fold, so each longer n-gram extends
  // the previous hash). n-grams of length 1 at the markers are skipped.
  const size_t len = token.size() + 2;
  auto at = [&](size_t i) -> unsigned char {
    if (i == 0) return '<';
    if (i == len - 1) return '>';
    return static_cast<unsigned char>(token[i - 1]);
  };
  for (size_t s = 0; s < len; ++s) {
    if (is_continuation(at(s))) continue;
    uint32_t h = kFnvBasis;
    size_t j = s;
    for (int32_t n = 1; j < len && n <= args_.maxn; ++n) {
      h = fnv_step(h, at(j++));
      while (j < len && is_continuation(at(j))) h = fnv_step(h, at(j++));
      if (n >= args_.minn && !(n == 1 && (s == 0 || j == len))) {
        int64_t row = bucket_row(int64_t(bucket_of(h)));
        if (row >= 0) {
          add_row(row, hidden);
          ++rows;
        }
      }
    }
  }
}

int64_t FastTextModel::accumulate(std::string_view line, float* hidden) const {
  std::fill(hidden, hidden + args_.dim, 0.0f);
  int64_t rows = 0;
  thread_local std::vector<int32_t> word_hashes;
  word_hashes.clear();
  const bool want_hashes = args_.word_ngrams > 1;
  size_t pos = 0;
  const size_t n = line.size();
  while (true) {
    while (pos < n && is_delim(static_cast<unsigned char>(line[pos]))) ++pos;
    std::string_view token;
    if (pos < n) {
      size_t end = pos;
      while (end < n && !is_delim(static_cast<unsigned char>(line[end]))) ++end;
      token = line.substr(pos, end - pos);
      pos = end;
    } else {
      token = kEos;  // the newline fastText sees at the end of every line
    }
    if (!token.starts_with(kLabelPrefix)) {
      uint32_t h = fnv(token);
      int32_t wid = find_word(token, h);
      add_subwords(token, wid, hidden, rows);
      // fastText keeps word hashes as int32, so they sign-extend below.
      if (want_hashes) word_hashes.push_back(int32_t(h));
    }
    if (token == kEos) break;
  }
  if (want_hashes) {
    const uint64_t bucket = uint64_t(args_.bucket);
    for (size_t i = 0; i < word_hashes.size(); ++i) {
      uint64_t h = uint64_t(int64_t(word_hashes[i]));
      for (size_t j = i + 1; j < word_hashes.size() && j < i + size_t(args_.word_ngrams); ++j) {
        h = h * 116049371u + uint64_t(int64_t(word_hashes[j]));
        int64_t row = bucket_row(int64_t(h % bucket));
        if (row >= 0) {
          add_row(row, hidden);
          ++rows;
        }
      }
    }
  }
  if (rows > 0) {
    const float inv = static_cast<float>(1.0 / double(rows));
    for (int32_t j = 0; j < args_.dim; ++j) hidden[j] *= inv;
  }
  return rows;
}

void FastTextModel::sentence_vector(std::string_view line, std::vector<float>& out) const {
  out.assign(size_t(args_.dim), 0.0f);
  accumulate(line, out.data());
}

namespace {

using Scored = std::pair<float, int32_t>;
// fastText keeps a min-heap of the k best (score, id) with this comparator.
inline bool heap_cmp(const Scored& a, const Scored& b) { return a.first > b.first; }

inline void heap_offer(std::vector<Scored>& heap, int32_t k, float score, int32_t id) {
  heap.emplace_back(score, id);
  std::push_heap(heap.begin(), heap.end(), heap_cmp);
  if (int32_t(heap.size()) > k) {
    std::pop_heap(heap.begin(), heap.end(), heap_cmp);
    heap.pop_back();
  }
}

// fastText's table sigmoid (used by one-vs-all / negative-sampling predict).
float table_sigmoid(float x) {
  constexpr int64_t kSize = 512, kMax = 8;
  struct Table {
    float v[kSize + 1];
    Table() {
      for (int64_t i = 0; i <= kSize; ++i) {
        float xi = float(i * 2 * kMax) / kSize - kMax;
        v[i] = float(1.0 / (1.0 + std::exp(-xi)));
      }
    }
  };
  static const Table table;
  if (!(x >= -kMax)) return 0.0f;  // also NaN
  if (x > kMax) return 1.0f;
  return table.v[int64_t((x + kMax) * kSize / kMax / 2)];
}

}  // namespace

inline float FastTextModel::dot_output(const float* hidden, int32_t row) const {
  const float* r = &output_[size_t(row) * size_t(args_.dim)];
  float d = 0.0f;
  for (int32_t j = 0; j < args_.dim; ++j) d += r[j] * hidden[j];
  return d * output_scale_[size_t(row)];
}

void FastTextModel::predict_hs(const float* hidden, int32_t k, float threshold, std::vector<FastTextPrediction>& out) const {
  thread_local std::vector<Scored> heap;
  thread_local std::vector<Scored> stack;  // (score, node), depth-first, left child first
  heap.clear();
  stack.clear();
  const float min_score = std_log(threshold);
  stack.emplace_back(0.0f, 2 * nlabels_ - 2);
  while (!stack.empty()) {
    auto [score, node] = stack.back();
    stack.pop_back();
    if (score < min_score) continue;
    if (int32_t(heap.size()) == k && score < heap.front().first) continue;
    if (tree_left_[size_t(node)] == -1 && tree_right_[size_t(node)] == -1) {
      heap_offer(heap, k, score, node);
      continue;
    }
    float f = dot_output(hidden, node - nlabels_);
    f = static_cast<float>(1.0 / (1.0f + std::exp(-f)));
    const float right = score + std_log(f);
    const float left = score + std_log(static_cast<float>(1.0 - double(f)));
    stack.emplace_back(right, tree_right_[size_t(node)]);
    stack.emplace_back(left, tree_left_[size_t(node)]);
  }
  std::sort_heap(heap.begin(), heap.end(), heap_cmp);
  for (const auto& [score, id] : heap) out.push_back({id, std::exp(score)});
}

void FastTextModel::predict_flat(const float* hidden, int32_t k, float threshold,
                                 std::vector<FastTextPrediction>& out) const {
  thread_local std::vector<float> output;
  thread_local std::vector<Scored> heap;
  output.resize(size_t(nlabels_));
  heap.clear();
  for (int32_t i = 0; i < nlabels_; ++i) output[size_t(i)] = dot_output(hidden, i);
  if (args_.loss == FastTextLoss::kSoftmax) {
    float max = output[0], z = 0.0f;
    for (float v : output) max = std::max(v, max);
    for (float& v : output) {
      v = std::exp(v - max);
      z += v;
    }
    for (float& v : output) v /= z;
  } else {
    for (float& v : output) v = table_sigmoid(v);
  }
  for (int32_t i = 0; i < nlabels_; ++i) {
    const float p = output[size_t(i)];
    if (p < threshold) continue;
    const float s = std_log(p);
    if (int32_t(heap.size()) == k && s < heap.front().first) continue;
    heap_offer(heap, k, s, i);
  }
  std::sort_heap(heap.begin(), heap.end(), heap_cmp);
  for (const auto& [score, id] : heap) out.push_back({id, std::exp(score)});
}

void FastTextModel::predict(std::string_view line, int32_t k, std::vector<FastTextPrediction>& out,
                            float threshold) const {
  out.clear();
  if (k <= 0) return;
  k = std::min(k, nlabels_);
  thread_local std::vector<float> hidden;
  hidden.resize(size_t(args_.dim));
  if (accumulate(line, hidden.data()) == 0) return;  // fastText predicts nothing for no input rows
  if (args_.loss == FastTextLoss::kHierarchicalSoftmax) predict_hs(hidden.data(), k, threshold, out);
  else predict_flat(hidden.data(), k, threshold, out);
  // Only a model with enormous weights can overflow to inf/NaN (fastText
  // would print garbage); answer "no prediction" rather than a NaN.
  for (const auto& p : out) {
    if (!std::isfinite(p.prob)) {
      out.clear();
      break;
    }
  }
}

}  // namespace sr::signals

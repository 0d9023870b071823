#include "engine/model_file.h"

#include <zlib.h>

#include <bit>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <unordered_set>

#include "engine/utf8.h"

namespace sr::engine {

static_assert(std::endian::native == std::endian::little, "model files are little-endian; add byte swapping");

namespace {

constexpr uint32_t kMaxClasses = 4096;
constexpr uint64_t kMaxLabelsBytes = 1 << 20;
constexpr uint32_t kMaxClipBytes = 1 << 20;

uint32_t crc32_of(const void* data, size_t n) {
  uLong crc = crc32(0L, Z_NULL, 0);
  const auto* p = static_cast<const Bytef*>(data);
  // zlib's crc32 takes uInt lengths; feed in 1 GiB pieces.
  while (n > 0) {
    const uInt chunk = static_cast<uInt>(std::min<size_t>(n, 1u << 30));
    crc = crc32(crc, p, chunk);
    p += chunk;
    n -= chunk;
  }
  return static_cast<uint32_t>(crc);
}

template <class T>
void put(std::string& out, size_t offset, T v) {
  std::memcpy(out.data() + offset, &v, sizeof(T));
}
template <class T>
T get(const uint8_t* p, size_t offset) {
  T v;
  std::memcpy(&v, p + offset, sizeof(T));
  return v;
}

uint64_t expected_weights_bytes(uint64_t classes, uint64_t bucket_bits) {
  const uint64_t buckets = uint64_t{1} << bucket_bits;
  return 4 * classes + 4 * buckets + buckets * classes;
}

tl::unexpected<Error> bad(const std::string& name, const std::string& what) {
  return fail(ErrorCode::kModelFile, name + ": " + what);
}

}  // namespace

std::string serialize_linear_model(const LinearModel& m) {
  const uint32_t classes = static_cast<uint32_t>(m.num_classes());
  std::string labels;
  for (const auto& l : m.labels) {
    const uint16_t len = static_cast<uint16_t>(l.size());
    labels.append(reinterpret_cast<const char*>(&len), 2);
    labels.append(l);
  }
  std::string weights;
  weights.append(reinterpret_cast<const char*>(m.bias.data()), m.bias.size() * 4);
  weights.append(reinterpret_cast<const char*>(m.row_scale.data()), m.row_scale.size() * 4);
  weights.append(reinterpret_cast<const char*>(m.weights.data()), m.weights.size());

  const WordVectors& wv = m.vectors;
  std::string dense;
  if (wv.dim > 0) {
    dense.append(reinterpret_cast<const char*>(m.dense_weights.data()), m.dense_weights.size() * 4);
    static_assert(sizeof(WordVectors::Slot) == 8);
    dense.append(reinterpret_cast<const char*>(wv.slots.data()), wv.slots.size() * 8);
    dense.append(reinterpret_cast<const char*>(wv.scales.data()), wv.scales.size() * 4);
    dense.append(reinterpret_cast<const char*>(wv.values.data()), wv.values.size());
  }

  std::string out(kModelHeaderBytes, '\0');
  std::memcpy(out.data(), kModelFileMagic, 8);
  put<uint32_t>(out, 8, kModelFileVersion);
  put<uint32_t>(out, 12, kModelHeaderBytes);
  put<uint32_t>(out, 16, classes);
  put<uint32_t>(out, 20, m.features.bucket_bits);
  put<uint32_t>(out, 24, m.features.char_min);
  put<uint32_t>(out, 28, m.features.char_max);
  put<uint32_t>(out, 32, m.features.word_bigrams);
  put<uint32_t>(out, 36, m.features.head_bytes);
  put<uint32_t>(out, 40, m.features.tail_bytes);
  put<float>(out, 44, m.temperature);
  put<float>(out, 48, m.threshold);
  put<int32_t>(out, 52, m.positive_class);
  put<uint64_t>(out, 56, labels.size());
  put<uint64_t>(out, 64, weights.size());
  put<uint32_t>(out, 72, crc32_of(labels.data(), labels.size()));
  put<uint32_t>(out, 76, crc32_of(weights.data(), weights.size()));
  put<uint32_t>(out, 80, wv.dim);
  put<uint32_t>(out, 84, wv.dim > 0 ? wv.vocab : 0);
  put<uint32_t>(out, 88, wv.dim > 0 ? wv.table_bits : 0);
  put<uint32_t>(out, 92, crc32_of(dense.data(), dense.size()));
  put<uint64_t>(out, 96, dense.size());
  put<uint32_t>(out, 104, wv.dim > 0 ? wv.flags : 0);
  put<uint32_t>(out, 124, crc32_of(out.data(), 124));
  out += labels;
  out += weights;
  out += dense;
  return out;
}

Result<LinearModel> parse_linear_model(std::span<const uint8_t> bytes, const std::string& name) {
  const uint8_t* p = bytes.data();
  const size_t size = bytes.size();
  if (size < 8 || std::memcmp(p, kModelFileMagic, 8) != 0) {
    return bad(name, "bad magic: not a semrouter linear model file (expected \"SRLINCLS\")");
  }
  if (size < kModelHeaderBytes) {
    return bad(name, "truncated header: " + std::to_string(size) + " bytes, need " + std::to_string(kModelHeaderBytes));
  }
  const uint32_t version = get<uint32_t>(p, 8);
  if (version < kModelFileMinVersion || version > kModelFileVersion) {
    return bad(name, "unsupported version " + std::to_string(version) + " (this build reads versions " +
                         std::to_string(kModelFileMinVersion) + "-" + std::to_string(kModelFileVersion) + ")");
  }
  if (get<uint32_t>(p, 12) != kModelHeaderBytes) {
    return bad(name, "header_bytes is " + std::to_string(get<uint32_t>(p, 12)) + ", expected " +
                         std::to_string(kModelHeaderBytes));
  }
  if (get<uint32_t>(p, 124) != crc32_of(p, 124)) return bad(name, "header checksum mismatch (file corrupt)");

  LinearModel m;
  const uint32_t classes = get<uint32_t>(p, 16);
  m.features.bucket_bits = get<uint32_t>(p, 20);
  m.features.char_min = get<uint32_t>(p, 24);
  m.features.char_max = get<uint32_t>(p, 28);
  m.features.word_bigrams = get<uint32_t>(p, 32);
  m.features.head_bytes = get<uint32_t>(p, 36);
  m.features.tail_bytes = get<uint32_t>(p, 40);
  m.temperature = get<float>(p, 44);
  m.threshold = get<float>(p, 48);
  m.positive_class = get<int32_t>(p, 52);
  const uint64_t labels_bytes = get<uint64_t>(p, 56);
  const uint64_t weights_bytes = get<uint64_t>(p, 64);
  const uint32_t dense_dim = get<uint32_t>(p, 80);
  const uint32_t vocab = get<uint32_t>(p, 84);
  const uint32_t table_bits = get<uint32_t>(p, 88);
  const uint64_t dense_bytes = get<uint64_t>(p, 96);
  const uint32_t dense_flags = version >= 2 ? get<uint32_t>(p, 104) : 0;

  if (classes < 2 || classes > kMaxClasses) return bad(name, "num_classes " + std::to_string(classes) + " out of range [2, 4096]");
  if (m.features.bucket_bits < 8 || m.features.bucket_bits > 26) {
    return bad(name, "bucket_bits " + std::to_string(m.features.bucket_bits) + " out of range [8, 26]");
  }
  if (m.features.char_max > 8 || m.features.char_min > m.features.char_max) {
    return bad(name, "char n-gram range [" + std::to_string(m.features.char_min) + ", " +
                         std::to_string(m.features.char_max) + "] invalid");
  }
  if (m.features.word_bigrams > 1) return bad(name, "word_bigrams must be 0 or 1");
  if (m.features.head_bytes == 0 || m.features.head_bytes > kMaxClipBytes || m.features.tail_bytes > kMaxClipBytes) {
    return bad(name, "head_bytes/tail_bytes out of range");
  }
  if (!std::isfinite(m.temperature) || m.temperature <= 0) return bad(name, "temperature must be finite and > 0");
  if (!(m.threshold >= 0.0f && m.threshold <= 1.0f)) return bad(name, "threshold must be in [0, 1]");
  if (m.positive_class < -1 || m.positive_class >= static_cast<int32_t>(classes)) {
    return bad(name, "positive_class " + std::to_string(m.positive_class) + " out of range");
  }
  uint64_t want_dense = 0;
  if (dense_dim == 0) {
    if (vocab != 0 || table_bits != 0 || dense_flags != 0) {
      return bad(name, "vocab/table_bits/dense_flags set without word vectors (dense_dim 0)");
    }
  } else {
    if (dense_dim > 1024) return bad(name, "dense_dim " + std::to_string(dense_dim) + " out of range [0, 1024]");
    if ((dense_flags & ~WordVectors::kKnownFlags) != 0) {
      return bad(name, "dense_flags " + std::to_string(dense_flags) + " has unknown bits");
    }
    if (vocab == 0 || vocab > (1u << 22)) return bad(name, "vocab " + std::to_string(vocab) + " out of range [1, 2^22]");
    if (table_bits == 0 || table_bits > 24 || (uint64_t{1} << table_bits) <= vocab) {
      return bad(name, "table_bits " + std::to_string(table_bits) + " invalid for vocab " + std::to_string(vocab));
    }
    const uint64_t slots = uint64_t{1} << table_bits;
    const uint64_t slot_bytes = version >= 2 ? 8 : 12;  // v1: u64 keys[] then u32 rows[]
    want_dense = 4ull * classes * dense_dim + slot_bytes * slots + 4ull * vocab + uint64_t{vocab} * dense_dim;
  }
  if (labels_bytes > kMaxLabelsBytes) return bad(name, "labels section size " + std::to_string(labels_bytes) + " too large");
  // Sizes come from the file: add them with overflow checks before comparing.
  uint64_t total = 0;
  if (__builtin_add_overflow(uint64_t{kModelHeaderBytes}, labels_bytes, &total) ||
      __builtin_add_overflow(total, weights_bytes, &total) || __builtin_add_overflow(total, dense_bytes, &total)) {
    return bad(name, "section sizes overflow (labels " + std::to_string(labels_bytes) + ", weights " +
                         std::to_string(weights_bytes) + ", dense " + std::to_string(dense_bytes) + ")");
  }
  const uint64_t want_weights = expected_weights_bytes(classes, m.features.bucket_bits);
  if (weights_bytes != want_weights) {
    return bad(name, "weights section is " + std::to_string(weights_bytes) + " bytes, expected " +
                         std::to_string(want_weights) + " for " + std::to_string(classes) + " classes and 2^" +
                         std::to_string(m.features.bucket_bits) + " buckets");
  }
  if (dense_bytes != want_dense) {
    return bad(name, "dense section is " + std::to_string(dense_bytes) + " bytes, expected " + std::to_string(want_dense));
  }
  if (size < total) {
    return bad(name, "truncated: header declares " + std::to_string(total) + " bytes, file has " + std::to_string(size));
  }
  if (size > total) {
    return bad(name, "trailing bytes: header declares " + std::to_string(total) + " bytes, file has " + std::to_string(size));
  }
  const uint8_t* lp = p + kModelHeaderBytes;
  const uint8_t* wp = lp + labels_bytes;
  const uint8_t* dp = wp + weights_bytes;
  if (get<uint32_t>(p, 72) != crc32_of(lp, labels_bytes)) return bad(name, "labels section checksum mismatch (file corrupt)");
  if (get<uint32_t>(p, 76) != crc32_of(wp, weights_bytes)) return bad(name, "weights section checksum mismatch (file corrupt)");
  if (get<uint32_t>(p, 92) != crc32_of(dp, dense_bytes)) return bad(name, "dense section checksum mismatch (file corrupt)");

  std::unordered_set<std::string> seen;
  size_t off = 0;
  for (uint32_t i = 0; i < classes; ++i) {
    if (off + 2 > labels_bytes) return bad(name, "labels section ends inside label " + std::to_string(i));
    const uint16_t len = get<uint16_t>(lp, off);
    off += 2;
    if (len == 0 || off + len > labels_bytes) return bad(name, "label " + std::to_string(i) + " has bad length");
    std::string label(reinterpret_cast<const char*>(lp + off), len);
    off += len;
    if (count_code_points(label) == 0 || [&] {
          size_t pos = 0;
          while (pos < label.size()) if (decode_next(label, pos) == kInvalidCodePoint) return true;
          return false;
        }()) {
      return bad(name, "label " + std::to_string(i) + " is not valid UTF-8");
    }
    if (!seen.insert(label).second) return bad(name, "duplicate label \"" + label + "\"");
    m.labels.push_back(std::move(label));
  }
  if (off != labels_bytes) return bad(name, "labels section has " + std::to_string(labels_bytes - off) + " extra bytes");

  const size_t buckets = m.num_buckets();
  m.bias.resize(classes);
  m.row_scale.resize(buckets);
  m.weights.resize(buckets * classes);
  std::memcpy(m.bias.data(), wp, 4 * classes);
  std::memcpy(m.row_scale.data(), wp + 4 * classes, 4 * buckets);
  std::memcpy(m.weights.data(), wp + 4 * classes + 4 * buckets, buckets * classes);
  for (float b : m.bias) if (!std::isfinite(b)) return bad(name, "non-finite bias");
  for (float s : m.row_scale) if (!std::isfinite(s) || s < 0) return bad(name, "non-finite or negative row scale");
  if (dense_dim > 0) {
    WordVectors& wv = m.vectors;
    wv.dim = dense_dim;
    wv.vocab = vocab;
    wv.table_bits = table_bits;
    wv.flags = dense_flags;
    const size_t slots = size_t{1} << table_bits;
    const uint8_t* q = dp;
    m.dense_weights.resize(size_t{classes} * dense_dim);
    std::memcpy(m.dense_weights.data(), q, m.dense_weights.size() * 4);
    q += m.dense_weights.size() * 4;
    wv.slots.resize(slots);
    if (version >= 2) {
      std::memcpy(wv.slots.data(), q, slots * 8);
      q += slots * 8;
    } else {
      // v1 stored the full key (hash | 1) and the row in two arrays; the slot
      // positions are the same, so the tag is all the lookup needs.
      for (size_t i = 0; i < slots; ++i) {
        const uint64_t key = get<uint64_t>(q, 8 * i);
        if (key != 0) wv.slots[i] = {WordVectors::tag_of(key), get<uint32_t>(q + slots * 8, 4 * i)};
      }
      q += slots * 12;
    }
    wv.scales.resize(vocab);
    std::memcpy(wv.scales.data(), q, size_t{vocab} * 4);
    q += size_t{vocab} * 4;
    wv.values.resize(size_t{vocab} * dense_dim);
    std::memcpy(wv.values.data(), q, wv.values.size());
    size_t used = 0;
    for (const WordVectors::Slot& slot : wv.slots) {
      if (slot.tag == 0) continue;
      ++used;
      if (slot.row >= vocab) return bad(name, "word vector table row " + std::to_string(slot.row) + " out of range");
    }
    if (used == slots) return bad(name, "word vector table has no empty slot");
    for (float w : m.dense_weights) if (!std::isfinite(w)) return bad(name, "non-finite dense weight");
    for (float s : wv.scales) if (!std::isfinite(s) || s < 0) return bad(name, "non-finite or negative word vector scale");
  }
  m.pack();
  return m;
}

Result<LinearModel> load_linear_model(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(ErrorCode::kModelFile, path + ": cannot open model file");
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return fail(ErrorCode::kIo, path + ": read error");
  return parse_linear_model(bytes, path);
}

Result<bool> save_linear_model(const LinearModel& model, const std::string& path) {
  const std::string bytes = serialize_linear_model(model);
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return fail(ErrorCode::kIo, tmp + ": cannot create");
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) return fail(ErrorCode::kIo, tmp + ": write failed");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) return fail(ErrorCode::kIo, path + ": rename failed");
  return true;
}

}  // namespace sr::engine

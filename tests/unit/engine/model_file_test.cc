#include "engine/model_file.h"
#include "engine/tokenizer.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <cmath>
#include <cstring>
#include <limits>

namespace sr::engine {
namespace {

// A tiny but complete model: 2^8 buckets, 3 classes, optional word vectors.
LinearModel tiny_model(bool with_vectors) {
  LinearModel m;
  m.features.bucket_bits = 8;
  m.labels = {"alpha", "beta", "gamma"};
  m.temperature = 1.5f;
  m.threshold = 0.25f;
  m.bias = {0.1f, -0.2f, 0.3f};
  m.row_scale.assign(256, 0.01f);
  m.weights.resize(256 * 3);
  for (size_t i = 0; i < m.weights.size(); ++i) m.weights[i] = static_cast<int8_t>(static_cast<int>(i * 37 % 255) - 127);
  if (with_vectors) {
    WordVectors& wv = m.vectors;
    wv.dim = 4;
    wv.vocab = 3;
    wv.build_table({word_hash(U"one"), word_hash(U"two"), word_hash(U"three")});
    wv.scales = {0.1f, 0.2f, 0.3f};
    wv.values = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    m.dense_weights.assign(3 * 4, 0.5f);
  }
  return m;
}

std::string bytes_of(const LinearModel& m) { return serialize_linear_model(m); }

Result<LinearModel> parse(const std::string& b) {
  return parse_linear_model({reinterpret_cast<const uint8_t*>(b.data()), b.size()}, "test.bin");
}

template <class T>
void poke(std::string& b, size_t off, T v) {
  std::memcpy(b.data() + off, &v, sizeof v);
}
uint32_t crc(const char* p, size_t n) {
  return static_cast<uint32_t>(crc32(crc32(0, Z_NULL, 0), reinterpret_cast<const Bytef*>(p), static_cast<uInt>(n)));
}
// Re-seal the header after an edit, so the test reaches the check it targets.
void reseal_header(std::string& b) { poke<uint32_t>(b, 124, crc(b.data(), 124)); }

TEST(ModelFileTest, RoundTripWithoutVectors) {
  const LinearModel m = tiny_model(false);
  auto back = parse(bytes_of(m));
  ASSERT_TRUE(back.has_value()) << back.error().message;
  EXPECT_EQ(back->labels, m.labels);
  EXPECT_EQ(back->weights, m.weights);
  EXPECT_EQ(back->row_scale, m.row_scale);
  EXPECT_EQ(back->bias, m.bias);
  EXPECT_EQ(back->temperature, m.temperature);
  EXPECT_EQ(back->threshold, m.threshold);
  EXPECT_EQ(back->features.bucket_bits, 8u);
  EXPECT_TRUE(back->vectors.empty());
  EXPECT_EQ(bytes_of(*back), bytes_of(m));
}

TEST(ModelFileTest, RoundTripWithVectors) {
  const LinearModel m = tiny_model(true);
  auto back = parse(bytes_of(m));
  ASSERT_TRUE(back.has_value()) << back.error().message;
  EXPECT_EQ(back->vectors.values, m.vectors.values);
  EXPECT_EQ(back->dense_weights, m.dense_weights);
  EXPECT_EQ(back->vectors.find(word_hash(U"two")), 1);
  EXPECT_EQ(back->vectors.find(word_hash(U"four")), -1);
  EXPECT_EQ(bytes_of(*back), bytes_of(m));
}

TEST(ModelFileTest, SaveAndLoadFile) {
  const std::string path = ::testing::TempDir() + "/model_file_test.bin";
  ASSERT_TRUE(save_linear_model(tiny_model(true), path).has_value());
  auto m = load_linear_model(path);
  ASSERT_TRUE(m.has_value()) << m.error().message;
  EXPECT_EQ(m->labels.size(), 3u);
  auto missing = load_linear_model(path + ".missing");
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, ErrorCode::kModelFile);
}

// One handcrafted corrupt file per failure class; each must be rejected with a
// message naming the problem (never a crash, never a half-loaded model).
enum class Corruption {
  kEmpty, kBadMagic, kTruncatedHeader, kWrongVersion, kBadHeaderChecksum, kClassesOutOfRange,
  kBucketBitsOutOfRange, kBadTemperature, kBadThreshold, kSizeOverflow, kWeightsSizeMismatch,
  kTruncatedBody, kTrailingBytes, kBadLabelsChecksum, kBadWeightsChecksum, kBadDenseChecksum,
  kDuplicateLabel, kDenseRowOutOfRange, kDenseSizeMismatch, kUnknownDenseFlags, kFlagsWithoutVectors,
};

struct Case {
  Corruption kind;
  const char* expect;  // substring of the error message
};

std::string corrupt(Corruption kind) {
  const bool dense = kind == Corruption::kBadDenseChecksum || kind == Corruption::kDenseRowOutOfRange ||
                     kind == Corruption::kDenseSizeMismatch || kind == Corruption::kUnknownDenseFlags;
  std::string b = bytes_of(tiny_model(dense));
  const size_t labels_off = kModelHeaderBytes;
  uint64_t labels_bytes, weights_bytes;
  std::memcpy(&labels_bytes, b.data() + 56, 8);
  std::memcpy(&weights_bytes, b.data() + 64, 8);
  const size_t weights_off = labels_off + labels_bytes;
  const size_t dense_off = weights_off + weights_bytes;
  switch (kind) {
    case Corruption::kEmpty: return "";
    case Corruption::kBadMagic: b[0] = 'X'; break;
    case Corruption::kTruncatedHeader: b.resize(60); break;
    case Corruption::kWrongVersion: poke<uint32_t>(b, 8, 7); reseal_header(b); break;
    case Corruption::kBadHeaderChecksum: b[44] ^= 0x01; break;
    case Corruption::kClassesOutOfRange: poke<uint32_t>(b, 16, 1); reseal_header(b); break;
    case Corruption::kBucketBitsOutOfRange: poke<uint32_t>(b, 20, 40); reseal_header(b); break;
    case Corruption::kBadTemperature: poke<float>(b, 44, std::numeric_limits<float>::quiet_NaN()); reseal_header(b); break;
    case Corruption::kBadThreshold: poke<float>(b, 48, 2.0f); reseal_header(b); break;
    case Corruption::kSizeOverflow: poke<uint64_t>(b, 64, std::numeric_limits<uint64_t>::max() - 64); reseal_header(b); break;
    case Corruption::kWeightsSizeMismatch: poke<uint64_t>(b, 64, weights_bytes + 4); reseal_header(b); break;
    case Corruption::kTruncatedBody: b.resize(b.size() - 10); break;
    case Corruption::kTrailingBytes: b += "junk"; break;
    case Corruption::kBadLabelsChecksum: b[labels_off + 3] ^= 0x20; break;
    case Corruption::kBadWeightsChecksum: b[weights_off + 100] ^= 0x55; break;
    case Corruption::kBadDenseChecksum: b[dense_off + 1] ^= 0x55; break;
    case Corruption::kDuplicateLabel: {
      // "alpha","beta","gamma" -> "alpha","alpha"... needs equal lengths: make
      // "gamma" read "alpha" and re-seal the labels checksum and the header.
      const size_t gamma = b.find("gamma", labels_off);
      std::memcpy(b.data() + gamma, "alpha", 5);
      poke<uint32_t>(b, 72, crc(b.data() + labels_off, labels_bytes));
      reseal_header(b);
      break;
    }
    case Corruption::kDenseRowOutOfRange: {
      // Point one occupied slot ({u32 tag, u32 row}) at row 99 (vocab is 3), then re-seal.
      const size_t slots_off = dense_off + 3 * 4 * 4;
      for (size_t i = 0; i < 8; ++i) {
        uint32_t tag;
        std::memcpy(&tag, b.data() + slots_off + 8 * i, 4);
        if (tag != 0) {
          poke<uint32_t>(b, slots_off + 8 * i + 4, 99);
          break;
        }
      }
      poke<uint32_t>(b, 92, crc(b.data() + dense_off, b.size() - dense_off));
      reseal_header(b);
      break;
    }
    case Corruption::kDenseSizeMismatch: poke<uint32_t>(b, 84, 2); reseal_header(b); break;
    case Corruption::kUnknownDenseFlags: poke<uint32_t>(b, 104, 6); reseal_header(b); break;
    case Corruption::kFlagsWithoutVectors: poke<uint32_t>(b, 104, 1); reseal_header(b); break;
  }
  return b;
}

class CorruptModelFileTest : public ::testing::TestWithParam<Case> {};

TEST_P(CorruptModelFileTest, IsRejectedWithClearMessage) {
  auto r = parse(corrupt(GetParam().kind));
  ASSERT_FALSE(r.has_value()) << "corrupt file was accepted";
  EXPECT_EQ(r.error().code, ErrorCode::kModelFile);
  EXPECT_NE(r.error().message.find("test.bin: "), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find(GetParam().expect), std::string::npos) << r.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    AllClasses, CorruptModelFileTest,
    ::testing::Values(Case{Corruption::kEmpty, "bad magic"}, Case{Corruption::kBadMagic, "bad magic"},
                      Case{Corruption::kTruncatedHeader, "truncated header"},
                      Case{Corruption::kWrongVersion, "unsupported version 7"},
                      Case{Corruption::kBadHeaderChecksum, "header checksum"},
                      Case{Corruption::kClassesOutOfRange, "num_classes 1"},
                      Case{Corruption::kBucketBitsOutOfRange, "bucket_bits 40"},
                      Case{Corruption::kBadTemperature, "temperature"},
                      Case{Corruption::kBadThreshold, "threshold"},
                      Case{Corruption::kSizeOverflow, "overflow"},
                      Case{Corruption::kWeightsSizeMismatch, "weights section is"},
                      Case{Corruption::kTruncatedBody, "truncated: header declares"},
                      Case{Corruption::kTrailingBytes, "trailing bytes"},
                      Case{Corruption::kBadLabelsChecksum, "labels section checksum"},
                      Case{Corruption::kBadWeightsChecksum, "weights section checksum"},
                      Case{Corruption::kBadDenseChecksum, "dense section checksum"},
                      Case{Corruption::kDuplicateLabel, "duplicate label \"alpha\""},
                      Case{Corruption::kDenseRowOutOfRange, "row 99 out of range"},
                      Case{Corruption::kDenseSizeMismatch, "dense section is"},
                      Case{Corruption::kUnknownDenseFlags, "dense_flags 6 has unknown bits"},
                      Case{Corruption::kFlagsWithoutVectors, "set without word vectors"}));

TEST(ModelFileTest, DenseFlagsRoundTrip) {
  LinearModel m = tiny_model(true);
  m.vectors.flags = WordVectors::kInflections;
  auto back = parse(bytes_of(m));
  ASSERT_TRUE(back.has_value()) << back.error().message;
  EXPECT_EQ(back->vectors.flags, WordVectors::kInflections);
}

// Version 1 files (all models before this format change) still load: their
// table held full 64-bit keys and rows in two arrays, and the reserved bytes
// where version 2 keeps dense_flags are ignored.
TEST(ModelFileTest, VersionOneLoads) {
  const LinearModel m = tiny_model(true);
  const std::string v2 = bytes_of(m);
  uint64_t labels_bytes, weights_bytes;
  std::memcpy(&labels_bytes, v2.data() + 56, 8);
  std::memcpy(&weights_bytes, v2.data() + 64, 8);
  const size_t dense_off = kModelHeaderBytes + labels_bytes + weights_bytes;
  const WordVectors& wv = m.vectors;
  std::string dense(reinterpret_cast<const char*>(m.dense_weights.data()), m.dense_weights.size() * 4);
  for (const auto& slot : wv.slots) {
    const uint64_t key = slot.tag == 0 ? 0 : (wv.row_hashes[slot.row] | 1);
    dense.append(reinterpret_cast<const char*>(&key), 8);
  }
  for (const auto& slot : wv.slots) dense.append(reinterpret_cast<const char*>(&slot.row), 4);
  dense.append(reinterpret_cast<const char*>(wv.scales.data()), wv.scales.size() * 4);
  dense.append(reinterpret_cast<const char*>(wv.values.data()), wv.values.size());
  std::string v1 = v2.substr(0, dense_off) + dense;
  poke<uint32_t>(v1, 8, 1);
  poke<uint32_t>(v1, 104, 1);  // reserved in version 1
  poke<uint64_t>(v1, 96, dense.size());
  poke<uint32_t>(v1, 92, crc(dense.data(), dense.size()));
  reseal_header(v1);
  auto back = parse(v1);
  ASSERT_TRUE(back.has_value()) << back.error().message;
  EXPECT_EQ(back->vectors.flags, 0u);
  EXPECT_EQ(back->vectors.find(word_hash(U"one")), 0);
  EXPECT_EQ(back->vectors.find(word_hash(U"two")), 1);
  EXPECT_EQ(back->vectors.find(word_hash(U"three")), 2);
  EXPECT_EQ(back->vectors.find(word_hash(U"four")), -1);
  EXPECT_EQ(back->vectors.values, wv.values);
  // Written back, it is a version 2 file with the same content.
  EXPECT_EQ(bytes_of(*back).size(), v2.size());
}

TEST(ModelFileTest, EveryTruncationIsRejected) {
  const std::string b = bytes_of(tiny_model(true));
  for (size_t n = 0; n < b.size(); n += 7) EXPECT_FALSE(parse(b.substr(0, n)).has_value()) << n;
}

TEST(ModelFileTest, SingleByteFlipsAreRejected) {
  const std::string good = bytes_of(tiny_model(true));
  for (size_t i = 0; i < good.size(); i += 13) {
    std::string b = good;
    b[i] ^= 0x40;
    EXPECT_FALSE(parse(b).has_value()) << "flip at " << i;
  }
}

}  // namespace
}  // namespace sr::engine

#pragma once
// The learned part of the pii recogniser: a linear-chain tagger (structured
// averaged perceptron, BIO tags, Viterbi decoding) over hashed token features
// and gazetteer bits. Finds PERSON, LOCATION, ORGANIZATION, STREET_ADDRESS, NRP,
// TITLE and the context-dependent structured types (DATE_TIME, AGE, ZIP_CODE,
// PHONE_NUMBER, US_DRIVER_LICENSE) that the rule scanner may miss.
//
// Model file `pii_tagger.bin` (little-endian):
//   magic "SRPIITG1", u32 version=2, u32 bucket_bits, u32 num_types,
//   u8 types[num_types] (a type may repeat: each entry is its own B/I tag pair,
//   e.g. STREET_ADDRESS as whole blocks and as pieces), f32 emit_scale, i8 emit[(1<<bucket_bits) * 16] (tags padded to 16),
//   f32 trans[(num_tags+1) * num_tags]  (row num_tags = start),
//   u32 gaz_count, {u64 hash, u16 bits}[gaz_count], u64 fnv1a checksum of all preceding bytes.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "signals/pii_types.h"

namespace sr::signals::pii {

//! Gazetteer membership bits of a lower-cased token.
enum GazBit : uint16_t {
  kGazFirstName = 1 << 0,
  kGazLastName = 1 << 1,
  kGazCity = 1 << 2,
  kGazCountry = 1 << 3,
  kGazCompany = 1 << 4,
  kGazNationality = 1 << 5,
  kGazStreet = 1 << 6,
  kGazTitle = 1 << 7,
  kGazOccupation = 1 << 8,
  kGazState = 1 << 9,
  kGazCommon = 1 << 10,  //!< among the most frequent English words
};

//! Open-addressing hash set of lower-cased word hashes -> GazBit mask.
class Gazetteer {
 public:
  void add(uint64_t hash, uint16_t bits);
  uint16_t lookup(uint64_t hash) const;
  //! All (hash, bits) entries, sorted by hash (deterministic serialisation).
  std::vector<std::pair<uint64_t, uint16_t>> entries() const;
  size_t size() const { return count_; }

 private:
  void grow();
  std::vector<uint64_t> keys_;  // 0 = empty
  std::vector<uint16_t> vals_;
  size_t count_ = 0;
};

//! Tags are stored padded to 16 lanes (one SIMD row per hashed feature), so a
//! tagger knows at most 7 types (O + 7 B/I pairs).
inline constexpr int kTagStride = 16;
inline constexpr uint32_t kMaxTaggerTypes = 7;
struct PaddedTrans;

//! Weights and gazetteer; immutable after load, shared by all threads.
struct TaggerModel {
  uint32_t bucket_bits = 17;
  std::vector<EntityType> types;  //!< tag 0 = O, tag 1+2k = B-types[k], 2+2k = I-types[k]; may repeat
  float emit_scale = 1.0f;
  std::vector<int8_t> emit;       //!< [bucket][kTagStride]
  std::vector<float> trans;       //!< [(prev or start)][tag], num_tags+1 rows
  Gazetteer gaz;

  int num_tags() const { return 1 + 2 * static_cast<int>(types.size()); }
  //! Precomputes the padded transition matrix; call after filling `trans`.
  void finish();
  const PaddedTrans& padded_trans() const { return *padded_; }

 private:
  std::shared_ptr<PaddedTrans> padded_;
};

//! Reads and checks a model file (magic, sizes, checksum); names the problem.
Result<TaggerModel> load_tagger(const std::string& path);
//! Writes a model file.
Result<bool> save_tagger(const TaggerModel& m, const std::string& path);

//! Fills the per-token feature buckets of `doc` (num_features per token,
//! row-major) using the gazetteer.
inline constexpr int kNumFeatures = 21;
void extract_features(const Doc& doc, const Gazetteer& gaz, uint32_t bucket_bits, std::vector<uint32_t>* feats);

//! Viterbi decode with the quantised model; appends spans as candidates.
void tag(const TaggerModel& m, const Doc& doc, std::vector<Candidate>* out);

//! Trains a model. `sents` are documents with gold tags per token (0 = O,
//! BIO as in TaggerModel). Deterministic for a given `seed`.
struct TaggedDoc {
  std::string text;
  std::vector<uint8_t> tags;  //!< one per token of Doc::build(text)
};
struct TrainConfig {
  int epochs = 10;
  uint64_t seed = 42;
  bool progress = true;
};
TaggerModel train_tagger(const std::vector<TaggedDoc>& docs, std::vector<EntityType> types, Gazetteer gaz,
                         const TrainConfig& cfg);

//! Maximum bytes of a prompt the recogniser looks at (longer input is cut).
inline constexpr size_t kMaxScanBytes = 64 * 1024;

}  // namespace sr::signals::pii

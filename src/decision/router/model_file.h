#pragma once
// Router model file: a small sectioned binary container with a CRC.
//
// Layout (little-endian):
//   "SRROUTER"  8-byte magic
//   u32 version (kModelFileVersion; kOldestModelFileVersion.. are read)
//   u32 section count
//   per section: u16 name length, name bytes, u8 dtype, u64 element count, payload
//   u32 CRC-32 (zlib polynomial) of every byte before it
// The reader checks everything before handing out a byte, so a truncated,
// corrupt or foreign file gives an Error naming the problem, never a crash.
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace sr::router {

inline constexpr char kModelMagic[8] = {'S', 'R', 'R', 'O', 'U', 'T', 'E', 'R'};
// Version 2 stores the embedder's word vectors as int8 rows with one float
// scale each ("emb.vecs.q" + "emb.vecs.scale") instead of float16 "emb.vecs",
// and so the prior's hashed table when it has more than 4 groups (where that is
// smaller than float16); everything else is as in version 1, which still loads.
inline constexpr uint32_t kModelFileVersion = 2;
inline constexpr uint32_t kOldestModelFileVersion = 1;

//! Element type of one section.
enum class DType : uint8_t { kF32 = 1, kF16 = 2, kI32 = 3, kBytes = 4, kI8 = 5 };

//! Size in bytes of one element of `t` (0 for an unknown type).
size_t dtype_size(DType t);

//! IEEE half <-> float, used to halve the size of embedding tables on disk.
uint16_t float_to_half(float f);
float half_to_float(uint16_t h);

//! Rounds each row of `rows` (`dim` floats) to what add_rows_i8() stores and
//! rows_i8() gives back: int8 times a per-row scale max|v| / 127. Applying it
//! before training makes save + load return the trained values (up to float
//! rounding); applying it again moves no value by more than float rounding.
void quantize_rows_i8(std::span<float> rows, size_t dim);

//! Builds a model file in memory; save() writes it atomically (tmp + rename).
class ModelWriter {
 public:
  //! Floats stored as f32, or as f16 when `as_f16` (lossy, half the size).
  void add_f32(std::string name, std::span<const float> v, bool as_f16 = false);
  void add_i32(std::string name, std::span<const int32_t> v);
  void add_i8(std::string name, std::span<const int8_t> v);
  //! Rows of `dim` floats as int8 with one f32 scale per row (max|v| / 127, 0 for
  //! an all-zero row): sections "<name>.q" (i8) and "<name>.scale" (f32), about a
  //! quarter of f32. Read back with ModelFile::rows_i8().
  void add_rows_i8(const std::string& name, std::span<const float> rows, size_t dim);
  void add_string(std::string name, std::string_view s);
  //! The full file image (header, sections, CRC).
  std::string serialize() const;
  Result<bool> save(const std::string& path) const;

 private:
  struct Section {
    std::string name;
    DType dtype;
    uint64_t count;
    std::string payload;
  };
  std::vector<Section> sections_;
};

//! A parsed, validated model file. Accessors check names, types and sizes.
class ModelFile {
 public:
  //! Validates magic, version, CRC, section bounds and duplicate names.
  static Result<ModelFile> parse(std::string bytes, std::string_view origin);
  static Result<ModelFile> load(const std::string& path);

  bool has(std::string_view name) const;
  //! Section names, sorted.
  std::vector<std::string> names() const;
  //! f32 or f16 section as floats; `expect` >= 0 also checks the element count.
  Result<std::vector<float>> floats(std::string_view name, int64_t expect = -1) const;
  Result<std::vector<int32_t>> ints(std::string_view name, int64_t expect = -1) const;
  Result<std::vector<int8_t>> int8s(std::string_view name, int64_t expect = -1) const;
  Result<std::string> string(std::string_view name) const;
  //! Rows written by add_rows_i8(), dequantised; `expect_rows` >= 0 also checks
  //! the row count. Scales must be finite and >= 0.
  Result<std::vector<float>> rows_i8(std::string_view name, size_t dim, int64_t expect_rows = -1) const;
  const std::string& origin() const { return origin_; }
  //! Format version of the file (kOldestModelFileVersion..kModelFileVersion).
  uint32_t version() const { return version_; }

 private:
  struct View {
    DType dtype;
    uint64_t count;
    size_t offset;  // into bytes_
  };
  Result<const View*> find(std::string_view name, std::initializer_list<DType> ok, int64_t expect) const;

  std::string bytes_;
  std::string origin_;
  uint32_t version_ = 0;
  std::map<std::string, View, std::less<>> sections_;
};

}  // namespace sr::router

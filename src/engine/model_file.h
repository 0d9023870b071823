#pragma once
// Binary file format of a LinearModel ("model.bin"). Little-endian, fixed-size
// header followed by three sections, each with its own CRC-32:
//
//   offset size  field
//   0      8     magic "SRLINCLS"
//   8      4     u32 version (kModelFileVersion)
//   12     4     u32 header_bytes (128)
//   16     4     u32 num_classes        [2, 4096]
//   20     4     u32 bucket_bits        [8, 26]
//   24     4     u32 char_min           [0, 8]
//   28     4     u32 char_max           [char_min, 8]
//   32     4     u32 word_bigrams       {0, 1}
//   36     4     u32 head_bytes         [1, 1 MiB]
//   40     4     u32 tail_bytes         [0, 1 MiB]
//   44     4     f32 temperature        finite, > 0
//   48     4     f32 threshold          [0, 1]
//   52     4     i32 positive_class     [-1, num_classes)
//   56     8     u64 labels_bytes       <= 1 MiB
//   64     8     u64 weights_bytes      = 4*C + 4*B + B*C
//   72     4     u32 labels_crc32
//   76     4     u32 weights_crc32
//   80     4     u32 dense_dim          [0, 1024], 0 = no word vectors
//   84     4     u32 vocab              [0, 2^22]  (0 iff dense_dim 0)
//   88     4     u32 table_bits         [0, 24], 2^bits > vocab
//   92     4     u32 dense_crc32
//   96     8     u64 dense_bytes        = 4*C*D + 8*2^bits + 4*V + V*D (0 without vectors;
//                                       version 1: 12*2^bits)
//   104    4     u32 dense_flags        WordVectors::kKnownFlags bits; 0 without vectors
//                                       (version 2; version 1 files have 0 here)
//   108    16    reserved, zero
//   124    4     u32 header_crc32 (of bytes 0..123)
//   128    labels: num_classes x (u16 length, UTF-8 bytes)
//   ...    weights: f32 bias[C], f32 row_scale[B], i8 weights[B*C]
//   ...    dense: f32 dense_weights[C*D], {u32 tag, u32 row}[2^bits],
//                 f32 scales[V], i8 values[V*D]
//                 (version 1: u64 keys[2^bits], u32 rows[2^bits] instead of the slots)
//
// The loader checks every field and rejects a file that is truncated, has
// trailing bytes, or whose checksums do not match, with a message naming the
// file and the offending field.
#include <cstdint>
#include <span>
#include <string>

#include "base/result.h"
#include "engine/linear_model.h"

namespace sr::engine {

inline constexpr char kModelFileMagic[8] = {'S', 'R', 'L', 'I', 'N', 'C', 'L', 'S'};
inline constexpr uint32_t kModelFileVersion = 2;
//! Oldest version still read: version 1 is version 2 with dense_flags 0.
inline constexpr uint32_t kModelFileMinVersion = 1;
inline constexpr uint32_t kModelHeaderBytes = 128;

//! Serialises a model to bytes (the exact file content).
std::string serialize_linear_model(const LinearModel& model);

//! Parses and validates file bytes. `name` prefixes error messages.
Result<LinearModel> parse_linear_model(std::span<const uint8_t> bytes, const std::string& name);

//! Reads and parses a model file.
Result<LinearModel> load_linear_model(const std::string& path);

//! Writes a model file (via a temporary file and rename, so readers never see half a file).
Result<bool> save_linear_model(const LinearModel& model, const std::string& path);

}  // namespace sr::engine

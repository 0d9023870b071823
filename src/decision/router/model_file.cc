#include "decision/router/model_file.h"

#include <zlib.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace sr::router {

size_t dtype_size(DType t) {
  switch (t) {
    case DType::kF32: return 4;
    case DType::kF16: return 2;
    case DType::kI32: return 4;
    case DType::kBytes: return 1;
    case DType::kI8: return 1;
  }
  return 0;
}

uint16_t float_to_half(float f) {
  uint32_t x = std::bit_cast<uint32_t>(f);
  uint32_t sign = (x >> 16) & 0x8000u;
  int32_t exp = static_cast<int32_t>((x >> 23) & 0xff) - 127 + 15;
  uint32_t mant = x & 0x7fffffu;
  if (((x >> 23) & 0xff) == 0xff) return static_cast<uint16_t>(sign | 0x7c00u | (mant ? 0x200u : 0u));
  if (exp >= 31) return static_cast<uint16_t>(sign | 0x7c00u);  // overflow -> inf
  if (exp <= 0) {
    if (exp < -10) return static_cast<uint16_t>(sign);  // underflow -> 0
    mant |= 0x800000u;
    uint32_t shift = static_cast<uint32_t>(14 - exp);
    uint32_t half = mant >> shift;
    uint32_t rem = mant & ((1u << shift) - 1);
    uint32_t mid = 1u << (shift - 1);
    if (rem > mid || (rem == mid && (half & 1))) ++half;
    return static_cast<uint16_t>(sign | half);
  }
  uint32_t half = sign | (static_cast<uint32_t>(exp) << 10) | (mant >> 13);
  uint32_t rem = mant & 0x1fffu;
  if (rem > 0x1000u || (rem == 0x1000u && (half & 1))) ++half;  // round to nearest even
  return static_cast<uint16_t>(half);
}

float half_to_float(uint16_t h) {
  uint32_t sign = (h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1f;
  uint32_t mant = h & 0x3ffu;
  uint32_t out;
  if (exp == 0) {
    if (mant == 0) {
      out = sign;
    } else {  // subnormal: normalise
      int e = -1;
      do {
        ++e;
        mant <<= 1;
      } while ((mant & 0x400u) == 0);
      out = sign | (static_cast<uint32_t>(127 - 15 - e) << 23) | ((mant & 0x3ffu) << 13);
    }
  } else if (exp == 31) {
    out = sign | 0x7f800000u | (mant << 13);
  } else {
    out = sign | ((exp + 127 - 15) << 23) | (mant << 13);
  }
  return std::bit_cast<float>(out);
}

namespace {

template <class T>
void put(std::string& out, T v) {
  char buf[sizeof(T)];
  std::memcpy(buf, &v, sizeof(T));
  out.append(buf, sizeof(T));
}

template <class T>
T get(const std::string& in, size_t off) {
  T v;
  std::memcpy(&v, in.data() + off, sizeof(T));
  return v;
}

Error model_error(std::string_view origin, std::string msg) {
  return Error{ErrorCode::kModelFile, "router model " + std::string(origin) + ": " + msg};
}

// One row to int8: returns the scale, max|v| / 127 (0 for an all-zero row).
float quantize_row(const float* v, size_t dim, int8_t* q) {
  float m = 0;
  for (size_t d = 0; d < dim; ++d) m = std::max(m, std::abs(v[d]));
  const float scale = m / 127.0f;
  for (size_t d = 0; d < dim; ++d) q[d] = scale > 0 ? static_cast<int8_t>(std::lround(v[d] / scale)) : 0;
  return scale;
}

}  // namespace

void quantize_rows_i8(std::span<float> rows, size_t dim) {
  if (dim == 0) return;
  std::vector<int8_t> q(dim);
  for (size_t i = 0; i + dim <= rows.size(); i += dim) {
    const float scale = quantize_row(&rows[i], dim, q.data());
    for (size_t d = 0; d < dim; ++d) rows[i + d] = static_cast<float>(q[d]) * scale;
  }
}

void ModelWriter::add_f32(std::string name, std::span<const float> v, bool as_f16) {
  Section s{std::move(name), as_f16 ? DType::kF16 : DType::kF32, v.size(), {}};
  if (as_f16) {
    for (float f : v) put<uint16_t>(s.payload, float_to_half(f));
  } else {
    s.payload.assign(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float));
  }
  sections_.push_back(std::move(s));
}

void ModelWriter::add_i32(std::string name, std::span<const int32_t> v) {
  sections_.push_back({std::move(name), DType::kI32, v.size(),
                       std::string(reinterpret_cast<const char*>(v.data()), v.size() * 4)});
}

void ModelWriter::add_i8(std::string name, std::span<const int8_t> v) {
  sections_.push_back(
      {std::move(name), DType::kI8, v.size(), std::string(reinterpret_cast<const char*>(v.data()), v.size())});
}

void ModelWriter::add_rows_i8(const std::string& name, std::span<const float> rows, size_t dim) {
  const size_t n = dim ? rows.size() / dim : 0;
  std::vector<int8_t> q(n * dim);
  std::vector<float> scale(n);
  for (size_t i = 0; i < n; ++i) scale[i] = quantize_row(&rows[i * dim], dim, &q[i * dim]);
  add_i8(name + ".q", q);
  add_f32(name + ".scale", scale);
}

void ModelWriter::add_string(std::string name, std::string_view s) {
  sections_.push_back({std::move(name), DType::kBytes, s.size(), std::string(s)});
}

std::string ModelWriter::serialize() const {
  std::string out(kModelMagic, sizeof(kModelMagic));
  put<uint32_t>(out, kModelFileVersion);
  put<uint32_t>(out, static_cast<uint32_t>(sections_.size()));
  for (const auto& s : sections_) {
    put<uint16_t>(out, static_cast<uint16_t>(s.name.size()));
    out += s.name;
    put<uint8_t>(out, static_cast<uint8_t>(s.dtype));
    put<uint64_t>(out, s.count);
    out += s.payload;
  }
  uint32_t crc = static_cast<uint32_t>(
      crc32(0L, reinterpret_cast<const Bytef*>(out.data()), static_cast<uInt>(out.size())));
  put<uint32_t>(out, crc);
  return out;
}

Result<bool> ModelWriter::save(const std::string& path) const {
  std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) return fail(ErrorCode::kIo, "cannot write " + tmp);
    std::string img = serialize();
    f.write(img.data(), static_cast<std::streamsize>(img.size()));
    if (!f) return fail(ErrorCode::kIo, "write failed: " + tmp);
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return fail(ErrorCode::kIo, "cannot rename " + tmp + " to " + path + ": " + ec.message());
  return true;
}

Result<ModelFile> ModelFile::parse(std::string bytes, std::string_view origin) {
  ModelFile mf;
  mf.origin_ = std::string(origin);
  constexpr size_t kHeader = sizeof(kModelMagic) + 8;
  if (bytes.size() < kHeader + 4)
    return tl::unexpected(model_error(origin, "file too short (" + std::to_string(bytes.size()) + " bytes)"));
  if (std::memcmp(bytes.data(), kModelMagic, sizeof(kModelMagic)) != 0)
    return tl::unexpected(model_error(origin, "bad magic (not a semrouter router model)"));
  uint32_t version = get<uint32_t>(bytes, 8);
  if (version < kOldestModelFileVersion || version > kModelFileVersion)
    return tl::unexpected(model_error(origin, "unsupported version " + std::to_string(version) + ", expected " +
                                                  std::to_string(kOldestModelFileVersion) + ".." +
                                                  std::to_string(kModelFileVersion)));
  mf.version_ = version;
  size_t body = bytes.size() - 4;
  uint32_t want = get<uint32_t>(bytes, body);
  uint32_t got =
      static_cast<uint32_t>(crc32(0L, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(body)));
  if (want != got) return tl::unexpected(model_error(origin, "checksum mismatch (file truncated or corrupt)"));
  uint32_t n = get<uint32_t>(bytes, 12);
  size_t off = kHeader;
  for (uint32_t i = 0; i < n; ++i) {
    std::string where = "section " + std::to_string(i);
    if (off + 2 > body) return tl::unexpected(model_error(origin, where + ": header runs past end of file"));
    uint16_t name_len = get<uint16_t>(bytes, off);
    off += 2;
    if (name_len == 0 || off + name_len + 9 > body)
      return tl::unexpected(model_error(origin, where + ": bad name length " + std::to_string(name_len)));
    std::string name = bytes.substr(off, name_len);
    off += name_len;
    auto dtype = static_cast<DType>(get<uint8_t>(bytes, off));
    off += 1;
    uint64_t count = get<uint64_t>(bytes, off);
    off += 8;
    size_t esz = dtype_size(dtype);
    if (esz == 0)
      return tl::unexpected(model_error(origin, "section '" + name + "': unknown dtype " +
                                                    std::to_string(static_cast<int>(dtype))));
    if (count > (body - off) / esz)
      return tl::unexpected(model_error(origin, "section '" + name + "': " + std::to_string(count) +
                                                    " elements run past end of file"));
    if (mf.sections_.count(name)) return tl::unexpected(model_error(origin, "duplicate section '" + name + "'"));
    mf.sections_.emplace(name, View{dtype, count, off});
    off += count * esz;
  }
  if (off != body)
    return tl::unexpected(model_error(origin, std::to_string(body - off) + " trailing bytes after last section"));
  mf.bytes_ = std::move(bytes);
  return mf;
}

Result<ModelFile> ModelFile::load(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return fail(ErrorCode::kModelFile, "router model " + path + ": cannot open");
  std::ostringstream ss;
  ss << f.rdbuf();
  return parse(std::move(ss).str(), path);
}

bool ModelFile::has(std::string_view name) const { return sections_.find(name) != sections_.end(); }

std::vector<std::string> ModelFile::names() const {
  std::vector<std::string> out;
  for (const auto& [name, view] : sections_) out.push_back(name);
  return out;
}

Result<const ModelFile::View*> ModelFile::find(std::string_view name, std::initializer_list<DType> ok,
                                              int64_t expect) const {
  auto it = sections_.find(name);
  if (it == sections_.end())
    return tl::unexpected(model_error(origin_, "missing section '" + std::string(name) + "'"));
  bool type_ok = false;
  for (DType t : ok) type_ok |= (t == it->second.dtype);
  if (!type_ok) return tl::unexpected(model_error(origin_, "section '" + std::string(name) + "' has wrong type"));
  if (expect >= 0 && it->second.count != static_cast<uint64_t>(expect))
    return tl::unexpected(model_error(origin_, "section '" + std::string(name) + "' has " +
                                                   std::to_string(it->second.count) + " elements, expected " +
                                                   std::to_string(expect)));
  return &it->second;
}

Result<std::vector<float>> ModelFile::floats(std::string_view name, int64_t expect) const {
  auto v = find(name, {DType::kF32, DType::kF16}, expect);
  if (!v) return tl::unexpected(v.error());
  std::vector<float> out((*v)->count);
  const char* p = bytes_.data() + (*v)->offset;
  if ((*v)->dtype == DType::kF32) {
    std::memcpy(out.data(), p, out.size() * 4);
  } else {
    for (size_t i = 0; i < out.size(); ++i) {
      uint16_t h;
      std::memcpy(&h, p + 2 * i, 2);
      out[i] = half_to_float(h);
    }
  }
  for (float f : out)
    if (!std::isfinite(f))
      return tl::unexpected(model_error(origin_, "section '" + std::string(name) + "' holds a non-finite value"));
  return out;
}

Result<std::vector<int32_t>> ModelFile::ints(std::string_view name, int64_t expect) const {
  auto v = find(name, {DType::kI32}, expect);
  if (!v) return tl::unexpected(v.error());
  std::vector<int32_t> out((*v)->count);
  std::memcpy(out.data(), bytes_.data() + (*v)->offset, out.size() * 4);
  return out;
}

Result<std::vector<int8_t>> ModelFile::int8s(std::string_view name, int64_t expect) const {
  auto v = find(name, {DType::kI8}, expect);
  if (!v) return tl::unexpected(v.error());
  const char* p = bytes_.data() + (*v)->offset;
  return std::vector<int8_t>(p, p + (*v)->count);
}

Result<std::vector<float>> ModelFile::rows_i8(std::string_view name, size_t dim, int64_t expect_rows) const {
  const std::string base(name);
  auto scale = floats(base + ".scale", expect_rows);
  if (!scale) return tl::unexpected(scale.error());
  for (float s : *scale)
    if (s < 0) return tl::unexpected(model_error(origin_, "section '" + base + ".scale' holds a negative scale"));
  auto q = find(base + ".q", {DType::kI8}, static_cast<int64_t>(scale->size() * dim));
  if (!q) return tl::unexpected(q.error());
  std::vector<float> rows(scale->size() * dim);
  const auto* p = reinterpret_cast<const int8_t*>(bytes_.data() + (*q)->offset);
  for (size_t i = 0; i < scale->size(); ++i)
    for (size_t d = 0; d < dim; ++d) rows[i * dim + d] = static_cast<float>(p[i * dim + d]) * (*scale)[i];
  return rows;
}

Result<std::string> ModelFile::string(std::string_view name) const {
  auto v = find(name, {DType::kBytes}, -1);
  if (!v) return tl::unexpected(v.error());
  return bytes_.substr((*v)->offset, (*v)->count);
}

}  // namespace sr::router

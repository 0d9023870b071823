#include "decision/router/model_file.h"

#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <random>

#include <gtest/gtest.h>

#include "decision/router/router.h"
#include "decision/router/routers.h"
#include "synthetic.h"

namespace sr::router {
namespace {

std::string with_crc(std::string body) {
  uint32_t crc = static_cast<uint32_t>(crc32(0L, reinterpret_cast<const Bytef*>(body.data()), static_cast<uInt>(body.size())));
  body.append(reinterpret_cast<const char*>(&crc), 4);
  return body;
}

// The image with its version field set to `version` and the CRC recomputed.
std::string with_version(const std::string& img, uint32_t version) {
  std::string body = img.substr(0, img.size() - 4);
  std::memcpy(&body[8], &version, 4);
  return with_crc(body);
}

std::string sample_image() {
  ModelWriter w;
  std::vector<float> f = {1.5f, -2.0f, 0.25f};
  std::vector<int32_t> i = {7, 8};
  w.add_f32("floats", f);
  w.add_f32("halves", f, true);
  w.add_i32("ints", i);
  w.add_string("text", "hello");
  return w.serialize();
}

TEST(RouterModelFile, RoundTrip) {
  auto mf = ModelFile::parse(sample_image(), "mem");
  ASSERT_TRUE(mf) << mf.error().message;
  EXPECT_EQ(*mf->floats("floats", 3), (std::vector<float>{1.5f, -2.0f, 0.25f}));
  EXPECT_EQ(*mf->floats("halves"), (std::vector<float>{1.5f, -2.0f, 0.25f}));  // exact in f16
  EXPECT_EQ(*mf->ints("ints"), (std::vector<int32_t>{7, 8}));
  EXPECT_EQ(*mf->string("text"), "hello");
  EXPECT_FALSE(mf->floats("floats", 4));  // wrong count
  EXPECT_FALSE(mf->ints("floats"));       // wrong type
  auto missing = mf->floats("nope");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("missing section 'nope'"), std::string::npos);
}

TEST(RouterModelFile, HalfFloatConversion) {
  for (float f : {0.0f, 1.0f, -1.0f, 0.5f, 65504.0f, 6.1035156e-05f, 5.9604645e-08f})
    EXPECT_EQ(half_to_float(float_to_half(f)), f) << f;
  EXPECT_NEAR(half_to_float(float_to_half(0.1f)), 0.1f, 1e-4f);
  EXPECT_TRUE(std::isinf(half_to_float(float_to_half(1e6f))));
}

TEST(RouterModelFile, Int8RowsRoundTrip) {
  const std::vector<float> rows = {1.0f, -0.5f, 0.26f, 0, 0, 0, 3.0f, 2.9f, -3.0f, 1e-3f, -2e-3f, 4e-4f};
  ModelWriter w;
  w.add_rows_i8("r", rows, 3);
  auto mf = ModelFile::parse(w.serialize(), "mem");
  ASSERT_TRUE(mf) << mf.error().message;
  EXPECT_EQ(mf->int8s("r.q")->size(), 12u);
  EXPECT_EQ(mf->floats("r.scale")->size(), 4u);
  auto back = mf->rows_i8("r", 3, 4);
  ASSERT_TRUE(back) << back.error().message;
  ASSERT_EQ(back->size(), rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    float row_max = 0;
    for (size_t d = 0; d < 3; ++d) row_max = std::max(row_max, std::abs(rows[i / 3 * 3 + d]));
    EXPECT_NEAR((*back)[i], rows[i], row_max / 254.0f + 1e-9f) << i;  // half a step of max|v| / 127
  }
  for (size_t i = 3; i < 6; ++i) EXPECT_EQ((*back)[i], 0.0f);  // all-zero row stays zero
  EXPECT_FLOAT_EQ((*back)[0], 1.0f);                            // the row maximum is exact
  // quantize_rows_i8 predicts exactly what a load gives back, and is stable.
  std::vector<float> q = rows;
  quantize_rows_i8(q, 3);
  EXPECT_EQ(q, *back);
  std::vector<float> q2 = q;
  quantize_rows_i8(q2, 3);
  for (size_t i = 0; i < q.size(); ++i) EXPECT_NEAR(q2[i], q[i], 1e-6f * std::abs(q[i]));
  // Row count and section checks name the section.
  auto wrong = mf->rows_i8("r", 3, 5);
  ASSERT_FALSE(wrong);
  EXPECT_NE(wrong.error().message.find("'r.scale' has 4 elements, expected 5"), std::string::npos)
      << wrong.error().message;
  auto wrong_dim = mf->rows_i8("r", 4);
  ASSERT_FALSE(wrong_dim);
  EXPECT_NE(wrong_dim.error().message.find("'r.q' has 12 elements, expected 16"), std::string::npos)
      << wrong_dim.error().message;
  auto missing = mf->rows_i8("s", 3);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("missing section 's.scale'"), std::string::npos);
}

TEST(RouterModelFile, Int8RowsWithBadSectionsAreRejected) {
  auto parse_rows = [](ModelWriter& w) -> Result<std::vector<float>> {
    auto mf = ModelFile::parse(w.serialize(), "rows");
    if (!mf) return tl::unexpected(mf.error());
    return mf->rows_i8("r", 2);
  };
  auto expect_error = [](const Result<std::vector<float>>& r, const std::string& what) {
    ASSERT_FALSE(r) << what;
    EXPECT_EQ(r.error().code, ErrorCode::kModelFile);
    EXPECT_NE(r.error().message.find(what), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find("rows"), std::string::npos);  // names the file
  };
  std::vector<int8_t> q = {1, 2, 3, 4};
  std::vector<float> scale = {0.5f, 1.0f};
  {  // no .q section
    ModelWriter w;
    w.add_f32("r.scale", scale);
    expect_error(parse_rows(w), "missing section 'r.q'");
  }
  {  // .q one element short of rows x dim
    ModelWriter w;
    w.add_i8("r.q", std::span<const int8_t>(q.data(), 3));
    w.add_f32("r.scale", scale);
    expect_error(parse_rows(w), "'r.q' has 3 elements, expected 4");
  }
  {  // .q stored with another type
    ModelWriter w;
    w.add_f32("r.q", std::vector<float>{1, 2, 3, 4});
    w.add_f32("r.scale", scale);
    expect_error(parse_rows(w), "'r.q' has wrong type");
  }
  {  // negative scale
    ModelWriter w;
    w.add_i8("r.q", q);
    w.add_f32("r.scale", std::vector<float>{0.5f, -1.0f});
    expect_error(parse_rows(w), "'r.scale' holds a negative scale");
  }
  {  // non-finite scale
    ModelWriter w;
    w.add_i8("r.q", q);
    w.add_f32("r.scale", std::vector<float>{0.5f, std::nanf("")});
    expect_error(parse_rows(w), "'r.scale' holds a non-finite value");
  }
}

TEST(RouterModelFile, Version1FilesStillLoad) {
  // Version 1 stored the word vectors as float16 "emb.vecs"; version 2 as int8 rows.
  ModelWriter w1, w2;
  testing::write_synthetic_embedder(w1, 1);
  testing::write_synthetic_embedder(w2, 2);
  auto v1 = ModelFile::parse(with_version(w1.serialize(), 1), "v1");
  ASSERT_TRUE(v1) << v1.error().message;
  EXPECT_EQ(v1->version(), 1u);
  auto v2 = ModelFile::parse(w2.serialize(), "v2");
  ASSERT_TRUE(v2) << v2.error().message;
  EXPECT_EQ(v2->version(), kModelFileVersion);
  auto e1 = Embedder::load(*v1);
  auto e2 = Embedder::load(*v2);
  ASSERT_TRUE(e1) << e1.error().message;
  ASSERT_TRUE(e2) << e2.error().message;
  EXPECT_EQ((*e1)->vocab_size(), (*e2)->vocab_size());
  // float16 vs int8 rows: the same embedding up to rounding.
  for (const char* text : {"what is the proof of a theorem", "hello cat", "the weather of a dog"}) {
    auto a = (*e1)->embed(text), b = (*e2)->embed(text);
    EXPECT_GT(dot(a.data(), b.data(), a.size()), 0.999f) << text;
  }
  // Each version must have its own layout, with a message naming the missing section.
  auto v2_old_layout = ModelFile::parse(w1.serialize(), "v2-with-v1-layout");
  ASSERT_TRUE(v2_old_layout);
  auto bad2 = Embedder::load(*v2_old_layout);
  ASSERT_FALSE(bad2);
  EXPECT_NE(bad2.error().message.find("missing section 'emb.vecs.scale'"), std::string::npos)
      << bad2.error().message;
  auto v1_new_layout = ModelFile::parse(with_version(w2.serialize(), 1), "v1-with-v2-layout");
  ASSERT_TRUE(v1_new_layout);
  auto bad1 = Embedder::load(*v1_new_layout);
  ASSERT_FALSE(bad1);
  EXPECT_NE(bad1.error().message.find("missing section 'emb.vecs'"), std::string::npos) << bad1.error().message;
  // Versions outside the supported range are refused before anything else is read.
  for (uint32_t v : {0u, kModelFileVersion + 1}) {
    auto mf = ModelFile::parse(with_version(w2.serialize(), v), "ver");
    ASSERT_FALSE(mf) << v;
    EXPECT_NE(mf.error().message.find("unsupported version " + std::to_string(v)), std::string::npos)
        << mf.error().message;
  }
}

// Rewrites a version-2 image with the int8 rows named by `converted` as float16
// sections (the version-1 layout), the rest copied, and the version set.
std::string with_f16_rows(const std::string& img, const std::function<bool(const std::string&)>& converted,
                          uint32_t version) {
  auto mf = ModelFile::parse(img, "v2");
  EXPECT_TRUE(mf);
  if (!mf) return {};
  ModelWriter w;
  for (const auto& name : mf->names()) {
    std::string base = name.substr(0, name.rfind('.'));
    if (name.ends_with(".q") && converted(base)) continue;
    if (name.ends_with(".scale") && converted(base)) {
      size_t dim = mf->int8s(base + ".q")->size() / mf->floats(name)->size();
      w.add_f32(base, *mf->rows_i8(base, dim), /*as_f16=*/true);
    } else if (auto s = mf->string(name)) {
      w.add_string(name, *s);
    } else if (auto i = mf->ints(name)) {
      w.add_i32(name, *i);
    } else if (auto b = mf->int8s(name)) {
      w.add_i8(name, *b);
    } else {
      w.add_f32(name, *mf->floats(name));
    }
  }
  return with_version(w.serialize(), version);
}

// The version-1 layout: float16 word vectors and prior table.
std::string to_version1(const std::string& img) {
  return with_f16_rows(img, [](const std::string& base) { return base == "emb.vecs" || base.ends_with("prior.hashed"); }, 1);
}

TEST(RouterModelFile, Version1RoutersStillLoad) {
  // A prior with more than 4 groups is where version 2 stores the hashed table as int8 rows.
  auto data = testing::synthetic_outcomes(300, 1);
  for (auto& row : data.rows) row.group = row.text.substr(12, row.text.find(' ', 12) - 12);  // "what is the X ..."
  auto emb = testing::synthetic_embedder();
  TrainOptions o;
  o.ivf_lists = 4;
  o.folds = 2;
  auto r = train_router("ensemble", data, emb, o);
  ASSERT_TRUE(r) << r.error().message;
  ModelWriter w;
  w.add_string("meta", R"({"kind":"ensemble","models":["weak","strong"],"strong":1,"weak":0})");
  (*r)->embedder()->save(w);
  (*r)->save_sections(w, "");
  std::string v2 = w.serialize();
  auto mf2 = ModelFile::parse(v2, "v2");
  ASSERT_TRUE(mf2);
  EXPECT_TRUE(mf2->has("ens.prior.hashed.q") && !mf2->has("ens.prior.hashed")) << "11 groups: int8 rows";
  std::string v1 = to_version1(v2);
  auto mf1 = ModelFile::parse(v1, "v1");
  ASSERT_TRUE(mf1);
  EXPECT_EQ(mf1->version(), 1u);
  EXPECT_TRUE(mf1->has("ens.prior.hashed") && mf1->has("emb.vecs") && !mf1->has("emb.vecs.q"));
  auto a = load_router_bytes(v2, "v2");
  auto b = load_router_bytes(v1, "v1");
  ASSERT_TRUE(a) << a.error().message;
  ASSERT_TRUE(b) << b.error().message;
  for (const char* p : {"what is the proof of a theorem", "what is the recipe of a cat", "hello", ""})
    EXPECT_NEAR((*a)->score(p), (*b)->score(p), 0.01) << p;  // int8 rows read back as float16
  // A version-2 prior with more than 4 groups must have the int8 rows.
  auto f16_prior = with_f16_rows(v2, [](const std::string& base) { return base.ends_with("prior.hashed"); }, 2);
  auto v2_with_f16_prior = load_router_bytes(f16_prior, "v2-with-f16-prior");
  ASSERT_FALSE(v2_with_f16_prior);
  EXPECT_NE(v2_with_f16_prior.error().message.find("missing section 'ens.prior.hashed.scale'"), std::string::npos)
      << v2_with_f16_prior.error().message;
}

TEST(RouterModelFile, SmallPriorsKeepFloat16) {
  // 2 groups: int8 rows (2 + 4 bytes a bucket) would be larger than float16 (4 bytes).
  auto r = train_router("prior", testing::synthetic_outcomes(200, 1), testing::synthetic_embedder(), TrainOptions{});
  ASSERT_TRUE(r);
  ModelWriter w;
  (*r)->save_sections(w, "");
  auto mf = ModelFile::parse(w.serialize(), "small");
  ASSERT_TRUE(mf);
  EXPECT_TRUE(mf->has("prior.hashed") && !mf->has("prior.hashed.q"));
}

TEST(RouterModelFile, EmbedderVectorsMustMatchTheVocabulary) {
  auto v = testing::synthetic_vectors();
  std::string vocab;
  for (const auto& word : v.words) vocab += word + "\n";
  int32_t d = static_cast<int32_t>(v.dim);
  auto load = [&](std::span<const float> vecs) {
    ModelWriter w;
    w.add_i32("emb.dim", std::span<const int32_t>(&d, 1));
    w.add_string("emb.vocab", vocab);
    w.add_rows_i8("emb.vecs", vecs, v.dim);
    auto mf = ModelFile::parse(w.serialize(), "emb");
    return Embedder::load(*mf);
  };
  ASSERT_TRUE(load(v.vecs));
  // One row short of the vocabulary.
  auto short_rows = load(std::span<const float>(v.vecs).first(v.vecs.size() - v.dim));
  ASSERT_FALSE(short_rows);
  EXPECT_NE(short_rows.error().message.find("'emb.vecs.scale' has " + std::to_string(v.words.size() - 1) +
                                            " elements, expected " + std::to_string(v.words.size())),
            std::string::npos)
      << short_rows.error().message;
}

enum class Bad { kEmpty, kBadMagic, kBadVersion, kFlippedByte, kSectionOverrun, kDuplicate, kUnknownDtype,
                 kTrailing, kZeroNameLength, kNonFinite };

std::string bad_image(Bad b) {
  std::string img = sample_image();
  std::string body = img.substr(0, img.size() - 4);
  switch (b) {
    case Bad::kEmpty: return "";
    case Bad::kBadMagic: img[0] = 'X'; return img;
    case Bad::kBadVersion: body[8] = 9; return with_crc(body);
    case Bad::kFlippedByte: img[img.size() / 2] ^= 0x40; return img;
    case Bad::kSectionOverrun: {
      // First section's element count (after "floats" name and dtype) set huge, CRC fixed up.
      size_t off = 16 + 2 + 6 + 1;
      uint64_t huge = 1ull << 60;
      std::memcpy(&body[off], &huge, 8);
      return with_crc(body);
    }
    case Bad::kDuplicate: {
      ModelWriter w;
      std::vector<int32_t> i = {1};
      w.add_i32("x", i);
      w.add_i32("x", i);
      return w.serialize();
    }
    case Bad::kUnknownDtype: body[16 + 2 + 6] = 77; return with_crc(body);
    case Bad::kTrailing: body += "junk"; return with_crc(body);
    case Bad::kZeroNameLength: body[16] = 0, body[17] = 0; return with_crc(body);
    case Bad::kNonFinite: {
      ModelWriter w;
      std::vector<float> f = {std::nanf("")};
      w.add_f32("floats", f);
      return w.serialize();
    }
  }
  return img;
}

TEST(RouterModelFile, EveryCorruptionIsACleanError) {
  for (Bad b : {Bad::kEmpty, Bad::kBadMagic, Bad::kBadVersion, Bad::kFlippedByte, Bad::kSectionOverrun,
                Bad::kDuplicate, Bad::kUnknownDtype, Bad::kTrailing, Bad::kZeroNameLength}) {
    auto mf = ModelFile::parse(bad_image(b), "bad");
    ASSERT_FALSE(mf) << "case " << static_cast<int>(b);
    EXPECT_EQ(mf.error().code, ErrorCode::kModelFile);
    EXPECT_NE(mf.error().message.find("bad"), std::string::npos);  // names the file
  }
  auto nf = ModelFile::parse(bad_image(Bad::kNonFinite), "bad");
  ASSERT_TRUE(nf);
  EXPECT_FALSE(nf->floats("floats"));
}

TEST(RouterModelFile, MessagesSayWhatIsWrong) {
  EXPECT_NE(ModelFile::parse(bad_image(Bad::kBadMagic), "f").error().message.find("bad magic"), std::string::npos);
  EXPECT_NE(ModelFile::parse(bad_image(Bad::kFlippedByte), "f").error().message.find("checksum"), std::string::npos);
  EXPECT_NE(ModelFile::parse(bad_image(Bad::kDuplicate), "f").error().message.find("duplicate"), std::string::npos);
  EXPECT_NE(ModelFile::parse(bad_image(Bad::kBadVersion), "f").error().message.find("version"), std::string::npos);
}

TEST(RouterModelFile, EveryTruncationOfARealRouterIsRejected) {
  auto emb = testing::synthetic_embedder();
  TrainOptions o;
  o.ivf_lists = 4;
  auto r = train_router("knn", testing::synthetic_outcomes(200, 1), emb, o);
  ASSERT_TRUE(r);
  ModelWriter w;
  // Same layout save_router writes.
  w.add_string("meta", R"({"kind":"knn","models":["weak","strong"],"strong":1,"weak":0})");
  (*r)->embedder()->save(w);
  (*r)->save_sections(w, "");
  std::string img = w.serialize();
  auto ok = load_router_bytes(img, "full");
  ASSERT_TRUE(ok) << ok.error().message;
  auto sections = ModelFile::parse(img, "full");
  ASSERT_TRUE(sections);
  EXPECT_TRUE(sections->has("emb.vecs.q") && sections->has("emb.vecs.scale") && !sections->has("emb.vecs"));
  for (size_t cut = 0; cut < img.size(); cut += 1 + img.size() / 300) {
    auto t = load_router_bytes(img.substr(0, cut), "cut");
    EXPECT_FALSE(t) << "cut at " << cut;
  }
  // Random byte flips: always an error (CRC), never a crash.
  std::mt19937_64 rng(9);
  for (int i = 0; i < 200; ++i) {
    std::string c = img;
    c[rng() % c.size()] ^= static_cast<char>(1 + rng() % 255);
    EXPECT_FALSE(load_router_bytes(c, "flip"));
  }
}

TEST(RouterModelFile, BadMetaIsRejected) {
  auto emb = testing::synthetic_embedder();
  auto build = [&](const std::string& meta) {
    ModelWriter w;
    w.add_string("meta", meta);
    emb->save(w);
    return load_router_bytes(w.serialize(), "meta");
  };
  EXPECT_FALSE(build("not json"));
  EXPECT_FALSE(build(R"({"kind":"nope","models":["a","b"],"strong":1,"weak":0})"));
  EXPECT_FALSE(build(R"({"kind":"knn","models":[],"strong":1,"weak":0})"));
  EXPECT_FALSE(build(R"({"kind":"knn","models":["a","b"],"strong":5,"weak":0})"));
  EXPECT_FALSE(build(R"({"kind":"knn","models":["a","b"],"strong":1,"weak":0})"));  // sections missing
}

TEST(RouterModelFile, MissingDirectoryIsAnError) {
  auto r = load_router("/nonexistent/router/dir");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kModelFile);
}

}  // namespace
}  // namespace sr::router

#include "decision/router/model_file.h"

#include <zlib.h>

#include <cmath>
#include <cstring>
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

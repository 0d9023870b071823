#include "engine/normalize.h"

#include <gtest/gtest.h>

namespace sr::engine {
namespace {

TEST(NormalizeTest, AsciiFastPathLowercasesAndBlanksControls) {
  EXPECT_EQ(normalize_to_utf8("Hello WORLD\t1\x01"), "hello world 1 ");
}

TEST(NormalizeTest, NfkcFoldsCompatibilityForms) {
  EXPECT_EQ(normalize_to_utf8("\xEF\xBC\xA1\xEF\xBC\xA2\xEF\xBC\xA3"), "abc");  // fullwidth ＡＢＣ
  EXPECT_EQ(normalize_to_utf8("\xEF\xAC\x81le"), "file");                       // ﬁ ligature
  EXPECT_EQ(normalize_to_utf8("x\xC2\xB2"), "x2");                              // superscript two
}

TEST(NormalizeTest, CaseFoldingBeyondAscii) {
  EXPECT_EQ(normalize_to_utf8("Stra\xC3\x9F" "e"), "strasse");            // ß -> ss
  EXPECT_EQ(normalize_to_utf8("\xC3\x84PFEL"), "\xC3\xA4pfel");           // Ä -> ä
  EXPECT_EQ(normalize_to_utf8("\xCE\xA3\xCE\x9F\xCE\xA6"), "\xCF\x83\xCE\xBF\xCF\x86");  // ΣΟΦ -> σοφ
}

TEST(NormalizeTest, ComposesCombiningSequences) {
  // e + COMBINING ACUTE == precomposed é, and marks are put in canonical order.
  EXPECT_EQ(normalize_to_utf8("e\xCC\x81"), normalize_to_utf8("\xC3\xA9"));
  EXPECT_EQ(normalize_to_utf8("a\xCC\xA3\xCC\x81"), normalize_to_utf8("a\xCC\x81\xCC\xA3"));
}

TEST(NormalizeTest, InvalidUtf8IsSkippedNotFatal) {
  EXPECT_EQ(normalize_to_utf8("ab\xFF\xC3(cd\xE2\x82"), "ab(cd");
  EXPECT_EQ(normalize_to_utf8(""), "");
}

TEST(NormalizeTest, ReusesBufferAcrossCalls) {
  std::u32string buf;
  normalize_text("A long enough first text to grow the buffer", buf);
  const auto cap = buf.capacity();
  normalize_text("Short", buf);
  EXPECT_EQ(buf, U"short");
  EXPECT_EQ(buf.capacity(), cap);
}

}  // namespace
}  // namespace sr::engine

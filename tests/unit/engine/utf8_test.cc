#include "engine/utf8.h"

#include <gtest/gtest.h>

namespace sr::engine {
namespace {

std::u32string decode_all(std::string_view s) {
  std::u32string out;
  for (size_t pos = 0; pos < s.size();) out.push_back(decode_next(s, pos));
  return out;
}

TEST(Utf8Test, DecodesValidSequences) {
  EXPECT_EQ(decode_all("a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80"), (std::u32string{U'a', 0xE9, 0x20AC, 0x1F600}));
}

TEST(Utf8Test, InvalidBytesAdvanceByOne) {
  constexpr char32_t X = kInvalidCodePoint;
  // Lone continuation, overlong '/', surrogate, truncated 3-byte, > U+10FFFF.
  EXPECT_EQ(decode_all("\x80z"), (std::u32string{X, U'z'}));
  EXPECT_EQ(decode_all("\xC0\xAF"), (std::u32string{X, X}));
  EXPECT_EQ(decode_all("\xED\xA0\x80"), (std::u32string{X, X, X}));
  EXPECT_EQ(decode_all("\xE2\x82"), (std::u32string{X, X}));
  EXPECT_EQ(decode_all("\xF4\x90\x80\x80"), (std::u32string{X, X, X, X}));
  EXPECT_EQ(decode_all("\xFF"), (std::u32string{X}));
}

TEST(Utf8Test, AppendRoundTripsAndReplacesInvalid) {
  std::string s;
  for (char32_t c : {U'a', char32_t{0xE9}, char32_t{0x20AC}, char32_t{0x1F600}}) append_utf8(s, c);
  EXPECT_EQ(s, "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
  std::string bad;
  append_utf8(bad, 0xD800);
  EXPECT_EQ(bad, "\xEF\xBF\xBD");
  EXPECT_EQ(count_code_points("a\xC3\xA9\xFF"), 2u);
}

TEST(Utf8Test, ClipKeepsHeadAndTailOnBoundaries) {
  const std::string short_text = "hello";
  auto c = clip_head_tail(short_text, 10, 10);
  EXPECT_EQ(c.head, "hello");
  EXPECT_TRUE(c.tail.empty());

  // "é" is 2 bytes: cutting at byte 3 of "aéé..." must back off to a boundary.
  std::string text = "a";
  for (int i = 0; i < 100; ++i) text += "\xC3\xA9";
  c = clip_head_tail(text, 4, 4);
  EXPECT_EQ(c.head, "a\xC3\xA9");
  EXPECT_EQ(c.tail, "\xC3\xA9\xC3\xA9");
  EXPECT_EQ(count_code_points(c.head) + count_code_points(c.tail), 4u);
}

}  // namespace
}  // namespace sr::engine

#pragma once
// UTF-8 decoding that never fails: invalid bytes are reported so callers can
// skip them, and clipping that respects code-point boundaries. Untrusted
// prompts go through here, so nothing may read past the end or throw.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace sr::engine {

//! Returned by decode_next() for a byte that does not start a valid sequence.
inline constexpr char32_t kInvalidCodePoint = 0xFFFFFFFFu;

//! Decodes the code point at s[pos] and advances pos. On an invalid, overlong,
//! surrogate or truncated sequence returns kInvalidCodePoint and advances by one
//! byte, so a caller that skips it resynchronises on the next byte.
char32_t decode_next(std::string_view s, size_t& pos);

//! Appends the UTF-8 encoding of cp (invalid code points become U+FFFD).
void append_utf8(std::string& out, char32_t cp);

//! Number of valid code points in s (invalid bytes are not counted).
size_t count_code_points(std::string_view s);

//! The length policy for long prompts: when s is longer than head + tail bytes,
//! keep the first `head` and the last `tail` bytes, each cut back to a code-point
//! boundary, so cost stays bounded whatever the prompt size.
struct Clipped {
  std::string_view head;
  std::string_view tail;  //!< empty when s fits entirely in head
};
Clipped clip_head_tail(std::string_view s, size_t head, size_t tail);

}  // namespace sr::engine

#pragma once
// Text layer of the pii recogniser: tolerant UTF-8 decoding into tokens that
// carry both byte and code-point offsets, plus the cheap case folding and word
// shapes the tagger and the pattern scanners share. No allocation per code point.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sr::signals::pii {

//! What a token is made of (decides which scanners look at it).
enum class TokenKind : uint8_t { kWord, kNumber, kMixed, kPunct };

//! One token: a maximal run of letters/digits, or one punctuation code point.
//! Offsets are half-open; `c0/c1` are code points, `b0/b1` bytes into the input.
struct Token {
  uint32_t b0 = 0, b1 = 0;
  int32_t c0 = 0, c1 = 0;
  TokenKind kind = TokenKind::kPunct;
  bool space_before = false;  //!< whitespace between this and the previous token
  bool nl_before = false;     //!< a newline between this and the previous token
  bool upper_first = false;   //!< first code point is an upper-case letter
  bool all_upper = false;     //!< every letter is upper case (and there is one)
  bool has_nonascii = false;
  uint8_t n_digits = 0;       //!< digits in the token (saturates at 255)
};

//! Decodes one code point at `s[i]`; invalid or truncated sequences yield
//! U+FFFD and consume exactly one byte, so offsets stay well defined.
uint32_t decode_utf8(std::string_view s, size_t i, size_t* len);

//! Tokenises `text` (at most `max_bytes` of it) into `out` (cleared first).
void tokenize(std::string_view text, size_t max_bytes, std::vector<Token>* out);

//! Lower-case form of the token's text (ASCII, Latin-1, Latin Extended-A,
//! Greek and Cyrillic folded; other code points copied), appended to `out`.
void lower_token(std::string_view text, const Token& t, std::string* out);

//! Compressed word shape: runs of X/x/d/other collapsed to length ≤ 2,
//! e.g. "John" -> "Xx", "212-555" -> "d-d", "A56319335" -> "Xd".
void word_shape(std::string_view text, const Token& t, std::string* out);

//! True if `cp` is an upper-case letter in the folded ranges.
bool is_upper_cp(uint32_t cp);
//! True if `cp` counts as a letter (ASCII letters and every non-ASCII
//! code point that is not whitespace or general punctuation).
bool is_letter_cp(uint32_t cp);
//! True for Unicode white space the tokenizer skips.
bool is_space_cp(uint32_t cp);

//! 64-bit FNV-1a, the hash of every string feature and gazetteer entry.
inline uint64_t fnv1a(std::string_view s, uint64_t h = 1469598103934665603ull) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

//! Mixes two hashes (feature template id with a value hash).
inline uint64_t hash_mix(uint64_t a, uint64_t b) {
  uint64_t h = a ^ (b + 0x9e3779b97f4a7c15ull + (a << 6) + (a >> 2));
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  return h;
}

}  // namespace sr::signals::pii

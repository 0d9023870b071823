#include "signals/pii_text.h"

namespace sr::signals::pii {

uint32_t decode_utf8(std::string_view s, size_t i, size_t* len) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  size_t n = s.size();
  unsigned char c = p[i];
  if (c < 0x80) {
    *len = 1;
    return c;
  }
  int need;
  uint32_t cp, min;
  if ((c & 0xE0) == 0xC0) {
    need = 1, cp = c & 0x1F, min = 0x80;
  } else if ((c & 0xF0) == 0xE0) {
    need = 2, cp = c & 0x0F, min = 0x800;
  } else if ((c & 0xF8) == 0xF0) {
    need = 3, cp = c & 0x07, min = 0x10000;
  } else {
    *len = 1;
    return 0xFFFD;
  }
  for (int k = 1; k <= need; ++k) {
    if (i + k >= n || (p[i + k] & 0xC0) != 0x80) {
      *len = 1;
      return 0xFFFD;
    }
    cp = (cp << 6) | (p[i + k] & 0x3F);
  }
  // Overlong forms, surrogates and out-of-range values are invalid too.
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    *len = 1;
    return 0xFFFD;
  }
  *len = static_cast<size_t>(need + 1);
  return cp;
}

bool is_space_cp(uint32_t cp) {
  return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == '\v' || cp == '\f' || cp == 0x85 ||
         cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200B) || cp == 0x2028 || cp == 0x2029 ||
         cp == 0x202F || cp == 0x205F || cp == 0x3000 || cp == 0xFEFF;
}

bool is_letter_cp(uint32_t cp) {
  if (cp < 0x80) return (cp | 0x20) >= 'a' && (cp | 0x20) <= 'z';
  if (is_space_cp(cp)) return false;
  // Latin-1 punctuation and symbols, general punctuation, replacement char,
  // CJK punctuation: not letters.
  if (cp < 0xC0) return cp == 0xAA || cp == 0xB5 || cp == 0xBA;
  if (cp == 0xD7 || cp == 0xF7) return false;
  if (cp >= 0x2000 && cp <= 0x2BFF) return false;
  if (cp >= 0x3000 && cp <= 0x303F) return false;
  if (cp >= 0xFE30 && cp <= 0xFE4F) return false;
  if (cp >= 0xFF00 && cp <= 0xFF0F) return false;
  if (cp == 0xFFFD) return false;
  if (cp >= 0x1F000) return false;  // emoji and symbols
  return true;
}

namespace {

// ASCII byte classes for the fast path of the scanners.
enum : uint8_t { kCPunct = 0, kCSpace, kCNewline, kCDigit, kCLower, kCUpper };
struct AsciiTable {
  uint8_t cls[128];
  constexpr AsciiTable() : cls{} {
    for (int c = 0; c < 128; ++c) {
      uint8_t k = kCPunct;
      if (c == ' ' || c == '\t' || c == '\v' || c == '\f') k = kCSpace;
      if (c == '\n' || c == '\r') k = kCNewline;
      if (c >= '0' && c <= '9') k = kCDigit;
      if (c >= 'a' && c <= 'z') k = kCLower;
      if (c >= 'A' && c <= 'Z') k = kCUpper;
      cls[c] = k;
    }
  }
};
constexpr AsciiTable kAscii;

// Upper -> lower for the scripts the training data uses; returns cp unchanged otherwise.
uint32_t fold_cp(uint32_t cp) {
  if (cp < 0x80) return (cp >= 'A' && cp <= 'Z') ? cp + 32 : cp;
  if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) return cp + 32;
  if (cp >= 0x100 && cp <= 0x17F) {
    // Latin Extended-A alternates upper/lower, with the 0x139..0x148 and
    // 0x179..0x17E runs offset by one.
    bool odd_upper = (cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17E);
    if (odd_upper) return (cp & 1) ? cp + 1 : cp;
    if (cp == 0x130 || cp == 0x131 || cp == 0x138 || cp == 0x149 || cp == 0x17F) return cp;
    return (cp & 1) ? cp : cp + 1;
  }
  if (cp >= 0x391 && cp <= 0x3A9 && cp != 0x3A2) return cp + 32;
  if (cp >= 0x410 && cp <= 0x42F) return cp + 32;
  if (cp >= 0x400 && cp <= 0x40F) return cp + 80;
  return cp;
}

void append_utf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

}  // namespace

bool is_upper_cp(uint32_t cp) { return fold_cp(cp) != cp; }

void tokenize(std::string_view text, size_t max_bytes, std::vector<Token>* out) {
  out->clear();
  size_t n = text.size() < max_bytes ? text.size() : max_bytes;
  size_t i = 0;
  int32_t ci = 0;
  bool space = false, nl = false;
  Token cur;
  bool in_run = false;
  bool has_lower = false, has_upper = false;
  auto close_run = [&](size_t b_end, int32_t c_end) {
    cur.b1 = static_cast<uint32_t>(b_end);
    cur.c1 = c_end;
    cur.all_upper = has_upper && !has_lower;
    out->push_back(cur);
    in_run = false;
  };
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  while (i < n) {
    size_t len;
    uint32_t cp;
    bool digit, letter, upper;
    if (bytes[i] < 0x80) {
      // ASCII fast path: one table lookup decides everything.
      cp = bytes[i];
      len = 1;
      uint8_t k = kAscii.cls[cp];
      digit = k == kCDigit;
      letter = k == kCLower || k == kCUpper;
      upper = k == kCUpper;
    } else {
      cp = decode_utf8(text, i, &len);
      if (i + len > n) len = n - i;  // a sequence cut by max_bytes
      digit = false;
      letter = is_letter_cp(cp);
      upper = letter && is_upper_cp(cp);
    }
    if (digit || letter) {
      if (!in_run) {
        cur = Token{};
        cur.b0 = static_cast<uint32_t>(i);
        cur.c0 = ci;
        cur.space_before = space || out->empty();
        cur.nl_before = nl;
        cur.kind = digit ? TokenKind::kNumber : TokenKind::kWord;
        cur.upper_first = upper;
        has_lower = has_upper = false;
        in_run = true;
        space = nl = false;
      } else if ((cur.kind == TokenKind::kNumber && letter) || (cur.kind == TokenKind::kWord && digit)) {
        cur.kind = TokenKind::kMixed;
      }
      if (digit) {
        if (cur.n_digits < 255) ++cur.n_digits;
      } else if (upper) {
        has_upper = true;
      } else {
        has_lower = true;
      }
      if (cp >= 0x80) cur.has_nonascii = true;
    } else {
      if (in_run) close_run(i, ci);
      if (is_space_cp(cp)) {
        space = true;
        if (cp == '\n' || cp == '\r' || cp == 0x2028 || cp == 0x2029) nl = true;
      } else {
        Token p;
        p.b0 = static_cast<uint32_t>(i);
        p.b1 = static_cast<uint32_t>(i + len);
        p.c0 = ci;
        p.c1 = ci + 1;
        p.kind = TokenKind::kPunct;
        p.space_before = space || out->empty();
        p.nl_before = nl;
        p.has_nonascii = cp >= 0x80;
        out->push_back(p);
        space = nl = false;
      }
    }
    i += len;
    ++ci;
  }
  if (in_run) close_run(n, ci);
}

void lower_token(std::string_view text, const Token& t, std::string* out) {
  if (!t.has_nonascii) {
    size_t at = out->size();
    out->append(text.substr(t.b0, t.b1 - t.b0));
    for (size_t k = at; k < out->size(); ++k) {
      char& c = (*out)[k];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    }
    return;
  }
  size_t i = t.b0;
  while (i < t.b1) {
    size_t len;
    uint32_t cp = decode_utf8(text, i, &len);
    if (cp < 0x80) {
      out->push_back(static_cast<char>(fold_cp(cp)));
    } else {
      append_utf8(fold_cp(cp), out);
    }
    i += len;
  }
}

void word_shape(std::string_view text, const Token& t, std::string* out) {
  char last = 0;
  int run = 0;
  size_t i = t.b0;
  while (i < t.b1) {
    size_t len;
    uint32_t cp;
    if (static_cast<unsigned char>(text[i]) < 0x80) {
      cp = static_cast<unsigned char>(text[i]);
      len = 1;
    } else {
      cp = decode_utf8(text, i, &len);
    }
    char c;
    if (cp >= '0' && cp <= '9') {
      c = 'd';
    } else if (is_letter_cp(cp)) {
      c = is_upper_cp(cp) ? 'X' : 'x';
    } else {
      c = cp < 0x80 ? static_cast<char>(cp) : '*';
    }
    if (c == last) {
      if (++run < 2) out->push_back(c);
    } else {
      out->push_back(c);
      last = c;
      run = 0;
    }
    i += len;
  }
}

}  // namespace sr::signals::pii

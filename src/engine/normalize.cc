#include "engine/normalize.h"

#include <utf8proc.h>

#include "engine/utf8.h"

namespace sr::engine {
namespace {

constexpr int kDecomposeOptions = UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD | UTF8PROC_IGNORE | UTF8PROC_STABLE;
constexpr int kComposeOptions = UTF8PROC_COMPOSE | UTF8PROC_STABLE;

// Canonical ordering of combining marks (utf8proc_decompose_char does not do
// it; utf8proc_decompose_custom does, but that needs UTF-8 input and allocates).
void reorder_marks(std::u32string& s, size_t begin) {
  for (size_t i = begin + 1; i < s.size(); ++i) {
    const auto ci = utf8proc_get_property(static_cast<utf8proc_int32_t>(s[i]))->combining_class;
    if (ci == 0) continue;
    size_t j = i;
    while (j > begin) {
      const auto cj = utf8proc_get_property(static_cast<utf8proc_int32_t>(s[j - 1]))->combining_class;
      if (cj <= ci) break;
      std::swap(s[j - 1], s[j]);
      --j;
    }
  }
}

}  // namespace

void normalize_text(std::string_view utf8, std::u32string& out) {
  out.clear();
  bool any_non_ascii = false;
  size_t first_non_ascii = 0;
  for (size_t pos = 0; pos < utf8.size();) {
    const auto b = static_cast<unsigned char>(utf8[pos]);
    if (b < 0x80) {
      ++pos;
      char32_t c = b;
      if (c >= 'A' && c <= 'Z') c += 32;
      else if (c < 0x20 || c == 0x7F) c = ' ';
      out.push_back(c);
      continue;
    }
    const char32_t cp = decode_next(utf8, pos);
    if (cp == kInvalidCodePoint) continue;  // skip bad bytes
    if (!any_non_ascii) {
      any_non_ascii = true;
      // Include the previous code point: a combining mark composes with it.
      first_non_ascii = out.empty() ? 0 : out.size() - 1;
    }
    utf8proc_int32_t buf[32];
    const utf8proc_ssize_t n =
        utf8proc_decompose_char(static_cast<utf8proc_int32_t>(cp), buf, 32,
                                static_cast<utf8proc_option_t>(kDecomposeOptions), nullptr);
    if (n < 0 || n > 32) continue;  // unassigned or absurd expansion: drop
    for (utf8proc_ssize_t k = 0; k < n; ++k) {
      const auto cat = utf8proc_category(buf[k]);
      if (cat == UTF8PROC_CATEGORY_CC || cat == UTF8PROC_CATEGORY_ZL || cat == UTF8PROC_CATEGORY_ZP ||
          cat == UTF8PROC_CATEGORY_ZS) {
        out.push_back(U' ');
      } else {
        out.push_back(static_cast<char32_t>(buf[k]));
      }
    }
  }
  if (!any_non_ascii) return;
  // Composition only matters from the first non-ASCII code point on.
  reorder_marks(out, first_non_ascii);
  auto* data = reinterpret_cast<utf8proc_int32_t*>(out.data() + first_non_ascii);
  const utf8proc_ssize_t len = static_cast<utf8proc_ssize_t>(out.size() - first_non_ascii);
  const utf8proc_ssize_t new_len =
      utf8proc_normalize_utf32(data, len, static_cast<utf8proc_option_t>(kComposeOptions));
  if (new_len >= 0) out.resize(first_non_ascii + static_cast<size_t>(new_len));
}

std::string normalize_to_utf8(std::string_view utf8) {
  std::u32string cps;
  normalize_text(utf8, cps);
  std::string out;
  out.reserve(cps.size());
  for (char32_t c : cps) append_utf8(out, c);
  return out;
}

}  // namespace sr::engine

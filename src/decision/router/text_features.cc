#include "decision/router/text_features.h"

#include <cmath>

namespace sr::router {

namespace {
// ASCII classes inline: <cctype>'s calls went through the locale tables and
// were a tenth of the router's scoring time. Same answers as the "C" locale.
inline bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
inline bool is_upper(unsigned char c) { return c >= 'A' && c <= 'Z'; }
inline bool is_alpha(unsigned char c) { return is_upper(c) || (c >= 'a' && c <= 'z'); }
inline bool is_alnum(unsigned char c) { return is_alpha(c) || is_digit(c); }
inline bool is_punct(unsigned char c) { return c > 32 && c < 127 && !is_alnum(c); }
inline char to_lower(unsigned char c) { return static_cast<char>(is_upper(c) ? c + 32 : c); }
}  // namespace

std::vector<std::string> tokenize(std::string_view text) {
  std::vector<std::string> out;
  std::string cur;
  auto flush = [&] {
    if (!cur.empty()) out.push_back(std::move(cur)), cur.clear();
  };
  for (unsigned char c : text) {
    if (is_alnum(c) || c >= 0x80) {
      cur.push_back(to_lower(c));
    } else if (c == '\'' && !cur.empty()) {
      // "don't" -> "don", "'t" as GloVe has them
      flush();
      cur.push_back('\'');
    } else {
      flush();
      if (is_punct(c)) out.emplace_back(1, static_cast<char>(c));
    }
    if (out.size() > 4096) break;  // long prompts: the head is enough signal
  }
  flush();
  return out;
}

uint64_t fnv1a(std::string_view s, uint64_t h) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

const std::array<const char*, kNumTextStats>& text_stat_names() {
  static const std::array<const char*, kNumTextStats> names = {
      "log_chars",     "log_words",      "digit_frac",   "numbers",     "math_symbols", "latex",
      "code",          "lines",          "mc_options",   "option_len",  "negation",     "question_marks",
      "avg_word_len",  "upper_frac",     "long_words",   "units_money"};
  return names;
}

std::array<float, kNumTextStats> text_stats(std::string_view text) {
  std::array<float, kNumTextStats> f{};
  size_t n = text.size();
  size_t digits = 0, upper = 0, lines = 1, qmarks = 0, math = 0, code = 0, latex = 0, money = 0;
  size_t words = 0, word_chars = 0, long_words = 0, numbers = 0;
  size_t cur_word = 0;
  bool in_num = false;
  for (size_t i = 0; i < n; ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (is_digit(c)) {
      ++digits;
      if (!in_num) ++numbers;
      in_num = true;
    } else if (c != '.' && c != ',') {
      in_num = false;
    }
    if (is_upper(c)) ++upper;
    if (c == '\n') ++lines;
    if (c == '?') ++qmarks;
    if (c == '=' || c == '+' || c == '^' || c == '*' || c == '<' || c == '>' || c == '/') ++math;
    if (c == '{' || c == '}' || c == ';' || c == '_' || c == '(' || c == ')') ++code;
    if (c == '\\' || c == '$') ++latex;
    if (c == '$' || c == '%') ++money;
    if (is_alpha(c) || c >= 0x80) {
      ++cur_word;
    } else if (cur_word) {
      ++words;
      word_chars += cur_word;
      if (cur_word >= 10) ++long_words;
      cur_word = 0;
    }
  }
  if (cur_word) ++words, word_chars += cur_word, long_words += cur_word >= 10;
  // Multiple-choice layout: lines starting "A." .. "D." and the mean option length.
  size_t options = 0, option_chars = 0;
  size_t pos = 0;
  while (pos < n) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = n;
    std::string_view line = text.substr(pos, end - pos);
    if (line.size() >= 2 && line[0] >= 'A' && line[0] <= 'H' && (line[1] == '.' || line[1] == ')')) {
      ++options;
      option_chars += line.size();
    }
    pos = end + 1;
  }
  size_t negation = 0;
  for (std::string_view w : {" not ", " NOT ", "EXCEPT", " except ", " false", " incorrect", " least "}) {
    for (size_t p = text.find(w); p != std::string_view::npos; p = text.find(w, p + 1)) ++negation;
  }
  auto squash = [](double x, double scale) { return static_cast<float>(1.0 - std::exp(-x / scale)); };
  double dn = std::max<double>(1.0, static_cast<double>(n));
  f[0] = static_cast<float>(std::log1p(static_cast<double>(n)) / 10.0);
  f[1] = static_cast<float>(std::log1p(static_cast<double>(words)) / 8.0);
  f[2] = static_cast<float>(std::min(1.0, 5.0 * digits / dn));
  f[3] = squash(static_cast<double>(numbers), 6.0);
  f[4] = squash(static_cast<double>(math), 4.0);
  f[5] = squash(static_cast<double>(latex), 4.0);
  f[6] = squash(static_cast<double>(code), 8.0);
  f[7] = squash(static_cast<double>(lines), 8.0);
  f[8] = options >= 2 ? 1.0f : 0.0f;
  f[9] = options ? squash(static_cast<double>(option_chars) / static_cast<double>(options), 40.0) : 0.0f;
  f[10] = squash(static_cast<double>(negation), 1.0);
  f[11] = squash(static_cast<double>(qmarks), 2.0);
  f[12] = words ? static_cast<float>(std::min(1.0, static_cast<double>(word_chars) / words / 10.0)) : 0.0f;
  f[13] = static_cast<float>(std::min(1.0, 5.0 * upper / dn));
  f[14] = squash(static_cast<double>(long_words), 5.0);
  f[15] = squash(static_cast<double>(money), 2.0);
  return f;
}

}  // namespace sr::router

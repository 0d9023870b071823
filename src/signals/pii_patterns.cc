#include "signals/pii_patterns.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "signals/pii_validators.h"

namespace sr::signals::pii {
namespace {

using Words = std::initializer_list<std::string_view>;

// Context words per type. Looked up in a small window of lower-cased tokens.
constexpr std::string_view kCardCtxWords[] = {"card", "credit", "visa", "mastercard", "amex", "cc", "debit", "discover"};
constexpr std::string_view kSsnCtxWords[] = {"ssn", "social", "security", "ssns"};
constexpr std::string_view kPhoneCtxWords[] = {"phone", "tel", "telephone", "call", "mobile", "cell", "fax", "number",
                                          "contact", "reach", "text", "whatsapp", "office", "registered", "dial",
                                          "ring", "sms", "landline", "answering", "messages", "hotline"};
constexpr std::string_view kZipCtxWords[] = {"zip", "zipcode", "postal", "postcode", "post"};
constexpr std::string_view kDlCtxWords[] = {"license", "licence", "dl", "driver", "drivers", "driving"};
constexpr std::string_view kYearCtxWords[] = {"in", "since", "during", "from", "until", "year", "born", "of", "by",
                                         "circa", "around", "before", "after", "till", "early", "late", "mid"};
constexpr std::string_view kMonthsWords[] = {"january", "february", "march", "april",   "may",      "june",
                                        "july",    "august",   "september", "october", "november", "december",
                                        "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct",
                                        "nov", "dec"};
constexpr std::string_view kWeekdaysWords[] = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
                                          "sunday"};
constexpr std::string_view kUsStatesWords[] = {
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS", "KY",
    "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY", "NC", "ND",
    "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY", "DC"};

// First 8 bytes of a word as an integer: list lookups compare one word
// instead of calling memcmp per entry (this runs for every token).
constexpr uint64_t pack8(std::string_view w) {
  uint64_t v = 0;
  for (size_t i = 0; i < w.size() && i < 8; ++i) v |= static_cast<uint64_t>(static_cast<unsigned char>(w[i])) << (8 * i);
  return v;
}

template <size_t N>
struct PackedList {
  uint64_t pack[N];
  uint32_t len[N];
  const std::string_view* words;
};
template <size_t N>
constexpr PackedList<N> packed(const std::string_view (&list)[N]) {
  PackedList<N> p{};
  for (size_t i = 0; i < N; ++i) p.pack[i] = pack8(list[i]), p.len[i] = static_cast<uint32_t>(list[i].size());
  p.words = list;
  return p;
}

template <size_t N>
bool in_list(std::string_view w, const PackedList<N>& list) {
  uint64_t pw = pack8(w);
  for (size_t i = 0; i < N; ++i) {
    if (list.pack[i] == pw && list.len[i] == w.size() && (w.size() <= 8 || list.words[i] == w)) return true;
  }
  return false;
}
// TLDs that are also common file extensions or words ("main.rs", "e.g").
constexpr std::string_view kFileLikeWords[] = {"py", "rs", "sh", "md", "pl", "cc", "so", "js", "ts",
                                                       "in", "it", "me", "is", "am", "at", "to", "be", "as",
                                                       "go", "do", "no", "us", "so", "ps", "ai", "io"};
constexpr auto kFileLike = packed(kFileLikeWords);
constexpr auto kCardCtx = packed(kCardCtxWords);
constexpr auto kSsnCtx = packed(kSsnCtxWords);
constexpr auto kPhoneCtx = packed(kPhoneCtxWords);
constexpr auto kZipCtx = packed(kZipCtxWords);
constexpr auto kDlCtx = packed(kDlCtxWords);
constexpr auto kYearCtx = packed(kYearCtxWords);
constexpr auto kMonths = packed(kMonthsWords);
constexpr auto kWeekdays = packed(kWeekdaysWords);
constexpr auto kUsStates = packed(kUsStatesWords);


bool is_digit(char c) { return c >= '0' && c <= '9'; }


// True if a word of `list` occurs among the `before` word tokens before
// `b` or the `after` word tokens from `e` on, not crossing a blank line.
template <size_t N>
bool context(const Doc& d, int b, int e, const PackedList<N>& list, int before = 6, int after = 2) {
  int seen = 0;
  for (int i = b - 1; i >= 0 && seen < before; --i) {
    if (d.toks[i].kind == TokenKind::kPunct) continue;
    ++seen;
    if (in_list(d.lower(i), list)) return true;
  }
  seen = 0;
  for (int i = e; i < d.size() && seen < after; ++i) {
    if (d.toks[i].kind == TokenKind::kPunct) continue;
    ++seen;
    if (in_list(d.lower(i), list)) return true;
  }
  return false;
}

// Previous word token (skipping punctuation) or -1.
int prev_word(const Doc& d, int i) {
  for (int k = i - 1; k >= 0; --k) {
    if (d.toks[k].kind != TokenKind::kPunct) return k;
  }
  return -1;
}

bool is_punct(const Doc& d, int i, char c) {
  return i >= 0 && i < d.size() && d.toks[i].kind == TokenKind::kPunct && d.text[d.toks[i].b0] == c;
}

// A whitespace-delimited chunk: tokens [b, e) with no space between them.
struct Chunk {
  int b, e;
};

class Scanner {
 public:
  Scanner(const Doc& d, std::vector<Candidate>* out) : d_(d), out_(out) {}

  void run() {
    // Chunks end at white space and at list separators (',' ';' '\\' '|'),
    // which never occur inside the structured types we look for.
    auto is_break = [&](int k) {
      if (d_.toks[k].kind != TokenKind::kPunct) return false;
      char ch = d_.text[d_.toks[k].b0];
      return ch == ',' || ch == ';' || ch == '\\' || ch == '|';
    };
    for (int i = 0; i < d_.size();) {
      int e = i + 1;
      if (!is_break(i)) {
        while (e < d_.size() && !d_.toks[e].space_before && !is_break(e)) ++e;
      }
      chunks_.push_back({i, e});
      i = e;
    }
    for (size_t c = 0; c < chunks_.size(); ++c) {
      // Most chunks are one plain word: no structured type starts there.
      if (chunks_[c].e - chunks_[c].b == 1 && d_.toks[chunks_[c].b].kind == TokenKind::kWord) continue;
      Chunk ch = trim(chunks_[c]);
      if (ch.b >= ch.e) continue;
      size_t used = scan_chunk(c, ch);
      if (used > 0) c += used - 1;
    }
    scan_month_dates();
    scan_zip_context();
  }

 private:
  // Postal codes right after a ZIP word ("ZIP: 394 13", "zip code is
  // 7412 SL", "postal code B0J 2H0"): the strongest ZIP evidence there is.
  void scan_zip_context() {
    for (int i = 0; i < d_.size(); ++i) {
      const Token& t = d_.toks[i];
      if (t.kind != TokenKind::kNumber && t.kind != TokenKind::kMixed) continue;
      int e = postal_code_end(d_, i);
      if (e < 0 || !context(d_, i, e, kZipCtx, 3, 0)) continue;
      emit(EntityType::kZip, i, e, kZipContextScore, false);
      i = e - 1;
    }
  }

  std::string_view bytes(int b, int e) const {
    return d_.text.substr(d_.toks[b].b0, d_.toks[e - 1].b1 - d_.toks[b].b0);
  }

  // Strips wrapping punctuation ("(", quotes, trailing ".,;:!?") from a chunk.
  static bool lead_punct(char ch) {
    return ch == '"' || ch == '\'' || ch == '<' || ch == '[' || ch == '{' || ch == '`' || ch == '*';
  }
  static bool trail_punct(char ch) {
    return ch == '.' || ch == ',' || ch == ';' || ch == ':' || ch == '!' || ch == '?' || ch == '"' || ch == '\'' ||
           ch == '>' || ch == ']' || ch == '}' || ch == '`' || ch == '*';
  }

  Chunk trim(Chunk c) const {
    while (c.b < c.e && d_.toks[c.b].kind == TokenKind::kPunct && lead_punct(d_.text[d_.toks[c.b].b0])) ++c.b;
    while (c.e > c.b && d_.toks[c.e - 1].kind == TokenKind::kPunct && trail_punct(d_.text[d_.toks[c.e - 1].b0])) {
      --c.e;
    }
    // A ")" at the end is kept only if the chunk opened one.
    if (c.e > c.b && is_punct(d_, c.e - 1, ')')) {
      bool open = false;
      for (int i = c.b; i < c.e; ++i) open |= is_punct(d_, i, '(');
      if (!open) --c.e;
    }
    return c;
  }

  void emit(EntityType t, int b, int e, float score, bool validated) {
    out_->push_back(Candidate{t, b, e, std::min(score, 1.0f), validated});
  }

  bool ascii_chunk(Chunk c) const {
    for (int i = c.b; i < c.e; ++i) {
      if (d_.toks[i].has_nonascii) return false;
    }
    return true;
  }

  // Numeric chunk: digits plus - . ( ) + / only. Returns the digit count or -1.
  int numeric_digits(Chunk c) const {
    int digits = 0;
    for (int i = c.b; i < c.e; ++i) {
      const Token& t = d_.toks[i];
      if (t.kind == TokenKind::kNumber) {
        digits += t.n_digits;
      } else if (t.kind == TokenKind::kPunct) {
        char ch = d_.text[t.b0];
        if (ch != '-' && ch != '.' && ch != '(' && ch != ')' && ch != '+' && ch != '/') return -1;
      } else if (i == c.e - 1 && extension_at(t) > 0) {
        digits += extension_at(t);  // "0538x16944": the digits before the extension
      } else {
        return -1;
      }
    }
    return digits;
  }

  // For a token like "0538x16944" (phone number with extension) the count of
  // digits before the 'x', else 0.
  int extension_at(const Token& t) const {
    if (t.kind != TokenKind::kMixed || t.has_nonascii) return 0;
    std::string_view w = d_.text.substr(t.b0, t.b1 - t.b0);
    size_t x = w.find_first_of("xX");
    if (x == 0 || x == std::string_view::npos || x + 1 >= w.size()) return 0;
    if (w.find_first_not_of("0123456789") != x || w.find_first_not_of("0123456789", x + 1) != std::string_view::npos) {
      return 0;
    }
    return static_cast<int>(x);
  }

  // Tries every detector on chunk index `ci` (trimmed to `c`); returns how
  // many chunks were consumed (0 = nothing found).
  size_t scan_chunk(size_t ci, Chunk c) {
    if (!ascii_chunk(c)) return 0;
    std::string_view s = bytes(c.b, c.e);
    if (s.find('@') != std::string_view::npos) {
      std::string_view e = s;
      if (e.size() > 7 && (e.substr(0, 7) == "mailto:" || e.substr(0, 7) == "MAILTO:")) {
        e.remove_prefix(7);
      }
      if (email_valid(e)) {
        int b = c.b;
        if (e.size() != s.size()) {
          while (b < c.e && d_.toks[b].b0 < d_.toks[c.b].b0 + 7) ++b;
        }
        emit(EntityType::kEmail, b, c.e, 1.0f, true);
        return 1;
      }
      return 0;
    }
    if (scan_url(c, s)) return 1;
    if (s.find(':') != std::string_view::npos && ipv6_valid(s) && count_hex(s) >= 2) {
      emit(EntityType::kIp, c.b, c.e, 0.95f, true);
      return 1;
    }
    if (size_t n = scan_iban(ci)) return n;
    if (size_t n = scan_date(ci, c, s)) return n;
    if (d_.toks[c.b].kind == TokenKind::kNumber || numeric_digits(c) > 0 || is_punct(d_, c.b, '+') || is_punct(d_, c.b, '(')) return scan_numeric(ci);
    if (d_.toks[c.b].kind == TokenKind::kMixed || (c.e - c.b >= 2 && d_.toks[c.b].kind == TokenKind::kWord)) {
      return scan_license(c, s);
    }
    return 0;
  }

  static int count_hex(std::string_view s) {
    int n = 0;
    for (char ch : s) n += std::isxdigit(static_cast<unsigned char>(ch)) ? 1 : 0;
    return n;
  }

  bool scan_url(Chunk c, std::string_view s) {
    std::string_view host = s;
    bool scheme = false;
    for (std::string_view p : {"http://", "https://", "HTTP://", "HTTPS://", "ftp://"}) {
      if (host.substr(0, p.size()) == p) {
        host.remove_prefix(p.size());
        scheme = true;
        break;
      }
    }
    size_t slash = host.find_first_of("/?#:");
    std::string_view path = slash == std::string_view::npos ? std::string_view() : host.substr(slash);
    if (slash != std::string_view::npos) host = host.substr(0, slash);
    if (host.find('.') == std::string_view::npos) return false;
    bool www = host.size() > 4 && (host.substr(0, 4) == "www." || host.substr(0, 4) == "WWW.");
    if (ipv4_valid(host)) {
      // A bare IP (no scheme, no path) is an IP_ADDRESS.
      emit(EntityType::kIp, c.b, scheme || !path.empty() ? find_end(c, host) : c.e, 0.95f, true);
      return true;
    }
    if (!domain_valid(host)) return false;
    // Bare "word.xx" without scheme or www: skip common file names and
    // abbreviations ("e.g", "i.e", "file.py", "main.rs").
    if (!scheme && !www) {
      size_t dot = host.rfind('.');
      std::string_view tld = host.substr(dot + 1);

      std::string low;
      for (char ch : tld) low.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(ch))));
      bool file_like = in_list(std::string_view(low), kFileLike);
      bool all_digits_label = std::all_of(host.begin(), host.begin() + static_cast<long>(dot), [](char ch) {
        return is_digit(ch) || ch == '.';
      });
      if (all_digits_label) return false;
      float score = file_like ? 0.45f : 0.8f;
      emit(EntityType::kDomain, c.b, c.e, score, !file_like);
      return true;
    }
    emit(EntityType::kDomain, c.b, c.e, 0.95f, true);
    return true;
  }

  // First token index after the byte prefix `prefix` of chunk c.
  int find_end(Chunk c, std::string_view prefix) const {
    uint32_t end = static_cast<uint32_t>(prefix.data() + prefix.size() - d_.text.data());
    int i = c.b;
    while (i < c.e && d_.toks[i].b1 <= end) ++i;
    return i;
  }

  // IBAN: one alphanumeric chunk, or "GB82 WEST 1234 ..." groups of ≤ 4.
  size_t scan_iban(size_t ci) {
    Chunk c = trim(chunks_[ci]);
    if (c.e - c.b != 1 || d_.toks[c.b].kind != TokenKind::kMixed) return 0;
    std::string_view s = bytes(c.b, c.e);
    if (s.size() < 4 || !std::isalpha(static_cast<unsigned char>(s[0])) ||
        !std::isalpha(static_cast<unsigned char>(s[1])) || !is_digit(s[2]) || !is_digit(s[3])) {
      return 0;
    }
    if (s.size() >= 15 && iban_valid(s)) {
      emit(EntityType::kIban, c.b, c.e, 1.0f, true);
      return 1;
    }
    if (s.size() != 4) return 0;
    std::string joined(s);
    int end = c.e;
    size_t k = ci + 1;
    for (; k < chunks_.size() && joined.size() < 34; ++k) {
      Chunk n = trim(chunks_[k]);
      if (n.e - n.b != 1 || d_.toks[n.b].kind == TokenKind::kPunct || d_.toks[n.b].nl_before) break;
      std::string_view part = bytes(n.b, n.e);
      if (part.size() > 4) break;
      joined += part;
      end = n.e;
      if (joined.size() >= 15 && iban_valid(joined)) {
        emit(EntityType::kIban, c.b, end, 1.0f, true);
        return k - ci + 1;
      }
      if (part.size() < 4) break;
    }
    return 0;
  }

  // ISO dates, d/m/y, times; a following time chunk is joined.
  size_t scan_date(size_t ci, Chunk c, std::string_view s) {
    auto digits_at = [&](std::string_view x, size_t p, size_t n) {
      if (p + n > x.size()) return false;
      for (size_t k = 0; k < n; ++k) {
        if (!is_digit(x[p + k])) return false;
      }
      return true;
    };
    auto num = [](std::string_view x) {
      int v = 0;
      for (char ch : x) v = v * 10 + (ch - '0');
      return v;
    };
    auto is_time = [&](std::string_view x) {
      // h:mm, hh:mm, hh:mm:ss, optional am/pm glued on.
      size_t colon = x.find(':');
      if (colon == std::string_view::npos || colon == 0 || colon > 2 || !digits_at(x, 0, colon)) return false;
      if (!digits_at(x, colon + 1, 2)) return false;
      size_t p = colon + 3;
      if (p < x.size() && x[p] == ':') {
        if (!digits_at(x, p + 1, 2)) return false;
        p += 3;
      }
      if (p < x.size() && x[p] == '.' && digits_at(x, p + 1, 1)) {
        ++p;
        while (p < x.size() && is_digit(x[p])) ++p;
      }
      std::string_view rest = x.substr(p);
      if (!rest.empty() && rest != "am" && rest != "pm" && rest != "AM" && rest != "PM" && rest != "Z") return false;
      int h = num(x.substr(0, colon)), m = num(x.substr(colon + 1, 2));
      return h <= 24 && m <= 59;
    };
    bool date = false;
    float score = 0.0f;
    // yyyy-mm-dd[Thh:mm[:ss]]
    if (s.size() >= 10 && digits_at(s, 0, 4) && (s[4] == '-' || s[4] == '/' || s[4] == '.') && digits_at(s, 5, 2) &&
        s[7] == s[4] && digits_at(s, 8, 2)) {
      int mo = num(s.substr(5, 2)), dd = num(s.substr(8, 2));
      std::string_view rest = s.substr(10);
      if (mo >= 1 && mo <= 12 && dd >= 1 && dd <= 31 &&
          (rest.empty() || ((rest[0] == 'T' || rest[0] == ' ') && is_time(rest.substr(1))))) {
        date = true, score = 0.9f;
      }
    } else {
      // d/m/y, m/d/y, d.m.y, d-m-y with 1-2 digit day/month and 2 or 4 digit year.
      size_t p1 = s.find_first_of("/.-");
      if (p1 >= 1 && p1 <= 2 && p1 != std::string_view::npos && digits_at(s, 0, p1)) {
        char sep = s[p1];
        size_t p2 = s.find(sep, p1 + 1);
        if (p2 != std::string_view::npos && p2 - p1 - 1 >= 1 && p2 - p1 - 1 <= 2 &&
            digits_at(s, p1 + 1, p2 - p1 - 1)) {
          std::string_view y = s.substr(p2 + 1);
          if ((y.size() == 4 || y.size() == 2) && digits_at(y, 0, y.size())) {
            int a = num(s.substr(0, p1)), b = num(s.substr(p1 + 1, p2 - p1 - 1));
            bool ok = a >= 1 && b >= 1 && ((a <= 12 && b <= 31) || (a <= 31 && b <= 12));
            // "1.2.3"-style versions and dotted numbers stay out unless the year is 4 digits.
            if (ok && (sep != '.' || y.size() == 4)) date = true, score = sep == '-' ? 0.75f : 0.85f;
          }
        }
      }
    }
    if (!date && is_time(s)) date = true, score = 0.75f;
    if (!date) return 0;
    int end = c.e;
    size_t used = 1;
    if (ci + 1 < chunks_.size()) {
      Chunk n = trim(chunks_[ci + 1]);
      if (n.b < n.e && !d_.toks[n.b].nl_before) {
        std::string_view ns = bytes(n.b, n.e);
        if (is_time(ns) && !is_time(s)) {
          end = n.e, used = 2;
        }
        Chunk m = used == 2 && ci + 2 < chunks_.size() ? trim(chunks_[ci + 2]) : n;
        if (m.b < m.e) {
          std::string_view ms = bytes(m.b, m.e);
          if (ms == "am" || ms == "pm" || ms == "AM" || ms == "PM" || ms == "a.m" || ms == "p.m") {
            end = m.e, used = used == 2 ? 3 : 2;
          }
        }
      }
    }
    emit(EntityType::kDateTime, c.b, end, score, false);
    return used;
  }

  // Runs of numeric chunks on one line: cards, SSNs, phones, ZIPs, ages,
  // licences and bare years, longest interpretation first.
  size_t scan_numeric(size_t ci) {
    std::vector<Chunk> run;
    int total = 0;
    for (size_t k = ci; k < chunks_.size() && run.size() < 6; ++k) {
      Chunk c = trim(chunks_[k]);
      // A chunk like "788-063-Office" contributes its numeric prefix and ends the run.
      Chunk num = c;
      while (num.e > num.b && numeric_digits(num) < 0) --num.e;
      while (num.e > num.b && d_.toks[num.e - 1].kind == TokenKind::kPunct && !is_punct(d_, num.e - 1, ')')) --num.e;
      if (num.e <= num.b || numeric_digits(num) <= 0) break;
      if (k > ci && d_.toks[num.b].nl_before) break;
      // A later chunk must start with its number ('"2021' is a new quoted item).
      if (k > ci && num.b != chunks_[k].b) break;
      int digits = numeric_digits(num);
      if (total + digits > 19) break;
      total += digits;
      run.push_back(num);
      if (num.e != c.e || num.e != trim(chunks_[k]).e || trim(chunks_[k]).e != chunks_[k].e) break;
    }
    if (run.empty()) return 0;
    for (size_t k = run.size(); k >= 1; --k) {
      int b = run[0].b, e = run[k - 1].e;
      if (classify_numeric(b, e, k)) return k;
    }
    return 1;
  }

  bool classify_numeric(int b, int e, size_t n_chunks) {
    std::string_view s = bytes(b, e);
    // "...-0538x16944": only a phone number can carry an extension.
    if (int ext = extension_at(d_.toks[e - 1]); ext > 0) {
      std::string_view main = s.substr(0, s.size() - (d_.toks[e - 1].b1 - d_.toks[e - 1].b0) + ext);
      int digits = count_digits(main);
      if (digits < 7 || digits > 15 || main.find('/') != std::string_view::npos) return false;
      float score = phone_score(main, digits, main[0] == '+', main.find('(') != std::string_view::npos, n_chunks);
      if (context(d_, b, e, kPhoneCtx, 6, 2)) score += 0.3f;
      score = std::max(score, 0.5f);  // the extension itself is strong evidence
      emit(EntityType::kPhone, b, e, score, false);
      return true;
    }
    int digits = count_digits(s);
    bool has_plus = s[0] == '+';
    bool has_paren = s.find('(') != std::string_view::npos;
    bool has_slash = s.find('/') != std::string_view::npos;
    bool has_dot = s.find('.') != std::string_view::npos;
    // Separators must be uniform-ish: only spaces or only dashes for cards.
    bool only_space_dash = s.find_first_of("().+/") == std::string_view::npos;
    // 12-digit Maestro numbers pass only with a card word nearby.
    if (digits == 12 && only_space_dash && luhn_checksum_ok(s) && context(d_, b, e, kCardCtx, 8, 2)) {
      emit(EntityType::kCreditCard, b, e, 0.9f, true);
      return true;
    }
    if (digits >= 13 && digits <= 19 && only_space_dash && luhn_valid(s)) {
      bool ctx = context(d_, b, e, kCardCtx, 8, 2);
      char first = s[0];
      bool iin = first == '3' || first == '4' || first == '5' || first == '6' || first == '2';
      emit(EntityType::kCreditCard, b, e, ctx ? 1.0f : (iin ? 0.85f : 0.6f), true);
      return true;
    }
    if (digits == 9 && !has_plus && !has_paren && !has_slash && (n_chunks == 1 || n_chunks == 3) && ssn_valid(s)) {
      bool ctx = context(d_, b, e, kSsnCtx, 8, 2);
      bool grouped = s.size() == 11;
      bool dl = context(d_, b, e, kDlCtx, 6, 0);
      if (grouped || ctx) {
        if (!(dl && !ctx)) {
          emit(EntityType::kSsn, b, e, ctx ? 1.0f : 0.85f, true);
          return true;
        }
      }
    }
    if (context(d_, b, e, kDlCtx, 6, 0) && digits >= 5 && digits <= 15 && !has_plus && !has_paren && !has_slash) {
      emit(EntityType::kDriverLicense, b, e, 0.85f, false);
      return true;
    }
    // ZIP: 5 or 5+4 digits in ZIP context or after a state code.
    if (n_chunks == 1 && !has_plus && !has_paren && !has_slash && !has_dot &&
        (s.size() == 5 || (s.size() == 10 && s[5] == '-')) && digits == static_cast<int>(s.size()) - (s.size() == 10)) {
      int pw = prev_word(d_, b);
      bool state = pw >= 0 && in_list(d_.raw(pw), kUsStates);
      if (context(d_, b, e, kZipCtx, 4, 0) || state) {
        emit(EntityType::kZip, b, e, state ? 0.8f : 0.9f, false);
        return true;
      }
    }
    if (n_chunks == 1 && context(d_, b, e, kZipCtx, 3, 0) && digits >= 3 && digits <= 8 && !has_plus &&
        !has_paren) {
      emit(EntityType::kZip, b, e, 0.8f, false);
      return true;
    }
    if (digits >= 6 && digits <= 15 && !has_slash) {
      float score = phone_score(s, digits, has_plus, has_paren, n_chunks);
      if (score > 0.0f) {
        if (context(d_, b, e, kPhoneCtx, 6, 2)) score += 0.3f;
        if (score >= 0.4f) {
          emit(EntityType::kPhone, b, e, score, false);
          return true;
        }
      }
    }
    if (n_chunks == 1 && digits == static_cast<int>(s.size())) {
      int v = 0;
      for (char ch : s) v = v * 10 + (ch - '0');
      if (digits <= 3 && v <= 130 && age_context(b, e)) {
        emit(EntityType::kAge, b, e, 0.85f, false);
        return true;
      }
      if (digits == 4 && v >= 1900 && v <= 2099) {
        int pw = prev_word(d_, b);
        if (pw >= 0 && in_list(d_.lower(pw), kYearCtx)) {
          emit(EntityType::kDateTime, b, e, 0.6f, false);
          return true;
        }
      }
    }
    return false;
  }

  float phone_score(std::string_view s, int digits, bool plus, bool paren, size_t n_chunks) const {
    // Group sizes between separators.
    int groups = 0, cur = 0, max_group = 0, min_group = 99;
    for (char ch : s) {
      if (is_digit(ch)) {
        ++cur;
      } else if (cur > 0) {
        ++groups, max_group = std::max(max_group, cur), min_group = std::min(min_group, cur), cur = 0;
      }
    }
    if (cur > 0) ++groups, max_group = std::max(max_group, cur), min_group = std::min(min_group, cur);
    // "300.5849", "1,234.56": two groups split by one dot are a decimal number.
    if (groups == 2 && !plus && !paren && s.find('.') != std::string_view::npos) return 0.0f;
    if (plus && digits >= 8) return 0.75f;
    // North American (ddd) ddd-dddd / ddd-ddd-dddd.
    if (digits == 10 && groups == 3 && min_group >= 3 && max_group == 4) return 0.75f;
    if (digits == 11 && s[0] == '1' && groups == 4) return 0.75f;
    // International prefix "00..." with groups.
    if (digits >= 10 && s[0] == '0' && s.size() > 1 && s[1] == '0' && groups >= 3) return 0.65f;
    if (paren && groups >= 2) return 0.65f;
    // Grouped digits; space-separated pairs ("12 15 18 20") are more often a
    // list of numbers, so those need a context word.
    bool only_spaces = s.find_first_of("-.()/") == std::string_view::npos;
    if (groups >= 2 && max_group <= 5 && min_group >= 2 && digits >= 7 && digits <= 12) {
      return (only_spaces && max_group < 3) ? 0.3f : 0.5f;
    }
    // Weaker shapes need a context word ("phone", "call", "office", "fax", ...).
    if (groups >= 2 && max_group <= 8 && digits >= 7 && digits <= 13) return 0.3f;
    if (groups >= 2 && min_group >= 2 && digits == 6) return 0.25f;
    if (groups == 1 && (digits == 10 || digits == 11)) return 0.3f;
    return 0.0f;
  }

  bool age_context(int b, int e) const {
    // "<n> years old", "<n>-year-old", "<n> y/o", "<n> yo", "aged <n>", "age <n>", "turned <n>".
    int nx = e;
    auto word_at = [&](int i) -> std::string_view {
      return i < d_.size() && d_.toks[i].kind != TokenKind::kPunct ? d_.lower(i) : std::string_view();
    };
    if (is_punct(d_, nx, '-')) ++nx;
    std::string_view w1 = word_at(nx);
    if (w1 == "yo" || w1 == "yrs" || w1 == "yr") return true;
    if (w1 == "y" && is_punct(d_, nx + 1, '/')) return true;
    if (w1 == "year" || w1 == "years") {
      int k = nx + 1;
      if (is_punct(d_, k, '-')) ++k;
      std::string_view w2 = word_at(k);
      if (w2 == "old" || w2 == "of") return true;
    }
    int pw = prev_word(d_, b);
    if (pw >= 0) {
      std::string_view p = d_.lower(pw);
      if (p == "aged" || p == "age" || p == "turned" || p == "turn" || p == "turning" || p == "ages") return true;
      if (p == "am" || p == "m") {
        // "I am 31", "I'm 31" at a clause end.
        int after = e;
        return after >= d_.size() || d_.toks[after].kind == TokenKind::kPunct;
      }
    }
    return false;
  }

  // Letter-prefixed licence numbers ("F162823540116", "LH329609T") need context.
  size_t scan_license(Chunk c, std::string_view s) {
    if (c.e - c.b != 1 || s.size() < 6 || s.size() > 16) return 0;
    int digits = count_digits(s);
    if (digits < 5) return 0;
    if (!context(d_, c.b, c.e, kDlCtx, 6, 0)) return 0;
    emit(EntityType::kDriverLicense, c.b, c.e, 0.85f, false);
    return 1;
  }

  // "January 5, 2020", "5 Jan 2020", "March 2019", weekdays.
  void scan_month_dates() {
    for (int i = 0; i < d_.size(); ++i) {
      if (d_.toks[i].kind != TokenKind::kWord) continue;
      std::string_view w = d_.lower(i);
      // Cheap reject before the list compares: month and weekday names are
      // 3..9 ASCII letters starting with one of these.
      if (w.size() < 3 || w.size() > 9) continue;
      char c0 = w[0];
      if (c0 != 'j' && c0 != 'f' && c0 != 'm' && c0 != 'a' && c0 != 's' && c0 != 'o' && c0 != 'n' && c0 != 'd' &&
          c0 != 't' && c0 != 'w') {
        continue;
      }
      if (in_list(w, kWeekdays)) {
        emit(EntityType::kDateTime, i, i + 1, 0.6f, false);
        continue;
      }
      if (!in_list(w, kMonths)) continue;
      // "may", "march" need a number beside them to count as a month.
      int b = i, e = i + 1;
      if (is_punct(d_, e, '.') && w.size() <= 4) ++e;
      auto day_at = [&](int k) {
        if (k < 0 || k >= d_.size()) return false;
        const Token& t = d_.toks[k];
        if (t.n_digits == 0 || t.n_digits > 2) return false;
        std::string_view l = d_.lower(k);
        std::string_view suffix = l.substr(t.n_digits);
        return suffix.empty() || suffix == "st" || suffix == "nd" || suffix == "rd" || suffix == "th";
      };
      auto year_at = [&](int k) {
        return k < d_.size() && d_.toks[k].kind == TokenKind::kNumber && d_.toks[k].n_digits == 4;
      };
      bool any = false;
      if (day_at(e)) {
        ++e, any = true;
        if (is_punct(d_, e, ',')) {
          if (year_at(e + 1)) e += 2;
        } else if (year_at(e)) {
          ++e;
        }
      } else if (year_at(e)) {
        ++e, any = true;
      }
      int p = b - 1;
      if (p >= 0 && d_.lower(p) == "of") --p;
      if (day_at(p)) b = p, any = true;
      if (!any) continue;
      emit(EntityType::kDateTime, b, e, 0.85f, false);
      i = e - 1;
    }
  }

  const Doc& d_;
  std::vector<Candidate>* out_;
  std::vector<Chunk> chunks_;
};

}  // namespace

void scan_structured(const Doc& doc, std::vector<Candidate>* out) { Scanner(doc, out).run(); }

int postal_code_end(const Doc& d, int i) {
  const int n = d.size();
  if (i < 0 || i >= n) return -1;
  const Token& t = d.toks[i];
  auto glued = [&](int k) { return k < n && !d.toks[k].space_before; };
  auto spaced = [&](int k) { return k < n && d.toks[k].space_before && !d.toks[k].nl_before; };
  auto number = [&](int k, int lo, int hi) {
    return k < n && d.toks[k].kind == TokenKind::kNumber && d.toks[k].n_digits >= lo && d.toks[k].n_digits <= hi;
  };
  // The code must end there: "12345-6789x" or "12345.5" are something else.
  auto ends = [&](int k) {
    if (k >= n || d.toks[k].space_before) return k;
    char ch = d.text[d.toks[k].b0];
    bool closing = d.toks[k].kind == TokenKind::kPunct && ch != '-' && ch != '/' && ch != '.' && ch != ':';
    bool final_dot = ch == '.' && (k + 1 >= n || d.toks[k + 1].space_before);
    return closing || final_dot ? k : -1;
  };
  if (t.kind == TokenKind::kMixed && !t.has_nonascii && t.b1 - t.b0 == 3) {
    // Canadian "A1A 1A1".
    std::string_view a = d.raw(i);
    auto letter = [](char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; };
    auto digit = [](char c) { return c >= '0' && c <= '9'; };
    if (!letter(a[0]) || !digit(a[1]) || !letter(a[2]) || !spaced(i + 1)) return -1;
    std::string_view b = d.raw(i + 1);
    if (d.toks[i + 1].kind != TokenKind::kMixed || b.size() != 3 || !digit(b[0]) || !letter(b[1]) || !digit(b[2])) {
      return -1;
    }
    return ends(i + 2);
  }
  if (t.kind != TokenKind::kNumber) return -1;
  if (t.n_digits >= 2 && t.n_digits <= 5 && glued(i + 1) && d.text[d.toks[i + 1].b0] == '-' &&
      d.toks[i + 1].kind == TokenKind::kPunct && glued(i + 2) && number(i + 2, 3, 4)) {
    return ends(i + 3);  // "12345-6789", "53-320", "3610-114"
  }
  if (t.n_digits == 3 && spaced(i + 1) && number(i + 1, 2, 2)) return ends(i + 2);  // "394 13"
  if (t.n_digits == 4 && spaced(i + 1) && d.toks[i + 1].kind == TokenKind::kWord && d.toks[i + 1].all_upper &&
      d.toks[i + 1].b1 - d.toks[i + 1].b0 == 2) {
    return ends(i + 2);  // Dutch "7412 SL"
  }
  if (t.n_digits < 3 || t.n_digits > 6) return -1;
  return ends(i + 1);
}

}  // namespace sr::signals::pii

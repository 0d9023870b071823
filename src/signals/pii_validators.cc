#include "signals/pii_validators.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

namespace sr::signals::pii {
namespace {

char lower_ascii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_alnum(char c) { return is_digit(c) || is_alpha(c); }

// IBAN length per country (SWIFT IBAN registry).
struct IbanLen {
  char cc[3];
  int len;
};
constexpr IbanLen kIbanLengths[] = {
    {"AD", 24}, {"AE", 23}, {"AL", 28}, {"AT", 20}, {"AZ", 28}, {"BA", 20}, {"BE", 16}, {"BG", 22},
    {"BH", 22}, {"BI", 27}, {"BR", 29}, {"BY", 28}, {"CH", 21}, {"CR", 22}, {"CY", 28}, {"CZ", 24},
    {"DE", 22}, {"DJ", 27}, {"DK", 18}, {"DO", 28}, {"EE", 20}, {"EG", 29}, {"ES", 24}, {"FI", 18},
    {"FK", 18}, {"FO", 18}, {"FR", 27}, {"GB", 22}, {"GE", 22}, {"GI", 23}, {"GL", 18}, {"GR", 27},
    {"GT", 28}, {"HR", 21}, {"HU", 28}, {"IE", 22}, {"IL", 23}, {"IQ", 23}, {"IS", 26}, {"IT", 27},
    {"JO", 30}, {"KW", 30}, {"KZ", 20}, {"LB", 28}, {"LC", 32}, {"LI", 21}, {"LT", 20}, {"LU", 20},
    {"LV", 21}, {"LY", 25}, {"MC", 27}, {"MD", 24}, {"ME", 22}, {"MK", 19}, {"MN", 20}, {"MR", 27},
    {"MT", 31}, {"MU", 30}, {"NI", 28}, {"NL", 18}, {"NO", 15}, {"OM", 23}, {"PK", 24}, {"PL", 28},
    {"PS", 29}, {"PT", 25}, {"QA", 29}, {"RO", 24}, {"RS", 22}, {"RU", 33}, {"SA", 24}, {"SC", 31},
    {"SD", 18}, {"SE", 24}, {"SI", 19}, {"SK", 24}, {"SM", 27}, {"SO", 23}, {"ST", 25}, {"SV", 28},
    {"TL", 23}, {"TN", 24}, {"TR", 26}, {"UA", 29}, {"VA", 22}, {"VG", 24}, {"XK", 20},
};

// Generic and widespread new gTLDs; two-letter ccTLDs are checked by table below.
constexpr const char* kGenericTlds[] = {
    "com",  "org",   "net",  "edu",  "gov",  "mil",  "int",    "info", "biz",   "name",  "pro",  "aero",
    "coop", "museum", "mobi", "asia", "tel",  "travel", "jobs", "cat",  "xxx",   "app",   "dev",  "io",
    "ai",   "cloud", "shop", "online", "site", "store", "tech",  "xyz",  "club",  "blog",  "live", "news",
    "top",  "email", "page", "web",  "world", "today", "space", "digital", "agency", "company", "network",
    "solutions", "services", "media", "design", "studio", "group", "global", "systems", "academy", "bank",
    "health", "law", "finance", "capital", "center", "city", "zone", "link", "art", "fun", "wiki", "work"};

// Every assigned two-letter ccTLD (ISO 3166 plus uk, eu, ac).
constexpr const char kCcTlds[] =
    "ac ad ae af ag ai al am ao aq ar as at au aw ax az ba bb bd be bf bg bh bi bj bm bn bo br bs bt bw by "
    "bz ca cc cd cf cg ch ci ck cl cm cn co cr cu cv cw cx cy cz de dj dk dm do dz ec ee eg er es et eu fi "
    "fj fk fm fo fr ga gd ge gf gg gh gi gl gm gn gp gq gr gs gt gu gw gy hk hm hn hr ht hu id ie il im in "
    "io iq ir is it je jm jo jp ke kg kh ki km kn kp kr kw ky kz la lb lc li lk lr ls lt lu lv ly ma mc md "
    "me mg mh mk ml mm mn mo mp mq mr ms mt mu mv mw mx my mz na nc ne nf ng ni nl no np nr nu nz om pa pe "
    "pf pg ph pk pl pm pn pr ps pt pw py qa re ro rs ru rw sa sb sc sd se sg sh si sk sl sm sn so sr ss st "
    "su sv sx sy sz tc td tf tg th tj tk tl tm tn to tr tt tv tw tz ua ug uk us uy uz va vc ve vg vi vn vu "
    "wf ws ye yt za zm zw";

}  // namespace

int count_digits(std::string_view s) {
  return static_cast<int>(std::count_if(s.begin(), s.end(), is_digit));
}

bool luhn_checksum_ok(std::string_view s) {
  int sum = 0, n = 0;
  for (auto it = s.rbegin(); it != s.rend(); ++it) {
    if (!is_digit(*it)) continue;
    int d = *it - '0';
    if (n % 2 == 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    ++n;
  }
  return n >= 2 && sum % 10 == 0;
}

bool luhn_valid(std::string_view s) {
  const int n = count_digits(s);
  return n >= 13 && n <= 19 && luhn_checksum_ok(s);
}

bool iban_valid(std::string_view s) {
  char buf[40];
  int n = 0;
  for (char c : s) {
    if (c == ' ' || c == '-') continue;
    if (!is_alnum(c) || n >= 34) return false;
    buf[n++] = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 32) : c;
  }
  if (n < 15 || !is_alpha(buf[0]) || !is_alpha(buf[1]) || !is_digit(buf[2]) || !is_digit(buf[3])) return false;
  int want = 0;
  for (const auto& e : kIbanLengths) {
    if (e.cc[0] == buf[0] && e.cc[1] == buf[1]) want = e.len;
  }
  if (want == 0 || n != want) return false;
  // Move the first four characters to the end, letters become 10..35, mod 97.
  int rem = 0;
  for (int k = 0; k < n; ++k) {
    char c = buf[(k + 4) % n];
    if (is_digit(c)) {
      rem = (rem * 10 + (c - '0')) % 97;
    } else {
      int v = c - 'A' + 10;
      rem = (rem * 100 + v) % 97;
    }
  }
  return rem == 1;
}

bool ssn_valid(std::string_view s) {
  char d[9];
  int n = 0;
  int groups = 1;
  char sep = 0;
  for (char c : s) {
    if (is_digit(c)) {
      if (n >= 9) return false;
      d[n++] = c;
    } else if (c == '-' || c == ' ' || c == '.') {
      // Separators only between 3|2|4 groups, and the same one twice.
      if ((n != 3 && n != 5) || (sep && sep != c)) return false;
      sep = c;
      ++groups;
    } else {
      return false;
    }
  }
  if (n != 9 || (groups != 1 && groups != 3)) return false;
  std::string_view v(d, 9);
  std::string_view area = v.substr(0, 3), group = v.substr(3, 2), serial = v.substr(5, 4);
  if (area == "000" || area == "666" || area[0] == '9') return false;
  if (group == "00" || serial == "0000") return false;
  // Numbers published in ads, used on sample cards, or obviously made up.
  if (v == "078051120" || v == "219099999" || v == "123456789" || v == "457555462") return false;
  if (std::all_of(v.begin(), v.end(), [&](char c) { return c == v[0]; })) return false;
  return true;
}

namespace {
// inet_pton needs a NUL-terminated copy; `max_len` is the longest textual form.
template <int Family, size_t MaxLen, size_t Bytes>
bool inet_valid(std::string_view s, size_t min_len) {
  if (s.size() < min_len || s.size() > MaxLen) return false;
  char buf[MaxLen + 1];
  std::memcpy(buf, s.data(), s.size());
  buf[s.size()] = 0;
  unsigned char out[Bytes];
  return inet_pton(Family, buf, out) == 1;
}
}  // namespace

bool ipv4_valid(std::string_view s) { return inet_valid<AF_INET, 15, 4>(s, 7); }

bool ipv6_valid(std::string_view s) { return inet_valid<AF_INET6, 45, 16>(s, 2); }

bool tld_valid(std::string_view tld) {
  if (tld.size() < 2 || tld.size() > 24) return false;
  char low[25];
  for (size_t i = 0; i < tld.size(); ++i) {
    if (!is_alpha(tld[i])) return false;
    low[i] = lower_ascii(tld[i]);
  }
  std::string_view t(low, tld.size());
  if (t.size() == 2) {
    std::string_view all(kCcTlds);
    for (size_t i = 0; i + 2 <= all.size(); i += 3) {
      if (all.substr(i, 2) == t) return true;
    }
    return false;
  }
  for (const char* g : kGenericTlds) {
    if (t == g) return true;
  }
  return false;
}

bool domain_valid(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  if (s.back() == '.') s.remove_suffix(1);
  int labels = 0;
  size_t start = 0;
  std::string_view last;
  while (start <= s.size()) {
    size_t dot = s.find('.', start);
    if (dot == std::string_view::npos) dot = s.size();
    std::string_view label = s.substr(start, dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
    for (char c : label) {
      if (!is_alnum(c) && c != '-') return false;
    }
    ++labels;
    last = label;
    start = dot + 1;
  }
  return labels >= 2 && tld_valid(last);
}

bool email_valid(std::string_view s) {
  size_t at = s.find('@');
  if (at == std::string_view::npos || at == 0 || at > 64 || s.find('@', at + 1) != std::string_view::npos) {
    return false;
  }
  std::string_view local = s.substr(0, at);
  if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos) return false;
  for (char c : local) {
    if (!is_alnum(c) && !std::strchr(".!#$%&'*+/=?^_`{|}~-", c)) return false;
  }
  return domain_valid(s.substr(at + 1));
}

}  // namespace sr::signals::pii

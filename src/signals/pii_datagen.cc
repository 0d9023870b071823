#include "signals/pii_datagen.h"

#include <fstream>
#include <iterator>
#include <random>
#include <string_view>

namespace sr::signals::pii {
namespace {

int cp_len(std::string_view s) {
  int n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

std::vector<std::string> read_lines(const std::string& path, bool skip_header) {
  std::vector<std::string> out;
  std::ifstream f(path);
  std::string line;
  bool first = true;
  while (std::getline(f, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (first && skip_header) {
      first = false;
      continue;
    }
    first = false;
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

// Identity columns used by the generator (FakeNameGenerator.com_3000.csv).
struct Identity {
  std::string gender, title, given, middle, surname, street, city, state, zip, country, email, phone, birthday, age,
      occupation, domain;
};

std::vector<Identity> read_identities(const std::string& path) {
  std::vector<Identity> out;
  auto lines = read_lines(path, false);
  if (lines.empty()) return out;
  auto header = split_csv_line(lines[0]);
  auto idx = [&](std::string_view name) {
    for (size_t i = 0; i < header.size(); ++i) {
      std::string_view h = header[i];
      if (h.size() >= 3 && static_cast<unsigned char>(h[0]) == 0xEF) h.remove_prefix(3);  // BOM
      if (h == name) return static_cast<int>(i);
    }
    return -1;
  };
  int c[16] = {idx("Gender"),    idx("Title"),   idx("GivenName"), idx("MiddleInitial"), idx("Surname"),
               idx("StreetAddress"), idx("City"), idx("State"),    idx("ZipCode"),       idx("CountryFull"),
               idx("EmailAddress"), idx("TelephoneNumber"), idx("Birthday"), idx("Age"), idx("Occupation"),
               idx("Domain")};
  for (size_t l = 1; l < lines.size(); ++l) {
    auto row = split_csv_line(lines[l]);
    auto get = [&](int k) { return c[k] >= 0 && c[k] < static_cast<int>(row.size()) ? row[c[k]] : std::string(); };
    out.push_back({get(0), get(1), get(2), get(3), get(4), get(5), get(6), get(7), get(8), get(9), get(10), get(11),
                   get(12), get(13), get(14), get(15)});
  }
  return out;
}

class Generator {
 public:
  Generator(const std::string& dir, uint64_t seed) : rng_(seed) {
    templates_ = read_lines(dir + "/templates.txt", false);
    ids_ = read_identities(dir + "/FakeNameGenerator.com_3000.csv");
    companies_ = read_lines(dir + "/companies_and_organizations.csv", true);
    licenses_ = read_lines(dir + "/us_driver_licenses.csv", true);
    for (const auto& l : read_lines(dir + "/nationalities.csv", true)) {
      auto row = split_csv_line(l);
      for (size_t k = 1; k < row.size(); ++k) {
        if (!row[k].empty()) nationalities_.push_back(row[k]);
      }
    }
  }

  bool ok() const { return !templates_.empty() && !ids_.empty() && !companies_.empty(); }

  LabeledText make() {
    const std::string& tpl = templates_[pick(templates_.size())];
    const Identity& id = ids_[pick(ids_.size())];
    LabeledText out;
    int cp = 0;
    size_t i = 0;
    while (i < tpl.size()) {
      size_t open = tpl.find("{{", i);
      std::string_view lit = std::string_view(tpl).substr(i, open == std::string::npos ? std::string::npos : open - i);
      // Templates write newlines as "\n".
      std::string text;
      for (size_t k = 0; k < lit.size(); ++k) {
        if (lit[k] == '\\' && k + 1 < lit.size() && lit[k + 1] == 'n') {
          text += '\n', ++k;
        } else {
          text += lit[k];
        }
      }
      out.text += text;
      cp += cp_len(text);
      if (open == std::string::npos) break;
      size_t close = tpl.find("}}", open);
      if (close == std::string::npos) break;
      std::string slot = tpl.substr(open + 2, close - open - 2);
      EntityType type;
      std::string value = fill(slot, id, &type);
      int len = cp_len(value);
      // Pieces stay separate spans ("{{building_number}} {{street_name}}" is
      // two STREET_ADDRESS spans in the Presidio data, "{{address}}" one).
      if (len > 0) out.spans.push_back({type, cp, cp + len});
      out.text += value;
      cp += len;
      i = close + 2;
    }
    // Some Presidio records are all lower case; teach the tagger those too.
    if (pick(10) == 0) {
      for (char& ch : out.text) {
        if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch + 32);
      }
    }
    return out;
  }

 private:
  size_t pick(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }
  std::string digits(int n) {
    std::string s;
    for (int k = 0; k < n; ++k) s += static_cast<char>('0' + pick(10));
    return s;
  }

  std::string person(const Identity& id) {
    switch (pick(4)) {
      case 0:
        return id.given + " " + id.middle + ". " + id.surname;
      default:
        return id.given + " " + id.surname;
    }
  }

  // Presidio's street_name is a whole street line of some locale ("Puruntie
  // 82", "2450 Crown St"); the identity's street address is the same kind.
  std::string street_name(const Identity& id) { return id.street; }

  std::string secondary() { return std::string(pick(2) ? "Apt. " : "Suite ") + digits(3); }

  // A whole address in one of the Faker layouts the Presidio data uses: one
  // line with commas, or lines ("\n, ST\n 12345", "\n Suite 1\n City\n
  // Country 12345"), military and "corner of" forms. One STREET_ADDRESS span.
  std::string address(const Identity& id) {
    std::string num = digits(1 + static_cast<int>(pick(5)));
    std::string line1 = pick(2) ? num + " " + id.street : id.street;
    if (pick(2)) line1.append(" ").append(secondary());
    std::string state = pick(4) ? id.state : std::string("nan");
    switch (pick(10)) {
      case 0:
        return line1 + "\n" + id.city + ", " + state + " " + id.zip;
      case 1:
        return line1 + "\n" + id.city + "\n, " + state + "\n " + (pick(2) ? id.country + " " : "") + id.zip;
      case 2:
        return num + " " + id.street + "\n " + secondary() + "\n " + id.city + "\n " + id.country +
               (pick(4) ? " " + id.zip : "");
      case 3:
        return line1 + ", " + id.city + ", " + id.country + (pick(2) ? " " + id.zip : "");
      case 4:
        return line1 + " " + id.city + " " + (pick(2) ? id.country : state);
      case 5: {
        static constexpr const char* kPost[] = {"APO AA ", "APO AE ", "APO AP ", "FPO AE ", "FPO AP ", "DPO AA "};
        std::string tail = std::string(kPost[pick(std::size(kPost))]) + digits(5);
        switch (pick(3)) {
          case 0:
            return "PSC " + digits(4) + ", Box " + digits(4) + "\n" + tail;
          case 1:
            return "Unit " + digits(4) + " Box " + digits(4) + "\n" + tail;
          default:
            return std::string(pick(2) ? "USNS " : "USS ") + id.surname + "\n" + tail;
        }
      }
      case 6:
        return "the corner of " + id.street + " and " + id.surname + (pick(2) ? " Street" : " Road");
      default:
        return line1 + ", " + id.city;
    }
  }

  std::string luhn_card() {
    static constexpr const char* kPrefixes[] = {"4", "51", "52", "53", "54", "55", "34", "37", "6011", "35"};
    std::string p = kPrefixes[pick(std::size(kPrefixes))];
    int len = (p == "34" || p == "37") ? 15 : 16;
    std::string s = p + digits(len - 1 - static_cast<int>(p.size()));
    int sum = 0;
    for (int k = static_cast<int>(s.size()) - 1, pos = 1; k >= 0; --k, ++pos) {
      int d = s[k] - '0';
      if (pos % 2 == 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
      sum += d;
    }
    s += static_cast<char>('0' + (10 - sum % 10) % 10);
    if (pick(3) == 0) {
      std::string g;
      for (size_t k = 0; k < s.size(); ++k) {
        if (k && k % 4 == 0) g += pick(2) ? ' ' : '-';
        g += s[k];
      }
      return g;
    }
    return s;
  }

  std::string iban() {
    std::string bban;
    for (int k = 0; k < 4; ++k) bban += static_cast<char>('A' + pick(26));
    bban += digits(14);
    // Check digits: mod 97 of BBAN + "GB00" (G=16, B=11).
    std::string num = bban + "161100";
    int rem = 0;
    for (char c : num) {
      if (c >= 'A' && c <= 'Z') {
        rem = (rem * 100 + (c - 'A' + 10)) % 97;
      } else {
        rem = (rem * 10 + (c - '0')) % 97;
      }
    }
    int check = 98 - rem;
    std::string s = "GB" + std::string(1, static_cast<char>('0' + check / 10)) +
                    static_cast<char>('0' + check % 10) + bban;
    return s;
  }

  std::string fill(const std::string& slot, const Identity& id, EntityType* type) {
    auto is = [&](std::string_view p) { return slot.rfind(p, 0) == 0; };
    if (slot == "person" || slot == "name" || slot == "name_female" || slot == "name_male") {
      *type = EntityType::kPerson;
      return person(id);
    }
    if (is("first_name")) return *type = EntityType::kPerson, id.given;
    if (is("last_name")) return *type = EntityType::kPerson, id.surname;
    if (is("prefix")) return *type = EntityType::kTitle, id.title;
    if (slot == "city") return *type = EntityType::kLocation, id.city;
    if (slot == "country") return *type = EntityType::kLocation, id.country;
    if (slot == "state_abbr") return *type = EntityType::kLocation, id.state;
    if (slot == "address") return *type = EntityType::kStreetAddress, address(id);
    if (slot == "street_name") return *type = EntityType::kStreetAddress, street_name(id);
    if (slot == "building_number") return *type = EntityType::kStreetAddress, digits(1 + static_cast<int>(pick(5)));
    if (slot == "secondary_address") return *type = EntityType::kStreetAddress, secondary();
    // Both Presidio files label {{postcode}} (after a country, closing an
    // address written in pieces) as part of the address; {{zipcode}} (after
    // "zip", a state code or on its own line) is a ZIP_CODE in synth_dataset_v2.
    if (slot == "postcode") return *type = EntityType::kStreetAddress, id.zip;
    if (slot == "zipcode") return *type = EntityType::kZip, id.zip;
    if (slot == "phone_number") return *type = EntityType::kPhone, id.phone;
    if (slot == "email") return *type = EntityType::kEmail, id.email;
    if (slot == "credit_card_number") return *type = EntityType::kCreditCard, luhn_card();
    if (slot == "iban") return *type = EntityType::kIban, iban();
    if (slot == "ssn") {
      *type = EntityType::kSsn;
      return std::to_string(100 + pick(565)) + "-" + std::to_string(10 + pick(89)) + "-" +
             std::to_string(1000 + pick(8999));
    }
    if (slot == "ip_address") {
      *type = EntityType::kIp;
      return std::to_string(1 + pick(223)) + "." + std::to_string(pick(256)) + "." + std::to_string(pick(256)) + "." +
             std::to_string(1 + pick(254));
    }
    if (slot == "url") return *type = EntityType::kDomain, "https://www." + id.domain + "/";
    if (slot == "organization") return *type = EntityType::kOrganization, companies_[pick(companies_.size())];
    if (is("nation")) return *type = EntityType::kNrp, nationalities_.empty() ? "" : nationalities_[pick(nationalities_.size())];
    if (slot == "job") return *type = EntityType::kTitle, id.occupation;
    if (slot == "age") return *type = EntityType::kAge, id.age;
    if (slot == "year") return *type = EntityType::kDateTime, std::to_string(1950 + pick(71));
    if (slot == "date_time" || slot == "date_of_birth") return *type = EntityType::kDateTime, id.birthday;
    if (slot == "day_of_week") {
      static constexpr const char* kDays[] = {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
                                              "Sunday"};
      return *type = EntityType::kDateTime, kDays[pick(7)];
    }
    if (slot == "us_driver_license") {
      return *type = EntityType::kDriverLicense, licenses_.empty() ? "" : licenses_[pick(licenses_.size())];
    }
    *type = EntityType::kPerson;
    return "";  // unknown slot: leave it empty
  }

  std::mt19937_64 rng_;
  std::vector<std::string> templates_, companies_, licenses_, nationalities_;
  std::vector<Identity> ids_;
};

}  // namespace

std::vector<std::string> split_csv_line(const std::string& line) {
  std::vector<std::string> out;
  std::string cur;
  bool q = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (q) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        cur += '"', ++i;
      } else if (c == '"') {
        q = false;
      } else {
        cur += c;
      }
    } else if (c == '"') {
      q = true;
    } else if (c == ',') {
      out.push_back(std::move(cur)), cur.clear();
    } else if (c != '\r') {
      cur += c;
    }
  }
  out.push_back(std::move(cur));
  return out;
}

std::vector<LabeledText> generate_from_templates(const std::string& templates_dir, int count, uint64_t seed) {
  Generator g(templates_dir, seed);
  std::vector<LabeledText> out;
  if (!g.ok()) return out;
  out.reserve(count);
  for (int i = 0; i < count; ++i) out.push_back(g.make());
  return out;
}

std::vector<LabeledText> load_wnut(const std::string& path) {
  std::vector<LabeledText> out;
  std::ifstream f(path);
  std::string line;
  LabeledText cur;
  int cp = 0;
  int open_start = -1;
  EntityType open_type = EntityType::kPerson;
  bool open_keep = false;
  auto close = [&]() {
    if (open_start >= 0 && open_keep) cur.spans.push_back({open_type, open_start, cp});
    open_start = -1;
  };
  auto flush = [&]() {
    close();
    if (!cur.text.empty()) out.push_back(std::move(cur));
    cur = LabeledText{};
    cp = 0;
  };
  while (std::getline(f, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    size_t tab = line.find('\t');
    // Sentence breaks are empty lines or lines holding only a tab.
    if (line.find_first_not_of(" \t") == std::string::npos || tab == std::string::npos || tab == 0) {
      flush();
      continue;
    }
    std::string tok = line.substr(0, tab), tag = line.substr(tab + 1);
    bool inside = tag.size() > 2 && tag[0] == 'I' && open_start >= 0;
    if (!inside) close();
    if (!cur.text.empty()) {
      cur.text += ' ';
      ++cp;
    }
    if (tag.size() > 2 && !inside) {
      std::string kind = tag.substr(2);
      open_start = cp;
      open_keep = true;
      if (kind == "person") {
        open_type = EntityType::kPerson;
      } else if (kind == "location") {
        open_type = EntityType::kLocation;
      } else if (kind == "corporation" || kind == "group") {
        open_type = EntityType::kOrganization;
      } else {
        open_keep = false;
      }
    }
    cur.text += tok;
    cp += cp_len(tok);
  }
  flush();
  return out;
}

}  // namespace sr::signals::pii

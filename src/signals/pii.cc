#include "signals/pii.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <string_view>
#include <tuple>

#include <nlohmann/json.hpp>

#include "base/paths.h"
#include "signals/pii_datagen.h"
#include "signals/pii_patterns.h"
#include "signals/pii_tagger.h"
#include "signals/pii_types.h"

namespace sr::signals {
namespace pii {

bool parse_entity_type(std::string_view name, EntityType* out) {
  for (int i = 0; i < kNumEntityTypes; ++i) {
    if (kEntityTypeNames[i] == name) {
      *out = static_cast<EntityType>(i);
      return true;
    }
  }
  if (name == "GPE") return *out = EntityType::kLocation, true;
  if (name == "ADDRESS") return *out = EntityType::kStreetAddress, true;
  if (name == "PREFIX") return *out = EntityType::kTitle, true;
  return false;
}

void Doc::build(std::string_view t, size_t max_bytes) {
  text = t;
  tokenize(t, max_bytes, &toks);
  lower_arena.clear();
  lower_off.clear();
  lower_off.reserve(toks.size() + 1);
  for (const Token& tok : toks) {
    lower_off.push_back(static_cast<uint32_t>(lower_arena.size()));
    lower_token(t, tok, &lower_arena);
  }
  lower_off.push_back(static_cast<uint32_t>(lower_arena.size()));
}

}  // namespace pii

namespace {

using pii::Candidate;
using pii::Doc;
using pii::EntityType;

// Picks a disjoint subset: validated detections first, then by score, then
// longer spans; ties keep the earlier span (deterministic).
void resolve(std::vector<Candidate>* cands, float min_score) {
  // A postal code right after a "zip" word is a ZIP_CODE even where the tagger
  // read the same tokens as an address ("My zip code is 35649").
  std::erase_if(*cands, [&](const Candidate& a) {
    if (a.type != EntityType::kStreetAddress || a.validated) return false;
    for (const Candidate& z : *cands) {
      if (z.type == EntityType::kZip && z.score >= pii::kZipContextScore && z.tok_begin <= a.tok_begin &&
          a.tok_end <= z.tok_end) {
        return true;
      }
    }
    return false;
  });
  // Any other ZIP code inside an address is part of that address, whatever the scores.
  std::erase_if(*cands, [&](const Candidate& z) {
    if (z.type != EntityType::kZip) return false;
    for (const Candidate& a : *cands) {
      if (a.type == EntityType::kStreetAddress && a.score >= min_score && a.tok_begin <= z.tok_begin &&
          z.tok_end <= a.tok_end) {
        return true;
      }
    }
    return false;
  });
  std::stable_sort(cands->begin(), cands->end(), [](const Candidate& a, const Candidate& b) {
    if (a.validated != b.validated) return a.validated;
    if (a.score != b.score) return a.score > b.score;
    if (a.tok_end - a.tok_begin != b.tok_end - b.tok_begin) return a.tok_end - a.tok_begin > b.tok_end - b.tok_begin;
    return a.tok_begin < b.tok_begin;
  });
  std::vector<Candidate> kept;
  for (const Candidate& c : *cands) {
    if (c.score < min_score || c.tok_end <= c.tok_begin) continue;
    bool clash = false;
    for (const Candidate& k : kept) {
      if (c.tok_begin < k.tok_end && k.tok_begin < c.tok_end) {
        clash = true;
        break;
      }
    }
    if (!clash) kept.push_back(c);
  }
  std::sort(kept.begin(), kept.end(), [](const Candidate& a, const Candidate& b) { return a.tok_begin < b.tok_begin; });
  *cands = std::move(kept);
}

// Tagger spans sometimes swallow the sentence's closing punctuation; keep a
// final '.' only after short abbreviations ("Dr.", "St.", "Inc.", "Apt.").
void trim_punct(const Doc& d, std::vector<Candidate>* cands) {
  for (Candidate& c : *cands) {
    if (c.validated) continue;
    while (c.tok_end - c.tok_begin > 1) {
      const pii::Token& last = d.toks[c.tok_end - 1];
      if (last.kind != pii::TokenKind::kPunct) break;
      char ch = d.text[last.b0];
      if (ch == '.') {
        const pii::Token& prev = d.toks[c.tok_end - 2];
        bool abbrev = prev.kind == pii::TokenKind::kWord && prev.c1 - prev.c0 <= 4 && prev.b1 == last.b0;
        if (abbrev) break;
      } else if (ch != ',' && ch != ';' && ch != ':' && ch != '!' && ch != '?' && ch != '-') {
        break;
      }
      --c.tok_end;
    }
  }
}

// Programming languages, units and tech terms that the tagger, trained on
// prose, tends to read as names or places in coding prompts. A one-token
// PERSON/LOCATION/ORGANIZATION/NRP span that is one of these is dropped.
constexpr std::string_view kTechWords[] = {
    "python", "java", "javascript", "typescript", "swift", "rust", "go", "ruby", "perl", "kotlin", "scala",
    "haskell", "julia", "dart", "elixir", "erlang", "php", "sql", "html", "css", "json", "xml", "yaml", "api",
    "rest", "http", "https", "linux", "windows", "macos", "ubuntu", "debian", "android", "ios", "docker",
    "kubernetes", "git", "github", "celsius", "fahrenheit", "kelvin", "fibonacci", "euclid", "dijkstra",
    "bash", "shell", "c", "c++", "react", "angular", "vue", "node", "django", "flask", "pandas", "numpy",
    "tensorflow", "pytorch", "excel", "regex", "unicode", "ascii", "utf", "return", "replace", "world", "hello",
    "true", "false", "null", "none", "string", "list", "array", "function", "class", "object", "character"};

// A lone honorific ("Dr", "Mrs.") the tagger labelled as part of a name is a
// TITLE; one that opens a longer PERSON span ("Miss Gabriella Villanueva") is
// split off as its own TITLE, as both Presidio files label it.
void fix_titles(const Doc& d, std::vector<Candidate>* cands) {
  static constexpr std::string_view kHonorifics[] = {"mr", "mrs", "ms", "miss", "dr", "prof", "sir", "mx"};
  auto honorific = [&](int i) {
    std::string_view lw = d.lower(i);
    for (std::string_view h : kHonorifics) {
      if (h == lw) return true;
    }
    return false;
  };
  const size_t n0 = cands->size();
  for (size_t k = 0; k < n0; ++k) {
    Candidate& c = (*cands)[k];
    if (c.validated || c.type != EntityType::kPerson || c.tok_end - c.tok_begin < 2) continue;
    if (d.toks[c.tok_begin].kind != pii::TokenKind::kWord || !honorific(c.tok_begin)) continue;
    int split = c.tok_begin + 1;
    if (split < c.tok_end && d.toks[split].kind == pii::TokenKind::kPunct && d.text[d.toks[split].b0] == '.') ++split;
    if (split >= c.tok_end || d.toks[split].kind == pii::TokenKind::kPunct) continue;
    Candidate title = c;
    title.type = EntityType::kTitle;
    title.tok_end = split;
    c.tok_begin = split;
    cands->push_back(title);  // may reallocate: `c` is not used after this
  }
  for (Candidate& c : *cands) {
    if (c.validated || c.type == EntityType::kTitle) continue;
    int words = 0, w = -1;
    for (int i = c.tok_begin; i < c.tok_end; ++i) {
      if (d.toks[i].kind != pii::TokenKind::kPunct) ++words, w = i;
    }
    if (words != 1) continue;
    std::string_view lw = d.lower(w);
    for (std::string_view h : kHonorifics) {
      if (h == lw) c.type = EntityType::kTitle;
    }
  }
}

// A STREET_ADDRESS needs a word ("50000 and 70000" or "5, 24, 19" are numbers).
bool address_without_words(const Doc& d, const Candidate& c) {
  if (c.type != EntityType::kStreetAddress) return false;
  for (int i = c.tok_begin; i < c.tok_end; ++i) {
    if (d.toks[i].kind != pii::TokenKind::kWord && d.toks[i].kind != pii::TokenKind::kMixed) continue;
    std::string_view w = d.lower(i);
    if (w != "and" && w != "or" && w != "to" && w != "of" && w != "x") return false;
  }
  return true;
}

// A lower-case ORGANIZATION made only of very common words ("quick brown fox
// jumps") is prose, not a company name.
bool common_lowercase_org(const Doc& d, const pii::Gazetteer& gaz, const Candidate& c) {
  if (c.type != EntityType::kOrganization) return false;
  for (int i = c.tok_begin; i < c.tok_end; ++i) {
    const pii::Token& t = d.toks[i];
    if (t.kind == pii::TokenKind::kPunct) continue;
    if (t.upper_first || t.kind != pii::TokenKind::kWord) return false;
    if (!(gaz.lookup(pii::fnv1a(d.lower(i))) & pii::kGazCommon)) return false;
  }
  return true;
}

void filter_tagger_spans(const Doc& d, const pii::Gazetteer& gaz, std::vector<Candidate>* cands) {
  // A lone number is kept as an address piece only beside another address or
  // place span (Presidio labels "28245" in "28245 Puruntie 82" on its own).
  // No line break between token `from` and token `to` (from < to).
  auto same_line = [&](int from, int to) {
    for (int k = from + 1; k <= to; ++k) {
      if (d.toks[k].nl_before) return false;
    }
    return true;
  };
  auto beside_place = [&](const Candidate& c) {
    if (c.tok_end - c.tok_begin != 1) return false;
    for (const Candidate& o : *cands) {
      if (&o == &c || (o.type != EntityType::kStreetAddress && o.type != EntityType::kLocation)) continue;
      if (address_without_words(d, o)) continue;
      // Adjacent on the same line (a punctuation token may sit between).
      if (o.tok_begin >= c.tok_end && o.tok_begin <= c.tok_end + 1 && same_line(c.tok_end - 1, o.tok_begin)) {
        return true;
      }
      if (o.tok_end <= c.tok_begin && o.tok_end >= c.tok_begin - 1 && same_line(o.tok_end - 1, c.tok_begin)) {
        return true;
      }
    }
    return false;
  };
  std::vector<Candidate> kept;
  kept.reserve(cands->size());
  for (const Candidate& c : *cands) {
    if (!address_without_words(d, c) || beside_place(c)) kept.push_back(c);
  }
  *cands = std::move(kept);
  std::erase_if(*cands, [&](const Candidate& c) {
    if (common_lowercase_org(d, gaz, c)) return true;
    if (c.tok_end - c.tok_begin != 1) return false;
    if (c.type != EntityType::kPerson && c.type != EntityType::kLocation && c.type != EntityType::kOrganization &&
        c.type != EntityType::kNrp) {
      return false;
    }
    std::string_view w = d.lower(c.tok_begin);
    for (std::string_view t : kTechWords) {
      if (t == w) return true;
    }
    return false;
  });
}

// A postal code right after a place the tagger found ("Arendal 4844",
// "København K 1421", a lone "53650" on the line after "SK") is a ZIP_CODE.
// Inside an address span it stays part of the address (see resolve()).
// Four-digit years are left alone ("Paris 2024").
void zip_after_places(const Doc& d, std::vector<Candidate>* cands) {
  const size_t n0 = cands->size();
  for (size_t k = 0; k < n0; ++k) {
    const Candidate c = (*cands)[k];
    if (c.type != EntityType::kLocation || c.validated) continue;
    int i = c.tok_end;
    if (i < d.size() && d.toks[i].kind == pii::TokenKind::kPunct && d.text[d.toks[i].b0] == ',' &&
        !d.toks[i].nl_before) {
      ++i;
    }
    if (i >= d.size()) continue;
    int e = pii::postal_code_end(d, i);
    if (e < 0) continue;
    // On the next line only when it is the whole line.
    if (d.toks[i].nl_before && e < d.size() && !d.toks[e].nl_before) continue;
    const pii::Token& t = d.toks[i];
    if (e == i + 1 && t.n_digits == 4) {
      std::string_view w = d.raw(i);
      if (w >= "1900" && w <= "2099") continue;
    }
    cands->push_back(Candidate{EntityType::kZip, i, e, 0.7f, false});
  }
}

class PiiRecognizer final : public EntityRecognizer {
 public:
  PiiRecognizer(std::optional<pii::TaggerModel> model, const PiiOptions& options)
      : model_(std::move(model)), options_(options) {}

  std::string_view task() const override { return "pii"; }

  std::vector<Entity> recognize(std::string_view utf8) const override {
    thread_local Doc doc;
    thread_local std::vector<Candidate> cands;
    doc.build(utf8, options_.max_scan_bytes);
    cands.clear();
    pii::scan_structured(doc, &cands);
    if (model_) {
      size_t first = cands.size();
      pii::tag(*model_, doc, &cands);
      if (cands.size() > first) {
        filter_tagger_spans(doc, model_->gaz, &cands);
        fix_titles(doc, &cands);
        zip_after_places(doc, &cands);
      }
    }
    trim_punct(doc, &cands);
    resolve(&cands, options_.min_score);
    std::vector<Entity> out;
    out.reserve(cands.size());
    for (const Candidate& c : cands) {
      const pii::Token& a = doc.toks[c.tok_begin];
      const pii::Token& b = doc.toks[c.tok_end - 1];
      Entity e;
      e.type = std::string(pii::entity_type_name(c.type));
      e.start = a.c0;
      e.end = b.c1;
      e.text = std::string(utf8.substr(a.b0, b.b1 - a.b0));
      e.score = c.score;
      out.push_back(std::move(e));
    }
    return out;
  }

 private:
  std::optional<pii::TaggerModel> model_;
  PiiOptions options_;
};

}  // namespace

EntityRecognizerPtr make_pii_rules_only(const PiiOptions& options) {
  return std::make_unique<PiiRecognizer>(std::nullopt, options);
}

Result<EntityRecognizerPtr> load_pii_recognizer(const std::string& model_dir) {
  return load_pii_recognizer(model_dir, PiiOptions{});
}

Result<EntityRecognizerPtr> load_pii_recognizer(const std::string& model_dir, const PiiOptions& options) {
  std::string dir = model_dir.empty() ? sr::builtin_model_path("pii") : model_dir;
  if (dir.empty()) return fail(ErrorCode::kModelFile, "pii: no built-in models directory found");
  auto model = pii::load_tagger(dir + "/pii_tagger.bin");
  if (!model) return tl::unexpected(model.error());
  return EntityRecognizerPtr(std::make_unique<PiiRecognizer>(std::move(*model), options));
}

// ---------------------------------------------------------------- data

namespace {

namespace fs = std::filesystem;

struct Span {
  EntityType type;
  int start, end;      // code points
  bool piece = false;  // STREET_ADDRESS: one piece of an address written as several spans
};
struct Record {
  std::string text;
  std::vector<Span> spans;
};

// The held-out fifth: fixed, independent of --seed, so train and eval agree.
bool is_heldout(const std::string& text) { return pii::fnv1a(text) % 5 == 0; }

// Development folds for design choices, so the held-out fifth is only used
// for the final numbers: SR_PII_DEV_FOLD=k (1..4) makes train leave out fold
// fnv1a % 5 == k as well and eval score that fold instead of the held-out one.
int dev_fold() {
  const char* v = std::getenv("SR_PII_DEV_FOLD");
  int k = v ? std::atoi(v) : 0;
  return k >= 1 && k <= 4 ? k : 0;
}
bool in_dev_fold(const std::string& text) {
  int k = dev_fold();
  return k > 0 && static_cast<int>(pii::fnv1a(text) % 5) == k;
}

Result<std::vector<Record>> load_json_records(const std::string& path) {
  std::ifstream f(path);
  if (!f) return fail(ErrorCode::kIo, "pii: cannot open " + path);
  nlohmann::json j;
  try {
    f >> j;
  } catch (const std::exception& e) {
    return fail(ErrorCode::kIo, "pii: " + path + ": " + e.what());
  }
  if (!j.is_array()) return fail(ErrorCode::kIo, "pii: " + path + ": expected a JSON array of records");
  std::vector<Record> out;
  for (const auto& r : j) {
    if (!r.contains("full_text") || !r["full_text"].is_string()) continue;
    Record rec;
    rec.text = r["full_text"].get<std::string>();
    if (r.contains("spans") && r["spans"].is_array()) {
      for (const auto& s : r["spans"]) {
        EntityType t;
        if (!s.contains("entity_type") || !pii::parse_entity_type(s["entity_type"].get<std::string>(), &t)) continue;
        rec.spans.push_back({t, s.value("start_position", 0), s.value("end_position", 0)});
      }
    }
    out.push_back(std::move(rec));
  }
  return out;
}

// Records of `data_path`: a directory (the two Presidio files) or one JSON file.
Result<std::vector<Record>> load_records(const std::string& data_path, std::string* templates_dir) {
  std::vector<std::string> files;
  std::error_code ec;
  if (fs::is_directory(data_path, ec)) {
    for (const char* name : {"synth_dataset_v2.json", "generated_large.json"}) {
      fs::path p = fs::path(data_path) / name;
      if (fs::exists(p, ec)) files.push_back(p.string());
    }
    *templates_dir = (fs::path(data_path) / "presidio_templates").string();
  } else {
    files.push_back(data_path);
    *templates_dir = (fs::path(data_path).parent_path() / "presidio_templates").string();
  }
  if (files.empty()) return fail(ErrorCode::kIo, "pii: no data files in " + data_path);
  std::vector<Record> all;
  for (const auto& f : files) {
    auto r = load_json_records(f);
    if (!r) return tl::unexpected(r.error());
    all.insert(all.end(), std::make_move_iterator(r->begin()), std::make_move_iterator(r->end()));
  }
  return all;
}

// How many of the most frequent GloVe words get the kGazCommon bit.
constexpr int kCommonWords = 10000;

// Adds every word of `phrase` (lower-cased, tokenised like requests) with `bits`.
void add_words(pii::Gazetteer* g, std::string_view phrase, uint16_t bits) {
  Doc d;
  d.build(phrase, phrase.size());
  for (int i = 0; i < d.size(); ++i) {
    if (d.toks[i].kind == pii::TokenKind::kWord || d.toks[i].kind == pii::TokenKind::kMixed) {
      g->add(pii::fnv1a(d.lower(i)), bits);
    }
  }
}

// Gazetteers from the Presidio generator tables (see models/pii/README.md for licenses).
pii::Gazetteer build_gazetteer(const std::string& dir) {
  pii::Gazetteer g;
  for (const char* t : {"mr", "mrs", "ms", "miss", "dr", "prof", "sir", "madam", "mx", "rev", "lord", "lady"}) {
    g.add(pii::fnv1a(t), pii::kGazTitle);
  }
  for (const char* s : {"street", "st", "avenue", "ave", "road", "rd", "drive", "dr", "lane", "ln", "boulevard",
                        "blvd", "court", "ct", "way", "place", "pl", "square", "apt", "suite", "unit", "floor",
                        "box", "po", "terrace", "highway", "hwy", "parkway", "circle", "trail"}) {
    g.add(pii::fnv1a(s), pii::kGazStreet);
  }
  std::ifstream f(dir + "/FakeNameGenerator.com_3000.csv");
  std::string line;
  std::vector<std::string> header;
  auto col = [&](const std::vector<std::string>& row, std::string_view name) -> std::string {
    for (size_t i = 0; i < header.size() && i < row.size(); ++i) {
      if (header[i] == name || (i == 0 && header[i].size() > 3 && header[i].substr(3) == name)) return row[i];
    }
    return {};
  };
  if (std::getline(f, line)) header = pii::split_csv_line(line);
  while (std::getline(f, line)) {
    auto row = pii::split_csv_line(line);
    add_words(&g, col(row, "GivenName"), pii::kGazFirstName);
    add_words(&g, col(row, "Surname"), pii::kGazLastName);
    add_words(&g, col(row, "MothersMaiden"), pii::kGazLastName);
    add_words(&g, col(row, "City"), pii::kGazCity);
    add_words(&g, col(row, "CountryFull"), pii::kGazCountry);
    add_words(&g, col(row, "StateFull"), pii::kGazState);
    add_words(&g, col(row, "Occupation"), pii::kGazOccupation);
    add_words(&g, col(row, "Company"), pii::kGazCompany);
    add_words(&g, col(row, "Title"), pii::kGazTitle);
    // Street words only (no numbers): "Avenida", "Noruega", "Koskikatu".
    add_words(&g, col(row, "StreetAddress"), pii::kGazStreet);
  }
  std::ifstream c(dir + "/companies_and_organizations.csv");
  std::getline(c, line);
  while (std::getline(c, line)) add_words(&g, line, pii::kGazCompany);
  std::ifstream n(dir + "/nationalities.csv");
  std::getline(n, line);
  while (std::getline(n, line)) {
    auto row = pii::split_csv_line(line);
    if (row.size() >= 5) {
      add_words(&g, row[0], pii::kGazCountry);
      for (int k = 1; k < 5; ++k) add_words(&g, row[k], pii::kGazNationality);
    }
  }
  std::ifstream r(dir + "/religions.csv");
  std::getline(r, line);
  while (std::getline(r, line)) add_words(&g, line, pii::kGazNationality);
  // The most frequent English words (GloVe vocabulary, frequency order): lets
  // the tagger learn that a capitalised "Return" or "World" is rarely a name.
  std::ifstream v((fs::path(dir).parent_path().parent_path() / "models" / "glove_wink_100d" /
                   "glove_wink_100d_top20k.vocab.txt").string());
  for (int k = 0; k < kCommonWords && std::getline(v, line); ++k) add_words(&g, line, pii::kGazCommon);
  return g;
}

// Generated template sentences added to the training records.
constexpr int kGeneratedSentences = 10000;

// Types the tagger learns; the validated ones (cards, IBAN, SSN, e-mail, IP,
// domains) are left to the rules.
// STREET_ADDRESS appears twice: whole address blocks and address pieces are
// separate tag sets (see mark_address_pieces), both reported as STREET_ADDRESS.
const std::vector<EntityType> kTaggerTypes = {
    EntityType::kPerson, EntityType::kLocation, EntityType::kOrganization, EntityType::kStreetAddress,
    EntityType::kNrp,    EntityType::kTitle,    EntityType::kStreetAddress};
constexpr int kPieceTypeIndex = 6;

// The "one-line joined" view of eval: pieces of STREET_ADDRESS on one line
// separated only by blanks or commas ("28245" "Puruntie 82" "Apt. 595") are
// joined, in gold and predictions alike. Training keeps the pieces.
std::vector<Span> merge_address_pieces(const std::string& text, std::vector<Span> spans) {
  std::vector<uint32_t> byte_of;  // code point -> byte offset
  for (uint32_t b = 0; b < text.size(); ++b) {
    if ((static_cast<unsigned char>(text[b]) & 0xC0) != 0x80) byte_of.push_back(b);
  }
  byte_of.push_back(static_cast<uint32_t>(text.size()));
  auto at = [&](int cp) { return cp >= 0 && cp < static_cast<int>(byte_of.size()) ? byte_of[cp] : text.size(); };
  std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) { return a.start < b.start; });
  std::vector<Span> out;
  for (const Span& s : spans) {
    if (!out.empty() && s.type == EntityType::kStreetAddress && out.back().type == s.type && s.start >= out.back().end) {
      size_t b0 = at(out.back().end), b1 = at(s.start);
      std::string_view gap = b1 >= b0 ? std::string_view(text).substr(b0, b1 - b0) : std::string_view("\n");
      if (gap.find_first_not_of(" ,") == std::string_view::npos) {
        out.back().end = s.end;
        continue;
      }
    }
    out.push_back(s);
  }
  return out;
}

// The Presidio data writes an address either as one STREET_ADDRESS span (the
// whole block, lines, city and ZIP included) or as pieces ("28245" "Puruntie
// 82" "Apt. 595", city/country as LOCATION), depending on the template. A
// span is a piece when another STREET_ADDRESS span follows or precedes it with
// only punctuation, white space and LOCATION/ZIP_CODE spans between them.
void mark_address_pieces(const std::string& text, std::vector<Span>* spans) {
  std::vector<uint32_t> byte_of;  // code point -> byte offset
  for (uint32_t b = 0; b < text.size(); ++b) {
    if ((static_cast<unsigned char>(text[b]) & 0xC0) != 0x80) byte_of.push_back(b);
  }
  byte_of.push_back(static_cast<uint32_t>(text.size()));
  auto at = [&](int cp) { return cp >= 0 && cp < static_cast<int>(byte_of.size()) ? byte_of[cp] : text.size(); };
  std::vector<Span*> addr;
  for (Span& s : *spans) {
    if (s.type == EntityType::kStreetAddress) addr.push_back(&s);
  }
  std::sort(addr.begin(), addr.end(), [](const Span* a, const Span* b) { return a->start < b->start; });
  for (size_t k = 0; k + 1 < addr.size(); ++k) {
    int g0 = addr[k]->end, g1 = addr[k + 1]->start;
    if (g1 < g0) continue;
    bool words = false;
    for (int cp = g0; cp < g1 && !words; ++cp) {
      bool covered = false;
      for (const Span& o : *spans) {
        if ((o.type == EntityType::kLocation || o.type == EntityType::kZip) && o.start <= cp && cp < o.end) {
          covered = true;
          break;
        }
      }
      if (covered) continue;
      unsigned char ch = static_cast<unsigned char>(text[at(cp)]);
      words = ch >= 0x80 || std::isalnum(ch);
    }
    if (!words) addr[k]->piece = addr[k + 1]->piece = true;
  }
}

// Token tags for a record: a token overlapping a span gets its type (B on the
// first); address pieces get the second STREET_ADDRESS tag set.
pii::TaggedDoc to_tagged(const Record& r, const std::vector<EntityType>& types) {
  pii::TaggedDoc td;
  td.text = r.text;
  Doc d;
  d.build(r.text, pii::kMaxScanBytes);
  td.tags.assign(d.size(), 0);
  std::vector<Span> spans = r.spans;
  mark_address_pieces(r.text, &spans);
  for (const Span& s : spans) {
    auto it = std::find(types.begin(), types.end(), s.type);
    if (it == types.end()) continue;
    int k = static_cast<int>(it - types.begin());
    if (s.piece && s.type == EntityType::kStreetAddress && static_cast<int>(types.size()) > kPieceTypeIndex) {
      k = kPieceTypeIndex;
    }
    bool first = true;
    for (int i = 0; i < d.size(); ++i) {
      if (d.toks[i].c1 <= s.start || d.toks[i].c0 >= s.end) continue;
      if (td.tags[i] != 0) break;  // overlapping gold spans: keep the first
      td.tags[i] = static_cast<uint8_t>(first ? 1 + 2 * k : 2 + 2 * k);
      first = false;
    }
  }
  return td;
}

// Gold spans trimmed of surrounding white space (the tokenizer never emits it).
std::vector<Span> trimmed_gold(const Record& r) {
  std::vector<Span> out;
  Doc d;
  d.build(r.text, pii::kMaxScanBytes);
  for (Span s : r.spans) {
    int b = -1, e = -1;
    for (int i = 0; i < d.size(); ++i) {
      if (d.toks[i].c1 <= s.start || d.toks[i].c0 >= s.end) continue;
      if (b < 0) b = d.toks[i].c0;
      e = d.toks[i].c1;
    }
    if (b < 0) continue;
    out.push_back({s.type, std::max(b, s.start), std::min(e, s.end)});
  }
  return out;
}

}  // namespace

int train_pii(const TrainOptions& options) {
  std::string tdir;
  auto recs = load_records(options.data_path, &tdir);
  if (!recs) {
    std::fprintf(stderr, "%s\n", recs.error().message.c_str());
    return 1;
  }
  std::vector<pii::TaggedDoc> docs;
  for (const Record& r : *recs) {
    if (!is_heldout(r.text) && !in_dev_fold(r.text)) docs.push_back(to_tagged(r, kTaggerTypes));
  }
  // Repeated --data: training-only files in the Presidio JSON format (never split).
  for (const std::string& extra : options.extra_data) {
    auto more = load_json_records(extra);
    if (!more) {
      std::fprintf(stderr, "%s\n", more.error().message.c_str());
      return 1;
    }
    for (const Record& r : *more) docs.push_back(to_tagged(r, kTaggerTypes));
  }
  size_t n_records = docs.size();
  // Template sentences (fresh fake identities; never the held-out records).
  auto gen = pii::generate_from_templates(tdir, kGeneratedSentences, options.seed);
  for (auto& g : gen) {
    if (is_heldout(g.text) || in_dev_fold(g.text)) continue;
    Record r{std::move(g.text), {}};
    for (const auto& sp : g.spans) r.spans.push_back({sp.type, sp.start, sp.end});
    docs.push_back(to_tagged(r, kTaggerTypes));
  }
  size_t n_gen = docs.size() - n_records;
  // WNUT-17 train split: noisy real text for PERSON/LOCATION/ORGANIZATION.
  std::string wnut = (fs::path(tdir).parent_path() / "wnut17" / "wnut17train.conll").string();
  for (auto& w : pii::load_wnut(wnut)) {
    Record r{std::move(w.text), {}};
    for (const auto& sp : w.spans) r.spans.push_back({sp.type, sp.start, sp.end});
    docs.push_back(to_tagged(r, kTaggerTypes));
  }
  size_t n_wnut = docs.size() - n_records - n_gen;
  pii::Gazetteer gaz = build_gazetteer(tdir);
  std::fprintf(stderr, "pii: %zu training records (of %zu), %zu template sentences, %zu WNUT-17 sentences, "
               "%zu gazetteer words from %s\n", n_records, recs->size(), n_gen, n_wnut, gaz.size(), tdir.c_str());
  pii::TrainConfig cfg;
  cfg.epochs = options.epochs > 0 ? options.epochs : 12;
  cfg.seed = options.seed;
  cfg.progress = options.progress;
  pii::TaggerModel m = pii::train_tagger(docs, kTaggerTypes, std::move(gaz), cfg);
  std::error_code ec;
  fs::create_directories(options.out_dir, ec);
  std::string path = options.out_dir + "/pii_tagger.bin";
  auto ok = pii::save_tagger(m, path);
  if (!ok) {
    std::fprintf(stderr, "%s\n", ok.error().message.c_str());
    return 1;
  }
  std::fprintf(stderr, "pii: wrote %s\n", path.c_str());
  return 0;
}

namespace {

using Counts = std::map<std::string, std::array<long, 3>>;  // type -> tp, fp, fn

// Prints one precision/recall/F1 table; returns micro F1.
double print_table(const char* title, const Counts& c) {
  long tp = 0, fp = 0, fn = 0;
  double macro = 0;
  int types = 0;
  std::printf("%s\n", title);
  std::printf("%-18s %6s %6s %6s %7s %7s %7s\n", "type", "tp", "fp", "fn", "prec", "recall", "f1");
  for (const auto& [type, x] : c) {
    double p = x[0] + x[1] ? double(x[0]) / (x[0] + x[1]) : 0, r = x[0] + x[2] ? double(x[0]) / (x[0] + x[2]) : 0;
    double f = p + r > 0 ? 2 * p * r / (p + r) : 0;
    std::printf("%-18s %6ld %6ld %6ld %7.3f %7.3f %7.3f\n", type.c_str(), x[0], x[1], x[2], p, r, f);
    tp += x[0], fp += x[1], fn += x[2];
    if (x[0] + x[2] > 0) macro += f, ++types;
  }
  double p = tp + fp ? double(tp) / (tp + fp) : 0, r = tp + fn ? double(tp) / (tp + fn) : 0;
  double micro = p + r > 0 ? 2 * p * r / (p + r) : 0.0;
  std::printf("%-18s %6ld %6ld %6ld %7.3f %7.3f %7.3f\n", "micro", tp, fp, fn, p, r, micro);
  std::printf("macro_f1 %.3f (over %d types with gold spans)\n\n", types ? macro / types : 0.0, types);
  return micro;
}

// Type of each word token (punctuation excluded) under a span list; "" = none.
std::vector<std::string> token_types(const Doc& d, const std::vector<std::tuple<std::string, int, int>>& spans) {
  std::vector<std::string> out(d.size());
  for (const auto& [type, b, e] : spans) {
    for (int i = 0; i < d.size(); ++i) {
      if (d.toks[i].c1 > b && d.toks[i].c0 < e && out[i].empty()) out[i] = type;
    }
  }
  return out;
}

}  // namespace

static bool is_conll(const std::string& path) {
  return path.ends_with(".conll") || path.ends_with(".annotated");
}

int eval_pii(const EvalOptions& options) {
  std::string tdir;
  // A CoNLL file (WNUT-17 dev/test) is evaluated whole, on PERSON/LOCATION/ORGANIZATION only.
  const bool conll = is_conll(options.data_path);
  Result<std::vector<Record>> recs = std::vector<Record>{};
  if (conll) {
    if (!fs::exists(options.data_path)) {
      std::fprintf(stderr, "pii: cannot open %s\n", options.data_path.c_str());
      return 1;
    }
    for (auto& w : pii::load_wnut(options.data_path)) {
      Record r{std::move(w.text), {}};
      for (const auto& sp : w.spans) r.spans.push_back({sp.type, sp.start, sp.end});
      recs->push_back(std::move(r));
    }
  } else {
    recs = load_records(options.data_path, &tdir);
  }
  if (!recs) {
    std::fprintf(stderr, "%s\n", recs.error().message.c_str());
    return 1;
  }
  auto rec = load_pii_recognizer(options.model_dir);
  if (!rec) {
    std::fprintf(stderr, "%s\n", rec.error().message.c_str());
    return 1;
  }
  Counts span_c, merged_c, tok_c;
  size_t n = 0;
  const char* dump = std::getenv("SR_PII_EVAL_DUMP");
  for (const Record& r : *recs) {
    if (!conll && (dev_fold() ? !in_dev_fold(r.text) : !is_heldout(r.text))) continue;
    ++n;
    std::set<std::tuple<std::string, int, int>> gold, pred;
    for (const Span& s : trimmed_gold(r)) gold.insert({std::string(pii::entity_type_name(s.type)), s.start, s.end});
    for (const Entity& e : (*rec)->recognize(r.text)) {
      if (conll && e.type != "PERSON" && e.type != "LOCATION" && e.type != "ORGANIZATION") continue;
      pred.insert({e.type, e.start, e.end});
    }
    for (const auto& g : gold) ++span_c[std::get<0>(g)][pred.count(g) ? 0 : 2];
    for (const auto& p : pred) {
      if (!gold.count(p)) ++span_c[std::get<0>(p)][1];
    }
    // Same, with one-line address pieces joined on both sides (annotation convention).
    {
      auto norm = [&](const std::set<std::tuple<std::string, int, int>>& in) {
        std::vector<Span> v;
        for (const auto& [t, b, e] : in) {
          EntityType et;
          if (pii::parse_entity_type(t, &et)) v.push_back({et, b, e});
        }
        std::set<std::tuple<std::string, int, int>> out;
        for (const Span& sp : merge_address_pieces(r.text, v)) {
          out.insert({std::string(pii::entity_type_name(sp.type)), sp.start, sp.end});
        }
        return out;
      };
      auto mg = norm(gold), mp = norm(pred);
      for (const auto& g : mg) ++merged_c[std::get<0>(g)][mp.count(g) ? 0 : 2];
      for (const auto& p : mp) {
        if (!mg.count(p)) ++merged_c[std::get<0>(p)][1];
      }
    }
    // Token level (as presidio-research's evaluator): each word token's type.
    Doc d;
    d.build(r.text, pii::kMaxScanBytes);
    auto gt = token_types(d, {gold.begin(), gold.end()});
    auto pt = token_types(d, {pred.begin(), pred.end()});
    for (int i = 0; i < d.size(); ++i) {
      if (d.toks[i].kind == pii::TokenKind::kPunct) continue;
      if (!gt[i].empty() && gt[i] == pt[i]) {
        ++tok_c[gt[i]][0];
      } else {
        if (!gt[i].empty()) ++tok_c[gt[i]][2];
        if (!pt[i].empty()) ++tok_c[pt[i]][1];
      }
    }
    // SR_PII_EVAL_DUMP=TYPE prints the records where TYPE was wrong (error analysis).
    if (dump && gold != pred) {
      bool hit = false;
      for (const auto& g : gold) hit |= std::get<0>(g) == dump && !pred.count(g);
      for (const auto& p : pred) hit |= std::get<0>(p) == dump && !gold.count(p);
      if (hit) {
        std::printf("TEXT %s\n", r.text.c_str());
        for (const auto& g : gold) {
          if (!pred.count(g)) std::printf("  miss %s [%d,%d)\n", std::get<0>(g).c_str(), std::get<1>(g), std::get<2>(g));
        }
        for (const auto& p : pred) {
          if (!gold.count(p)) std::printf("  extra %s [%d,%d)\n", std::get<0>(p).c_str(), std::get<1>(p), std::get<2>(p));
        }
      }
    }
  }
  std::printf("pii eval on %zu %s of %s\n\n", n,
              conll ? "sentences (whole file)" : dev_fold() ? "dev-fold records (SR_PII_DEV_FOLD)" : "held-out records",
              options.data_path.c_str());
  print_table("== exact span match (type, start, end) ==", span_c);
  print_table("== exact span match, STREET_ADDRESS pieces on one line joined (gold and predicted) ==", merged_c);
  print_table("== token level (word tokens, as presidio-research) ==", tok_c);
  return 0;
}

}  // namespace sr::signals

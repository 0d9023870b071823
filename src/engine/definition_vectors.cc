#include "engine/definition_vectors.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <unordered_map>
#include <vector>

#include "engine/normalize.h"
#include "engine/tokenizer.h"

namespace sr::engine {
namespace {

// How much each part of a synset says about a word's topic. The definition and
// the synonyms are the word's meaning; a topic domain ("chemistry") is the
// strongest single cue but rare; hypernyms are broader ("titration" ->
// "volumetric analysis") so they count less; usage examples are noisy.
constexpr float kSynonymWeight = 1.0f;
constexpr float kDefinitionWeight = 1.0f;
constexpr float kExampleWeight = 0.3f;
constexpr float kHypernymWeight = 0.5f;
constexpr float kTopicWeight = 2.0f;
// Fewer known context words than this gives a vector dominated by one word.
constexpr uint32_t kMinContextWords = 2;

struct Synset {
  std::vector<std::string> words;     // lemmas, '_' already replaced by ' '
  std::string definition;
  std::string examples;
  std::vector<uint64_t> hypernyms;    // keys (see key_of)
  std::vector<uint64_t> topics;
};

// Synsets are addressed by (file, byte offset); satellites ('s') live in data.adj.
int file_of(char pos) {
  switch (pos) {
    case 'n': return 0;
    case 'v': return 1;
    case 'a': case 's': return 2;
    case 'r': return 3;
    default: return -1;
  }
}
constexpr const char* kFiles[] = {"noun", "verb", "adj", "adv"};
uint64_t key_of(int file, uint64_t offset) { return (offset << 2) | static_cast<uint64_t>(file); }

Error bad_line(const std::string& path, size_t line, const std::string& what) {
  return Error{ErrorCode::kIo, path + ":" + std::to_string(line) + ": " + what};
}

bool parse_uint(const std::string& s, int base, uint64_t& out) {
  if (s.empty()) return false;
  char* end = nullptr;
  errno = 0;
  out = std::strtoull(s.c_str(), &end, base);
  return errno == 0 && end == s.c_str() + s.size();
}

std::string lemma_text(std::string w) {
  if (const size_t paren = w.find('('); paren != std::string::npos) w.resize(paren);  // adjective markers "(a)"
  std::replace(w.begin(), w.end(), '_', ' ');
  return w;
}

// data.<pos>: "offset lex_filenum ss_type w_cnt(hex) {word lex_id}... p_cnt {sym offset pos st}... [frames] | gloss"
Result<uint32_t> read_data(const std::string& path, int file, std::unordered_map<uint64_t, Synset>& out) {
  std::ifstream in(path);
  if (!in) return fail(ErrorCode::kIo, "cannot open " + path);
  uint32_t n = 0;
  size_t lineno = 0;
  for (std::string line; std::getline(in, line);) {
    ++lineno;
    if (line.empty() || line[0] == ' ') continue;  // license header lines start with two spaces
    const size_t bar = line.find(" | ");
    if (bar == std::string::npos) return tl::unexpected(bad_line(path, lineno, "no \" | \" gloss separator"));
    std::istringstream fields(line.substr(0, bar));
    std::string offset_s, lexfile, type, wcnt_s;
    uint64_t offset = 0, wcnt = 0, pcnt = 0;
    if (!(fields >> offset_s >> lexfile >> type >> wcnt_s) || !parse_uint(offset_s, 10, offset) ||
        !parse_uint(wcnt_s, 16, wcnt) || type.size() != 1 || file_of(type[0]) != file || wcnt == 0 || wcnt > 1000) {
      return tl::unexpected(bad_line(path, lineno, "bad synset header"));
    }
    Synset s;
    for (uint64_t i = 0; i < wcnt; ++i) {
      std::string word, lex_id;
      if (!(fields >> word >> lex_id)) return tl::unexpected(bad_line(path, lineno, "fewer words than w_cnt"));
      s.words.push_back(lemma_text(word));
    }
    std::string pcnt_s;
    if (!(fields >> pcnt_s) || !parse_uint(pcnt_s, 10, pcnt) || pcnt > 100000) {
      return tl::unexpected(bad_line(path, lineno, "bad pointer count"));
    }
    for (uint64_t i = 0; i < pcnt; ++i) {
      std::string sym, target_s, pos, source_target;
      uint64_t target = 0;
      if (!(fields >> sym >> target_s >> pos >> source_target) || !parse_uint(target_s, 10, target) ||
          pos.size() != 1 || file_of(pos[0]) < 0) {
        return tl::unexpected(bad_line(path, lineno, "bad pointer " + std::to_string(i)));
      }
      const uint64_t key = key_of(file_of(pos[0]), target);
      if (sym == "@" || sym == "@i") s.hypernyms.push_back(key);
      else if (sym == ";c") s.topics.push_back(key);
    }
    // Gloss: definition, then examples in double quotes.
    const std::string gloss = line.substr(bar + 3);
    const size_t quote = gloss.find('"');
    s.definition = gloss.substr(0, quote);
    if (quote != std::string::npos) s.examples = gloss.substr(quote);
    out.emplace(key_of(file, offset), std::move(s));
    ++n;
  }
  return n;
}

// index.<pos>: "lemma pos synset_cnt p_cnt {ptr_symbol}... sense_cnt tagsense_cnt {synset_offset}..."
// Offsets are in WordNet's sense order (most frequent sense first).
Result<std::vector<std::pair<std::string, std::vector<uint64_t>>>> read_index(const std::string& path, int file) {
  std::ifstream in(path);
  if (!in) return fail(ErrorCode::kIo, "cannot open " + path);
  std::vector<std::pair<std::string, std::vector<uint64_t>>> out;
  size_t lineno = 0;
  for (std::string line; std::getline(in, line);) {
    ++lineno;
    if (line.empty() || line[0] == ' ') continue;
    std::istringstream fields(line);
    std::string lemma, pos, scnt_s, pcnt_s;
    uint64_t scnt = 0, pcnt = 0;
    if (!(fields >> lemma >> pos >> scnt_s >> pcnt_s) || !parse_uint(scnt_s, 10, scnt) || !parse_uint(pcnt_s, 10, pcnt) ||
        scnt == 0 || scnt > 1000 || pcnt > 1000) {
      return tl::unexpected(bad_line(path, lineno, "bad index entry"));
    }
    std::string skip;
    for (uint64_t i = 0; i < pcnt + 2; ++i) {  // pointer symbols, sense_cnt, tagsense_cnt
      if (!(fields >> skip)) return tl::unexpected(bad_line(path, lineno, "index entry ends early"));
    }
    std::vector<uint64_t> keys;
    for (uint64_t i = 0; i < scnt; ++i) {
      std::string off_s;
      uint64_t off = 0;
      if (!(fields >> off_s) || !parse_uint(off_s, 10, off)) {
        return tl::unexpected(bad_line(path, lineno, "fewer synset offsets than synset_cnt"));
      }
      keys.push_back(key_of(file, off));
    }
    out.emplace_back(lemma_text(lemma), std::move(keys));
  }
  return out;
}

// Adds weight * rank_weight * vector of every known word of `text` to acc.
struct Accumulator {
  const WordVectors& wv;
  std::u32string norm;
  std::vector<Token> tokens;
  std::vector<float> acc;
  float weight_sum = 0;
  uint32_t words = 0;

  explicit Accumulator(const WordVectors& v) : wv(v), acc(v.dim, 0.0f) {}
  void reset() {
    std::fill(acc.begin(), acc.end(), 0.0f);
    weight_sum = 0;
    words = 0;
  }
  void add(std::string_view text, float weight, uint64_t skip_hash) {
    normalize_text(text, norm);
    tokenize(norm, tokens);
    for (const Token& t : tokens) {
      const std::u32string_view w = std::u32string_view(norm).substr(t.begin, t.end - t.begin);
      const uint64_t h = word_hash(w);
      if (h == skip_hash) continue;  // the word itself (in its own examples)
      const int32_t row = wv.find(h);
      if (row < 0) continue;
      const float rw = weight * WordVectors::rank_weight(static_cast<uint32_t>(row));
      const float s = rw * wv.scales[static_cast<size_t>(row)];
      const int8_t* v = wv.values.data() + size_t{static_cast<uint32_t>(row)} * wv.dim;
      for (uint32_t d = 0; d < wv.dim; ++d) acc[d] += s * static_cast<float>(v[d]);
      weight_sum += rw;
      ++words;
    }
  }
};

float row_norm(const WordVectors& wv, uint32_t r) {
  const int8_t* v = wv.values.data() + size_t{r} * wv.dim;
  double s = 0;
  for (uint32_t d = 0; d < wv.dim; ++d) s += double(v[d]) * double(v[d]);
  return static_cast<float>(std::sqrt(s) * wv.scales[r]);
}

}  // namespace

Result<DefinitionStats> add_wordnet_vectors(WordVectors& wv, const std::string& dir, const DefinitionOptions& options) {
  const bool phrases = options.phrases;
  const bool concat = options.concat;
  if (wv.dim == 0 || wv.vocab == 0) return fail(ErrorCode::kInternal, "add_wordnet_vectors needs base vectors");
  DefinitionStats stats;
  std::unordered_map<uint64_t, Synset> synsets;
  for (int f = 0; f < 4; ++f) {
    auto n = read_data(dir + "/data." + kFiles[f], f, synsets);
    if (!n) return tl::unexpected(n.error());
    stats.synsets += *n;
  }

  if (wv.row_hashes.size() != wv.vocab) {
    return fail(ErrorCode::kInternal, "add_wordnet_vectors needs the row hashes of training-time vectors");
  }
  std::vector<uint64_t> row_keys = wv.row_hashes;

  // Per word (by hash, so spellings that normalise alike share one row; map
  // order makes the rows deterministic), the weighted context sum over all its
  // senses in all parts of speech.
  struct Pending {
    uint64_t hash;
    std::vector<float> sum;
    float weight = 0;
    uint32_t words = 0;
  };
  std::map<uint64_t, Pending> pending;
  Accumulator ctx(wv);
  std::u32string norm;
  std::vector<Token> tokens;
  for (int f = 0; f < 4; ++f) {
    auto index = read_index(dir + "/index." + kFiles[f], f);
    if (!index) return tl::unexpected(index.error());
    for (const auto& [lemma, keys] : *index) {
      normalize_text(lemma, norm);
      tokenize(norm, tokens);
      if (norm.size() < 3 || tokens.empty() || tokens.size() > (phrases ? 2u : 1u)) continue;  // too short, or longer terms
      auto token = [&](size_t i) { return std::u32string_view(norm).substr(tokens[i].begin, tokens[i].end - tokens[i].begin); };
      auto is_word = [](std::u32string_view w) {
        return w.size() > 1 && !std::all_of(w.begin(), w.end(), [](char32_t c) { return c >= U'0' && c <= U'9'; });
      };
      uint64_t h = 0;
      if (tokens.size() == 1) {
        if (!is_word(token(0))) continue;
        h = word_hash(token(0));
        if (wv.find(h) >= 0 && !concat) continue;  // GloVe has it and no second half is wanted
      } else {
        // A two-word term, even of two known words: "double jeopardy" means
        // more than "double" + "jeopardy". Hyphenated terms tokenize into three.
        if (!is_word(token(0)) || !is_word(token(1))) continue;
        h = bigram_hash(word_hash(token(0)), word_hash(token(1)));
      }
      for (size_t sense = 0; sense < keys.size(); ++sense) {
        const auto it = synsets.find(keys[sense]);
        if (it == synsets.end()) {
          return fail(ErrorCode::kIo, dir + "/index." + kFiles[f] + ": \"" + lemma + "\" points to a synset missing from data." +
                                          kFiles[f]);
        }
        const Synset& s = it->second;
        ctx.reset();
        for (const auto& w : s.words) ctx.add(w, kSynonymWeight, h);
        ctx.add(s.definition, kDefinitionWeight, h);
        ctx.add(s.examples, kExampleWeight, h);
        for (uint64_t k : s.hypernyms) {
          if (auto p = synsets.find(k); p != synsets.end()) for (const auto& w : p->second.words) ctx.add(w, kHypernymWeight, h);
        }
        for (uint64_t k : s.topics) {
          if (auto p = synsets.find(k); p != synsets.end()) for (const auto& w : p->second.words) ctx.add(w, kTopicWeight, h);
        }
        // Senses in frequency order: the first sense is what a prompt most likely means.
        const float sense_weight = 1.0f / static_cast<float>(sense + 1);
        Pending& p = pending[h];
        if (p.sum.empty()) {
          p.hash = h;
          p.sum.assign(wv.dim, 0.0f);
        }
        for (uint32_t d = 0; d < wv.dim; ++d) p.sum[d] += sense_weight * ctx.acc[d];
        p.weight += sense_weight * ctx.weight_sum;
        p.words += ctx.words;
      }
    }
  }
  stats.candidates = static_cast<uint32_t>(pending.size());

  // New vectors get the median norm of the rarer half of GloVe's table, the
  // words they most resemble (a plain mean of many vectors is much shorter).
  std::vector<float> norms;
  for (uint32_t r = wv.vocab / 2; r < wv.vocab; ++r) norms.push_back(row_norm(wv, r));
  std::nth_element(norms.begin(), norms.begin() + norms.size() / 2, norms.end());
  const float target = norms[norms.size() / 2];

  auto finish = [&](Pending& p) {
    if (p.words < kMinContextWords || p.weight <= 0) return false;
    double n2 = 0;
    for (float x : p.sum) n2 += double(x) * double(x);
    if (n2 <= 0) return false;
    const float k = target / static_cast<float>(std::sqrt(n2));
    for (float& x : p.sum) x *= k;
    return true;
  };
  // Rows out: with concat every row is rebuilt as [GloVe | definition] (known
  // words without a usable definition get zeros there, new words their
  // definition twice); without it the known rows stay as they are.
  const uint32_t dim = wv.dim, out_dim = concat ? 2 * dim : dim;
  std::vector<float> scales;
  std::vector<int8_t> values;
  if (!concat) {
    scales = wv.scales;
    values = wv.values;
  }
  std::vector<float> row(out_dim);
  auto push = [&] {
    float mx = 0;
    for (float x : row) mx = std::max(mx, std::fabs(x));
    const float scale = mx > 0 ? mx / 127.0f : 0.0f;
    scales.push_back(scale);
    for (float x : row) values.push_back(scale > 0 ? static_cast<int8_t>(std::lround(x / scale)) : 0);
  };
  if (concat) {
    for (uint32_t r = 0; r < wv.vocab; ++r) {
      for (uint32_t d = 0; d < dim; ++d) row[d] = wv.scales[r] * wv.values[size_t{r} * dim + d];
      auto it = pending.find(row_keys[r]);
      const bool have = it != pending.end() && finish(it->second);
      for (uint32_t d = 0; d < dim; ++d) row[dim + d] = have ? it->second.sum[d] : 0.0f;
      if (it != pending.end()) pending.erase(it);
      push();
    }
  }
  for (auto& [hash, p] : pending) {
    if (!finish(p)) continue;
    for (uint32_t d = 0; d < out_dim; ++d) row[d] = p.sum[d % dim];
    push();
    row_keys.push_back(hash);
    ++stats.added;
  }
  wv.dim = out_dim;
  wv.vocab = static_cast<uint32_t>(row_keys.size());
  wv.scales = std::move(scales);
  wv.values = std::move(values);
  wv.build_table(std::move(row_keys));
  wv.flags |= WordVectors::kInflections | (phrases ? WordVectors::kPhrases : 0u);
  return stats;
}

}  // namespace sr::engine

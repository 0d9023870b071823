// FastTextModel: the committed lid.176.ftz against golden `fasttext
// predict-prob` output, small handcrafted models of every loss / matrix kind
// against the live fastText CLI when it is installed, and one handcrafted
// corrupt file per failure class (each must be rejected with a message, never
// crash or allocate absurdly).
#include "signals/fasttext_model.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

namespace sr::signals {
namespace {

const std::string kSourceDir = SEMROUTER_SOURCE_DIR;
const std::string kLidPath = kSourceDir + "/models/language/lid.176.ftz";

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Parses one line of `fasttext predict-prob` output: "label prob label prob ...".
std::vector<std::pair<std::string, double>> parse_ref(const std::string& line) {
  std::vector<std::pair<std::string, double>> out;
  std::istringstream in(line);
  std::string label;
  double p;
  while (in >> label >> p) out.emplace_back(label, p);
  return out;
}

// fastText prints probabilities with 6 significant digits.
void expect_same(const FastTextModel& m, const std::vector<FastTextPrediction>& got,
                 const std::vector<std::pair<std::string, double>>& want, const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(m.labels()[size_t(got[i].label)], want[i].first) << what << " rank " << i;
    EXPECT_NEAR(got[i].prob, want[i].second, 1e-5 * want[i].second + 1e-9) << what << " rank " << i;
  }
}

TEST(FastTextModel, LoadsLid176) {
  auto m = FastTextModel::load_file(kLidPath);
  ASSERT_TRUE(m) << m.error().message;
  const FastTextModel& model = **m;
  EXPECT_EQ(model.version(), 12);
  EXPECT_EQ(model.args().dim, 16);
  EXPECT_EQ(model.args().loss, FastTextLoss::kHierarchicalSoftmax);
  EXPECT_EQ(model.args().minn, 2);
  EXPECT_EQ(model.args().maxn, 4);
  EXPECT_EQ(model.labels().size(), 176u);
  EXPECT_EQ(model.labels()[0], "__label__en");
  EXPECT_TRUE(model.quantized());
  EXPECT_EQ(model.word_count(), 7235);
  EXPECT_EQ(model.input_rows(), 50000);
}

TEST(FastTextModel, MatchesGoldenFastTextOutput) {
  auto m = FastTextModel::load_file(kLidPath);
  ASSERT_TRUE(m) << m.error().message;
  // text \t output of `fasttext predict-prob lid.176.ftz - 3` (fastText 0.9.2).
  std::ifstream in(kSourceDir + "/tests/unit/signals/data/language_fasttext_golden.tsv");
  ASSERT_TRUE(in);
  std::string line;
  std::vector<FastTextPrediction> got;
  int n = 0;
  while (std::getline(in, line)) {
    auto tab = line.find('\t');
    ASSERT_NE(tab, std::string::npos);
    std::string text = line.substr(0, tab);
    (*m)->predict(text, 3, got);
    expect_same(**m, got, parse_ref(line.substr(tab + 1)), text);
    ++n;
  }
  EXPECT_GE(n, 80);
}

// ---------------------------------------------------------------------------
// A writer of small fastText model files, so every loss and matrix kind (and
// every corruption) can be produced without training.

struct Spec {
  int32_t version = 12;
  int32_t dim = 6;
  int32_t word_ngrams = 1;
  int32_t loss = 3;  // softmax
  int32_t model = 3;
  int32_t bucket = 997;
  int32_t minn = 2;
  int32_t maxn = 3;
  std::vector<std::pair<std::string, int64_t>> words = {
      {"</s>", 100}, {"the", 50}, {"und", 40}, {"le", 30}, {"katze", 20}, {"chat", 10}};
  std::vector<std::pair<std::string, int64_t>> labels = {
      {"__label__en", 90}, {"__label__de", 60}, {"__label__fr", 55}, {"__label__es", 7}, {"__label__it", 3}};
  bool quant = false;
  bool qnorm = false;
  bool qout = false;
  int32_t dsub = 2;
  int64_t prune_size = -1;  // > 0: keep this many random buckets
  uint32_t seed = 1;
};

struct Built {
  std::string bytes;
  std::map<std::string, size_t> at;  // offsets of fields, for corrupting them
};

class Writer {
 public:
  template <class T>
  void put(const T& v) {
    out.append(reinterpret_cast<const char*>(&v), sizeof(T));
  }
  void mark(const std::string& name, Built& b) { b.at[name] = out.size(); }
  std::string out;
};

Built build(const Spec& s) {
  Built b;
  Writer w;
  std::mt19937 rng(s.seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  w.put<int32_t>(793712314);
  w.mark("version", b);
  w.put<int32_t>(s.version);
  w.mark("dim", b);
  w.put<int32_t>(s.dim);
  for (int32_t v : {5, 5, 1, 5}) w.put(v);  // ws epoch minCount neg
  w.put(s.word_ngrams);
  w.mark("loss", b);
  w.put(s.loss);
  w.mark("model", b);
  w.put(s.model);
  w.put(s.bucket);
  w.put(s.minn);
  w.put(s.maxn);
  w.put<int32_t>(100);
  w.put<double>(1e-4);
  const int32_t nwords = int32_t(s.words.size()), nlabels = int32_t(s.labels.size());
  w.mark("dict_size", b);
  w.put<int32_t>(nwords + nlabels);
  w.put(nwords);
  w.mark("nlabels", b);
  w.put(nlabels);
  w.put<int64_t>(1000);
  w.mark("prune_size", b);
  w.put<int64_t>(s.prune_size);
  w.mark("entries", b);
  for (const auto& [word, count] : s.words) {
    w.out += word;
    w.out.push_back('\0');
    w.put(count);
    w.put<int8_t>(0);
  }
  for (const auto& [label, count] : s.labels) {
    w.out += label;
    w.out.push_back('\0');
    w.put(count);
    w.put<int8_t>(1);
  }
  int64_t ngram_rows = s.bucket;
  if (s.prune_size >= 0) {
    w.mark("prune_pairs", b);
    std::vector<int32_t> keys(size_t(s.bucket));
    for (int32_t i = 0; i < s.bucket; ++i) keys[size_t(i)] = i;
    std::shuffle(keys.begin(), keys.end(), rng);
    for (int64_t i = 0; i < s.prune_size; ++i) {
      w.put<int32_t>(keys[size_t(i)]);
      w.put<int32_t>(int32_t(i));
    }
    ngram_rows = s.prune_size;
  }
  auto write_pq = [&](int32_t dim, int32_t dsub, const std::string& name) {
    int32_t nsubq = (dim + dsub - 1) / dsub, last = dim % dsub ? dim % dsub : dsub;
    w.mark(name + "_pq", b);
    w.put(dim);
    w.put(nsubq);
    w.put(dsub);
    w.put(last);
    for (int32_t i = 0; i < dim * 256; ++i) w.put<float>(normal(rng) * 0.5f + (name == "norm" ? 1.0f : 0.0f));
    return nsubq;
  };
  auto write_matrix = [&](bool quant, int64_t m, const std::string& name) {
    if (!quant) {
      w.mark(name + "_m", b);
      w.put<int64_t>(m);
      w.put<int64_t>(s.dim);
      for (int64_t i = 0; i < m * s.dim; ++i) w.put<float>(normal(rng));
      return;
    }
    w.mark(name + "_qnorm", b);
    w.put<uint8_t>(s.qnorm);
    w.mark(name + "_m", b);
    w.put<int64_t>(m);
    w.put<int64_t>(s.dim);
    int32_t nsubq = (s.dim + s.dsub - 1) / s.dsub;
    w.mark(name + "_codesize", b);
    w.put<int32_t>(int32_t(m * nsubq));
    for (int64_t i = 0; i < m * nsubq; ++i) w.put<uint8_t>(uint8_t(rng()));
    write_pq(s.dim, s.dsub, name);
    if (s.qnorm) {
      for (int64_t i = 0; i < m; ++i) w.put<uint8_t>(uint8_t(rng()));
      write_pq(1, 1, "norm");
    }
  };
  w.mark("quant_input", b);
  w.put<uint8_t>(s.quant);
  write_matrix(s.quant, nwords + ngram_rows, "input");
  w.mark("qout", b);
  w.put<uint8_t>(s.qout);
  write_matrix(s.quant && s.qout, nlabels, "output");
  b.bytes = std::move(w.out);
  return b;
}

const std::vector<std::string> kProbeTexts = {
    "the katze und le chat",
    "chat chat chat",
    "unknown words only here",
    "",
    "the",
    "Grüße aus Köln, ça va très bien — ¿qué tal?",
    "__label__en the cat",
    "a b c d e f g h i j k l m n o p",
    "日本語 と English を mix した text",
};

template <class F>
void set_at(std::string& bytes, size_t offset, F value) {
  std::memcpy(bytes.data() + offset, &value, sizeof(F));
}

TEST(FastTextModel, TinyModelsLoadForEveryKind) {
  for (int loss : {1, 2, 3, 4}) {
    for (bool quant : {false, true}) {
      Spec s;
      s.loss = loss;
      s.quant = quant;
      s.qnorm = quant;
      s.qout = quant && loss != 1;
      s.prune_size = quant ? 300 : -1;
      s.word_ngrams = loss == 2 ? 2 : 1;
      auto b = build(s);
      auto m = FastTextModel::load_bytes(b.bytes, "tiny");
      ASSERT_TRUE(m) << "loss " << loss << " quant " << quant << ": " << m.error().message;
      std::vector<FastTextPrediction> got;
      for (const auto& t : kProbeTexts) {
        (*m)->predict(t, 5, got);
        ASSERT_GE(got.size(), 1u) << t;
        for (size_t i = 1; i < got.size(); ++i) EXPECT_GE(got[i - 1].prob, got[i].prob);
        if (loss == 1 || loss == 3) {
          double sum = 0;
          for (const auto& p : got) sum += p.prob;
          EXPECT_NEAR(sum, 1.0, 1e-3) << "loss " << loss << " text '" << t << "'";
        }
      }
    }
  }
}

// Runs the reference CLI on a model and lines; "" when fastText is absent.
std::string run_fasttext(const std::string& model_path, const std::string& input_path, int k) {
  std::string cmd = "fasttext predict-prob '" + model_path + "' '" + input_path + "' " + std::to_string(k) + " 2>/dev/null";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return "";
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  pclose(p);
  return out;
}

bool have_fasttext() { return std::system("command -v fasttext >/dev/null 2>&1") == 0; }

void compare_with_cli(const std::string& model_path, const std::vector<std::string>& lines, int k) {
  auto m = FastTextModel::load_file(model_path);
  ASSERT_TRUE(m) << m.error().message;
  auto dir = std::filesystem::temp_directory_path();
  std::string input = (dir / ("ft_lines_" + std::to_string(::getpid()) + ".txt")).string();
  {
    std::ofstream out(input, std::ios::binary);
    for (const auto& l : lines) out << l << '\n';
  }
  std::istringstream ref(run_fasttext(model_path, input, k));
  std::filesystem::remove(input);
  std::string ref_line;
  std::vector<FastTextPrediction> got;
  size_t i = 0;
  for (; i < lines.size() && std::getline(ref, ref_line); ++i) {
    (*m)->predict(lines[i], k, got);
    expect_same(**m, got, parse_ref(ref_line), "line " + std::to_string(i));
    if (::testing::Test::HasFailure()) return;
  }
  EXPECT_EQ(i, lines.size()) << "fastText printed fewer lines";
}

// Lines of random bytes (no newline, no literal "</s>", which splits a line
// in the CLI) plus mixed-script text.
std::vector<std::string> random_lines(uint32_t seed, int n) {
  std::mt19937 rng(seed);
  std::vector<std::string> lines = kProbeTexts;
  lines.erase(lines.begin() + 3);  // the CLI prints nothing for an empty last line
  for (int i = 0; i < n; ++i) {
    std::string l;
    int len = int(rng() % 120) + 1;
    for (int j = 0; j < len; ++j) {
      char c = char(rng() % 4 == 0 ? ' ' : rng() % 256);
      if (c == '\n') c = ' ';
      l.push_back(c);
    }
    if (l.find("</s>") != std::string::npos) continue;
    lines.push_back(l);
  }
  return lines;
}

TEST(FastTextModel, MatchesFastTextCliOnLid176) {
  if (!have_fasttext()) GTEST_SKIP() << "fasttext CLI not installed (apt-get install fasttext)";
  compare_with_cli(kLidPath, random_lines(11, 400), 3);
}

TEST(FastTextModel, MatchesFastTextCliOnEveryLossAndMatrixKind) {
  if (!have_fasttext()) GTEST_SKIP() << "fasttext CLI not installed (apt-get install fasttext)";
  auto dir = std::filesystem::temp_directory_path();
  for (int loss : {1, 2, 3, 4}) {
    for (int variant = 0; variant < 5; ++variant) {
      Spec s;
      s.loss = loss;
      s.seed = uint32_t(loss * 10 + variant);
      s.quant = variant == 1 || variant == 2;
      s.qnorm = variant == 2;
      s.qout = variant == 2;
      s.prune_size = variant == 1 ? 400 : -1;
      s.word_ngrams = variant == 2 || variant == 4 ? 3 : 1;
      s.dsub = variant == 2 ? 4 : 2;  // 6 % 4 != 0: exercises the short last sub-quantizer
      if (variant == 3) s.version = 11;  // format 11: char n-grams off for supervised models
      if (variant == 4) s.maxn = 0;      // word n-grams only
      std::string path = (dir / ("ft_tiny_" + std::to_string(::getpid()) + ".ftz")).string();
      {
        std::ofstream out(path, std::ios::binary);
        out << build(s).bytes;
      }
      SCOPED_TRACE("loss " + std::to_string(loss) + " variant " + std::to_string(variant));
      compare_with_cli(path, random_lines(uint32_t(loss + variant), 60), 5);
      std::filesystem::remove(path);
      if (HasFailure()) return;
    }
  }
}

// ---------------------------------------------------------------------------
// Corrupt files: each is rejected with a message naming the problem.

void expect_rejected(const std::string& bytes, const std::string& needle) {
  auto m = FastTextModel::load_bytes(bytes, "bad.ftz");
  ASSERT_FALSE(m) << "accepted a corrupt file (expected: " << needle << ")";
  EXPECT_EQ(m.error().code, ErrorCode::kModelFile);
  EXPECT_NE(m.error().message.find(needle), std::string::npos) << m.error().message;
  EXPECT_EQ(m.error().message.rfind("bad.ftz", 0), 0u) << m.error().message;
}

TEST(FastTextModel, RejectsBadHeader) {
  Spec s;
  auto b = build(s);
  expect_rejected("", "truncated while reading magic");
  std::string bad = b.bytes;
  bad[0] ^= 1;
  expect_rejected(bad, "bad magic");
  bad = b.bytes;
  set_at<int32_t>(bad, b.at["version"], 13);
  expect_rejected(bad, "unsupported fastText format version 13");
  set_at<int32_t>(bad, b.at["version"], 10);
  expect_rejected(bad, "unsupported fastText format version 10");
  bad = b.bytes;
  set_at<int32_t>(bad, b.at["dim"], 0);
  expect_rejected(bad, "args.dim 0");
  set_at<int32_t>(bad, b.at["dim"], 1 << 30);
  expect_rejected(bad, "args.dim");
  bad = b.bytes;
  set_at<int32_t>(bad, b.at["loss"], 9);
  expect_rejected(bad, "args.loss 9");
  bad = b.bytes;
  set_at<int32_t>(bad, b.at["model"], 1);
  expect_rejected(bad, "not a supervised");
}

TEST(FastTextModel, RejectsBadDictionary) {
  Spec s;
  auto b = build(s);
  std::string bad = b.bytes;
  set_at<int32_t>(bad, b.at["dict_size"], 0x7fffffff);
  expect_rejected(bad, "dictionary counts inconsistent");
  bad = b.bytes;  // consistent but absurd: must fail on length, not allocate
  set_at<int32_t>(bad, b.at["dict_size"], 0x7ffffff0);
  set_at<int32_t>(bad, b.at["dict_size"] + 4, 0x7ffffff0 - 5);
  expect_rejected(bad, "truncated while reading dictionary (2147483632 entries announced)");
  bad = b.bytes;
  set_at<int32_t>(bad, b.at["nlabels"], 0);
  expect_rejected(bad, "dictionary counts inconsistent");
  bad = b.bytes;
  set_at<int64_t>(bad, b.at["prune_size"], int64_t(1) << 40);
  expect_rejected(bad, "prune index");
  bad = b.bytes;
  set_at<int64_t>(bad, b.at["prune_size"], -5);
  expect_rejected(bad, "prune index size is negative");
  // Type byte of the first word ("</s>\0" + count) set to "label".
  bad = b.bytes;
  bad[b.at["entries"] + 5 + 8] = 1;
  expect_rejected(bad, "dictionary entry 0 has type 1");
  Spec dup;
  dup.words[3].first = "und";
  expect_rejected(build(dup).bytes, "duplicate word 'und'");
  Spec dupl;
  dupl.labels[2].first = "__label__en";
  expect_rejected(build(dupl).bytes, "duplicate label");
  Spec huge;  // would overflow fastText's Huffman sentinel
  huge.loss = 1;
  huge.labels[0].second = int64_t(1) << 60;
  expect_rejected(build(huge).bytes, "label counts too large");
}

TEST(FastTextModel, RejectsBadMatrices) {
  Spec s;
  s.quant = true;
  s.qnorm = true;
  s.prune_size = 200;
  auto b = build(s);
  ASSERT_TRUE(FastTextModel::load_bytes(b.bytes, "ok")) << "baseline must load";
  std::string bad = b.bytes;
  bad[b.at["quant_input"]] = 2;
  expect_rejected(bad, "input quantization flag is not 0 or 1");
  bad = b.bytes;
  bad[b.at["input_qnorm"]] = 7;
  expect_rejected(bad, "qnorm flag is not 0 or 1");
  bad = b.bytes;
  set_at<int64_t>(bad, b.at["input_m"], int64_t(1) << 50);
  expect_rejected(bad, "codesize");
  bad = b.bytes;
  set_at<int32_t>(bad, b.at["input_codesize"], 0x7ffffff0);
  expect_rejected(bad, "truncated while reading input codes");
  bad = b.bytes;
  set_at<int32_t>(bad, b.at["input_pq"] + 8, 5);  // dsub 5 with nsubq 3
  expect_rejected(bad, "inconsistent");
  bad = b.bytes;
  set_at<float>(bad, b.at["input_pq"] + 16, std::nanf(""));
  expect_rejected(bad, "NaN");
  bad = b.bytes;
  bad[b.at["qout"]] = 3;
  expect_rejected(bad, "output quantization flag");
  bad = b.bytes;
  set_at<int64_t>(bad, b.at["output_m"], 4);
  expect_rejected(bad, "expected one per label");
  bad = b.bytes + "x";
  expect_rejected(bad, "trailing");
  // Dense output with absurd row count must not allocate.
  bad = b.bytes;
  set_at<int64_t>(bad, b.at["output_m"], int64_t(1) << 60);
  expect_rejected(bad, "truncated while reading output matrix data");

  // A pruned dictionary needs a quantized input matrix, as in fastText.
  Spec dense_pruned;
  dense_pruned.prune_size = 100;
  expect_rejected(build(dense_pruned).bytes, "pruned dictionary with a dense input matrix");
  // Too few input rows for the hash buckets.
  Spec few;
  auto fb = build(few);
  set_at<int64_t>(fb.bytes, fb.at["input_m"], 3);
  expect_rejected(fb.bytes, "input matrix has 3 rows");
}

TEST(FastTextModel, RejectsEveryTruncation) {
  Spec s;
  s.quant = true;
  s.qnorm = true;
  s.qout = true;
  s.prune_size = 50;
  auto b = build(s);
  ASSERT_TRUE(FastTextModel::load_bytes(b.bytes, "ok"));
  for (size_t len = 0; len < b.bytes.size(); len += (len < 400 ? 1 : 97)) {
    auto m = FastTextModel::load_bytes(std::string_view(b.bytes).substr(0, len), "cut");
    EXPECT_FALSE(m) << "prefix of " << len << " bytes accepted";
    if (!m) {
      EXPECT_NE(m.error().message.find("truncated"), std::string::npos) << len << ": " << m.error().message;
    }
  }
  // The real model, cut at many points.
  std::string lid = read_file(kLidPath);
  ASSERT_GT(lid.size(), 900000u);
  for (size_t len = 0; len < lid.size(); len += 4099) {
    EXPECT_FALSE(FastTextModel::load_bytes(std::string_view(lid).substr(0, len), "lid-cut")) << len;
  }
}

TEST(FastTextModel, SurvivesRandomByteFlips) {
  Spec s;
  s.quant = true;
  s.qnorm = true;
  s.prune_size = 120;
  s.loss = 1;
  auto b = build(s);
  std::mt19937 rng(5);
  std::vector<FastTextPrediction> got;
  int loaded = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string bad = b.bytes;
    int flips = 1 + int(rng() % 4);
    for (int f = 0; f < flips; ++f) bad[rng() % bad.size()] = char(rng());
    auto m = FastTextModel::load_bytes(bad, "flip");
    if (!m) continue;
    ++loaded;
    for (const auto& t : kProbeTexts) (*m)->predict(t, 3, got);
  }
  EXPECT_GT(loaded, 0);  // flips inside float data still load; they must predict safely
}

TEST(FastTextModel, MissingFileIsAnError) {
  auto m = FastTextModel::load_file("/nonexistent/dir/model.ftz");
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code, ErrorCode::kModelFile);
  EXPECT_NE(m.error().message.find("/nonexistent/dir/model.ftz"), std::string::npos);
}

TEST(FastTextModel, SentenceVectorIsAverageOfRows) {
  auto m = FastTextModel::load_file(kLidPath);
  ASSERT_TRUE(m);
  std::vector<float> v;
  (*m)->sentence_vector("hello world", v);
  ASSERT_EQ(v.size(), 16u);
  float norm = 0;
  for (float x : v) norm += x * x;
  EXPECT_GT(norm, 0.0f);
}

}  // namespace
}  // namespace sr::signals

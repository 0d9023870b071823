#include "signals/text_classifier.h"

#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>

#include "base/paths.h"
#include "engine/hashing.h"
#include "engine/definition_vectors.h"
#include "engine/line_reader.h"
#include "engine/model_file.h"
#include "engine/normalize.h"

namespace sr::signals {
namespace {

// Per-thread scratch: the hot path reuses these buffers instead of allocating.
struct Scratch {
  engine::FeatureScratch features;
  std::vector<float> probs;
};
Scratch& scratch() {
  thread_local Scratch s;
  return s;
}

}  // namespace

TextClassifier::TextClassifier(std::string task, engine::LinearModel model)
    : task_(std::move(task)), model_(std::move(model)) {}

Classification TextClassifier::classify(std::string_view utf8) const {
  Scratch& s = scratch();
  engine::extract_features(model_.features, utf8, s.features, model_.word_vectors());
  s.probs.resize(model_.num_classes());
  model_.probabilities(s.features, s.probs.data());
  const size_t k = model_.decide(s.probs.data());
  Classification c;
  c.label = model_.labels[k];
  c.confidence = s.probs[k];
  c.positive = model_.positive_class >= 0 ? s.probs[static_cast<size_t>(model_.positive_class)] : c.confidence;
  return c;
}

void TextClassifier::probabilities(std::string_view utf8, std::vector<float>& out) const {
  Scratch& s = scratch();
  engine::extract_features(model_.features, utf8, s.features, model_.word_vectors());
  out.resize(model_.num_classes());
  model_.probabilities(s.features, out.data());
}

Result<std::unique_ptr<const TextClassifier>> load_text_classifier(const std::string& task, const std::string& model_dir,
                                                                    const std::vector<std::string>& expected_labels) {
  std::string dir = model_dir;
  if (dir.empty()) {
    dir = builtin_model_path(task);
    if (dir.empty()) return fail(ErrorCode::kModelFile, task + ": built-in models directory not found (set SEMROUTER_MODELS_DIR)");
  }
  auto model = engine::load_linear_model(dir + "/" + std::string(kModelFileName));
  if (!model) return tl::unexpected(Error{model.error().code, "loading " + task + " model: " + model.error().message});
  if (!expected_labels.empty() && model->labels != expected_labels) {
    return fail(ErrorCode::kModelFile, dir + ": model labels do not match the " + task + " task");
  }
  return std::make_unique<const TextClassifier>(task, std::move(*model));
}

Result<std::vector<LabeledText>> read_labeled_jsonl(const std::string& path, std::string_view label_field,
                                                    const LabelMap& map, size_t* skipped) {
  auto reader = engine::LineReader::open(path);
  if (!reader) return tl::unexpected(reader.error());
  simdjson::dom::parser parser;
  std::vector<LabeledText> rows;
  std::string line;
  size_t bad = 0;
  while (reader->next(line)) {
    if (line.empty()) continue;
    simdjson::dom::element doc;
    std::string_view text, raw;
    if (parser.parse(line).get(doc) != simdjson::SUCCESS || doc["text"].get(text) != simdjson::SUCCESS ||
        doc[label_field].get(raw) != simdjson::SUCCESS) {
      ++bad;
      continue;
    }
    auto label = map(raw);
    if (!label) continue;
    rows.push_back({std::string(text), std::move(*label), std::string(raw)});
  }
  if (reader->failed()) return fail(ErrorCode::kIo, path + ": read or decompression error");
  if (skipped != nullptr) *skipped = bad;
  return rows;
}

uint32_t split_bucket(std::string_view text) {
  const std::string norm = engine::normalize_to_utf8(text);
  std::string collapsed;
  collapsed.reserve(norm.size());
  for (char c : norm) {
    if (c == ' ') {
      if (!collapsed.empty() && collapsed.back() != ' ') collapsed.push_back(' ');
    } else {
      collapsed.push_back(c);
    }
  }
  while (!collapsed.empty() && collapsed.back() == ' ') collapsed.pop_back();
  return static_cast<uint32_t>(engine::hash_bytes(collapsed, 0x5e11) % 100);
}

Split split_of(std::string_view text) {
  const uint32_t b = split_bucket(text);
  return b < 10 ? Split::kTest : (b < 20 ? Split::kCalib : Split::kTrain);
}

EvalReport make_report(const std::vector<std::string>& labels, const std::vector<uint32_t>& gold,
                       const std::vector<uint32_t>& predicted, const std::vector<float>* confidence) {
  EvalReport r;
  const size_t c = labels.size();
  r.labels = labels;
  r.confusion.assign(c, std::vector<uint64_t>(c, 0));
  for (size_t i = 0; i < gold.size(); ++i) r.confusion[gold[i]][predicted[i]]++;
  r.total = gold.size();
  uint64_t correct = 0;
  r.precision.assign(c, 0);
  r.recall.assign(c, 0);
  r.f1.assign(c, 0);
  r.support.assign(c, 0);
  size_t present = 0;
  for (size_t k = 0; k < c; ++k) {
    uint64_t tp = r.confusion[k][k], pred = 0, gold_n = 0;
    for (size_t j = 0; j < c; ++j) {
      pred += r.confusion[j][k];
      gold_n += r.confusion[k][j];
    }
    correct += tp;
    r.support[k] = gold_n;
    r.precision[k] = pred ? static_cast<double>(tp) / pred : 0.0;
    r.recall[k] = gold_n ? static_cast<double>(tp) / gold_n : 0.0;
    const double pr = r.precision[k] + r.recall[k];
    r.f1[k] = pr > 0 ? 2 * r.precision[k] * r.recall[k] / pr : 0.0;
    // Macro-F1 over classes present in the gold data, so a subset eval is not
    // punished for classes it does not contain.
    if (gold_n > 0) {
      r.macro_f1 += r.f1[k];
      ++present;
    }
  }
  r.macro_f1 = present ? r.macro_f1 / present : 0.0;
  r.accuracy = r.total ? static_cast<double>(correct) / r.total : 0.0;
  if (confidence != nullptr && confidence->size() == gold.size() && !gold.empty()) {
    constexpr int kBins = 10;
    double conf_sum[kBins] = {}, right[kBins] = {}, n[kBins] = {};
    for (size_t i = 0; i < gold.size(); ++i) {
      const double p = std::clamp(static_cast<double>((*confidence)[i]), 0.0, 1.0);
      const int b = std::min(kBins - 1, static_cast<int>(p * kBins));
      conf_sum[b] += p;
      right[b] += gold[i] == predicted[i];
      n[b] += 1;
      r.mean_confidence += p;
    }
    for (int b = 0; b < kBins; ++b) r.ece += std::fabs(conf_sum[b] - right[b]) / static_cast<double>(gold.size());
    r.mean_confidence /= static_cast<double>(gold.size());
    r.has_calibration = true;
  }
  return r;
}

void print_report(FILE* out, const std::string& title, const EvalReport& r) {
  std::fprintf(out, "== %s ==\n", title.c_str());
  std::fprintf(out, "examples  %llu\naccuracy  %.4f\nmacro-F1  %.4f\n\n", static_cast<unsigned long long>(r.total),
               r.accuracy, r.macro_f1);
  if (r.has_calibration) {
    std::fprintf(out, "calibration  ECE %.4f (10 bins), mean confidence %.4f vs accuracy %.4f\n\n", r.ece,
                 r.mean_confidence, r.accuracy);
  }
  std::fprintf(out, "%-18s %9s %9s %9s %8s\n", "class", "precision", "recall", "f1", "support");
  for (size_t k = 0; k < r.labels.size(); ++k) {
    std::fprintf(out, "%-18s %9.4f %9.4f %9.4f %8llu\n", r.labels[k].c_str(), r.precision[k], r.recall[k], r.f1[k],
                 static_cast<unsigned long long>(r.support[k]));
  }
  std::fprintf(out, "\nconfusion matrix (rows = gold, columns = predicted):\n%-18s", "");
  for (size_t k = 0; k < r.labels.size(); ++k) std::fprintf(out, " %5.5s", r.labels[k].c_str());
  std::fprintf(out, "\n");
  for (size_t g = 0; g < r.labels.size(); ++g) {
    std::fprintf(out, "%-18s", r.labels[g].c_str());
    for (size_t p = 0; p < r.labels.size(); ++p) std::fprintf(out, " %5llu", static_cast<unsigned long long>(r.confusion[g][p]));
    std::fprintf(out, "\n");
  }
  std::fprintf(out, "\n");
}

std::string find_glove_dir(const std::string& data_path) {
  namespace fs = std::filesystem;
  if (const char* env = std::getenv("SEMROUTER_GLOVE_DIR"); env != nullptr && *env) return env;
  std::error_code ec;
  const fs::path dir = fs::path(data_path).parent_path().parent_path() / "models" / "glove_wink_100d";
  if (fs::exists(dir / "glove_wink_100d_top20k.f16.bin", ec)) return dir.string();
  return {};
}

std::optional<engine::WordVectors> load_training_vectors(const std::string& data_path, const char* who) {
  const std::string dir = find_glove_dir(data_path);
  if (dir.empty()) {
    std::fprintf(stderr, "%s: no GloVe vectors found (set SEMROUTER_GLOVE_DIR); training without them\n", who);
    return engine::WordVectors{};
  }
  auto wv = engine::load_glove_f16(dir);
  if (!wv) {
    std::fprintf(stderr, "%s: %s\n", who, wv.error().message.c_str());
    return std::nullopt;
  }
  std::fprintf(stderr, "%s: %u GloVe word vectors from %s\n", who, wv->vocab, dir.c_str());
  return std::move(*wv);
}

bool add_definition_vectors(engine::WordVectors& vectors, const char* who) {
  namespace fs = std::filesystem;
  std::string dir = "/usr/share/wordnet";  // Debian's wordnet-base
  if (const char* env = std::getenv("SEMROUTER_WORDNET_DIR"); env != nullptr && *env) dir = env;
  std::error_code ec;
  if (vectors.empty() || dir == "none" || !fs::exists(fs::path(dir) / "data.noun", ec)) {
    std::fprintf(stderr, "%s: no WordNet in %s (apt install wordnet-base, or set SEMROUTER_WORDNET_DIR); "
                 "training without definition vectors\n", who, dir.c_str());
    return true;
  }
  auto stats = engine::add_wordnet_vectors(vectors, dir);
  if (!stats) {
    std::fprintf(stderr, "%s: %s\n", who, stats.error().message.c_str());
    return false;
  }
  std::fprintf(stderr, "%s: WordNet definitions from %s (%u synsets): %u new words and two-word terms, %u-d rows\n", who,
               dir.c_str(), stats->synsets, stats->added, vectors.dim);
  return true;
}

void draw_progress(double fraction, double loss) {
  constexpr int kWidth = 30;
  const int filled = static_cast<int>(std::clamp(fraction, 0.0, 1.0) * kWidth);
  char bar[kWidth + 1];
  for (int i = 0; i < kWidth; ++i) bar[i] = i < filled ? '#' : ' ';
  bar[kWidth] = '\0';
  std::fprintf(stderr, "\r[%s] %3d%%  loss %.4f", bar, static_cast<int>(fraction * 100), loss);
  if (fraction >= 1.0) std::fprintf(stderr, "\n");
  std::fflush(stderr);
}

}  // namespace sr::signals

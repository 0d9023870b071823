#include "signals/jailbreak.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <cstdlib>

#include "engine/model_file.h"
#include "signals/text_classifier.h"

namespace sr::signals {
namespace {

constexpr std::string_view kTask = "jailbreak";
constexpr uint32_t kBenign = 0;
constexpr uint32_t kJailbreak = 1;
// Threshold choice: the lowest threshold whose false-positive rate on benign
// calibration prompts stays at or below this (the target is 2 %; half of it
// leaves margin for the shift between calibration and test data).
constexpr double kTargetFpr = 0.01;

engine::FeatureConfig jailbreak_features() {
  engine::FeatureConfig f;
  f.bucket_bits = getenv("XBITS") ? atoi(getenv("XBITS")) : 18;  // 2^18 x 2 int8 + scales = 1.5 MB
  f.char_min = getenv("XCMIN") ? atoi(getenv("XCMIN")) : 3;
  f.char_max = getenv("XCMAX") ? atoi(getenv("XCMAX")) : 5;
  f.word_bigrams = 1;
  // Jailbreak templates are long (median ~1 kB); the framing sits at the start
  // and the payload request often at the end, so keep both.
  f.head_bytes = 6144;
  f.tail_bytes = 2048;
  return f;
}

bool is_harmful_group(std::string_view group) { return group.rfind("harmful", 0) == 0; }

struct Scored {
  float score;
  uint32_t gold;
  bool harmful;
};

std::vector<Scored> score_rows(const TextClassifier& clf, const std::vector<const LabeledText*>& rows) {
  std::vector<Scored> out;
  out.reserve(rows.size());
  for (const auto* r : rows) {
    out.push_back({clf.classify(r->text).positive, r->label == "jailbreak" ? kJailbreak : kBenign, is_harmful_group(r->group)});
  }
  return out;
}

void print_rates(FILE* out, const std::vector<Scored>& s, float threshold) {
  uint64_t pos = 0, tp = 0, benign = 0, fp_benign = 0, harmful = 0, fp_harmful = 0;
  for (const auto& x : s) {
    const bool flagged = x.score >= threshold;
    if (x.gold == kJailbreak) {
      ++pos;
      tp += flagged;
    } else if (x.harmful) {
      ++harmful;
      fp_harmful += flagged;
    } else {
      ++benign;
      fp_benign += flagged;
    }
  }
  auto rate = [](uint64_t a, uint64_t b) { return b ? static_cast<double>(a) / b : 0.0; };
  std::fprintf(out, "threshold %.4f\n", threshold);
  std::fprintf(out, "recall (jailbreak+injection)   %.4f  (%llu/%llu)\n", rate(tp, pos), (unsigned long long)tp, (unsigned long long)pos);
  std::fprintf(out, "FPR on benign prompts          %.4f  (%llu/%llu)\n", rate(fp_benign, benign), (unsigned long long)fp_benign, (unsigned long long)benign);
  std::fprintf(out, "FPR on harmful (plain) prompts %.4f  (%llu/%llu)\n\n", rate(fp_harmful, harmful), (unsigned long long)fp_harmful, (unsigned long long)harmful);
}

EvalReport report_of(const std::vector<Scored>& s, float threshold) {
  std::vector<uint32_t> gold, pred;
  for (const auto& x : s) {
    gold.push_back(x.gold);
    pred.push_back(x.score >= threshold ? kJailbreak : kBenign);
  }
  return make_report(jailbreak_labels(), gold, pred);
}

Result<std::vector<LabeledText>> read_safety(const std::string& path, size_t* skipped) {
  return read_labeled_jsonl(path, "label", jailbreak_label_of, skipped);
}

}  // namespace

const std::vector<std::string>& jailbreak_labels() {
  static const std::vector<std::string> kLabels = {"benign", "jailbreak"};
  return kLabels;
}

std::optional<std::string> jailbreak_label_of(std::string_view raw) {
  if (raw == "jailbreak" || raw == "injection_payload") return std::string("jailbreak");
  if (raw == "benign" || raw.rfind("harmful", 0) == 0) return std::string("benign");
  return std::nullopt;
}

Result<ClassifierPtr> load_jailbreak_classifier(const std::string& model_dir) {
  auto clf = load_text_classifier(std::string(kTask), model_dir, jailbreak_labels());
  if (!clf) return tl::unexpected(clf.error());
  return ClassifierPtr(std::move(*clf));
}

int train_jailbreak(const TrainOptions& options) {
  size_t skipped = 0;
  auto rows = read_safety(options.data_path, &skipped);
  if (!rows) {
    std::fprintf(stderr, "train jailbreak: %s\n", rows.error().message.c_str());
    return 1;
  }
  std::vector<const LabeledText*> train, calib, test;
  for (const auto& r : *rows) {
    switch (split_of(r.text)) {
      case Split::kTest: test.push_back(&r); break;
      case Split::kCalib: calib.push_back(&r); break;
      case Split::kTrain: train.push_back(&r); break;
    }
  }
  size_t n_pos = 0;
  for (const auto* r : train) n_pos += r->label == "jailbreak";
  // Balance the classes' total weight: jailbreaks are ~15 % of rows.
  const float pos_weight = n_pos ? std::clamp(static_cast<float>(train.size() - n_pos) / n_pos, 1.0f, getenv("XPW") ? (float)atof(getenv("XPW")) : 6.0f) : 1.0f;
  std::fprintf(stderr, "train jailbreak: %zu rows (%zu bad lines skipped): %zu train (%zu jailbreak, weight %.2f), %zu calibration, %zu test\n",
               rows->size(), skipped, train.size(), n_pos, pos_weight, calib.size(), test.size());

  const engine::FeatureConfig features = jailbreak_features();
  engine::FeatureScratch fs;
  std::vector<engine::TrainExample> examples;
  for (const auto* r : train) {
    engine::extract_features(features, r->text, fs);
    if (fs.features.empty()) continue;
    const bool pos = r->label == "jailbreak";
    examples.push_back({fs.features, {}, pos ? kJailbreak : kBenign, pos ? pos_weight : 1.0f});
  }
  engine::LinearTrainer trainer(features, 2);
  engine::TrainConfig tc;
  tc.epochs = options.epochs > 0 ? options.epochs : 8;
  tc.learning_rate = getenv("XLR") ? atof(getenv("XLR")) : 0.5f;
  tc.seed = options.seed;
  if (options.progress) tc.on_progress = draw_progress;
  trainer.train(examples, tc);

  engine::LinearModel model = trainer.quantize(jailbreak_labels());
  model.positive_class = static_cast<int32_t>(kJailbreak);
  {
    std::vector<float> logits;
    std::vector<uint32_t> gold;
    float l[2];
    for (const auto* r : calib) {
      engine::extract_features(features, r->text, fs);
      model.logits(fs.features, {}, l);
      logits.insert(logits.end(), l, l + 2);
      gold.push_back(r->label == "jailbreak" ? kJailbreak : kBenign);
    }
    model.temperature = engine::fit_temperature(logits, gold, 2);
  }
  // Threshold on calibration scores: the lowest threshold with benign FPR <= target.
  {
    TextClassifier probe(std::string(kTask), model);
    auto scored = score_rows(probe, calib);
    std::vector<float> benign;
    for (const auto& s : scored) if (s.gold == kBenign && !s.harmful) benign.push_back(s.score);
    std::sort(benign.begin(), benign.end(), std::greater<>());
    const size_t allowed = static_cast<size_t>(std::floor(kTargetFpr * benign.size()));
    // Flag iff score >= threshold: put it just above the (allowed+1)-th highest benign score.
    float threshold = 0.5f;
    if (allowed < benign.size()) threshold = std::nextafter(benign[allowed], 1.0f);
    model.threshold = std::clamp(threshold, 0.0f, 1.0f);
    std::fprintf(stderr, "train jailbreak: temperature %.3f, threshold %.4f (benign FPR <= %.3f on calibration)\n",
                 model.temperature, model.threshold, kTargetFpr);
    std::fprintf(stdout, "== calibration split (bucket 10..19) ==\n");
    print_rates(stdout, scored, model.threshold);
  }
  const std::string path = options.out_dir + "/" + std::string(kModelFileName);
  if (auto saved = engine::save_linear_model(model, path); !saved) {
    std::fprintf(stderr, "train jailbreak: %s\n", saved.error().message.c_str());
    return 1;
  }
  std::fprintf(stderr, "train jailbreak: wrote %s\n", path.c_str());
  const float threshold = model.threshold;
  TextClassifier clf(std::string(kTask), std::move(model));
  auto scored = score_rows(clf, test);
  print_report(stdout, "held-out test split (bucket < 10)", report_of(scored, threshold));
  print_rates(stdout, scored, threshold);
  return 0;
}

int eval_jailbreak(const EvalOptions& options) {
  auto clf = load_text_classifier(std::string(kTask), options.model_dir, jailbreak_labels());
  if (!clf) {
    std::fprintf(stderr, "eval jailbreak: %s\n", clf.error().message.c_str());
    return 1;
  }
  size_t skipped = 0;
  auto rows = read_safety(options.data_path, &skipped);
  if (!rows) {
    std::fprintf(stderr, "eval jailbreak: %s\n", rows.error().message.c_str());
    return 1;
  }
  std::vector<const LabeledText*> selected;
  for (const auto& r : *rows) {
    if (options.split == "test" && split_of(r.text) != Split::kTest) continue;
    selected.push_back(&r);
  }
  const float threshold = (*clf)->model().threshold;
  auto scored = score_rows(**clf, selected);
  print_report(stdout, "jailbreak: " + options.data_path + (options.split.empty() ? "" : " (split " + options.split + ")"),
               report_of(scored, threshold));
  print_rates(stdout, scored, threshold);
  if (skipped) std::fprintf(stderr, "eval jailbreak: %zu bad lines skipped\n", skipped);
  return 0;
}

}  // namespace sr::signals

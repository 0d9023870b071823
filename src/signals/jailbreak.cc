#include "signals/jailbreak.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "engine/model_file.h"
#include "engine/word_vectors.h"
#include "signals/text_classifier.h"

namespace sr::signals {
namespace {

constexpr std::string_view kTask = "jailbreak";
constexpr uint32_t kBenign = 0;
constexpr uint32_t kJailbreak = 1;
// Threshold choice: the lowest threshold whose out-of-fold false-positive rate
// on benign prompts stays at or below this (the target is 2 %; the rest is
// margin for the shift between development and new data).
constexpr double kTargetFpr = 0.01;
constexpr uint32_t kFolds = 5;
// GloVe word vectors lowered out-of-fold recall (0.907 vs 0.923 at 1 % FPR):
// jailbreaks are about phrasing, not topic. The code path stays for experiments.
constexpr bool kUseWordVectors = false;
// Relative weight of BIPIA injection payloads among the positives (see below):
// 0.3 keeps recall (out-of-fold 0.923 either way) and lowers scores of plain
// everyday instructions.
constexpr float kInjectionWeight = 0.3f;
// Cap of the jailbreak class weight (3 measured better than 6 out-of-fold).
constexpr float kMaxPositiveWeight = 3.0f;

engine::FeatureConfig jailbreak_features() {
  engine::FeatureConfig f;
  f.bucket_bits = 16;  // 2^16 x (2 int8 + 1 float scale) = 0.4 MB; 2^16..2^18 measured equal
  // Words and word bigrams only: out-of-fold recall at 1 % FPR was 0.923
  // without char n-grams vs 0.913 (3-5) / 0.919 (4), and it is the fastest.
  f.char_min = 0;
  f.char_max = 0;
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
  bool injection = false;  //!< a BIPIA injection payload (positive)
};

std::vector<Scored> score_rows(const TextClassifier& clf, const std::vector<const LabeledText*>& rows) {
  std::vector<Scored> out;
  out.reserve(rows.size());
  for (const auto* r : rows) {
    out.push_back({clf.classify(r->text).positive, r->label == "jailbreak" ? kJailbreak : kBenign, is_harmful_group(r->group),
                   r->group == "injection_payload"});
  }
  return out;
}

void print_rates(FILE* out, const std::vector<Scored>& s, float threshold) {
  uint64_t pos = 0, tp = 0, benign = 0, fp_benign = 0, harmful = 0, fp_harmful = 0, inj = 0, tp_inj = 0;
  for (const auto& x : s) {
    const bool flagged = x.score >= threshold;
    if (x.gold == kJailbreak) {
      ++pos;
      tp += flagged;
      inj += x.injection;
      tp_inj += x.injection && flagged;
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
  std::fprintf(out, "  of which jailbreak prompts   %.4f  (%llu/%llu)\n", rate(tp - tp_inj, pos - inj), (unsigned long long)(tp - tp_inj), (unsigned long long)(pos - inj));
  std::fprintf(out, "  of which injection payloads %.4f  (%llu/%llu)\n", rate(tp_inj, inj), (unsigned long long)tp_inj, (unsigned long long)inj);
  std::fprintf(out, "FPR on benign prompts          %.4f  (%llu/%llu)\n", rate(fp_benign, benign), (unsigned long long)fp_benign, (unsigned long long)benign);
  std::fprintf(out, "FPR on harmful (plain) prompts %.4f  (%llu/%llu)\n\n", rate(fp_harmful, harmful), (unsigned long long)fp_harmful, (unsigned long long)harmful);
}

EvalReport report_of(const std::vector<Scored>& s, float threshold) {
  std::vector<uint32_t> gold, pred;
  std::vector<float> conf;  // probability of the predicted label
  for (const auto& x : s) {
    gold.push_back(x.gold);
    const bool jb = x.score >= threshold;
    pred.push_back(jb ? kJailbreak : kBenign);
    conf.push_back(jb ? x.score : 1.0f - x.score);
  }
  return make_report(jailbreak_labels(), gold, pred, &conf);
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
  // Held-out test = split buckets < 10; everything else is development data,
  // cut into kFolds folds by bucket for out-of-fold calibration.
  std::vector<const LabeledText*> dev, test;
  std::vector<uint32_t> fold;
  for (const auto& r : *rows) {
    const uint32_t b = split_bucket(r.text);
    if (b < 10) {
      test.push_back(&r);
    } else {
      dev.push_back(&r);
      fold.push_back(b % kFolds);
    }
  }
  // Extra files (e.g. models/jailbreak/benign_seed.jsonl: hand-written chat
  // prompts and plain instructions) are development-only: the benign data
  // has few short everyday requests, which real traffic is full of.
  std::vector<LabeledText> extra;
  for (const auto& path : options.extra_data) {
    auto more = read_safety(path, &skipped);
    if (!more) {
      std::fprintf(stderr, "train jailbreak: %s\n", more.error().message.c_str());
      return 1;
    }
    std::fprintf(stderr, "train jailbreak: %zu extra rows from %s\n", more->size(), path.c_str());
    extra.insert(extra.end(), more->begin(), more->end());
  }
  for (const auto& r : extra) {
    dev.push_back(&r);
    fold.push_back(split_bucket(r.text) % kFolds);
  }
  size_t n_pos = 0;
  for (const auto* r : dev) n_pos += r->label == "jailbreak";
  // Jailbreaks are ~15 % of rows; up-weight them, capped so benign precision holds.
  const float pos_weight = n_pos ? std::clamp(static_cast<float>(dev.size() - n_pos) / n_pos, 1.0f, kMaxPositiveWeight) : 1.0f;
  std::fprintf(stderr, "train jailbreak: %zu rows (%zu bad lines skipped): %zu development (%zu jailbreak, weight %.2f), %zu test\n",
               rows->size(), skipped, dev.size(), n_pos, pos_weight, test.size());

  const engine::FeatureConfig features = jailbreak_features();
  engine::WordVectors vectors;
  if (kUseWordVectors) {
    auto wv = load_training_vectors(options.data_path, "train jailbreak");
    if (!wv) return 1;
    vectors = std::move(*wv);
  }
  const engine::WordVectors* wvp = vectors.empty() ? nullptr : &vectors;
  engine::FeatureScratch fs;
  std::vector<engine::TrainExample> examples;
  for (const auto* r : dev) {
    engine::extract_features(features, r->text, fs, wvp);
    const bool pos = r->label == "jailbreak";
    // BIPIA injection payloads are plain instructions ("Summarize the article")
    // that are only attacks inside retrieved content; at full weight they teach
    // the model that any short instruction is a jailbreak.
    const float w = !pos ? 1.0f : (r->group == "injection_payload" ? pos_weight * kInjectionWeight : pos_weight);
    examples.push_back({fs.features, fs.dense, pos ? kJailbreak : kBenign, w});
  }
  engine::TrainConfig tc;
  tc.epochs = options.epochs > 0 ? options.epochs : 8;
  tc.learning_rate = 0.5f;
  tc.seed = options.seed;

  // Out-of-fold logits for every development row: temperature and threshold
  // are then fitted on ~12k rows instead of one small calibration split.
  std::vector<float> oof(2 * dev.size());
  for (uint32_t f = 0; f < kFolds; ++f) {
    std::fprintf(stderr, "train jailbreak: fold %u/%u\n", f + 1, kFolds);
    std::vector<engine::TrainExample> part;
    for (size_t i = 0; i < dev.size(); ++i) if (fold[i] != f) part.push_back(examples[i]);
    engine::LinearTrainer trainer(features, 2, vectors.dim);
    trainer.train(part, tc);
    engine::LinearModel m = trainer.quantize(jailbreak_labels());
    m.vectors = vectors;
    m.fold_word_vectors();
    for (size_t i = 0; i < dev.size(); ++i) {
      if (fold[i] == f) m.logits(examples[i].features, examples[i].dense, &oof[2 * i]);
    }
  }
  std::vector<uint32_t> gold;
  for (const auto& ex : examples) gold.push_back(ex.label);
  const float temperature = engine::fit_temperature(oof, gold, 2);
  std::vector<Scored> oof_scored;
  for (size_t i = 0; i < dev.size(); ++i) {
    float p[2] = {oof[2 * i], oof[2 * i + 1]};
    engine::softmax(p, 2, temperature);
    oof_scored.push_back({p[kJailbreak], gold[i], is_harmful_group(dev[i]->group), dev[i]->group == "injection_payload"});
  }
  // Threshold: the lowest one whose out-of-fold benign FPR stays <= target.
  std::vector<float> benign;
  for (const auto& x : oof_scored) if (x.gold == kBenign && !x.harmful) benign.push_back(x.score);
  std::sort(benign.begin(), benign.end(), std::greater<>());
  const size_t allowed = static_cast<size_t>(std::floor(kTargetFpr * static_cast<double>(benign.size())));
  float threshold = 0.5f;
  if (allowed < benign.size()) threshold = std::nextafter(benign[allowed], 1.0f);
  threshold = std::clamp(threshold, 0.0f, 1.0f);
  std::fprintf(stderr, "train jailbreak: temperature %.3f, threshold %.4f (out-of-fold benign FPR <= %.3f)\n", temperature,
               threshold, kTargetFpr);
  std::fprintf(stdout, "== out-of-fold development rows (%u folds, buckets 10..99) ==\n", kFolds);
  print_rates(stdout, oof_scored, threshold);

  // Final model on all development rows.
  if (options.progress) tc.on_progress = draw_progress;
  engine::LinearTrainer trainer(features, 2, vectors.dim);
  trainer.train(examples, tc);
  engine::LinearModel model = trainer.quantize(jailbreak_labels());
  model.vectors = std::move(vectors);
  model.fold_word_vectors();
  model.positive_class = static_cast<int32_t>(kJailbreak);
  model.temperature = temperature;
  model.threshold = threshold;
  const std::string path = options.out_dir + "/" + std::string(kModelFileName);
  if (auto saved = engine::save_linear_model(model, path); !saved) {
    std::fprintf(stderr, "train jailbreak: %s\n", saved.error().message.c_str());
    return 1;
  }
  std::fprintf(stderr, "train jailbreak: wrote %s\n", path.c_str());
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

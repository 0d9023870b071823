#pragma once
// Shared code of the linear text classifiers (domain, jailbreak): the
// Classifier implementation over an engine::LinearModel, loading from a model
// directory, JSON Lines data reading, the deterministic held-out split and the
// evaluation report printed by `semrouter eval` and `semrouter train`.
#include <cstdint>
#include <cstdio>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "engine/linear_model.h"
#include "engine/word_vectors.h"
#include "signals/signal.h"

namespace sr::signals {

//! File name of the model inside a model directory.
inline constexpr std::string_view kModelFileName = "model.bin";

//! A Classifier backed by a LinearModel. classify() allocates nothing once its
//! thread's scratch is warm.
class TextClassifier final : public Classifier {
 public:
  TextClassifier(std::string task, engine::LinearModel model);
  std::string_view task() const override { return task_; }
  const std::vector<std::string>& labels() const override { return model_.labels; }
  Classification classify(std::string_view utf8) const override;
  //! Calibrated probabilities of every label (model order) into `out`.
  void probabilities(std::string_view utf8, std::vector<float>& out) const;
  const engine::LinearModel& model() const { return model_; }

 private:
  std::string task_;
  engine::LinearModel model_;
};

//! Loads `<model_dir>/model.bin` ("" = builtin_model_path(task)) and checks
//! that its labels are `expected_labels` when that is non-empty.
Result<std::unique_ptr<const TextClassifier>> load_text_classifier(const std::string& task, const std::string& model_dir,
                                                                    const std::vector<std::string>& expected_labels);

//! One labelled row of a training/eval file. `group` is the original label
//! (e.g. "harmful" mapped to "benign"), kept for per-group rates.
struct LabeledText {
  std::string text;
  std::string label;
  std::string group;
};

//! Maps a raw label to a task label (std::nullopt = drop the row).
using LabelMap = std::function<std::optional<std::string>(std::string_view raw)>;

//! Reads JSON Lines (optionally gzip) with `text` and `label_field`. Bad lines
//! are counted in *skipped and ignored.
Result<std::vector<LabeledText>> read_labeled_jsonl(const std::string& path, std::string_view label_field,
                                                    const LabelMap& map, size_t* skipped);

//! Deterministic split of a text into [0, 100): hash of its normalised,
//! whitespace-collapsed form, so duplicates differing only in case/spacing land
//! together. Convention: < 10 test, < 20 calibration, else train.
uint32_t split_bucket(std::string_view text);
enum class Split { kTrain, kCalib, kTest };
Split split_of(std::string_view text);

//! Accuracy, macro-F1, per-class precision/recall and the confusion matrix.
struct EvalReport {
  std::vector<std::string> labels;
  std::vector<std::vector<uint64_t>> confusion;  //!< [gold][predicted]
  uint64_t total = 0;
  double accuracy = 0;
  double macro_f1 = 0;
  std::vector<double> precision, recall, f1;
  std::vector<uint64_t> support;
  //! Calibration, when confidences were given: expected calibration error over
  //! 10 equal-width bins of the predicted label's probability (0 = a 0.8
  //! answer is right 80 % of the time), and the mean of those probabilities.
  bool has_calibration = false;
  double ece = 0;
  double mean_confidence = 0;
};
//! `confidence` (optional): the model's probability of each predicted label.
EvalReport make_report(const std::vector<std::string>& labels, const std::vector<uint32_t>& gold,
                       const std::vector<uint32_t>& predicted, const std::vector<float>* confidence = nullptr);
void print_report(FILE* out, const std::string& title, const EvalReport& report);

//! GloVe directory for training: $SEMROUTER_GLOVE_DIR, else
//! <data file dir>/../models/glove_wink_100d when it exists, else "".
std::string find_glove_dir(const std::string& data_path);

//! Loads the GloVe vectors found by find_glove_dir (empty WordVectors when
//! none is found, with a note on stderr); nullopt after printing an error.
std::optional<engine::WordVectors> load_training_vectors(const std::string& data_path, const char* who);

//! Extends non-empty GloVe vectors with WordNet definition vectors for words
//! outside GloVe (engine/definition_vectors.h) from $SEMROUTER_WORDNET_DIR or
//! /usr/share/wordnet ("none" = skip; absent = skip with a note). False after
//! printing an error (a corrupt WordNet must not silently change a model).
bool add_definition_vectors(engine::WordVectors& vectors, const char* who);

//! A one-line progress bar on stderr ("\r[#####     ] 52% loss 0.41").
void draw_progress(double fraction, double loss);

}  // namespace sr::signals

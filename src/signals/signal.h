#pragma once
// The signal interfaces: what a classifier or recogniser answers about a text.
// Implementations live one per file beside this header; the gateway, the CLI
// (`semrouter classify`) and the classify API all use these, never the concrete types.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace sr::signals {

//! One class decision. `label` views into the model's own label table, so it
//! lives as long as the classifier. `confidence` is the calibrated probability
//! of `label`; `positive` is the probability of the task's positive class for
//! binary tasks (jailbreak: P(jailbreak)), else equal to `confidence`.
struct Classification {
  std::string_view label;
  float confidence = 0.0f;
  float positive = 0.0f;
};

//! A text classifier (domain, jailbreak, language, ...). Thread-safe: const
//! methods may be called from every worker at once; mutable scratch is per call
//! or thread_local inside the implementation.
class Classifier {
 public:
  virtual ~Classifier() = default;
  //! Task name, e.g. "domain".
  virtual std::string_view task() const = 0;
  //! All labels the model can answer, in model order.
  virtual const std::vector<std::string>& labels() const = 0;
  //! Classify UTF-8 text (invalid UTF-8 is tolerated: bad bytes are skipped).
  virtual Classification classify(std::string_view utf8) const = 0;
};
using ClassifierPtr = std::unique_ptr<const Classifier>;

//! One entity span. Offsets are Unicode code points into the input text,
//! half-open [start, end). `type` is a Presidio entity name (PERSON, EMAIL_ADDRESS, ...).
struct Entity {
  std::string type;
  int32_t start = 0;
  int32_t end = 0;
  std::string text;
  float score = 0.0f;
};

//! Finds entity spans (PII). Thread-safe like Classifier.
class EntityRecognizer {
 public:
  virtual ~EntityRecognizer() = default;
  virtual std::string_view task() const = 0;
  //! Entities sorted by start, non-overlapping.
  virtual std::vector<Entity> recognize(std::string_view utf8) const = 0;
};
using EntityRecognizerPtr = std::unique_ptr<const EntityRecognizer>;

//! Options of `semrouter train --task T --data FILE --out DIR`.
struct TrainOptions {
  std::string data_path;
  std::vector<std::string> extra_data;  //!< more training-only files (repeated --data)
  std::string out_dir;
  uint64_t seed = 42;
  int epochs = 0;          //!< 0 = the task's default
  bool progress = true;    //!< draw a progress bar on stderr
};

//! Options of `semrouter eval --task T --model DIR --data FILE`.
struct EvalOptions {
  std::string model_dir;   //!< "" = built-in model
  std::string data_path;
  std::string split;       //!< "" = every row; "test" = only the task's own held-out test split
};

}  // namespace sr::signals

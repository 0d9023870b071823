#pragma once
// The one table of signal tasks known to `semrouter classify|train|eval` and to
// the gateway. Each task adds exactly one line to all_tasks.cc (greppable, no
// static-initialiser registration). A task declares its entry points in its own
// header (e.g. signals/domain.h) and the table only stores function pointers.
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "base/result.h"
#include "signals/signal.h"

namespace sr::signals {

//! One task: how to load it, and optionally how to train and evaluate it.
struct TaskEntry {
  std::string_view name;  //!< "domain", "jailbreak", "pii", "language", ...
  std::string_view kind;  //!< "classifier" | "entities"
  //! Loads a classifier from `model_dir` ("" = built-in model). Null for entity tasks.
  Result<ClassifierPtr> (*load_classifier)(const std::string& model_dir);
  //! Loads an entity recogniser ("" = built-in). Null for classifier tasks.
  Result<EntityRecognizerPtr> (*load_recognizer)(const std::string& model_dir);
  //! `semrouter train`: returns a process exit code. Null if the task can't be trained.
  int (*train)(const TrainOptions& options);
  //! `semrouter eval`: returns a process exit code. Null if not supported.
  int (*eval)(const EvalOptions& options);
};

//! Every task, in table order.
std::span<const TaskEntry> all_tasks();

//! The task called `name`, or nullptr.
const TaskEntry* find_task(std::string_view name);

//! A task with its model loaded: exactly one of classifier / recognizer is set.
struct LoadedTask {
  const TaskEntry* entry = nullptr;
  ClassifierPtr classifier;
  EntityRecognizerPtr recognizer;
};

//! Loads task `name` from `model_dir` ("" = built-in). Unknown task -> error
//! listing the known ones.
Result<LoadedTask> load_task(std::string_view name, const std::string& model_dir);

//! The engine of `semrouter classify`: turns one JSON Lines input line
//! (an object with a string "text") into one JSON object answer:
//!   classifier tasks:  {"label": "...", "confidence": p}
//!   jailbreak:         {"label": "jailbreak"|"benign", "score": P(jailbreak)}
//!   entity tasks:      {"entities": [{"type", "start", "end", "text", "score"}]}
//!   bad line:          {"error": "..."}
//! One instance per thread (it owns a reusable JSON parser).
class JsonlClassifier {
 public:
  explicit JsonlClassifier(const LoadedTask& task);
  ~JsonlClassifier();
  JsonlClassifier(const JsonlClassifier&) = delete;
  JsonlClassifier& operator=(const JsonlClassifier&) = delete;
  //! Appends the answer for `line` to `out` (no trailing newline).
  void classify_line(std::string_view line, std::string& out);

 private:
  const LoadedTask& task_;
  struct Parser;
  std::unique_ptr<Parser> parser_;
};

//! Appends `s` as a JSON string literal (quotes included) to `out`.
void append_json_string(std::string& out, std::string_view s);

}  // namespace sr::signals

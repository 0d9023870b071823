#pragma once
// The one table of signal tasks known to `semrouter classify|train|eval` and to
// the gateway. Each task adds exactly one line to all_tasks.cc (greppable, no
// static-initialiser registration). A task declares its entry points in its own
// header (e.g. signals/domain.h) and the table only stores function pointers.
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

}  // namespace sr::signals

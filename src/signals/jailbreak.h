#pragma once
// The built-in jailbreak task: entry points for the task table (signals/all_tasks.cc).
#include <string>

#include "base/result.h"
#include "signals/signal.h"

namespace sr::signals {

//! Loads the jailbreak classifier from `model_dir` ("" = built-in models/jailbreak/).
Result<ClassifierPtr> load_jailbreak_classifier(const std::string& model_dir);
//! `semrouter train --task jailbreak`; returns a process exit code.
int train_jailbreak(const TrainOptions& options);
//! `semrouter eval --task jailbreak`; returns a process exit code.
int eval_jailbreak(const EvalOptions& options);

}  // namespace sr::signals

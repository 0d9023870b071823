#pragma once
// The built-in domain task: entry points for the task table (signals/all_tasks.cc).
#include <string>

#include "base/result.h"
#include "signals/signal.h"

namespace sr::signals {

//! Loads the domain classifier from `model_dir` ("" = built-in models/domain/).
Result<ClassifierPtr> load_domain_classifier(const std::string& model_dir);
//! `semrouter train --task domain`; returns a process exit code.
int train_domain(const TrainOptions& options);
//! `semrouter eval --task domain`; returns a process exit code.
int eval_domain(const EvalOptions& options);

}  // namespace sr::signals

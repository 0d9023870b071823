#pragma once
// The built-in domain task: which of the 14 MMLU-Pro categories a prompt is
// about. Entry points for the task table (signals/all_tasks.cc) plus the
// augmentation used in training (exposed for tests).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "signals/signal.h"

namespace sr::signals {

//! The 14 labels, in model order.
const std::vector<std::string>& domain_labels();

//! Loads the domain classifier from `model_dir` ("" = built-in models/domain/).
Result<ClassifierPtr> load_domain_classifier(const std::string& model_dir);
//! `semrouter train --task domain`: trains on domain_dev-style JSON Lines
//! (`text`, `category`), prints held-out metrics; returns a process exit code.
int train_domain(const TrainOptions& options);
//! `semrouter eval --task domain`; returns a process exit code.
int eval_domain(const EvalOptions& options);

//! Training variants of an exam question that look like chat prompts: the
//! question stem (last sentence), multiple-choice options stripped, a short
//! truncation and a chatty wrapper. Deterministic in (text, seed); excludes
//! the original text.
std::vector<std::string> domain_augment(std::string_view text, uint64_t seed);

}  // namespace sr::signals

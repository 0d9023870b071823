#pragma once
// The built-in jailbreak task: is a prompt a jailbreak / prompt-injection
// attempt ("jailbreak") or not ("benign")? Harmful-but-plain requests are NOT
// jailbreaks: they train as benign hard negatives and their false-positive rate
// is reported separately. The decision threshold is chosen on a held-out split
// and stored in the model.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "signals/signal.h"

namespace sr::signals {

//! {"benign", "jailbreak"}, in model order.
const std::vector<std::string>& jailbreak_labels();

//! Maps a safety_dev `label` to the task label: jailbreak, injection_payload ->
//! "jailbreak"; benign, harmful* -> "benign"; anything else -> nullopt.
std::optional<std::string> jailbreak_label_of(std::string_view raw);

//! Loads the jailbreak classifier from `model_dir` ("" = built-in models/jailbreak/).
Result<ClassifierPtr> load_jailbreak_classifier(const std::string& model_dir);
//! `semrouter train --task jailbreak`; returns a process exit code.
int train_jailbreak(const TrainOptions& options);
//! `semrouter eval --task jailbreak`; returns a process exit code.
int eval_jailbreak(const EvalOptions& options);

}  // namespace sr::signals

#include "signals/jailbreak.h"

#include <cstdio>

namespace sr::signals {

// Placeholder until the trained model lands; keeps the task table linkable.
Result<ClassifierPtr> load_jailbreak_classifier(const std::string& model_dir) {
  return fail(ErrorCode::kModelFile, "jailbreak model not implemented yet");
}
int train_jailbreak(const TrainOptions&) {
  std::fprintf(stderr, "jailbreak: train not implemented yet\n");
  return 1;
}
int eval_jailbreak(const EvalOptions&) {
  std::fprintf(stderr, "jailbreak: eval not implemented yet\n");
  return 1;
}

}  // namespace sr::signals

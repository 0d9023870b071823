#include "signals/domain.h"

#include <cstdio>

namespace sr::signals {

// Placeholder until the trained model lands; keeps the task table linkable.
Result<ClassifierPtr> load_domain_classifier(const std::string& model_dir) {
  return fail(ErrorCode::kModelFile, "domain model not implemented yet");
}
int train_domain(const TrainOptions&) {
  std::fprintf(stderr, "domain: train not implemented yet\n");
  return 1;
}
int eval_domain(const EvalOptions&) {
  std::fprintf(stderr, "domain: eval not implemented yet\n");
  return 1;
}

}  // namespace sr::signals

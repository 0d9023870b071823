#pragma once
// Loaded models (classifiers, PII recogniser, cost-quality routers), cached by
// task and directory so a config reload that keeps the same models does not
// reload them. Shared by all runtimes; thread-safe.
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "base/result.h"
#include "decision/router/router.h"
#include "signals/signal.h"

namespace sr::server {

class ModelStore {
 public:
  Result<std::shared_ptr<const signals::Classifier>> classifier(const std::string& task, const std::string& dir);
  Result<std::shared_ptr<const signals::EntityRecognizer>> recognizer(const std::string& task, const std::string& dir);
  Result<router::RouterPtr> router(const std::string& dir);

 private:
  std::mutex mu_;  // guards the three maps
  std::map<std::string, std::shared_ptr<const signals::Classifier>> classifiers_;
  std::map<std::string, std::shared_ptr<const signals::EntityRecognizer>> recognizers_;
  std::map<std::string, router::RouterPtr> routers_;
};

}  // namespace sr::server

#include "server/model_store.h"

#include "signals/tasks.h"

namespace sr::server {

Result<std::shared_ptr<const signals::Classifier>> ModelStore::classifier(const std::string& task, const std::string& dir) {
  std::lock_guard<std::mutex> lock(mu_);
  std::string key = task + "\n" + dir;
  if (auto it = classifiers_.find(key); it != classifiers_.end()) return it->second;
  auto t = signals::load_task(task, dir);
  if (!t) return tl::unexpected(t.error());
  if (!t->classifier) return fail(ErrorCode::kModelFile, "task \"" + task + "\" is not a classifier");
  std::shared_ptr<const signals::Classifier> c(std::move(t->classifier));
  classifiers_[key] = c;
  return c;
}

Result<std::shared_ptr<const signals::EntityRecognizer>> ModelStore::recognizer(const std::string& task, const std::string& dir) {
  std::lock_guard<std::mutex> lock(mu_);
  std::string key = task + "\n" + dir;
  if (auto it = recognizers_.find(key); it != recognizers_.end()) return it->second;
  auto t = signals::load_task(task, dir);
  if (!t) return tl::unexpected(t.error());
  if (!t->recognizer) return fail(ErrorCode::kModelFile, "task \"" + task + "\" is not an entity recogniser");
  std::shared_ptr<const signals::EntityRecognizer> r(std::move(t->recognizer));
  recognizers_[key] = r;
  return r;
}

Result<router::RouterPtr> ModelStore::router(const std::string& dir) {
  std::lock_guard<std::mutex> lock(mu_);
  if (auto it = routers_.find(dir); it != routers_.end()) return it->second;
  auto r = router::load_router(dir);
  if (!r) return tl::unexpected(r.error());
  routers_[dir] = *r;
  return *r;
}

}  // namespace sr::server

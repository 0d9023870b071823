// The explicit table of tasks. One line per task; each task's functions are
// declared in its own header.
#include "signals/tasks.h"

#include "signals/domain.h"
#include "signals/jailbreak.h"
#include "signals/pii.h"
#include "signals/language.h"

namespace sr::signals {
namespace {

// name, kind, load_classifier, load_recognizer, train, eval
constexpr TaskEntry kTasks[] = {
    {"domain", "classifier", load_domain_classifier, nullptr, train_domain, eval_domain},
    {"jailbreak", "classifier", load_jailbreak_classifier, nullptr, train_jailbreak, eval_jailbreak},
    {"language", "classifier", load_language_classifier, nullptr, nullptr, eval_language},
    {"pii", "entities", nullptr, load_pii_recognizer, train_pii, eval_pii},
};

}  // namespace

std::span<const TaskEntry> all_tasks() { return kTasks; }

const TaskEntry* find_task(std::string_view name) {
  for (const auto& t : kTasks) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

}  // namespace sr::signals

// `semrouter eval --task TASK [--model DIR] --data FILE [--split test]`:
// accuracy, macro-F1, per-class precision/recall and the confusion matrix.
#include <cstdio>
#include <string>
#include <string_view>

#include "commands.h"
#include "signals/tasks.h"

namespace sr::apps {
namespace {

void eval_usage(FILE* out) {
  std::fprintf(out,
               "usage: semrouter eval --task TASK [--model DIR] --data FILE [--split test]\n\n"
               "  --task TASK    task to evaluate\n"
               "  --model DIR    model directory (default: built-in model)\n"
               "  --data FILE    labelled JSON Lines (.gz ok)\n"
               "  --split test   only rows of the task's own held-out test split\n");
}

}  // namespace

int cmd_eval(int argc, char** argv) {
  std::string task;
  signals::EvalOptions options;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    const bool has_value = i + 1 < argc;
    if (a == "--help" || a == "-h") {
      eval_usage(stdout);
      return 0;
    } else if (a == "--task" && has_value) {
      task = argv[++i];
    } else if (a == "--model" && has_value) {
      options.model_dir = argv[++i];
    } else if (a == "--data" && has_value) {
      options.data_path = argv[++i];
    } else if (a == "--split" && has_value) {
      options.split = argv[++i];
    } else {
      std::fprintf(stderr, "eval: bad or incomplete option '%s'\n\n", argv[i]);
      eval_usage(stderr);
      return 2;
    }
  }
  if (task.empty() || options.data_path.empty()) {
    eval_usage(stderr);
    return 2;
  }
  const signals::TaskEntry* entry = signals::find_task(task);
  if (entry == nullptr || entry->eval == nullptr) {
    std::fprintf(stderr, "eval: task '%s' is unknown or has no evaluation\n", task.c_str());
    return 2;
  }
  return entry->eval(options);
}

}  // namespace sr::apps

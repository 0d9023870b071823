// `semrouter train --task TASK --data FILE --out DIR [--seed N] [--epochs N]`.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

#include "commands.h"
#include "signals/tasks.h"

namespace sr::apps {
namespace {

void train_usage(FILE* out) {
  std::fprintf(out,
               "usage: semrouter train --task TASK --data FILE --out DIR [--seed N] [--epochs N] [--no-progress]\n\n"
               "  --task TASK    a trainable task (domain, jailbreak, ...)\n"
               "  --data FILE    JSON Lines training data (.gz ok); repeat to add training-only files\n"
               "  --out DIR      where model.bin is written (created if missing)\n"
               "  --seed N       shuffling/augmentation seed (default 42); same seed + data = same model\n"
               "  --epochs N     passes over the data (default: the task's own)\n");
}

bool parse_u64(const char* s, uint64_t& out) {
  char* end = nullptr;
  out = std::strtoull(s, &end, 10);
  return end != s && *end == '\0';
}

}  // namespace

int cmd_train(int argc, char** argv) {
  std::string task;
  signals::TrainOptions options;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    const bool has_value = i + 1 < argc;
    uint64_t n = 0;
    if (a == "--help" || a == "-h") {
      train_usage(stdout);
      return 0;
    } else if (a == "--task" && has_value) {
      task = argv[++i];
    } else if (a == "--data" && has_value) {
      // The first --data is the main file (split into train/calibration/test);
      // later ones are training-only additions.
      if (options.data_path.empty()) options.data_path = argv[++i];
      else options.extra_data.push_back(argv[++i]);
    } else if (a == "--out" && has_value) {
      options.out_dir = argv[++i];
    } else if (a == "--seed" && has_value && parse_u64(argv[i + 1], n)) {
      options.seed = n;
      ++i;
    } else if (a == "--epochs" && has_value && parse_u64(argv[i + 1], n) && n > 0 && n < 1000) {
      options.epochs = static_cast<int>(n);
      ++i;
    } else if (a == "--no-progress") {
      options.progress = false;
    } else {
      std::fprintf(stderr, "train: bad or incomplete option '%s'\n\n", argv[i]);
      train_usage(stderr);
      return 2;
    }
  }
  if (task.empty() || options.data_path.empty() || options.out_dir.empty()) {
    train_usage(stderr);
    return 2;
  }
  const signals::TaskEntry* entry = signals::find_task(task);
  if (entry == nullptr || entry->train == nullptr) {
    std::fprintf(stderr, "train: task '%s' is unknown or cannot be trained\n", task.c_str());
    return 2;
  }
  std::error_code ec;
  std::filesystem::create_directories(options.out_dir, ec);
  if (ec) {
    std::fprintf(stderr, "train: cannot create %s: %s\n", options.out_dir.c_str(), ec.message().c_str());
    return 1;
  }
  return entry->train(options);
}

}  // namespace sr::apps

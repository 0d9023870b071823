// `semrouter classify --task TASK --input FILE [--model DIR]`: one JSON answer
// per input line, in order, streamed (constant memory whatever the file size).
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

#include "commands.h"
#include "engine/line_reader.h"
#include "signals/tasks.h"

namespace sr::apps {
namespace {

void classify_usage(FILE* out) {
  std::fprintf(out,
               "usage: semrouter classify --task TASK --input FILE [--model DIR]\n\n"
               "  --task TASK    one of:");
  for (const auto& t : signals::all_tasks()) std::fprintf(out, " %.*s", static_cast<int>(t.name.size()), t.name.data());
  std::fprintf(out,
               "\n  --input FILE   JSON Lines with a \"text\" field per line (.gz ok; '-' = stdin)\n"
               "  --model DIR    model directory (default: the built-in model of the task)\n\n"
               "Prints one JSON object per input line; bad lines get {\"error\": \"...\"}.\n");
}

}  // namespace

int cmd_classify(int argc, char** argv) {
  std::string task, input, model;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    auto value = [&](std::string& dst) {
      if (i + 1 >= argc) return false;
      dst = argv[++i];
      return true;
    };
    if (a == "--help" || a == "-h") {
      classify_usage(stdout);
      return 0;
    } else if (a == "--task") {
      if (!value(task)) break;
    } else if (a == "--input") {
      if (!value(input)) break;
    } else if (a == "--model") {
      if (!value(model)) break;
    } else {
      std::fprintf(stderr, "classify: unknown option '%s'\n\n", argv[i]);
      classify_usage(stderr);
      return 2;
    }
  }
  if (task.empty() || input.empty()) {
    classify_usage(stderr);
    return 2;
  }
  auto loaded = signals::load_task(task, model);
  if (!loaded) {
    std::fprintf(stderr, "classify: %s\n", loaded.error().message.c_str());
    return 1;
  }
  auto reader = engine::LineReader::open(input);
  if (!reader) {
    std::fprintf(stderr, "classify: %s\n", reader.error().message.c_str());
    return 1;
  }
  signals::JsonlClassifier classifier(*loaded);
  std::string line, out;
  out.reserve(1 << 16);
  while (reader->next(line)) {
    classifier.classify_line(line, out);
    out.push_back('\n');
    if (out.size() >= (1 << 16)) {
      std::fwrite(out.data(), 1, out.size(), stdout);
      out.clear();
    }
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
  if (reader->failed()) {
    std::fprintf(stderr, "classify: %s: read or decompression error\n", input.c_str());
    return 1;
  }
  return 0;
}

}  // namespace sr::apps

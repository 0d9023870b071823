// semrouter: thin entry point. Dispatches to one cmd_* function per subcommand.
#include <cstdio>
#include <cstring>
#include <string_view>

#include "commands.h"

namespace {

struct Command {
  const char* name;
  int (*run)(int argc, char** argv);
  const char* help;
};

// The one table of subcommands (greppable, no static registration).
constexpr Command kCommands[] = {
    {"serve", sr::apps::cmd_serve, "run the router (HTTP gateway)"},
    {"validate", sr::apps::cmd_validate, "check a config file and exit"},
    {"route", sr::apps::cmd_route, "dry-run requests through a config's routing (no upstream)"},
    {"classify", sr::apps::cmd_classify, "classify JSON Lines texts with a signal task"},
    {"train", sr::apps::cmd_train, "train a signal model (domain, jailbreak)"},
    {"eval", sr::apps::cmd_eval, "evaluate a signal model on labelled data"},
    {"score", sr::apps::cmd_score, "score prompts with a cost-quality router"},
    {"train-router", sr::apps::cmd_train_router, "train a cost-quality router from outcome data"},
    {"eval-router", sr::apps::cmd_eval_router, "evaluate a router: APGR, CPT, quality vs cost"},
};

void usage(FILE* out) {
  std::fprintf(out, "usage: semrouter <command> [options]\n\ncommands:\n");
  for (const auto& c : kCommands) std::fprintf(out, "  %-14s %s\n", c.name, c.help);
  std::fprintf(out, "\nRun 'semrouter <command> --help' for the options of one command.\n");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  std::string_view cmd = argv[1];
  if (cmd == "--help" || cmd == "-h" || cmd == "help") {
    usage(stdout);
    return 0;
  }
  if (cmd == "--version") {
    std::printf("semrouter 0.1.0\n");
    return 0;
  }
  for (const auto& c : kCommands) {
    if (cmd == c.name) return c.run(argc - 1, argv + 1);
  }
  std::fprintf(stderr, "semrouter: unknown command '%s'\n\n", argv[1]);
  usage(stderr);
  return 2;
}

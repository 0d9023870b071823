#pragma once
// One function per subcommand of the `semrouter` binary; each lives in its own
// cmd_<name>.cc and owns its argument parsing and --help.
namespace sr::apps {

int cmd_serve(int argc, char** argv);
int cmd_validate(int argc, char** argv);
int cmd_classify(int argc, char** argv);
int cmd_train(int argc, char** argv);
int cmd_eval(int argc, char** argv);
int cmd_score(int argc, char** argv);
int cmd_train_router(int argc, char** argv);
int cmd_eval_router(int argc, char** argv);

}  // namespace sr::apps

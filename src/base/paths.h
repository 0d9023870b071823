#pragma once
// Where built-in model files live. Resolution order (first existing wins):
//   1. $SEMROUTER_MODELS_DIR
//   2. <directory of the running binary>/../models   (build/semrouter -> models/)
//   3. the source tree's models/ (compile-time SEMROUTER_SOURCE_DIR)
#include <string>
#include <string_view>

namespace sr {

//! Absolute path of the built-in models directory, or "" when none exists.
std::string builtin_models_dir();

//! builtin_models_dir() + "/" + name, or "" when the models dir is unknown.
std::string builtin_model_path(std::string_view name);

}  // namespace sr

#include "base/paths.h"

#include <cstdlib>
#include <filesystem>
#include <system_error>

namespace sr {
namespace fs = std::filesystem;

namespace {
bool is_dir(const fs::path& p) {
  std::error_code ec;
  return fs::is_directory(p, ec);
}
}  // namespace

std::string builtin_models_dir() {
  if (const char* env = std::getenv("SEMROUTER_MODELS_DIR"); env && *env && is_dir(env)) return env;
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    fs::path cand = exe.parent_path().parent_path() / "models";
    if (is_dir(cand)) return fs::weakly_canonical(cand, ec).string();
  }
#ifdef SEMROUTER_SOURCE_DIR
  fs::path src = fs::path(SEMROUTER_SOURCE_DIR) / "models";
  if (is_dir(src)) return src.string();
#endif
  return {};
}

std::string builtin_model_path(std::string_view name) {
  std::string dir = builtin_models_dir();
  if (dir.empty()) return {};
  return dir + "/" + std::string(name);
}

}  // namespace sr

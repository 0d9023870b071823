#pragma once
// One function per subcommand of the `semrouter` binary; each lives in its own
// cmd_<name>.cc and owns its argument parsing and --help. Below them: the few
// helpers the router commands share (strict option values, checked writes).
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <limits>
#include <stdexcept>
#include <string>

namespace sr::router {
class Router;
struct OutcomeSet;
}  // namespace sr::router

namespace sr::apps {

int cmd_serve(int argc, char** argv);
int cmd_validate(int argc, char** argv);
int cmd_classify(int argc, char** argv);
int cmd_train(int argc, char** argv);
int cmd_eval(int argc, char** argv);
int cmd_score(int argc, char** argv);
int cmd_train_router(int argc, char** argv);
int cmd_eval_router(int argc, char** argv);
int cmd_route(int argc, char** argv);

//! A bad command line: the command prints "semrouter <cmd>: <what()>" and
//! returns 2, the exit code of every usage error of this binary.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

//! Whole-string base-10 integer in [lo, hi]; anything else (empty, "3x",
//! "abc", " 3", out of range) throws UsageError naming option, value and range.
inline long long parse_int_option(const std::string& option, const std::string& value, long long lo, long long hi) {
  errno = 0;
  char* end = nullptr;
  long long v = value.empty() || std::isspace(static_cast<unsigned char>(value[0])) ? 0 : std::strtoll(value.c_str(), &end, 10);
  if (end == nullptr || end == value.c_str() || *end != '\0' || errno == ERANGE || v < lo || v > hi)
    throw UsageError(option + " wants an integer from " + std::to_string(lo) + " to " + std::to_string(hi) + ", got \"" +
                     value + "\"");
  return v;
}

//! Whole-string unsigned 64-bit integer (seeds, salts): 0 to 18446744073709551615.
inline uint64_t parse_u64_option(const std::string& option, const std::string& value) {
  errno = 0;
  char* end = nullptr;
  uint64_t v = 0;
  if (!value.empty() && value[0] >= '0' && value[0] <= '9') v = std::strtoull(value.c_str(), &end, 10);
  if (end == nullptr || *end != '\0' || errno == ERANGE)
    throw UsageError(option + " wants an integer from 0 to " + std::to_string(std::numeric_limits<uint64_t>::max()) +
                     ", got \"" + value + "\"");
  return v;
}

//! Whole-string finite number in [lo, hi] (or (lo, hi] when lo_open).
inline double parse_double_option(const std::string& option, const std::string& value, double lo, double hi,
                                  bool lo_open = false) {
  char* end = nullptr;
  double v = value.empty() || std::isspace(static_cast<unsigned char>(value[0])) ? NAN : std::strtod(value.c_str(), &end);
  bool ok = end != nullptr && end != value.c_str() && *end == '\0' && std::isfinite(v) && v <= hi &&
            (lo_open ? v > lo : v >= lo);
  if (!ok) {
    auto num = [](double x) {
      std::string s = std::to_string(x);
      s.erase(s.find_last_not_of('0') + 1);
      if (!s.empty() && s.back() == '.') s.pop_back();
      return s;
    };
    throw UsageError(option + " wants a number " + (lo_open ? "above " + num(lo) + " and up to " : "from " + num(lo) + " to ") +
                     num(hi) + ", got \"" + value + "\"");
  }
  return v;
}

//! One option being parsed: its name, and its value on demand (the next
//! argument; UsageError when there is none).
struct Option {
  const std::string& name;
  const std::function<std::string()>& value;
  bool is(const char* n) const { return name == n; }
  long long int_in(long long lo, long long hi) const { return parse_int_option(name, value(), lo, hi); }
  uint64_t u64() const { return parse_u64_option(name, value()); }
  double number_in(double lo, double hi, bool lo_open = false) const { return parse_double_option(name, value(), lo, hi, lo_open); }
};

//! Walks a subcommand's options: `on` returns false for an unknown option.
//! --help / -h prints `help` to stdout. Returns -1 to go on, else the exit
//! code: 0 after --help, 2 after a usage error (message and help on stderr).
inline int parse_options(const char* cmd, int argc, char** argv, void (*help)(FILE*),
                         const std::function<bool(const Option&)>& on) {
  try {
    for (int i = 1; i < argc; ++i) {
      const std::string a = argv[i];
      if (a == "--help" || a == "-h") {
        help(stdout);
        return 0;
      }
      const std::function<std::string()> value = [&]() -> std::string {
        if (i + 1 >= argc) throw UsageError(a + " needs a value");
        return argv[++i];
      };
      if (!on(Option{a, value})) {
        std::fprintf(stderr, "semrouter %s: unknown option '%s'\n", cmd, a.c_str());
        help(stderr);
        return 2;
      }
    }
  } catch (const UsageError& e) {
    std::fprintf(stderr, "semrouter %s: %s\n", cmd, e.what());
    return 2;
  }
  return -1;
}

//! Writes `content` to `path`; false with "cannot write PATH: <OS error>" in *err.
inline bool write_text_file(const std::string& path, const std::string& content, std::string* err) {
  errno = 0;
  std::ofstream f(path, std::ios::binary);
  if (f) f << content;
  if (f) f.flush();
  if (!f) {
    int e = errno;
    *err = "cannot write " + path + ": " + (e ? std::strerror(e) : "I/O error");
    return false;
  }
  return true;
}

//! Markdown report of an N-model router on N-model data, as eval-router prints
//! it: the lambda sweep, every single model, and the best fixed mix at the same
//! price. The train-router model card uses it too. `prices_path` is a
//! multi_model_prices.json; throws std::runtime_error with a plain message when
//! the prices cannot be read or a router model is missing.
std::string multi_model_report(const router::Router& r, const router::OutcomeSet& data, const std::string& prices_path);

}  // namespace sr::apps

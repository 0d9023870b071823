// semrouter score: one {"score": s} per JSON Lines input line, in order.
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "decision/router/metrics.h"
#include "decision/router/router.h"

namespace sr::apps {

namespace {

void score_help(FILE* out) {
  std::fprintf(out,
               "usage: semrouter score [--router DIR] --input FILE [--calibrate SHARE]\n\n"
               "Scores prompts with a cost-quality router. FILE is JSON Lines with a \"text\"\n"
               "field (\"-\" = stdin). Prints one {\"score\": <0..1>} per input line, in order;\n"
               "higher means the prompt needs the strong model more. A bad line prints\n"
               "{\"error\": \"line N: <what is wrong>\"} in its place, the exit code stays 0, and\n"
               "one summary line goes to stderr (\"score: 2 of 10 lines had errors\").\n\n"
               "  --router DIR       router folder (default: the built-in models/router)\n"
               "  --input FILE       prompts, JSON Lines\n"
               "  --calibrate SHARE  instead of scores, print the threshold that sends SHARE\n"
               "                     (0..1) of these prompts to the strong model\n"
               "  --quality          also print the expected quality of each model\n"
               "  --threshold T      also print \"strong\": score >= T\n"
               "  --target-share S   like --threshold, with T = the router's stored threshold for\n"
               "                     strong share S (quantiles of its training prompts' scores)\n");
}

std::string json_line(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

const char* json_type(const nlohmann::json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::null: return "null";
    case nlohmann::json::value_t::boolean: return "a boolean";
    case nlohmann::json::value_t::string: return "a string";
    case nlohmann::json::value_t::array: return "an array";
    case nlohmann::json::value_t::object: return "an object";
    default: return "a number";
  }
}

// The prompt of one input line into `text`; else what is wrong, in plain
// words ("not valid JSON: ...", "no \"text\" string field", ...).
std::string line_text(const std::string& line, std::string& text) {
  if (line.find_first_not_of(" \t") == std::string::npos) return "empty line";
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(line);
  } catch (const nlohmann::json::parse_error& e) {
    // "[json.exception.parse_error.101] parse error at line 1, column 5: syntax error ..."
    std::string what = e.what();
    for (const char* prefix : {"] ", "parse error at line 1, "}) {
      auto p = what.find(prefix);
      if (p != std::string::npos) what = what.substr(p + std::strlen(prefix));
    }
    if (what.find("UTF-8") != std::string::npos || what.find("utf-8") != std::string::npos)
      return "not valid JSON: the text is not valid UTF-8 (" + what + ")";
    return "not valid JSON: " + what;
  }
  if (!j.is_object()) return std::string("not a JSON object (got ") + json_type(j) + ")";
  auto t = j.find("text");
  if (t == j.end()) return "no \"text\" string field";
  if (!t->is_string()) return std::string("the \"text\" field is ") + json_type(*t) + ", not a string";
  text = t->get<std::string>();
  return "";
}

}  // namespace

int cmd_score(int argc, char** argv) {
  std::string router_dir, input;
  double calibrate = -1;
  bool quality = false;
  double threshold = -1, target_share = -1;
  try {
    for (int i = 1; i < argc; ++i) {
      std::string a = argv[i];
      auto value = [&]() -> std::string {
        if (i + 1 >= argc) throw UsageError(a + " needs a value");
        return argv[++i];
      };
      if (a == "--help" || a == "-h") {
        score_help(stdout);
        return 0;
      } else if (a == "--router") {
        router_dir = value();
      } else if (a == "--input") {
        input = value();
      } else if (a == "--calibrate") {
        calibrate = parse_double_option(a, value(), 0, 1);
      } else if (a == "--quality") {
        quality = true;
      } else if (a == "--threshold") {
        threshold = parse_double_option(a, value(), 0, 1);
      } else if (a == "--target-share") {
        target_share = parse_double_option(a, value(), 0, 1);
      } else {
        std::fprintf(stderr, "semrouter score: unknown option '%s'\n", a.c_str());
        score_help(stderr);
        return 2;
      }
    }
  } catch (const UsageError& e) {
    std::fprintf(stderr, "semrouter score: %s\n", e.what());
    return 2;
  }
  if (input.empty()) {
    score_help(stderr);
    return 2;
  }
  auto router = router::load_router(router_dir);
  if (!router) {
    std::fprintf(stderr, "semrouter score: %s\n", router.error().message.c_str());
    return 1;
  }
  if (target_share >= 0) threshold = (*router)->default_threshold(target_share);
  std::ifstream file;
  std::istream* in = &std::cin;
  if (input != "-") {
    // A directory opens as a stream that reads nothing: say so instead of
    // printing no lines and exiting 0.
    std::error_code ec;
    if (std::filesystem::is_directory(input, ec)) {
      std::fprintf(stderr, "semrouter score: --input %s is a directory, not a JSON Lines file\n", input.c_str());
      return 1;
    }
    errno = 0;
    file.open(input, std::ios::binary);
    if (!file) {
      std::fprintf(stderr, "semrouter score: cannot open %s: %s\n", input.c_str(),
                   errno ? std::strerror(errno) : "unknown error");
      return 1;
    }
    in = &file;
  }
  std::vector<float> scores;
  std::string line;
  size_t lineno = 0, bad_lines = 0;
  while (std::getline(*in, line)) {
    ++lineno;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    nlohmann::json out;
    std::string text;
    std::string problem = line_text(line, text);
    if (problem.empty()) {
      try {
        float s = (*router)->score(text);
        scores.push_back(s);
        out["score"] = std::round(static_cast<double>(s) * 1e6) / 1e6;
        if (threshold >= 0) out["strong"] = router::route_strong(s, threshold);
        if (quality) {
          auto q = (*router)->expected_quality(text);
          nlohmann::json qj;
          for (size_t k = 0; k < q.size(); ++k) qj[(*router)->models()[k]] = std::round(q[k] * 1e4) / 1e4;
          out["quality"] = qj;
        }
      } catch (const std::exception& e) {
        problem = std::string("scoring failed: ") + e.what();
      }
    }
    if (!problem.empty()) {
      ++bad_lines;
      out = nlohmann::json{{"error", "line " + std::to_string(lineno) + ": " + problem}};
    }
    if (calibrate < 0) std::printf("%s\n", json_line(out).c_str());
  }
  if (bad_lines) {
    std::fflush(stdout);
    std::fprintf(stderr, "score: %zu of %zu lines had errors\n", bad_lines, lineno);
  }
  if (in->bad()) {
    std::fprintf(stderr, "semrouter score: read error in %s\n", input == "-" ? "standard input" : input.c_str());
    std::fflush(stdout);
    return 1;
  }
  if (calibrate >= 0) {
    if (scores.empty()) {
      std::fprintf(stderr, "semrouter score: no valid prompts to calibrate on\n");
      return 1;
    }
    double t = router::calibrate_threshold(scores, calibrate);
    std::printf("%s\n", json_line({{"threshold", t}, {"strong_share", calibrate}, {"prompts", scores.size()}}).c_str());
  }
  std::fflush(stdout);
  return 0;
}

}  // namespace sr::apps

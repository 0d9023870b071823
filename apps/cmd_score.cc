// semrouter score: one {"score": s} per JSON Lines input line, in order.
#include <algorithm>
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
#include "decision/router/outcome_data.h"
#include "decision/router/router.h"

namespace sr::apps {

namespace {

void score_help(FILE* out) {
  std::fprintf(out,
               "usage: semrouter score [--router DIR] --input FILE [--pair STRONG,WEAK] [--calibrate SHARE]\n\n"
               "Scores prompts with a cost-quality router. FILE is JSON Lines with a \"text\"\n"
               "field (\"-\" = stdin). Prints one {\"score\": <0..1>} per input line, in order;\n"
               "higher means the prompt needs the strong model more. A bad line prints\n"
               "{\"error\": \"line N: <what is wrong>\"} in its place, the exit code stays 0, and\n"
               "one summary line goes to stderr (\"score: 2 of 10 lines had errors\").\n\n"
               "  --router DIR       router folder (default: the built-in models/router)\n"
               "  --input FILE       prompts, JSON Lines\n"
               "  --calibrate SHARE  instead of scores, print the threshold that sends SHARE\n"
               "                     (0..1) of these prompts to the strong model\n"
               "  --pair S,W         score = clamp(0.5 + (q(S) - q(W)) / 2, 0, 1) from the router's\n"
               "                     expected quality of models S and W (names from the router;\n"
               "                     each side may average models joined by '+'). Needed for a\n"
               "                     router trained on N-model data, which has no strong/weak pair\n"
               "  --quality          also print the expected quality of each model of the router\n"
               "                     ({\"quality\": {\"<model>\": 0..1, ...}}); for N-model routers\n"
               "                     this is what choose_model() weighs against prices\n"
               "  --threshold T      also print \"strong\": score >= T\n"
               "  --target-share S   like --threshold, with T = the router's stored threshold for\n"
               "                     strong share S (quantiles of its training prompts' scores;\n"
               "                     not with --pair)\n");
}

std::string json_line(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
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
  if (!j.is_object()) return std::string("not a JSON object (got ") + router::json_type_name(j) + ")";
  auto t = j.find("text");
  if (t == j.end()) return "no \"text\" string field";
  if (!t->is_string()) return std::string("the \"text\" field is ") + router::json_type_name(*t) + ", not a string";
  text = t->get<std::string>();
  return "";
}

// "S,W" (each side models joined by '+') into router model columns; "" or
// what is wrong.
std::string parse_pair(const std::string& spec, const std::vector<std::string>& models, std::vector<size_t>& strong,
                       std::vector<size_t>& weak) {
  auto comma = spec.find(',');
  if (comma == std::string::npos || spec.find(',', comma + 1) != std::string::npos) return "want STRONG,WEAK";
  auto side = [&](const std::string& names, std::vector<size_t>& cols) -> std::string {
    size_t pos = 0;
    while (pos <= names.size()) {
      size_t end = std::min(names.find('+', pos), names.size());
      std::string m = names.substr(pos, end - pos);
      auto it = std::find(models.begin(), models.end(), m);
      if (it == models.end()) return "model '" + m + "' is not one of the router's models";
      cols.push_back(static_cast<size_t>(it - models.begin()));
      pos = end + 1;
    }
    return "";
  };
  std::string e = side(spec.substr(0, comma), strong);
  if (e.empty()) e = side(spec.substr(comma + 1), weak);
  if (e.empty() && strong == weak) e = "the strong and weak side are the same models";
  return e;
}

}  // namespace

int cmd_score(int argc, char** argv) {
  std::string router_dir, input, pair;
  double calibrate = -1;
  bool quality = false;
  double threshold = -1, target_share = -1;
  const int rc = parse_options("score", argc, argv, score_help, [&](const Option& o) {
    if (o.is("--router")) router_dir = o.value();
    else if (o.is("--input")) input = o.value();
    else if (o.is("--calibrate")) calibrate = o.number_in(0, 1);
    else if (o.is("--pair")) pair = o.value();
    else if (o.is("--quality")) quality = true;
    else if (o.is("--threshold")) threshold = o.number_in(0, 1);
    else if (o.is("--target-share")) target_share = o.number_in(0, 1);
    else return false;
    return true;
  });
  if (rc >= 0) return rc;
  if (threshold >= 0 && target_share >= 0) {
    std::fprintf(stderr, "semrouter score: give --threshold or --target-share, not both\n");
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
  const router::Router& r = **router;
  std::string model_list;
  for (const auto& m : r.models()) model_list += (model_list.empty() ? "" : ", ") + m;
  std::vector<size_t> strong_cols, weak_cols;
  if (!pair.empty()) {
    std::string err = parse_pair(pair, r.models(), strong_cols, weak_cols);
    if (!err.empty()) {
      std::fprintf(stderr, "semrouter score: --pair \"%s\": %s (the router's models: %s)\n", pair.c_str(), err.c_str(),
                   model_list.c_str());
      return 2;
    }
    if (target_share >= 0) {
      std::fprintf(stderr,
                   "semrouter score: --target-share uses the router's stored score quantiles, which are not those of "
                   "--pair scores; run --calibrate SHARE on your prompts and pass the result as --threshold\n");
      return 2;
    }
  } else if (r.strong_index() < 0 || r.weak_index() < 0) {
    // Router::score() is a constant 0.5 for such a router: refuse rather than
    // print meaningless scores and thresholds.
    std::fprintf(stderr,
                 "semrouter score: router %s was trained on N-model data (%zu models: %s); it has no strong/weak pair "
                 "and so no score of its own. Give --pair STRONG,WEAK with two of these models, or "
                 "use eval-router / choose_model() to pick among all of them by quality and price\n",
                 router_dir.empty() ? "models/router" : router_dir.c_str(), r.models().size(), model_list.c_str());
    return 2;
  }
  if (target_share >= 0) threshold = r.default_threshold(target_share);
  auto mean_of = [](const std::vector<float>& q, const std::vector<size_t>& cols) {
    float x = 0;
    for (size_t c : cols) x += q[c];
    return x / static_cast<float>(cols.size());
  };
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
        std::vector<float> q;
        if (quality || !pair.empty()) q = r.expected_quality(text);
        float s = pair.empty() ? r.score(text)
                               : std::clamp(0.5f + 0.5f * (mean_of(q, strong_cols) - mean_of(q, weak_cols)), 0.0f, 1.0f);
        scores.push_back(s);
        out["score"] = std::round(static_cast<double>(s) * 1e6) / 1e6;
        if (threshold >= 0) out["strong"] = router::route_strong(s, threshold);
        if (quality) {
          nlohmann::json qj;
          for (size_t k = 0; k < q.size(); ++k) qj[r.models()[k]] = std::round(q[k] * 1e4) / 1e4;
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

// semrouter route: the routing core's dry run, offline. Each input line is a
// chat completion body; each output line is what the gateway would do with it
// (the report of POST /api/v1/route), so a routing config can be checked
// against sample traffic in CI before it is deployed.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "config/config.h"
#include "metrics/registry.h"
#include "parse/chat_request.h"
#include "parse/http1.h"
#include "server/model_store.h"
#include "server/pipeline.h"
#include "server/runtime.h"

namespace sr::apps {
namespace {

void route_help(FILE* out) {
  std::fprintf(out,
               "usage: semrouter route --config FILE --input FILE [--header 'Name: value' ...]\n\n"
               "For each line of FILE (JSON Lines; '-' = stdin), a chat completion request body,\n"
               "prints one JSON line saying what `semrouter serve --config FILE` would do with it:\n"
               "rule, model (null when a guard would block), fallbacks, the router's score and\n"
               "threshold or expected quality, cost estimate, guard verdict and every signal.\n"
               "Nothing is sent anywhere. A bad line prints {\"error\": \"line N: ...\"} in its place.\n"
               "Offline there is no traffic: a strong_share rule uses its starting threshold (the\n"
               "router's stored quantile), where a running server follows its live scores, and\n"
               "per-key budgets are taken as unspent.\n\n"
               "  --config FILE     the config to route with (as serve loads it)\n"
               "  --input FILE      requests, one JSON body per line\n"
               "  --header 'N: V'   a request header for every line (rules with header conditions,\n"
               "                    authorization for per-key budgets, x-semrouter-budget, ...)\n");
}

}  // namespace

int cmd_route(int argc, char** argv) {
  std::string config_path, input;
  std::vector<std::string> header_lines;
  const int rc = parse_options("route", argc, argv, route_help, [&](const Option& o) {
    if (o.is("--config") || o.is("-c")) config_path = o.value();
    else if (o.is("--input")) input = o.value();
    else if (o.is("--header")) {
      std::string h = o.value();
      if (h.find(':') == std::string::npos || h.find(':') == 0) throw UsageError("--header wants 'Name: value', got \"" + h + "\"");
      header_lines.push_back(std::move(h));
    } else return false;
    return true;
  });
  if (rc >= 0) return rc;
  if (config_path.empty() || input.empty()) {
    route_help(stderr);
    return 2;
  }
  if (header_lines.size() > parse::http1::kMaxHeaders) {
    std::fprintf(stderr, "semrouter route: at most %zu --header options\n", parse::http1::kMaxHeaders);
    return 2;
  }
  auto cfg = config::load_config_file(config_path);
  if (!cfg) {
    std::fprintf(stderr, "%s\n", cfg.error().message.c_str());
    return 1;
  }
  metrics::Registry registry;
  server::ModelStore store;
  auto rt = server::build_runtime(std::move(*cfg), registry, 1, &store);
  if (!rt) {
    std::fprintf(stderr, "semrouter route: %s\n", rt.error().message.c_str());
    return 1;
  }
  // Header views point into header_lines, which outlive every use.
  parse::http1::Head head;
  head.method = "POST";
  head.target = "/v1/chat/completions";
  for (const std::string& h : header_lines) {
    const size_t colon = h.find(':');
    // The value trimmed as the HTTP parser trims it.
    head.headers[head.num_headers++] = {std::string_view(h).substr(0, colon),
                                        parse::http1::trim_ows(std::string_view(h).substr(colon + 1))};
  }

  std::ifstream file;
  std::istream* in = &std::cin;
  if (input != "-") {
    file.open(input);
    if (!file) {
      std::fprintf(stderr, "semrouter route: cannot open %s\n", input.c_str());
      return 1;
    }
    in = &file;
  }
  parse::RequestParser parser;
  parse::ChatRequest chat;
  std::string line;
  size_t n = 0, failed = 0;
  while (std::getline(*in, line)) {
    ++n;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    auto report = server::route_report(**rt, parser, chat, line, head, nullptr);
    if (report) {
      std::printf("%s\n", report->c_str());
    } else {
      ++failed;
      const std::string msg = "line " + std::to_string(n) + ": " + report.error().message;
      std::printf("%s\n", nlohmann::json({{"error", msg}}).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    }
  }
  if (failed) std::fprintf(stderr, "semrouter route: %zu of %zu lines had errors\n", failed, n);
  return 0;
}

}  // namespace sr::apps
